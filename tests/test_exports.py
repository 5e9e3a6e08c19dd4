"""Every output read back by a real parser and checked against the plan."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pyogrio
import pytest
from pymavlink import mavwp

from planner.api import plan_scenario
from planner.core.errors import OutputError
from planner.core.geo import distance_m
from planner.io.export import export_plan
from tests.conftest import target
from tests.paper import fly

FLEET = (
    '[[fleet]]\naircraft = "anka"\ncount = 2\nbase = "Alpha"\npayload = ["eo-ir", "sar"]\n'
    '[[fleet]]\naircraft = "tactical"\ncount = 1\nbase = "Bravo"\npayload = ["eo-ir"]\n'
)
BASES = (
    '[[base]]\nname = "Alpha"\nlon = 73.3\nlat = 49.7\nelev_m = 540\nrunway_deg = 230\n'
    '[[base]]\nname = "Bravo"\nlon = 67.7\nlat = 47.7\nelev_m = 380\n'
)


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    from tests.conftest import write_scenario

    root = tmp_path_factory.mktemp("export")
    feats = [target(f"T{i:02d}", 67.5 + 0.45 * i, 47.5 + 0.25 * (i % 7), priority=1 + i % 5,
                    sensor="sar" if i % 4 == 0 else "eo-ir", dwell_min=45 + 15 * (i % 3)) for i in range(18)]
    feats.append({"type": "Feature", "properties": {"task": "nofly", "name": "Range R1"},
                  "geometry": {"type": "Polygon", "coordinates": [[[60, 40], [61, 40], [61, 41], [60, 40]]]}})
    path = write_scenario(root / "in", feats, fleet=FLEET, bases=BASES, extra="[wind]\nfrom_deg = 290\nspeed_mps = 8\n")
    plan, written, out = plan_scenario(path, root / "out", max_iterations=300)
    return plan, written, out


def test_writes_every_file(planned):
    plan, written, out = planned
    names = {p.name for p in written}
    for s in plan.sorties:
        assert {f"{s.name}.waypoints", f"{s.name}.plan"} <= names
    assert {"plan.json", "plan.geojson", "plan.kml", "timeline.csv"} <= names
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_waypoints_obey_the_strict_format(planned):
    plan, _, out = planned
    for s in plan.sorties:
        raw = (out / f"{s.name}.waypoints").read_bytes()
        assert raw.isascii() and not raw.startswith(b"\xef\xbb\xbf")
        lines = raw.decode().split("\n")
        assert lines[0] == "QGC WPL 110" and lines[-1] == ""
        for i, line in enumerate(lines[1:-1]):
            fields = line.split("\t")
            assert len(fields) == 12, line
            assert int(fields[0]) == i
            for k in (0, 1, 2, 3, 11):
                assert fields[k] == str(int(fields[k]))
            values = [float(f) for f in fields[4:11]]
            assert all(math.isfinite(v) for v in values)
            cmd, frame = int(fields[3]), int(fields[2])
            if cmd in (177, 178, 189, 197, 206, 20):
                assert frame == 2
            if cmd == 18:
                assert 1 <= float(fields[4]) <= 255 and abs(float(fields[6])) <= 2550
            if cmd == 19:
                assert float(fields[4]) <= 65535
        assert len(lines) - 2 <= 700


def test_waypoints_read_back_with_pymavlink_match_the_plan(planned):
    plan, _, out = planned
    for s in plan.sorties:
        loader = mavwp.MAVWPLoader()
        n = loader.load(str(out / f"{s.name}.waypoints"))
        items = [loader.wp(i) for i in range(n)]
        assert items[0].x == pytest.approx(s.base.lat) and items[0].y == pytest.approx(s.base.lon)
        assert items[1].command == 22 and items[-1].command == 21
        loiters = [it for it in items if it.command == 18]
        assert len(loiters) == len(s.orbits)
        for it, orbit in zip(loiters, s.orbits, strict=True):
            assert distance_m(it.y, it.x, orbit.centre.lon, orbit.centre.lat) < 0.01
            assert it.param1 == orbit.turns and it.param3 == pytest.approx(orbit.radius_m)
            assert it.z == pytest.approx(orbit.centre.alt_m)


def test_waypoints_flown_on_paper_fit_endurance_less_reserve(planned):
    plan, _, out = planned
    for s in plan.sorties:
        a = s.aircraft
        paper = fly(str(out / f"{s.name}.waypoints"), cruise_mps=a.cruise_speed_mps, loiter_mps=a.loiter_speed_mps,
                    climb_mps=a.climb_rate_mps, descent_mps=a.descent_rate_mps,
                    wind_from_deg=plan.wind.from_deg, wind_mps=plan.wind.speed_mps)
        assert paper.time_s <= s.endurance_s - s.reserve_s
        assert paper.time_s == pytest.approx(s.flight_s, rel=0.01)


def test_qgc_plan_files_are_valid(planned):
    plan, _, out = planned
    for s in plan.sorties:
        doc = json.loads((out / f"{s.name}.plan").read_text())
        assert doc["fileType"] == "Plan" and doc["version"] == 1
        m = doc["mission"]
        assert m["version"] == 2 and m["firmwareType"] == 3 and m["vehicleType"] == 1
        assert m["plannedHomePosition"] == pytest.approx([s.base.lat, s.base.lon, s.base.elev_m])
        assert [it["doJumpId"] for it in m["items"]] == list(range(1, len(m["items"]) + 1))
        for it in m["items"]:
            assert it["type"] == "SimpleItem" and len(it["params"]) == 7 and isinstance(it["autoContinue"], bool)
        assert doc["geoFence"]["version"] == 2 and doc["rallyPoints"]["version"] == 2
        (zone,) = doc["geoFence"]["polygons"]
        assert zone["inclusion"] is False and [40.0, 60.0] in zone["polygon"]
        wp = (out / f"{s.name}.waypoints").read_text().splitlines()[2:]
        assert [it["command"] for it in m["items"]] == [int(line.split("\t")[3]) for line in wp]


def test_geojson_and_kml_read_back_with_gdal(planned):
    plan, _, out = planned
    gj = pyogrio.read_dataframe(out / "plan.geojson")
    routes = gj[gj["layer"] == "route"]
    assert sorted(routes["sortie"]) == sorted(s.name for s in plan.sorties)
    assert len(gj[gj["layer"] == "orbit"]) == sum(len(s.orbits) for s in plan.sorties)
    assert len(gj[gj["layer"] == "task"]) == 18 and len(gj[gj["layer"] == "nofly"]) == 1
    for s in plan.sorties:
        line = routes[routes["sortie"] == s.name].geometry.iloc[0]
        assert line.has_z and line.coords[0][:2] == pytest.approx((s.base.lon, s.base.lat))
    kml_layers = [name for name, _ in pyogrio.list_layers(out / "plan.kml")]
    for s in plan.sorties:
        assert s.name in kml_layers
        layer = pyogrio.read_dataframe(out / "plan.kml", layer=s.name)
        assert len(layer) == 1 + len(s.orbits)
    text = (out / "plan.kml").read_text()
    assert "<altitudeMode>absolute</altitudeMode>" in text


def test_plan_json_lists_every_task_once(planned):
    plan, _, out = planned
    doc = json.loads((out / "plan.json").read_text())
    assert doc["schema"] == "planner-plan/1"
    assert doc["metrics"] == plan.metrics()
    served = [t for s in doc["sorties"] for t in s["tasks"]]
    unserved = [u["task"] for u in doc["unserved"]]
    assert sorted(served + unserved) == sorted(f"T{i:02d}" for i in range(18))
    for s in doc["sorties"]:
        assert s["flight_s"] <= s["endurance_s"] - s["reserve_s"] + 1e-3


def test_refuses_to_overwrite_without_permission(planned, tmp_path):
    plan, _, out = planned
    assert plan.sorties
    before = (out / "plan.json").read_bytes()
    with pytest.raises(OutputError, match="--overwrite"):
        export_plan(plan, out)
    assert (out / "plan.json").read_bytes() == before
    export_plan(plan, tmp_path / "again")
    export_plan(plan, tmp_path / "again", overwrite=True)
    assert (tmp_path / "again" / "plan.json").read_bytes() == before


def test_px4_target_uses_loiter_time(planned, tmp_path):
    from dataclasses import replace

    plan, _, _ = planned
    export_plan(replace(plan, autopilot="px4"), tmp_path)
    for s in plan.sorties:
        rows = [line.split("\t") for line in (tmp_path / f"{s.name}.waypoints").read_text().splitlines()[1:]]
        assert not [r for r in rows if r[3] == "18"]
        loiters = [r for r in rows if r[3] == "19" and float(r[6]) != 0]
        assert len(loiters) == len(s.orbits)
        assert json.loads((tmp_path / f"{s.name}.plan").read_text())["mission"]["firmwareType"] == 12


def test_same_inputs_and_seed_give_the_same_bytes(tmp_path):
    from tests.conftest import write_scenario

    feats = [target(f"T{i}", 72.5 + 0.3 * i, 49.0 + 0.2 * (i % 4), priority=1 + i % 5) for i in range(10)]
    path = write_scenario(tmp_path / "in", feats)
    plan_scenario(path, tmp_path / "a", max_iterations=200, time_limit_s=300)  # iterations bind, not the clock
    plan_scenario(path, tmp_path / "b", max_iterations=200, time_limit_s=300)
    for f in sorted((tmp_path / "a").iterdir()):
        assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes(), f.name


def test_demo_scenario_plans(tmp_path: Path):
    from planner.api import demo_scenario_path

    plan, _, _ = plan_scenario(demo_scenario_path(), tmp_path, time_limit_s=3, max_iterations=300)
    assert len(plan.tasks) >= 20 and len(plan.sorties) >= 2 and plan.unserved
