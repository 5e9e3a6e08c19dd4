"""What the plan says it sees, measured from its mission files: claimed and measured coverage agree, every
served task is seen, and a mission that points or flies wrong fails ``planner check --coverage``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
import shapely.geometry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.api import demo_scenario_path, plan_scenario
from planner.cli import main
from planner.core import geo
from planner.io.export import planned_files
from planner.io.mission_file import parse_mission, read_mission
from planner.io.plan_json import sortie_file_stem
from planner.io.scenario_file import read_scenario
from planner.missions.coverage import CoverageReport, Flown, check_coverage
from planner.model.plan import Plan
from planner.model.scenario import Scenario
from planner.planning.pipeline import plan
from tests.conftest import target, write_scenario

REPO = Path(__file__).resolve().parents[1]
FIRST_PLAN = REPO / "docs" / "examples" / "first-plan" / "scenario.toml"
AGREE = 0.03  # claimed and measured coverage may differ by this much (a share, 0-1)
SEEN = 0.95  # every served task's measured coverage


def _missions(p: Plan, fmt: str = "waypoints") -> dict[str, object]:
    files = planned_files(p, pictures=False)
    return {s.name: parse_mission(files[f"{sortie_file_stem(s)}.{fmt}"], f"{s.name}.{fmt}") for s in p.sorties}


def _flown(p: Plan, scenario: Scenario, fmt: str = "waypoints") -> list[Flown]:
    sensors = dict(scenario.sensors)
    missions = _missions(p, fmt)
    return [Flown(missions[s.name], s.aircraft, tuple(sensors[n] for n in s.loadout), s.payload_kg)  # type: ignore[arg-type]
            for s in p.sorties]


def _measure(p: Plan, scenario: Scenario, fmt: str = "waypoints", judged: list[str] | None = None) -> CoverageReport:
    return check_coverage(_flown(p, scenario, fmt), scenario.tasks, wind=scenario.wind, reserve=scenario.reserve,
                          autopilot=p.autopilot, judged=list(p.served) if judged is None else judged)


def _assert_agree(p: Plan, scenario: Scenario, fmt: str = "waypoints") -> CoverageReport:
    """Every served task: measured >= 95 %, within 3 % of the plan's claim; the files raise no fault."""
    report = _measure(p, scenario, fmt)
    claimed = {c.task: c for c in p.sensor_coverage()}
    assert set(claimed) == set(p.served)
    for m in report.tasks:
        assert m.coverage >= SEEN, (m, claimed[m.task])
        assert abs(m.coverage - claimed[m.task].share) <= AGREE, (m, claimed[m.task])
    assert all(r.ok for r in report.files), [r.faults for r in report.files]
    return report


def _pointed_targets_are_rois_of_their_own_dwell(p: Plan, missions: dict[str, object]) -> None:
    """Each watch of one target is a DO_SET_ROI_LOCATION on it, at its ground height, followed by loiters."""
    ground = {t.name: t.ground_elev_m for t in p.tasks}
    where = {t.name: (t.geometry.x, t.geometry.y) for t in p.tasks if t.geometry.geom_type == "Point"}
    for s in p.sorties:
        items = missions[s.name].items  # type: ignore[attr-defined]
        rois = [(round(it.lon, 6), round(it.lat, 6), it.alt) for k, it in enumerate(items)
                if it.command == 195 and items[k + 1].command in (18, 19, 16)]
        for o in s.orbits:
            if len(o.watches) > 1 or len(o.tasks) == 1:
                for w in o.watches:
                    (name,) = w.tasks if len(w.tasks) == 1 else (w.tasks[0],)
                    want = (round(where[name][0], 6), round(where[name][1], 6), ground[name])
                    assert want in rois, (name, rois)


@pytest.fixture(scope="module")
def demo():
    scenario = read_scenario(demo_scenario_path())
    return plan(scenario, max_iterations=200, time_limit_s=30), scenario


def test_demo_claims_what_its_files_show(demo):
    p, scenario = demo
    report = _assert_agree(p, scenario)
    assert {m.task for m in report.tasks} == set(p.served)
    _pointed_targets_are_rois_of_their_own_dwell(p, _missions(p))
    # every SAR target is watched on its own, from a circle as wide as the radar's near range
    sar = [o for s in p.sorties for o in s.orbits if any(t.sensor == "sar" for t in p.tasks if t.name in o.tasks)]
    assert sar and all(len(o.tasks) == 1 and o.radius_m >= 1800.0 for o in sar)


def test_px4_plan_files_measure_the_same(demo):
    p, scenario = demo
    from dataclasses import replace

    px4 = replace(p, autopilot="px4")
    _assert_agree(px4, scenario, fmt="plan")


def test_first_plan_example_claims_what_its_files_show():
    scenario = read_scenario(FIRST_PLAN)
    p = plan(scenario)
    report = _assert_agree(p, scenario)
    survey = next(m for m in report.tasks if m.kind == "survey")
    assert survey.measure == "area" and survey.coverage >= SEEN


POLY = {"type": "Feature", "properties": {"task": "survey", "name": "field", "sensor": "eo-ir", "priority": 4},
        "geometry": {"type": "Polygon", "coordinates": [[[73.30, 49.30], [73.44, 49.30], [73.44, 49.345],
                                                         [73.30, 49.345], [73.30, 49.30]]]}}


def _scenario(tmp: Path, features: list[dict], fleet: str, wind: str = "") -> Scenario:
    return read_scenario(write_scenario(tmp, features, fleet=fleet, extra=wind))


ANKA = '[[fleet]]\naircraft = "anka"\ncount = 1\nbase = "Alpha"\npayload = {payload}\n'


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[dict], str, str]:
    """Point targets (some in clusters a few km wide), maybe a survey, a patrol and a stand-off, a wind."""
    rng = np.random.default_rng(draw(st.integers(0, 10_000)))
    features: list[dict] = []
    for k in range(draw(st.integers(1, 3))):  # clusters of EO/IR targets
        lon, lat = 73.0 + rng.uniform(0.2, 1.5), 49.0 + rng.uniform(-0.8, 0.8)
        for j in range(int(rng.integers(1, 4))):
            features.append(target(f"eo{k}{j}", round(lon + rng.uniform(-0.04, 0.04), 5),
                                   round(lat + rng.uniform(-0.03, 0.03), 5), sensor="eo-ir",
                                   dwell_min=int(rng.integers(15, 60)), priority=int(rng.integers(1, 5)),
                                   ground_elev_m=int(rng.integers(0, 800))))
    for k, capability in enumerate(draw(st.lists(st.sampled_from(["sar", "gmti"]), max_size=2))):
        features.append(target(f"{capability}{k}", round(73.0 + rng.uniform(0.2, 1.5), 5),
                               round(49.0 + rng.uniform(-0.8, 0.8), 5), sensor=capability,
                               dwell_min=int(rng.integers(20, 80)), ground_elev_m=int(rng.integers(0, 500))))
    if draw(st.booleans()):
        x0, y0 = 73.2 + rng.uniform(0, 1), 49.0 + rng.uniform(-0.5, 0.5)
        w, h = rng.uniform(0.05, 0.25), rng.uniform(0.04, 0.15)
        features.append({"type": "Feature", "properties": {"task": "survey", "name": "area",
                                                           "sensor": draw(st.sampled_from(["eo-ir", "sar"]))},
                         "geometry": {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + w, y0], [x0 + w, y0 + h],
                                                                          [x0, y0 + h], [x0, y0]]]}})
    if draw(st.booleans()):
        xs = 72.4 + np.cumsum(rng.uniform(0.1, 0.3, 3))
        features.append({"type": "Feature", "properties": {"task": "patrol", "name": "road",
                                                           "sensor": draw(st.sampled_from(["eo-ir", "gmti"]))},
                         "geometry": {"type": "LineString", "coordinates": [[round(float(x), 5), round(48.7 + rng.uniform(
                             -0.1, 0.1), 5)] for x in xs]}})
    if draw(st.booleans()):
        features.append({"type": "Feature", "properties": {"task": "standoff", "name": "site", "sensor": "sar",
                                                           "dwell_min": int(rng.integers(20, 60)), "standoff_km": 20},
                         "geometry": {"type": "Point", "coordinates": [round(74.6 + rng.uniform(0, 0.5), 5),
                                                                       round(49.4 + rng.uniform(0, 0.4), 5)]}})
    fleet = (ANKA.format(payload='["eo-ir", "sar", "satcom"]') + ANKA.format(payload='["eo-ir", "gmti", "satcom"]')
             + '[[fleet]]\naircraft = "tactical"\ncount = 1\nbase = "Alpha"\npayload = ["eo-ir"]\n')
    wind = f"[wind]\nfrom_deg = {draw(st.integers(0, 359))}\nspeed_mps = {draw(st.integers(0, 12))}\n"
    return features, fleet, wind


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=scenarios())
def test_claimed_and_measured_coverage_agree_on_generated_scenarios(tmp_path_factory, case):
    features, fleet, wind = case
    scenario = _scenario(tmp_path_factory.mktemp("gen"), features, fleet, wind)
    p = plan(scenario, max_iterations=150)
    assert p.served
    _assert_agree(p, scenario)
    _pointed_targets_are_rois_of_their_own_dwell(p, _missions(p))


# -- the reproductions --------------------------------------------------------------------


def test_three_eo_ir_targets_3_km_apart_get_a_roi_and_a_dwell_each(tmp_path):
    """Was: one ROI on the most valuable and one 30-minute dwell for the 70 minutes asked."""
    feats = [target("north", 73.50, 49.52, sensor="eo-ir", dwell_min=30, priority=3, ground_elev_m=450),
             target("east", 73.54, 49.51, sensor="eo-ir", dwell_min=20, priority=2, ground_elev_m=500),
             target("south", 73.51, 49.49, sensor="eo-ir", dwell_min=20, priority=1, ground_elev_m=520)]
    scenario = _scenario(tmp_path, feats, ANKA.format(payload='["eo-ir"]'))
    p = plan(scenario)
    (orbit,) = [o for s in p.sorties for o in s.orbits]
    assert set(orbit.tasks) == {"north", "east", "south"}
    assert [w.tasks for w in orbit.watches] == [("north",), ("east",), ("south",)]  # most valuable first
    assert orbit.duration_s >= 70 * 60
    for fmt in ("waypoints", "plan"):
        (mission,) = _missions(p, fmt).values()
        items = mission.items  # type: ignore[attr-defined]
        rois = [k for k, it in enumerate(items) if it.command == 195]
        assert len(rois) == 3
        for k, name in zip(rois, ("north", "east", "south"), strict=True):
            t = next(t for t in scenario.tasks if t.name == name)
            roi = items[k]
            assert (roi.lon, roi.lat) == pytest.approx((t.geometry.x, t.geometry.y))
            assert roi.alt == pytest.approx(t.ground_elev_m) and roi.frame == 0  # AMSL at its ground
            loiter = items[k + 1]
            assert loiter.command == 18  # its own laps follow at once
            lap = orbit.lap_s
            assert loiter.params[0] * lap >= t.dwell_s - 1e-6
        report = _measure(p, scenario, fmt)
        assert all(m.coverage >= SEEN for m in report.tasks)


def test_roi_altitude_is_the_targets_ground_in_the_frame_each_autopilot_reads(tmp_path):
    feats = [target("hill", 73.5, 49.5, sensor="eo-ir", dwell_min=30, ground_elev_m=870)]
    scenario = _scenario(tmp_path, feats, ANKA.format(payload='["eo-ir"]'))
    p = plan(scenario)
    from dataclasses import replace

    for autopilot, frame in (("ardupilot", 0), ("px4", 2)):
        for fmt in ("waypoints", "plan"):
            (mission,) = _missions(replace(p, autopilot=autopilot), fmt).values()
            (roi,) = [it for it in mission.items if it.command == 195]  # type: ignore[attr-defined]
            assert (roi.alt, roi.frame) == (870.0, frame)


def test_lanes_follow_the_camera_the_aircraft_carries(tmp_path):
    """Was: lanes laid out for the widest camera of the catalogue while the loadout carried the lightest."""
    (tmp_path / "cams.toml").write_text(
        '[[sensor]]\nname = "wide-cam"\ncapability = "eo-ir"\nmass_kg = 90\nlook = "down"\nswath_m = 4000\n'
        'slant_range_m = 15000\nmin_alt_m = 500\nmax_alt_m = 9000\ncamera = true\n'
        '[[sensor]]\nname = "small-cam"\ncapability = "eo-ir"\nmass_kg = 25\nlook = "down"\nswath_m = 800\n'
        'slant_range_m = 15000\nmin_alt_m = 500\nmax_alt_m = 9000\ncamera = true\n')
    area = {"type": "Feature", "properties": {"task": "survey", "name": "field", "sensor": "eo-ir"},
            "geometry": {"type": "Polygon", "coordinates": [[[73.30, 49.30], [73.40, 49.30], [73.40, 49.36],
                                                             [73.30, 49.36], [73.30, 49.30]]]}}
    chosen = '[[fleet]]\naircraft = "anka"\ncount = 1\nbase = "Alpha"\n'  # the planner chooses: the light camera
    path = write_scenario(tmp_path / "a", [area], fleet=chosen, extra='sensors = "../cams.toml"')
    scenario = read_scenario(path)
    p = plan(scenario)
    (s,) = p.sorties
    assert s.loadout == ("small-cam",)
    (survey,) = s.patterns
    assert np.allclose(survey.strips_m, [(-400.0, 400.0)])
    _assert_agree(p, scenario)
    # the heavier wide camera on a fixed payload flies its own, wider lanes: fewer, and a shorter survey
    wide = write_scenario(tmp_path / "b", [area], fleet=chosen + 'payload = ["wide-cam"]\n',
                          extra='sensors = "../cams.toml"')
    q = plan(read_scenario(wide))
    (wide_survey,) = q.sorties[0].patterns
    assert np.allclose(wide_survey.strips_m, [(-2000.0, 2000.0)])
    assert len(wide_survey.lanes) < len(survey.lanes) and wide_survey.duration_s < survey.duration_s
    _assert_agree(q, read_scenario(wide))


def test_two_cameras_of_one_capability_get_their_own_designs_and_costs(tmp_path):
    """Loadouts differ, so costs differ: one kit per camera, each survey timed at its own lanes."""
    (tmp_path / "cams.toml").write_text(
        '[[sensor]]\nname = "wide-cam"\ncapability = "eo-ir"\nmass_kg = 90\nswath_m = 4000\nslant_range_m = 15000\n'
        'camera = true\n[[sensor]]\nname = "small-cam"\ncapability = "eo-ir"\nmass_kg = 25\nswath_m = 800\n'
        'slant_range_m = 15000\ncamera = true\n')
    fleet = ('[[fleet]]\naircraft = "anka"\ncount = 1\nbase = "Alpha"\npayload = ["wide-cam"]\n'
             '[[fleet]]\naircraft = "anka"\ncount = 1\nbase = "Alpha"\npayload = ["small-cam"]\n')
    scenario = read_scenario(write_scenario(tmp_path / "s", [POLY], fleet=fleet, extra='sensors = "../cams.toml"'))
    from planner.model.fleet import airframes
    from planner.planning.pipeline import build_model

    frames = airframes(scenario)
    model = build_model(scenario, frames, {})
    kits = {model.kit_index(f) for f in frames}
    assert len(kits) == 2 and len(model.classes) == 4
    wide, small = (model.class_of(f) for f in frames)
    node = model.nb  # the survey
    assert model.service[small, node] > 2.0 * model.service[wide, node]


def test_a_side_looking_survey_images_beside_its_track(tmp_path):
    """Was: SAR strips centred under the aircraft, where a side-looking radar images nothing."""
    area = dict(POLY, properties={"task": "survey", "name": "field", "sensor": "sar"})
    scenario = _scenario(tmp_path, [area], ANKA.format(payload='["sar"]'))
    p = plan(scenario)
    (survey,) = p.sorties[0].patterns
    (near, far), = survey.strips_m
    assert near > 1000.0 and far > near  # a strip to the right of the track
    report = _assert_agree(p, scenario)
    assert report.tasks[0].coverage >= SEEN
    frame = geo.LocalFrame.around([73.37], [49.32])
    zone = frame.geometry_to_local(shapely.geometry.shape(POLY["geometry"]))
    x, y = frame.to_local([q.lon for q in survey.path], [q.lat for q in survey.path])
    outside = [zone.distance(shapely.Point(float(a), float(b))) for a, b in zip(x, y, strict=True)]
    assert max(outside) > near  # some lanes are flown well outside the area, their strips over it


def test_racetrack_range_is_checked_at_the_leg_ends(tmp_path):
    """Was: only the perpendicular stand-off was checked, not the ends 10 km either side."""
    from planner.io.profiles import load_sensors

    sar = load_sensors()["sar"]
    site = {"type": "Feature", "properties": {"task": "standoff", "name": "site", "sensor": "sar", "dwell_min": 30,
                                              "standoff_km": 21, "alt_m": 2800, "ground_elev_m": 500},
            "geometry": {"type": "Point", "coordinates": [74.8, 49.6]}}
    scenario = _scenario(tmp_path, [site], ANKA.format(payload='["sar"]'))
    _, far = sar.watch_range_m(2300.0)
    assert far < math.hypot(21_000.0, 10_000.0)  # the default 20 km legs would put the ends out of view
    p = plan(scenario)
    (track,) = p.sorties[0].patterns
    a, b = track.path[0], track.path[1]
    assert float(geo.distance_m(a.lon, a.lat, b.lon, b.lat)) < 20_000.0 - 100.0  # shortened
    for end in (a, b):
        assert float(geo.distance_m(end.lon, end.lat, 74.8, 49.6)) <= far + 1.0
    _assert_agree(p, scenario)
    wide = dict(site, geometry={"type": "Polygon", "coordinates": [[[74.6, 49.55], [75.2, 49.55], [75.2, 49.65],
                                                                    [74.6, 49.65], [74.6, 49.55]]]})
    refused = plan(_scenario(tmp_path / "w", [wide], ANKA.format(payload='["sar"]')))
    (why,) = refused.unserved
    assert "sar" in why.reason and ("leg" in why.reason or "km" in why.reason)


def test_a_shared_orbit_that_fails_its_final_check_falls_back_to_single_orbits(tmp_path):
    """Was: built with the unrounded turn radius and the highest ground, checked with the rounded radius
    and the lowest ground, the shared orbit failed and every member was dropped."""
    feats = [target("low", 73.50, 49.50, sensor="eo-ir", dwell_min=30, ground_elev_m=0),
             target("high", 73.50 + 0.372, 49.50, sensor="eo-ir", dwell_min=30, ground_elev_m=1000)]  # ~27 km
    p = plan(_scenario(tmp_path, feats, ANKA.format(payload='["eo-ir"]'), "[wind]\nspeed_mps = 8\n"))
    assert not p.unserved and set(p.served) == {"low", "high"}
    # a type that cannot watch one of them (it flies below that ground) splits a shared orbit for the other
    feats = [target("valley", 73.50, 49.50, sensor="eo-ir", dwell_min=30, ground_elev_m=400),
             target("ridge", 73.52, 49.51, sensor="eo-ir", dwell_min=30, ground_elev_m=3200)]
    fleet = ANKA.format(payload='["eo-ir"]') + ANKA.format(payload='["eo-ir"]').replace("anka", "tactical")
    scenario = _scenario(tmp_path / "b", feats, fleet)
    q = plan(scenario)
    assert set(q.served) == {"valley", "ridge"}
    _assert_agree(q, scenario)


# -- the checker catches what a planner (or a hand) got wrong --------------------------------------


def _write(p: Plan, folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, data in planned_files(p, pictures=False).items():
        (folder / name).write_bytes(data)
        out[name] = folder / name
    return out


def _cli(capsys: pytest.CaptureFixture[str], files: list[Path], areas: Path, *extra: str) -> tuple[int, dict]:
    code = main(["check", *map(str, files), "--coverage", "--areas", str(areas), "--aircraft", "anka",
                 "--payload", "eo-ir", "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def _rewrite(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    rows = [line.split("\t") for line in path.read_text().splitlines()]
    change(rows)
    path.write_text("\n".join("\t".join(r) for r in rows) + "\n")


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    root = tmp_path_factory.mktemp("three")
    feats = [target("north", 73.50, 49.52, sensor="eo-ir", dwell_min=30, priority=3),
             target("east", 73.54, 49.51, sensor="eo-ir", dwell_min=20, priority=2),
             target("south", 73.51, 49.49, sensor="eo-ir", dwell_min=20, priority=1)]
    path = write_scenario(root / "in", feats, fleet=ANKA.format(payload='["eo-ir"]'))
    plan_scenario(path, root / "out")
    return root / "out", root / "in" / "targets.geojson"


def test_our_missions_pass_the_coverage_check(three, capsys):
    out, areas = three
    code, doc = _cli(capsys, [out / "anka-1.waypoints"], areas)
    assert code == 0 and doc["ok"]
    assert {c["task"]: c["coverage"] for c in doc["coverage"]} == {"north": 1.0, "east": 1.0, "south": 1.0}
    assert all("coverage" in c and c["measure"] == "dwell" for c in doc["coverage"])


def test_an_roi_on_the_wrong_target_fails(three, capsys, tmp_path):
    out, areas = three
    bad = tmp_path / "anka-1.waypoints"
    bad.write_text((out / "anka-1.waypoints").read_text())

    def point_east_at_north(rows: list[list[str]]) -> None:
        rois = [r for r in rows[1:] if r[3] == "195"]
        rois[1][8:10] = rois[0][8:10]  # the second watch (east) points at the first target

    _rewrite(bad, point_east_at_north)
    code, doc = _cli(capsys, [bad], areas)
    seen = {c["task"]: c["coverage"] for c in doc["coverage"]}
    assert code == 4 and not doc["ok"]
    assert seen["east"] < 0.05 and seen["north"] == 1.0


def test_a_moved_roi_fails(three, capsys, tmp_path):
    out, areas = three
    bad = tmp_path / "anka-1.waypoints"
    bad.write_text((out / "anka-1.waypoints").read_text())

    def move_south(rows: list[list[str]]) -> None:
        roi = [r for r in rows[1:] if r[3] == "195"][2]
        roi[8] = f"{float(roi[8]) + 0.02:.8f}"  # 2.2 km north of the target

    _rewrite(bad, move_south)
    code, doc = _cli(capsys, [bad], areas)
    assert code == 4 and {c["task"]: c["coverage"] for c in doc["coverage"]}["south"] < 0.05


def test_every_task_in_the_areas_is_judged_unless_narrowed(three, capsys, tmp_path):
    out, areas = three
    more = json.loads(areas.read_text())
    more["features"].append(target("skipped", 74.9, 49.9, sensor="eo-ir"))
    extra = tmp_path / "more.geojson"
    extra.write_text(json.dumps(more))
    code, doc = _cli(capsys, [out / "anka-1.waypoints"], extra)
    assert code == 4 and {c["task"]: c["coverage"] for c in doc["coverage"]}["skipped"] == 0.0
    code, doc = _cli(capsys, [out / "anka-1.waypoints"], extra, "--tasks", "north,south")
    assert code == 0 and [c["task"] for c in doc["coverage"]] == ["north", "south"]


def test_survey_lanes_shifted_half_a_swath_fail(tmp_path, capsys):
    scenario = _scenario(tmp_path / "in", [POLY], ANKA.format(payload='["eo-ir"]'))
    p = plan(scenario)
    files = _write(p, tmp_path / "out")
    path = files["anka-1.waypoints"]
    code, doc = _cli(capsys, [path], tmp_path / "in" / "targets.geojson")
    assert code == 0 and doc["coverage"][0]["coverage"] >= SEEN
    (survey,) = p.sorties[0].patterns
    half = (survey.strips_m[0][1] - survey.strips_m[0][0]) / 2.0
    a, b = survey.path[0], survey.path[1]
    across = (float(geo.inverse(a.lon, a.lat, b.lon, b.lat)[0]) + 90.0) % 360.0

    def shift(rows: list[list[str]]) -> None:
        for k, r in enumerate(rows[1:], start=1):
            if r[3] == "16" and k + 1 < len(rows) and rows[k + 1][3] == "206":  # a lane's end points
                lon, lat = geo.destination(float(r[9]), float(r[8]), across, half)
                r[8], r[9] = f"{float(lat):.8f}", f"{float(lon):.8f}"

    _rewrite(path, shift)
    code, doc = _cli(capsys, [path], tmp_path / "in" / "targets.geojson")
    assert code == 4 and doc["coverage"][0]["coverage"] < 0.9


def test_coverage_needs_areas_and_an_aircraft_and_a_known_payload(three, capsys, tmp_path):
    out, areas = three
    mission = str(out / "anka-1.waypoints")
    alone = tmp_path / "anka-1.waypoints"  # no plan.json beside it: nothing recorded of its aircraft
    alone.write_text((out / "anka-1.waypoints").read_text())
    assert main(["check", mission, "--coverage", "--aircraft", "anka"]) == 2
    assert main(["check", str(alone), "--coverage", "--areas", str(areas)]) == 2
    assert main(["check", mission, "--coverage", "--areas", str(areas), "--aircraft", "anka", "--tasks", "nope"]) == 2
    assert main(["check", mission, "--coverage", "--areas", str(areas), "--aircraft", "anka", "--min-coverage",
                 "120"]) == 2
    assert main(["check", mission, "--coverage", "--areas", str(areas), "--aircraft", "anka", "--payload",
                 "lidar"]) == 3
    assert main(["check", mission, mission, "--aircraft", "anka", "--aircraft", "anka", "--aircraft", "anka"]) == 2
    capsys.readouterr()
    # our own file: the aircraft and loadout the planner recorded in the plan.json beside it
    assert main(["check", mission, "--coverage", "--areas", str(areas), "--json"]) == 0
    text = capsys.readouterr()
    assert "every catalogue sensor" not in text.err and all(c["sensors"] == ["eo-ir"]
                                                            for c in json.loads(text.out)["coverage"])
    assert main(["check", str(alone), "--coverage", "--areas", str(areas), "--aircraft", "anka"]) == 0
    text = capsys.readouterr()
    assert "Coverage" in text.out and "every catalogue sensor" in text.err


def test_demo_files_pass_the_coverage_check_from_the_command_line(tmp_path, capsys):
    p, _, out = plan_scenario(demo_scenario_path(), tmp_path / "out", max_iterations=150)
    files, crafts, loads = [], [], []
    for s in p.sorties:
        files.append(str(out / f"{sortie_file_stem(s)}.waypoints"))
        crafts += ["--aircraft", s.aircraft.name]
        loads += ["--payload", ",".join(s.loadout)]
    areas = REPO / "areas" / "central_kazakhstan" / "targets.geojson"
    code = main(["check", *files, "--wind", "290/8", *crafts, *loads, "--coverage", "--areas", str(areas),
                 "--tasks", ",".join(p.served), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0, [c for c in doc["coverage"] if c["coverage"] < SEEN]
    assert len(doc["coverage"]) == len(p.served) and all(f["ok"] for f in doc["files"])
    assert read_mission(Path(files[0])).items
