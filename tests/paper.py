"""An independent paper flight of a ``.waypoints`` file, for tests (not the product's checker).

Legs between positional NAV items are geodesics flown at the airspeed set by DO_CHANGE_SPEED (cruise
before any), with the wind's ground speed on the leg's mean track; loiter turns last turns × one lap
at loiter speed in the wind; loiter-to-alt and take-off climb or descend at the profile's rates; the
final landing descends from the circuit height. Only pymavlink, pyproj and math: no planner module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pymavlink import mavwp
from pyproj import Geod

GEOD = Geod(ellps="WGS84")
POSITIONAL = {16, 18, 19, 21, 22, 31}


@dataclass
class PaperFlight:
    """Distance flown (m) and time (s) of a mission flown on paper."""

    distance_m: float
    time_s: float
    items: int


def _ground_speed(v: float, track_deg: float, wind_from_deg: float, wind_mps: float) -> float:
    if wind_mps == 0:
        return v
    rel = math.radians(wind_from_deg + 180.0 - track_deg)
    beta = math.asin(wind_mps * math.sin(rel) / v)
    return v * math.cos(beta) + wind_mps * math.cos(rel)


def _lap_s(radius: float, v: float, wind_from_deg: float, wind_mps: float, n: int = 720) -> float:
    return sum(2 * math.pi * radius / n / _ground_speed(v, (k + 0.5) * 360 / n, wind_from_deg, wind_mps)
               for k in range(n))


def fly(path: str, *, cruise_mps: float, loiter_mps: float, climb_mps: float, descent_mps: float,
        wind_from_deg: float = 0.0, wind_mps: float = 0.0) -> PaperFlight:
    """Fly ``path`` on paper."""
    loader = mavwp.MAVWPLoader()
    count = loader.load(path)
    items = [loader.wp(i) for i in range(count)]
    home = items[0]
    home_alt = home.z
    lat, lon, alt = home.x, home.y, home_alt
    speed = cruise_mps
    dist = 0.0
    t = 0.0
    for it in items[1:]:
        if it.command == 178:
            speed = it.param2 if it.param2 > 0 else speed
            continue
        if it.command not in POSITIONAL:
            continue
        z = it.z + (home_alt if it.frame == 3 else 0.0)
        if it.command == 21:
            z = home_alt
        az1, az2, d = GEOD.inv(lon, lat, it.y, it.x)
        if d > 0:
            track = math.degrees(math.atan2(math.sin(math.radians(az1)) + math.sin(math.radians(az2 + 180)),
                                            math.cos(math.radians(az1)) + math.cos(math.radians(az2 + 180))))
            t += d / _ground_speed(speed, track, wind_from_deg, wind_mps)
            dist += d
        rise = z - alt
        t += rise / climb_mps if rise > 0 else -rise / descent_mps
        if it.command == 18:
            radius = abs(it.param3)
            t += it.param1 * _lap_s(radius, speed, wind_from_deg, wind_mps)
            dist += it.param1 * 2 * math.pi * radius
        elif it.command == 19:
            t += it.param1
            dist += it.param1 * speed
        lat, lon, alt = it.x, it.y, z
    return PaperFlight(dist, t, count - 1)
