"""Reads area files (any vector format GDAL reads, any CRS) into WGS84 :class:`~planner.scenario.Task`s."""

from __future__ import annotations

import math
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

from planner.core.errors import InputError
from planner.model.scenario import TASK_KINDS, Task

__all__ = ["read_areas"]

_GEOM_TYPES = {
    "orbit": ("Point",),
    "standoff": ("Point", "Polygon", "MultiPolygon"),
    "survey": ("Polygon", "MultiPolygon"),
    "patrol": ("LineString", "MultiLineString"),
    "nofly": ("Polygon", "MultiPolygon"),
}
_NUMERIC = ("priority", "dwell_min", "alt_m", "persistent_h", "standoff_km", "width_m", "ground_elev_m", "alt_agl_m")
_TIMES = ("window_start", "window_end")
DEFAULT_DWELL_MIN = 30.0


def read_areas(path: Path) -> tuple[list[Task], list[str]]:
    """Every feature of every layer in ``path`` as a Task, with warnings about repaired geometry.

    Raises InputError for a missing, unreadable or empty file, a file without a CRS, bad properties
    or unusable geometry.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # GDAL raises several types for unreadable data
        raise InputError(f"{path}: not a vector file GDAL can read ({_first_line(exc)})") from None
    tasks: list[Task] = []
    notes: list[str] = []
    for layer in layers:
        label = f"{path.name}" if len(layers) == 1 else f"{path.name} layer '{layer}'"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame = pyogrio.read_dataframe(path, layer=layer, datetime_as_string=True)
        except Exception as exc:
            raise InputError(f"{label}: cannot read ({_first_line(exc)})") from None
        if len(frame) == 0:
            continue
        if frame.crs is None:
            raise InputError(
                f"{label}: has no coordinate reference system; add one (e.g. a .prj file, or "
                f"ogr2ogr -a_srs EPSG:4326) so positions are not guessed"
            )
        if not frame.crs.equals("EPSG:4326"):
            frame = frame.to_crs("EPSG:4326")
        columns = [c for c in frame.columns if c != "geometry"]
        for index, (geom, raw) in enumerate(zip(frame.geometry, frame[columns].to_dict("records"), strict=True)):
            row = _normalise_keys(raw)
            task, note = _task(row, geom, f"{label} feature #{index + 1}", f"{path.stem}-{index + 1}")
            tasks.append(task)
            if note:
                notes.append(note)
    if not tasks:
        raise InputError(f"{path}: holds no features")
    return tasks, notes


_PROPERTIES = ("task", "name", "sensor", *_NUMERIC, *_TIMES)


def _normalise_keys(row: dict[str, Any]) -> dict[str, Any]:
    """Property names matched case-insensitively (KML gives ``Name``) and through the Shapefile's
    10-character truncation (``window_sta`` is ``window_start``)."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        low = str(key).lower()
        if low not in _PROPERTIES:
            full = [p for p in _PROPERTIES if len(low) == 10 and p[:10] == low]
            low = full[0] if len(full) == 1 else low
        if low not in out or not _present(out[low]):
            out[low] = value
    return out


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return not (isinstance(value, str) and not value.strip())


def _number(row: dict[str, Any], key: str, where: str) -> float | None:
    value = row.get(key)
    if not _present(value):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise InputError(f"{where}: property '{key}' must be a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InputError(f"{where}: property '{key}' must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise InputError(f"{where}: property '{key}' must be finite")
    return value


def _time(row: dict[str, Any], key: str, where: str) -> datetime | None:
    value = row.get(key)
    if not _present(value):
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InputError(
                f"{where}: property '{key}' is not an ISO-8601 time (e.g. 2026-12-01T06:00:00Z): {value!r}"
            ) from None
    if not isinstance(value, datetime):
        raise InputError(f"{where}: property '{key}' must be an ISO-8601 UTC time, got {value!r}")
    if value.tzinfo is None:
        raise InputError(f"{where}: property '{key}' needs a time zone (end it with Z for UTC)")
    return value.astimezone(UTC)


def _task(row: dict[str, Any], geom: BaseGeometry | None, where: str, fallback_name: str) -> tuple[Task, str]:
    kind = row.get("task")
    if not _present(kind):
        raise InputError(f"{where}: property 'task' is missing (one of {', '.join(TASK_KINDS)})")
    kind = str(kind).strip().lower()
    if kind not in TASK_KINDS:
        raise InputError(f"{where}: task {kind!r} is not one of {', '.join(TASK_KINDS)}")
    name = str(row["name"]).strip() if _present(row.get("name")) else fallback_name
    where = f"{where} ({name!r})"
    if geom is None or geom.is_empty:
        raise InputError(f"{where}: has no geometry")
    geom = shapely.force_2d(geom)
    geom, note = _clean_geometry(geom, kind, where)
    numbers = {key: _number(row, key, where) for key in _NUMERIC}
    sensor = row.get("sensor")
    sensor = str(sensor).strip().lower() if _present(sensor) else None
    dwell = numbers["dwell_min"]
    if dwell is None and kind in ("orbit", "standoff"):
        dwell = DEFAULT_DWELL_MIN
    task = Task(
        name=name,
        kind=kind,
        geometry=geom,
        priority=1.0 if numbers["priority"] is None else numbers["priority"],
        sensor=sensor,
        dwell_min=dwell,
        alt_m=numbers["alt_m"],
        window_start=_time(row, "window_start", where),
        window_end=_time(row, "window_end", where),
        persistent_h=numbers["persistent_h"],
        standoff_km=numbers["standoff_km"],
        width_m=numbers["width_m"],
        ground_elev_m=numbers["ground_elev_m"] or 0.0,
        source=where,
        alt_agl_m=numbers["alt_agl_m"],
    )
    return task, note


def _clean_geometry(geom: BaseGeometry, kind: str, where: str) -> tuple[BaseGeometry, str]:
    allowed = _GEOM_TYPES[kind]
    if geom.geom_type not in allowed:
        raise InputError(f"{where}: a '{kind}' task needs {' or '.join(allowed)}, got {geom.geom_type}")
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        raise InputError(f"{where}: coordinates are not finite")
    lon, lat = coords[:, 0], coords[:, 1]
    if (np.abs(lat) > 90).any() or (np.abs(lon) > 180).any():
        if (np.abs(lon) <= 90).all() and (np.abs(lat) <= 180).all():
            raise InputError(f"{where}: latitude out of range; longitude and latitude look swapped (x must be lon)")
        raise InputError(f"{where}: coordinates outside lon [-180, 180] / lat [-90, 90]")
    note = ""
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        fixed = shapely.make_valid(geom)
        if fixed.geom_type == "GeometryCollection":
            parts = [g for g in fixed.geoms if g.geom_type in allowed or g.geom_type.replace("Multi", "") in allowed]
            fixed = shapely.union_all(parts) if parts else fixed
        if fixed.geom_type not in allowed or fixed.is_empty:
            raise InputError(f"{where}: invalid geometry ({reason}) that cannot be repaired safely")
        if "Polygon" in allowed and geom.area > 0 and abs(fixed.area - abs(geom.area)) > 0.2 * fixed.area:
            raise InputError(f"{where}: invalid geometry ({reason}); repairing it would change its area a lot")
        note = f"{where}: repaired invalid geometry ({reason})"
        geom = fixed
    if "Polygon" in geom.geom_type and geom.area == 0:
        raise InputError(f"{where}: polygon has no area")
    return geom, note
