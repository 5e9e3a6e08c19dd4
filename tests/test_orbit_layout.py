"""Shared orbits: the fewest circles that see every target, and plans that use them."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.io.scenario_file import read_scenario
from planner.layout.shared_orbits import candidate_centres, layout_orbits
from planner.planning.pipeline import plan
from planner.solve.set_cover import solve_set_cover
from tests.conftest import target


def _brute_force_minimum(xy: np.ndarray, reach: float) -> int:
    centres = candidate_centres(xy, reach)
    sets = [set(np.flatnonzero(np.hypot(*(xy - c).T) <= reach + 1e-6)) for c in centres]
    for k in range(1, len(xy) + 1):
        for combo in itertools.combinations(range(len(sets)), k):
            if set().union(*(sets[i] for i in combo)) == set(range(len(xy))):
                return k
    raise AssertionError("no cover")


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 7))
def test_every_target_is_within_reach_of_its_orbit_and_greedy_is_near_minimal(seed, n):
    rng = np.random.default_rng(seed)
    xy = rng.normal(0, 8000, (n, 2))
    reach = 6000.0
    cover = layout_orbits(xy, reach)
    seen = sorted(i for o in cover.orbits for i in o.members)
    assert seen == list(range(n))
    for o in cover.orbits:
        for i in o.members:
            assert np.hypot(xy[i, 0] - o.x_m, xy[i, 1] - o.y_m) <= reach + 1e-6
    assert len(cover.orbits) <= _brute_force_minimum(xy, reach) + 1


def test_clustered_targets_share_orbits():
    clusters = np.array([[0, 0], [50000, 0], [0, 60000]])
    xy = np.concatenate([c + np.array([[0, 0], [3000, 1000], [-2000, 2500], [1000, -3000]]) for c in clusters])
    cover = layout_orbits(xy, 5000.0)
    assert len(cover.orbits) == 3


def test_plan_serves_nearby_targets_from_one_shared_orbit(scenario_factory):
    feats = [
        target("gate", 73.50, 49.50, sensor="eo-ir", priority=2, dwell_min=40),
        target("depot", 73.55, 49.52, sensor="eo-ir", priority=3, dwell_min=60),  # ~4 km from the gate
        target("bridge", 74.40, 49.20, sensor="eo-ir", dwell_min=30),
    ]
    p = plan(read_scenario(scenario_factory(feats)))
    assert not p.unserved
    orbits = [o for s in p.sorties for o in s.orbits]
    assert len(orbits) == 2
    shared = next(o for o in orbits if len(o.tasks) == 2)
    assert set(shared.tasks) == {"gate", "depot"}
    # the EO/IR turret watches one target at a time: the most valuable first, each for its own dwell
    depot, gate = shared.watches
    assert depot.tasks == ("depot",) and (depot.roi.lon, depot.roi.lat) == (73.55, 49.52)
    assert gate.tasks == ("gate",) and (gate.roi.lon, gate.roi.lat) == (73.50, 49.50)
    assert depot.duration_s >= 60 * 60 and gate.duration_s >= 40 * 60 and gate.start_s == depot.end_s
    assert shared.duration_s == pytest.approx(depot.duration_s + gate.duration_s)
    assert p.metrics()["priority_served"] == 6


def test_a_wide_area_sensor_watches_every_member_at_once_for_the_longest_dwell(scenario_factory):
    feats = [
        target("a", 74.00, 49.50, sensor="sigint", priority=2, dwell_min=40),
        target("b", 74.06, 49.52, sensor="sigint", priority=3, dwell_min=60),
        target("c", 74.02, 49.47, sensor="sigint", priority=1, dwell_min=20),
        target("far", 76.50, 49.50, sensor="sigint", dwell_min=20),  # ~180 km on: beyond the 150 km slant range
    ]
    fleet = '[[fleet]]\naircraft = "anka"\ncount = 1\nbase = "Alpha"\npayload = ["sigint", "satcom"]\n'
    p = plan(read_scenario(scenario_factory(feats, fleet=fleet)))
    assert not p.unserved
    orbits = [o for s in p.sorties for o in s.orbits]
    shared = next(o for o in orbits if len(o.tasks) > 1)
    assert set(shared.tasks) == {"a", "b", "c"}
    (watch,) = shared.watches  # one dwell serves all: the longest asked, in whole laps
    assert set(watch.tasks) == {"a", "b", "c"}
    assert 60 * 60 <= shared.duration_s < 60 * 60 + shared.lap_s + 1e-6
    assert [o.tasks for o in orbits if "far" in o.tasks] == [("far",)]
    seen = {c.task: c.share for c in p.sensor_coverage()}
    assert seen == {"a": 1.0, "b": 1.0, "c": 1.0, "far": 1.0}


def test_a_side_looking_radar_cannot_share_a_circle_with_targets_off_its_centre(scenario_factory):
    """GMTI looks at most 60° off broadside: round a whole circle a target a few km off the centre passes
    ahead of and behind the aircraft, so each gets its own orbit with the target at the centre."""
    feats = [target("a", 74.00, 49.50, sensor="gmti", dwell_min=40), target("b", 74.06, 49.52, sensor="gmti")]
    fleet = '[[fleet]]\naircraft = "anka"\ncount = 1\nbase = "Alpha"\npayload = ["gmti", "satcom"]\n'
    p = plan(read_scenario(scenario_factory(feats, fleet=fleet)))
    orbits = [o for s in p.sorties for o in s.orbits]
    assert sorted(o.tasks for o in orbits) == [("a",), ("b",)]
    for o in orbits:
        (w,) = o.watches
        assert (o.centre.lon, o.centre.lat) == pytest.approx((w.roi.lon, w.roi.lat))


@settings(max_examples=25, deadline=None, database=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 7))
def test_cp_sat_layout_is_the_brute_force_minimum(seed, n):
    rng = np.random.default_rng(seed)
    xy = rng.normal(0, 8000, (n, 2))
    cover = layout_orbits(xy, 6000.0, exact=solve_set_cover)
    assert len(cover.orbits) == _brute_force_minimum(xy, 6000.0)
    for o in cover.orbits:
        assert all(np.hypot(xy[i, 0] - o.x_m, xy[i, 1] - o.y_m) <= 6000.0 + 1e-6 for i in o.members)


def test_set_cover_beats_a_greedy_trap_in_every_component():
    # per component: two rows of three; a 4-element "column" set lures greedy into three sets, two suffice
    rows = [np.array([0, 1, 2]), np.array([3, 4, 5]), np.array([0, 1, 3, 4])]
    sets = rows + [r + 6 for r in rows] + [np.array([12])]  # a second, disjoint copy and a lone element
    greedy = [2, 0, 1, 5, 3, 4, 6]
    chosen, proved = solve_set_cover(sets, 13, greedy)
    assert proved and sorted(chosen) == [0, 1, 3, 4, 6]
    assert solve_set_cover([*sets[:3], np.array([], dtype=int)], 7, [2, 0, 1]) == ([2, 0, 1], False)  # 6 uncovered
