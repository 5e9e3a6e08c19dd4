"""The compiled search (window-free problems): every route it returns re-checks in plain Python, and an
iteration-bound run gives the same routes whatever the batch sizes or the time limit."""

from __future__ import annotations

import itertools
import math
from contextlib import contextmanager
from dataclasses import replace
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.solve import ils
from planner.solve.problem import Problem, Result, SolveParams, Vehicle, evaluate_route
from planner.solve.search import Search
from planner.solve.solver import SearchConfig, solve, warm_up
from planner.solve.tour import Instance

ONE_WORKER = SearchConfig(workers=1)


def _rescore(problem: Problem, vehicle: int, nodes: list[int]) -> tuple[bool, float]:
    """Feasibility and duration (s) of a window-free route, added up here leg by leg."""
    v = problem.vehicles[vehicle]
    travel, service = problem.travel_s[v.cost_class], problem.service_s[v.cost_class]
    if len(set(nodes)) != len(nodes) or any(u in problem.depots or not v.may_serve(u) for u in nodes):
        return False, math.inf
    path = [v.start_node, *nodes, v.end_node]
    duration = sum(float(travel[a, b]) for a, b in itertools.pairwise(path)) + sum(float(service[u]) for u in path)
    return math.isfinite(duration) and duration <= v.max_duration_s + 1e-6, duration


def _assert_feasible(problem: Problem, result: Result) -> None:
    served = [u for r in result.routes for u in r.nodes]
    assert len(served) == len(set(served)), "a task is served twice"
    assert all(problem.prize[u] > 0 for u in served)
    for r in result.routes:
        ok, duration = _rescore(problem, r.vehicle, list(r.nodes))
        assert ok or not r.nodes, (r.vehicle, r.nodes, duration, problem.vehicles[r.vehicle].max_duration_s)
        assert evaluate_route(problem, r.vehicle, r.nodes).feasible or not r.nodes
    assert result.prize == pytest.approx(float(problem.prize[served].sum()) if served else 0.0)


def _assert_rows_feasible(problem: Problem, seqs: np.ndarray, lens: np.ndarray) -> None:
    """The compiled search's own plan (one row per vehicle, depots at both ends), before ``verified`` repairs it."""
    assert len(lens) == len(problem.vehicles)
    served = [int(u) for r in range(len(lens)) for u in seqs[r, 1 : lens[r] - 1]]
    assert len(served) == len(set(served)), f"a task is served twice: {seqs.tolist()} {lens.tolist()}"
    for r, v in enumerate(problem.vehicles):
        row = seqs[r, : lens[r]].tolist()
        assert row[0] == v.start_node and row[-1] == v.end_node, f"route {r} lost a depot: {row}"
        assert _rescore(problem, r, row[1:-1])[0] or len(row) == 2, (r, row)


@contextmanager
def _compiled_runs(problem: Problem):
    """Check every plan the compiled search returns or reports as a new best; yields the list of its runs."""
    warm_up()  # its own small problems run the compiled search too, once per process
    calls = []
    real = ils.run

    def run(cur, fixed, params, seed, max_iterations, time_used, on_best):
        def checked(seqs, lens, iteration):
            _assert_rows_feasible(problem, seqs, lens)
            on_best(seqs, lens, iteration)

        seqs, lens, its = real(cur, fixed, params, seed, max_iterations, time_used, checked)
        _assert_rows_feasible(problem, seqs, lens)
        calls.append(its)
        return seqs, lens, its

    with mock.patch.object(ils, "run", run):
        yield calls


def _solve(problem: Problem, seed: int, iterations: int, *, batch_s: float, limit_s: float = 30.0) -> Result:
    with mock.patch.object(ils, "BATCH_S", batch_s):
        return solve(problem, SolveParams(time_limit_s=limit_s, seed=seed, max_iterations=iterations),
                     config=ONE_WORKER)


def _satcom_like() -> Problem:
    """A depot and three tasks; cost class 0 (no satcom) reaches only task 1, class 1 reaches all three."""
    points = np.array([[0.0, 0.0], [1.0, 0.0], [6.0, 1.0], [5.5, -1.0]])
    reach = np.sqrt(((points[:, None] - points[None]) ** 2).sum(axis=2))
    short = reach.copy()
    short[2:, :] = short[:, 2:] = np.inf
    np.fill_diagonal(short, 0.0)
    free = np.column_stack([np.zeros(4), np.full(4, np.inf)])
    vehicles = (Vehicle(0, 0, 40.0, cost_class=0, allowed_nodes=frozenset({1})), Vehicle(0, 0, 40.0, cost_class=1))
    return Problem(np.stack([short, reach]), np.ones((2, 4)), np.array([0.0, 1.0, 1.0, 1.0]), free, vehicles,
                   frozenset({0}))


def test_near_tasks_are_other_tasks_even_where_the_first_class_cannot_fly() -> None:
    inst = Instance.from_problem(_satcom_like())
    for u in inst.servable:
        assert u not in inst.near[u] and len(set(inst.near[u])) == inst.near.shape[1]


@pytest.mark.parametrize("batch_s", [1e-9, 1e9])  # one iteration per batch; batches as large as they may grow
def test_tasks_only_a_second_class_reaches_are_all_served(batch_s: float) -> None:
    problem = _satcom_like()
    with _compiled_runs(problem) as calls:
        result = _solve(problem, 0, 300, batch_s=batch_s)
    assert calls
    _assert_feasible(problem, result)
    assert sorted(result.routes[1].nodes) == [1, 2, 3] or sorted(result.routes[1].nodes) == [2, 3]
    assert result.prize == 3.0


def test_a_near_list_naming_the_task_itself_does_not_break_the_routes() -> None:
    problem = _satcom_like()
    inst = Instance.from_problem(problem)
    near = inst.near.copy()
    near[inst.servable, 0] = inst.servable  # each task listed as its own nearest task
    search = Search(replace(inst, near=near), ONE_WORKER, 0)
    with _compiled_runs(problem) as calls:
        tours, iterations = search.run(search.construct(), 300, lambda: 0.0, lambda *_: None)
    assert calls == [300] and iterations == 300
    served = [u for t in tours for u in t.nodes]
    assert sorted(served) == [1, 2, 3]
    for t in tours:
        assert _rescore(problem, t.vehicle, t.nodes)[0]


@st.composite
def window_free_problems(draw: st.DrawFn) -> Problem:
    """2-9 tasks, 1-2 depots, 1-4 vehicles of 1-2 cost classes; some legs impossible, for one class more
    than for the other (tasks only one kind of aircraft can reach); some vehicles limited to some tasks."""
    n_tasks = draw(st.integers(2, 9))
    n_depots = draw(st.integers(1, 2))
    n_classes = draw(st.integers(1, 2))
    n = n_tasks + n_depots
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    points = rng.uniform(0, 10, size=(n, 2))
    base = np.sqrt(((points[:, None] - points[None]) ** 2).sum(axis=2))
    travel = np.stack([base * rng.uniform(0.8, 1.2) for _ in range(n_classes)])
    remote = rng.random(n_tasks) < 0.4
    for c in range(n_classes):
        cut = rng.random((n, n)) < 0.1
        if c == 0 and n_classes > 1:
            cut[:n_tasks][remote, :] = True
            cut[:, :n_tasks][:, remote] = True
        cut[n_tasks:, n_tasks:] = False  # every vehicle can at least fly from its start to its end
        travel[c][cut] = np.inf
        np.fill_diagonal(travel[c], 0.0)
    depots = frozenset(range(n_tasks, n))
    service = rng.uniform(0, 3, (n_classes, n))
    vehicles = []
    for _ in range(draw(st.integers(1, 4))):
        a, b, c = int(rng.choice(sorted(depots))), int(rng.choice(sorted(depots))), int(rng.integers(0, n_classes))
        empty_s = service[c, a] + travel[c, a, b] + service[c, b]  # the limit always allows the empty route
        allowed = frozenset(int(t) for t in range(n_tasks) if rng.random() < 0.7) if rng.random() < 0.3 else None
        vehicles.append(Vehicle(a, b, float(empty_s + rng.uniform(0, 50)), cost_class=c, allowed_nodes=allowed,
                                start_s=float(rng.uniform(0, 5))))
    prize = np.where(np.arange(n) < n_tasks, rng.integers(0, 10, n), 0).astype(float)
    free = np.column_stack([np.zeros(n), np.full(n, np.inf)])
    return Problem(travel, service, prize, free, tuple(vehicles), depots)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(window_free_problems(), st.integers(0, 2**16), st.integers(1, 120))
def test_compiled_routes_rescore_feasible_and_repeat_whatever_the_batches(problem: Problem, seed: int,
                                                                          iterations: int) -> None:
    with _compiled_runs(problem) as calls:
        one = _solve(problem, seed, iterations, batch_s=1e-9)
    assert calls or Instance.from_problem(problem).servable.size == 0, "the compiled search did not run"
    _assert_feasible(problem, one)
    assert not one.cut_short
    big = _solve(problem, seed, iterations, batch_s=1e9, limit_s=600.0)
    assert big.routes == one.routes and big.prize == one.prize
