"""Reads aircraft profiles and the sensor catalogue: built-in ones shipped in ``planner/data``, or user files."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.model.aircraft import Aircraft
from planner.model.sensors import Sensor

__all__ = ["builtin_aircraft", "load_aircraft", "load_sensors", "read_toml"]


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; any failure is an InputError naming the file and line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if not text.strip():
        raise InputError(f"{path}: file is empty")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: malformed TOML: {exc}") from None


def _data_dir() -> Any:
    return resources.files("planner") / "data"


@cache
def builtin_aircraft() -> dict[str, Aircraft]:
    """Every built-in aircraft profile by name."""
    out: dict[str, Aircraft] = {}
    for entry in sorted((_data_dir() / "aircraft").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            craft = Aircraft.from_mapping(data, f"built-in profile {entry.name}")
            out[craft.name] = craft
    return out


def load_aircraft(name_or_path: str, relative_to: Path | None = None) -> Aircraft:
    """A built-in profile by name, or a profile TOML file (relative paths against ``relative_to``)."""
    builtin = builtin_aircraft()
    if name_or_path in builtin:
        return builtin[name_or_path]
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        path = Path(name_or_path)
        if not path.is_absolute() and relative_to is not None:
            path = relative_to / path
        return Aircraft.from_mapping(read_toml(path), str(path))
    import difflib

    close = difflib.get_close_matches(name_or_path, list(builtin), n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"built-in: {', '.join(builtin)}; or give a profile .toml path"
    raise InputError(f"unknown aircraft '{name_or_path}' ({hint})")


@cache
def _builtin_sensors() -> dict[str, Sensor]:
    data = tomllib.loads((_data_dir() / "sensors.toml").read_text(encoding="utf-8"))
    return _sensors_from(data, "built-in sensors.toml")


def _sensors_from(data: dict[str, Any], where: str) -> dict[str, Sensor]:
    items = data.get("sensor")
    if not isinstance(items, list) or not items:
        raise InputError(f"{where}: needs one or more [[sensor]] tables")
    out: dict[str, Sensor] = {}
    for i, table in enumerate(items):
        sensor = Sensor.from_mapping(table, f"{where} [[sensor]] #{i + 1}")
        if sensor.name in out:
            raise InputError(f"{where}: sensor '{sensor.name}' defined twice")
        out[sensor.name] = sensor
    return out


def load_sensors(path: Path | None = None) -> dict[str, Sensor]:
    """The built-in sensor catalogue, or one read from ``path``."""
    if path is None:
        return dict(_builtin_sensors())
    return _sensors_from(read_toml(path), str(path))
