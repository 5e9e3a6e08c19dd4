"""End-to-end planning: which tasks are served, why others are not, and that sorties fit endurance."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from planner.core.errors import InfeasibleError
from planner.io.scenario_file import read_scenario
from planner.planning.pipeline import plan
from tests.conftest import target

TWO_SENSORS = (
    '[[fleet]]\naircraft = "anka"\ncount = 1\nbase = "Alpha"\npayload = ["eo-ir"]\n'
    '[[fleet]]\naircraft = "anka"\ncount = 1\nbase = "Alpha"\npayload = ["sar"]\n'
)


def _plan(path: Path, **kw):
    return plan(read_scenario(path), **kw)


def test_every_sortie_fits_endurance_less_reserve(scenario_factory):
    feats = [target(f"T{i}", 72.0 + 0.4 * i, 48.5 + 0.15 * (i % 3), priority=1 + i % 4, sensor="eo-ir",
                    dwell_min=90) for i in range(12)]
    p = _plan(scenario_factory(feats, fleet=TWO_SENSORS.replace('["sar"]', '["eo-ir"]')))
    assert p.sorties
    for s in p.sorties:
        assert s.flight_s <= s.endurance_s - s.reserve_s + 1e-6
        assert s.reserve_left_s >= s.reserve_s - 1e-6
        # legs are contiguous in time and the orbits last the dwell
        for a, b in zip(s.legs, s.legs[1:], strict=False):
            assert b.start_s == pytest.approx(a.end_s, abs=1e-6)
        for o in s.orbits:
            assert o.duration_s >= 90 * 60 - 1e-6
            assert o.radius_m >= s.aircraft.turn_radius_m(0.0)


def test_sensor_assignment_and_unserved_reasons(scenario_factory):
    fleet = TWO_SENSORS.replace('payload = ["eo-ir"]', 'payload = ["eo-ir", "satcom"]')
    feats = [
        target("eo", 73.5, 49.2, sensor="eo-ir"),
        target("radar", 73.2, 49.4, sensor="sar"),
        target("listen", 73.1, 49.1, sensor="sigint"),  # nobody carries sigint
        target("far", 73.0 + 60.0, 49.0, sensor="eo-ir"),  # ~4 300 km away: out of range even with SATCOM
        target("remote", 80.0, 49.0, sensor="sar"),  # ~500 km: beyond radio reach, the SAR aircraft has no SATCOM
        target("late", 73.4, 49.0, sensor="eo-ir",  # window closed before the mission starts
               window_start="2026-11-30T04:00:00Z", window_end="2026-11-30T06:00:00Z"),
        target("short", 73.4, 49.3, sensor="eo-ir", dwell_min=120,  # window shorter than the dwell
               window_start="2026-12-01T06:00:00Z", window_end="2026-12-01T07:00:00Z"),
    ]
    p = _plan(scenario_factory(feats, fleet=fleet))
    by_task = {name: s for s in p.sorties for name in s.tasks}
    assert "sar" in by_task["radar"].loadout and "eo-ir" in by_task["eo"].loadout
    reasons = {u.task: u.reason for u in p.unserved}
    assert set(reasons) == {"listen", "far", "remote", "late", "short"}
    assert "sigint" in reasons["listen"]
    assert reasons["far"].startswith("out of range")
    assert reasons["remote"].startswith("beyond radio reach")
    assert reasons["late"].startswith("window") and reasons["short"].startswith("window")


def test_targets_beyond_radio_reach_go_to_satcom_aircraft(scenario_factory):
    fleet = TWO_SENSORS.replace('payload = ["sar"]', 'payload = ["eo-ir", "satcom"]')
    feats = [target("near", 73.3, 49.2), target("remote", 80.0, 49.0), target("remote2", 79.0, 50.0)]
    p = _plan(scenario_factory(feats, fleet=fleet))
    assert not p.unserved
    for s in p.sorties:
        remote = {"remote", "remote2"} & set(s.tasks)
        if remote:
            assert "satcom" in s.loadout and s.blos_s > 0
            blos = [leg for leg in s.legs if leg.blos_s > 0]
            assert any(leg.kind == "orbit" and set(leg.tasks) & remote for leg in blos)
        else:
            assert s.blos_s == 0


def test_time_windows_are_respected(scenario_factory):
    feats = [
        target("dawn", 73.6, 49.2, dwell_min=30, window_start="2026-12-01T09:00:00Z",
               window_end="2026-12-01T10:00:00Z"),
        target("noon", 73.2, 49.5, dwell_min=30, window_start="2026-12-01T12:00:00Z",
               window_end="2026-12-01T13:00:00Z"),
    ]
    p = _plan(scenario_factory(feats))
    assert not p.unserved
    (s,) = p.sorties
    for leg in s.legs:
        if leg.kind == "orbit":
            start, end = p.time(leg.start_s), p.time(leg.end_s)
            hour = {"dawn": (9, 10), "noon": (12, 13)}[leg.tasks[0]]
            assert start.hour >= hour[0] and (end.hour < hour[1] or (end.hour == hour[1] and end.minute == 0))


def test_keeps_the_most_valuable_tasks_when_not_all_fit(scenario_factory):
    # A tactical UAV (12 h) cannot fly 6 × 3 h dwells: it must keep the highest priorities.
    fleet = '[[fleet]]\naircraft = "tactical"\ncount = 1\nbase = "Alpha"\npayload = ["eo-ir"]\n'
    feats = [target(f"T{i}", 73.0 + 0.1 * i, 49.1, priority=p, dwell_min=180) for i, p in enumerate([1, 9, 2, 8, 3, 7])]
    p = _plan(scenario_factory(feats, fleet=fleet))
    served = set(p.served)
    assert served == {"T1", "T3", "T5"}
    assert all(u.reason.startswith("did not fit") for u in p.unserved)


def test_wind_lengthens_upwind_legs_and_widens_orbits(scenario_factory):
    feats = [target("east", 75.0, 49.0, dwell_min=30)]
    calm = _plan(scenario_factory(feats))
    windy = _plan(scenario_factory(feats, extra="[wind]\nfrom_deg = 90\nspeed_mps = 15\n"))
    leg_calm = next(leg for leg in calm.sorties[0].legs if leg.kind == "transit")
    leg_windy = next(leg for leg in windy.sorties[0].legs if leg.kind == "transit")
    # eastbound into an easterly wind: ground speed 55 - 15 = 40 m/s instead of 55
    assert leg_windy.duration_s / leg_calm.duration_s == pytest.approx(55.0 / 40.0, rel=0.01)
    assert windy.sorties[0].orbits[0].radius_m > calm.sorties[0].orbits[0].radius_m


def test_wind_the_aircraft_cannot_fly_against_is_a_clear_error(scenario_factory):
    path = scenario_factory([target("a", 73.5, 49.0)], extra="[wind]\nfrom_deg = 0\nspeed_mps = 60\n")
    with pytest.raises(InfeasibleError, match="no headway"):
        _plan(path)


def test_same_seed_and_iteration_limit_give_the_same_plan(scenario_factory):
    feats = [target(f"T{i}", 72.5 + 0.3 * i, 49.0 + 0.2 * (i % 4), priority=1 + i % 5, dwell_min=60)
             for i in range(15)]
    path = scenario_factory(feats, fleet=TWO_SENSORS.replace('["sar"]', '["eo-ir"]'))
    a = _plan(path, max_iterations=200)
    b = _plan(path, max_iterations=200)
    assert [s.tasks for s in a.sorties] == [s.tasks for s in b.sorties]
    assert math.isclose(a.metrics()["flight_hours"], b.metrics()["flight_hours"])
