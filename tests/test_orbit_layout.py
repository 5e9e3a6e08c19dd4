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
