"""MAVLink mission items for a sortie: one model that the ``.waypoints`` and ``.plan`` writers serialise.

Rules followed (docs/formats.md): positional items in frame 0 (AMSL) except
the take-off and landing, which are relative to home (frame 3); non-positional items in frame 2; NaN
nowhere (0 instead); loiter direction by the radius sign (positive clockwise). On ArduPilot an orbit
is NAV_LOITER_TURNS (radius honoured up to 2 550 m, at most 255 turns per item, split beyond); on PX4,
which has no loiter-turns item, NAV_LOITER_TIME with the radius in p3. A hold is NAV_LOITER_TIME with the
hold radius in p3 (ArduPilot flies WP_LOITER_RAD instead: ``ardupilot.param`` sets it). Speeds are the
profile's true airspeeds, commanded as equivalent airspeed where the autopilot flies that
(:attr:`AutopilotRules.airspeed_is_eas`), converted at the altitude of the NAV item before the change.

Over terrain a transit's turning points carry its climb and descent (:mod:`planner.layout.transit`): a
turning point over the transit's start means circling up there (NAV_LOITER_TO_ALT), one over its end at
another altitude means arriving at that altitude and circling down there. Given a terrain whose frame is
``terrain``, positional items flown in frame 0 are written in ArduPilot's terrain frame 10 instead, their
altitude above the DEM's ground there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.core import geo, physics
from planner.core.errors import InfeasibleError, InputError
from planner.missions.commands import (
    CMD,
    DO_CHANGE_SPEED,
    FRAME_GLOBAL,
    FRAME_MISSION,
    FRAME_RELATIVE,
    FRAME_TERRAIN,
    NAV_POSITIONAL,
)
from planner.model.autopilot import AutopilotRules, loiter_radius_m, rules
from planner.model.plan import Leg, Orbit, Pattern, Position, Sortie
from planner.model.scenario import Wind
from planner.model.terrain import Terrain

__all__ = ["MissionItem", "hold_radius_m", "mission_items", "orbit_radius_m"]

TAKEOFF_PITCH_DEG = 10.0


@dataclass(frozen=True)
class MissionItem:
    """One MAVLink mission item. ``params`` are p1..p4; ``lat``/``lon`` degrees; ``alt`` metres in ``frame``."""

    command: int
    frame: int
    params: tuple[float, float, float, float]
    lat: float = 0.0
    lon: float = 0.0
    alt: float = 0.0
    autocontinue: bool = True

    @property
    def navigates(self) -> bool:
        """Whether the item is a place the aircraft flies to (a NAV command with a position)."""
        return self.command in NAV_POSITIONAL


def _nav(command: str, pos: Position, p: tuple[float, float, float, float] = (0, 0, 0, 0), *,
         frame: int = FRAME_GLOBAL, alt: float | None = None) -> MissionItem:
    return MissionItem(CMD[command], frame, p, pos.lat, pos.lon, pos.alt_m if alt is None else alt)


def _do(command: str, p: tuple[float, float, float, float] = (0, 0, 0, 0), pos: Position | None = None,
        frame: int = FRAME_MISSION) -> MissionItem:
    if pos is None:
        return MissionItem(CMD[command], FRAME_MISSION, p)
    return MissionItem(CMD[command], frame, p, pos.lat, pos.lon, pos.alt_m)


def _speed(mps: float) -> MissionItem:
    return _do("DO_CHANGE_SPEED", (0.0, round(mps, 2), -1.0, 0.0))


def _signed(radius_m: float, clockwise: bool) -> float:
    return radius_m if clockwise else -radius_m


def orbit_radius_m(orbit: Orbit, r: AutopilotRules) -> float:
    """The orbit's radius as the autopilot will store it (:meth:`AutopilotRules.stored_radius_m`)."""
    return r.stored_radius_m(orbit.radius_m)


def hold_radius_m(sortie: Sortie, wind: Wind) -> float:
    """Radius (m) of the circle a hold is flown on: the aircraft's loiter turn radius in the wind, rounded up
    as an orbit's is (:func:`planner.model.autopilot.loiter_radius_m`)."""
    return loiter_radius_m(sortie.aircraft.turn_radius_m(wind.speed_mps))


def _orbit_items(orbit: Orbit, r: AutopilotRules, roi_frame: int) -> list[MissionItem]:
    """The orbit's loiters, one run per watch: before every watch but the first (whose ROI is set on the
    way in) a DO_SET_ROI_LOCATION on its target, then that watch's laps."""
    radius = orbit_radius_m(orbit, r)
    out: list[MissionItem] = []
    for k, watch in enumerate(orbit.watches):
        if k:
            out.append(_do("DO_SET_ROI_LOCATION", (0, 0, 0, 0), watch.roi, roi_frame))
        if r.loiter_turns and radius <= r.max_loiter_turns_radius_m:
            left = watch.turns
            while left > 0:
                turns = min(left, r.max_loiter_turns)
                # p1 turns, p2 heading-required (0), p3 signed radius, p4 exit: 1 = leave on the tangent
                out.append(_nav("NAV_LOITER_TURNS", orbit.centre,
                                (float(turns), 0.0, _signed(radius, orbit.clockwise), 1.0)))
                left -= turns
            continue
        left_s = math.ceil(watch.turns * orbit.lap_s)
        while left_s > 0:
            chunk = min(left_s, int(r.max_loiter_time_s))
            out.append(_nav("NAV_LOITER_TIME", orbit.centre, (float(chunk), 0.0, _signed(radius, orbit.clockwise), 1.0)))
            left_s -= chunk
    return out


def _entry(previous: Position, orbit: Orbit) -> Position:
    """Where the straight line from ``previous`` meets the orbit circle (at the orbit's altitude)."""
    az, _, dist = geo.inverse(orbit.centre.lon, orbit.centre.lat, previous.lon, previous.lat)
    if float(dist) <= orbit.radius_m:
        az = np.asarray(0.0)
    lon, lat = geo.destination(orbit.centre.lon, orbit.centre.lat, az, orbit.radius_m)
    return Position(float(lon), float(lat), orbit.centre.alt_m)


def _pattern_items(items: list[MissionItem], pattern: Pattern, loiter_mps: float, roi_frame: int, roi_on: bool) -> bool:
    """Append a racetrack, survey or patrol; returns whether a sensor ROI is active afterwards.

    The first path point is flown to at cruise speed; then loiter speed, the sensor setting, and the rest of
    the path. A racetrack lap A, B, C, D is repeated by a DO_JUMP back to A (``laps - 1`` repeats); a
    survey or patrol turns the camera trigger on after each lane's first point and off after its last.
    """
    starts = {i for i, _ in pattern.lanes}
    ends = {j for _, j in pattern.lanes}
    first = len(items) + 1  # the .waypoints index of the first path point (home is 0)
    for j, point in enumerate(pattern.path):
        items.append(_nav("NAV_WAYPOINT", point))
        if j == 0:
            items.append(_speed(loiter_mps))
            if pattern.roi is not None:
                items.append(_do("DO_SET_ROI_LOCATION", (0, 0, 0, 0), pattern.roi, roi_frame))
                roi_on = True
            elif roi_on:
                items.append(_do("DO_SET_ROI_NONE"))
                roi_on = False
        if pattern.trigger_m > 0 and j in starts:
            items.append(_do("DO_SET_CAM_TRIGG_DIST", (round(pattern.trigger_m, 1), 0, 1, 0)))
        if pattern.trigger_m > 0 and j in ends:
            items.append(_do("DO_SET_CAM_TRIGG_DIST", (0, 0, 1, 0)))
    if pattern.kind == "racetrack" and pattern.laps > 1:
        items.append(_do("DO_JUMP", (float(first), float(pattern.laps - 1), 0, 0)))
    return roi_on


def _transit_items(items: list[MissionItem], leg: Leg, radius_m: float) -> Position:
    """Append a transit's turning points (circling up over its start, or down over its end, where they say so);
    returns the last position flown to."""
    prev = leg.start
    for via in leg.via:
        if (via.lon, via.lat) == (prev.lon, prev.lat):
            items.append(_nav("NAV_LOITER_TO_ALT", via, (0.0, float(radius_m), 0.0, 1.0)))
        else:
            items.append(_nav("NAV_WAYPOINT", via))
        prev = via
    if leg.via and (prev.lon, prev.lat) == (leg.end.lon, leg.end.lat) and prev.alt_m != leg.end.alt_m:
        items.append(_nav("NAV_LOITER_TO_ALT", leg.end, (0.0, float(radius_m), 0.0, 1.0)))
        prev = leg.end
    return prev


def _in_terrain_frame(items: list[MissionItem], terrain: Terrain) -> list[MissionItem]:
    """Positional frame-0 items rewritten in ArduPilot's terrain frame: altitude above the DEM's ground there."""
    out = []
    for it in items:
        if it.navigates and it.frame == FRAME_GLOBAL:
            ground = float(terrain.height_m(it.lon, it.lat)[0])
            if not math.isfinite(ground):
                raise InputError(f"terrain: the DEM ({terrain.source}) has no height at {it.lat:.5f}, {it.lon:.5f} "
                                 "for a terrain-frame mission item")
            it = MissionItem(it.command, FRAME_TERRAIN, it.params, it.lat, it.lon, round(it.alt - ground, 3),
                             it.autocontinue)
        out.append(it)
    return out


def mission_items(sortie: Sortie, autopilot: str, wind: Wind | None = None,
                  terrain: Terrain | None = None) -> list[MissionItem]:
    """The sortie as mission items (home not included: writers add it).

    ``wind`` widens the circling climb, descent and holds and sets the landing heading of a base without
    a runway. With a ``terrain`` whose frame is ``terrain`` (ArduPilot only) positional items are written
    above the ground (frame 10), after the airspeeds are converted at their AMSL altitudes. Raises
    InfeasibleError when the sortie exceeds the autopilot's item or DO_JUMP budget.
    """
    wind = wind or Wind()
    wind_mps = wind.speed_mps
    r = rules(autopilot)
    a = sortie.aircraft
    base = sortie.base
    items: list[MissionItem] = []
    home = Position(base.lon, base.lat, base.elev_m)
    legs = sortie.legs
    climb = next(leg for leg in legs if leg.kind == "climb")
    descent = next(leg for leg in legs if leg.kind == "descent")
    circuit_agl = min(round(descent.end.alt_m - base.elev_m, 6), climb.end.alt_m - base.elev_m)
    items.append(_nav("NAV_TAKEOFF", home, (TAKEOFF_PITCH_DEG, 0, 0, 0), frame=FRAME_RELATIVE, alt=circuit_agl))
    # climb in a circle over the base to the first task's altitude (p2 radius, sign = direction)
    # circling climb and descent over the base at cruise speed, sized for the wind
    radius = math.ceil(a.turn_radius_m(wind_mps, loiter=False))
    items.append(_nav("NAV_LOITER_TO_ALT", climb.end, (0.0, float(radius), 0.0, 1.0)))
    items.append(_speed(a.cruise_speed_mps))
    roi_frame = FRAME_GLOBAL if r.name == "ardupilot" else FRAME_MISSION
    roi_on = False
    for i, leg in enumerate(legs):
        if leg.kind == "transit":
            last = _transit_items(items, leg, radius)
            work = next((x for x in legs[i + 1:] if x.kind != "hold"), None)
            if work is not None and work.orbit is not None:
                # Arrive on the circle at cruise speed; DO items run when the next NAV item starts, so the
                # speed and sensor changes sit between the entry waypoint and the loiter.
                items.append(_nav("NAV_WAYPOINT", _entry(last, work.orbit)))
                items.append(_speed(a.loiter_speed_mps))
                # ArduPilot stores the ROI as a location (needs a global frame: 0, altitude AMSL at the target's
                # ground); PX4 takes DO items in frame 2 and reads the altitude as AMSL too
                items.append(_do("DO_SET_ROI_LOCATION", (0, 0, 0, 0), work.orbit.roi, roi_frame))
                roi_on = True
        elif leg.kind == "hold":
            hold = (float(math.ceil(leg.duration_s)), 0.0, hold_radius_m(sortie, wind), 1.0)
            items.append(_nav("NAV_LOITER_TIME", leg.end, hold))
        elif leg.orbit is not None:
            items.extend(_orbit_items(leg.orbit, r, roi_frame))
            items.append(_speed(a.cruise_speed_mps))
        elif leg.pattern is not None:
            roi_on = _pattern_items(items, leg.pattern, a.loiter_speed_mps, roi_frame, roi_on)
            items.append(_speed(a.cruise_speed_mps))
    if roi_on:
        items.append(_do("DO_SET_ROI_NONE"))
    items.append(_do("DO_LAND_START"))
    items.append(_nav("NAV_LOITER_TO_ALT", descent.end, (0.0, float(radius), 0.0, 1.0)))
    lon, lat = base.approach_start(wind)
    items.append(_nav("NAV_WAYPOINT", Position(lon, lat, descent.end.alt_m)))
    items.append(_nav("NAV_LAND", home, (0, 0, 0, 0), frame=FRAME_RELATIVE, alt=0.0))
    if r.airspeed_is_eas:
        items = _equivalent_airspeeds(items, base.elev_m)
    if terrain is not None and terrain.frame == "terrain":
        if r.name != "ardupilot":
            raise InputError(f"terrain: frame \"terrain\" is ArduPilot's terrain frame; {r.name} missions stay AMSL")
        items = _in_terrain_frame(items, terrain)
    jumps = sum(1 for it in items if it.command == CMD["DO_JUMP"])
    if jumps > r.max_jumps:
        raise InfeasibleError(f"sortie {sortie.name}: {jumps} DO_JUMP loops exceed the {r.name} limit of {r.max_jumps}")
    if len(items) + 1 > r.max_items:
        raise InfeasibleError(
            f"sortie {sortie.name}: {len(items) + 1} mission items exceed the {r.name} limit of {r.max_items}"
        )
    return items


def _equivalent_airspeeds(items: list[MissionItem], home_alt_m: float) -> list[MissionItem]:
    """``items`` with each DO_CHANGE_SPEED's true airspeed turned into equivalent airspeed at the altitude
    (AMSL) of the NAV item before it, where the aircraft is when the change takes effect."""
    out: list[MissionItem] = []
    alt_m = home_alt_m
    for it in items:
        if it.navigates:
            alt_m = it.alt + (home_alt_m if it.frame == FRAME_RELATIVE else 0.0)
        if it.command == DO_CHANGE_SPEED and it.params[0] == 0.0 and it.params[1] > 0:
            eas = round(it.params[1] / physics.eas_to_tas(alt_m), 2)
            it = MissionItem(it.command, it.frame, (it.params[0], eas, it.params[2], it.params[3]))
        out.append(it)
    return out
