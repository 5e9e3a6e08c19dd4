"""Sweeps: the variants of a scenario over the cartesian product of swept values, each with a folder name."""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.io.sweep_file import Sweep

__all__ = ["Variant", "expand_sweep", "safe_name"]

_NAME_MAX = 120  # longest variant folder name built from values; longer ones are numbered instead


@dataclass(frozen=True, eq=False)
class Variant:
    """One scenario of a sweep: folder name, scenario table, and the swept (key, value) pairs."""

    name: str
    table: dict[str, Any]
    params: tuple[tuple[str, Any], ...]


def expand_sweep(sweep: Sweep, base: Mapping[str, Any]) -> list[Variant]:
    """The variants of ``sweep`` over the scenario table ``base``: the cartesian product of its values.

    Each variant's table is ``base`` with ``sweep.fixed`` then the variant's values set, and its name
    tagged with them. Folder names are ``<sweep>__<key>=<value>…`` (the shortest unique key endings),
    or ``<sweep>-001…`` when those would clash or be too long. Raises InputError for a key that does
    not fit the table (e.g. an index past the end of an array).
    """
    where = sweep.source.name if sweep.source != Path() else f"sweep '{sweep.name}'"
    keys = [k for k, _ in sweep.vary]
    labels = _labels(keys)
    prefix = safe_name(sweep.name)
    variants = []
    for combo in itertools.product(*(values for _, values in sweep.vary)):
        table = copy.deepcopy(dict(base))
        for key, value in sweep.fixed:
            _assign(table, key, value, where)
        for key, value in zip(keys, combo, strict=True):
            _assign(table, key, value, where)
        if isinstance(table.get("name"), str):
            tag = ", ".join(f"{k}={_label_value(v)}" for k, v in zip(keys, combo, strict=True))
            table["name"] = f"{table['name']} [{tag}]"
        name = prefix + "".join(f"__{lab}={safe_name(_label_value(v))}" for lab, v in zip(labels, combo, strict=True))
        variants.append(Variant(name, table, tuple(zip(keys, combo, strict=True))))
    names = [v.name for v in variants]
    if len(set(names)) != len(names) or max(len(n) for n in names) > _NAME_MAX:
        width = len(str(len(variants)))
        variants = [Variant(f"{prefix}-{i + 1:0{max(width, 3)}d}", v.table, v.params) for i, v in enumerate(variants)]
    return variants


def _labels(keys: list[str]) -> list[str]:
    """For each dotted key, its shortest ending (in whole segments) that no other key shares."""
    parts = [k.split(".") for k in keys]
    out = []
    for p in parts:
        for n in range(1, len(p) + 1):
            tail = p[-n:]
            if sum(1 for q in parts if q[-n:] == tail) == 1:
                break
        out.append(".".join(tail))
    return out


def _label_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return "+".join(_label_value(v) for v in value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k}:{_label_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def safe_name(text: str) -> str:
    """``text`` as a file-safe name: letters, digits, ``. _ = + -`` kept, other runs become ``-``."""
    safe = re.sub(r"[^A-Za-z0-9._=+-]+", "-", text).strip("-")
    return safe.lstrip(".") or "scenario"


def _assign(table: dict[str, Any], key: str, value: Any, where: str) -> None:
    """Set the dotted ``key`` in ``table``: tables are created as needed, arrays indexed by number or ``*``."""
    parts = key.split(".")

    def walk(node: Any, i: int) -> None:
        here = ".".join(parts[:i]) or "the scenario"
        part = parts[i]
        if isinstance(node, list):
            if part == "*":
                targets: list[Any] = list(range(len(node)))
            elif part.isdigit():
                if int(part) >= len(node):
                    raise InputError(f"{where}: '{key}': {here} has {len(node)} entries, so no entry {part} "
                                     f"(entries count from 0)")
                targets = [int(part)]
            else:
                raise InputError(f"{where}: '{key}': {here} is an array; pick entries with a number (from 0) or *")
        elif isinstance(node, dict):
            if part == "*" or not part:
                raise InputError(f"{where}: '{key}': {here} is a table, not an array")
            targets = [part]
        else:
            raise InputError(f"{where}: '{key}': {here} is a value, not a table")
        for t in targets:
            if i == len(parts) - 1:
                node[t] = copy.deepcopy(value)
            else:
                if isinstance(node, dict) and t not in node:
                    node[t] = {}
                walk(node[t], i + 1)

    walk(table, 0)
