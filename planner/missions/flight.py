"""The paper flight: a mission flown item by item with an aircraft's performance in a constant wind.

Legs between positional NAV items are geodesics flown at the airspeed in effect (profile cruise until a
``DO_CHANGE_SPEED``, whose airspeed ArduPilot flies as equivalent airspeed: true airspeed at the altitude
where it takes effect) with the wind's ground speed; altitude changes add climb or descent time at the
profile's rates; loiters add their turns, seconds or altitude change; ``DO_JUMP`` loops are unrolled with
ArduPilot's counting. Distances in metres, times in seconds, altitudes metres AMSL, bearings degrees true.

For no-fly zones the flight is flown as the aircraft flies it: a loiter's whole disc, and the leg after a
loiter from the point where the circle is left on its tangent toward the next waypoint (as ArduPlane does
once the turns, time or altitude are done), up to a radius to the side of the centre line. A loiter whose
cross-track flag (p4) is 0 tracks the line from the centre from there on: the whole triangle between the
tangent, the centre line and the waypoint is checked. (Times and distances stay centre to centre.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from planner.core import geo, physics
from planner.missions.clearance import Piece
from planner.missions.commands import (
    DO_CHANGE_SPEED,
    DO_JUMP,
    LOITERS,
    NAV_LAND,
    NAV_LOITER_TIME,
    NAV_LOITER_TO_ALT,
    NAV_LOITER_TURNS,
    NAV_LOITER_UNLIM,
    NAV_POSITIONAL,
    NAV_RETURN_TO_LAUNCH,
    NAV_TAKEOFF,
    NAV_WAYPOINT,
)
from planner.missions.file_model import Item, Mission, Zone
from planner.missions.findings import Findings, label
from planner.missions.parameters import loiter_radius_flown_m
from planner.missions.track import Leg, Track, leg_geometry
from planner.model.aircraft import Aircraft
from planner.model.autopilot import rules
from planner.model.scenario import Wind
from planner.model.terrain import Terrain

__all__ = ["SENSOR_COMMANDS", "Flight", "PaperFlight", "check_return", "fly"]

# Items the paper flight knows have no effect on the path or the clock.
_NO_FLIGHT_EFFECT = frozenset({176, 179, 183, 184, 189, 195, 197, 200, 201, 202, 203, 205, 206, 211, 214})


RETURN_RADIUS_M = 5000.0  # a final loiter this close to home counts as a return

MAX_VISITS = 1_000_000  # item visits before an unrolled mission is called endless

_CIRCLE_POINTS = 72

SENSOR_COMMANDS = frozenset({195, 197, 201, 206})
"""DO items that point a sensor or switch a camera: recorded, with when they run, on a :class:`Track`."""


def _circle(lon: float, lat: float, radius_m: float) -> BaseGeometry:
    if radius_m <= 0:
        return Point(lon, lat)
    az = np.linspace(0.0, 360.0, _CIRCLE_POINTS, endpoint=False)
    lo, la = geo.destination(np.full(az.shape, lon), np.full(az.shape, lat), az, np.full(az.shape, radius_m))
    return Polygon(np.column_stack([lo, la]))


def _wrap180(deg: float) -> float:
    return (deg + 180.0) % 360.0 - 180.0


@dataclass
class Flight:
    """State of the paper flight."""

    lon: float
    lat: float
    alt_m: float
    speed_mps: float | None
    speed_set: bool = False
    commanded_mps: float | None = None
    distance_m: float = 0.0
    time_s: float = 0.0
    last_nav: Item | None = None
    arrival_track_deg: float | None = None
    sharpest_deg: float | None = None
    ended: bool = False
    returned: bool = False
    flown: list[Item] = field(default_factory=list)
    circle: tuple[float, float, float, bool, bool] | None = None  # lon, lat, radius m, clockwise, xtrack exit


class PaperFlight:
    """Flies ``mission`` item by item; records faults into ``out`` and, given a ``track``, where it flew."""

    def __init__(self, mission: Mission, aircraft: Aircraft | None, wind: Wind, zones: Sequence[Zone],
                 autopilot: str, out: Findings, parameters: Mapping[str, float] | None = None,
                 track: Track | None = None, terrain: Terrain | None = None) -> None:
        self.m = mission
        self.params = parameters
        self.autopilot = autopilot
        self.eas = rules(autopilot).airspeed_is_eas
        self.a = aircraft
        self.wind = wind
        self.zones = zones
        self.out = out
        self.track = track
        self.terrain = terrain
        self.pieces: list[Piece] = []  # what was flown, for the terrain clearance (planner.missions.clearance)
        self._agl: float | None = None  # height above the ground of the last position, when in the terrain frame
        self._came_from: float | None = None
        self._legs: dict[tuple[float, float, float, float], Leg] = {}
        self._zone_checked: set[tuple[Any, ...]] = set()
        home = mission.home
        self.f = Flight(home.lon, home.lat, home.alt_m, aircraft.cruise_speed_mps if aircraft else None)

    # -- helpers -------------------------------------------------------------------------------------
    def _alt(self, it: Item) -> float:
        if it.frame in (0, 5):
            return it.alt
        if it.frame in (10, 11):
            lon, lat = self._where(it)
            ground = float(self.terrain.height_m(lon, lat)[0]) if self.terrain is not None else math.nan
            if math.isfinite(ground):
                return ground + it.alt
            self.out.warn("terrain", f"{label(it)}: terrain-relative altitude; ground height unknown, treated as "
                          "relative to home", it)
        return self.m.home.alt_m + it.alt

    def _where(self, it: Item) -> tuple[float, float]:
        """Item position; ArduPilot flies 0, 0 (or NaN) as 'here'."""
        if not (math.isfinite(it.lat) and math.isfinite(it.lon)) or (it.lat == 0.0 and it.lon == 0.0):
            if it.command not in (NAV_TAKEOFF, NAV_LAND):
                self.out.warn("here", f"{label(it)}: no position (0, 0): flown as the current position", it)
            return self.f.lon, self.f.lat
        return it.lon, it.lat

    def _leg(self, lon: float, lat: float) -> Leg:
        key = (self.f.lon, self.f.lat, lon, lat)
        leg = self._legs.get(key)
        if leg is None:
            leg = self._legs[key] = leg_geometry(*key)
        return leg

    def _enter(self, geom: BaseGeometry, key: tuple[Any, ...], what: str, it: Item) -> None:
        if key in self._zone_checked:
            return
        self._zone_checked.add(key)
        for zone in self.zones:
            if geom.intersects(zone.geometry):
                self.out.fault("nofly", f"{what} enters no-fly zone '{zone.name}'", it)

    def _climb_s(self, to_alt_m: float) -> float:
        rise = to_alt_m - self.f.alt_m
        if self.a is None:
            return 0.0
        return rise / self.a.climb_rate_mps if rise > 0 else -rise / self.a.descent_rate_mps

    def _fly_to(self, it: Item, lon: float, lat: float, alt_m: float, *, home_leg: bool = False) -> Leg:
        """Horizontal leg to (lon, lat) then the climb or descent to ``alt_m``; turn check at the last waypoint."""
        f = self.f
        leg = self._leg(lon, lat)
        start = f"item {f.last_nav.index}" if f.last_nav is not None else "home"
        end = "home" if home_leg else f"item {it.index}"
        agl = it.alt if it.frame in (10, 11) and not home_leg else None
        if it.command != NAV_TAKEOFF:
            kind = "land" if it.command == NAV_LAND else "leg"
            # from a circle the track leaves on the tangent: judged along it and along the line from the centre
            # (what is flown lies between them), each from the circle's altitude
            tangent = self._tangent_point(lon, lat)
            froms = [(f.lon, f.lat, "")] + ([(*tangent, " (from the circle's tangent)")] if tangent else [])
            for flon, flat, how in froms:
                if agl is not None and self._agl is not None:  # both ends above the ground: terrain following
                    self.pieces.append(Piece(kind, it, f"leg {start} → {end}{how}", flon, flat, self._agl, lon, lat,
                                             agl, agl=True))
                else:
                    self.pieces.append(Piece(kind, it, f"leg {start} → {end}{how}", flon, flat, f.alt_m, lon, lat,
                                             alt_m))
        self._agl = agl
        if leg.distance_m > 0:
            exit_ = self._tangent_exit(lon, lat)
            what = f"leg {start} → {end}" if exit_ is None else f"leg {start} → {end} (from the circle's tangent)"
            self._enter(leg.line if exit_ is None else exit_, ("leg", f.lon, f.lat, lon, lat, f.circle), what, it)
            if self.a is not None and f.speed_mps is not None:
                seg_s = physics.leg_time_s(leg.seg_m, leg.seg_track_deg, f.speed_mps, self.wind.from_deg,
                                           self.wind.speed_mps)
                if not np.isfinite(seg_s).all():
                    self.out.fault("no_headway", f"leg {start} → {end}: no headway at {f.speed_mps:g} m/s airspeed "
                                   f"against the wind ({self.wind.speed_mps:g} m/s from {self.wind.from_deg:g}°)", it)
                    f.time_s = math.inf
                else:
                    if self.track is not None:
                        self.track.line(f.time_s, leg, seg_s, f.alt_m)
                    f.time_s += float(np.sum(seg_s))
            self._turn(leg)
            f.distance_m += leg.distance_m
            f.arrival_track_deg = leg.end_az_deg
        self._came_from = (leg.end_az_deg + 180.0) % 360.0 if leg.distance_m > 0 else None
        climb_s = self._climb_s(alt_m)
        if self.track is not None and climb_s > 0 and math.isfinite(f.time_s):
            self.track.point(f.time_s, lon, lat, f.alt_m)
            self.track.point(f.time_s + climb_s, lon, lat, alt_m)
        f.time_s += climb_s
        f.lon, f.lat, f.alt_m = lon, lat, alt_m
        if self.a is not None and alt_m > self.a.ceiling_m + 1e-6:
            self.out.fault("ceiling", f"{label(it)}: altitude {alt_m:,.0f} m AMSL is above the ceiling of "
                           f"{self.a.name} ({self.a.ceiling_m:,.0f} m)", it)
        return leg

    def _tangent_point(self, lon: float, lat: float) -> tuple[float, float] | None:
        """Where the circle the aircraft is on is left toward (lon, lat) on its tangent (clockwise or not); None
        without a circle or when the point is inside it."""
        if self.f.circle is None:
            return None
        clon, clat, radius, clockwise, _ = self.f.circle
        az, _, dist = geo.inverse(clon, clat, lon, lat)
        if float(dist) <= radius:
            return None
        beta = math.degrees(math.acos(radius / float(dist)))
        tlon, tlat = geo.destination(clon, clat, float(az) - beta if clockwise else float(az) + beta, radius)
        return float(tlon), float(tlat)

    def _tangent_exit(self, lon: float, lat: float) -> BaseGeometry | None:
        """What is flown from the circle the aircraft is on toward (lon, lat): the tangent from where the
        circle is left (clockwise or not), with the triangle up to the centre line when the loiter does not
        cross-track from its exit; None without a circle or when the point is inside it (the disc holds it)."""
        point = self._tangent_point(lon, lat)
        if point is None or self.f.circle is None:
            return None
        clon, clat, _, _, xtrack = self.f.circle
        tangent = leg_geometry(*point, lon, lat).line
        if xtrack:
            return tangent
        centre_line = leg_geometry(clon, clat, lon, lat).line
        ring = np.vstack([np.asarray(tangent.coords), np.asarray(centre_line.coords)[::-1]])
        return Polygon(ring).buffer(0).union(tangent)

    def _turn(self, leg: Leg) -> None:
        """At a waypoint, the heading change onto ``leg`` and whether the leg is long enough to turn."""
        f = self.f
        prev = f.last_nav
        if prev is None or prev.command != NAV_WAYPOINT or f.arrival_track_deg is None:
            return
        change = abs(_wrap180(leg.start_az_deg - f.arrival_track_deg))
        f.sharpest_deg = change if f.sharpest_deg is None else max(f.sharpest_deg, change)
        if self.a is None:
            return
        radius = physics.turn_radius_m(f.speed_mps or self.a.cruise_speed_mps, self.a.max_bank_deg, self.wind.speed_mps)
        if change > 90.0 and leg.distance_m < radius:
            self.out.fault("turn_too_tight", f"item {prev.index}: {change:.0f}° turn followed by a {leg.distance_m:,.0f} m "
                           f"leg, shorter than the turn radius {radius:,.0f} m", prev)

    def _loiter_speed(self) -> float:
        assert self.a is not None
        return self.f.speed_mps if self.f.speed_set and self.f.speed_mps else self.a.loiter_speed_mps

    def _min_radius(self, speed_mps: float) -> float:
        assert self.a is not None
        return physics.turn_radius_m(speed_mps, self.a.max_bank_deg, self.wind.speed_mps)

    def _loiter_circle(self, it: Item, radius_m: float, signed_radius: float, low_m: float | None = None) -> None:
        """Check the loiter's disc and remember the circle its exit leaves on the tangent (clockwise unless
        ``signed_radius`` < 0; cross-track exit when p4 > 0); judged for terrain at
        ``low_m`` (default: the altitude reached), the lowest altitude it is flown at."""
        low = self.f.alt_m if low_m is None else low_m
        self.pieces.append(Piece("circle", it, f"loiter circle of {label(it)} ({radius_m:,.0f} m)", self.f.lon,
                                 self.f.lat, low, radius_m=radius_m))
        self._enter(_circle(self.f.lon, self.f.lat, radius_m), ("circle", self.f.lon, self.f.lat, radius_m),
                    f"loiter circle of {label(it)} ({radius_m:,.0f} m)", it)
        if radius_m > 0:
            xtrack = math.isfinite(it.params[3]) and it.params[3] > 0
            self.f.circle = (self.f.lon, self.f.lat, radius_m, not signed_radius < 0, xtrack)

    # -- items ---------------------------------------------------------------------------------------
    def nav(self, it: Item) -> None:
        f = self.f
        cmd = it.command
        lon, lat = self._where(it)
        before_m = f.alt_m
        # the climb or descent of NAV_LOITER_TO_ALT is flown in circles at the item: same time as on the leg
        self._fly_to(it, lon, lat, self._alt(it))
        f.circle = None
        if cmd == NAV_LAND:
            f.ended = f.returned = True
        elif cmd == NAV_LOITER_TURNS:
            self._loiter_turns(it)
        elif cmd == NAV_LOITER_TIME:
            self._loiter_time(it)
        elif cmd == NAV_LOITER_TO_ALT:
            # circling from the altitude it arrived at to its own: judged at the lower of the two
            self._loiter_radius_note(it, abs(it.params[1]) if math.isfinite(it.params[1]) else 0.0,
                                     min(before_m, f.alt_m))
        elif cmd == NAV_LOITER_UNLIM:
            radius = abs(it.params[2]) if math.isfinite(it.params[2]) else 0.0
            self._loiter_circle(it, radius, it.params[2])
            self.out.fault("never_ends", f"{label(it)}: NAV_LOITER_UNLIM never ends; no planned sortie can hold it", it)
            f.ended = True
        f.flown.append(it)
        f.last_nav = it
        if cmd in LOITERS:
            f.arrival_track_deg = None  # leaves a circle on its tangent: no sharp corner to judge

    def _loiter_turns(self, it: Item) -> None:
        f = self.f
        turns = max(0.0, it.params[0]) if math.isfinite(it.params[0]) else 0.0
        radius = abs(it.params[2]) if math.isfinite(it.params[2]) else 0.0
        if self.a is not None:
            speed = self._loiter_speed()
            need = self._min_radius(speed)
            if radius == 0.0:
                self.out.warn("loiter_radius", f"{label(it)}: radius 0 means the autopilot's default loiter radius; "
                              f"assumed {need:,.0f} m", it)
                radius = need
            elif radius + 1e-6 < need:
                self.out.fault("turn_too_tight", f"{label(it)}: loiter radius {radius:,.0f} m is below the turn radius "
                               f"{need:,.0f} m at {speed:g} m/s in {self.wind.speed_mps:g} m/s wind", it)
            lap = physics.loiter_lap_s(radius, speed, self.wind.from_deg, self.wind.speed_mps)
            if not math.isfinite(lap):
                self.out.fault("no_headway", f"{label(it)}: no headway around the circle at {speed:g} m/s", it)
            elif self.track is not None and math.isfinite(f.time_s):
                self.track.circle(f.time_s, turns * lap, (f.lon, f.lat, f.alt_m), radius, it.params[2] >= 0, speed,
                                  self.wind, self._came_from)
            f.time_s += turns * lap
        f.distance_m += turns * 2.0 * math.pi * radius
        self._loiter_circle(it, max(radius, self._min_radius(self._loiter_speed())) if self.a else radius, it.params[2])
        self._ardupilot_radius(it, radius)

    def _loiter_time(self, it: Item) -> None:
        f = self.f
        seconds = max(0.0, it.params[0]) if math.isfinite(it.params[0]) else 0.0
        radius = abs(it.params[2]) if math.isfinite(it.params[2]) else 0.0
        if self.a is not None:
            f.time_s += seconds
            speed = self._loiter_speed()
            need = self._min_radius(speed)
            if radius and self.autopilot == "px4" and radius + 1e-6 < need:
                self.out.fault("turn_too_tight", f"{label(it)}: loiter radius {radius:,.0f} m is below the turn "
                               f"radius {need:,.0f} m at {speed:g} m/s in {self.wind.speed_mps:g} m/s wind", it)
            radius = max(radius, need)
            if self.track is not None and math.isfinite(f.time_s):
                self.track.circle(f.time_s - seconds, seconds, (f.lon, f.lat, f.alt_m), radius,
                                  not it.params[2] < 0, speed, self.wind, self._came_from)
        if self.autopilot == "ardupilot" and abs(it.params[2]) > 0 and math.isfinite(it.params[2]):
            self._loiter_time_radius(it, abs(it.params[2]))
        self._loiter_circle(it, radius, it.params[2])

    def _loiter_radius_note(self, it: Item, radius: float, low_m: float) -> None:
        """The loiter-to-altitude circle: its radius (0: the autopilot's default, assumed the turn radius),
        never tighter than the aircraft can turn; ``low_m`` the lowest altitude it is flown at; on ArduPilot,
        whether it would be flown wider."""
        if radius and math.isfinite(radius):
            self._ardupilot_radius(it, radius)
        if self.a is not None:
            speed = self.f.speed_mps or self.a.cruise_speed_mps
            need = self._min_radius(speed)
            if radius and radius + 1e-6 < need:
                self.out.warn("loiter_radius", f"{label(it)}: loiter-to-altitude radius {radius:,.0f} m is below the "
                              f"turn radius {need:,.0f} m at {speed:g} m/s in {self.wind.speed_mps:g} m/s wind; the "
                              "autopilot will fly a wider circle", it)
            radius = max(radius, need)
        self._loiter_circle(it, radius, it.params[1], low_m)

    def _airspeed_limits(self, it: Item, speed: float) -> None:
        """ArduPlane ignores a DO_CHANGE_SPEED outside AIRSPEED_MIN..AIRSPEED_MAX of the parameters given."""
        if self.autopilot != "ardupilot" or self.params is None:
            return
        low, high = self.params.get("AIRSPEED_MIN"), self.params.get("AIRSPEED_MAX")
        if (high is not None and speed > high) or (low is not None and speed < low):
            self.out.warn("parameter", f"{label(it)}: DO_CHANGE_SPEED {speed:g} m/s is outside AIRSPEED_MIN..AIRSPEED_MAX "
                          f"({low if low is not None else '-'}..{high if high is not None else '-'}): ArduPlane ignores "
                          "it and keeps the speed it had", it)

    def _loiter_time_radius(self, it: Item, radius: float) -> None:
        """ArduPilot flies NAV_LOITER_TIME at WP_LOITER_RAD: say so unless the parameters given match."""
        have = None if self.params is None else self.params.get("WP_LOITER_RAD")
        if have is not None and abs(abs(have) - radius) <= 1.0:
            self._ardupilot_radius(it, radius)
            return
        told = "is not in the parameters given" if self.params is not None and have is None else (
            f"is {have:g} m" if have is not None else "is the vehicle's (80-90 m by default)")
        self.out.warn("loiter_radius", f"{label(it)}: ArduPilot keeps only the sign of the NAV_LOITER_TIME radius and "
                      f"flies WP_LOITER_RAD, which {told}: set WP_LOITER_RAD {radius:g} for this {radius:,.0f} m "
                      "circle", it)

    def _ardupilot_radius(self, it: Item, radius: float) -> None:
        """Warn when ArduPlane would fly the commanded loiter radius wider (``AP_L1_Control::loiter_radius``)."""
        if self.autopilot != "ardupilot" or radius <= 1.0:
            return
        alt = self.f.alt_m
        bank = 0.0 if self.params is None else self.params.get("NAVL1_LIM_BANK", 0.0)
        eas = self.f.commanded_mps
        if eas is None and self.params is not None:
            eas = self.params.get("AIRSPEED_CRUISE")
        if bank > 0 and eas is None:
            return  # a bank limit and no known target speed: nothing to judge
        flown = loiter_radius_flown_m(radius, eas_mps=eas or 0.0, alt_m=alt, lim_bank_deg=bank)
        if flown <= radius * 1.02:
            return
        why = ("NAVL1_LIM_BANK is not set" if bank <= 0 else
               f"NAVL1_LIM_BANK {bank:g}° needs {flown:,.0f} m at {eas:g} m/s up here")
        self.out.warn("parameter", f"{label(it)}: ArduPlane flies this {radius:,.0f} m loiter about {flown:,.0f} m "
                      f"wide at {alt:,.0f} m AMSL: {why} (ardupilot.param sets it to the aircraft's maximum bank)", it)

    def rtl(self, it: Item) -> None:
        home = self.m.home
        self._fly_to(it, home.lon, home.lat, self.f.alt_m, home_leg=True)
        self.f.time_s += self._climb_s(home.alt_m)  # the descent to land
        self.f.alt_m = home.alt_m
        self.f.ended = self.f.returned = True
        self.f.flown.append(it)
        self.f.last_nav = it

    def sensor_item(self, it: Item) -> None:
        """A DO item pointing a sensor or switching a camera: recorded on the track when it runs."""
        if self.track is not None:
            self.track.events.append((self.f.time_s, it))

    def change_speed(self, it: Item) -> None:
        kind, speed = it.params[0], it.params[1]
        if kind in (0.0, 1.0) and math.isfinite(speed) and speed > 0:
            self.f.commanded_mps = speed
            self._airspeed_limits(it, speed)
            if kind == 0.0 and self.eas:
                speed = speed * float(physics.eas_to_tas(self.f.alt_m))  # the true airspeed flown up here
            self.f.speed_mps = speed
            self.f.speed_set = True
            if kind == 1.0:
                self.out.warn("ground_speed", f"{label(it)}: ground-speed change flown as an airspeed of {speed:g} m/s",
                              it)


def fly(mission: Mission, flight: PaperFlight, targets: dict[int, int | None], out: Findings) -> None:
    items = mission.items
    counts: dict[int, int] = {}
    pos = 0
    visits = 0
    while pos < len(items) and not flight.f.ended:
        visits += 1
        if visits > MAX_VISITS:
            out.fault("endless", f"more than {MAX_VISITS:,} items flown after unrolling DO_JUMP loops")
            flight.f.time_s = math.inf
            return
        it = items[pos]
        cmd = it.command
        if cmd == DO_JUMP:
            target = targets.get(pos)
            repeat = it.params[1]
            if target is None or not math.isfinite(repeat):
                pos += 1
                continue
            if repeat < 0:
                out.fault("infinite_loop", f"{label(it)}: DO_JUMP repeats forever (p2 = {repeat:g}); "
                          "the flight was followed as if it did not jump", it)
                pos += 1
                continue
            done = counts.get(pos, 0)
            if done < round(repeat):
                counts[pos] = done + 1
                pos = target
            else:
                pos += 1
            continue
        if cmd in NAV_POSITIONAL:
            flight.nav(it)
        elif cmd == NAV_RETURN_TO_LAUNCH:
            flight.rtl(it)
        elif cmd == DO_CHANGE_SPEED:
            flight.change_speed(it)
        elif cmd in SENSOR_COMMANDS:
            flight.sensor_item(it)
        elif cmd not in _NO_FLIGHT_EFFECT:
            out.warn("not_modelled", f"{label(it)}: command {cmd} is not modelled by the paper flight", it)
        pos += 1
    if flight.f.ended and pos < len(items):
        rest = items[pos]
        out.warn("unreachable", f"items from {rest.index} on follow the end of the flight and are never flown", rest)


def check_return(mission: Mission, f: Flight, out: Findings) -> None:
    if f.returned:
        return
    last = f.flown[-1] if f.flown else None
    if last is not None and last.command in LOITERS:
        home = mission.home
        dist = float(geo.distance_m(home.lon, home.lat, f.lon, f.lat))
        if dist <= RETURN_RADIUS_M:
            return
    if last is None:
        out.fault("missing_return", "the mission has no NAV item: nothing lands or returns to launch")
        return
    out.fault("missing_return", f"the last NAV item ({label(last)}, command {last.command}) does not land, return "
              f"to launch or loiter within {RETURN_RADIUS_M / 1000:g} km of home", last)
