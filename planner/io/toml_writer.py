"""Formats a TOML table (the dicts ``tomllib`` returns) back into TOML text that reads back equal.

Used to write the exact ``scenario.toml`` of each batch variant. Comments and layout of a source file
are not kept; values, key order within a table, and types (including datetimes) are.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

__all__ = ["format_toml"]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def format_toml(table: Mapping[str, Any]) -> str:
    """TOML text for ``table``: plain keys first, then sub-tables, then arrays of tables.

    Raises TypeError for a value TOML cannot hold (e.g. ``None``).
    """
    lines: list[str] = []
    _emit_table(table, (), lines, header=None)
    text = "\n".join(lines).strip("\n")
    return text + "\n" if text else ""


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _emit_table(table: Mapping[str, Any], path: tuple[str, ...], lines: list[str], header: str | None) -> None:
    if header is not None:
        if lines:
            lines.append("")
        lines.append(header)
    subtables = []
    arrays = []
    for key, value in table.items():
        if isinstance(value, Mapping):
            subtables.append((key, value))
        elif _is_table_array(value):
            arrays.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in subtables:
        sub = (*path, key)
        _emit_table(value, sub, lines, header=f"[{'.'.join(_key(k) for k in sub)}]")
    for key, items in arrays:
        sub = (*path, key)
        for item in items:
            _emit_table(item, sub, lines, header=f"[[{'.'.join(_key(k) for k in sub)}]]")


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _string(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }" if value else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"TOML cannot hold {type(value).__name__} value {value!r}")
