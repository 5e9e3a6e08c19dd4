"""Our exports flown by the real autopilot (ArduPlane SITL): what it did, item by item.

Each scenario of tests/sitl/scenarios.py is planned, uploaded over the MAVLink mission protocol, read
back, armed with every arming check on and flown in AUTO (see tests/sitl/sortie.py). Skipped, with the
reason, when ../shared/sitl is absent.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, shape

from planner.core.geo import LocalFrame, distance_m
from tests.sitl.fixtures import require_sitl, sitl_flights
from tests.sitl.flight import loiter_flown
from tests.sitl.sortie import Flown, nav_sequence

require_sitl()

__all__ = ["sitl_flights"]  # the fixture, imported for pytest

NAV = frozenset({16, 17, 18, 19, 20, 21, 22, 31})
RADIUS_TOLERANCE = 0.15
LANDING_M = 60.0
FLIGHTS = ("orbits", "coverage", "airspace", "high")


@pytest.fixture(params=FLIGHTS)
def flown(request: pytest.FixtureRequest, sitl_flights: dict[str, Flown]) -> Flown:
    return sitl_flights[request.param]


def test_mission_fence_and_rally_points_read_back_as_sent(flown: Flown) -> None:
    assert flown.upload.ok, flown.upload.differences
    assert flown.upload.counts["mission"] == len(flown.mission.items)
    assert flown.upload.counts["rally points"] == 1
    assert flown.upload.counts["geofence"] == 4 * len(_zones(flown))  # each zone of these scenarios is a rectangle


def _zones(flown: Flown) -> list[str]:
    return [t["name"] for t in flown.plan["tasks"] if t["kind"] == "nofly"]


def test_default_parameters_refuse_to_arm_a_mission_with_a_landing_sequence(flown: Flown) -> None:
    # ArduPilot cuts a STATUSTEXT at 50 characters: "... RTL_AUTOLAND disable(d)"
    assert any("DO_LAND_START set and RTL_AUTOLAND disable" in t for t in flown.refused), flown.refused


def test_every_navigation_item_becomes_current_in_order(flown: Flown) -> None:
    seen = [seq for seq in flown.log.sequence if seq > 0]
    assert seen == nav_sequence(flown.sent, NAV)


def _loiters(flown: Flown, command: int) -> list:
    return [it for it in flown.mission.items if it.command == command]


def test_each_orbit_is_flown_at_the_planned_radius_in_the_commanded_direction(flown: Flown) -> None:
    orbits = [leg["orbit"] for leg in flown.sortie["legs"] if leg.get("orbit")]
    if not orbits:
        pytest.skip("no orbit in this flight")
    for orbit in orbits:
        lon, lat, _ = orbit["centre"]
        items = [it for it in _loiters(flown, 18) if abs(it.lon - lon) < 1e-6 and abs(it.lat - lat) < 1e-6]
        assert items, f"no NAV_LOITER_TURNS at {orbit['centre']}"
        for it in items:
            got = loiter_flown(flown.log, it.index, it.lat, it.lon)
            assert got.direction == (1 if orbit["clockwise"] else -1)
            assert (it.params[2] > 0) == orbit["clockwise"]
            assert got.radius_m == pytest.approx(orbit["radius_m"], rel=RADIUS_TOLERANCE), (it.index, got)
            assert got.turns >= it.params[0] - 0.6  # the first half turn is the capture, left out


def test_calm_air_orbits_are_flown_at_the_planned_true_airspeed(flown: Flown) -> None:
    # speeds are commanded as equivalent airspeed: the ground speed in calm air is the planned lap's
    orbits = [leg["orbit"] for leg in flown.sortie["legs"] if leg.get("orbit")]
    if not orbits or flown.plan["wind"]["speed_mps"] > 0:
        pytest.skip("no orbit in calm air in this flight")
    for orbit in orbits:
        planned = 2.0 * np.pi * orbit["radius_m"] / orbit["lap_s"]
        lon, lat, _ = orbit["centre"]
        for it in [it for it in _loiters(flown, 18) if abs(it.lon - lon) < 1e-6 and abs(it.lat - lat) < 1e-6]:
            speeds = [ground for _, seq, _, ground in flown.log.airspeeds if seq == it.index]
            settled = speeds[len(speeds) // 5:]  # after slowing down from the cruise speed
            assert settled and np.mean(settled) == pytest.approx(planned, rel=0.10), (it.index, planned)


def test_racetrack_laps_are_flown_the_planned_number_of_times(flown: Flown) -> None:
    racetracks = [leg for leg in flown.sortie["legs"] if leg["kind"] == "racetrack"]
    if not racetracks:
        pytest.skip("no racetrack in this flight")
    jumps = [it for it in flown.sent if it.command == 177]
    assert len(jumps) == len(racetracks)
    for jump, leg in zip(jumps, racetracks, strict=True):
        planned_laps = leg["pattern"]["laps"] if "pattern" in leg else int(jump.params[1]) + 1
        assert int(jump.params[1]) + 1 == planned_laps
        assert flown.log.entries(int(jump.params[0])) == planned_laps


def test_lands_near_the_landing_point(flown: Flown) -> None:
    land = next(it for it in flown.mission.items if it.command == 21)
    last = flown.log.final()
    error = float(distance_m(last.lon, last.lat, land.lon, land.lat))
    assert flown.log.landed or flown.log.disarmed
    assert error < LANDING_M, error


JOIN_M = 400.0  # metres along a lane in which the aircraft may still be joining it after the turn
JOIN_OFF_M = 75.0  # how far off the lane a picture may be taken while joining (m)


def test_survey_and_patrol_pictures_are_taken_on_the_lanes_only(sitl_flights: dict[str, Flown]) -> None:
    flown = sitl_flights["coverage"]
    items = flown.mission.items
    lanes: list[LineString] = []
    trigger = 0.0
    on = prev = None
    for it in items:
        if it.command == 206:
            if it.params[0] > 0:
                trigger = it.params[0]
                on = prev
            elif on is not None:
                lanes.append(_path(items, on, prev))
                on = None
        if it.command == 16:
            prev = it
    assert lanes and trigger > 0
    frame = LocalFrame.around([it.lon for it in items if it.command == 16], [it.lat for it in items if it.command == 16])
    local = [LineString(np.column_stack(frame.to_local(*np.asarray(lane.coords).T))) for lane in lanes]
    pics = [Point(*frame.to_local(lon, lat)) for _, lat, lon in flown.log.pictures]
    length = sum(line.length for line in local)
    # one picture every `trigger` metres along the lanes (plus one as each lane starts), none elsewhere
    assert len(pics) == pytest.approx(length / trigger + len(local), abs=len(local) + 1)
    for p in pics:
        line = min(local, key=lambda lane: lane.distance(p))
        # Over a lane's first JOIN_M ArduPlane is still joining the line from the turn (the camera starts at the
        # first waypoint, accepted within WP_RADIUS): 53-58 m off there in SITL; established after that.
        joining = line.project(p) < JOIN_M
        assert line.distance(p) < (JOIN_OFF_M if joining else 0.25 * trigger), (line.project(p), line.distance(p))


def _path(items: list, first, last) -> LineString:
    """The waypoints flown from ``first`` to ``last`` (inclusive), as a WGS84 line."""
    pts = [(it.lon, it.lat) for it in items if it.command == 16 and first.index <= it.index <= last.index]
    return LineString(pts)


def test_the_detour_keeps_out_of_the_no_fly_zone(sitl_flights: dict[str, Flown]) -> None:
    flown = sitl_flights["airspace"]
    areas = json.loads((flown.plan_dir / "plan.geojson").read_text())
    zones = [shape(f["geometry"]) for f in areas["features"] if f["properties"].get("layer") == "nofly"]
    assert zones
    track = LineString([(s.lon, s.lat) for s in flown.log.samples])
    for zone in zones:
        assert not track.intersects(zone), shapely.intersection(track, zone).length


def test_holds_are_flown_at_the_loiter_radius_shipped(sitl_flights: dict[str, Flown]) -> None:
    flown = sitl_flights["airspace"]
    holds = _loiters(flown, 19)
    assert holds, "the scenario should make the aircraft wait for W2's window"
    for it in holds:
        assert flown.params.get("WP_LOITER_RAD") == abs(it.params[2])  # ArduPlane flies WP_LOITER_RAD, not p3
        got = loiter_flown(flown.log, it.index, it.lat, it.lon)
        assert got.direction == (1 if it.params[2] > 0 else -1)
        assert got.radius_m == pytest.approx(abs(it.params[2]), rel=RADIUS_TOLERANCE)
