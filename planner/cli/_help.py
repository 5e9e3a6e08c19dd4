"""The terminal help of every command, tidied once the click command tree is built: help text shown as
written (rich markup would eat ``[persistent]``), value types as plain words (``PATH``, ``NUMBER``; none for
flags) instead of Python annotations (``<list[Path]>``, ``<bool>``), and usage lines such as ``FILE...``."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

from rich.markup import escape

__all__ = ["tidy_help"]

_WORDS: dict[Any, str] = {Path: "PATH", float: "NUMBER", int: "INTEGER", str: "TEXT", bool: "BOOLEAN"}


def tidy_help(command: Any) -> Any:
    """``command`` and every sub-command with tidied help (changed in place; returned for chaining)."""
    if command.help:
        command.help = escape(command.help)
    for param in command.params:
        _tidy_param(param)
    helper = command.get_help_option(command.context_class(command))  # made once, then kept by the command
    if helper is not None:
        helper.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        tidy_help(sub)
    return command


def _tidy_param(param: Any) -> None:
    help_text = getattr(param, "help", None)
    if help_text:
        param.help = escape(help_text)  # type: ignore[attr-defined]
    if param.param_type_name == "argument":
        name = param.metavar or (param.name or "").upper()
        param.metavar = name.removesuffix("...")
        param.__class__ = _argument_class(type(param))
        return
    if param.metavar is None:
        param.metavar = "" if getattr(param, "is_flag", False) else _type_word(param)


def _type_word(param: Any) -> str:
    """``PATH``, ``NUMBER``, ``a|b`` for a choice: what one value of ``param`` is."""
    desc = param.type_descriptor
    if desc.is_choice and desc.choices:
        return "|".join(map(str, desc.choices))
    annotation = desc.annotation
    if typing.get_origin(annotation) in (list, tuple, set):
        annotation = typing.get_args(annotation)[0]
    return _WORDS.get(annotation, getattr(annotation, "__name__", "VALUE").upper())


_ARGUMENT_CLASSES: dict[type, type] = {}


def _argument_class(base: type) -> type:
    """``base`` (typer's argument class) with a usage name of ``NAME``, ``[NAME]`` or ``NAME...``."""
    if base not in _ARGUMENT_CLASSES:

        class Argument(base):  # type: ignore[misc, valid-type]
            def _usage_display_name(self) -> str:
                name = self.metavar + ("..." if self.nargs != 1 else "")
                return name if self.required else f"[{name}]"

            def display_type_rich(self, ctx: Any) -> str:
                return _type_word(self)

        _ARGUMENT_CLASSES[base] = Argument
    return _ARGUMENT_CLASSES[base]
