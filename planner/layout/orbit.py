"""Orbit design: a ground-fixed circle an aircraft can fly and its sensor watches a target from all the way round."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from planner.core import geo, physics
from planner.model.aircraft import Aircraft
from planner.model.autopilot import loiter_radius_m
from planner.model.scenario import Task, Wind
from planner.model.sensors import Sensor

__all__ = ["OrbitDesign", "design_orbit", "farthest_m", "flight_reason", "laps", "offsets_m", "slant_m", "unwatched"]


@dataclass(frozen=True)
class OrbitDesign:
    """How one aircraft type would watch one target, or why it cannot (``reason`` non-empty).

    ``alt_m`` AMSL, ``radius_m`` of the circle flown ``clockwise`` (seen from above) or not, ``lap_s`` one
    lap in the wind, ``turns`` whole laps, ``slant_m`` line-of-sight distance to the farthest target.
    ``watch`` is how a pointed sensor shares the laps among a shared orbit's targets, in the order
    watched: (target name, laps) each, every target its own dwell; empty when one dwell serves every
    target at once (a single target, or a wide-area sensor). ``centre`` (lon, lat) is where the circle is
    centred when not over the task's point (moved clear of a no-fly zone).
    """

    alt_m: float
    radius_m: float
    lap_s: float
    turns: int
    slant_m: float
    reason: str = ""
    centre: tuple[float, float] | None = None
    clockwise: bool = True
    watch: tuple[tuple[str, int], ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the orbit can be flown."""
        return not self.reason

    @property
    def duration_s(self) -> float:
        """Time on station (s)."""
        return self.turns * self.lap_s


def laps(dwell_s: float, lap_s: float) -> int:
    """Whole laps of ``lap_s`` covering ``dwell_s`` (at least one; 0 when a lap cannot be flown)."""
    return max(1, math.ceil(dwell_s / lap_s - 1e-9)) if math.isfinite(lap_s) else 0


def design_orbit(task: Task, aircraft: Aircraft, sensor: Sensor | None, wind: Wind,
                 min_alt_m: float = 0.0) -> OrbitDesign:
    """The tightest flyable circle centred on ``task`` at its altitude (at least ``min_alt_m``: over terrain,
    the target's ground plus the clearance) from which ``sensor`` watches it.

    The radius is the aircraft's turn radius at loiter speed widened for the wind, or a side-looking
    sensor's near range if larger (:meth:`Sensor.orbit_radius_m`), rounded up to
    :data:`~planner.model.autopilot.LOITER_RADIUS_STEP_M` (10 m); the circle is flown with the target on
    the sensor's side (:attr:`Sensor.orbit_clockwise`); the number of laps is the smallest that covers
    ``task.dwell_s``. The target must be watched from every point of the circle.
    """
    alt = max(task.flight_alt_m(aircraft.default_alt_m), min_alt_m)
    height = alt - task.ground_elev_m
    turn = aircraft.turn_radius_m(wind.speed_mps)
    radius = loiter_radius_m(sensor.orbit_radius_m(height, turn) if sensor is not None and height > 0 else turn)
    clockwise = sensor.orbit_clockwise if sensor is not None else True
    slant = math.hypot(radius, max(height, 0.0))
    lap = physics.loiter_lap_s(radius, aircraft.loiter_speed_mps, wind.from_deg, wind.speed_mps)
    design = OrbitDesign(alt, radius, lap, laps(task.dwell_s, lap), slant, clockwise=clockwise)
    reason = flight_reason(design, aircraft, height, wind)
    if not reason and sensor is not None:
        reason = sensor.band_reason(alt)
        if not reason and not sensor.circle_watches(0.0, 0.0, height, radius, clockwise)[0]:
            reason = sensor.unseen_reason(radius, height, f"a {radius:.0f} m orbit at {alt:.0f} m")
    return replace(design, reason=reason) if reason else design


def flight_reason(design: OrbitDesign, aircraft: Aircraft, height_m: float, wind: Wind) -> str:
    """Why ``aircraft`` cannot fly ``design`` at all ('' when it can): ceiling, ground, wind."""
    if design.alt_m > aircraft.ceiling_m:
        return f"altitude {design.alt_m:.0f} m is above the {aircraft.name} ceiling {aircraft.ceiling_m:.0f} m"
    if height_m <= 0:
        return f"altitude {design.alt_m:.0f} m is not above the target's ground ({design.alt_m - height_m:.0f} m)"
    if not math.isfinite(design.lap_s):
        return f"wind {wind.speed_mps:g} m/s is too strong for {aircraft.name} to hold an orbit"
    return ""


def offsets_m(centre: tuple[float, float], watched: tuple[Task, ...], frame: geo.LocalFrame) -> np.ndarray:
    """(targets, 2) local-frame offsets (m) of the watched targets from ``centre`` (lon, lat)."""
    cx, cy = frame.to_local(*centre)
    tx, ty = frame.to_local([t.geometry.x for t in watched], [t.geometry.y for t in watched])
    return np.column_stack([np.asarray(tx) - cx, np.asarray(ty) - cy])


def farthest_m(centre: tuple[float, float], watched: tuple[Task, ...], frame: geo.LocalFrame) -> float:
    """Horizontal distance (m, local frame) from ``centre`` (lon, lat) to the farthest watched target."""
    return float(np.hypot(*offsets_m(centre, watched, frame).T).max())


def slant_m(design: OrbitDesign, centre: tuple[float, float], watched: tuple[Task, ...],
            frame: geo.LocalFrame) -> float:
    """Slant range (m) from the far side of the circle centred at ``centre`` to the farthest watched target."""
    height = design.alt_m - min(t.ground_elev_m for t in watched)
    return math.hypot(farthest_m(centre, watched, frame) + design.radius_m, height)


def unwatched(design: OrbitDesign, sensor: Sensor, centre: tuple[float, float], watched: tuple[Task, ...],
              frame: geo.LocalFrame) -> str:
    """Why ``sensor`` on the circle of ``design`` centred at ``centre`` misses one of ``watched`` for part of
    a lap ('' when it watches every one of them from the whole circle)."""
    off = offsets_m(centre, watched, frame)
    heights = np.array([design.alt_m - t.ground_elev_m for t in watched])
    ok = sensor.circle_watches(off[:, 0], off[:, 1], heights, design.radius_m, design.clockwise)
    if ok.all():
        return ""
    k = int(np.flatnonzero(~ok)[0])
    d = float(np.hypot(*off[k]))
    why = ""
    for ground, side in ((d + design.radius_m, "far"), (abs(d - design.radius_m), "near")):
        why = why or sensor.unseen_reason(ground, float(heights[k]), f"its {side} side at {design.alt_m:.0f} m")
        if "cannot keep" in why:
            why = ""
    why = why or f"{sensor.name} cannot keep it in view (side, squint {sensor.squint_deg:g}°)"
    return f"'{watched[k].name}' is not in {sensor.name} view from the whole {design.radius_m:.0f} m orbit: {why}"
