"""Terrain: DEMs read from any raster and CRS, clearance kept on every flown path, honest line of sight.

Every DEM here is made in code (tests/dems.py). The issue's measured scenario — a 6,200 m ridge 25 km
north of the base, targets beyond it, one Anka without SATCOM — is the regression case: without terrain
the plan flew 700 m below the crest and mostly out of radio sight; with it the plan keeps 300 m above the
ground everywhere (judged independently every 100 m) and leaves the targets out with the reason.
"""

from __future__ import annotations

import itertools
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from planner.cli import main
from planner.core.errors import InputError
from planner.io.dem import point_heights, read_terrain
from planner.io.export import export_plan, planned_files
from planner.io.scenario_file import read_scenario
from planner.missions.items import mission_items
from planner.missions.parameters import ardupilot_parameters
from planner.model.fleet import airframes
from planner.planning.pipeline import build_model, plan
from tests import dems


def _run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    """``planner ARGS``: exit code, stdout and stderr (whitespace folded)."""
    code = main([str(a) for a in args])
    got = capsys.readouterr()
    return code, got.out, " ".join(got.err.split())


def _plan_folder(case: Path, out: Path):
    result = plan(read_scenario(case))
    export_plan(result, out)
    return result


@pytest.fixture(scope="module")
def ridge_plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, object]]:
    """The ridge scenario planned with SATCOM with and without terrain, and without SATCOM with terrain."""
    root = tmp_path_factory.mktemp("ridge")
    out = {}
    for name, satcom, terrain in (("terrain", True, True), ("flat", True, False), ("no-satcom", False, True)):
        case = dems.ridge_case(root / name, satcom=satcom, terrain=terrain)
        out[name] = (root / name, _plan_folder(case, root / name / "out"))
    return out


# --- reading DEMs -----------------------------------------------------------------------------------


def _needed(lon: float, lat: float) -> list[tuple[str, np.ndarray, np.ndarray]]:
    return [("task 'x'", np.array([lon]), np.array([lat]))]


def test_a_dem_in_any_crs_or_tiles_or_srtm_hgt_gives_the_same_ground(tmp_path: Path):
    lon, lat = dems.lonlat()
    z = dems.ridge(lon, lat)
    geo_tif = dems.write_dem(tmp_path / "geo.tif", z)
    west, east = z[:, :350], z[:, 350:]
    tiles = [dems.write_dem(tmp_path / "w.tif", west), dems.write_dem(tmp_path / "e.tif", east, west=dems.WEST + 350 * dems.RES)]
    vrt = dems.write_vrt(tmp_path / "mosaic.vrt", tiles)
    # the same ridge in UTM zone 43N (a projected CRS), 200 m cells
    from pyproj import Transformer

    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32643", always_xy=True)
    x0, y1 = to_utm.transform(76.05, 43.85)
    x1, y0 = to_utm.transform(77.3, 42.85)
    res = 200.0
    xs = x0 + (np.arange(int((x1 - x0) / res)) + 0.5) * res
    ys = y1 - (np.arange(int((y1 - y0) / res)) + 0.5) * res
    gx, gy = np.meshgrid(xs, ys)
    glon, glat = Transformer.from_crs("EPSG:32643", "EPSG:4326", always_xy=True).transform(gx, gy)
    utm = dems.write_dem(tmp_path / "utm.tif", dems.ridge(glon, glat), west=x0, north=y1, res=res, crs="EPSG:32643")
    # an SRTM tile (.hgt, 3 arc-second, int16), made by GDAL's SRTMHGT driver from a GeoTIFF of the ridge
    import rasterio.shutil

    res3 = 1.0 / 1200.0
    hlon, hlat = dems.lonlat(west=76.0 - res3 / 2, north=44.0 + res3 / 2, res=res3, shape=(1201, 1201))
    src = dems.write_dem(tmp_path / "srtm.tif", np.round(dems.ridge(hlon, hlat)), west=76.0 - res3 / 2,
                         north=44.0 + res3 / 2, res=res3, nodata=-32768.0)
    hgt = tmp_path / "N43E076.hgt"
    rasterio.shutil.copy(src, hgt, driver="SRTMHGT")
    probe_lon = np.array([76.5, 76.6, 76.9, 76.5])
    probe_lat = np.array([43.0, dems.RIDGE_LAT, 43.5, dems.RIDGE_LAT + 0.02])
    want = dems.ridge(probe_lon, probe_lat)
    near = np.max([dems.ridge(probe_lon, probe_lat + d) for d in np.linspace(-0.004, 0.004, 17)], axis=0)  # ~2 cells
    region = (np.array([76.3, 77.0]), np.array([43.0, 43.6]))
    for paths in ([geo_tif], tiles, [vrt], [utm], [hgt]):
        terrain = read_terrain(paths, *region, 10_000.0, _needed(76.5, 43.3))
        got = terrain.height_m(probe_lon, probe_lat)
        # maximum resampling may lift a slope by up to its rise over a cell or two, never lower it
        assert (got <= near + 5.0).all() and (got >= want - 10.0).all(), (paths, got, want)
        assert np.abs(point_heights(paths, probe_lon, probe_lat) - want).max() < 40.0
        assert np.nanmax(terrain.ground.values) >= 6150.0  # the crest survives the warp (maximum resampling)


def test_a_large_dem_is_reduced_keeping_the_highest_ground(tmp_path: Path):
    lon, lat = dems.lonlat()
    path = dems.write_dem(tmp_path / "dem.tif", dems.ridge(lon, lat))
    full = read_terrain([path], np.array([76.3, 77.0]), np.array([43.0, 43.6]), 5000.0, [])
    small = read_terrain([path], np.array([76.3, 77.0]), np.array([43.0, 43.6]), 5000.0, [], max_cells=20_000)
    assert small.cell_m > 3 * full.cell_m and small.ground.values.size <= 20_000 * 1.05
    assert small.ground.values.max() >= full.ground.values.max() - 1.0
    # clearance is never overstated: the reduced ground under any leg is at least the full one's
    a, b = np.array([76.35, 43.05]), np.array([76.95, 43.55])
    assert small.highest_m(*a, *b)[0] >= full.highest_m(*a, *b)[0] - 1.0


def test_holes_in_the_plan_region_are_refused_naming_them_unless_a_height_is_assumed(tmp_path: Path):
    lon, lat = dems.lonlat()
    z = dems.ridge(lon, lat)
    z[(np.abs(lon - dems.BEYOND[0][1]) < 0.03) & (np.abs(lat - dems.BEYOND[0][2]) < 0.03)] = -9999.0
    dems.write_dem(tmp_path / "dem.tif", z)
    dems.targets(tmp_path, dems.BEYOND)
    path = dems.scenario(tmp_path)
    with pytest.raises(InputError, match=r"no heights at task 'T0'.*missing_m"):
        read_scenario(path)
    z2 = dems.ridge(lon, lat)
    z2[(np.abs(lon - 76.6) < 0.02) & (np.abs(lat - 43.3) < 0.02)] = -9999.0  # a hole under no task, in the region
    dems.write_dem(tmp_path / "dem.tif", z2)
    with pytest.raises(InputError, match=r"no heights over .* of the plan region .*e\.g\. at 43\.(29|30)\d*°N 76\.(59|60)"):
        read_scenario(path)
    dems.scenario(tmp_path, extra="missing_m = 900\n")
    scenario = read_scenario(path)
    assert scenario.terrain is not None and not np.isnan(scenario.terrain.ground.values).any()


def test_a_dem_that_does_not_cover_a_task_exits_3_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    lon, lat = dems.lonlat(north=43.5, shape=(400, 700))
    dems.write_dem(tmp_path / "dem.tif", dems.ridge(lon, lat), north=43.5)
    dems.targets(tmp_path, dems.BEYOND)
    code, _, err = _run(capsys, "plan", dems.scenario(tmp_path), "-o", tmp_path / "out")
    assert code == 3
    assert "no heights at task 'T0', task 'T1', task 'T2'" in err


def test_bases_take_their_height_from_the_dem_and_disagreeing_ones_are_warned(tmp_path: Path):
    lon, lat = dems.lonlat()
    dems.write_dem(tmp_path / "dem.tif", dems.ridge(lon, lat))
    dems.targets(tmp_path, dems.BEYOND[:1])
    given = read_scenario(dems.scenario(tmp_path, base_extra=""))
    assert abs(given.bases[0].elev_m - 800.0) < 1.0 and not given.warnings
    off = read_scenario(dems.scenario(tmp_path, base_extra="elev_m = 200"))
    assert off.bases[0].elev_m == 200.0
    assert any("elev_m 200 m is 600 m from the DEM's 800 m" in w for w in off.warnings)
    assert abs(off.tasks[0].ground_elev_m - 800.0) < 1.0  # the target's ground comes from the DEM


def test_task_altitudes_above_the_ground(tmp_path: Path):
    lon, lat = dems.lonlat()
    z = dems.ridge(lon, lat) + 2000.0 * np.exp(-(((lon - 76.5) / 0.05) ** 2 + ((lat - 43.55) / 0.05) ** 2))
    dems.write_dem(tmp_path / "dem.tif", z)
    dems.targets(tmp_path, [("High", 76.5, 43.55), ("Low", 76.2, 43.65)], alt_agl_m=1500)
    scenario = read_scenario(dems.scenario(tmp_path))
    model = build_model(scenario, airframes(scenario), {})
    alts = {t.name: d.alt_m for (i, _), d in model.designs.items() for t in [model.tasks[i]]}
    assert abs(alts["High"] - (2800 + 1500)) < 30 and abs(alts["Low"] - (800 + 1500)) < 30


# --- clearance everywhere ----------------------------------------------------------------------------


def test_every_exported_leg_and_circle_clears_the_ridge_sampled_independently(ridge_plans):
    folder, result = ridge_plans["terrain"]
    dem = dems.NativeDem(folder / "dem.tif")
    assert len(result.served) == 3
    for f in (folder / "out").glob("*.waypoints"):
        low = dems.lowest_clearance(f, dem)
        assert low.clearance_m >= 300.0 - 1e-6, low
    # the same plan without terrain flies through the ridge: the regression this issue fixes
    flat_folder, _ = ridge_plans["flat"]
    flat = min(dems.lowest_clearance(f, dem) for f in (flat_folder / "out").glob("*.waypoints"))
    assert flat.clearance_m < -600.0  # 5,500 m through a 6,200 m crest


def test_transits_climb_over_the_ridge_and_pay_for_it(ridge_plans):
    _, with_terrain = ridge_plans["terrain"]
    _, flat = ridge_plans["flat"]
    legs = [leg for leg in with_terrain.sorties[0].legs if leg.kind in ("climb", "transit")]
    assert max(p.alt_m for leg in legs for p in (leg.start, *leg.via, leg.end)) >= 6200.0 + 300.0 - 1.0
    assert with_terrain.sorties[0].flight_s > flat.sorties[0].flight_s + (6500 - 5500) / 5.0  # climb and descent
    notes = " ".join(with_terrain.notes)
    assert "terrain" not in notes or "raised" in notes


def test_an_orbit_over_high_ground_is_raised_and_a_survey_lifted(tmp_path: Path):
    lon, lat = dems.lonlat()
    hill = 5600.0 * np.exp(-(((lon - 76.5) / 0.02) ** 2 + ((lat - 43.55) / 0.02) ** 2))
    dems.write_dem(tmp_path / "dem.tif", np.maximum(dems.ridge(lon, lat, crest_m=3000.0), hill))
    square = [[76.2, 43.5], [76.35, 43.5], [76.35, 43.56], [76.2, 43.56], [76.2, 43.5]]
    mound = 5400.0 * np.exp(-(((lon - 76.27) / 0.03) ** 2 + ((lat - 43.53) / 0.03) ** 2))
    dems.write_dem(tmp_path / "dem.tif", np.maximum(np.maximum(dems.ridge(lon, lat, crest_m=3000.0), hill), mound))
    features = [
        {"type": "Feature", "properties": {"task": "orbit", "name": "Peak", "sensor": "eo-ir", "dwell_min": 30},
         "geometry": {"type": "Point", "coordinates": [76.5, 43.55]}},
        {"type": "Feature", "properties": {"task": "survey", "name": "Mound"},
         "geometry": {"type": "Polygon", "coordinates": [square]}},
    ]
    (tmp_path / "targets.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    result = _plan_folder(dems.scenario(tmp_path), tmp_path / "out")
    assert set(result.served) == {"Peak", "Mound"}
    dem = dems.NativeDem(tmp_path / "dem.tif")
    orbit = result.sorties[0].orbits[0]
    ring = dems._circle(orbit.centre.lon, orbit.centre.lat, 560.0, 20.0)
    assert orbit.centre.alt_m >= float(dem.height(*ring).max()) + 300.0
    survey = result.sorties[0].patterns[0]
    assert survey.path[0].alt_m > 5500.0  # lifted over the mound its lanes cross (judged below, every 100 m)
    assert any("orbit for 'Peak' is raised to" in n for n in result.notes)
    assert any("survey for 'Mound' is raised to" in n for n in result.notes)
    for f in (tmp_path / "out").glob("*.waypoints"):
        assert dems.lowest_clearance(f, dem).clearance_m >= 300.0 - 1e-6


def test_a_target_hidden_from_the_default_orbit_is_watched_from_one_that_sees_it(tmp_path: Path):
    west, north, res, shape = 76.0, 43.8, 0.0005, (800, 1400)  # 55 m cells
    lon, lat = dems.lonlat(west, north, res, shape)
    z = np.full(lon.shape, 1000.0)
    z[(np.abs(lat - (43.6 - 0.00135)) < 0.0004) & (np.abs(lon - 76.5) < 0.2)] = 4000.0  # a wall 150 m south of it
    r = np.hypot((lon - 76.2) / 0.00186, (lat - 43.7) / 0.00135)  # in units of 150 m round the pit
    z[(r > 1.0) & (r < 4.0)] = 5200.0  # a ring of cliffs round a pit 300 m across
    dems.write_dem(tmp_path / "dem.tif", z, west=west, north=north, res=res)
    dems.targets(tmp_path, [("Valley", 76.5, 43.6), ("Pit", 76.2, 43.7)], alt_m=5600)
    case = dems.scenario(tmp_path, base=(76.35, 43.45), base_extra="elev_m = 1000")
    result = plan(read_scenario(case))
    assert "Valley" in result.served
    orbit = next(o for o in result.sorties[0].orbits if "Valley" in o.tasks)
    assert orbit.centre.lat > 43.6 + 0.001  # moved north, away from the wall
    assert any("'Valley'" in n and "keep the target in sight" in n for n in result.notes)
    # the orbit sees the target from every point of its circle, judged by an independent ray test ...
    dem = dems.NativeDem(tmp_path / "dem.tif")
    az = np.arange(36) * 10.0
    clon, clat, _ = dems.GEOD.fwd(np.full(36, orbit.centre.lon), np.full(36, orbit.centre.lat), az,
                                  np.full(36, orbit.radius_m))
    assert all(_sees(dem, a, b, orbit.centre.alt_m, 76.5, 43.6, skip_m=60.0) for a, b in zip(clon, clat, strict=True))
    # ... which the default orbit, centred over the target, does not
    dlon, dlat, _ = dems.GEOD.fwd(np.full(36, 76.5), np.full(36, 43.6), az, np.full(36, orbit.radius_m))
    assert not all(_sees(dem, a, b, 5600.0, 76.5, 43.6, skip_m=60.0) for a, b in zip(dlon, dlat, strict=True))
    why = {u.task: u.reason for u in result.unserved}
    assert why["Pit"].startswith("terrain: the ground hides 'Pit'")


def _sees(dem: dems.NativeDem, lon: float, lat: float, alt: float, tlon: float, tlat: float, skip_m: float,
          target_m: float = 2.0) -> bool:
    """Independent line of sight: ray sampled every 20 m, 4/3 earth, ignoring the last ``skip_m``."""
    dist = dems.GEOD.inv(lon, lat, tlon, tlat)[2]
    if dist < 1.0:
        return True
    n = max(2, math.ceil(dist / 20.0))
    pts = dems.GEOD.npts(lon, lat, tlon, tlat, n - 1)
    s = np.arange(1, n) * dist / n
    ground = dem.height(np.array([p[0] for p in pts]), np.array([p[1] for p in pts]))
    tz = float(dem.height(np.array([tlon]), np.array([tlat]))[0]) + target_m
    ray = alt + (tz - alt) * s / dist - s * (dist - s) / (2 * 4 / 3 * 6_371_000.0)
    keep = s < dist - skip_m
    return bool((ray[keep] > ground[keep]).all())


# --- radio sight ------------------------------------------------------------------------------------


def test_without_satcom_targets_behind_the_ridge_are_left_out_with_the_reason(ridge_plans):
    _, result = ridge_plans["no-satcom"]
    assert not result.sorties
    assert {u.task for u in result.unserved} == {"T0", "T1", "T2"}
    assert all("radio sight" in u.reason and "terrain-masked" in u.reason for u in result.unserved)


def test_without_satcom_the_aircraft_stays_in_terrain_masked_radio_sight(tmp_path: Path):
    near = [("Near", 76.5, 43.12), ("East", 76.75, 43.1)]
    case = dems.ridge_case(tmp_path, satcom=False, points=near + dems.BEYOND[:1])
    result = _plan_folder(case, tmp_path / "out")
    assert set(result.served) == {"Near", "East"} and {u.task for u in result.unserved} == {"T0"}
    assert all(leg.blos_s == 0.0 for s in result.sorties for leg in s.legs)
    dem = dems.NativeDem(tmp_path / "dem.tif")
    antenna = 800.0 + 10.0
    for leg in result.sorties[0].legs:
        if leg.kind not in ("transit", "orbit"):
            continue
        points = [leg.start, *leg.via, leg.end]
        for p in points:
            if p.alt_m > 1500:
                assert _sees(dem, dems.BASE_LON, dems.BASE_LAT, antenna, p.lon, p.lat, skip_m=0.0,
                             target_m=p.alt_m - float(dem.height(np.array([p.lon]), np.array([p.lat]))[0]))


def test_the_issue_regression_without_terrain_the_no_satcom_sortie_was_mostly_out_of_sight(tmp_path: Path):
    case = dems.ridge_case(tmp_path, satcom=False, terrain=False)
    blind = plan(read_scenario(case))
    assert blind.sorties  # the flat-earth plan flies the targets beyond the ridge ...
    s = blind.sorties[0]
    assert s.blos_s == 0.0  # ... without a word about radio sight
    dem = dems.NativeDem(tmp_path / "dem.tif")
    seen = []
    for lon, lat, alt in _flight_samples(s, 2000.0):
        seen.append(_sees(dem, dems.BASE_LON, dems.BASE_LAT, 810.0, lon, lat, 0.0,
                          target_m=alt - float(dem.height(np.array([lon]), np.array([lat]))[0])))
    out_of_sight = 1.0 - float(np.mean(seen))
    assert out_of_sight > 0.6  # most of the sortie out of terrain-masked radio sight


def _flight_samples(sortie, step_m: float) -> list[tuple[float, float, float]]:
    out = []
    for leg in sortie.legs:
        pts = [leg.start, *leg.via, leg.end]
        for a, b in itertools.pairwise(pts):
            d = dems.GEOD.inv(a.lon, a.lat, b.lon, b.lat)[2]
            n = max(1, int(d // step_m))
            for k in range(n):
                t = k / n
                lon, lat, _ = dems.GEOD.fwd(a.lon, a.lat, dems.GEOD.inv(a.lon, a.lat, b.lon, b.lat)[0], d * t)
                out.append((lon, lat, a.alt_m + (b.alt_m - a.alt_m) * t))
        if leg.orbit is not None:
            out.extend((leg.orbit.centre.lon, leg.orbit.centre.lat, leg.orbit.centre.alt_m)
                       for _ in range(max(1, int(leg.distance_m // step_m))))
    return out


# --- planner check --terrain --------------------------------------------------------------------------


def test_check_terrain_refuses_a_leg_through_the_ridge_and_passes_our_plan(ridge_plans, capsys):
    flat_folder, _ = ridge_plans["flat"]
    folder, _ = ridge_plans["terrain"]
    dem = folder / "dem.tif"
    code, out, _ = _run(capsys, "check", *(flat_folder / "out").glob("*.waypoints"), "--terrain", dem,
                        "--aircraft", "anka")
    text = " ".join(out.split())
    assert code == 4
    assert "terrain leg item 2 → item 4 runs" in text and "below the ground" in text and "(needs 300 m)" in text
    files = sorted(f for f in (folder / "out").iterdir() if f.suffix in (".waypoints", ".plan"))
    code, out, _ = _run(capsys, "check", *files, "--terrain", dem, "--aircraft", "anka", "--json")
    doc = json.loads(out)
    assert code == 0 and len(doc) == len(files) and all(d["ok"] for d in doc)
    assert all(d["clearance"]["lowest_m"] >= 299.9 for d in doc)
    code, _, _ = _run(capsys, "check", *files, "--terrain", dem, "--clearance-m", "2000")
    assert code == 4


def test_check_terrain_needs_the_dem_to_cover_the_mission(ridge_plans, tmp_path: Path, capsys):
    folder, _ = ridge_plans["terrain"]
    lon, lat = dems.lonlat(west=80.0)
    other = dems.write_dem(tmp_path / "elsewhere.tif", dems.ridge(lon, lat), west=80.0)
    code, _, err = _run(capsys, "check", *(folder / "out").glob("*.waypoints"), "--terrain", other)
    assert code == 3 and "no heights at mission" in err


# --- exports and pictures -----------------------------------------------------------------------------


def test_exports_stay_amsl_unless_the_terrain_frame_is_asked_for(ridge_plans, tmp_path: Path):
    folder, result = ridge_plans["terrain"]
    items = mission_items(result.sorties[0], "ardupilot", None, result.terrain)
    assert {it.frame for it in items if it.navigates} <= {0, 3}
    shutil.copytree(folder, tmp_path / "case", ignore=shutil.ignore_patterns("out"))
    case = tmp_path / "case" / "scenario.toml"
    case.write_text(case.read_text() + 'frame = "terrain"\n')
    framed = plan(read_scenario(case))
    items = mission_items(framed.sorties[0], "ardupilot", None, framed.terrain)
    over = [it for it in items if it.navigates and it.frame == 10]
    assert over and all(it.alt < 6000 for it in over)
    names = {p.name for p in ardupilot_parameters([(framed.sorties[0].aircraft, items)]).parameters}
    assert "TERRAIN_ENABLE" in names  # the vehicle needs its terrain database for frame 10
    assert "TERRAIN_ENABLE" not in {p.name for p in ardupilot_parameters([(framed.sorties[0].aircraft,
                                                                           mission_items(framed.sorties[0], "ardupilot",
                                                                                         None))]).parameters}
    plain = mission_items(framed.sorties[0], "ardupilot", None)
    assert len(plain) == len(items)
    for it, amsl in zip(items, plain, strict=True):
        if it.frame == 10:
            assert amsl.frame == 0 and abs(it.alt + float(framed.terrain.height_m(it.lon, it.lat)[0]) - amsl.alt) < 0.01
    with pytest.raises(InputError, match="ArduPilot's terrain frame"):
        mission_items(framed.sorties[0], "px4", None, framed.terrain)


def test_pictures_shade_the_terrain_and_draw_a_profile_per_sortie(ridge_plans):
    folder, result = ridge_plans["terrain"]
    names = set(planned_files(result))
    assert {f"profile-{s.name}.png" for s in result.sorties} <= names
    assert 'id="hillshade' in (folder / "out" / "map.svg").read_text()
    from matplotlib import image

    png = image.imread(folder / "out" / f"profile-{result.sorties[0].name}.png")
    assert png.shape[0] > 400 and png.shape[1] > 1100
    doc = json.loads((folder / "out" / "plan.json").read_text())
    assert doc["terrain"]["clearance_m"] == 300 and doc["sorties"][0]["files"]["profile"].startswith("profile-")
    _, flat = ridge_plans["flat"]
    assert not any(n.startswith("profile-") for n in planned_files(flat, pictures=True))


# --- the documented example ---------------------------------------------------------------------------

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "terrain"


def test_the_terrain_example_plans_clear_of_its_synthetic_dem(tmp_path: Path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_dem", EXAMPLE / "make_dem.py")
    assert spec is not None and spec.loader is not None
    make_dem = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_dem)
    lon = make_dem.WEST + (np.arange(make_dem.COLS) + 0.5) * make_dem.RES
    lat = make_dem.NORTH - (np.arange(make_dem.ROWS) + 0.5) * make_dem.RES
    dem = dems.NativeDem(EXAMPLE / "dem.tif")
    assert np.array_equal(dem.z, np.round(make_dem.heights(*np.meshgrid(lon, lat))))  # the file is what the script makes
    result = _plan_folder(EXAMPLE / "scenario.toml", tmp_path / "out")
    assert not result.unserved
    assert any("orbit for 'Bridge' is centred" in n and "keep the target in sight" in n for n in result.notes)
    for f in (tmp_path / "out").glob("*.waypoints"):
        assert dems.lowest_clearance(f, dem).clearance_m >= 300.0 - 1e-6


# --- planner check --coverage --terrain ----------------------------------------------------------------


def test_check_coverage_with_terrain_counts_only_what_the_ground_leaves_in_sight(tmp_path: Path, capsys):
    west, north, res, shape = 76.0, 43.8, 0.0005, (1000, 1400)  # 55 m cells
    lon, lat = dems.lonlat(west, north, res, shape)
    z = np.full(lon.shape, 800.0)
    r = np.hypot((lon - 76.35) / 0.00186, (lat - 43.65) / 0.00135)  # in units of 150 m round the target
    z[(r > 1.0) & (r < 4.0)] = 2800.0  # a ring of cliffs 2,000 m high round a pit 300 m across
    dem = dems.write_dem(tmp_path / "dem.tif", z, west=west, north=north, res=res)
    areas = tmp_path / dems.targets(tmp_path, [("Pit", 76.35, 43.65)], alt_m=3500)
    flat = _plan_folder(dems.scenario(tmp_path, dem=None, base=(76.35, 43.45), base_extra="elev_m = 800"),
                        tmp_path / "flat")
    assert "Pit" in flat.served
    flat_files = sorted((tmp_path / "flat").glob("*.waypoints"))

    def measured(files: list[Path], *terrain: object) -> tuple[int, dict]:
        code, out, _ = _run(capsys, "check", *files, "--coverage", "--areas", areas, "--aircraft", "anka", "--json",
                            *terrain)
        doc = json.loads(out)
        return code, next(m for m in doc["coverage"] if m["task"] == "Pit")

    code, pit = measured(flat_files)
    assert code == 0 and pit["coverage"] == 1.0  # on flat ground the orbit at 3,500 m watches it all along
    code, pit = measured(flat_files, "--terrain", dem)
    # the cliffs hide it from every point of that circle: only the seconds flown across the pit's mouth on the
    # way in (within ~200 m of overhead, where a ray steeper than the cliffs reaches it) see it
    assert code == 4 and pit["coverage"] < 0.01 and pit["watched_s"] < 15.0
    # planned with the DEM: the orbit is raised until the target is in sight from its whole circle
    result = _plan_folder(dems.scenario(tmp_path, base=(76.35, 43.45), base_extra="elev_m = 800"), tmp_path / "dem")
    assert "Pit" in result.served
    orbit = next(o for o in result.sorties[0].orbits if "Pit" in o.tasks)
    assert orbit.centre.alt_m > 3500.0
    code, pit = measured(sorted((tmp_path / "dem").glob("*.waypoints")), "--terrain", dem)
    assert pit["coverage"] >= 0.95 and code == 0


def test_check_coverage_of_a_survey_over_flat_terrain_matches_the_flat_measure(tmp_path: Path, capsys):
    west, north, res, shape = 76.0, 43.8, 0.002, (300, 400)
    dem = dems.write_dem(tmp_path / "dem.tif", np.full(shape, 800.0), west=west, north=north, res=res)
    square = [[76.3, 43.55], [76.36, 43.55], [76.36, 43.59], [76.3, 43.59], [76.3, 43.55]]
    feature = {"type": "Feature", "properties": {"task": "survey", "name": "Field", "ground_elev_m": 800},
               "geometry": {"type": "Polygon", "coordinates": [square]}}
    (tmp_path / "targets.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    _plan_folder(dems.scenario(tmp_path, dem=None, base=(76.35, 43.45), base_extra="elev_m = 800"), tmp_path / "out")
    files = sorted((tmp_path / "out").glob("*.waypoints"))
    shares = []
    for terrain in ((), ("--terrain", dem)):
        code, out, _ = _run(capsys, "check", *files, "--coverage", "--areas", tmp_path / "targets.geojson",
                            "--aircraft", "anka", "--json", *terrain)
        assert code == 0
        shares.append(json.loads(out)["coverage"][0]["coverage"])
    # the sampled measure over a DEM with nothing to hide agrees with the strips' union on flat ground
    assert shares[0] >= 0.95 and abs(shares[0] - shares[1]) < 0.02
