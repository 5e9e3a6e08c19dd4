"""An independent check of a mission file: strict format rules, then a flight on paper.

Pure computation on a parsed :class:`Mission` (``planner.io.mission_file`` reads the files); it does
not use the planner's own model of a sortie, so it can judge our exports as well as other tools'.
Model and rules are in docs/check.md. In short: legs between positional NAV items are geodesics flown
at the airspeed in effect (profile cruise until a ``DO_CHANGE_SPEED``) with the wind's ground speed;
altitude changes add climb or descent time at the profile's rates; loiters add their turns, seconds
or altitude change; ``DO_JUMP`` loops are unrolled with ArduPilot's counting. Distances in metres,
times in seconds, altitudes metres AMSL, bearings degrees true.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from planner.core import geo, physics
from planner.core.errors import InputError
from planner.model.aircraft import Aircraft
from planner.model.autopilot import rules
from planner.model.scenario import Reserve, Wind

__all__ = [
    "FORMATS",
    "NAV_POSITIONAL",
    "CheckReport",
    "Finding",
    "Home",
    "Item",
    "Mission",
    "Zone",
    "check_mission",
    "hours_minutes",
]

FORMATS = ("waypoints", "plan")

NAV_WAYPOINT = 16
NAV_LOITER_UNLIM = 17
NAV_LOITER_TURNS = 18
NAV_LOITER_TIME = 19
NAV_RETURN_TO_LAUNCH = 20
NAV_LAND = 21
NAV_TAKEOFF = 22
NAV_LOITER_TO_ALT = 31
DO_JUMP = 177
DO_CHANGE_SPEED = 178

NAV_POSITIONAL = frozenset({16, 17, 18, 19, 21, 22, 31})
_LOITERS = frozenset({17, 18, 19, 31})
_NAN_P4_OK = frozenset({16, 21, 22})
# Items the paper flight knows have no effect on the path or the clock.
_NO_FLIGHT_EFFECT = frozenset({176, 179, 183, 184, 189, 195, 197, 200, 201, 202, 203, 205, 206, 211, 214})
_FRAMES_POSITIONAL = {0: "AMSL", 3: "relative to home", 10: "terrain"}
_FRAMES_OTHER = frozenset({0, 2, 3, 10})

SEGMENT_M = 1000.0  # legs are densified at this spacing for wind and no-fly zones
RETURN_RADIUS_M = 5000.0  # a final loiter this close to home counts as a return
MAX_VISITS = 1_000_000  # item visits before an unrolled mission is called endless
_CIRCLE_POINTS = 72


@dataclass(frozen=True)
class Finding:
    """A fault or warning: ``code`` stable for scripts, ``item`` the mission index (home 0), ``line`` in the file."""

    code: str
    message: str
    item: int | None = None
    line: int | None = None
    kind: str = "flight"

    def __post_init__(self) -> None:
        if self.kind not in ("format", "flight"):
            raise ValueError(f"finding kind must be 'format' or 'flight', got {self.kind!r}")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"code": self.code, "kind": self.kind, "item": self.item, "line": self.line, "message": self.message}


@dataclass(frozen=True)
class Home:
    """Home (launch) position: degrees, metres AMSL."""

    lat: float
    lon: float
    alt_m: float


@dataclass(frozen=True)
class Item:
    """One mission item as read. ``index`` is its mission sequence number (home is 0, the first item 1).

    ``params`` are p1..p4 (NaN where the file says NaN/null); ``alt`` is metres in ``frame``;
    ``jump_id`` is the ``.plan`` doJumpId (None in ``.waypoints``).
    """

    index: int
    command: int
    frame: int
    params: tuple[float, float, float, float]
    lat: float
    lon: float
    alt: float
    autocontinue: bool = True
    line: int | None = None
    jump_id: int | None = None

    def __post_init__(self) -> None:
        if len(self.params) != 4:
            raise ValueError("an item has exactly four params p1..p4")


@dataclass(frozen=True)
class Zone:
    """A no-fly zone: WGS84 lon/lat polygon and the name used in messages."""

    name: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class Mission:
    """A mission file as read: home, items (home excluded) and the syntax faults the reader found.

    ``jump_by_id``: DO_JUMP p1 names a doJumpId (``.plan``) instead of an index (``.waypoints``).
    ``fences``: exclusion zones the file itself carries (``.plan`` geofence). ``firmware`` is what a
    ``.plan`` says it was made for (``ardupilot``/``px4``), None when unknown.
    """

    source: str
    format: str
    home: Home
    items: tuple[Item, ...]
    faults: tuple[Finding, ...] = ()
    warnings: tuple[Finding, ...] = ()
    fences: tuple[Zone, ...] = ()
    jump_by_id: bool = False
    firmware: str | None = None

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"mission format must be one of {FORMATS}, got {self.format!r}")


@dataclass(frozen=True)
class CheckReport:
    """What the check found for one mission. Times in seconds (``math.inf`` when the flight cannot end).

    Flight figures are None without an aircraft; ``distance_m`` is the ground track of the legs plus
    the laps of loiter-turns circles.
    """

    source: str
    format: str
    autopilot: str
    aircraft: str | None
    payload_kg: float | None
    items: int
    jumps: int
    distance_m: float
    flight_s: float | None
    endurance_s: float | None
    reserve_s: float | None
    margin_s: float | None
    sharpest_turn_deg: float | None
    faults: tuple[Finding, ...] = ()
    warnings: tuple[Finding, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return not self.faults

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (infinite times become None)."""

        def num(x: float | None, nd: int = 3) -> float | None:
            return None if x is None or not math.isfinite(x) else round(x, nd)

        return {
            "file": self.source,
            "format": self.format,
            "autopilot": self.autopilot,
            "aircraft": self.aircraft,
            "payload_kg": self.payload_kg,
            "items": self.items,
            "jumps": self.jumps,
            "distance_m": num(self.distance_m),
            "flight_s": num(self.flight_s),
            "endurance_s": num(self.endurance_s),
            "reserve_s": num(self.reserve_s),
            "margin_s": num(self.margin_s),
            "sharpest_turn_deg": num(self.sharpest_turn_deg, 1),
            "ok": self.ok,
            "faults": [f.as_dict() for f in self.faults],
            "warnings": [w.as_dict() for w in self.warnings],
        }


class _Findings:
    """Faults and warnings collected once each (loops visit items many times)."""

    def __init__(self) -> None:
        self.faults: list[Finding] = []
        self.warnings: list[Finding] = []
        self._seen: set[tuple[str, int | None, str]] = set()

    def fault(self, code: str, message: str, item: Item | None = None, kind: str = "flight") -> None:
        self._add(self.faults, code, message, item, kind)

    def warn(self, code: str, message: str, item: Item | None = None, kind: str = "flight") -> None:
        self._add(self.warnings, code, message, item, kind)

    def _add(self, into: list[Finding], code: str, message: str, item: Item | None, kind: str) -> None:
        key = (code, None if item is None else item.index, message)
        if key in self._seen:
            return
        self._seen.add(key)
        into.append(Finding(code, message, None if item is None else item.index,
                            None if item is None else item.line, kind))


def _label(item: Item) -> str:
    return f"item {item.index}"


# ---------------------------------------------------------------------------------------------------
# Format rules (need no aircraft)


def _format_rules(mission: Mission, autopilot: str, out: _Findings) -> None:
    r = rules(autopilot)
    px4 = r.name == "px4"
    for it in mission.items:
        where = _label(it)
        cmd = it.command
        positional = cmd in NAV_POSITIONAL
        if positional:
            if it.frame not in _FRAMES_POSITIONAL:
                out.fault("frame", f"{where}: frame {it.frame} for a positional item (use 0 AMSL or 3 relative)",
                          it, "format")
            elif it.frame == 10 and px4:
                out.fault("frame", f"{where}: terrain frame 10 is not supported by PX4", it, "format")
        elif it.frame != 2 and px4:
            out.fault("frame", f"{where}: command {cmd} must be in frame 2 for PX4 (got {it.frame})", it, "format")
        elif it.frame not in _FRAMES_OTHER:
            out.fault("frame", f"{where}: frame {it.frame} for command {cmd} (use 2)", it, "format")
        values = [*it.params, it.lat, it.lon, it.alt]
        names = ["p1", "p2", "p3", "p4", "latitude", "longitude", "altitude"]
        for k, (name, value) in enumerate(zip(names, values, strict=True)):
            if math.isinf(value):
                out.fault("nan", f"{where}: {name} is infinite", it, "format")
            elif math.isnan(value) and not (k == 3 and cmd in _NAN_P4_OK):
                out.fault("nan", f"{where}: {name} is NaN (only p4 of commands 16, 21, 22 may be; write 0)",
                          it, "format")
        if positional and math.isfinite(it.lat) and math.isfinite(it.lon) and (abs(it.lat) > 90 or abs(it.lon) > 180):
            out.fault("position", f"{where}: latitude/longitude ({it.lat}, {it.lon}) out of range", it, "format")
        p1, p2, p3 = it.params[0], it.params[1], it.params[2]
        if cmd == NAV_WAYPOINT and r.name == "ardupilot" and abs(p2) > 255:
            out.fault("limit", f"{where}: acceptance radius {p2:g} m exceeds ArduPilot's 255 m", it, "format")
        if cmd == NAV_LOITER_TURNS:
            if not r.loiter_turns:
                out.fault("unsupported", f"{where}: NAV_LOITER_TURNS is not supported by {r.name}", it, "format")
            else:
                if not 0 <= p1 <= r.max_loiter_turns:
                    out.fault("limit", f"{where}: {p1:g} turns outside 0–{r.max_loiter_turns}", it, "format")
                if abs(p3) > r.max_loiter_turns_radius_m:
                    out.fault("limit", f"{where}: loiter radius {abs(p3):g} m exceeds {r.max_loiter_turns_radius_m:g} m",
                              it, "format")
                elif abs(p3) > 255 and abs(p3) % 10:
                    out.warn("limit", f"{where}: radius {abs(p3):g} m is stored by ArduPilot in 10 m steps above "
                             "255 m", it, "format")
        if cmd == NAV_LOITER_TIME and not 0 <= p1 <= r.max_loiter_time_s:
            out.fault("limit", f"{where}: loiter time {p1:g} s outside 0–{r.max_loiter_time_s:g} s", it, "format")
        if cmd == DO_JUMP and math.isfinite(p2) and p2 != round(p2):
            out.fault("jump", f"{where}: DO_JUMP repeat count {p2:g} is not a whole number", it, "format")
    if len(mission.items) > r.max_items:
        out.fault("too_many_items", f"{len(mission.items)} items (home excluded) exceed the {r.name} limit of "
                  f"{r.max_items}", None, "format")
    jumps = sum(1 for it in mission.items if it.command == DO_JUMP)
    if jumps > r.max_jumps:
        out.fault("too_many_jumps", f"{jumps} DO_JUMP items exceed the {r.name} limit of {r.max_jumps}", None, "format")
    if mission.firmware is not None and mission.firmware != r.name:
        out.warn("firmware", f"the plan was made for {mission.firmware}, checked against {r.name}", None, "format")


def _jump_targets(mission: Mission, out: _Findings) -> dict[int, int | None]:
    """Position (in ``mission.items``) each DO_JUMP goes to; None for a bad target (a fault)."""
    by_key = {(it.jump_id if mission.jump_by_id else it.index): pos for pos, it in enumerate(mission.items)}
    targets: dict[int, int | None] = {}
    for pos, it in enumerate(mission.items):
        if it.command != DO_JUMP:
            continue
        p1 = it.params[0]
        key = int(p1) if math.isfinite(p1) and p1 == round(p1) else None
        target = by_key.get(key) if key is not None else None
        what = "doJumpId" if mission.jump_by_id else "index"
        if target is None:
            out.fault("jump", f"{_label(it)}: DO_JUMP to {what} {p1:g}, which is no item of the mission", it, "format")
        elif target == pos:
            out.fault("jump", f"{_label(it)}: DO_JUMP jumps to itself", it, "format")
            target = None
        targets[pos] = target
    return targets


# ---------------------------------------------------------------------------------------------------
# The paper flight


@dataclass
class _Leg:
    """A densified geodesic: segment lengths (m) and tracks (deg), track at start and on arrival, the line in lon/lat."""

    distance_m: float
    seg_m: np.ndarray
    seg_track_deg: np.ndarray
    start_az_deg: float
    end_az_deg: float
    line: BaseGeometry


def _leg_geometry(lon1: float, lat1: float, lon2: float, lat2: float) -> _Leg:
    az1, az2, dist = geo.inverse(lon1, lat1, lon2, lat2)
    d = float(dist)
    if d < 1e-3:
        return _Leg(0.0, np.zeros(0), np.zeros(0), 0.0, 0.0, Point(lon1, lat1))
    n = math.ceil(d / SEGMENT_M) - 1
    mid = geo.GEOD.npts(lon1, lat1, lon2, lat2, n) if n > 0 else []
    lons = np.array([lon1, *(p[0] for p in mid), lon2])
    lats = np.array([lat1, *(p[1] for p in mid), lat2])
    seg_az, _, seg_d = geo.inverse(lons[:-1], lats[:-1], lons[1:], lats[1:])
    return _Leg(d, np.atleast_1d(seg_d), np.atleast_1d(seg_az), float(az1), (float(az2) + 180.0) % 360.0,
                LineString(np.column_stack([lons, lats])))


def _circle(lon: float, lat: float, radius_m: float) -> BaseGeometry:
    if radius_m <= 0:
        return Point(lon, lat)
    az = np.linspace(0.0, 360.0, _CIRCLE_POINTS, endpoint=False)
    lo, la = geo.destination(np.full(az.shape, lon), np.full(az.shape, lat), az, np.full(az.shape, radius_m))
    return Polygon(np.column_stack([lo, la]))


def _wrap180(deg: float) -> float:
    return (deg + 180.0) % 360.0 - 180.0


@dataclass
class _Flight:
    """State of the paper flight."""

    lon: float
    lat: float
    alt_m: float
    speed_mps: float | None
    speed_set: bool = False
    distance_m: float = 0.0
    time_s: float = 0.0
    last_nav: Item | None = None
    arrival_track_deg: float | None = None
    sharpest_deg: float | None = None
    ended: bool = False
    returned: bool = False
    flown: list[Item] = field(default_factory=list)


class _PaperFlight:
    """Flies ``mission`` item by item; records faults into ``out``."""

    def __init__(self, mission: Mission, aircraft: Aircraft | None, wind: Wind, zones: Sequence[Zone],
                 autopilot: str, out: _Findings) -> None:
        self.m = mission
        self.autopilot = autopilot
        self.a = aircraft
        self.wind = wind
        self.zones = zones
        self.out = out
        self._legs: dict[tuple[float, float, float, float], _Leg] = {}
        self._zone_checked: set[tuple[Any, ...]] = set()
        home = mission.home
        self.f = _Flight(home.lon, home.lat, home.alt_m, aircraft.cruise_speed_mps if aircraft else None)

    # -- helpers -------------------------------------------------------------------------------------
    def _alt(self, it: Item) -> float:
        if it.frame in (0, 5):
            return it.alt
        if it.frame in (10, 11):
            self.out.warn("terrain", f"{_label(it)}: terrain-relative altitude; ground height unknown, treated as "
                          "relative to home", it)
        return self.m.home.alt_m + it.alt

    def _where(self, it: Item) -> tuple[float, float]:
        """Item position; ArduPilot flies 0, 0 (or NaN) as 'here'."""
        if not (math.isfinite(it.lat) and math.isfinite(it.lon)) or (it.lat == 0.0 and it.lon == 0.0):
            if it.command not in (NAV_TAKEOFF, NAV_LAND):
                self.out.warn("here", f"{_label(it)}: no position (0, 0): flown as the current position", it)
            return self.f.lon, self.f.lat
        return it.lon, it.lat

    def _leg(self, lon: float, lat: float) -> _Leg:
        key = (self.f.lon, self.f.lat, lon, lat)
        leg = self._legs.get(key)
        if leg is None:
            leg = self._legs[key] = _leg_geometry(*key)
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

    def _fly_to(self, it: Item, lon: float, lat: float, alt_m: float, *, home_leg: bool = False) -> _Leg:
        """Horizontal leg to (lon, lat) then the climb or descent to ``alt_m``; turn check at the last waypoint."""
        f = self.f
        leg = self._leg(lon, lat)
        if leg.distance_m > 0:
            start = f"item {f.last_nav.index}" if f.last_nav is not None else "home"
            end = "home" if home_leg else f"item {it.index}"
            self._enter(leg.line, ("leg", f.lon, f.lat, lon, lat), f"leg {start} → {end}", it)
            if self.a is not None and f.speed_mps is not None:
                vg = physics.ground_speed_mps(f.speed_mps, leg.seg_track_deg, self.wind.from_deg, self.wind.speed_mps)
                if (vg <= 0).any():
                    self.out.fault("no_headway", f"leg {start} → {end}: no headway at {f.speed_mps:g} m/s airspeed "
                                   f"against the wind ({self.wind.speed_mps:g} m/s from {self.wind.from_deg:g}°)", it)
                    f.time_s = math.inf
                else:
                    f.time_s += float(np.sum(leg.seg_m / vg))
            self._turn(leg)
            f.distance_m += leg.distance_m
            f.arrival_track_deg = leg.end_az_deg
        f.time_s += self._climb_s(alt_m)
        f.lon, f.lat, f.alt_m = lon, lat, alt_m
        if self.a is not None and alt_m > self.a.ceiling_m + 1e-6:
            self.out.fault("ceiling", f"{_label(it)}: altitude {alt_m:,.0f} m AMSL is above the ceiling of "
                           f"{self.a.name} ({self.a.ceiling_m:,.0f} m)", it)
        return leg

    def _turn(self, leg: _Leg) -> None:
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

    def _loiter_circle(self, it: Item, radius_m: float) -> None:
        self._enter(_circle(self.f.lon, self.f.lat, radius_m), ("circle", self.f.lon, self.f.lat, radius_m),
                    f"loiter circle of {_label(it)} ({radius_m:,.0f} m)", it)

    # -- items ---------------------------------------------------------------------------------------
    def nav(self, it: Item) -> None:
        f = self.f
        cmd = it.command
        lon, lat = self._where(it)
        # the climb or descent of NAV_LOITER_TO_ALT is flown in circles at the item: same time as on the leg
        self._fly_to(it, lon, lat, self._alt(it))
        if cmd == NAV_LAND:
            f.ended = f.returned = True
        elif cmd == NAV_LOITER_TURNS:
            self._loiter_turns(it)
        elif cmd == NAV_LOITER_TIME:
            self._loiter_time(it)
        elif cmd == NAV_LOITER_TO_ALT:
            self._loiter_radius_note(it, abs(it.params[1]))
        elif cmd == NAV_LOITER_UNLIM:
            radius = abs(it.params[2]) if math.isfinite(it.params[2]) else 0.0
            self._loiter_circle(it, radius)
            self.out.fault("never_ends", f"{_label(it)}: NAV_LOITER_UNLIM never ends; no planned sortie can hold it", it)
            f.ended = True
        f.flown.append(it)
        f.last_nav = it
        if cmd in _LOITERS:
            f.arrival_track_deg = None  # leaves a circle on its tangent: no sharp corner to judge

    def _loiter_turns(self, it: Item) -> None:
        f = self.f
        turns = max(0.0, it.params[0]) if math.isfinite(it.params[0]) else 0.0
        radius = abs(it.params[2]) if math.isfinite(it.params[2]) else 0.0
        if self.a is not None:
            speed = self._loiter_speed()
            need = self._min_radius(speed)
            if radius == 0.0:
                self.out.warn("loiter_radius", f"{_label(it)}: radius 0 means the autopilot's default loiter radius; "
                              f"assumed {need:,.0f} m", it)
                radius = need
            elif radius + 1e-6 < need:
                self.out.fault("turn_too_tight", f"{_label(it)}: loiter radius {radius:,.0f} m is below the turn radius "
                               f"{need:,.0f} m at {speed:g} m/s in {self.wind.speed_mps:g} m/s wind", it)
            lap = physics.loiter_lap_s(radius, speed, self.wind.from_deg, self.wind.speed_mps)
            if not math.isfinite(lap):
                self.out.fault("no_headway", f"{_label(it)}: no headway around the circle at {speed:g} m/s", it)
            f.time_s += turns * lap
        f.distance_m += turns * 2.0 * math.pi * radius
        self._loiter_circle(it, radius)

    def _loiter_time(self, it: Item) -> None:
        f = self.f
        seconds = max(0.0, it.params[0]) if math.isfinite(it.params[0]) else 0.0
        radius = abs(it.params[2]) if math.isfinite(it.params[2]) else 0.0
        if self.a is not None:
            f.time_s += seconds
            speed = self._loiter_speed()
            need = self._min_radius(speed)
            if radius and self.autopilot == "px4" and radius + 1e-6 < need:
                self.out.fault("turn_too_tight", f"{_label(it)}: loiter radius {radius:,.0f} m is below the turn "
                               f"radius {need:,.0f} m at {speed:g} m/s in {self.wind.speed_mps:g} m/s wind", it)
            if self.autopilot == "ardupilot" and radius:
                self.out.warn("loiter_radius", f"{_label(it)}: ArduPilot keeps only the sign of the NAV_LOITER_TIME "
                              "radius and flies its WP_LOITER_RAD", it)
            radius = radius or need
        self._loiter_circle(it, radius)

    def _loiter_radius_note(self, it: Item, radius: float) -> None:
        if self.a is None or not radius or not math.isfinite(radius):
            return
        speed = self.f.speed_mps or self.a.cruise_speed_mps
        need = self._min_radius(speed)
        if radius + 1e-6 < need:
            self.out.warn("loiter_radius", f"{_label(it)}: loiter-to-altitude radius {radius:,.0f} m is below the turn "
                          f"radius {need:,.0f} m at {speed:g} m/s in {self.wind.speed_mps:g} m/s wind; the autopilot "
                          "will fly a wider circle", it)
        self._loiter_circle(it, radius)

    def rtl(self, it: Item) -> None:
        home = self.m.home
        self._fly_to(it, home.lon, home.lat, self.f.alt_m, home_leg=True)
        self.f.time_s += self._climb_s(home.alt_m)  # the descent to land
        self.f.alt_m = home.alt_m
        self.f.ended = self.f.returned = True
        self.f.flown.append(it)
        self.f.last_nav = it

    def change_speed(self, it: Item) -> None:
        kind, speed = it.params[0], it.params[1]
        if kind in (0.0, 1.0) and math.isfinite(speed) and speed > 0:
            self.f.speed_mps = speed
            self.f.speed_set = True
            if kind == 1.0:
                self.out.warn("ground_speed", f"{_label(it)}: ground-speed change flown as an airspeed of {speed:g} m/s",
                              it)


def _run(mission: Mission, flight: _PaperFlight, targets: dict[int, int | None], out: _Findings) -> None:
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
                out.fault("infinite_loop", f"{_label(it)}: DO_JUMP repeats forever (p2 = {repeat:g}); "
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
        elif cmd not in _NO_FLIGHT_EFFECT:
            out.warn("not_modelled", f"{_label(it)}: command {cmd} is not modelled by the paper flight", it)
        pos += 1
    if flight.f.ended and pos < len(items):
        rest = items[pos]
        out.warn("unreachable", f"items from {rest.index} on follow the end of the flight and are never flown", rest)


def _check_return(mission: Mission, f: _Flight, out: _Findings) -> None:
    if f.returned:
        return
    last = f.flown[-1] if f.flown else None
    if last is not None and last.command in _LOITERS:
        home = mission.home
        dist = float(geo.distance_m(home.lon, home.lat, f.lon, f.lat))
        if dist <= RETURN_RADIUS_M:
            return
    if last is None:
        out.fault("missing_return", "the mission has no NAV item: nothing lands or returns to launch")
        return
    out.fault("missing_return", f"the last NAV item ({_label(last)}, command {last.command}) does not land, return "
              f"to launch or loiter within {RETURN_RADIUS_M / 1000:g} km of home", last)


def check_mission(
    mission: Mission,
    *,
    aircraft: Aircraft | None = None,
    wind: Wind | None = None,
    reserve: Reserve | None = None,
    payload_kg: float | None = None,
    autopilot: str = "ardupilot",
    nofly: Sequence[BaseGeometry | Zone] = (),
) -> CheckReport:
    """Check ``mission``: format rules for ``autopilot``, then the paper flight with ``aircraft``.

    Without an aircraft, the checks that need no performance figures still run (format, item count,
    loops, return, no-fly). ``payload_kg`` defaults to the profile's reference payload. Raises
    InputError for an unknown autopilot or a payload above the profile's maximum.
    """
    r = rules(autopilot)
    wind = wind or Wind()
    reserve = reserve or Reserve()
    out = _Findings()
    for fnd in mission.faults:
        out.faults.append(fnd)
    for fnd in mission.warnings:
        out.warnings.append(fnd)
    _format_rules(mission, r.name, out)
    targets = _jump_targets(mission, out)
    zones = [z if isinstance(z, Zone) else Zone(f"zone #{k + 1}", z) for k, z in enumerate(nofly)]
    zones += list(mission.fences)
    zones = [Zone(z.name, shapely.make_valid(z.geometry)) for z in zones]
    flight = _PaperFlight(mission, aircraft, wind, zones, r.name, out)
    _run(mission, flight, targets, out)
    f = flight.f
    _check_return(mission, f, out)
    endurance = reserve_s = margin = flight_s = None
    payload = None
    if aircraft is not None:
        payload = aircraft.reference_payload_kg if payload_kg is None else payload_kg
        if payload < 0:
            raise InputError(f"payload must be >= 0 kg, got {payload:g}")
        endurance = aircraft.endurance_s(payload)
        reserve_s = reserve.reserve_s(endurance)
        flight_s = f.time_s
        margin = endurance - reserve_s - flight_s
        if margin < 0:
            out.fault("endurance", f"flight {hours_minutes(flight_s)} exceeds the endurance {hours_minutes(endurance)} at {payload:g} kg "
                      f"less the reserve {hours_minutes(reserve_s)} (margin {hours_minutes(margin)})")
    return CheckReport(
        source=mission.source,
        format=mission.format,
        autopilot=r.name,
        aircraft=aircraft.name if aircraft else None,
        payload_kg=payload,
        items=len(mission.items),
        jumps=sum(1 for it in mission.items if it.command == DO_JUMP),
        distance_m=f.distance_m,
        flight_s=flight_s,
        endurance_s=endurance,
        reserve_s=reserve_s,
        margin_s=margin,
        sharpest_turn_deg=f.sharpest_deg,
        faults=tuple(out.faults),
        warnings=tuple(out.warnings),
    )


def hours_minutes(seconds: float) -> str:
    """``h:mm`` of a time in seconds, signed; 'never' for an infinite time."""
    if not math.isfinite(seconds):
        return "never" if seconds > 0 else "-never"
    sign = "-" if seconds < 0 else ""
    minutes = round(abs(seconds) / 60.0)
    return f"{sign}{minutes // 60}:{minutes % 60:02d}"
