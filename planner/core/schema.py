"""Checks for values read from TOML tables and area-file properties.

Every reader validates through these helpers so that a bad value gives one message naming the file,
the table or feature, the key, what is wrong and what would be right.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any

from planner.core.errors import InputError

__all__ = ["check_keys", "number", "optional_number", "string", "string_list"]

_MISSING: Any = object()


def check_keys(table: Mapping[str, Any], allowed: Iterable[str], required: Iterable[str], where: str) -> None:
    """Refuse unknown keys (suggesting the close spelling) and missing required keys."""
    allowed = list(allowed)
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (allowed: {', '.join(sorted(allowed))})"
            raise InputError(f"{where}: unknown key '{key}'{hint}")
    for key in required:
        if key not in table:
            raise InputError(f"{where}: missing required key '{key}'")


def number(
    table: Mapping[str, Any],
    key: str,
    where: str,
    *,
    default: Any = _MISSING,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
) -> float:
    """A finite real number from ``table[key]`` within the given bounds."""
    if key not in table or table[key] is None:
        if default is _MISSING:
            raise InputError(f"{where}: missing required key '{key}'")
        return float(default)
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{where}: '{key}' must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise InputError(f"{where}: '{key}' must be finite, got {value}")
    for bound, ok, word in (
        (ge, lambda b: value >= b, ">="),
        (gt, lambda b: value > b, ">"),
        (le, lambda b: value <= b, "<="),
        (lt, lambda b: value < b, "<"),
    ):
        if bound is not None and not ok(bound):
            raise InputError(f"{where}: '{key}' must be {word} {bound:g}, got {value:g}")
    return value


def optional_number(table: Mapping[str, Any], key: str, where: str, **bounds: float) -> float | None:
    """Like :func:`number`, but ``None`` when the key is absent."""
    if key not in table or table[key] is None:
        return None
    return number(table, key, where, **bounds)


def string(table: Mapping[str, Any], key: str, where: str, *, default: Any = _MISSING) -> str:
    """A non-empty string from ``table[key]``."""
    if key not in table or table[key] is None:
        if default is _MISSING:
            raise InputError(f"{where}: missing required key '{key}'")
        return default
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: '{key}' must be a non-empty string, got {value!r}")
    return value.strip()


def string_list(table: Mapping[str, Any], key: str, where: str, *, default: Any = _MISSING) -> tuple[str, ...]:
    """A list of non-empty strings (a single string is taken as a list of one)."""
    if key not in table or table[key] is None:
        if default is _MISSING:
            raise InputError(f"{where}: missing required key '{key}'")
        return tuple(default)
    value = table[key]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError(f"{where}: '{key}' must be a list of strings, got {value!r}")
    return tuple(v.strip() for v in value)
