"""Answers that were wrong or misleading (issue 18): a wind one aircraft type cannot fly, every reason a task is
left out in order of importance, a task below the field, and relief service counted as covered as asked."""

from __future__ import annotations

import pytest

from planner.core.errors import InfeasibleError
from planner.io.scenario_file import read_scenario
from planner.planning.pipeline import plan
from planner.planning.relief import plan_relief
from tests.conftest import target

MIXED = ('[[fleet]]\naircraft = "anka"\ncount = 1\nbase = "Alpha"\npayload = ["eo-ir", "satcom"]\n'
         '[[fleet]]\naircraft = "tactical"\ncount = 2\nbase = "Alpha"\npayload = ["eo-ir"]\n')


def _wind(speed: float) -> str:
    return f"[wind]\nfrom_deg = 290\nspeed_mps = {speed:g}\n"


def test_a_wind_one_type_cannot_fly_grounds_that_type_and_plans_the_rest(scenario_factory):
    path = scenario_factory([target("a", 73.5, 49.2), target("b", 73.3, 49.4)], fleet=MIXED, extra=_wind(31))
    p = plan(read_scenario(path), max_iterations=50)
    assert p.sorties and {s.aircraft.name for s in p.sorties} == {"anka"}
    assert set(p.served) == {"a", "b"}
    (note,) = [n for n in p.notes if "left on the ground" in n]
    assert note.startswith("2 tactical left on the ground: wind 31 m/s") and "loiter speed 30 m/s" in note


def test_a_wind_no_aircraft_can_fly_is_still_infeasible(scenario_factory):
    path = scenario_factory([target("a", 73.5, 49.2)], fleet=MIXED, extra=_wind(60))
    with pytest.raises(InfeasibleError, match=r"anka cruise speed 55 m/s.*tactical cruise speed 38 m/s"):
        plan(read_scenario(path), max_iterations=50)


def test_relief_grounds_the_type_the_wind_stops(scenario_factory):
    path = scenario_factory([target("w", 73.6, 49.1, persistent_h=12, sensor="eo-ir")], fleet=MIXED, extra=_wind(31))
    p = plan_relief(read_scenario(path), time_limit_s=2, smallest_fleet=False)
    assert p.sorties and {s.aircraft.name for s in p.sorties} == {"anka"}
    assert any("tactical left on the ground" in n for n in p.notes)


def test_every_reason_is_listed_most_important_first(scenario_factory):
    # the tactical UAV carries no SATCOM: a target 2,500 km out is both beyond radio reach and out of range
    path = scenario_factory([target("near", 73.3, 49.2), target("far", 106.0, 49.0, sensor="sar")],
                            fleet='[[fleet]]\naircraft = "tactical"\ncount = 1\nbase = "Alpha"\npayload = ["eo-ir"]\n')
    p = plan(read_scenario(path), max_iterations=50)
    (far,) = [u for u in p.unserved if u.task == "far"]
    assert [r.split(":")[0].split(" ")[0] for r in far.reasons] == ["out", "no", "beyond"]
    assert far.reasons[0].startswith("out of range") and "sar sensor" in far.reasons[1]
    assert far.reasons[2].startswith("beyond radio reach") and far.reason == "; ".join(far.reasons)


def test_a_base_far_from_every_task_gets_a_hint(scenario_factory):
    swapped = '[[base]]\nname = "Alpha"\nlon = 49.0\nlat = 73.0\nelev_m = 500\n'  # lon and lat typed the wrong way
    path = scenario_factory([target("a", 73.5, 49.2), target("b", 73.0, 49.5)], bases=swapped)
    p = plan(read_scenario(path), max_iterations=20)
    assert {u.task for u in p.unserved} == {"a", "b"}
    for u in p.unserved:
        assert u.reasons[0].startswith("base 'Alpha' is 2,") and u.reasons[0].endswith("are its lon and lat swapped?")
        assert len(u.reasons) >= 2


@pytest.mark.parametrize("payload", ['["eo-ir"]', '["eo-ir", "satcom"]'])
def test_a_task_below_the_field_is_refused_with_that_reason(scenario_factory, payload):
    high = '[[base]]\nname = "Alpha"\nlon = 73.0\nlat = 49.0\nelev_m = 1500\n'
    fleet = f'[[fleet]]\naircraft = "anka"\ncount = 1\nbase = "Alpha"\npayload = {payload}\n'
    path = scenario_factory([target("low", 73.3, 49.1, alt_m=600), target("ok", 73.3, 49.2)], bases=high, fleet=fleet)
    p = plan(read_scenario(path), max_iterations=20)
    (low,) = p.unserved
    assert low.task == "low"
    assert low.reasons[0].startswith("work altitude 600 m AMSL is below the circuit height over every base (1800 m")
    assert "radio" not in low.reasons[0]  # radio reach at that height, if it fails, comes after
    for s in p.sorties:  # what is flown climbs and descends the right way
        assert all(leg.duration_s >= 0 for leg in s.legs)
        climb = s.legs[0]
        assert climb.kind == "climb" and climb.end.alt_m >= s.base.elev_m


def test_relief_counts_served_as_covered_as_asked(scenario_factory):
    path = scenario_factory([target("watch", 76.0, 49.0, persistent_h=72, sensor="eo-ir", priority=9)],
                            fleet='[[fleet]]\naircraft = "anka"\ncount = 1\nbase = "Alpha"\npayload = ["eo-ir", "satcom"]\n')
    p = plan_relief(read_scenario(path), time_limit_s=2, smallest_fleet=True)
    (cov,) = p.coverage
    assert 0 < cov.share < 1 and p.sorties
    m = p.metrics()
    assert m["priority_served"] == 0 and m["tasks_served"] == 0 and m["tasks_unserved"] == 1
    (u,) = p.unserved
    assert u.reason.startswith(f"partly covered: {cov.share:.1%} of the 72 h asked")
    assert f"a fleet of {cov.fleet_needed} would cover every orbit" in u.reason
