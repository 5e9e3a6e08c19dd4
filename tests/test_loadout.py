"""Loadout choice: open payloads are chosen to serve more priority than any fixed loadout."""

from __future__ import annotations

import pytest

from planner.io.profiles import load_aircraft, load_sensors
from planner.io.scenario_file import read_scenario
from planner.model.fleet import candidate_loadouts
from planner.planning.pipeline import plan
from tests.conftest import target

OPEN = '[[fleet]]\naircraft = "anka"\ncount = 2\nbase = "Alpha"\n'


def _feats() -> list[dict]:
    # three kinds of target; EO/IR + SAR + GMTI (210 kg) do not fit one 200 kg aircraft
    out = []
    for i in range(6):
        out.append(target(f"eo{i}", 72.6 + 0.25 * i, 49.3, sensor="eo-ir", priority=3, dwell_min=150))
        out.append(target(f"sar{i}", 72.6 + 0.25 * i, 48.7, sensor="sar", priority=3, dwell_min=150))
        out.append(target(f"gmti{i}", 72.6 + 0.25 * i, 48.4, sensor="gmti", priority=3, dwell_min=150))
    return out


def test_candidates_fit_the_payload_and_are_lightest_first():
    anka = load_aircraft("anka")
    sensors = load_sensors()
    cands = candidate_loadouts(anka, sensors, {"eo-ir", "sar", "gmti", "satcom"})
    masses = [sum(sensors[n].mass_kg for n in c) for c in cands]
    assert masses == sorted(masses) and max(masses) <= anka.max_payload_kg
    assert ("eo-ir", "gmti", "sar") not in cands  # 210 kg
    assert ("gmti", "sar", "satcom") in cands  # 190 kg


def test_chosen_loadouts_beat_the_best_fixed_loadout(scenario_factory):
    chosen = plan(read_scenario(scenario_factory(_feats(), fleet=OPEN)))
    anka = load_aircraft("anka")
    sensors = load_sensors()
    best_fixed = 0.0
    for loadout in candidate_loadouts(anka, sensors, {"eo-ir", "sar", "gmti"}):
        fleet = OPEN + f"payload = {list(loadout)!r}\n".replace("'", '"')
        fixed = plan(read_scenario(scenario_factory(_feats(), fleet=fleet)))
        best_fixed = max(best_fixed, fixed.metrics()["priority_served"])
    gained = chosen.metrics()["priority_served"]
    assert gained > best_fixed
    loadouts = {s.loadout for s in chosen.sorties}
    assert len(loadouts) == 2  # the two aircraft split the capabilities
    for s in chosen.sorties:
        assert s.payload_kg <= anka.max_payload_kg
        assert s.endurance_s == pytest.approx(anka.endurance_s(s.payload_kg))
        assert "loadout chosen by the planner" in s.notes


def test_a_lighter_loadout_flies_longer_when_sensors_are_not_needed(scenario_factory):
    feats = [target(f"t{i}", 72.0 + 0.5 * i, 49.5, sensor="eo-ir", dwell_min=240) for i in range(10)]
    p = plan(read_scenario(scenario_factory(feats, fleet='[[fleet]]\naircraft = "anka"\nbase = "Alpha"\n')))
    (s,) = p.sorties
    assert s.loadout == ("eo-ir",)
    assert s.endurance_s > load_aircraft("anka").endurance_h * 3600


def test_loadout_trials_cut_by_their_time_cap_say_so(scenario_factory):
    scenario = read_scenario(scenario_factory(_feats(), fleet=OPEN))
    cut = plan(scenario, time_limit_s=1e-4, max_iterations=1000)
    assert cut.solver["cut_short"] == ["loadout", "optimise"]
    assert any("loadout trial reached its time cap" in n for n in cut.notes)
    whole = plan(scenario, time_limit_s=120, max_iterations=50)
    assert whole.solver["cut_short"] == [] and not any("time cap" in n for n in whole.notes)
