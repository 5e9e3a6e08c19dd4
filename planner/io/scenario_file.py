"""Reads a scenario TOML file and the area files it names into a validated :class:`Scenario`."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from planner.core.errors import InputError
from planner.core.schema import check_keys, number, optional_number, string, string_list
from planner.io.areas import read_areas
from planner.io.dem import point_heights, read_terrain
from planner.io.profiles import load_aircraft, load_sensors, read_toml
from planner.layout.pattern import STANDOFF_DEFAULT_M
from planner.model.scenario import Base, FleetEntry, Persistent, Reserve, Scenario, SolverSettings, Task, Wind
from planner.model.terrain import CLEARANCE_DEFAULT_M, FRAMES, Terrain

__all__ = ["ELEVATION_TOLERANCE_M", "read_scenario"]

_TOP = ["name", "start", "areas", "wind", "reserve", "base", "fleet", "solver", "persistent", "autopilot",
        "sensors", "terrain"]

ELEVATION_TOLERANCE_M = 50.0  # a base or target height further than this from the DEM's gets a warning
_REGION_MARGIN_M = 15_000.0  # terrain read round the bases and tasks (orbits, turns, moved centres)


def read_scenario(path: Path) -> Scenario:
    """Read and validate ``path`` and every area file it lists (paths relative to the scenario)."""
    path = Path(path)
    data = read_toml(path)
    where = path.name
    check_keys(data, _TOP, ["name", "start", "base", "fleet"], where)
    root = path.parent
    sensors = load_sensors(_path(root, data["sensors"]) if "sensors" in data else None)
    tasks = []
    notes: list[str] = []
    for area in string_list(data, "areas", where, default=()):
        found, warned = read_areas(_path(root, area))
        tasks.extend(found)
        notes.extend(warned)
    base_tables = _tables(data, "base", where)
    bases = [_base(t, f"{where} [[base]] #{i + 1}") for i, t in enumerate(base_tables)]
    terrain = None
    if "terrain" in data:
        terrain, bases, tasks = _terrain(_table(data, "terrain", where), f"{where} [terrain]", root, bases,
                                         [("elev_m" in t) for t in base_tables], tasks, notes)
    return Scenario(
        name=string(data, "name", where),
        start=_start(data["start"], where),
        tasks=tuple(tasks),
        bases=tuple(bases),
        fleet=tuple(
            _fleet(t, f"{where} [[fleet]] #{i + 1}", root) for i, t in enumerate(_tables(data, "fleet", where))
        ),
        sensors=sensors,
        wind=_wind(_table(data, "wind", where), f"{where} [wind]"),
        reserve=_reserve(_table(data, "reserve", where), f"{where} [reserve]"),
        solver=_solver(_table(data, "solver", where), f"{where} [solver]"),
        persistent=_persistent(_table(data, "persistent", where), f"{where} [persistent]"),
        autopilot=string(data, "autopilot", where, default="ardupilot").lower(),
        warnings=tuple(notes),
        terrain=terrain,
    )


def _terrain(t: dict[str, Any], where: str, root: Path, bases: list[Base], elev_given: list[bool], tasks: list[Task],
             notes: list[str]) -> tuple[Terrain, list[Base], list[Task]]:
    """The ``[terrain]`` table: the DEM read round the bases and tasks, bases given the DEM's height where
    they give no ``elev_m`` (a warning where theirs differs), targets their ground height from the DEM."""
    check_keys(t, ["dem", "clearance_m", "missing_m", "frame"], ["dem"], where)
    paths = [_path(root, p) for p in string_list(t, "dem", where)]
    frame = string(t, "frame", where, default="amsl").lower()
    if frame not in FRAMES:
        raise InputError(f"{where}: 'frame' must be one of {', '.join(FRAMES)}, got {frame!r}")
    lons = [b.lon for b in bases]
    lats = [b.lat for b in bases]
    needed = [(f"base '{b.name}'", np.array([b.lon]), np.array([b.lat])) for b in bases]
    for task in tasks:
        xy = shapely.get_coordinates(task.geometry)
        lons.extend(xy[:, 0])
        lats.extend(xy[:, 1])
        if task.kind != "nofly":
            needed.append((f"task '{task.name}'", xy[:, 0], xy[:, 1]))
    standoffs = [(task.standoff_km * 1000.0 if task.standoff_km else STANDOFF_DEFAULT_M) for task in tasks
                 if task.kind == "standoff"]
    margin = _REGION_MARGIN_M + (max(standoffs) + _REGION_MARGIN_M if standoffs else 0.0)
    terrain = read_terrain(paths, np.array(lons), np.array(lats), margin, needed,
                           clearance_m=number(t, "clearance_m", where, default=CLEARANCE_DEFAULT_M, ge=0, le=5000),
                           missing_m=optional_number(t, "missing_m", where, ge=-500, le=9000), frame=frame)
    known = point_heights(paths, np.array([b.lon for b in bases]), np.array([b.lat for b in bases]))
    fill = terrain.height_m([b.lon for b in bases], [b.lat for b in bases])
    out_bases = []
    for b, given, h in zip(bases, elev_given, np.where(np.isnan(known), fill, known), strict=True):
        if not given:
            out_bases.append(replace(b, elev_m=round(float(h), 1)))
            continue
        if abs(b.elev_m - h) > ELEVATION_TOLERANCE_M:
            notes.append(f"base '{b.name}': elev_m {b.elev_m:g} m is {abs(b.elev_m - h):.0f} m from the DEM's "
                         f"{h:.0f} m; the missions take off from elev_m")
        out_bases.append(b)
    points = [i for i, t in enumerate(tasks) if t.kind != "nofly" and t.geometry.geom_type == "Point"]
    at_points = dict(zip(points, point_heights(paths, np.array([tasks[i].geometry.x for i in points]),
                                               np.array([tasks[i].geometry.y for i in points])), strict=True))
    out_tasks = []
    for i, task in enumerate(tasks):
        if task.kind == "nofly":
            out_tasks.append(task)
            continue
        ground = float(at_points.get(i, math.nan))
        if not math.isfinite(ground):  # an area or line: its highest ground; a point the files miss: the grid's
            ground = terrain.area_highest_m(task.geometry)
        if task.ground_elev_m and abs(task.ground_elev_m - ground) > ELEVATION_TOLERANCE_M:
            notes.append(f"{task.source}: ground_elev_m {task.ground_elev_m:g} m is {abs(task.ground_elev_m - ground):.0f} m "
                         f"from the DEM's {ground:.0f} m; the DEM's is used")
        out_tasks.append(replace(task, ground_elev_m=round(ground, 1)))
    return terrain, out_bases, out_tasks


def _path(root: Path, value: Any) -> Path:
    p = Path(str(value))
    return p if p.is_absolute() else root / p


def _start(value: Any, where: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InputError(f"{where}: 'start' is not an ISO-8601 time (e.g. 2026-12-01T04:00:00Z)") from None
    if isinstance(value, date) and not isinstance(value, datetime):
        raise InputError(f"{where}: 'start' needs a time of day and a zone (e.g. 2026-12-01T04:00:00Z)")
    if not isinstance(value, datetime):
        raise InputError(f"{where}: 'start' must be a UTC time, got {value!r}")
    if value.tzinfo is None:
        raise InputError(f"{where}: 'start' needs a time zone (end it with Z for UTC)")
    return value.astimezone(UTC)


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise InputError(f"{where}: '{key}' must be a table ([{key}])")
    return value


def _tables(data: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InputError(f"{where}: '{key}' must be an array of tables ([[{key}]])")
    return value


def _base(t: dict[str, Any], where: str) -> Base:
    check_keys(t, ["name", "lon", "lat", "elev_m", "gcs_range_km", "antenna_m", "runway_deg"], ["name", "lon", "lat"],
               where)
    return Base(
        name=string(t, "name", where),
        lon=number(t, "lon", where, ge=-180, le=180),
        lat=number(t, "lat", where, ge=-90, le=90),
        elev_m=number(t, "elev_m", where, default=0.0, ge=-500, le=9000),
        gcs_range_km=number(t, "gcs_range_km", where, default=250.0, ge=0),
        antenna_m=number(t, "antenna_m", where, default=10.0, ge=0),
        runway_deg=optional_number(t, "runway_deg", where, ge=0, lt=360),
    )


def _fleet(t: dict[str, Any], where: str, root: Path) -> FleetEntry:
    check_keys(t, ["aircraft", "count", "base", "payload"], ["aircraft", "base"], where)
    count = t.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InputError(f"{where}: 'count' must be a whole number >= 1, got {count!r}")
    payload = string_list(t, "payload", where) if "payload" in t else None
    return FleetEntry(
        aircraft=load_aircraft(string(t, "aircraft", where), root),
        count=count,
        base=string(t, "base", where),
        payload=tuple(p.lower() for p in payload) if payload is not None else None,
    )


def _wind(t: dict[str, Any], where: str) -> Wind:
    check_keys(t, ["from_deg", "speed_mps"], [], where)
    return Wind(number(t, "from_deg", where, default=0.0, ge=0, le=360),
                number(t, "speed_mps", where, default=0.0, ge=0, lt=100))


def _reserve(t: dict[str, Any], where: str) -> Reserve:
    check_keys(t, ["fraction", "min_minutes"], [], where)
    return Reserve(number(t, "fraction", where, default=0.10, ge=0, lt=1),
                   number(t, "min_minutes", where, default=45.0, ge=0))


def _solver(t: dict[str, Any], where: str) -> SolverSettings:
    check_keys(t, ["time_limit_s", "seed", "max_iterations"], [], where)
    seed = t.get("seed", 0)
    iters = t.get("max_iterations")
    for key, value in (("seed", seed), ("max_iterations", iters)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise InputError(f"{where}: '{key}' must be a whole number >= 0, got {value!r}")
    return SolverSettings(number(t, "time_limit_s", where, default=30.0, gt=0), seed, iters)


def _persistent(t: dict[str, Any], where: str) -> Persistent:
    check_keys(t, ["horizon_h", "handover_min"], [], where)
    return Persistent(optional_number(t, "horizon_h", where, gt=0, le=24 * 60),
                      number(t, "handover_min", where, default=15.0, ge=0, lt=600))
