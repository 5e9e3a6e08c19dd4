"""``planner check``: hand-built missions with answers computed here independently (pyproj.Geod, math),
one seeded fault at a time, the .plan reader against the .waypoints reader, the CLI's exit codes, and
our own exports of the demo held to the same rules."""

from __future__ import annotations

import json
import math

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from pymavlink import mavwp
from pyproj import Geod
from typer.testing import CliRunner

from planner.core.errors import InputError
from planner.io.mission_file import parse_mission, read_mission, read_nofly
from planner.missions.check import check_mission
from planner.missions.file_model import Mission, Zone
from planner.model.aircraft import Aircraft
from planner.model.scenario import Reserve, Wind

GEOD = Geod(ellps="WGS84")

CRAFT = Aircraft(
    name="test", description="round numbers", endurance_h=10.0, max_payload_kg=100.0, reference_payload_kg=100.0,
    cruise_speed_mps=50.0, loiter_speed_mps=40.0, max_bank_deg=30.0, empty_mass_kg=500.0, mtow_kg=800.0,
    max_fuel_kg=200.0, ceiling_m=6000.0, default_alt_m=3000.0, climb_rate_mps=5.0, descent_rate_mps=4.0,
    turnaround_min=60.0,
)
ALT = 1000.0  # cruise altitude of the hand-built missions, relative to home at 0 m AMSL
LON_100KM = float(GEOD.fwd(0.0, 0.0, 90.0, 100_000.0)[0])  # 100 km east of (0, 0) on the equator

# (command, frame, p1, p2, p3, p4, lat, lon, alt)
Row = tuple[int, int, float, float, float, float, float, float, float]
# The text builders write every position EAST degrees further east: ArduPilot flies (0, 0) as "here",
# and a shift in longitude changes no geodesic, so the answers below are computed around (0, 0).
EAST = 10.0
POSITIONAL = {16, 17, 18, 19, 21, 22, 31}


def shifted(geom):
    """A lon/lat shapely geometry moved EAST degrees east, like the missions."""
    import numpy as np
    import shapely

    return shapely.transform(geom, lambda c: c + np.array([EAST, 0.0]))


def _east(cmd: int, lon: float) -> float:
    return lon + EAST if cmd in POSITIONAL else lon


def takeoff(alt: float = ALT) -> Row:
    return (22, 3, 10, 0, 0, 0, 0.0, 0.0, alt)


def wp(lat: float, lon: float, alt: float = ALT) -> Row:
    return (16, 3, 0, 0, 0, 0, lat, lon, alt)


def land(lat: float = 0.0, lon: float = 0.0) -> Row:
    return (21, 3, 0, 0, 0, 0, lat, lon, 0.0)


def do(command: int, p1: float = 0, p2: float = 0, p3: float = 0, p4: float = 0) -> Row:
    return (command, 2, p1, p2, p3, p4, 0.0, 0.0, 0.0)


def wpl_text(rows: list[Row], home: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> str:
    """QGC WPL 110 text, written here field by field (not by the product's writer)."""
    lines = ["QGC WPL 110", f"0\t1\t0\t16\t0\t0\t0\t0\t{home[0]:.8f}\t{home[1] + EAST:.8f}\t{home[2]:g}\t1"]
    for i, (cmd, frame, p1, p2, p3, p4, lat, lon, alt) in enumerate(rows, start=1):
        lines.append("\t".join([str(i), "0", str(frame), str(cmd), *(f"{p:g}" for p in (p1, p2, p3, p4)),
                                f"{lat:.8f}", f"{_east(cmd, lon):.8f}", f"{alt:g}", "1"]))
    return "\n".join(lines) + "\n"


def plan_text(rows: list[Row], home: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> str:
    """The same mission as a QGroundControl .plan; DO_JUMP p1 becomes the target's doJumpId (= index here)."""
    items = [{"autoContinue": True, "command": cmd, "doJumpId": i, "frame": frame,
              "params": [None if isinstance(p, float) and math.isnan(p) else p for p in (p1, p2, p3, p4)]
              + [lat, _east(cmd, lon), alt], "type": "SimpleItem"}
             for i, (cmd, frame, p1, p2, p3, p4, lat, lon, alt) in enumerate(rows, start=1)]
    doc = {"fileType": "Plan", "version": 1, "groundStation": "test",
           "mission": {"version": 2, "firmwareType": 3, "vehicleType": 1, "cruiseSpeed": 50, "hoverSpeed": 0,
                       "plannedHomePosition": [home[0], home[1] + EAST, home[2]], "items": items},
           "geoFence": {"version": 2, "circles": [], "polygons": []},
           "rallyPoints": {"version": 2, "points": []}}
    return json.dumps(doc)


def parse(text: str, name: str = "t.waypoints") -> Mission:
    return parse_mission(text.encode(), name)


def check(rows: list[Row], **kwargs) -> object:
    kwargs.setdefault("aircraft", CRAFT)
    return check_mission(parse(wpl_text(rows)), **kwargs)


def codes(report) -> list[str]:
    return [f.code for f in report.faults]


OUT_AND_BACK = [takeoff(), wp(0.0, 0.0), wp(0.0, LON_100KM), land()]


def climb_descent_s(alt: float = ALT) -> float:
    return alt / CRAFT.climb_rate_mps + alt / CRAFT.descent_rate_mps


# --- known answers -----------------------------------------------------------------------------------


def test_out_and_back_on_the_equator_matches_a_geodesic_computed_here():
    d = GEOD.inv(0.0, 0.0, LON_100KM, 0.0)[2]
    report = check(OUT_AND_BACK)
    assert report.ok, report.faults
    assert report.distance_m == pytest.approx(2 * d, rel=0.01)
    expected = 2 * d / CRAFT.cruise_speed_mps + climb_descent_s()  # 4000 s + 200 s + 250 s
    assert report.flight_s == pytest.approx(expected, rel=0.01)
    assert report.endurance_s == pytest.approx(10 * 3600.0)
    assert report.reserve_s == pytest.approx(3600.0)  # 10 % of 10 h beats 45 min
    assert report.margin_s == pytest.approx(36000.0 - 3600.0 - expected, rel=0.01)
    assert report.sharpest_turn_deg == pytest.approx(180.0, abs=0.1)


@pytest.mark.parametrize(("from_deg", "east_vg", "west_vg"), [
    (270.0, 60.0, 40.0),  # wind from the west: tail wind going east, head wind coming back
    (90.0, 40.0, 60.0),
    (0.0, math.sqrt(50.0**2 - 10.0**2), math.sqrt(50.0**2 - 10.0**2)),  # pure cross wind: crab angle
])
def test_wind_gives_tail_and_head_wind_ground_speeds(from_deg, east_vg, west_vg):
    d = GEOD.inv(0.0, 0.0, LON_100KM, 0.0)[2]
    report = check(OUT_AND_BACK, wind=Wind(from_deg, 10.0))
    assert report.ok, report.faults
    assert report.flight_s == pytest.approx(d / east_vg + d / west_vg + climb_descent_s(), rel=0.01)


def _lap_s(radius: float, v: float, from_deg: float, w: float, n: int = 3600) -> float:
    """One lap of a ground-fixed circle, integrated here: the ground speed on each tangent track."""
    total = 0.0
    for k in range(n):
        rel = math.radians(from_deg + 180.0 - (k + 0.5) * 360.0 / n)
        vg = v * math.cos(math.asin(w * math.sin(rel) / v)) + w * math.cos(rel)
        total += 2 * math.pi * radius / n / vg
    return total


@pytest.mark.parametrize("wind", [Wind(), Wind(45.0, 8.0)])
def test_loiter_turns_last_their_laps_at_loiter_speed(wind):
    north = float(GEOD.fwd(0.0, 0.0, 0.0, 10_000.0)[1])
    rows = [takeoff(), (18, 3, 3, 0, 500, 1, north, 0.0, ALT), land()]
    report = check(rows, wind=wind)
    assert report.ok, report.faults
    d = GEOD.inv(0.0, 0.0, 0.0, north)[2]
    to_fro = 2 * d / CRAFT.cruise_speed_mps
    if wind.speed_mps:
        # 45° wind on a north-south leg: crab both ways, same ground speed there and back for a cross component
        rel_out = math.radians(wind.from_deg + 180.0 - 0.0)
        rel_back = math.radians(wind.from_deg + 180.0 - 180.0)
        vg = [50 * math.cos(math.asin(8 * math.sin(r) / 50)) + 8 * math.cos(r) for r in (rel_out, rel_back)]
        to_fro = d / vg[0] + d / vg[1]
    laps = 3 * _lap_s(500.0, CRAFT.loiter_speed_mps, wind.from_deg, wind.speed_mps)
    assert report.flight_s == pytest.approx(to_fro + laps + climb_descent_s(), rel=0.01)
    assert report.distance_m == pytest.approx(2 * d + 3 * 2 * math.pi * 500.0, rel=0.01)


def _isa_tas_per_eas(alt_m: float) -> float:
    """√(ρ₀/ρ) in the ICAO troposphere, written out here: σ = (1 − 0.0065·h / 288.15)^4.2559."""
    return (1.0 - 0.0065 * alt_m / 288.15) ** (-4.2559 / 2.0)


@pytest.mark.parametrize("autopilot", ["ardupilot", "px4"])
def test_loiter_time_and_loiter_to_alt_and_speed_change(autopilot):
    north = float(GEOD.fwd(0.0, 0.0, 0.0, 30_000.0)[1])
    rows = [takeoff(), do(178, 0, 40.0, -1), (19, 3, 600, 0, 300, 1, north, 0.0, ALT),
            (31, 3, 0, 400, 0, 1, north, 0.0, 3000.0), (16, 3, 0, 0, 0, 0, 0.0, 0.0, 3000.0), land()]
    report = check(rows, autopilot=autopilot)
    assert report.ok, report.faults
    d = GEOD.inv(0.0, 0.0, 0.0, north)[2]
    # ArduPilot flies the 40 m/s as equivalent airspeed: true airspeed at the 1,000 m where it takes effect
    tas = 40.0 * (_isa_tas_per_eas(ALT) if autopilot == "ardupilot" else 1.0)
    expected = ALT / 5.0 + d / tas + 600.0 + 2000.0 / 5.0 + d / tas + 3000.0 / 4.0
    assert report.flight_s == pytest.approx(expected, rel=0.002)
    if autopilot == "ardupilot":
        assert any(w.code == "loiter_radius" for w in report.warnings)  # ArduPilot flies WP_LOITER_RAD for item 19


def test_do_jump_loop_is_unrolled_with_ardupilot_counting():
    a = float(GEOD.fwd(0.0, 0.0, 90.0, 10_000.0)[0])
    b = float(GEOD.fwd(0.0, 0.0, 90.0, 20_000.0)[0])
    rows = [takeoff(), wp(0.0, a), wp(0.0, b), do(177, 2, 3), land()]  # jump back to item 2 three more times
    report = check(rows)
    assert report.ok, report.faults
    leg = GEOD.inv(0.0, 0.0, a, 0.0)[2]
    assert report.distance_m == pytest.approx(10 * leg, rel=0.01)  # 1 + 1 + 3 × 2 + 2 legs of 10 km
    assert report.flight_s == pytest.approx(10 * leg / 50.0 + climb_descent_s(), rel=0.01)
    assert report.jumps == 1


def test_plan_and_waypoints_of_the_same_mission_agree():
    a = float(GEOD.fwd(0.0, 0.0, 90.0, 10_000.0)[0])
    north = float(GEOD.fwd(0.0, 0.0, 0.0, 10_000.0)[1])
    rows = [takeoff(), wp(0.0, a), (18, 3, 2, 0, 600, 1, north, a, ALT), wp(0.0, a), do(177, 3, 2), land()]
    wind = Wind(200.0, 6.0)
    via_wpl = check_mission(parse(wpl_text(rows)), aircraft=CRAFT, wind=wind)
    via_plan = check_mission(parse(plan_text(rows), "t.plan"), aircraft=CRAFT, wind=wind)
    assert via_wpl.ok and via_plan.ok, (via_wpl.faults, via_plan.faults)
    assert via_plan.format == "plan" and via_wpl.format == "waypoints"
    # the same up to the 8 decimals (1 mm) of .waypoints positions
    assert via_plan.distance_m == pytest.approx(via_wpl.distance_m, rel=1e-6)
    assert via_plan.flight_s == pytest.approx(via_wpl.flight_s, rel=1e-6)


@settings(max_examples=25, deadline=None)
@given(st.floats(0, 360), st.floats(0, 30), st.floats(0, 359), st.floats(5_000, 300_000))
def test_a_round_trip_in_wind_never_beats_still_air(from_deg, speed, az, dist):
    lon, lat = (float(x) for x in GEOD.fwd(73.0, 49.0, az, dist)[:2])
    rows = [takeoff(), wp(lat, lon), land(49.0, 73.0)]
    home = (49.0, 73.0, 500.0)
    still = check_mission(parse(wpl_text(rows, home)), aircraft=CRAFT)
    windy = check_mission(parse(wpl_text(rows, home)), aircraft=CRAFT, wind=Wind(from_deg, speed))
    assert still.distance_m == pytest.approx(windy.distance_m)
    assert windy.flight_s >= still.flight_s * (1 - 1e-8)  # float rounding on a ~1e5 s flight


# --- seeded faults -----------------------------------------------------------------------------------


def test_loiter_unlimited_never_ends():
    report = check([takeoff(), (17, 3, 0, 0, 300, 0, 0.0, 0.0, ALT)])
    assert codes(report) == ["never_ends"]
    assert report.faults[0].item == 2


def test_missing_return():
    report = check([takeoff(), wp(0.0, LON_100KM)])
    assert codes(report) == ["missing_return"]
    assert report.faults[0].item == 2


def test_a_loiter_over_home_counts_as_return_and_rtl_flies_home():
    assert check([takeoff(), wp(0.0, LON_100KM), (19, 3, 60, 0, 0, 0, 0.01, 0.0, ALT)]).ok
    rtl = check([takeoff(), wp(0.0, LON_100KM), (20, 2, 0, 0, 0, 0, 0.0, 0.0, 0.0)])
    reference = check(OUT_AND_BACK)
    assert rtl.ok, rtl.faults
    assert rtl.flight_s == pytest.approx(reference.flight_s, rel=1e-6)


def test_thirteen_fields_are_a_format_fault_and_a_space_for_a_tab_a_compatibility_warning():
    lines = wpl_text(OUT_AND_BACK).split("\n")
    lines[3] += "\t0"  # item 2: 13 fields (which one is extra? the item is left out)
    lines[4] = lines[4].replace("\t", " ", 1)  # item 3: a space (pymavlink splits on any whitespace)
    report = check_mission(parse("\n".join(lines)), aircraft=CRAFT)
    found = {(f.code, f.line, f.kind) for f in report.faults}
    assert ("field_count", 4, "format") in found
    assert ("field_count", 5, "compatibility") in {(w.code, w.line, w.kind) for w in report.warnings}
    assert "spaces instead of tabs" in next(w.message for w in report.warnings if w.line == 5)
    assert ("unreadable", 4, "format") in found
    assert report.items == 3  # the line with spaces is still read, and the flight checks went on
    assert report.distance_m == pytest.approx(200_000.0, rel=0.01)


def test_nan_in_p1_is_a_fault_but_nan_in_p4_of_a_waypoint_is_allowed():
    rows = [takeoff(), (16, 3, math.nan, 0, 0, 0, 0.0, LON_100KM, ALT), land()]
    report = check(rows)
    assert codes(report) == ["nan"] and report.faults[0].item == 2
    rows[1] = (16, 3, 0, 0, 0, math.nan, 0.0, LON_100KM, ALT)
    assert check(rows).ok
    plan = check_mission(parse(plan_text([takeoff(), do(178, math.nan, 40), land()]), "t.plan"), aircraft=CRAFT)
    assert codes(plan) == ["nan"]  # null in a .plan is NaN


def test_too_many_items_for_the_autopilot():
    rows = [takeoff(), *(wp(0.0, 0.0) for _ in range(498)), land()]  # 500 items: PX4's limit
    assert check(rows, autopilot="px4").ok
    report = check([*rows[:-1], wp(0.0, 0.0), land()], autopilot="px4")
    assert codes(report) == ["too_many_items"]


def test_loiter_radius_below_turn_radius():
    need = (40.0 + 5.0) ** 2 / (9.80665 * math.tan(math.radians(30.0)))  # loiter speed + wind, 30° bank: 357 m
    north = float(GEOD.fwd(0.0, 0.0, 0.0, 10_000.0)[1])
    rows = [takeoff(), (18, 3, 2, 0, 340, 1, north, 0.0, ALT), land()]
    assert check(rows).ok  # still air: 283 m is enough
    report = check(rows, wind=Wind(0.0, 5.0))
    assert codes(report) == ["turn_too_tight"]
    assert f"{need:,.0f} m" in report.faults[0].message


def test_a_hairpin_onto_a_leg_shorter_than_the_turn_radius():
    near = float(GEOD.fwd(0.0, 0.0, 270.0, 100.0)[0])  # 100 m back west after flying east: R at 50 m/s is 441 m
    report = check([takeoff(), wp(0.0, 0.0), wp(0.0, LON_100KM), wp(0.0, LON_100KM + near), land()])
    assert codes(report) == ["turn_too_tight"]
    assert report.faults[0].item == 3


def test_leg_through_a_no_fly_square(tmp_path):
    square = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "Range R1"},
              "geometry": {"type": "Polygon", "coordinates": [[[0.4, -0.1], [0.5, -0.1], [0.5, 0.1], [0.4, 0.1],
                                                               [0.4, -0.1]]]}}]}
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps(square))
    zones = read_nofly(path)
    assert [z.name for z in zones] == ["Range R1"]
    zones = [Zone(z.name, shifted(z.geometry)) for z in zones]
    report = check(OUT_AND_BACK, nofly=zones)
    assert set(codes(report)) == {"nofly"}
    messages = [f.message for f in report.faults]
    assert any("item 2 → item 3" in m and "Range R1" in m for m in messages)
    assert any("item 3 → item 4" in m for m in messages)
    assert check(OUT_AND_BACK, nofly=[Zone("far", zones[0].geometry.buffer(-0.2))]).ok  # empty after the buffer


def test_loiter_circle_clipping_a_zone():
    from shapely.geometry import box

    north = float(GEOD.fwd(0.0, 0.0, 0.0, 10_000.0)[1])
    edge = float(GEOD.fwd(0.0, north, 90.0, 400.0)[0])  # 400 m east of the centre; the circle is 500 m
    rows = [takeoff(), (18, 3, 2, 0, 500, 1, north, 0.0, ALT), land()]
    report = check(rows, nofly=[shifted(box(edge, north - 0.01, edge + 0.01, north + 0.01))])
    assert codes(report) == ["nofly", "nofly"] and "loiter circle of item 2" in report.faults[0].message
    # circling clockwise, the aircraft leaves for home (south) on the circle's east side: through the zone too
    assert "item 2 → item 3 (from the circle's tangent)" in report.faults[1].message


def test_endurance_exceeded():
    far = float(GEOD.fwd(0.0, 0.0, 90.0, 800_000.0)[0])  # 1 600 km at 50 m/s ≈ 8.9 h > 9 h less reserve
    rows = [takeoff(), wp(0.0, far), land()]
    report = check(rows)
    assert codes(report) == ["endurance"]
    assert report.margin_s < 0
    assert check(rows, reserve=Reserve(0.0, 0.0)).ok


def test_px4_rejects_loiter_turns_terrain_frame_and_do_items_outside_frame_2():
    north = float(GEOD.fwd(0.0, 0.0, 0.0, 10_000.0)[1])
    rows = [takeoff(), (18, 3, 2, 0, 500, 1, north, 0.0, ALT), land()]
    assert check(rows).ok
    assert codes(check(rows, autopilot="px4")) == ["unsupported"]
    rows = [takeoff(), (16, 10, 0, 0, 0, 0, north, 0.0, ALT), (178, 0, 0, 40, -1, 0, 0.0, 0.0, 0.0), land()]
    ardupilot = check(rows)
    assert ardupilot.ok and any(w.code == "terrain" for w in ardupilot.warnings)
    assert sorted(codes(check(rows, autopilot="px4"))) == ["frame", "frame"]


def test_infinite_and_broken_jumps():
    rows = [takeoff(), wp(0.0, 0.1), do(177, 2, -1), land()]
    assert codes(check(rows)) == ["infinite_loop"]
    rows[2] = do(177, 9, 1)
    assert codes(check(rows)) == ["jump"]


def test_no_headway_against_a_gale():
    report = check(OUT_AND_BACK, wind=Wind(90.0, 60.0))
    assert "no_headway" in codes(report)
    assert report.flight_s == math.inf


def test_header_index_and_home_rules():
    text = wpl_text(OUT_AND_BACK)
    bad = text.replace("QGC WPL 110", "QGC WPL 120").replace("\n2\t0", "\n7\t0").replace("\t0\t16\t0", "\t3\t16\t0", 1)
    report = check_mission(parse(bad + "\n"), aircraft=CRAFT)
    assert {"header", "index", "home"} <= set(codes(report))
    assert all(f.kind == "format" for f in report.faults)
    assert [(w.code, w.kind) for w in report.warnings if w.code == "blank_line"] == [("blank_line", "compatibility")]
    assert check_mission(parse("\ufeff" + text), aircraft=CRAFT).faults[0].code == "encoding"
    assert "not_integer" in codes(check_mission(parse(text.replace("\t22\t", "\t22.0\t")), aircraft=CRAFT))


@pytest.mark.parametrize("text", ["", "hello\n", "QGC WPL 110\n", "{\"type\": \"FeatureCollection\"}", "{oops"])
def test_a_file_that_is_not_a_mission_is_an_input_error(text):
    with pytest.raises(InputError):
        parse(text)


def test_survey_complex_item_is_flattened_or_reported_uncheckable():
    a = float(GEOD.fwd(0.0, 0.0, 90.0, 10_000.0)[0])
    doc = json.loads(plan_text([takeoff(), land()]))
    inner = json.loads(plan_text([wp(0.0, a), wp(0.01, a)]))["mission"]["items"]
    for k, it in enumerate(inner, start=2):
        it["doJumpId"] = k
    doc["mission"]["items"][1]["doJumpId"] = 4
    survey = {"type": "ComplexItem", "complexItemType": "survey", "version": 5,
              "TransectStyleComplexItem": {"Items": inner, "VisualTransectPoints": [[0.0, a], [0.01, a]]}}
    doc["mission"]["items"].insert(1, survey)
    report = check_mission(parse(json.dumps(doc), "s.plan"), aircraft=CRAFT)
    assert report.ok, report.faults
    assert report.items == 4
    d = GEOD.inv(0.0, 0.0, a, 0.0)[2] + GEOD.inv(a, 0.0, a, 0.01)[2] + GEOD.inv(a, 0.01, 0.0, 0.0)[2]
    assert report.distance_m == pytest.approx(d, rel=0.01)
    del survey["TransectStyleComplexItem"]
    survey["complexItemType"] = "StructureScan"
    assert "uncheckable" in codes(check_mission(parse(json.dumps(doc), "s.plan"), aircraft=CRAFT))


def test_plan_strict_fields_and_geofence_exclusions():
    doc = json.loads(plan_text(OUT_AND_BACK))
    doc["mission"]["items"][1]["params"].append(0)  # 8 params
    del doc["rallyPoints"]
    report = check_mission(parse(json.dumps(doc), "t.plan"), aircraft=CRAFT)
    assert {"plan_item", "plan_field"} <= set(codes(report))
    doc = json.loads(plan_text(OUT_AND_BACK))
    doc["geoFence"]["polygons"] = [{"version": 1, "inclusion": False,
                                    "polygon": [[-0.1, 10.4], [-0.1, 10.5], [0.1, 10.5], [0.1, 10.4]]}]
    report = check_mission(parse(json.dumps(doc), "t.plan"), aircraft=CRAFT)
    assert set(codes(report)) == {"nofly"} and "geofence polygon #1" in report.faults[0].message


def test_without_aircraft_only_figure_free_checks_run():
    report = check_mission(parse(wpl_text([takeoff(), wp(0.0, LON_100KM)])))
    assert codes(report) == ["missing_return"]
    assert report.flight_s is None and report.endurance_s is None
    assert report.distance_m == pytest.approx(100_000.0, rel=0.01)


# --- the command -------------------------------------------------------------------------------------


@pytest.fixture
def cli():
    from planner.cli.check import check_command

    app = typer.Typer()
    app.command("check")(check_command)
    app.command("noop")(lambda: None)  # two commands keep "check" as a sub-command, as in the real app
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["check", *args])


def test_cli_exit_codes_and_json(cli, tmp_path):
    clean = tmp_path / "clean.waypoints"
    clean.write_text(wpl_text(OUT_AND_BACK))
    faulty = tmp_path / "faulty.waypoints"
    faulty.write_text(wpl_text([takeoff(), (17, 3, 0, 0, 300, 0, 0.0, 0.0, ALT)]))
    junk = tmp_path / "junk.waypoints"
    junk.write_text("not a mission\n")
    result = cli(str(clean), "--aircraft", "anka")
    assert result.exit_code == 0, result.output
    assert "clean.waypoints" in result.output
    assert cli(str(clean), str(faulty), "--aircraft", "anka").exit_code == 4
    assert cli(str(faulty)).exit_code == 4  # format and structure checks run without an aircraft
    assert cli(str(clean), str(junk)).exit_code == 3
    assert cli(str(tmp_path / "missing.plan")).exit_code == 3
    assert cli(str(clean), "--aircraft", "no-such-plane").exit_code == 3
    assert cli(str(clean), "--wind", "west").exit_code == 2
    result = cli(str(clean), str(faulty), "--aircraft", "tactical", "--wind", "270/10", "--json")
    assert result.exit_code == 4
    doc = json.loads(result.stdout)
    assert [d["ok"] for d in doc] == [True, False]
    assert doc[0]["flight_s"] > 0 and doc[0]["margin_s"] > 0
    assert doc[1]["faults"][0]["code"] == "never_ends" and doc[1]["faults"][0]["item"] == 2


def test_cli_nofly_option(cli, tmp_path):
    mission = tmp_path / "m.waypoints"
    mission.write_text(wpl_text(OUT_AND_BACK))
    zones = tmp_path / "zones.geojson"
    zones.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                     "geometry": {"type": "Polygon", "coordinates": [[[10.4, -0.1], [10.5, -0.1], [10.5, 0.1],
                                                                      [10.4, -0.1]]]}}]}))
    result = cli(str(mission), "--nofly", str(zones), "--json")
    assert result.exit_code == 4
    assert {f["code"] for f in json.loads(result.stdout)[0]["faults"]} == {"nofly"}


# --- our own exports ---------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["ardupilot", "px4"])
def demo_plan(request, tmp_path_factory):
    from planner.api import demo_scenario_path, plan_scenario
    from planner.io.scenario_file import read_scenario

    out = tmp_path_factory.mktemp(f"demo-{request.param}")
    plan_scenario(demo_scenario_path(), out, time_limit_s=2, max_iterations=200, autopilot=request.param)
    return request.param, out, read_scenario(demo_scenario_path())


def test_our_exports_pass_every_check(demo_plan):
    from planner.io.profiles import load_aircraft

    autopilot, out, scenario = demo_plan
    doc = json.loads((out / "plan.json").read_text())
    assert doc["sorties"]
    for sortie in doc["sorties"]:
        craft = load_aircraft(sortie["aircraft"])
        for name in sortie["files"].values():
            report = check_mission(read_mission(out / name), aircraft=craft, wind=scenario.wind,
                                   reserve=scenario.reserve, payload_kg=sortie["payload_kg"], autopilot=autopilot)
            assert report.faults == (), (name, report.faults)
            assert report.flight_s <= report.endurance_s - report.reserve_s
            # the planner's own timing and this independent one agree
            assert report.flight_s == pytest.approx(sortie["flight_s"], rel=0.01)


def _autotest_style(text: str) -> str:
    """A mission as ArduPilot's autotest suite writes some by hand: comments after the header, blank
    lines, fields lined up with spaces, spaces after the header (pymavlink reads all of it)."""
    lines = text.rstrip("\n").split("\n")
    out = [lines[0] + "  ", "# out and back, 100 km east", lines[1], ""]
    for k, line in enumerate(lines[2:]):
        out.append("   ".join(line.split("\t")) if k % 2 else line)
        out.append("# next leg" if k == 0 else "")
    return "\n".join(out) + "\n"


def test_comments_blank_lines_and_spaces_read_as_ardupilot_reads_them(tmp_path):
    """Issue 20: files pymavlink loads are read, not refused; QGroundControl's rules are warnings only."""
    text = _autotest_style(wpl_text(OUT_AND_BACK))
    path = tmp_path / "autotest.txt"
    path.write_text(text)
    loader = mavwp.MAVWPLoader()
    assert loader.load(str(path)) == len(OUT_AND_BACK) + 1  # pymavlink: home and every item
    report = check_mission(parse(text), aircraft=CRAFT)
    assert report.ok, [f.message for f in report.faults]
    assert report.items == len(OUT_AND_BACK)
    assert report.distance_m == pytest.approx(200_000.0, rel=0.01)  # the flight check ran on every item
    kinds = {(w.code, w.kind) for w in report.warnings}
    assert {("comment_line", "compatibility"), ("blank_line", "compatibility"), ("field_count", "compatibility"),
            ("header", "compatibility")} <= kinds
    plain = check_mission(parse(wpl_text(OUT_AND_BACK)), aircraft=CRAFT)
    assert plain.flight_s == pytest.approx(report.flight_s)
