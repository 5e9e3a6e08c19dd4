"""Racetracks, surveys and patrols: laid out from the aircraft and sensor, exported, flown on paper."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import shapely
from pymavlink import mavwp

from planner.api import plan_scenario
from planner.core.geo import LocalFrame, distance_m, inverse
from planner.core.physics import leg_time_s
from planner.io.mission_file import read_mission
from planner.io.profiles import load_aircraft, load_sensors
from planner.layout.pattern import design_pattern
from planner.missions.check import check_mission
from planner.model.scenario import Reserve, Task, Wind
from tests.conftest import target, write_scenario

FLEET = '[[fleet]]\naircraft = "anka"\ncount = 2\nbase = "Alpha"\npayload = ["eo-ir", "sar"]\n'
SURVEY = {"type": "Feature", "properties": {"task": "survey", "name": "field", "sensor": "eo-ir", "priority": 4},
          "geometry": {"type": "Polygon", "coordinates": [[[73.3, 49.3], [73.6, 49.3], [73.6, 49.5], [73.45, 49.4],
                                                           [73.3, 49.5], [73.3, 49.3]]]}}
PATROL = {"type": "Feature", "properties": {"task": "patrol", "name": "pipeline", "sensor": "eo-ir", "width_m": 4000,
                                            "priority": 3},
          "geometry": {"type": "LineString", "coordinates": [[72.5, 48.8], [72.9, 48.6], [73.4, 48.7]]}}
STANDOFF = {"type": "Feature", "properties": {"task": "standoff", "name": "airfield", "sensor": "sar",
                                              "standoff_km": 25, "dwell_min": 120, "priority": 5},
            "geometry": {"type": "Polygon", "coordinates": [[[74.2, 49.9], [74.3, 49.9], [74.3, 49.95],
                                                             [74.2, 49.95], [74.2, 49.9]]]}}


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    root = tmp_path_factory.mktemp("patterns")
    feats = [SURVEY, PATROL, STANDOFF, target("spot", 73.8, 49.1, dwell_min=30)]
    path = write_scenario(root / "in", feats, fleet=FLEET, extra="[wind]\nfrom_deg = 250\nspeed_mps = 10\n")
    plan, _, out = plan_scenario(path, root / "out", max_iterations=200)
    return plan, out


def test_every_pattern_is_served(planned):
    plan, _ = planned
    assert not plan.unserved
    kinds = {p.kind for s in plan.sorties for p in s.patterns}
    assert kinds == {"racetrack", "survey", "patrol"}


def test_racetrack_faces_the_base_at_the_standoff_distance(planned):
    plan, _ = planned
    (track,) = [p for s in plan.sorties for p in s.patterns if p.kind == "racetrack"]
    a, b, c, d = track.path
    anka = load_aircraft("anka")
    assert track.radius_m >= anka.turn_radius_m(10.0)
    # inner leg A-B is 25 km from the target's facing edge; C-D is 2r further out; legs parallel
    zone = shapely.Polygon(STANDOFF["geometry"]["coordinates"][0])
    frame = LocalFrame(74.25, 49.92)
    local = frame.geometry_to_local(zone)
    for p, want in ((a, 25000.0), (b, 25000.0), (c, 25000.0 + 2 * track.radius_m), (d, 25000.0 + 2 * track.radius_m)):
        x, y = frame.to_local(p.lon, p.lat)
        assert local.exterior.distance(shapely.Point(float(x), float(y))) == pytest.approx(want, rel=0.02)
    assert distance_m(a.lon, a.lat, b.lon, b.lat) == pytest.approx(distance_m(d.lon, d.lat, c.lon, c.lat), rel=1e-3)
    # the right-looking SAR images on the inner leg only, the target on its right from end to end
    assert track.lanes == ((0, 1),)
    wind = Wind(250.0, 10.0)
    leg_s = float(leg_time_s(distance_m(a.lon, a.lat, b.lon, b.lat), inverse(a.lon, a.lat, b.lon, b.lat)[0],
                             anka.loiter_speed_mps, wind.from_deg, wind.speed_mps))
    lap_s = track.duration_s / track.laps
    assert track.duty_cycle == pytest.approx(leg_s / lap_s, rel=0.01)
    assert track.watch_s == pytest.approx(track.laps * leg_s, rel=0.01) and track.watch_s >= 120 * 60
    sar = load_sensors()["sar"]
    centre = local.centroid
    (ax, bx), (ay, by) = frame.to_local([a.lon, b.lon], [a.lat, b.lat])
    u = np.array([bx - ax, by - ay]) / math.hypot(bx - ax, by - ay)
    for end in ((ax, ay), (bx, by)):
        off = np.array([centre.x, centre.y]) - np.array(end)
        assert sar.watches(off @ u, off[0] * u[1] - off[1] * u[0], a.alt_m)  # in range, on the right, in squint
    assert track.duration_s >= 120 * 60


def test_racetrack_is_a_do_jump_loop_in_the_waypoints(planned):
    plan, out = planned
    s = next(s for s in plan.sorties if any(p.kind == "racetrack" for p in s.patterns))
    track = next(p for p in s.patterns if p.kind == "racetrack")
    loader = mavwp.MAVWPLoader()
    n = loader.load(str(out / f"{s.name}.waypoints"))
    items = [loader.wp(i) for i in range(n)]
    jumps = [it for it in items if it.command == 177]
    assert len(jumps) == 1 and jumps[0].param2 == track.laps - 1
    target_item = items[int(jumps[0].param1)]
    assert target_item.command == 16
    assert distance_m(target_item.y, target_item.x, track.path[0].lon, track.path[0].lat) < 0.01


def test_survey_lanes_trigger_the_camera(planned):
    plan, out = planned
    s = next(s for s in plan.sorties if any(p.kind == "survey" for p in s.patterns))
    survey = next(p for p in s.patterns if p.kind == "survey")
    rows = [line.split("\t") for line in (out / f"{s.name}.waypoints").read_text().splitlines()[1:]]
    triggers = [float(r[4]) for r in rows if r[3] == "206"]
    lanes = sum(len(p.lanes) for p in s.patterns if p.trigger_m > 0)  # surveys and patrols with a camera
    height = survey.path[0].alt_m - 0.0  # the area's ground is at sea level
    swath = 2 * height * math.tan(math.radians(load_sensors()["eo-ir"].fov_deg / 2))  # nadir swath at that height
    assert survey.trigger_m == pytest.approx(0.3 * swath, abs=0.1)
    assert np.allclose(survey.strips_m, [(-swath / 2, swath / 2)])
    assert triggers.count(0.0) == lanes and len(triggers) == 2 * lanes
    assert triggers[0::2] == [p.trigger_m for p in s.patterns if p.trigger_m > 0 for _ in p.lanes]


def test_exports_pass_the_independent_check_and_fit_endurance(planned):
    plan, out = planned
    sensors = load_sensors()
    for s in plan.sorties:
        for suffix in ("waypoints", "plan"):
            report = check_mission(read_mission(out / f"{s.name}.{suffix}"), aircraft=s.aircraft,
                                   wind=plan.wind, reserve=Reserve(), payload_kg=sum(sensors[n].mass_kg for n in s.loadout))
            assert report.ok, [f.message for f in report.faults]
            # the checker flies chords where the aircraft flies turns: it may be shorter, never longer
            assert report.flight_s <= s.flight_s * 1.001
            assert report.flight_s <= s.endurance_s - s.reserve_s


def test_patterns_appear_in_geojson_and_plan_json(planned):
    _, out = planned
    gj = json.loads((out / "plan.geojson").read_text())
    layers = [f["properties"].get("kind") for f in gj["features"] if f["properties"]["layer"] == "pattern"]
    assert sorted(layers) == ["patrol", "racetrack", "survey"]
    doc = json.loads((out / "plan.json").read_text())
    legs = [leg for s in doc["sorties"] for leg in s["legs"] if leg["kind"] in ("racetrack", "survey", "patrol")]
    assert {leg["pattern"]["kind"] for leg in legs} == {"racetrack", "survey", "patrol"}
    track = next(leg["pattern"] for leg in legs if leg["kind"] == "racetrack")
    assert track["laps"] >= 1 and 0 < track["duty_cycle"] < 1


def test_standoff_beyond_the_sensor_range_is_refused():
    anka = load_aircraft("anka")
    task = Task("far", "standoff", shapely.Point(73.0, 49.0), sensor="sar", standoff_km=60, dwell_min=60)
    d = design_pattern(task, anka, load_sensors()["sar"], Wind(), LocalFrame(73.0, 49.0), (72.0, 49.0))
    assert not d.ok and "slant range" in d.reason


def test_legs_out_of_and_into_patterns_pay_their_dubins_turns(tmp_path, monkeypatch):
    from planner.core.dubins import Pose, shortest_path
    from planner.costs import travel
    from planner.io.scenario_file import read_scenario
    from planner.model.fleet import airframes
    from planner.planning import pipeline as planning

    scenario = read_scenario(write_scenario(tmp_path, [SURVEY, PATROL, target("spot", 73.8, 49.1)], fleet=FLEET))
    model = planning.build_model(scenario, airframes(scenario), {})
    names = [t.name for t in model.tasks]
    survey, patrol, spot = (model.nb + names.index(n) for n in ("field", "pipeline", "spot"))
    anka = load_aircraft("anka")
    r = anka.turn_radius_m(0.0, loiter=False)
    frame = LocalFrame(73.3, 49.1)

    def pose(a, b):
        (x0, x1), (y0, y1) = frame.to_local([a[0], b[0]], [a[1], b[1]])
        return Pose(float(x1), float(y1), math.atan2(y1 - y0, x1 - x0)), Pose(float(x0), float(y0), math.atan2(y1 - y0, x1 - x0))

    lanes, passes = model.designs[survey - model.nb, 0].path, model.designs[patrol - model.nb, 0].path
    leave, _ = pose(lanes[-2], lanes[-1])  # the survey's last lane, flown to its end
    _, join = pose(passes[0], passes[1])  # the patrol's first pass, from its start
    want = shortest_path(leave, join, r).length_m - math.hypot(join.x_m - leave.x_m, join.y_m - leave.y_m)
    turn = model.turn_m[0]
    assert turn[survey, patrol] == pytest.approx(want, rel=0.01, abs=5.0)
    assert 0.0 <= turn[survey, spot] <= 2 * math.pi * r  # to an orbit: any heading on arrival
    assert 0.0 <= turn[spot, patrol] <= 2 * math.pi * r
    assert turn[spot, :model.nb].tolist() == [0.0] * model.nb  # orbit to base: no fixed heading at either end
    assert turn[survey].max() > 0.0 and turn[:, patrol].max() > 0.0

    # the travel times carry exactly those metres at cruise speed
    monkeypatch.setattr(travel, "_turns_m", lambda frame, ends, designs, nb, radius_m: np.zeros((len(ends),) * 2))
    plain = planning.build_model(scenario, airframes(scenario), {})
    c = model.class_of(airframes(scenario)[0])
    assert model.travel[c] - plain.travel[c] == pytest.approx(turn / anka.cruise_speed_mps, abs=1e-6)
