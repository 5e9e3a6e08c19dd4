"""Coverage on paper: what the carried sensors see of each task when the mission files are flown.

From the mission files and the area files alone — not the planner's plan — each mission is flown by the
check's paper flight (:mod:`planner.missions.flight`), which records its track: where the aircraft is
(every densified leg vertex, every 10° round a loiter, timed by the ground speed in the wind) and when
its DO items point a sensor (DO_SET_ROI_LOCATION, DO_SET_ROI with a location, DO_SET_ROI_NONE) or switch
a camera (DO_SET_CAM_TRIGG_DIST). Each step between two track points is judged with the geometry of
every carried sensor of the task's capability (:class:`~planner.model.sensors.Sensor`, docs/check.md):

- a point target (orbit, standoff: its centre) is watched during a step when a sensor sees it from the
  middle of the step (altitude band, slant range, depression, side, squint) and, for a pointed sensor,
  when the ROI then set makes it aim at the target: the line of sight through the ROI meets the
  target's ground within half the sensor's view width (so an ROI at the wrong place or height misses);
- a survey area or patrol line is imaged by the strips the sensor sweeps between track points while it
  maps: a camera while its trigger distance is set, any other sensor while it is not pointed at an ROI
  (a wide-area one always), within its altitude band.

Measured coverage: a point target's seconds watched against its dwell (capped at 1), the share of a
survey area or patrol line imaged. Several files add up: seconds, and the union of the imaged strips.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from planner.core import geo
from planner.core.errors import InputError
from planner.layout.lanes import COVERAGE_GRID_M
from planner.missions.check import CheckReport, check_mission
from planner.missions.commands import DO_SET_CAM_TRIGG_DIST, DO_SET_ROI_LOCATION, DO_SET_ROI_NONE
from planner.missions.file_model import Mission, Zone
from planner.missions.track import Track
from planner.model.aircraft import Aircraft
from planner.model.scenario import Reserve, Task, Wind
from planner.model.sensors import Sensor
from planner.model.terrain import Terrain

__all__ = ["DEFAULT_MIN_COVERAGE", "CoverageReport", "Flown", "Measured", "check_coverage"]

DEFAULT_MIN_COVERAGE = 0.95
VISIBLE_SAMPLES = 2000  # sample points over a survey area or patrol line judged for terrain sight
_DO_SET_ROI = 201  # the superseded DO_SET_ROI: p1 = 3 is a location, 0 none
_GLOBAL_FRAMES = (0, 2, 5)  # ROI altitude AMSL (frame 2: PX4 reads the mission item's altitude as AMSL)


@dataclass(frozen=True)
class Flown:
    """One mission file to fly: the mission, the aircraft flying it, the sensors it carries, their mass."""

    mission: Mission
    aircraft: Aircraft
    sensors: tuple[Sensor, ...]
    payload_kg: float | None = None


@dataclass(frozen=True)
class Measured:
    """The coverage measured for one task: ``measure`` dwell, area or line; ``coverage`` 0 to 1;
    ``watched_s`` and ``asked_s`` for a point target; ``sensors`` the carried sensors judged."""

    task: str
    kind: str
    measure: str
    coverage: float
    watched_s: float | None
    asked_s: float | None
    sensors: tuple[str, ...]
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"task": self.task, "kind": self.kind, "measure": self.measure, "coverage": round(self.coverage, 6),
                "watched_s": None if self.watched_s is None else round(self.watched_s, 3),
                "asked_s": None if self.asked_s is None else round(self.asked_s, 3),
                "sensors": list(self.sensors), "note": self.note}


@dataclass(frozen=True)
class CoverageReport:
    """Every file's check and every judged task's measured coverage against ``min_coverage`` (0 to 1)."""

    files: tuple[CheckReport, ...]
    tasks: tuple[Measured, ...]
    min_coverage: float

    @property
    def low(self) -> tuple[Measured, ...]:
        """Judged tasks below ``min_coverage``."""
        return tuple(m for m in self.tasks if m.coverage < self.min_coverage - 1e-9)

    @property
    def ok(self) -> bool:
        """No file fault and no task below the minimum."""
        return all(r.ok for r in self.files) and not self.low

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the files' reports, the tasks' coverage, the minimum, ok."""
        return {"files": [r.as_dict() for r in self.files], "coverage": [m.as_dict() for m in self.tasks],
                "min_coverage": self.min_coverage, "ok": self.ok}


@dataclass(frozen=True)
class _Steps:
    """A flown track cut into steps (local metres): step k runs from point k to k + 1."""

    start: np.ndarray  # (n, 2)
    end: np.ndarray  # (n, 2)
    mid: np.ndarray  # (n, 2)
    ahead: np.ndarray  # (n, 2) unit direction of travel
    alt_m: np.ndarray  # (n,) AMSL at mid-step
    dt_s: np.ndarray  # (n,)
    roi: np.ndarray  # (n, 3) x, y, alt AMSL of the ROI in force (NaN: none)
    trigger: np.ndarray  # (n,) bool: a camera trigger distance is set
    sensors: tuple[Sensor, ...]


def check_coverage(
    flown: Sequence[Flown],
    tasks: Sequence[Task],
    *,
    wind: Wind | None = None,
    reserve: Reserve | None = None,
    autopilot: str = "ardupilot",
    nofly: Sequence[BaseGeometry | Zone] = (),
    judged: Sequence[str] | None = None,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    parameters: Mapping[str, float] | None = None,
    terrain: Terrain | None = None,
) -> CoverageReport:
    """Check each flown file (:func:`~planner.missions.check.check_mission`) and measure, from their tracks,
    the coverage of every task of ``tasks`` (no-fly zones aside) or of those named in ``judged``.
    ``parameters`` are the ArduPilot parameters the vehicles will have, ``terrain`` the DEM the flights must
    keep their clearance over (as for ``check_mission``).

    Raises InputError for a judged name that is no task, or a minimum outside [0, 1].
    """
    if not 0.0 <= min_coverage <= 1.0:
        raise InputError(f"minimum coverage must be within 0-100 %, got {min_coverage * 100:g} %")
    work = [t for t in tasks if t.kind != "nofly"]
    if judged is not None:
        names = {t.name for t in work}
        unknown = [n for n in judged if n not in names]
        if unknown:
            raise InputError(f"no task named {', '.join(repr(n) for n in unknown)} in the area files")
        work = [t for t in work if t.name in set(judged)]
    wind = wind or Wind()
    reports, flights = [], []
    for f in flown:
        track = Track()
        reports.append(check_mission(f.mission, aircraft=f.aircraft, wind=wind, reserve=reserve,
                                     payload_kg=f.payload_kg, autopilot=autopilot, nofly=nofly, track=track,
                                     parameters=parameters, terrain=terrain))
        flights.append((f, track))
    lons = [t.geometry.centroid.x for t in work] + [f.mission.home.lon for f in flown]
    lats = [t.geometry.centroid.y for t in work] + [f.mission.home.lat for f in flown]
    frame = geo.LocalFrame.around(lons or [0.0], lats or [0.0])
    steps = [_steps(f, track, frame) for f, track in flights]
    if terrain is not None:
        work = [_on_the_ground(t, terrain) for t in work]
    return CoverageReport(tuple(reports), tuple(_measure(t, steps, frame, terrain) for t in work), min_coverage)


def _on_the_ground(task: Task, terrain: Terrain) -> Task:
    """``task`` with its ground from the DEM: a point's height there, an area's or a line's highest ground
    (as the planner takes it from its ``[terrain]``)."""
    if task.geometry.geom_type == "Point":
        ground = float(terrain.height_m(task.geometry.x, task.geometry.y)[0])
    else:
        ground = terrain.area_highest_m(task.geometry)
    return replace(task, ground_elev_m=round(ground, 1)) if math.isfinite(ground) else task


def _steps(flown: Flown, track: Track, frame: geo.LocalFrame) -> _Steps:
    """The track of one flight as steps, with the ROI and camera state in force on each."""
    pts = np.array([p[:4] for p in track.points], float).reshape(-1, 4)
    if len(pts) < 2:
        pts = np.zeros((2, 4))
    t, lon, lat, alt = pts.T
    x, y = (np.atleast_1d(v) for v in frame.to_local(lon, lat))
    xy = np.column_stack([x, y])
    start, end = xy[:-1], xy[1:]
    chord = end - start
    length = np.hypot(*chord.T)
    ahead = np.where(length[:, None] > 1e-6, chord / np.maximum(length, 1e-9)[:, None], np.nan)
    circle = np.array([(p[4], p[5], p[6]) for p in track.points], float).reshape(-1, 3) if track.points \
        else np.zeros((2, 3))
    on = (circle[:-1, 2] != 0) & (circle[:-1, 2] == circle[1:, 2]) & np.isfinite(circle[:-1, 0])
    mid = (start + end) / 2.0
    if on.any():  # round a loiter: mid-step on the arc, not the chord, heading along its tangent there
        centre = np.column_stack(frame.to_local(circle[:-1, 0][on], circle[:-1, 1][on]))
        m = mid[on] - centre
        radius = (np.hypot(*(start[on] - centre).T) + np.hypot(*(end[on] - centre).T)) / 2.0
        m = m / np.maximum(np.hypot(*m.T), 1e-9)[:, None]
        mid[on] = centre + m * radius[:, None]
        ahead[on] = np.column_stack([m[:, 1], -m[:, 0]]) * circle[:-1, 2][on][:, None]
    moving = np.isfinite(ahead).all(axis=1)  # standing still (a climb in place): the last heading flown
    last = np.maximum.accumulate(np.where(moving, np.arange(len(ahead)), -1))
    ahead = np.where((last >= 0)[:, None], ahead[np.maximum(last, 0)], np.array([1.0, 0.0]))
    roi, trigger = _sensor_state(flown.mission, track, t[:-1], frame)
    return _Steps(start, end, mid, ahead, (alt[:-1] + alt[1:]) / 2.0, np.diff(t), roi, trigger,
                  flown.sensors)


def _sensor_state(mission: Mission, track: Track, t_s: np.ndarray, frame: geo.LocalFrame
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per step starting at ``t_s``: the ROI in force (x, y, alt AMSL; NaN for none) and whether a camera
    trigger distance is set. An item runs when the flight reaches it, so a step starting then has it."""
    states: list[tuple[tuple[float, float, float], bool]] = []
    roi, trigger = (math.nan, math.nan, math.nan), False
    for _, it in track.events:
        if it.command == DO_SET_CAM_TRIGG_DIST:
            trigger = math.isfinite(it.params[0]) and it.params[0] > 0
        elif it.command == DO_SET_ROI_NONE or (it.command == _DO_SET_ROI and it.params[0] == 0):
            roi = (math.nan, math.nan, math.nan)
        elif it.command == DO_SET_ROI_LOCATION or (it.command == _DO_SET_ROI and it.params[0] == 3):
            x, y = frame.to_local(it.lon, it.lat)
            alt = it.alt if it.frame in _GLOBAL_FRAMES else mission.home.alt_m + it.alt
            roi = (float(x), float(y), float(alt))
        states.append((roi, trigger))
    times = np.array([e[0] for e in track.events], float)
    index = np.searchsorted(times, t_s, side="right") - 1
    rois = np.array([s[0] for s in states] + [(math.nan,) * 3], float).reshape(-1, 3)
    triggers = np.array([s[1] for s in states] + [False], bool)
    return rois[index], triggers[index]  # index -1 picks the last row: nothing set yet


def _judged_sensors(task: Task, sensors: tuple[Sensor, ...]) -> list[Sensor]:
    """The carried sensors that can serve ``task``: its capability's, or any with a footprint."""
    if task.capability is None:
        return [s for s in sensors if s.look != "omni"]
    return [s for s in sensors if s.capability == task.capability]


def _measure(task: Task, flights: list[_Steps], frame: geo.LocalFrame, terrain: Terrain | None = None) -> Measured:
    """The coverage of one task over every flight; with ``terrain`` only what the ground leaves in sight."""
    used = sorted({s.name for f in flights for s in _judged_sensors(task, f.sensors)})
    note = "" if used else f"no file carries a {task.capability} sensor"
    if task.kind in ("orbit", "standoff"):
        seen = sum(_watched_s(task, f, frame, terrain) for f in flights)
        share = min(1.0, seen / task.dwell_s) if task.dwell_s > 0 else float(seen > 0)
        return Measured(task.name, task.kind, "dwell", share, seen, task.dwell_s, tuple(used), note)
    geom = frame.geometry_to_local(task.geometry)
    if terrain is not None:
        share = _visible_share(task, geom, flights, terrain, frame)
        measure = "area" if task.kind == "survey" else "line"
        return Measured(task.name, task.kind, measure, share, None, None, tuple(used), note)
    imaged = shapely.union_all([_imaged(task, geom, f) for f in flights] or [Polygon()], grid_size=COVERAGE_GRID_M)
    if task.kind == "survey":
        share = float(shapely.intersection(geom, imaged).area / geom.area) if geom.area > 0 else 0.0
        return Measured(task.name, task.kind, "area", min(1.0, share), None, None, tuple(used), note)
    share = float(shapely.intersection(geom, imaged).length / geom.length) if geom.length > 0 else 0.0
    return Measured(task.name, task.kind, "line", min(1.0, share), None, None, tuple(used), note)


def _watched_s(task: Task, f: _Steps, frame: geo.LocalFrame, terrain: Terrain | None = None) -> float:
    """Seconds of ``f`` during which a carried sensor watches the point target ``task`` (its centre)."""
    sensors = _judged_sensors(task, f.sensors)
    if not sensors or len(f.dt_s) == 0:
        return 0.0
    tx, ty = frame.to_local(task.geometry.centroid.x, task.geometry.centroid.y)
    target = np.array([float(tx), float(ty)])
    off = target - f.mid
    reach = max(s.slant_range_m if s.slant_range_m > 0 else math.inf for s in sensors)
    near = np.flatnonzero(np.hypot(*off.T) <= reach)  # steps from which some sensor may reach it
    off, mid, heading, alt = off[near], f.mid[near], f.ahead[near], f.alt_m[near]
    ahead = np.einsum("ij,ij->i", off, heading)
    right = off[:, 0] * heading[:, 1] - off[:, 1] * heading[:, 0]
    height = alt - task.ground_elev_m
    seen = np.zeros(len(near), bool)
    sight = _Sight(terrain, frame, (task.geometry.centroid.x, task.geometry.centroid.y)) if terrain is not None \
        else None
    for s in sensors:
        ok = _in_sight(s, mid, alt, ahead, right, height, sight)
        if s.targets == "one":
            ok &= _aims_at(s, mid, alt, f.roi[near], target, task.ground_elev_m)
        seen |= ok
    return float(f.dt_s[near][seen].sum())


@dataclass(frozen=True)
class _Sight:
    """The ground between the aircraft and one target: ``terrain``, the check's ``frame``, the target (lon, lat)."""

    terrain: Terrain
    frame: geo.LocalFrame
    target: tuple[float, float]

    def clear(self, mid: np.ndarray, alt_m: np.ndarray) -> np.ndarray:
        """Per aircraft position (local x, y; m AMSL): whether the ray to the target clears the ground
        (:meth:`Terrain.sees`: curvature and refraction, the target 2 m above its ground)."""
        lon, lat = self.frame.to_lonlat(mid[:, 0], mid[:, 1])
        n = len(mid)
        return self.terrain.sees(np.atleast_1d(lon), np.atleast_1d(lat), alt_m, np.full(n, self.target[0]),
                                 np.full(n, self.target[1]))


def _in_sight(sensor: Sensor, mid: np.ndarray, alt_m: np.ndarray, ahead_m: np.ndarray, right_m: np.ndarray,
              height_m: np.ndarray, sight: _Sight | None = None) -> np.ndarray:
    """Per step (aircraft at ``mid``, ``alt_m`` m AMSL), whether ``sensor`` has a point target in sight: ``ahead_m``
    and ``right_m`` from the aircraft along and across its heading, ``height_m`` below it. Its altitude band, its
    geometry (slant range, depression, side, squint: :meth:`Sensor.watches`) and, with a DEM (``sight``), the
    ground between (tested only where the rest passes). The check's one sight test of a point target."""
    ok = (alt_m >= sensor.min_alt_m) & (alt_m <= sensor.max_alt_m) & sensor.watches(ahead_m, right_m, height_m)
    if sight is not None and ok.any():
        ok[ok] = sight.clear(mid[ok], alt_m[ok])
    return ok


def _aims_at(sensor: Sensor, mid: np.ndarray, alt_m: np.ndarray, roi: np.ndarray, target: np.ndarray,
             ground_m: float) -> np.ndarray:
    """Per step (aircraft at ``mid``, ``alt_m``; ROI x, y, alt in force): whether the line of sight through
    the ROI meets the target's ground within the sensor's pointing tolerance of the target."""
    drop = alt_m - roi[:, 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = (alt_m - ground_m) / drop
        aim = mid + (roi[:, :2] - mid) * scale[:, None]
        miss = np.hypot(*(aim - target).T)
        slant = np.hypot(np.hypot(*(target - mid).T), alt_m - ground_m)
        return np.isfinite(miss) & (drop > 0) & (miss <= sensor.pointing_tolerance_m(slant))


def _imaged(task: Task, geom: BaseGeometry, f: _Steps) -> BaseGeometry:
    """Ground imaged over ``geom`` by the sensors of ``f`` while they map (:func:`_strips`)."""
    shapes = [g for g, _ in _strips(task, geom, f)]
    return shapely.union_all(shapes, grid_size=COVERAGE_GRID_M) if shapes else Polygon()


def _visible_share(task: Task, geom: BaseGeometry, flights: list[_Steps], terrain: Terrain,
                   frame: geo.LocalFrame) -> float:
    """Share of a survey area or patrol line imaged with the ground in sight: sample points over it (a grid in
    an area, evenly along a line, :data:`VISIBLE_SAMPLES` about), each counted when some mapping step's strip
    holds it and the ray from that step's middle to it clears the terrain (:meth:`Terrain.sees`)."""
    pts = _samples(geom)
    if not len(pts):
        return 0.0
    tree = shapely.STRtree(shapely.points(pts))
    seen = np.zeros(len(pts), bool)
    for f in flights:
        pairs = [(k, j) for g, k in _strips(task, geom, f) for j in tree.query(g, predicate="intersects")]
        if not pairs:
            continue
        step, sample = (np.array(v, dtype=np.int64) for v in zip(*sorted(set(pairs)), strict=True))
        todo = ~seen[sample]
        step, sample = step[todo], sample[todo]
        olon, olat = frame.to_lonlat(f.mid[step, 0], f.mid[step, 1])
        tlon, tlat = frame.to_lonlat(pts[sample, 0], pts[sample, 1])
        ok = terrain.sees(np.atleast_1d(olon), np.atleast_1d(olat), f.alt_m[step], np.atleast_1d(tlon),
                          np.atleast_1d(tlat))
        seen[sample[ok]] = True
    return float(seen.mean())


def _samples(geom: BaseGeometry) -> np.ndarray:
    """(n, 2) local points evenly over an area (a square grid) or along a line, about :data:`VISIBLE_SAMPLES`."""
    if geom.area > 0:
        step = max(math.sqrt(geom.area / VISIBLE_SAMPLES), 1.0)
        x0, y0, x1, y1 = geom.bounds
        gx, gy = np.meshgrid(np.arange(x0 + step / 2, x1, step), np.arange(y0 + step / 2, y1, step))
        inside = shapely.contains_xy(geom, gx.ravel(), gy.ravel())
        return np.column_stack([gx.ravel()[inside], gy.ravel()[inside]])
    if geom.length <= 0:
        return np.zeros((0, 2))
    at = (np.arange(VISIBLE_SAMPLES) + 0.5) * geom.length / VISIBLE_SAMPLES
    return shapely.get_coordinates(shapely.line_interpolate_point(geom, at))


def _strips(task: Task, geom: BaseGeometry, f: _Steps) -> list[tuple[BaseGeometry, int]]:
    """Ground imaged near ``geom`` by the sensors of ``f`` while they map, with the step imaging it: one
    quadrilateral per step and strip, between the step's ends offset across its direction of travel, and
    where the track turns at a point between two mapping steps the fan the strip sweeps round it."""
    shapes: list[tuple[BaseGeometry, int]] = []
    length = np.hypot(*(f.end - f.start).T)
    for s in _judged_sensors(task, f.sensors):
        height = f.alt_m - task.ground_elev_m
        maps = (f.alt_m >= s.min_alt_m) & (f.alt_m <= s.max_alt_m) & (height > 0) & (length > 1e-6)
        maps &= f.trigger if s.camera else (np.isnan(f.roi[:, 0]) | (s.targets == "all"))
        reach = max((abs(v) for h in np.unique(np.round(height[maps])) for iv in s.strips_m(float(h)) for v in iv),
                    default=0.0)
        maps &= shapely.distance(shapely.points(f.mid), geom) <= reach + length
        previous = None
        for k in np.flatnonzero(maps):
            strips = s.strips_m(float(height[k]))
            a, b, right = f.start[k], f.end[k], np.array([f.ahead[k, 1], -f.ahead[k, 0]])
            shapes.extend((Polygon([a + lo * right, a + hi * right, b + hi * right, b + lo * right]), int(k))
                          for lo, hi in strips)
            if previous is not None and float(np.hypot(*(f.end[previous] - a))) < 1.0:
                shapes.extend((g, int(k)) for g in _fan(a, f.ahead[previous], f.ahead[k], strips))
            previous = k
    return [(g, k) for g, k in shapes if g.is_valid and g.area > 0]


def _fan(at: np.ndarray, before: np.ndarray, after: np.ndarray, strips: tuple[tuple[float, float], ...],
         steps: int = 8) -> list[Polygon]:
    """The ground a strip sweeps turning in place at ``at`` from heading ``before`` to ``after`` (unit
    vectors): for each strip, on each side of the track, an annular sector (none for under 1°)."""
    turn = math.atan2(before[0] * after[1] - before[1] * after[0], float(before @ after))
    if abs(turn) < math.radians(1.0):
        return []
    start = math.atan2(before[1], before[0])
    angles = start + turn * np.linspace(0.0, 1.0, steps + 1)
    right = np.column_stack([np.sin(angles), -np.cos(angles)])
    out = []
    for lo, hi in strips:
        for a, b in ((lo, min(hi, 0.0)), (max(lo, 0.0), hi)):  # each side of the track on its own
            if b - a > 1e-6:
                outer = at + right * (b if b > 0 else a)
                inner = at + right * (a if b > 0 else b)
                out.append(Polygon(np.concatenate([outer, inner[::-1]])))
    return out
