"""Sensor geometry from catalogue figures: swaths, near and far range, sides and squint, orbits' reach."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.cli import main
from planner.core.errors import InputError
from planner.io.profiles import load_sensors
from planner.model.sensors import NEAR_MARGIN, Sensor

CATALOGUE = load_sensors()
EO, SAR, GMTI, SIGINT = (CATALOGUE[n] for n in ("eo-ir", "sar", "gmti", "sigint"))


def _sensor(**fields: object) -> Sensor:
    base = {"name": "s", "capability": "eo-ir", "description": "", "mass_kg": 1.0, "power_w": 0.0, "look": "down",
            "slant_range_m": 0.0, "swath_m": 0.0, "fov_deg": 0.0, "min_alt_m": 0.0, "max_alt_m": 30000.0,
            "camera": False}
    return Sensor(**{**base, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize("height", [500.0, 2500.0, 5000.0, 8000.0])
def test_a_cameras_swath_is_two_h_tan_half_fov(height):
    want = 2 * height * math.tan(math.radians(EO.fov_deg / 2))
    assert EO.swath_at_m(height) == pytest.approx(want)
    assert np.allclose(EO.strips_m(height), [(-want / 2, want / 2)])


def test_a_swath_is_capped_by_slant_range_and_the_fixed_swath():
    wide = _sensor(fov_deg=120.0, slant_range_m=6000.0)
    assert wide.swath_at_m(5000.0) == pytest.approx(2 * math.sqrt(6000.0**2 - 5000.0**2))
    assert _sensor(fov_deg=120.0, swath_m=3000.0).swath_at_m(5000.0) == pytest.approx(3000.0)
    assert _sensor(swath_m=800.0).swath_at_m(5000.0) == 800.0  # no field of view: the fixed swath
    assert _sensor(look="omni").strips_m(5000.0) == ()


def test_side_looking_strips_lie_beside_the_track_from_near_to_far():
    h = 5000.0
    near = h / math.tan(math.radians(SAR.max_depression_deg))
    far = min(h / math.tan(math.radians(SAR.min_depression_deg)), math.sqrt(SAR.slant_range_m**2 - h**2),
              near + SAR.swath_m)
    assert np.allclose(SAR.strips_m(h), [(near, far)])  # right-looking: positive offsets only
    left = _sensor(look="side", sides="left", min_depression_deg=20.0, max_depression_deg=60.0)
    (lo, hi), = left.strips_m(h)
    assert (lo, hi) == pytest.approx((-h / math.tan(math.radians(20.0)), -h / math.tan(math.radians(60.0))))
    both = GMTI.strips_m(h)
    assert len(both) == 2 and np.allclose(both[0], (-both[1][1], -both[1][0]))
    assert np.allclose(SIGINT.strips_m(h), [(-SIGINT.swath_m, SIGINT.swath_m)])  # no near range: one band


def test_watching_a_point_needs_range_depression_side_and_squint():
    h = 5000.0
    near, far = SAR.watch_range_m(h)
    assert SAR.watches(0.0, (near + far) / 2, h)  # broadside, right
    assert not SAR.watches(0.0, -(near + far) / 2, h)  # left: the wrong side
    assert not SAR.watches(0.0, near * 0.9, h) and not SAR.watches(0.0, far * 1.01, h)
    g = (near + far) / 2
    squint = math.radians(SAR.squint_deg)
    assert SAR.watches(0.99 * g * math.sin(squint), g * math.cos(squint), h)
    assert not SAR.watches(1.02 * g * math.sin(squint), g * math.cos(squint), h)
    assert EO.watches(3000.0, -9000.0, h)  # a turret looks any way within its slant range
    assert not EO.watches(0.0, math.sqrt(EO.slant_range_m**2 - h**2) + 10.0, h)
    fixed = _sensor(fov_deg=20.0, targets="all")
    half = fixed.swath_at_m(h) / 2
    assert fixed.watches(0.9 * half, -0.9 * half, h) and not fixed.watches(1.1 * half, 0.0, h)


@settings(max_examples=30, deadline=None)
@given(height=st.floats(1000.0, 9000.0), radius=st.floats(200.0, 2000.0))
def test_a_turrets_orbit_reach_is_the_slant_range_formula(height, radius):
    turret = _sensor(slant_range_m=15000.0)
    want = math.sqrt(15000.0**2 - height**2) - radius
    assert turret.orbit_reach_m(height, radius, True) == pytest.approx(want, abs=2.0)
    # a target just inside the reach is watched from every point of the circle, one beyond it is not
    angle = np.linspace(0, 2 * math.pi, 7)
    assert turret.circle_watches((want - 5) * np.cos(angle), (want - 5) * np.sin(angle), height, radius, True).all()
    assert not turret.circle_watches(want + 20, 0.0, height, radius, True).any()


def test_a_side_looking_orbit_is_as_wide_as_the_near_range_and_flown_with_the_target_on_its_side():
    h = 5000.0
    near, _ = SAR.watch_range_m(h)
    r = SAR.orbit_radius_m(h, 500.0)
    assert r == pytest.approx(near * (1 + NEAR_MARGIN))
    assert SAR.circle_watches(0.0, 0.0, h, r, clockwise=True)[0]
    assert not SAR.circle_watches(0.0, 0.0, h, r, clockwise=False)[0]  # the target would be on its left
    assert not SAR.circle_watches(0.0, 0.0, h, 500.0, clockwise=True)[0]  # too steep: under the aircraft
    left = _sensor(look="side", sides="left", slant_range_m=30000.0, max_depression_deg=70.0)
    assert not left.orbit_clockwise and left.circle_watches(0.0, 0.0, h, left.orbit_radius_m(h, 500.0), False)[0]


@pytest.mark.parametrize(("fields", "message"), [
    ({"fov_deg": 180.0}, "'fov_deg' must be in [0, 179]"),
    ({"min_depression_deg": 50.0, "max_depression_deg": 40.0}, "'min_depression_deg' 50 must be below"),
    ({"look": "side", "sides": "up", "slant_range_m": 1.0}, "sides 'up' is not one of"),
    ({"targets": "many"}, "targets 'many' is not one of"),
    ({"squint_deg": 95.0}, "'squint_deg' must be in [0, 90]"),
    ({"look": "side"}, "needs 'slant_range_m', 'min_depression_deg' or 'swath_m'"),
])
def test_bad_sensor_figures_are_refused_naming_the_field(fields, message):
    with pytest.raises(InputError) as info:
        _sensor(**fields)
    assert message in str(info.value)


def test_a_custom_catalogue_with_a_bad_value_exits_3_naming_the_field(tmp_path, capsys):
    (tmp_path / "cams.toml").write_text('[[sensor]]\nname = "cam"\ncapability = "eo-ir"\nmass_kg = 20\n'
                                        'fov_deg = 20\nmax_depression_deg = 120\n')
    (tmp_path / "t.geojson").write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", '
                                        '"properties": {"task": "orbit", "name": "a", "sensor": "eo-ir"}, '
                                        '"geometry": {"type": "Point", "coordinates": [73.5, 49.5]}}]}')
    (tmp_path / "s.toml").write_text('name = "x"\nstart = "2026-12-01T04:00:00Z"\nareas = ["t.geojson"]\n'
                                     'sensors = "cams.toml"\n[[base]]\nname = "A"\nlon = 73.0\nlat = 49.0\n'
                                     '[[fleet]]\naircraft = "anka"\nbase = "A"\npayload = ["cam"]\n')
    assert main(["plan", str(tmp_path / "s.toml"), "-o", str(tmp_path / "out")]) == 3
    err = capsys.readouterr().err
    assert "cams.toml" in err and "'max_depression_deg' must be <= 90" in err


def test_sensors_list_shows_the_geometry_fields(capsys):
    assert main(["sensors", "list", "--json"]) == 0
    import json

    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["sar"]["sides"] == "right" and rows["gmti"]["targets"] == "all"
    assert {"min_depression_deg", "max_depression_deg", "squint_deg", "fov_deg"} <= set(rows["eo-ir"])
    assert main(["sensors", "list"]) == 0
    table = capsys.readouterr().out
    catalogue, geometry = table.split("Sensor geometry")
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[1:-1]]
            for line in catalogue.splitlines() if line.startswith("│")}
    assert "one at a time" in catalogue and rows["sar"][4] == "side right"
    assert rows["gmti"][5] == "all" and rows["eo-ir"][5] == "one"
    shown = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[1:-1]]
             for line in geometry.splitlines() if line.startswith("│")}
    assert shown["sar"][1:6] == ["40", "6–70°", "10°", "6", "45°"]
    assert shown["sar"][6] == "+1.82…+7.82"  # at 5 km AGL: from the 70° near edge, 6 km of swath to the right
