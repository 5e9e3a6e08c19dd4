"""An independent paper flight of a ``.waypoints`` file, for tests (not the product's checker).

Legs between positional NAV items are geodesics flown at the airspeed set by DO_CHANGE_SPEED (cruise
before any; with ``eas`` — ArduPilot — the commanded speed is equivalent airspeed, flown as true airspeed
√(ρ₀/ρ) times faster at the altitude where it takes effect, ICAO atmosphere), with the wind's ground
speed on the leg's mean track; loiter turns last turns × one lap
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


def _tas_per_eas(alt_m: float) -> float:
    """√(ρ₀/ρ) in the ICAO troposphere: σ = (1 − 0.0065·h / 288.15)^4.2559."""
    return (1.0 - 0.0065 * alt_m / 288.15) ** (-4.2559 / 2.0)


def fly(path: str, *, cruise_mps: float, loiter_mps: float, climb_mps: float, descent_mps: float,
        wind_from_deg: float = 0.0, wind_mps: float = 0.0, eas: bool = True) -> PaperFlight:
    """Fly ``path`` on paper (``eas``: speeds commanded as equivalent airspeed, as ArduPilot flies them)."""
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
            if it.param2 > 0:
                speed = it.param2 * (_tas_per_eas(alt) if eas and it.param1 == 0 else 1.0)
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


def flown_shapes(path: str, *, hold_radius_m: float, step_m: float = 100.0) -> list[tuple[str, object]]:
    """What an ArduPlane flying ``path`` covers over the ground, as (what, shapely geometry in lon/lat).

    Every loiter's disc (LOITER_TURNS / LOITER_TIME radius p3, LOITER_TO_ALT p2; a zero radius flown at
    ``hold_radius_m``; clockwise unless negative), and every leg sampled every ``step_m`` along the
    geodesic, starting after a loiter at the point where the circle is left on its tangent toward the
    leg's end (ArduPlane waits until it heads for the next waypoint). Only pymavlink, pyproj, shapely.
    """
    from shapely.geometry import LineString, Polygon

    loader = mavwp.MAVWPLoader()
    items = [loader.wp(i) for i in range(loader.load(path))]
    out: list[tuple[str, object]] = []
    lon, lat = items[0].y, items[0].x
    circle = None  # (lon, lat, radius, clockwise)
    for it in items[1:]:
        if it.command not in POSITIONAL or it.command == 20:
            continue
        to = (it.y, it.x) if (it.x, it.y) != (0.0, 0.0) else (lon, lat)
        start = (lon, lat)
        if circle is not None:
            az, _, d = GEOD.inv(circle[0], circle[1], *to)
            if d > circle[2]:
                beta = math.degrees(math.acos(circle[2] / d))
                tlon, tlat, _ = GEOD.fwd(circle[0], circle[1], az - beta if circle[3] else az + beta, circle[2])
                start = (tlon, tlat)
        d = GEOD.inv(*start, *to)[2]
        k = int(d // step_m)
        if d > 0:
            out.append((f"leg to item {it.seq}", LineString([start, *(GEOD.npts(*start, *to, k) if k else []), to])))
        lon, lat = to
        circle = None
        radius = {18: it.param3, 19: it.param3, 31: it.param2}.get(it.command)
        if radius is not None:
            r = abs(radius) or hold_radius_m
            if it.command == 19:
                r = max(r, hold_radius_m)
            clon, clat, _ = GEOD.fwd([lon] * 90, [lat] * 90, [4.0 * j for j in range(90)], [r] * 90)
            out.append((f"circle of item {it.seq}", Polygon(zip(clon, clat, strict=True))))
            circle = (lon, lat, r, radius >= 0)
    return out
