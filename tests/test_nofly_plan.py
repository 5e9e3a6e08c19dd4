"""No-fly zones in planning: detoured costs, legs and exported missions that never enter a zone."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pymavlink import mavwp
from pyproj import Geod
from shapely.geometry import LineString, Point, Polygon

from planner.api import plan_scenario
from planner.core.errors import InputError
from planner.core.geo import LocalFrame
from planner.io.mission_file import read_mission
from planner.io.scenario_file import read_scenario
from planner.layout.airspace import Airspace
from planner.missions.check import check_mission
from planner.model.fleet import airframes, with_loadout
from planner.planning.pipeline import build_model, plan
from planner.planning.sorties import sortie_legs
from planner.solve.problem import evaluate_route
from tests.conftest import target, write_scenario
from tests.paper import POSITIONAL, fly

GEOD = Geod(ellps="WGS84")
RING = [[73.6, 48.7], [74.0, 48.7], [74.0, 49.3], [73.6, 49.3], [73.6, 48.7]]  # 29 km x 67 km, east of the base
FLEET = '[[fleet]]\naircraft = "anka"\ncount = 2\nbase = "Alpha"\n'  # no payload: the planner chooses it
WIND = "[wind]\nfrom_deg = 270\nspeed_mps = 15\n"
REMOTE = ("R-far1", "R-far2")  # ~350 km east: beyond the 250 km ground-station reach


def nofly(name: str, ring: list[list[float]]) -> dict[str, Any]:
    """A GeoJSON no-fly polygon feature."""
    return {"type": "Feature", "properties": {"task": "nofly", "name": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _features() -> list[dict[str, Any]]:
    behind = [target(f"E{i}", 74.4 + 0.4 * i, 48.8 + 0.15 * i, sensor="eo-ir", dwell_min=30, priority=2)
              for i in range(4)]  # straight legs from the base cross the zone; too far apart to share an orbit
    remote = [target(REMOTE[0], 78.0, 49.0, sensor="eo-ir", dwell_min=30),
              target(REMOTE[1], 77.8, 49.4, sensor="eo-ir", dwell_min=30)]
    near = [target("inside", 73.8, 49.0, sensor="eo-ir"),  # in the zone
            target("edge", 74.005, 49.1, sensor="eo-ir", dwell_min=20)]  # 370 m out: its circle would enter
    return [*behind, *remote, *near, nofly("R1", RING)]


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    root = tmp_path_factory.mktemp("nofly")
    path = write_scenario(root / "in", _features(), fleet=FLEET, extra=WIND)
    result, _, out = plan_scenario(path, root / "out", max_iterations=200, time_limit_s=2)
    return result, out, read_scenario(path)


def _positions(path: Path) -> list[tuple[float, float, int]]:
    """(lon, lat, command) of home and every positional item of a ``.waypoints`` file, read by pymavlink."""
    loader = mavwp.MAVWPLoader()
    n = loader.load(str(path))
    items = [loader.wp(i) for i in range(n)]
    return [(items[0].y, items[0].x, 0)] + [(it.y, it.x, it.command) for it in items[1:] if it.command in POSITIONAL]


def _geodesic(a: tuple[float, float], b: tuple[float, float], step_m: float = 200.0) -> LineString:
    d = GEOD.inv(a[0], a[1], b[0], b[1])[2]
    k = int(d // step_m)
    return LineString([a, *(GEOD.npts(a[0], a[1], b[0], b[1], k) if k else []), b])


def test_exported_legs_never_enter_a_zone(planned):
    result, out, scenario = planned
    zones = [t.geometry for t in scenario.nofly]
    assert any(leg.via for s in result.sorties for leg in s.legs)  # some transit went round
    for s in result.sorties:
        points = _positions(out / f"{s.name}.waypoints")
        for (lon1, lat1, _), (lon2, lat2, cmd) in itertools.pairwise(points):
            if (lon1, lat1) == (lon2, lat2):
                continue
            line = _geodesic((lon1, lat1), (lon2, lat2))
            assert not any(line.intersects(z) for z in zones), (s.name, (lon1, lat1), (lon2, lat2), cmd)
        for o in s.orbits:  # the circles flown stay out too
            lon, lat, _ = GEOD.fwd([o.centre.lon] * 72, [o.centre.lat] * 72, [5.0 * k for k in range(72)],
                                   [o.radius_m] * 72)
            assert not any(Polygon(zip(lon, lat, strict=True)).intersects(z) for z in zones)


def test_detoured_legs_carry_their_length_and_are_flown_within_endurance(planned):
    result, out, scenario = planned
    for s in result.sorties:
        for leg in s.legs:
            if leg.kind == "transit":
                pts = [leg.start, *leg.via, leg.end]
                length = sum(GEOD.inv(p.lon, p.lat, q.lon, q.lat)[2] for p, q in itertools.pairwise(pts))
                assert leg.distance_m == pytest.approx(length, rel=1e-9, abs=1e-6)
        a = s.aircraft
        paper = fly(str(out / f"{s.name}.waypoints"), cruise_mps=a.cruise_speed_mps, loiter_mps=a.loiter_speed_mps,
                    climb_mps=a.climb_rate_mps, descent_mps=a.descent_rate_mps,
                    wind_from_deg=scenario.wind.from_deg, wind_mps=scenario.wind.speed_mps)
        assert paper.time_s <= s.endurance_s - s.reserve_s
        assert paper.time_s == pytest.approx(s.flight_s, rel=0.01)
        for suffix in ("waypoints", "plan"):  # the product's checker, zones given and (.plan) read from the fence
            report = check_mission(read_mission(out / f"{s.name}.{suffix}"), aircraft=a, wind=scenario.wind,
                                   reserve=scenario.reserve, payload_kg=s.payload_kg,
                                   nofly=[t.geometry for t in scenario.nofly])
            assert report.faults == (), [f.message for f in report.faults]
            assert report.flight_s <= report.endurance_s - report.reserve_s


def test_tasks_beyond_radio_reach_are_flown_by_satcom_aircraft(planned):
    result, _, _ = planned
    by_task = {name: s for s in result.sorties for name in s.tasks}
    assert set(REMOTE) <= set(by_task)
    for name in REMOTE:
        assert "satcom" in by_task[name].loadout and "loadout chosen by the planner" in by_task[name].notes
    for s in result.sorties:
        if not set(REMOTE) & set(s.tasks):
            assert s.blos_s == 0


def test_target_inside_a_zone_is_unserved_and_a_close_orbit_moves_clear(planned):
    result, _, _ = planned
    reasons = {u.task: u.reason for u in result.unserved}
    assert reasons == {"inside": "inside no-fly zone 'R1'"}
    (orbit,) = [o for s in result.sorties for o in s.orbits if o.tasks == ("edge",)]
    shift = GEOD.inv(orbit.centre.lon, orbit.centre.lat, orbit.roi.lon, orbit.roi.lat)[2]
    assert 0 < shift < 15000  # moved, the target still in the EO/IR slant range
    assert any("'edge'" in note and "R1" in note for note in result.notes)


def test_detoured_travel_is_never_cheaper_and_costs_what_the_legs_fly(tmp_path):
    scenario = read_scenario(write_scenario(tmp_path, _features(), fleet=FLEET, extra=WIND))
    fleet = airframes(scenario)
    model = build_model(scenario, fleet, {})
    straight = build_model(replace(scenario, tasks=tuple(t for t in scenario.tasks if t.kind != "nofly")), fleet, {})
    nb = model.nb
    node = {t.name: nb + i for i, t in enumerate(model.tasks)}
    free = {t.name: nb + i for i, t in enumerate(straight.tasks)}
    moved = {t.name for (i, _), d in model.designs.items() if getattr(d, "centre", None) for t in [model.tasks[i]]}
    same = [n for n in node if n in free and n not in moved]
    rows = [0] + [node[n] for n in same]
    cols = [0] + [free[n] for n in same]
    for c in range(len(model.classes)):
        detoured = model.travel[c][rows][:, rows]
        direct = straight.travel[c][cols][:, cols]
        assert (detoured >= direct - 1e-6).all()
    satcom = model.class_of(with_loadout(fleet[0], ("eo-ir", "satcom"), dict(scenario.sensors), scenario.reserve))
    assert model.travel[satcom, 0, node["E0"]] > straight.travel[satcom, 0, free["E0"]] + 60.0  # blocked: longer
    # a sortie to E0 and back: its transits are the routes the optimiser priced
    frame = with_loadout(fleet[0], ("eo-ir", "satcom"), dict(scenario.sensors), scenario.reserve)
    problem = model.problem([frame])
    check = evaluate_route(problem, 0, (node["E0"],))
    assert check.feasible
    legs = sortie_legs(model, frame, problem.vehicles[0].cost_class, (node["E0"],), check.arrival_s,
                       check.service_start_s)
    out, back = (leg for leg in legs if leg.kind == "transit")
    assert out.via and back.via
    routes = model.routing.routes["anka"]
    base = model.routing.index[(scenario.bases[0].lon, scenario.bases[0].lat)]
    e0 = next(t for t in scenario.tasks if t.name == "E0").geometry
    there = model.routing.index[(e0.x, e0.y)]
    assert out.distance_m == pytest.approx(routes.dist_m[base, there], rel=1e-9)
    assert back.distance_m == pytest.approx(routes.dist_m[there, base], rel=1e-9)
    a = frame.aircraft
    radius = model.designs[node["E0"] - nb, 0].radius_m
    assert out.duration_s - radius * (1 / a.loiter_speed_mps - 1 / a.cruise_speed_mps) == pytest.approx(
        routes.cost[base, there], rel=1e-9)
    assert out.distance_m > GEOD.inv(out.start.lon, out.start.lat, out.end.lon, out.end.lat)[2] + 1000.0


def test_plan_geofence_holds_the_zone(planned):
    result, out, _ = planned
    for s in result.sorties:
        doc = json.loads((out / f"{s.name}.plan").read_text())
        (fence,) = doc["geoFence"]["polygons"]
        assert fence["inclusion"] is False
        ring = [[lon, lat] for lat, lon in fence["polygon"]]
        assert Polygon(ring).equals(Polygon(RING))
        (zone,) = read_mission(out / f"{s.name}.plan").fences
        assert zone.geometry.equals(Polygon(RING))


def test_patterns_and_orbits_that_cannot_keep_clear_are_unserved_with_the_reason(tmp_path):
    survey = {"type": "Feature", "properties": {"task": "survey", "name": "field", "sensor": "eo-ir"},
              "geometry": {"type": "Polygon", "coordinates": [[[73.9, 48.9], [74.2, 48.9], [74.2, 49.1],
                                                               [73.9, 49.1], [73.9, 48.9]]]}}
    inside = {**survey, "properties": {**survey["properties"], "name": "buried"},
              "geometry": {"type": "Polygon", "coordinates": [[[73.7, 49.0], [73.8, 49.0], [73.8, 49.1],
                                                               [73.7, 49.0]]]}}
    feats = [survey, inside, target("relay", 74.003, 49.0), nofly("R1", RING)]  # no sensor: it cannot move
    unserved: dict[str, str] = {}
    scenario = read_scenario(write_scenario(tmp_path, feats, extra=WIND))  # one anka with EO/IR
    model = build_model(scenario, airframes(scenario), unserved)
    assert not model.tasks
    assert unserved["field"] == "its survey would enter no-fly zone 'R1'"
    assert unserved["buried"] == "inside no-fly zone 'R1'"
    assert unserved["relay"].startswith("its 640 m orbit would enter no-fly zone 'R1'")


def test_a_target_walled_in_by_a_zone_is_unserved_with_the_reason(tmp_path):
    ring = {"type": "Feature", "properties": {"task": "nofly", "name": "Ring"},
            "geometry": {"type": "Polygon", "coordinates": [
                [[73.6, 48.7], [74.4, 48.7], [74.4, 49.3], [73.6, 49.3], [73.6, 48.7]],
                [[73.9, 48.95], [74.1, 48.95], [74.1, 49.05], [73.9, 49.05], [73.9, 48.95]]]}}  # a hole
    unserved: dict[str, str] = {}
    scenario = read_scenario(write_scenario(tmp_path, [target("moat", 74.0, 49.0, sensor="eo-ir"), ring]))
    model = build_model(scenario, airframes(scenario), unserved)
    assert not model.tasks
    assert unserved == {"moat": "walled in by no-fly zones: no route round them reaches it from any base and back"}


def test_a_base_inside_a_zone_or_too_close_is_refused(tmp_path):
    ring = [[72.9, 48.9], [73.1, 48.9], [73.1, 49.1], [72.9, 49.1], [72.9, 48.9]]
    path = write_scenario(tmp_path / "a", [target("T", 74.5, 49.0), nofly("Home range", ring)])
    with pytest.raises(InputError, match="base 'Alpha' is inside no-fly zone 'Home range'"):
        plan(read_scenario(path))
    close = [[73.004, 48.9], [73.1, 48.9], [73.1, 49.1], [73.004, 49.1], [73.004, 48.9]]  # 290 m east of the base
    path = write_scenario(tmp_path / "b", [target("T", 74.5, 49.0), nofly("Fence", close)])
    with pytest.raises(InputError, match=r"climb and descent circle .* enters no-fly zone 'Fence'"):
        plan(read_scenario(path))


def test_an_orbit_centre_moves_just_clear_and_a_crossing_names_its_zone():
    space = Airspace.from_zones([Polygon(RING)], LocalFrame(73.8, 49.0), names=["R1"])
    lon, lat = 74.005, 49.1  # 365 m east of the zone
    assert space.orbit_conflicts(lon, lat, 640.0) == ["R1"]
    moved = space.clear_orbit_centre(lon, lat, 640.0, within_m=5000.0)
    assert moved is not None and space.orbit_conflicts(*moved, 640.0) == [None]
    assert moved[0] > lon and GEOD.inv(lon, lat, *moved)[2] == pytest.approx(640.0 - 365.0, abs=25.0)
    assert space.clear_orbit_centre(lon, lat, 640.0, within_m=100.0) is None  # too far to go
    assert space.clear_orbit_centre(74.5, 49.0, 640.0, within_m=0.0) == (74.5, 49.0)  # already clear
    assert space.path_conflict([(73.0, 49.0), (74.5, 49.0)]) == "R1"
    assert space.path_conflict([(73.0, 49.0), (73.0, 50.0)]) is None


def test_a_shared_orbit_that_cannot_keep_clear_splits_into_one_orbit_per_target(tmp_path):
    strip = [[73.6, 48.8], [73.8, 48.8], [73.8, 49.2], [73.6, 49.2], [73.6, 48.8]]  # 14.6 km wide
    feats = [target("west", 73.596, 49.0, sensor="eo-ir"), target("east", 73.804, 49.0, sensor="eo-ir"),
             nofly("S", strip)]
    scenario = read_scenario(write_scenario(tmp_path, feats))
    unserved: dict[str, str] = {}
    # without the zone the two targets, 15.2 km apart, share one orbit (in the strip, or too far from one)
    shared = build_model(replace(scenario, tasks=scenario.tasks[:2]), airframes(scenario), {})
    assert len(shared.tasks) == 1 and {t.name for t in shared.members[shared.tasks[0].name]} == {"west", "east"}
    model = build_model(scenario, airframes(scenario), unserved)
    assert not unserved
    assert sorted(t.name for t in model.tasks) == ["east", "west"]
    frame = LocalFrame(73.7, 49.0)
    zone = frame.geometry_to_local(Polygon(strip))
    for (i, _), design in model.designs.items():
        assert design.centre is not None  # moved off its target, outward
        centre = frame.geometry_to_local(Point(design.centre))
        assert zone.distance(centre) > design.radius_m  # the circle stays outside the strip
        target_xy = frame.geometry_to_local(model.tasks[i].geometry)
        assert centre.distance(target_xy) < 2_000.0
