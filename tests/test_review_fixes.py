"""What a new user and an outside review tripped over (issue 18): outputs that `planner check` reads back as
planned, rally points over each base, plan.json and its schema, GeoJSON across the antimeridian, timeline.csv."""

from __future__ import annotations

import itertools
import json
import shutil

from planner.cli import main
from planner.io.mission_file import read_mission
from tests.conftest import target

TWO_BASES = ('[[base]]\nname = "Alpha"\nlon = 73.0\nlat = 49.0\nelev_m = 500\n'
             '[[base]]\nname = "Bravo"\nlon = 74.0\nlat = 49.5\nelev_m = 1400\n')
FLEET = ('[[fleet]]\naircraft = "anka"\ncount = 1\nbase = "Alpha"\npayload = ["eo-ir", "sar", "satcom"]\n'
         '[[fleet]]\naircraft = "tactical"\ncount = 1\nbase = "Bravo"\npayload = ["eo-ir"]\n')


def _plan(scenario_factory, tmp_path, capsys):
    path = scenario_factory([target("a", 73.5, 49.2), target("b", 73.9, 49.6), target("c", 74.2, 49.3)],
                            bases=TWO_BASES, fleet=FLEET)
    out = tmp_path / "p"
    assert main(["plan", str(path), "-o", str(out), "--max-iterations", "50"]) == 0
    capsys.readouterr()
    return out, json.loads((out / "plan.json").read_text())


def test_check_flies_each_file_with_the_recorded_aircraft_and_payload(scenario_factory, tmp_path, capsys):
    out, doc = _plan(scenario_factory, tmp_path, capsys)
    files = [out / name for s in doc["sorties"] for name in s["files"].values()]
    assert len(files) >= 2
    assert main(["check", *map(str, files), "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)
    by_file = {r["file"]: r for r in reports}
    for s in doc["sorties"]:
        for name in s["files"].values():
            r = by_file[str(out / name)]
            assert r["ok"], r["faults"]
            assert r["aircraft"] == s["aircraft"] and r["payload_kg"] == s["payload_kg"]
            assert r["endurance_s"] == s["endurance_s"]
            assert not [w for w in r["warnings"] if w["code"] == "payload"]
    plan_file = json.loads((out / doc["sorties"][0]["files"]["plan"]).read_text())
    assert plan_file["planner"]["aircraft"] == doc["sorties"][0]["aircraft"]
    assert plan_file["planner"]["loadout"] == doc["sorties"][0]["loadout"]
    # --payload-kg still overrides what was recorded
    assert main(["check", str(files[0]), "--payload-kg", "10", "--json"]) in (0, 4)
    assert json.loads(capsys.readouterr().out)[0]["payload_kg"] == 10


def test_check_warns_when_it_falls_back_to_the_reference_payload(scenario_factory, tmp_path, capsys):
    out, doc = _plan(scenario_factory, tmp_path, capsys)
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    name = doc["sorties"][0]["files"]["waypoints"]
    shutil.copy(out / name, lonely / name)
    assert read_mission(lonely / name).planned is None
    assert read_mission(out / name).planned is not None
    main(["check", str(lonely / name), "--aircraft", "anka", "--json"])
    report = json.loads(capsys.readouterr().out)[0]
    assert report["payload_kg"] == 200 and report["aircraft"] == "anka"
    assert any(w["code"] == "payload" and "reference payload 200 kg" in w["message"] for w in report["warnings"])


def test_rally_points_stand_over_each_base_relative_to_the_sorties_home(scenario_factory, tmp_path, capsys):
    out, doc = _plan(scenario_factory, tmp_path, capsys)
    elev = {b["name"]: b["elev_m"] for b in doc["bases"]}
    for s in doc["sorties"]:
        plan_file = json.loads((out / s["files"]["plan"]).read_text())
        home = plan_file["mission"]["plannedHomePosition"]
        assert home[2] == elev[s["base"]]
        rally = plan_file["rallyPoints"]["points"]
        for b, point in zip(doc["bases"], rally, strict=True):
            assert point[:2] == [b["lat"], b["lon"]]
            assert point[2] == b["elev_m"] + 300 - elev[s["base"]]  # 300 m above that base's field


def test_plan_json_records_version_positions_priorities_and_altitude_reference(scenario_factory, tmp_path, capsys):
    import planner
    from tests.conftest import plan_json_errors

    path = scenario_factory([target("a", 73.5, 49.2, priority=4), target("s", 73.2, 49.6, sensor="sigint", priority=7)])
    assert main(["plan", str(path), "-o", str(tmp_path / "p"), "--max-iterations", "20"]) == 0
    doc = json.loads((tmp_path / "p" / "plan.json").read_text())
    assert doc["planner_version"] == planner.__version__ and doc["altitude_reference"] == "AMSL"
    tasks = {t["name"]: t for t in doc["tasks"]}
    assert tasks["a"]["position"] == [73.5, 49.2] and tasks["a"]["bounds"] == [73.5, 49.2, 73.5, 49.2]
    (unserved,) = doc["unserved"]
    assert unserved["task"] == "s" and unserved["priority"] == 7 and unserved["reasons"][0] == unserved["reason"]
    assert plan_json_errors(tmp_path / "p" / "plan.json") == []
    broken = tmp_path / "broken.json"
    doc["sorties"][0]["legs"][0]["from"] = [73.5, 49.2]
    del doc["unserved"][0]["priority"]
    broken.write_text(json.dumps(doc))
    errors = plan_json_errors(broken)
    assert any("unserved/0" in e and "priority" in e for e in errors)
    assert any("legs/0/from" in e for e in errors)


def test_golden_plan_json_files_match_the_schema():
    from tests.conftest import REPO, plan_json_errors

    files = sorted((REPO / "tests" / "golden" / "files").rglob("plan.json"))
    assert len(files) >= 4
    assert [e for f in files for e in plan_json_errors(f)] == []


def test_geojson_lines_are_cut_at_the_antimeridian(scenario_factory, tmp_path, capsys):
    import pyogrio

    bases = '[[base]]\nname = "Anadyr"\nlon = 179.6\nlat = 64.7\nelev_m = 60\ngcs_range_km = 400\n'
    path = scenario_factory([target("east", -179.4, 64.9), target("west", 179.2, 65.1)], bases=bases,
                            fleet='[[fleet]]\naircraft = "anka"\ncount = 1\nbase = "Anadyr"\npayload = ["eo-ir"]\n')
    assert main(["plan", str(path), "-o", str(tmp_path / "p"), "--max-iterations", "20"]) == 0
    doc = json.loads((tmp_path / "p" / "plan.geojson").read_text())
    lines = [f["geometry"] for f in doc["features"] if f["geometry"]["type"] in ("LineString", "MultiLineString")]
    multi = [g for g in lines if g["type"] == "MultiLineString"]
    assert multi, "the route to the eastern target crosses the antimeridian"
    for g in lines:
        for part in g["coordinates"] if g["type"] == "MultiLineString" else [g["coordinates"]]:
            assert all(abs(b[0] - a[0]) < 180 for a, b in itertools.pairwise(part))
    for g in multi:
        for a, b in zip(g["coordinates"], g["coordinates"][1:], strict=False):
            assert abs(a[-1][0]) == 180 and b[0][0] == -a[-1][0] and b[0][1] == a[-1][1]
    assert len(pyogrio.read_dataframe(tmp_path / "p" / "plan.geojson")) == len(doc["features"])


def test_timeline_csv_lists_a_shared_orbits_tasks_splittably(scenario_factory, tmp_path, capsys):
    import csv

    path = scenario_factory([target("Shet crossroads", 73.5, 49.2, sensor="eo-ir"),
                             target("Agadyr bridge", 73.51, 49.205, sensor="eo-ir")])
    assert main(["plan", str(path), "-o", str(tmp_path / "p"), "--max-iterations", "20"]) == 0
    rows = list(csv.DictReader((tmp_path / "p" / "timeline.csv").read_text().splitlines()))
    (orbit,) = [r for r in rows if r["kind"] == "orbit"]
    assert sorted(orbit["tasks"].split(";")) == ["Agadyr bridge", "Shet crossroads"]
    assert "what" not in orbit and all(r["tasks"] == "" for r in rows if r["kind"] in ("climb", "land"))
