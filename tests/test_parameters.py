"""What ArduPilot needs beside the mission: the parameter set, ``ardupilot.param``, the equivalent-airspeed
speeds, the hold radius, the landing approach — and ``planner check`` warning when a mission needs a
parameter the vehicle may not have. (What the autopilot does with them is in tests/test_sitl_*.py.)"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.api import plan_scenario
from planner.core.errors import InputError
from planner.core.geo import inverse
from planner.core.physics import G_MPS2, eas_to_tas
from planner.io.mission_file import read_mission
from planner.io.param_file import PARAM_FILE, format_param_file, parse_param_file, read_param_file
from planner.missions.check import check_mission
from planner.missions.parameters import Parameter, ParameterSet, loiter_radius_flown_m
from planner.model.scenario import Base, Wind
from tests.conftest import target, write_scenario

TACTICAL = '[[fleet]]\naircraft = "tactical"\ncount = 1\nbase = "Alpha"\npayload = ["eo-ir"]\n'
BASE = '[[base]]\nname = "Alpha"\nlon = 73.0\nlat = 49.0\nelev_m = 500\n'


@pytest.fixture(scope="module")
def held(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tactical plan with an orbit and a hold (the second target's window opens late), wind from 110°."""
    root = tmp_path_factory.mktemp("held")
    feats = [target("W1", 73.05, 49.05, dwell_min=2, alt_m=3000, sensor="eo-ir",
                    window_start="2026-12-01T04:05:00Z", window_end="2026-12-01T04:20:00Z"),
             target("W2", 73.1, 49.0, dwell_min=2, alt_m=3000, sensor="eo-ir", window_start="2026-12-01T04:40:00Z")]
    path = write_scenario(root / "in", feats, fleet=TACTICAL, bases=BASE, extra="[wind]\nfrom_deg = 110\nspeed_mps = 6\n")
    _, _, out = plan_scenario(path, root / "out", max_iterations=200)
    return out


def _rows(plan_dir: Path) -> list[list[str]]:
    path = next(plan_dir.glob("*.waypoints"))
    return [line.split("\t") for line in path.read_text().splitlines()[1:]]


def test_the_standard_atmosphere_ratio_has_its_textbook_values() -> None:
    assert eas_to_tas(0.0) == pytest.approx(1.0)
    assert eas_to_tas(3000.0) ** -2 == pytest.approx(0.7422, abs=2e-4)  # ICAO density ratio at 3 km
    assert eas_to_tas(11000.0) ** -2 == pytest.approx(0.2971, abs=2e-4)


@given(st.floats(-400, 19000), st.floats(1, 1000))
def test_the_ratio_grows_with_altitude(alt: float, up: float) -> None:
    assert eas_to_tas(alt + up) > eas_to_tas(alt) >= eas_to_tas(-500.0)


@given(tas=st.floats(15, 90), bank=st.floats(15, 60), alt=st.floats(0, 9000), extra=st.floats(0, 2000))
def test_a_bank_limit_and_equivalent_airspeed_make_arduplane_fly_the_designed_radius(tas, bank, alt, extra) -> None:
    turn = tas**2 / (G_MPS2 * math.tan(math.radians(bank)))  # the tightest circle the design allows
    radius = turn + extra
    eas = tas / eas_to_tas(alt)
    assert loiter_radius_flown_m(radius, eas_mps=eas, alt_m=alt, lim_bank_deg=bank) == pytest.approx(radius)
    widened = radius * eas_to_tas(alt) ** 2
    assert loiter_radius_flown_m(radius, eas_mps=eas, alt_m=alt, lim_bank_deg=0.0) == pytest.approx(widened)
    # the true airspeed commanded as if it were equivalent: the circle it needs is k² wider than designed
    too_fast = loiter_radius_flown_m(turn, eas_mps=tas, alt_m=alt, lim_bank_deg=bank)
    assert too_fast == pytest.approx(turn * eas_to_tas(alt) ** 2)


def test_speeds_are_written_as_equivalent_airspeed_at_the_altitude_they_take_effect(held: Path) -> None:
    rows = _rows(held)
    alt = 500.0
    speeds = []
    for r in rows:
        if r[3] in ("16", "18", "19", "22", "31"):
            alt = float(r[10]) + (500.0 if r[2] == "3" else 0.0)
        if r[3] == "178":
            speeds.append(round(float(r[5]) * float(eas_to_tas(alt)), 1))
    assert set(speeds) == {38.0, 30.0}  # the tactical profile's cruise and loiter true airspeeds


def test_holds_carry_their_radius_and_the_parameter_file_sets_it(held: Path) -> None:
    holds = [r for r in _rows(held) if r[3] == "19"]
    assert holds, "the late window of W2 should make the aircraft hold"
    radius = float(holds[0][6])
    tactical_turn = (30.0 + 6.0) ** 2 / (G_MPS2 * math.tan(math.radians(35.0)))
    assert radius == math.ceil(tactical_turn / 10.0) * 10.0  # the wind-widened turn radius, 10 m steps
    params = read_param_file(held / PARAM_FILE)
    assert params == {"RTL_AUTOLAND": 2.0, "NAVL1_LIM_BANK": 35.0, "WP_LOITER_RAD": radius}


def test_a_base_without_a_runway_is_approached_into_the_wind(held: Path) -> None:
    rows = _rows(held)
    land = next(i for i, r in enumerate(rows) if r[3] == "21")
    approach = rows[land - 1]
    assert approach[3] == "16"
    az, _, dist = inverse(73.0, 49.0, float(approach[9]), float(approach[8]))
    assert float(dist) == pytest.approx(4000.0, abs=1.0)
    assert (float(az) - (110.0 + 180.0) + 180.0) % 360.0 - 180.0 == pytest.approx(0.0, abs=0.5)  # downwind
    assert Base("b", 0, 0).landing_heading_deg(Wind()) == 0.0
    assert Base("b", 0, 0, runway_deg=230).landing_heading_deg(Wind(110, 6)) == 230


def test_the_parameter_file_is_mission_planner_text_with_reasons(held: Path) -> None:
    text = (held / PARAM_FILE).read_text()
    assert text.isascii() and text.endswith("\n")
    values = [line for line in text.splitlines() if not line.startswith("#")]
    assert values == ["RTL_AUTOLAND,2", "NAVL1_LIM_BANK,35", f"WP_LOITER_RAD,{read_param_file(held / PARAM_FILE)['WP_LOITER_RAD']:g}"]
    for name in ("RTL_AUTOLAND", "NAVL1_LIM_BANK", "WP_LOITER_RAD"):
        assert f"# {name}: " in text
    assert "AIRSPEED_MIN..AIRSPEED_MAX" in text and "CAM1_TYPE" not in text  # no camera item: no camera note


def test_a_px4_plan_has_no_ardupilot_parameter_file_and_drops_a_stale_one(held: Path, tmp_path: Path) -> None:
    feats = [target("T", 73.05, 49.05, dwell_min=2, alt_m=2000)]
    path = write_scenario(tmp_path / "in", feats, fleet=TACTICAL, bases=BASE)
    plan_scenario(path, tmp_path / "out", max_iterations=100)
    assert (tmp_path / "out" / PARAM_FILE).exists()
    plan_scenario(path, tmp_path / "out", max_iterations=100, autopilot="px4", overwrite=True)
    assert not (tmp_path / "out" / PARAM_FILE).exists()


def test_parameter_files_of_other_tools_are_read_and_bad_lines_named() -> None:
    assert parse_param_file("# comment\nRTL_AUTOLAND,2\nNAVL1_LIM_BANK 35\n", "mp") == {
        "RTL_AUTOLAND": 2.0, "NAVL1_LIM_BANK": 35.0}
    assert parse_param_file("1\t1\tWP_LOITER_RAD\t140\t9\n", "qgc") == {"WP_LOITER_RAD": 140.0}
    with pytest.raises(InputError, match="line 2"):
        parse_param_file("RTL_AUTOLAND,2\nrtl autoland two\n", "bad")
    with pytest.raises(InputError, match="no parameters"):
        parse_param_file("# nothing\n", "empty")
    text = format_param_file(ParameterSet((Parameter("RTL_AUTOLAND", 2.0, "needs it — 50°"),), ("note ²",)),
                             plan_name="p")
    assert text.isascii() and parse_param_file(text, "ours") == {"RTL_AUTOLAND": 2.0}


def test_check_warns_about_parameters_a_mission_needs_and_not_when_given_them(held: Path) -> None:
    mission = read_mission(next(held.glob("*.waypoints")))
    bare = check_mission(mission)
    assert any(w.code == "parameter" and "RTL_AUTOLAND" in w.message for w in bare.warnings)
    widened = [w for w in bare.warnings if w.code == "parameter" and "wide" in w.message]
    assert widened and "NAVL1_LIM_BANK is not set" in widened[0].message
    assert any(w.code == "loiter_radius" and "WP_LOITER_RAD" in w.message for w in bare.warnings)
    given_ = check_mission(mission, parameters=read_param_file(held / PARAM_FILE))
    assert given_.ok
    assert [w for w in given_.warnings if w.code in ("parameter", "loiter_radius")] == []
    refused = check_mission(mission, parameters={"RTL_AUTOLAND": 0.0, "NAVL1_LIM_BANK": 35.0})
    assert [f.code for f in refused.faults] == ["parameter"]
    slow = check_mission(mission, parameters={**read_param_file(held / PARAM_FILE), "AIRSPEED_MAX": 30.0})
    ignored = [w.message for w in slow.warnings if w.code == "parameter"]
    assert ignored and all("32.74 m/s is outside" in m for m in ignored)  # the 38 m/s cruise, not the 30 m/s loiter
