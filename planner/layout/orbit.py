"""Orbit design: a ground-fixed circle an aircraft can fly and its sensor can see a target from."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.core import geo, physics
from planner.model.aircraft import Aircraft
from planner.model.autopilot import loiter_radius_m
from planner.model.scenario import Task, Wind
from planner.model.sensors import Sensor

__all__ = ["OrbitDesign", "design_orbit", "farthest_m", "slant_m"]


@dataclass(frozen=True)
class OrbitDesign:
    """How one aircraft type would watch one target, or why it cannot (``reason`` non-empty).

    ``alt_m`` AMSL, ``radius_m`` of the circle, ``lap_s`` one lap in the wind, ``turns`` whole laps
    giving at least the dwell, ``slant_m`` line-of-sight distance to the target. ``centre`` (lon, lat)
    is where the circle is centred when not over the task's point (moved clear of a no-fly zone).
    """

    alt_m: float
    radius_m: float
    lap_s: float
    turns: int
    slant_m: float
    reason: str = ""
    centre: tuple[float, float] | None = None

    @property
    def ok(self) -> bool:
        """Whether the orbit can be flown."""
        return not self.reason

    @property
    def duration_s(self) -> float:
        """Time on station (s)."""
        return self.turns * self.lap_s


def design_orbit(task: Task, aircraft: Aircraft, sensor: Sensor | None, wind: Wind,
                 min_alt_m: float = 0.0) -> OrbitDesign:
    """The tightest flyable circle centred on ``task`` at its altitude (at least ``min_alt_m``: over terrain,
    the target's ground plus the clearance), checked against ``sensor``.

    The radius is the aircraft's turn radius at loiter speed widened for the wind, rounded up to
    :data:`~planner.model.autopilot.LOITER_RADIUS_STEP_M` (10 m); the number of laps is the smallest
    that covers ``task.dwell_s``.
    """
    alt = max(task.flight_alt_m(aircraft.default_alt_m), min_alt_m)
    radius = loiter_radius_m(aircraft.turn_radius_m(wind.speed_mps))
    height = alt - task.ground_elev_m
    slant = math.hypot(radius, max(height, 0.0))
    lap = physics.loiter_lap_s(radius, aircraft.loiter_speed_mps, wind.from_deg, wind.speed_mps)
    turns = max(1, math.ceil(task.dwell_s / lap - 1e-9)) if math.isfinite(lap) else 0
    design = OrbitDesign(alt, radius, lap, turns, slant)
    reason = ""
    if alt > aircraft.ceiling_m:
        reason = f"altitude {alt:.0f} m is above the {aircraft.name} ceiling {aircraft.ceiling_m:.0f} m"
    elif height <= 0:
        reason = f"altitude {alt:.0f} m is not above the target's ground ({task.ground_elev_m:.0f} m)"
    elif not math.isfinite(lap):
        reason = f"wind {wind.speed_mps:g} m/s is too strong for {aircraft.name} to hold an orbit"
    elif sensor is not None:
        reason = sensor.reason_unseen(alt, slant, radius)
    if reason:
        return OrbitDesign(alt, radius, lap, turns, slant, reason)
    return design


def farthest_m(centre: tuple[float, float], watched: tuple[Task, ...], frame: geo.LocalFrame) -> float:
    """Horizontal distance (m, local frame) from ``centre`` (lon, lat) to the farthest watched target."""
    cx, cy = frame.to_local(*centre)
    return max(float(np.hypot(*(np.array(frame.to_local(t.geometry.x, t.geometry.y)) - [cx, cy]))) for t in watched)


def slant_m(design: OrbitDesign, centre: tuple[float, float], watched: tuple[Task, ...],
            frame: geo.LocalFrame) -> float:
    """Slant range (m) from the far side of the circle centred at ``centre`` to the farthest watched target."""
    height = design.alt_m - min(t.ground_elev_m for t in watched)
    return math.hypot(farthest_m(centre, watched, frame) + design.radius_m, height)
