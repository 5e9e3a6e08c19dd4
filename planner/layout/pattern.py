"""Flyable patterns for area tasks: stand-off racetracks, area surveys and corridor patrols.

Geometry is laid out in the scenario's local frame (metres, x east, y north) and returned in WGS84.
A :class:`PatternDesign` says where the pattern starts and ends, how long it takes in the wind, the
polyline the autopilot flies (waypoints), for racetracks how many laps, and what the sensor images: a
survey's or patrol's strips (laid out for the sensor flying it, at the task's height above its ground)
or how long a racetrack keeps its target in view (checked along every imaging leg, ends included).
Turns are at least the aircraft's wind-widened turn radius: survey and patrol turns are Dubins paths
(planner.survey, planner.corridor), racetrack ends are half circles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from planner.core import geo, physics
from planner.core.dubins import DubinsPath, Straight
from planner.core.errors import InputError
from planner.core.geo import LocalFrame
from planner.layout.corridor import corridor_pattern
from planner.layout.lanes import coverage_fraction, strip_area
from planner.layout.survey import survey_pattern
from planner.model.aircraft import Aircraft
from planner.model.autopilot import loiter_radius_m
from planner.model.scenario import Task, Wind
from planner.model.sensors import Sensor

__all__ = [
    "FORWARD_OVERLAP",
    "LEG_SAMPLES",
    "RACETRACK_LEG_M",
    "SIDE_OVERLAP",
    "STANDOFF_DEFAULT_M",
    "PatternDesign",
    "design_pattern",
]

RACETRACK_LEG_M = 20000.0  # straight-leg length of a racetrack watching a point (assumption)
STANDOFF_DEFAULT_M = 20000.0  # stand-off distance when the task gives no standoff_km
SIDE_OVERLAP = 0.10  # side overlap between survey lanes and patrol passes
FORWARD_OVERLAP = 0.70  # overlap between consecutive camera frames (trigger distance = (1 - this) × swath)


@dataclass(frozen=True)
class PatternDesign:
    """How one aircraft type flies an area task, or why it cannot (``reason`` non-empty).

    ``path`` is the WGS84 polyline flown once, as (lon, lat): for a racetrack one lap A, B, C, D (repeated
    ``laps`` times by a DO_JUMP), for a survey the lane ends in order, for a patrol the pass vertices.
    ``lanes`` are index pairs into ``path`` between which the sensor records (camera triggers on).
    ``duration_s`` and ``distance_m`` cover every lap and turn, in the wind. ``strips_m`` are the
    cross-track intervals the sensor images beside each lane (m, positive right, :meth:`Sensor.strips_m`),
    ``imaged`` the share of the survey area or patrol line they cover (0 to 1); ``watch_s`` how long a
    racetrack's imaging legs keep the target in view, every lap counted.
    """

    kind: str
    alt_m: float
    path: tuple[tuple[float, float], ...]
    duration_s: float
    distance_m: float
    laps: int = 1
    lanes: tuple[tuple[int, int], ...] = ()
    trigger_m: float = 0.0
    radius_m: float = 0.0
    duty_cycle: float = 1.0
    roi: tuple[float, float] | None = None
    reason: str = ""
    strips_m: tuple[tuple[float, float], ...] = ()
    imaged: float = 0.0
    watch_s: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the pattern can be flown."""
        return not self.reason

    @property
    def entry(self) -> tuple[float, float]:
        """(lon, lat) where the pattern starts."""
        return self.path[0]

    @property
    def exit(self) -> tuple[float, float]:
        """(lon, lat) where the pattern ends (a racetrack ends its last lap at D)."""
        return self.path[-1]

    def turn_circles(self) -> tuple[list[float], list[float], list[float]]:
        """The circles its turns stay within: lon, lat (degrees) and radius (m) of the turn radius round every
        waypoint, and for a racetrack the half-circle ends over its B-C and D-A legs."""
        lon = [p[0] for p in self.path]
        lat = [p[1] for p in self.path]
        radius = [self.radius_m] * len(self.path)
        if self.kind == "racetrack" and len(self.path) == 4:
            path = self.path
            for p, q in ((path[1], path[2]), (path[3], path[0])):
                az, _, d = geo.inverse(p[0], p[1], q[0], q[1])
                mid = geo.destination(p[0], p[1], az, float(d) / 2.0)
                lon.append(float(mid[0]))
                lat.append(float(mid[1]))
                radius.append(float(d) / 2.0)
        return lon, lat, radius


def _refused(kind: str, alt: float, reason: str) -> PatternDesign:
    return PatternDesign(kind, alt, ((0.0, 0.0),), 0.0, 0.0, reason=reason)


def _leg_time_s(length_m: float, heading_rad: float, speed_mps: float, wind: Wind) -> float:
    """Time (s) for a straight of ``length_m`` flown on a local-frame heading (math convention) in the wind."""
    track_deg = (90.0 - math.degrees(heading_rad)) % 360.0
    return float(physics.leg_time_s(length_m, track_deg, speed_mps, wind.from_deg, wind.speed_mps))


def _path_time_s(legs: tuple[Straight | DubinsPath, ...], radius_m: float, speed_mps: float, wind: Wind) -> float:
    """Time (s) along straights and Dubins turns; arcs take their share of a wind lap."""
    lap = physics.loiter_lap_s(radius_m, speed_mps, wind.from_deg, wind.speed_mps)
    total = 0.0
    for leg in legs:
        for seg in leg.segments():
            if seg.kind == "S":
                total += _leg_time_s(seg.length_m, seg.start.heading_rad, speed_mps, wind)
            else:
                total += seg.length_m / (2.0 * math.pi * radius_m) * lap
    return total


def design_pattern(
    task: Task,
    aircraft: Aircraft,
    sensor: Sensor | None,
    wind: Wind,
    frame: LocalFrame,
    toward: tuple[float, float],
) -> PatternDesign:
    """The pattern ``aircraft`` flies for ``task`` (standoff, survey or patrol) with ``sensor``.

    ``toward`` (lon, lat) is where the aircraft comes from (its base): a racetrack faces it, a survey
    or patrol starts near it. Surveys and patrols are laid out for the strips ``sensor`` images at the
    task's height above its ground, so the imaged strips, not the track, cover the area or corridor.
    """
    alt = task.flight_alt_m(aircraft.default_alt_m)
    if alt > aircraft.ceiling_m:
        return _refused(task.kind, alt, f"altitude {alt:.0f} m is above the {aircraft.name} ceiling "
                                        f"{aircraft.ceiling_m:.0f} m")
    if sensor is not None and sensor.band_reason(alt):
        return _refused(task.kind, alt, sensor.band_reason(alt))
    height = alt - task.ground_elev_m
    if height <= 0:
        return _refused(task.kind, alt, f"altitude {alt:.0f} m is not above the ground ({task.ground_elev_m:.0f} m)")
    radius = loiter_radius_m(aircraft.turn_radius_m(wind.speed_mps))
    hint = tuple(float(v) for v in frame.to_local(*toward))
    if task.kind == "standoff":
        return _racetrack(task, aircraft, sensor, wind, frame, hint, alt, radius)
    strips = sensor.strips_m(height) if sensor is not None else ()
    if sensor is None or not strips:
        return _refused(task.kind, alt, f"a {task.kind} needs a sensor that images the ground"
                        + (f"; {sensor.name} images nothing from {height:.0f} m above it" if sensor else ""))
    lo, hi = max(strips, key=lambda s: (s[0] >= 0, s[1] - s[0]))  # lay out for the right strip of two
    swath, offset = hi - lo, (lo + hi) / 2.0
    if task.kind == "survey":
        area = frame.geometry_to_local(task.geometry)
        try:
            pattern = survey_pattern(area, swath_m=swath, side_overlap=SIDE_OVERLAP, turn_radius_m=radius,
                                     speed_mps=aircraft.loiter_speed_mps, entry_hint=hint, offset_m=offset)
        except InputError as exc:
            return _refused("survey", alt, f"cannot lay out the survey: {exc}")
        xy = [p for lane in pattern.lanes for p in lane]
        lanes = tuple((2 * i, 2 * i + 1) for i in range(len(pattern.lanes)))
        imaged = coverage_fraction(area, strip_area(pattern.lanes, strips))
        return _finish("survey", alt, frame, xy, lanes, pattern.path, radius, aircraft, wind, sensor, strips, imaged)
    if task.kind == "patrol":
        line = frame.geometry_to_local(task.geometry)
        if isinstance(line, MultiLineString):
            merged = shapely.line_merge(line)
            if not isinstance(merged, LineString):
                return _refused("patrol", alt, "a patrol line must be one connected line")
            line = merged
        width = task.width_m if task.width_m is not None else swath * (1.0 - SIDE_OVERLAP)
        try:
            pattern = corridor_pattern(line, width_m=width, swath_m=swath, side_overlap=SIDE_OVERLAP,
                                       turn_radius_m=radius, speed_mps=aircraft.loiter_speed_mps, entry_hint=hint,
                                       offset_m=offset)
        except InputError as exc:
            return _refused("patrol", alt, f"cannot lay out the patrol: {exc}")
        xy: list[tuple[float, float]] = []
        lanes_list = []
        for passage in pattern.passes:
            lanes_list.append((len(xy), len(xy) + len(passage) - 1))
            xy.extend(passage)
        imaged = float(line.intersection(strip_area(pattern.passes, strips)).length / line.length)
        return _finish("patrol", alt, frame, xy, tuple(lanes_list), pattern.path, radius, aircraft, wind, sensor,
                       strips, imaged)
    raise InputError(f"task '{task.name}': no pattern for kind '{task.kind}'")


def _finish(
    kind: str,
    alt: float,
    frame: LocalFrame,
    xy: list[tuple[float, float]],
    lanes: tuple[tuple[int, int], ...],
    legs: tuple[Straight | DubinsPath, ...],
    radius: float,
    aircraft: Aircraft,
    wind: Wind,
    sensor: Sensor,
    strips: tuple[tuple[float, float], ...],
    imaged: float,
) -> PatternDesign:
    arr = np.asarray(xy, float)
    lon, lat = frame.to_lonlat(arr[:, 0], arr[:, 1])
    time_s = _path_time_s(legs, radius, aircraft.loiter_speed_mps, wind)
    if not math.isfinite(time_s):
        return _refused(kind, alt, f"wind {wind.speed_mps:g} m/s is too strong to fly the {kind}")
    length = float(sum(leg.length_m for leg in legs))
    width = max(hi - lo for lo, hi in strips)
    trigger = (1.0 - FORWARD_OVERLAP) * width if sensor.camera else 0.0
    path = tuple((float(x), float(y)) for x, y in zip(lon, lat, strict=True))
    return PatternDesign(kind, alt, path, time_s, length, lanes=lanes, trigger_m=round(trigger, 1), radius_m=radius,
                         strips_m=strips, imaged=imaged)


def _racetrack(
    task: Task,
    aircraft: Aircraft,
    sensor: Sensor | None,
    wind: Wind,
    frame: LocalFrame,
    hint: tuple[float, float],
    alt: float,
    radius: float,
) -> PatternDesign:
    """Two straight legs parallel to the target's facing edge at the stand-off distance, half-circle ends.

    The inner leg A→B is ``standoff`` from the facing edge, the outer leg C→D ``standoff + 2r``; the
    aircraft turns away from the target at each end, and flies the inner leg with the target on the
    sensor's side. A leg images when ``sensor`` watches the target (its centre and hull corners) from
    every point of it, ends included; a point target's legs are shortened (to no less than 4r) until
    the inner one does. Laps are whole, enough for the imaging legs to cover the dwell.
    """
    target = frame.geometry_to_local(task.geometry)
    standoff = task.standoff_km * 1000.0 if task.standoff_km is not None else STANDOFF_DEFAULT_M
    centre = np.array(target.centroid.coords[0])
    toward = np.array(hint) - centre
    if np.hypot(*toward) < 1.0:
        toward = np.array([0.0, -1.0])
    toward /= np.hypot(*toward)
    edge_mid, along, out = _facing_edge(target, toward)
    if sensor is not None and sensor.look == "side" and sensor.sides != "both":
        right = np.array([along[1], -along[0]])
        if (float(right @ -out) > 0) != (sensor.sides == "right"):
            along = -along  # the inner leg keeps the target on the sensor's side
    point = isinstance(target, Point) or target.area == 0
    length = RACETRACK_LEG_M if point else max(4.0 * radius, float(_edge_length(target, along)))
    watched = np.array([centre, *([] if point else shapely.get_coordinates(target.convex_hull))])
    height = alt - task.ground_elev_m

    def legs(length_m: float) -> tuple[np.ndarray, ...]:
        a = edge_mid + out * standoff - along * length_m / 2.0
        b = a + along * length_m
        return a, b, b + out * 2.0 * radius, a + out * 2.0 * radius

    def images(p: np.ndarray, q: np.ndarray) -> bool:
        return sensor is None or _leg_watches(sensor, p, q, watched, height)

    if sensor is not None and not images(*legs(length)[:2]):
        if not point or not images(*legs(4.0 * radius)[:2]):
            return _refused("racetrack", alt, _leg_reason(sensor, standoff, height, length, point))
        lo, hi = 4.0 * radius, length
        while hi - lo > 10.0:
            mid = (lo + hi) / 2.0
            lo, hi = (mid, hi) if images(*legs(mid)[:2]) else (lo, mid)
        length = lo
    a, b, c, d = legs(length)
    imaging = [(0, 1)] + ([(2, 3)] if images(c, d) else [])
    heading_ab = math.atan2(along[1], along[0])
    speed = aircraft.loiter_speed_mps
    leg_ab = _leg_time_s(length, heading_ab, speed, wind)
    leg_cd = _leg_time_s(length, heading_ab + math.pi, speed, wind)
    lap_s = leg_ab + leg_cd + physics.loiter_lap_s(radius, speed, wind.from_deg, wind.speed_mps)
    if not math.isfinite(lap_s):
        return _refused("racetrack", alt, f"wind {wind.speed_mps:g} m/s is too strong to fly the racetrack")
    watch_lap_s = leg_ab + (leg_cd if len(imaging) == 2 else 0.0)
    laps = max(1, math.ceil(task.dwell_s / watch_lap_s - 1e-9))
    lap_m = 2.0 * length + 2.0 * math.pi * radius
    pts = np.array([a, b, c, d])
    lon, lat = frame.to_lonlat(pts[:, 0], pts[:, 1])
    tlon, tlat = frame.to_lonlat(centre[0], centre[1])
    return PatternDesign(
        "racetrack", alt, tuple((float(x), float(y)) for x, y in zip(lon, lat, strict=True)),
        laps * lap_s, laps * lap_m, laps=laps, lanes=tuple(imaging), radius_m=radius,
        duty_cycle=watch_lap_s / lap_s, roi=(float(tlon), float(tlat)), watch_s=laps * watch_lap_s,
    )


LEG_SAMPLES = 41  # points of a racetrack leg (ends included) from which the target must be in view


def _leg_watches(sensor: Sensor, p: np.ndarray, q: np.ndarray, watched: np.ndarray, height_m: float) -> bool:
    """Whether ``sensor`` flying the straight p → q (local metres) watches every point of ``watched``
    (k, 2) from every one of :data:`LEG_SAMPLES` points along it and from the foot of the perpendicular."""
    u = (q - p) / float(np.hypot(*(q - p)))
    t = np.linspace(0.0, 1.0, LEG_SAMPLES)
    feet = np.clip((watched - p) @ u / float(np.hypot(*(q - p))), 0.0, 1.0)
    at = p + np.concatenate([t, feet])[:, None] * (q - p)
    off = watched[:, None, :] - at[None, :, :]
    ahead = off @ u
    right = off @ np.array([u[1], -u[0]])
    return bool(sensor.watches(ahead, right, height_m).all())


def _leg_reason(sensor: Sensor, standoff_m: float, height_m: float, length_m: float, point: bool) -> str:
    """Why no inner racetrack leg at ``standoff_m`` keeps the target in ``sensor``'s view."""
    why = sensor.unseen_reason(standoff_m, height_m, f"the {standoff_m / 1000:.1f} km stand-off")
    if "cannot keep" not in why:
        return why
    return (f"{sensor.name} cannot keep the target in view along a {length_m / 1000:.1f} km leg at the "
            f"{standoff_m / 1000:.1f} km stand-off (side, squint {sensor.squint_deg:g}°)"
            + ("" if point else ": the target is wider than the legs the sensor can use"))


def _facing_edge(target: BaseGeometry, toward: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Midpoint, unit direction and outward unit normal of the target's edge facing ``toward``.

    A point target faces ``toward`` itself; a polygon's convex-hull edge whose outward normal is closest
    to ``toward`` is its facing edge.
    """
    if isinstance(target, Point) or target.area == 0:
        mid = np.array(target.centroid.coords[0])
        return mid, np.array([-toward[1], toward[0]]), toward
    hull = target.convex_hull
    ring = np.asarray(hull.exterior.coords) if isinstance(hull, Polygon) else np.asarray(hull.coords)
    if not Polygon(ring).exterior.is_ccw:
        ring = ring[::-1]
    best = None
    for p, q in pairwise(ring):
        e = q - p
        n = np.hypot(*e)
        if n == 0:
            continue
        normal = np.array([e[1], -e[0]]) / n  # outward for a counter-clockwise ring
        score = float(normal @ toward)
        if best is None or score > best[0]:
            best = (score, (p + q) / 2.0, e / n, normal)
    assert best is not None
    return best[1], best[2], best[3]


def _edge_length(target: BaseGeometry, along: np.ndarray) -> float:
    """Extent of ``target`` along ``along`` (m): how long the straight legs must be to see all of it."""
    xy = shapely.get_coordinates(target)
    proj = xy @ along
    return float(proj.max() - proj.min())
