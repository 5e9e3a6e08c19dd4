"""The optimiser: optimal on tiny problems, constraints honoured, deterministic, good on a TOP instance."""

from __future__ import annotations

import itertools
import math
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.core.errors import InputError
from planner.solve import solver as optimise
from planner.solve.polish import integer_scale
from planner.solve.problem import Problem, Result, SolveParams, Vehicle, evaluate_route
from planner.solve.solver import Progress, SearchConfig, solve

TOP_DIR = Path(__file__).parents[1].parent / "shared" / "bench" / "top"
QUICK = SolveParams(time_limit_s=20.0, seed=0, max_iterations=150)


def _euclid(points: np.ndarray) -> np.ndarray:
    return np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))


def _problem(
    points: np.ndarray,
    prize: np.ndarray,
    vehicles: tuple[Vehicle, ...],
    depots: frozenset[int],
    *,
    service: float | np.ndarray = 0.0,
    window: np.ndarray | None = None,
) -> Problem:
    n = len(points)
    window = np.column_stack([np.zeros(n), np.full(n, np.inf)]) if window is None else window
    return Problem(_euclid(points), np.broadcast_to(service, (n,)).copy(), prize, window, vehicles, depots)


def _assert_valid(problem: Problem, result: Result) -> None:
    assert len(result.routes) == len(problem.vehicles)
    served = [n for r in result.routes for n in r.nodes]
    assert len(served) == len(set(served)), "a task is served twice"
    for r in result.routes:
        check = evaluate_route(problem, r.vehicle, r.nodes)
        # an empty route may fail only when the vehicle cannot even fly from its start to its end
        assert check.feasible or not r.nodes, check.reason
    assert result.prize == pytest.approx(float(problem.prize[served].sum()) if served else 0.0)


def _optimum(problem: Problem) -> float:
    """Brute force: best prize over every assignment of tasks to vehicles and every visit order."""
    tasks = problem.tasks

    @cache
    def fits(vehicle: int, subset: frozenset[int]) -> bool:
        return any(evaluate_route(problem, vehicle, list(p)).feasible for p in itertools.permutations(subset))

    best = 0.0
    for assign in itertools.product(range(-1, len(problem.vehicles)), repeat=len(tasks)):
        groups = [
            frozenset(t for t, a in zip(tasks, assign, strict=True) if a == v) for v in range(len(problem.vehicles))
        ]
        prize = float(sum(problem.prize[t] for t, a in zip(tasks, assign, strict=True) if a >= 0))
        if prize > best and all(fits(v, g) for v, g in enumerate(groups)):
            best = prize
    return best


@pytest.fixture
def tiny() -> Problem:
    """Six tasks on a 10 x 10 square, one depot at the centre, two vehicles of 18 s each."""
    rng = np.random.default_rng(7)
    points = np.vstack([[5.0, 5.0], rng.uniform(0, 10, size=(6, 2))])
    prize = np.array([0.0, 3, 5, 2, 8, 4, 6])
    vehicles = (Vehicle(0, 0, 18.0), Vehicle(0, 0, 18.0))
    return _problem(points, prize, vehicles, frozenset({0}))


def test_tiny_problem_reaches_brute_force_optimum(tiny: Problem) -> None:
    result = solve(tiny, QUICK)
    _assert_valid(tiny, result)
    assert result.prize == _optimum(tiny)


def test_separate_start_and_end_depots_and_service() -> None:
    rng = np.random.default_rng(3)
    points = np.vstack([[0.0, 0.0], rng.uniform(0, 10, size=(6, 2)), [10.0, 10.0]])
    prize = np.array([0.0, 4, 4, 7, 1, 9, 3, 0.0])
    vehicles = (Vehicle(0, 7, 30.0), Vehicle(0, 7, 24.0, start_s=5.0))
    problem = _problem(points, prize, vehicles, frozenset({0, 7}), service=np.r_[1.0, np.full(6, 2.0), 1.5])
    result = solve(problem, QUICK)
    _assert_valid(problem, result)
    assert result.prize == _optimum(problem)


def test_time_windows_are_honoured_and_optimal() -> None:
    rng = np.random.default_rng(11)
    points = np.vstack([[5.0, 5.0], rng.uniform(0, 10, size=(6, 2))])
    prize = np.array([0.0, 5, 5, 5, 5, 5, 5])
    early = np.array([0.0, 0, 10, 20, 0, 30, 5])
    window = np.column_stack([early, early + np.array([np.inf, 5, 5, 5, 8, 5, 3])])
    vehicles = (Vehicle(0, 0, 40.0), Vehicle(0, 0, 25.0, start_s=8.0))
    problem = _problem(points, prize, vehicles, frozenset({0}), service=1.0, window=window)
    result = solve(problem, QUICK)
    _assert_valid(problem, result)
    for r in result.routes:
        starts = evaluate_route(problem, r.vehicle, r.nodes).service_start_s
        for node, begin in zip(r.nodes, starts, strict=True):
            assert window[node, 0] - 1e-9 <= begin <= window[node, 1] + 1e-6
    assert result.prize == _optimum(problem)


def test_allowed_nodes_and_cost_classes_are_honoured(tiny: Problem) -> None:
    fast = np.asarray(tiny.travel_s[0]) * 0.5
    vehicles = (Vehicle(0, 0, 18.0, allowed_nodes=frozenset({1, 2, 3})), Vehicle(0, 0, 9.0, cost_class=1))
    problem = Problem(
        np.stack([tiny.travel_s[0], fast]), np.zeros((2, 7)), tiny.prize, tiny.window_s, vehicles, tiny.depots
    )
    result = solve(problem, QUICK)
    _assert_valid(problem, result)
    assert set(result.routes[0].nodes) <= {1, 2, 3}
    assert result.prize == _optimum(problem)


def test_impossible_legs_and_unreachable_tasks_are_left_out() -> None:
    points = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [50.0, 0.0]])
    travel = _euclid(points)
    travel[0, 2] = travel[1, 2] = np.inf  # task 2 only reachable from task 3, which is too far
    problem = Problem(
        travel,
        np.zeros(4),
        np.array([0.0, 1, 10, 10]),
        np.column_stack([np.zeros(4), np.full(4, np.inf)]),
        (Vehicle(0, 0, 10.0),),
        frozenset({0}),
    )
    result = solve(problem, QUICK)
    _assert_valid(problem, result)
    assert result.routes[0].nodes == (1,)


def test_allowed_nodes_naming_a_depot_is_refused(tiny: Problem) -> None:
    vehicles = (Vehicle(0, 0, 18.0, allowed_nodes=frozenset({0, 1})),)
    problem = Problem(tiny.travel_s, tiny.service_s, tiny.prize, tiny.window_s, vehicles, tiny.depots)
    with pytest.raises(InputError, match="allowed_nodes"):
        solve(problem, QUICK)


def test_same_seed_and_iterations_give_identical_routes(tiny: Problem) -> None:
    params = SolveParams(time_limit_s=30.0, seed=4, max_iterations=60)
    assert solve(tiny, params).routes == solve(tiny, params).routes


def test_result_does_not_depend_on_forking(tiny: Problem, monkeypatch: pytest.MonkeyPatch) -> None:
    params = SolveParams(time_limit_s=30.0, seed=2, max_iterations=40)
    forked = solve(tiny, params).routes
    monkeypatch.setattr(optimise.mp, "get_all_start_methods", lambda: ["spawn"])
    assert solve(tiny, params).routes == forked


def _scattered(n: int, vehicles: int, seed: int, window: bool = False) -> Problem:
    """``n`` tasks uniform on a 100 x 100 square, depot at the centre; limits that serve about a third."""
    rng = np.random.default_rng(seed)
    points = np.vstack([[50.0, 50.0], rng.uniform(0, 100, (n, 2))])
    windows = np.column_stack([np.zeros(n + 1), np.full(n + 1, np.inf)])
    if window:  # a few tasks only early in the flight
        windows[1 : n + 1 : 7, 1] = 60.0
    fleet = tuple(Vehicle(0, 0, 150.0) for _ in range(vehicles))
    return _problem(points, np.r_[0.0, rng.integers(1, 10, n)], fleet, frozenset({0}), service=0.5, window=windows)


def test_iteration_bound_results_do_not_depend_on_the_batch_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    from planner.solve import ils

    problem = _scattered(60, 3, 5)
    params = SolveParams(time_limit_s=60.0, seed=3, max_iterations=400)
    monkeypatch.setattr(ils, "BATCH_S", 1e-9)  # one iteration per batch
    one = solve(problem, params)
    monkeypatch.setattr(ils, "BATCH_S", 1e9)  # batches grow as fast as they may
    big = solve(problem, params)
    assert one.routes == big.routes and not one.cut_short and not big.cut_short
    _assert_valid(problem, one)


@pytest.mark.parametrize("window", [False, True])
def test_a_time_limit_that_cuts_an_iteration_bound_run_says_so(window: bool) -> None:
    problem = _scattered(80, 3, 6, window)
    cut = solve(problem, SolveParams(time_limit_s=0.05, seed=0, max_iterations=10**7))
    assert cut.cut_short and cut.iterations < 2 * 10**7
    _assert_valid(problem, cut)
    whole = solve(problem, SolveParams(time_limit_s=60.0, seed=0, max_iterations=30))
    assert not whole.cut_short and whole.iterations == 2 * 30  # two workers
    assert not solve(problem, SolveParams(time_limit_s=0.05, seed=0)).cut_short  # stopping on time is the plan


def test_progress_reports_improving_best(tiny: Problem) -> None:
    seen: list[Progress] = []
    result = solve(tiny, QUICK, seen.append)
    assert seen
    prizes = [p.best_prize for p in seen]
    assert prizes == sorted(prizes)
    assert prizes[-1] == result.prize
    assert all(0 <= p.routes_used <= 2 and p.elapsed_s >= 0 for p in seen)


def test_integer_scale_keeps_the_horizon_in_range(tiny: Problem) -> None:
    scale = integer_scale(tiny)
    assert 18.0 * scale <= 2e9
    assert scale >= 1e3


@pytest.mark.skipif(not (TOP_DIR / "p4.3.k.txt").exists(), reason="shared TOP benchmark not present")
def test_chao_instance_close_to_reference() -> None:
    lines = [ln.split() for ln in (TOP_DIR / "p4.3.k.txt").read_text().splitlines() if ln.strip()]
    m, tmax = int(lines[1][1]), float(lines[2][1])
    rows = np.array([[float(x) for x in ln[:3]] for ln in lines[3:]])
    n = len(rows)
    vehicles = tuple(Vehicle(0, n - 1, tmax) for _ in range(m))
    problem = _problem(rows[:, :2], rows[:, 2], vehicles, frozenset({0, n - 1}))
    result = solve(problem, SolveParams(time_limit_s=60.0, seed=0, max_iterations=400))
    _assert_valid(problem, result)
    reference = 919.0  # best known (refs.csv)
    assert result.prize >= 0.97 * reference


@st.composite
def small_problems(draw: st.DrawFn) -> Problem:
    n_tasks = draw(st.integers(1, 6))
    n_depots = draw(st.integers(1, 2))
    n = n_tasks + n_depots
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    travel = _euclid(rng.uniform(0, 10, size=(n, 2)))
    if draw(st.booleans()):
        travel[rng.random((n, n)) < 0.15] = np.inf
        np.fill_diagonal(travel, 0.0)
    early = rng.uniform(0, 20, n) * (rng.random(n) < 0.5)
    window = np.column_stack([early, np.where(rng.random(n) < 0.5, early + rng.uniform(0, 15, n), np.inf)])
    depots = frozenset(range(n_tasks, n))
    vehicles = tuple(
        Vehicle(
            int(rng.choice(sorted(depots))),
            int(rng.choice(sorted(depots))),
            float(rng.uniform(5, 40)),
            allowed_nodes=frozenset(int(t) for t in range(n_tasks) if rng.random() < 0.7)
            if rng.random() < 0.3
            else None,
            start_s=float(rng.uniform(0, 5)),
        )
        for _ in range(draw(st.integers(1, 3)))
    )
    service = rng.uniform(0, 3, n)
    prize = np.where(np.arange(n) < n_tasks, rng.integers(0, 10, n), 0).astype(float)
    return Problem(travel, service, prize, window, vehicles, depots)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_every_route_passes_evaluate_route(problem: Problem) -> None:
    result = solve(problem, SolveParams(time_limit_s=10.0, seed=1, max_iterations=15))
    _assert_valid(problem, result)
    assert not math.isnan(result.prize)


@pytest.mark.parametrize("bad", [{"destroy_fraction": 0.0}, {"workers": 0}, {"end_temperature": 5.0}])
def test_search_config_refuses_out_of_range_values(bad: dict[str, float]) -> None:
    with pytest.raises(InputError):
        SearchConfig(**bad)
