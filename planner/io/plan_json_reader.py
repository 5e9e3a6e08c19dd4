"""Reads a saved ``plan.json`` back (schema ``planner-plan/1``) and checks the parts a summary shows."""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.io.plan_json import SCHEMA

__all__ = ["read_plan_document"]

_SORTIE_FIELDS: dict[str, type] = {
    "name": str, "aircraft": str, "base": str, "loadout": list, "takeoff": str, "landing": str, "tasks": list,
}
_SORTIE_NUMBERS = ("distance_m", "flight_s", "endurance_s", "endurance_used", "reserve_left_s")
_METRIC_KEYS = ("priority_served", "priority_total", "tasks_served", "tasks_unserved", "sorties")


def read_plan_document(path: Path) -> dict[str, Any]:
    """The ``plan.json`` document of a plan folder (or of the ``plan.json`` file itself), checked.

    Raises InputError when the file is missing or unreadable, is not JSON, has another schema, or
    lacks a field the summary needs (named with where it is).
    """
    path = Path(path)
    file = path / "plan.json" if path.is_dir() else path
    if not file.exists():
        where = f"{path} holds no plan.json" if path.is_dir() else f"{path}: not found"
        raise InputError(f"{where} (give a plan folder written by `planner plan -o DIR`, or its plan.json)")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{file}: cannot read: {getattr(exc, 'strerror', None) or exc}") from exc
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{file}: not valid JSON ({exc})") from None
    _check(doc, file)
    return doc


def _check(doc: Any, file: Path) -> None:
    if not isinstance(doc, dict):
        raise InputError(f"{file}: expected a JSON object at the top")
    schema = doc.get("schema")
    if schema != SCHEMA:
        raise InputError(f"{file}: schema {schema!r} is not {SCHEMA!r}; this planner reads {SCHEMA} plans only")
    _field(doc, "name", str, f"{file}")
    _field(doc, "start", str, f"{file}")
    _time(doc["start"], f"{file}: 'start'")
    metrics = _field(doc, "metrics", dict, f"{file}")
    for key in _METRIC_KEYS:
        _number(metrics, key, f"{file}: metrics")
    for i, s in enumerate(_field(doc, "sorties", list, f"{file}")):
        where = f"{file}: sorties[{i}]"
        if not isinstance(s, dict):
            raise InputError(f"{where} must be an object")
        for key, kind in _SORTIE_FIELDS.items():
            _field(s, key, kind, where)
        for key in _SORTIE_NUMBERS:
            _number(s, key, where)
        _time(s["takeoff"], f"{where}: 'takeoff'")
        _time(s["landing"], f"{where}: 'landing'")
        if s["endurance_s"] <= 0:
            raise InputError(f"{where}: 'endurance_s' must be > 0")
    for i, u in enumerate(_field(doc, "unserved", list, f"{file}")):
        if not (isinstance(u, dict) and isinstance(u.get("task"), str) and isinstance(u.get("reason"), str)):
            raise InputError(f"{file}: unserved[{i}] needs 'task' and 'reason' strings")
    for i, t in enumerate(_field(doc, "tasks", list, f"{file}")):
        if not (isinstance(t, dict) and isinstance(t.get("name"), str)):
            raise InputError(f"{file}: tasks[{i}] needs a 'name' string")
        _number(t, "priority", f"{file}: tasks[{i}]")
    if "notes" in doc and not (isinstance(doc["notes"], list) and all(isinstance(n, str) for n in doc["notes"])):
        raise InputError(f"{file}: 'notes' must be a list of strings")


def _field(table: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in table:
        raise InputError(f"{where}: missing '{key}'")
    value = table[key]
    if not isinstance(value, kind):
        raise InputError(f"{where}: '{key}' must be {_KIND_NAMES.get(kind, kind.__name__)}, got {value!r}")
    return value


def _number(table: dict[str, Any], key: str, where: str) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"{where}: '{key}' must be a finite number, got {value!r}")
    return float(value)


def _time(value: str, where: str) -> datetime:
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"{where}: {value!r} is not an ISO-8601 time") from None
    if t.tzinfo is None:
        raise InputError(f"{where}: {value!r} has no time zone")
    return t


_KIND_NAMES = {str: "a string", dict: "an object", list: "a list"}
