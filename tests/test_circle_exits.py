"""Circles are left on their tangent: routes from the climb circle, orbits and descent circles keep the
flown exit out of no-fly zones, and ``planner check`` flies circles and tangent exits (issue 20, item 1)."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import LineString, MultiPoint, Point, Polygon

from planner.api import plan_scenario
from planner.core.errors import InputError
from planner.core.geo import LocalFrame
from planner.io.mission_file import read_mission
from planner.io.scenario_file import read_scenario
from planner.layout.airspace import Airspace
from planner.missions.check import check_mission
from planner.model.scenario import Reserve, Wind
from tests.conftest import target, write_scenario
from tests.paper import flown_shapes

GEOD = Geod(ellps="WGS84")
# The base is off (0°, 0°): ArduPilot (and tests.paper's sampler) reads a NAV item at lat = lon = 0 as "where
# the aircraft is", which would move the descent circle over the base to the previous waypoint.
ORIGIN = (73.0, 49.0)
FRAME = LocalFrame(*ORIGIN)
ANKA_CLIMB_M = 535  # anka's climb circle in still air (55 m/s, 30° bank), as the mission flies it
BASE = f'[[base]]\nname = "Alpha"\nlon = {ORIGIN[0]}\nlat = {ORIGIN[1]}\nelev_m = 0\n'
FLEET = '[[fleet]]\naircraft = "anka"\ncount = 1\nbase = "Alpha"\npayload = ["eo-ir"]\n'


def _box(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    """A lon/lat polygon from a rectangle in metres round the base."""
    lon, lat = FRAME.to_lonlat([x0, x1, x1, x0], [y0, y0, y1, y1])
    return Polygon(zip(lon.tolist(), lat.tolist(), strict=True))


# The reproduction: a zone 300 m deep whose edge is 384 m west of the line from the base (origin)
# to a target 60 km north; the 535 m clockwise climb circle is clear of it, its tangent exit is not.
ZONE = _box(-684.0, 600.0, -384.0, 1000.0)
TARGET = tuple(float(v) for v in FRAME.to_lonlat(0.0, 60_000.0))


def _nofly(name: str, zone: Polygon) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"task": "nofly", "name": name},
            "geometry": {"type": "Polygon", "coordinates": [list(zone.exterior.coords)]}}


def _tangent(centre: tuple[float, float], radius_m: float, to: tuple[float, float], clockwise: bool) -> LineString:
    """The geodesic from where a circle round ``centre`` is left toward ``to``, sampled every 50 m."""
    az, _, d = GEOD.inv(*centre, *to)
    beta = math.degrees(math.acos(min(1.0, radius_m / d)))  # a point inside the circle: left from the nearest
    lon, lat, _ = GEOD.fwd(*centre, az - beta if clockwise else az + beta, radius_m)
    k = int(GEOD.inv(lon, lat, *to)[2] // 50)
    return LineString([(lon, lat), *GEOD.npts(lon, lat, *to, k), to])


def test_the_reproduction_straight_leg_cuts_the_zone_on_its_tangent_so_the_route_leaves_round_it():
    space = Airspace.from_zones([ZONE], FRAME)
    straight = space.path(ORIGIN, TARGET)
    assert len(straight) == 2  # from the centre the straight leg is allowed (the base is inside the margin)
    assert _tangent(ORIGIN, ANKA_CLIMB_M, TARGET, clockwise=True).intersects(ZONE)  # as flown it is not
    route = space.path(ORIGIN, TARGET, radii_m=(ANKA_CLIMB_M, 0.0))
    assert len(route) > 2
    for clockwise in (True, False):  # either way round, the exit toward the first vertex keeps out
        assert not _tangent(ORIGIN, ANKA_CLIMB_M, route[1], clockwise).intersects(ZONE)
    for a, b in itertools.pairwise(route[1:]):
        k = int(GEOD.inv(*a, *b)[2] // 50)
        assert not LineString([a, *GEOD.npts(*a, *b, k), b]).intersects(ZONE)


def _plan(tmp_path: Path, features: list[dict[str, Any]], **kwargs: Any) -> tuple[Any, Path, Any]:
    path = write_scenario(tmp_path / "in", features, bases=BASE, fleet=FLEET, **kwargs)
    result, _, out = plan_scenario(path, tmp_path / "out", max_iterations=100, time_limit_s=2)
    return result, out, read_scenario(path)


def _hold_radius_m(scenario: Any) -> float:
    """Turn radius at loiter speed in the wind, computed here (not by the planner): holds fly it."""
    a = next(iter(scenario.fleet)).aircraft
    v = a.loiter_speed_mps + scenario.wind.speed_mps
    return v * v / (9.80665 * math.tan(math.radians(a.max_bank_deg)))


def _assert_flown_clear(result: Any, out: Path, scenario: Any) -> None:
    """Every sortie, flown with circles and tangent exits by the test's own sampler and by the checker,
    stays out of every zone."""
    zones = [t.geometry for t in scenario.nofly]
    for s in result.sorties:
        shapes = flown_shapes(str(out / f"{s.name}.waypoints"), hold_radius_m=_hold_radius_m(scenario))
        for what, geom in shapes:
            assert not any(geom.intersects(z) for z in zones), (s.name, what)
        for suffix in ("waypoints", "plan"):
            report = check_mission(read_mission(out / f"{s.name}.{suffix}"), aircraft=s.aircraft,
                                   wind=scenario.wind, reserve=scenario.reserve, payload_kg=s.payload_kg,
                                   nofly=zones)
            assert not [f for f in report.faults if f.code == "nofly"], [f.message for f in report.faults]


def test_the_reproduction_plan_leaves_its_climb_circle_clear_and_check_agrees(tmp_path):
    features = [target("T", *TARGET, sensor="eo-ir", dwell_min=20), _nofly("R1", ZONE)]
    result, out, scenario = _plan(tmp_path, features)
    assert result.sorties and "T" in result.sorties[0].tasks
    first = next(leg for leg in result.sorties[0].legs if leg.kind == "transit")
    assert first.via  # no longer the straight leg
    _assert_flown_clear(result, out, scenario)


def test_check_flies_the_tangent_exit_of_the_old_straight_leg(tmp_path):
    """The mission the planner used to export (climb circle, then straight north) is a no-fly fault now."""
    features = [target("T", *TARGET, sensor="eo-ir", dwell_min=20)]
    result, out, _ = _plan(tmp_path, features)  # no zone: the straight leg
    mission = read_mission(out / f"{result.sorties[0].name}.waypoints")
    kwargs = dict(aircraft=result.sorties[0].aircraft, wind=Wind(0.0, 0.0), reserve=Reserve(0.0, 0.0))
    report = check_mission(mission, nofly=[ZONE], **kwargs)
    messages = [f.message for f in report.faults if f.code == "nofly"]
    assert messages and all("from the circle's tangent" in m for m in messages), messages
    assert check_mission(mission, nofly=[_box(384.0, 600.0, 684.0, 1000.0)], **kwargs).faults == ()  # east: clear


_AROUND = st.tuples(st.floats(0.0, 359.0), st.floats(0.05, 1.4), st.floats(150.0, 900.0), st.floats(150.0, 900.0))


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    bearings=st.lists(st.floats(0.0, 359.0), min_size=1, max_size=3, unique=True),
    distance_km=st.floats(15.0, 60.0),
    near_base=st.lists(_AROUND, min_size=1, max_size=3),
    near_orbit=st.lists(_AROUND, min_size=0, max_size=2),
    wind=st.sampled_from([0.0, 8.0]),
)
def test_generated_zones_beside_bases_and_orbits_are_never_entered_as_flown(
        tmp_path_factory, bearings, distance_km, near_base, near_orbit, wind):
    """Zones a little beyond the climb circle and beside orbits: every exported mission, flown with its
    circles and tangent exits (test sampler and checker), never enters one."""
    root = tmp_path_factory.mktemp("exits")
    climb = (55.0 + wind) ** 2 / (9.80665 * math.tan(math.radians(30.0)))
    targets = [tuple(float(v) for v in FRAME.to_lonlat(distance_km * 1000 * math.sin(math.radians(b)),
                                                      distance_km * 1000 * math.cos(math.radians(b))))
               for b in bearings]
    features = [target(f"T{i}", *p, sensor="eo-ir", dwell_min=15) for i, p in enumerate(targets)]
    zones = []
    for centre, places in ((ORIGIN, near_base), *((targets[0], near_orbit),)):
        cx, cy = (float(v) for v in FRAME.to_local(*centre))
        for az, gap_km, w, h in places:
            # a w × h box whose near side is gap beyond the climb circle, on bearing az from the centre
            d = climb + 60.0 + gap_km * 1000.0 + h / 2
            x, y = cx + d * math.sin(math.radians(az)), cy + d * math.cos(math.radians(az))
            zones.append(_box(x - w / 2, y - h / 2, x + w / 2, y + h / 2).buffer(0))
    zones = [z for z in zones if z.distance(_box(-climb - 60, -climb - 60, climb + 60, climb + 60)) > 0]
    features += [_nofly(f"Z{i}", z) for i, z in enumerate(zones)]
    extra = f"[wind]\nfrom_deg = 300\nspeed_mps = {wind}\n"
    try:
        result, out, scenario = _plan(root, features, extra=extra)
    except InputError as exc:
        # The base has no runway_deg: it is landed into the wind (north in calm air) from 4 km out, flown from
        # the descent circle's tangent. A zone beside that approach refuses the plan, naming it (issue 17).
        assert "final approach" in str(exc) and "no runway_deg" in str(exc), exc
        back = math.radians(120.0 if wind else 180.0)  # where the approach starts, seen from the base
        hull = MultiPoint([(4000.0 * math.sin(back), 4000.0 * math.cos(back))]).union(
            Point(0.0, 0.0).buffer(climb, 64)).convex_hull
        lon, lat = FRAME.to_lonlat(*np.asarray(hull.exterior.coords).T)
        assert any(Polygon(zip(lon, lat, strict=True)).intersects(z) for z in zones), exc
        return
    _assert_flown_clear(result, out, scenario)
