"""No-fly zones applied to a layout: bases checked, tasks inside zones dropped, orbits moved clear,
patterns that would enter a zone refused (docs/airspace.md). Geometry is :mod:`planner.layout.airspace`'s."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import shapely

from planner.core import geo
from planner.core.errors import InputError
from planner.layout.airspace import Airspace
from planner.layout.orbit import OrbitDesign, design_orbit, farthest_m, slant_m, unwatched
from planner.layout.pattern import PatternDesign
from planner.model.aircraft import Aircraft
from planner.model.fleet import Airframe
from planner.model.scenario import Scenario, Task, Wind
from planner.model.sensors import Sensor

__all__ = ["airspace_of", "keep_clear", "orbit_conflicts", "outside_zones"]


def airspace_of(scenario: Scenario, frame: geo.LocalFrame, fleet: list[Airframe]) -> Airspace | None:
    """The scenario's no-fly zones (None without any), checked against the bases aircraft fly from.

    Raises InputError for such a base inside a zone, or whose climb and descent circle (the widest
    cruise turn in the wind, as the mission flies it) or final approach (flown from that circle's
    tangent) enters one.
    """
    if not scenario.nofly:
        return None
    space = Airspace.from_tasks(scenario.tasks, frame)
    wind = scenario.wind.speed_mps
    for base in {f.base.name: f.base for f in fleet}.values():
        zone = space.zone_of(base.lon, base.lat)
        if zone is not None:
            raise InputError(f"base '{base.name}' is inside no-fly zone '{zone}'")
        radius = max(math.ceil(f.aircraft.turn_radius_m(wind, loiter=False)) for f in fleet if f.base.name == base.name)
        zone = space.orbit_conflicts(base.lon, base.lat, radius)[0]
        if zone is not None:
            raise InputError(f"base '{base.name}': the climb and descent circle over it ({radius} m) enters no-fly "
                             f"zone '{zone}'")
        # the approach starts where the descent circle is left on its tangent toward its first point
        zone = space.path_conflict([(base.lon, base.lat), base.approach_start(scenario.wind)], [float(radius), 0.0])
        if zone is not None:
            heading = base.landing_heading_deg(scenario.wind)
            hint = "" if base.runway_deg is not None else " (no runway_deg: into the wind, or north in calm air; give one)"
            raise InputError(f"base '{base.name}': the final approach on {heading:03.0f}°{hint}, from the {radius} m "
                             f"descent circle, enters no-fly zone '{zone}'")
    return space


def outside_zones(space: Airspace, tasks: list[Task], unserved: dict[str, str]) -> list[Task]:
    """``tasks`` less those inside a no-fly zone (recorded in ``unserved``): an orbit's target, or a
    whole survey area or patrol line. A stand-off target may lie inside: it is watched from outside."""
    out = []
    for task in tasks:
        zone = None
        if task.kind in ("orbit", "survey", "patrol"):
            xy = np.asarray(shapely.get_coordinates(task.geometry))
            if space.contains(xy[:, 0], xy[:, 1]).all():
                zone = space.zone_of(float(xy[0, 0]), float(xy[0, 1]))
        if zone is not None:
            unserved[task.name] = f"inside no-fly zone '{zone}'"
        else:
            out.append(task)
    return out


def orbit_conflicts(space: Airspace | None, work: list[Task], fits: list[tuple[Aircraft, dict[str, Sensor]]],
                    wind: Wind) -> dict[tuple[str, int], str]:
    """(task name, kit index) -> the no-fly zone the orbit circle centred on the task would meet, for every
    orbit task and kit (aircraft type and sensors) whose circle meets one (one vectorised test per kit)."""
    orbits = [t for t in work if t.kind == "orbit"]
    if space is None or not orbits:
        return {}
    lon = np.array([t.geometry.x for t in orbits])
    lat = np.array([t.geometry.y for t in orbits])
    out = {}
    for k, (aircraft, kit) in enumerate(fits):
        radius = [design_orbit(t, aircraft, kit.get(t.capability or ""), wind).radius_m for t in orbits]
        for task, zone in zip(orbits, space.orbit_conflicts(lon, lat, radius), strict=True):
            if zone is not None:
                out[task.name, k] = zone
    return out


def keep_clear(space: Airspace, task: Task, design: OrbitDesign | PatternDesign, zone: str | None, watched: tuple[Task, ...],
                frame: geo.LocalFrame, sensor: Sensor | None) -> tuple[OrbitDesign | PatternDesign, str]:
    """``design`` kept out of the no-fly zones, and a note when it was changed.

    An orbit whose circle meets ``zone`` moves to the nearest centre clear of every zone (by the
    avoidance margin if it can, else just clear) from which ``sensor`` still watches every target from
    the whole circle; a pattern whose legs or turns would enter a zone is refused. Refusals carry the
    reason.
    """
    if not design.ok:
        return design, ""
    if isinstance(design, PatternDesign):
        hit = _pattern_zone(space, design)
        return (replace(design, reason=f"its {design.kind} would enter no-fly zone '{hit}'"), "") if hit else (design, "")
    if zone is None:
        return design, ""
    lon, lat = task.geometry.x, task.geometry.y
    radius = design.radius_m
    height = design.alt_m - min(t.ground_elev_m for t in watched)
    far = farthest_m((lon, lat), watched, frame)
    reach = sensor.orbit_reach_m(height, radius, design.clockwise) - far if sensor is not None else 0.0
    centre = None
    if reach > 0:
        centre = (space.clear_orbit_centre(lon, lat, radius, within_m=reach, clearance_m=space.margin_m)
                  or space.clear_orbit_centre(lon, lat, radius, within_m=reach))
    moved = replace(design, centre=centre, slant_m=slant_m(design, centre, watched, frame)) if centre else design
    if centre is not None and sensor is not None and unwatched(moved, sensor, centre, watched, frame):
        centre = None
    if centre is None:
        reason = f"its {radius:.0f} m orbit would enter no-fly zone '{zone}'"
        if sensor is not None:
            reason += (f", and no orbit clear of it keeps {'the target' if len(watched) == 1 else 'its targets'} "
                       f"in {sensor.name} view")
        return replace(design, reason=reason), ""
    shift = float(geo.distance_m(lon, lat, *centre))
    return moved, (f"the orbit for '{task.name}' is centred {shift / 1000:.1f} km off its target to keep clear of "
                   f"no-fly zone '{zone}'")


def _pattern_zone(space: Airspace, design: PatternDesign) -> str | None:
    """The first no-fly zone a pattern would enter: along its legs (a racetrack's lap closed), within a
    turn radius of a waypoint (turns, holds), or within a racetrack's half-circle ends."""
    path = list(design.path)
    zone = space.path_conflict([*path, path[0]] if design.kind == "racetrack" else path)
    if zone is not None:
        return zone
    lon, lat, radius = design.turn_circles()
    return next((z for z in space.orbit_conflicts(lon, lat, radius) if z is not None), None)
