"""Scenario and area readers: formats, CRSs, and one clear message per mistake."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

from planner.core.errors import InputError
from planner.io.scenario_file import read_scenario
from tests.conftest import target, write_scenario

pytestmark = pytest.mark.filterwarnings("ignore:.*(truncated|laundered).*")

SCENARIO = """name = "formats"
start = "2026-12-01T04:00:00Z"
areas = ["{area}"]
[[base]]
name = "Alpha"
lon = 73.0
lat = 49.0
[[fleet]]
aircraft = "anka"
base = "Alpha"
"""


def _frame(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {
            "task": ["orbit", "survey", "patrol", "nofly"],
            "name": ["spot", "field", "pipe", "range"],
            "priority": [3.0, 2.0, 1.0, None],
            "dwell_min": [45.0, None, None, None],
            "window_start": ["2026-12-01T06:00:00Z", None, None, None],
        },
        geometry=[
            Point(73.5, 49.5),
            Polygon([(72, 48), (72.5, 48), (72.5, 48.5), (72, 48)]),
            LineString([(74, 49), (75, 49.5)]),
            Polygon([(70, 47), (71, 47), (71, 48), (70, 47)]),
        ],
        crs="EPSG:4326",
    )
    return frame.to_crs(crs)


@pytest.mark.parametrize(
    ("suffix", "driver", "crs"),
    [
        ("geojson", "GeoJSON", "EPSG:4326"),
        ("gpkg", "GPKG", "EPSG:32643"),  # UTM 43N: reprojected to WGS84 on reading
        ("kml", "KML", "EPSG:4326"),
    ],
)
def test_reads_area_files_in_any_gdal_format_and_crs(tmp_path, suffix, driver, crs):
    _frame(crs).to_file(tmp_path / f"areas.{suffix}", driver=driver, engine="pyogrio")
    (tmp_path / "s.toml").write_text(SCENARIO.format(area=f"areas.{suffix}"))
    scenario = read_scenario(tmp_path / "s.toml")
    tasks = {t.name: t for t in scenario.tasks}
    assert set(tasks) == {"spot", "field", "pipe", "range"}
    assert tasks["spot"].kind == "orbit" and tasks["spot"].priority == 3.0 and tasks["spot"].dwell_min == 45.0
    assert tasks["spot"].geometry.x == pytest.approx(73.5, abs=1e-6)
    assert tasks["spot"].geometry.y == pytest.approx(49.5, abs=1e-6)
    assert tasks["spot"].window_start is not None and tasks["spot"].window_start.hour == 6
    assert tasks["field"].geometry.area == pytest.approx(0.125, rel=1e-4)
    assert [t.name for t in scenario.nofly] == ["range"]


def test_reads_shapefiles_with_truncated_property_names(tmp_path):
    # a Shapefile holds one geometry type and cuts names to 10 characters (window_start -> window_sta)
    _frame("EPSG:3857").iloc[:1].to_file(tmp_path / "spots.shp", engine="pyogrio")
    (tmp_path / "s.toml").write_text(SCENARIO.format(area="spots.shp"))
    (spot,) = read_scenario(tmp_path / "s.toml").tasks
    assert (spot.geometry.x, spot.geometry.y) == pytest.approx((73.5, 49.5), abs=1e-6)
    assert spot.window_start is not None and spot.window_start.hour == 6


def test_file_without_crs_is_refused(tmp_path):
    _frame("EPSG:3857").iloc[:1].to_file(tmp_path / "areas.shp", engine="pyogrio")
    (tmp_path / "areas.prj").unlink()
    (tmp_path / "s.toml").write_text(SCENARIO.format(area="areas.shp"))
    with pytest.raises(InputError, match="no coordinate reference system"):
        read_scenario(tmp_path / "s.toml")


def test_scenario_keys_and_defaults(scenario_factory):
    s = read_scenario(scenario_factory([target("a", 73.1, 49.1)]))
    assert s.wind.speed_mps == 0 and s.reserve.fraction == 0.10 and s.reserve.min_minutes == 45
    assert s.solver.seed == 0 and s.solver.max_iterations == 300 and s.autopilot == "ardupilot"
    assert s.tasks[0].dwell_min == 30.0  # the documented default dwell
    assert s.fleet[0].aircraft.name == "anka" and s.fleet[0].payload == ("eo-ir",)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("[solver]", "[solver]\ntime_limt_s = 3"), "did you mean 'time_limit_s'"),
        (lambda t: t.replace('name = "Alpha"\nlon', 'name = "Alpha"\nlonn'), "did you mean 'lon'"),
        (lambda t: t.replace('name = "test scenario"\n', ""), "missing required key 'name'"),
        (lambda t: t.replace("lat = 49.0", 'lat = "north"'), "'lat' must be a number"),
        (lambda t: t.replace("lat = 49.0", "lat = 95.0"), "'lat' must be <= 90"),
        (lambda t: t.replace('aircraft = "anka"', 'aircraft = "anak"'), "did you mean 'anka'"),
        (lambda t: t.replace('base = "Alpha"\npayload', 'base = "Bravo"\npayload'), "unknown base 'Bravo'"),
        (lambda t: t.replace('["eo-ir"]', '["eo-ir", "sar", "gmti"]'), "over max_payload_kg"),
        (lambda t: t.replace('["eo-ir"]', '["lidar"]'), "unknown payload 'lidar'"),
        (lambda t: t.replace("04:00:00Z", "04:00:00"), "needs a time zone"),
        (lambda t: t + "\n[wind\n", "malformed TOML"),
    ],
)
def test_bad_scenarios_give_one_clear_message(scenario_factory, edit, message):
    path = scenario_factory([target("a", 73.1, 49.1)])
    path.write_text(edit(path.read_text()))
    with pytest.raises(InputError, match=message):
        read_scenario(path)


@pytest.mark.parametrize(
    ("feature", "message"),
    [
        (target("a", 49.1, 173.1), "look swapped"),
        (target("a", 73.1, 49.1, task="watch"), "task 'watch' is not one of"),
        (target("a", 73.1, 49.1, priority="high"), "'priority' must be a number"),
        (target("a", 73.1, 49.1, window_start="tomorrow"), "not an ISO-8601 time"),
        (target("a", 73.1, 49.1, window_start="2026-12-01T08:00:00Z", window_end="2026-12-01T07:00:00Z"),
         "is not after window_start"),
        (target("a", 73.1, 49.1, dwell_min=-5), "'dwell_min' must be > 0"),
        (target("a", 73.1, 49.1, sensor="radar"), "sensor 'radar' is unknown"),
        ({"type": "Feature", "properties": {"task": "survey", "name": "s"},
          "geometry": {"type": "Point", "coordinates": [73, 49]}}, "needs Polygon"),
    ],
)
def test_bad_features_give_one_clear_message(scenario_factory, feature, message):
    with pytest.raises(InputError, match=message):
        read_scenario(scenario_factory([feature]))


def test_duplicate_task_names_are_refused(scenario_factory):
    with pytest.raises(InputError, match="duplicate task name 'a'"):
        read_scenario(scenario_factory([target("a", 73.1, 49.1), target("a", 73.2, 49.1)]))


def test_self_intersecting_polygon_is_repaired_with_a_warning(tmp_path):
    bowtie = {"type": "Feature", "properties": {"task": "survey", "name": "bow"},
              "geometry": {"type": "Polygon", "coordinates": [[[72, 48], [73, 49], [73, 48], [72, 49], [72, 48]]]}}
    s = read_scenario(write_scenario(tmp_path, [bowtie]))
    assert s.tasks[0].geometry.is_valid
    assert any("repaired" in w for w in s.warnings)


def test_empty_area_file_is_refused(tmp_path):
    path = write_scenario(tmp_path, [])
    with pytest.raises(InputError, match=r"no features|cannot read|not a vector file"):
        read_scenario(path)
