"""Write docs/cli.md, the command reference, from the ``planner`` command line itself.

Run from the repository root: ``python docs/make_cli_reference.py``; with ``--check`` it writes nothing
and exits 1 when docs/cli.md differs from what it would write (tests/test_docs.py does the same).

The page is built from the click command tree typer makes of ``planner.cli.app``: every command and
sub-command in the order the CLI defines them, its usage, help, and a table of its arguments and
options. Nothing depends on the terminal (width, colour), so the same code gives the same bytes.
"""

from __future__ import annotations

import inspect
import re
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CLI_MD = Path(__file__).resolve().parent / "cli.md"
GENERATOR = "python docs/make_cli_reference.py"

_TYPE_NAMES: dict[Any, str] = {str: "text", int: "integer", float: "number", Path: "path", bool: "boolean"}
_CLICK_TYPE_NAMES = {"float": "number", "integer range": "integer", "float range": "number", "directory": "path"}


def render() -> str:
    """The whole of docs/cli.md as text."""
    import typer

    from planner.cli import app

    root = typer.main.get_command(app)
    lines = [
        "# Command reference",
        "",
        f"Generated from the command line itself by `{GENERATOR}`; do not edit it by hand "
        "(`tests/test_docs.py` fails when it is out of date). Every command also takes `--help`, which "
        "prints the same text in the terminal. For a first run see [getting started](getting-started.md).",
        "",
    ]
    for path, command in _walk(root, ("planner",)):
        lines += _section(path, command)
    lines += _exit_codes()
    return "\n".join(lines).rstrip("\n") + "\n"


def _walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    """``command`` and every visible sub-command below it, depth first, in the CLI's own order."""
    yield path, command
    for name, sub in _subcommands(command):
        yield from _walk(sub, (*path, name))


def _subcommands(command: Any) -> list[tuple[str, Any]]:
    return [(name, sub) for name, sub in getattr(command, "commands", {}).items() if not sub.hidden]


def _section(path: tuple[str, ...], command: Any) -> list[str]:
    title = " ".join(path)
    lines = [f"## {title}", "", "```text", _usage(title, command), "```", ""]
    for paragraph in _help_paragraphs(command.help):
        lines += [_md(paragraph), ""]
    subs = _subcommands(command)
    if subs:
        lines += ["| command | what it does |", "| --- | --- |"]
        for name, sub in subs:
            anchor = _anchor(f"{title} {name}")
            lines.append(f"| [`{title} {name}`](#{anchor}) | {_cell(_short_help(sub))} |")
        lines.append("")
    params = [p for p in command.params if not getattr(p, "hidden", False)]
    if params:
        lines += ["| argument / option | type | default | description |", "| --- | --- | --- | --- |"]
        for p in params:
            lines.append(f"| {_names(p)} | {_type(p)} | {_default(p)} | {_cell(p.help or '')} |")
        lines.append("")
    return lines


def _usage(title: str, command: Any) -> str:
    pieces = [title, "[OPTIONS]"]
    pieces += [_argument_name(p, usage=True) for p in command.params if _is_argument(p)]
    if _subcommands(command):
        pieces.append("COMMAND [ARGS]...")
    return " ".join(pieces)


def _is_argument(param: Any) -> bool:
    return param.param_type_name == "argument"


def _argument_name(param: Any, *, usage: bool = False) -> str:
    name = param.metavar or param.name.upper()
    if param.nargs != 1 and not name.endswith("..."):
        name += "..."
    return f"[{name}]" if usage and not param.required else name


def _help_paragraphs(text: str | None) -> list[str]:
    """The help text's paragraphs: click's ``\\f`` cuts it, ``\\b`` marks a paragraph kept as written."""
    text = inspect.cleandoc(text or "").split("\f")[0]
    paragraphs = (p.replace("\b\n", "").strip() for p in re.split(r"\n\s*\n", text))
    return [p for p in paragraphs if p]


def _short_help(command: Any) -> str:
    if command.short_help:
        return command.short_help
    paragraphs = _help_paragraphs(command.help)
    return " ".join(paragraphs[0].split()) if paragraphs else ""


def _anchor(title: str) -> str:
    """GitHub's anchor of a heading made of words, spaces and hyphens."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def _names(param: Any) -> str:
    if _is_argument(param):
        return f"`{_argument_name(param)}`"
    names = ", ".join(f"`{o}`" for o in param.opts)
    if param.secondary_opts:
        names += " / " + ", ".join(f"`{o}`" for o in param.secondary_opts)
    return names


def _type(param: Any) -> str:
    if getattr(param, "is_flag", False) and not _is_argument(param):
        return "flag"
    label = _base_type(param)
    low = _bound(param, "min")
    high = _bound(param, "max")
    if low is not None and high is not None:
        label += f" {_number(low)}–{_number(high)}"
    elif low is not None:
        label += f" ≥ {_number(low)}"
    elif high is not None:
        label += f" ≤ {_number(high)}"
    if param.nargs == -1:
        label += ", one or more" if param.required else ", any number"
    elif getattr(param, "multiple", False):
        label += ", repeatable"
    return _cell(label)


def _base_type(param: Any) -> str:
    desc = getattr(param, "type_descriptor", None)
    if desc is not None:  # typer that carries the annotation itself
        if getattr(desc, "is_choice", False) and desc.choices:
            return "|".join(str(c) for c in desc.choices)
        annotation = desc.annotation
        if typing.get_origin(annotation) in (list, tuple, set):
            annotation = typing.get_args(annotation)[0]
        return _TYPE_NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)).lower())
    kind = param.type  # typer on top of click: a click ParamType
    choices = getattr(kind, "choices", None)
    if choices:
        return "|".join(str(c) for c in choices)
    return _CLICK_TYPE_NAMES.get(kind.name, kind.name)


def _bound(param: Any, which: str) -> float | None:
    value = getattr(param, which, None)
    if value is None:
        value = getattr(getattr(param, "type", None), which, None)
    return value


def _default(param: Any) -> str:
    if param.required:
        return "required"
    default = param.default
    if getattr(param, "is_flag", False) and not _is_argument(param):
        if param.secondary_opts:
            return f"`{(param.opts if default else param.secondary_opts)[0]}`"
        return "on" if default else "off"
    if param.show_default is False or default is None or default in ((), []):
        return ""
    if callable(default):
        return "dynamic"
    if isinstance(default, float | int) and not isinstance(default, bool):
        return f"`{_number(default)}`"
    return _cell(f"`{default}`")


def _number(value: float) -> str:
    return f"{value:g}"


def _md(text: str) -> str:
    """Prose for markdown: ``<`` and ``>`` outside code spans become entities, so ``<name>`` shows."""
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(p if p.startswith("`") else p.replace("<", "&lt;").replace(">", "&gt;") for p in parts)


def _cell(text: str) -> str:
    """One line of prose for a table cell: whitespace collapsed, pipes escaped."""
    return _md(" ".join(text.split())).replace("|", "\\|")


def _exit_codes() -> list[str]:
    """The exit codes the CLI returns, the planner's ones read from the error classes themselves."""
    from planner.core import errors

    by_code: dict[int, list[type[errors.PlannerError]]] = {}
    for cls in vars(errors).values():  # in the order the module defines them
        if isinstance(cls, type) and issubclass(cls, errors.PlannerError) and cls is not errors.PlannerError:
            by_code.setdefault(cls.exit_code, []).append(cls)
    rows = [
        (0, "Success. `planner check`: every file is clean; `planner batch`: no scenario failed.", ""),
        (1, "An unexpected error: a bug, printed with a Python traceback. Please report it.", ""),
    ]
    for code in sorted(by_code):
        classes = by_code[code]
        meaning = " ".join(_error_meaning(cls) for cls in classes)
        if code == 2:
            meaning = meaning.rstrip(".") + ", e.g. an unknown option, a missing argument or a bad option value (in every command)."
        rows.append((code, meaning, ", ".join(f"`planner.core.errors.{cls.__name__}`" for cls in classes)))
    rows.append((130, "Interrupted (Ctrl-C): nothing is written (`planner batch` keeps the scenarios it finished).", ""))
    lines = [
        "## Exit codes",
        "",
        "Every command returns one of these; the message goes to stderr. The library raises the same errors, "
        "each also a subclass of the matching Python built-in (`ValueError`, `RuntimeError`, `OSError`).",
        "",
        "| code | meaning | error class |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {code} | {_cell(meaning)} | {classes} |" for code, meaning, classes in rows]
    lines.append("")
    return lines


def _error_meaning(cls: type) -> str:
    first = _help_paragraphs(cls.__doc__)[0]
    first = re.sub(r"\s*\(exit \d+\)", "", " ".join(first.split()))
    return first.replace("``", "`")


def main(argv: list[str] | None = None) -> int:
    """Write docs/cli.md, or with ``--check`` say whether it is up to date (exit 1 when not)."""
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["--check"]):
        print(f"usage: {GENERATOR} [--check]", file=sys.stderr)
        return 2
    text = render()
    current = CLI_MD.read_text(encoding="utf-8") if CLI_MD.exists() else None
    if args == ["--check"]:
        if current != text:
            print(f"{CLI_MD} is out of date: run {GENERATOR}", file=sys.stderr)
            return 1
        print(f"{CLI_MD} is up to date")
        return 0
    if current == text:
        print(f"{CLI_MD} is up to date")
        return 0
    CLI_MD.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {CLI_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
