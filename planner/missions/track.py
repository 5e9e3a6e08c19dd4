"""Where a paper flight went: densified geodesic legs, and the timed track the coverage sweep reads.

Distances in metres, times in seconds, altitudes metres AMSL, bearings degrees true.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from planner.core import geo, physics
from planner.missions.file_model import Item
from planner.model.scenario import Wind

__all__ = ["SEGMENT_M", "TRACK_STEP_DEG", "Leg", "Track", "leg_geometry"]

SEGMENT_M = 1000.0  # legs are densified at this spacing for wind and no-fly zones

TRACK_STEP_DEG = 10.0  # a loiter circle is recorded every this many degrees of arc


@dataclass
class Leg:
    """A densified geodesic: segment lengths (m) and tracks (deg), track at start and on arrival, the line in lon/lat."""

    distance_m: float
    seg_m: np.ndarray
    seg_track_deg: np.ndarray
    start_az_deg: float
    end_az_deg: float
    line: BaseGeometry


def leg_geometry(lon1: float, lat1: float, lon2: float, lat2: float) -> Leg:
    """The geodesic from (lon1, lat1) to (lon2, lat2), densified every :data:`SEGMENT_M`."""
    az1, az2, dist = geo.inverse(lon1, lat1, lon2, lat2)
    d = float(dist)
    if d < 1e-3:
        return Leg(0.0, np.zeros(0), np.zeros(0), 0.0, 0.0, Point(lon1, lat1))
    n = math.ceil(d / SEGMENT_M) - 1
    mid = geo.GEOD.npts(lon1, lat1, lon2, lat2, n) if n > 0 else []
    lons = np.array([lon1, *(p[0] for p in mid), lon2])
    lats = np.array([lat1, *(p[1] for p in mid), lat2])
    seg_az, _, seg_d = geo.inverse(lons[:-1], lats[:-1], lons[1:], lats[1:])
    return Leg(d, np.atleast_1d(seg_d), np.atleast_1d(seg_az), float(az1), (float(az2) + 180.0) % 360.0,
                LineString(np.column_stack([lons, lats])))



@dataclass
class Track:
    """Where the paper flight was when, for the coverage sweep (:mod:`planner.missions.coverage`).

    ``points`` are (time s, lon, lat, alt m AMSL, circle centre lon, lat, direction) in time order: the
    densified vertices of every leg, the aircraft's place around every loiter circle (every
    :data:`TRACK_STEP_DEG`, timed by its ground speed in the wind; direction +1 clockwise, -1
    counter-clockwise, 0 off a circle, centre NaN), and the point where it climbs or descends in place.
    ``events`` are (time s, item) of the :data:`SENSOR_COMMANDS` items, when they run.
    """

    points: list[tuple[float, float, float, float, float, float, int]] = field(default_factory=list)
    events: list[tuple[float, Item]] = field(default_factory=list)
    bearing_deg: float | None = None  # where on the last circle flown the aircraft is, from its centre

    def point(self, t_s: float, lon: float, lat: float, alt_m: float) -> None:
        self.points.append((t_s, lon, lat, alt_m, math.nan, math.nan, 0))
        self.bearing_deg = None

    def line(self, t0_s: float, leg: Leg, seg_s: np.ndarray, alt_m: float) -> None:
        """A leg flown from ``t0_s``, its segments taking ``seg_s``."""
        coords = np.asarray(leg.line.coords)
        times = t0_s + np.concatenate([[0.0], np.cumsum(seg_s)])
        for k, ((lon, lat), t) in enumerate(zip(coords, times, strict=True)):
            if k == 0 and self.points and self.points[-1][:3] == (float(t), float(lon), float(lat)):
                continue  # where the last leg ended
            self.point(float(t), float(lon), float(lat), alt_m)

    def circle(self, t0_s: float, duration_s: float, centre: tuple[float, float, float], radius_m: float,
               clockwise: bool, speed_mps: float, wind: Wind, came_from_deg: float | None) -> None:
        """Laps of a circle from ``t0_s`` for ``duration_s``, joined where the aircraft came from (or where it
        left the same circle)."""
        lon, lat, alt = centre
        turns = duration_s / (physics.loiter_lap_s(radius_m, speed_mps, wind.from_deg, wind.speed_mps) or math.inf)
        if radius_m <= 0 or duration_s <= 0 or not math.isfinite(turns):
            self.point(t0_s, lon, lat, alt)
            self.point(t0_s + max(duration_s, 0.0), lon, lat, alt)
            return
        last = self.points[-1] if self.points else None
        same = last is not None and last[4:6] == (lon, lat) and self.bearing_deg is not None
        start = self.bearing_deg if same else (came_from_deg if came_from_deg is not None else 0.0)
        sign = 1.0 if clockwise else -1.0
        steps = max(1, math.ceil(turns * 360.0 / TRACK_STEP_DEG))
        bearing = start + sign * np.linspace(0.0, turns * 360.0, steps + 1)
        vg = physics.ground_speed_mps(speed_mps, (bearing + sign * 90.0) % 360.0, wind.from_deg, wind.speed_mps)
        dt = 1.0 / np.maximum((vg[:-1] + vg[1:]) / 2.0, 1e-6)
        times = t0_s + duration_s * np.concatenate([[0.0], np.cumsum(dt) / dt.sum()])
        plon, plat = geo.destination(np.full(bearing.size, lon), np.full(bearing.size, lat), bearing % 360.0,
                                     np.full(bearing.size, radius_m))
        direction = 1 if clockwise else -1
        for t, x, y in zip(times, plon, plat, strict=True):
            self.points.append((float(t), float(x), float(y), alt, lon, lat, direction))
        self.bearing_deg = float(bearing[-1] % 360.0)
