"""Property-based tests: readers answer every input with a result or one InputError; writers round-trip
random plans anywhere on Earth through pymavlink, json and GDAL."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pyogrio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymavlink import mavwp

from planner.core.errors import InputError
from planner.core.geo import distance_m
from planner.io.export import export_plan
from planner.io.scenario_file import read_scenario
from planner.planning.pipeline import plan
from tests.conftest import write_scenario

VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from(["orbit", "survey", "nofly", "eo-ir", "2026-12-01T06:00:00Z", "1e400"]),
)
PROPERTY = st.sampled_from(["task", "name", "priority", "sensor", "dwell_min", "alt_m", "window_start",
                            "window_end", "persistent_h", "standoff_km", "ground_elev_m"])
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(props=st.dictionaries(PROPERTY, VALUES, max_size=6),
       lon=st.floats(-400, 400, allow_nan=False), lat=st.floats(-200, 200, allow_nan=False))
def test_area_reader_gives_a_task_or_one_input_error(tmp_path_factory, props, lon, lat):
    folder = tmp_path_factory.mktemp("fuzz")
    props = {"task": "orbit", "name": "x", **props}
    feature = {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}
    try:
        path = write_scenario(folder, [feature])
    except ValueError:
        return  # json cannot write NaN/inf into a file a GIS would produce
    try:
        scenario = read_scenario(path)
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    (task,) = scenario.tasks
    assert -180 <= task.geometry.x <= 180 and -90 <= task.geometry.y <= 90


SCENARIO_KEYS = ["lon", "lat", "elev_m", "gcs_range_km", "count", "time_limit_s", "seed", "from_deg", "speed_mps",
                 "fraction", "min_minutes", "start", "aircraft", "payload"]
TOML_VALUES = st.sampled_from(["-1", "0", "1e9", "true", '"text"', "[1, 2]", '["eo-ir", "eo-ir"]', "{}", "nan",
                               "inf", '"2026-12-01"', "1979-05-27T07:32:00", '"anka"', "3.5"])


@SETTINGS
@given(key=st.sampled_from(SCENARIO_KEYS), value=TOML_VALUES)
def test_scenario_reader_gives_a_scenario_or_one_input_error(tmp_path_factory, key, value):
    folder = tmp_path_factory.mktemp("fuzz")
    path = write_scenario(folder, [], extra="[wind]\nfrom_deg = 10\nspeed_mps = 3\n[reserve]\nfraction = 0.1\n"
                                            "min_minutes = 30\n")
    text = "\n".join(f"{key} = {value}" if line.split(" = ")[0].strip() == key else line
                     for line in path.read_text().splitlines())
    path.write_text(text)
    try:
        read_scenario(path)
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lon=st.floats(-179.9, 179.9), lat=st.floats(-75, 75), seed=st.integers(0, 10_000),
       n=st.integers(1, 5), px4=st.booleans())
def test_random_plans_anywhere_round_trip_through_real_parsers(tmp_path_factory, lon, lat, seed, n, px4):
    import random

    rnd = random.Random(seed)
    folder = tmp_path_factory.mktemp("plan")
    feats = []
    for i in range(n):
        # targets up to ~150 km away; longitudes wrap across the antimeridian
        tlon = (lon + rnd.uniform(-1.5, 1.5) + 180) % 360 - 180
        tlat = max(-80.0, min(80.0, lat + rnd.uniform(-1.0, 1.0)))
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [tlon, tlat]},
                      "properties": {"task": "orbit", "name": f"t{i}", "dwell_min": rnd.choice([10, 30, 90]),
                                     "priority": rnd.randint(1, 5)}})
    bases = f'[[base]]\nname = "Alpha"\nlon = {lon}\nlat = {lat}\nelev_m = 100\ngcs_range_km = 400\n'
    path = write_scenario(folder / "in", feats, bases=bases, extra='autopilot = "px4"\n' if px4 else "")
    p = plan(read_scenario(path), max_iterations=50, time_limit_s=2)
    export_plan(p, folder / "out")
    assert sorted(p.served) == sorted(f"t{i}" for i in range(n))  # all within reach of a 30 h aircraft
    for s in p.sorties:
        loader = mavwp.MAVWPLoader()
        count = loader.load(str(folder / "out" / f"{s.name}.waypoints"))
        items = [loader.wp(i) for i in range(count)]
        loiter = 19 if px4 else 18
        centres = [(it.y, it.x) for it in items if it.command == loiter and it.param3 != 0]
        assert len(centres) == len(s.orbits)
        for (clon, clat), orbit in zip(centres, s.orbits, strict=True):
            assert distance_m(clon, clat, orbit.centre.lon, orbit.centre.lat) < 0.01
        doc = json.loads((folder / "out" / f"{s.name}.plan").read_text())
        assert len(doc["mission"]["items"]) == count - 1
        for it in doc["mission"]["items"]:
            assert all(v is None or math.isfinite(v) for v in it["params"])
    gj = pyogrio.read_dataframe(Path(folder / "out" / "plan.geojson"))
    assert len(gj[gj["layer"] == "orbit"]) == sum(len(s.orbits) for s in p.sorties)
