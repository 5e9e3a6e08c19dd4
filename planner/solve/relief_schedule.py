"""Relief schedules on station: the problem, the coverage a schedule gives, a forward rotation and the
CP-SAT model that improves on it (:mod:`planner.planning.relief` builds the problem from a plan's costs).

Coverage: an aircraft arriving at an empty orbit covers it from its arrival; one arriving while another is
on station (a relief) covers it from the end of the handover. Launches are on whole ``STEP_S`` (a minute)
from the mission start. Closed form for one orbit: with E the airborne time of a sortie, T_g the ground
turnaround, T_os the time on station and T_h the handover, N = ⌈(E + T_g) / (T_os − T_h)⌉.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from planner.core.intervals import covered_s
from planner.solve.cp import cp_solver
from planner.solve.problem import SolveParams

__all__ = [
    "STEP_S",
    "Launch",
    "ReliefOption",
    "ReliefProblem",
    "best_rotation",
    "busy_steps",
    "closed_form_fleet",
    "coverage_of",
    "full_coverage",
    "rotation",
    "solve_relief",
    "weighted_coverage",
]

STEP_S = 60.0  # launches are on whole minutes from the mission start


_RELIEF_DETERMINISTIC = 0.5  # most deterministic time a relief schedule gets (about 1 s of wall here)


@dataclass(frozen=True)
class ReliefOption:
    """Aircraft ``aircraft`` watching orbit ``orbit``: times (s) out, on station (whole laps) and back, and
    ``busy_s`` from launch until it may launch again (landing plus turnaround)."""

    aircraft: int
    orbit: int
    out_s: float
    station_s: float
    back_s: float
    turnaround_s: float

    @property
    def busy_s(self) -> float:
        return self.out_s + self.station_s + self.back_s + self.turnaround_s


@dataclass(frozen=True)
class ReliefProblem:
    """Everything a schedule needs: options, orbit weights and coverage windows (s), handover (s)."""

    n_aircraft: int
    options: tuple[ReliefOption, ...]
    weights: tuple[float, ...]
    windows: tuple[tuple[float, float], ...]
    handover_s: float


@dataclass(frozen=True)
class Launch:
    """One sortie of the schedule: times in seconds from the mission start."""

    aircraft: int
    orbit: int
    launch_s: float
    arrive_s: float
    depart_s: float
    land_s: float


def closed_form_fleet(airborne_s: float, ground_s: float, station_s: float, handover_s: float) -> int:
    """N = ⌈(E + T_g) / (T_os − T_h)⌉ aircraft for unbroken coverage of one orbit (0: impossible)."""
    gain = station_s - handover_s
    return math.ceil((airborne_s + ground_s) / gain - 1e-9) if gain > 0 else 0


def coverage_of(launches: Sequence[Launch], orbit: int, window: tuple[float, float],
                handover_s: float) -> tuple[float, list[tuple[float, float]]]:
    """Covered seconds of ``window`` at ``orbit`` and the gaps (start, end), seconds.

    An aircraft covers from its arrival when the orbit is empty then, from ``handover_s`` later when it
    relieves one on station, until its departure.
    """
    lo, hi = window
    spans = sorted((x.arrive_s, x.depart_s) for x in launches if x.orbit == orbit)
    credited = []
    for i, (arrive, depart) in enumerate(spans):
        relief = any(a <= arrive < d for a, d in spans[:i])
        credited.append((arrive + (handover_s if relief else 0.0), depart))
    return covered_s(credited, (lo, hi))


def rotation(problem: ReliefProblem, *, by_priority: bool = False) -> list[Launch]:
    """A relief rotation built forward in time: each relief arrives ``handover`` before the aircraft on
    station must leave, flown by the aircraft that keeps the orbit longest among those back and turned
    around in time (else the one that can arrive first, leaving a gap). Launches are on whole
    ``STEP_S`` (a minute); an aircraft is busy a whole number of steps from each launch.

    All orbits are served together in order of their next relief time (higher weight first on ties), or
    with ``by_priority`` one priority level after another, later levels using the aircraft's idle time.
    For one orbit and identical aircraft this is the closed-form rotation, so it covers the window when
    N ≥ ⌈(E + T_g) / (T_os − T_h)⌉ (with a minute of slack per relief). It also seeds CP-SAT.
    """
    busy: list[list[tuple[int, int]]] = [[] for _ in range(problem.n_aircraft)]  # launch steps taken
    by_orbit: dict[int, list[ReliefOption]] = {}
    for x in problem.options:
        by_orbit.setdefault(x.orbit, []).append(x)
    orbits = [o for o in range(len(problem.windows)) if by_orbit.get(o)]
    if by_priority:
        levels = sorted({problem.weights[o] for o in orbits}, reverse=True)
        groups = [[o for o in orbits if problem.weights[o] == w] for w in levels]
    else:
        groups = [orbits]
    out: list[Launch] = []
    for group in groups:
        out.extend(_rotate(problem, group, by_orbit, busy))
    return sorted(out, key=_launch_key)


def _rotate(problem: ReliefProblem, orbits: list[int], by_orbit: dict[int, list[ReliefOption]],
            busy: list[list[tuple[int, int]]]) -> list[Launch]:
    """Rotations of ``orbits`` served together, taking aircraft time from ``busy`` (updated)."""
    target = {o: problem.windows[o][0] for o in orbits}  # next wanted arrival (s) per orbit
    live = {o for o in orbits if problem.windows[o][1] > problem.windows[o][0]}
    out: list[Launch] = []
    while live:
        o = min(live, key=lambda o: (target[o], -problem.weights[o], o))
        best: tuple[tuple[float, ...], ReliefOption, int] | None = None
        for x in by_orbit[o]:
            size = busy_steps(x)
            latest = math.floor((target[o] - x.out_s) / STEP_S + 1e-9)
            step = _latest_free(busy[x.aircraft], latest, size)
            if step is not None:  # on time: keep the orbit longest, then the longest-idle aircraft
                key: tuple[float, ...] = (1, step * STEP_S + x.out_s + x.station_s, -x.aircraft)
            else:  # late: arrive first
                step = _earliest_free(busy[x.aircraft], max(latest, 0), size)
                key = (0, -(step * STEP_S + x.out_s), x.station_s, -x.aircraft)
            if best is None or key > best[0]:
                best = (key, x, step)
        assert best is not None
        _, x, step = best
        launch = step * STEP_S
        arrive = launch + x.out_s
        if arrive >= problem.windows[o][1]:
            live.discard(o)
            continue
        out.append(Launch(x.aircraft, o, launch, arrive, arrive + x.station_s, arrive + x.station_s + x.back_s))
        busy[x.aircraft].append((step, step + busy_steps(x)))
        target[o] = arrive + x.station_s - problem.handover_s
        if arrive + x.station_s >= problem.windows[o][1]:
            live.discard(o)
    return out


def _latest_free(taken: list[tuple[int, int]], latest: int, size: int) -> int | None:
    """The latest launch step ≤ ``latest`` (and ≥ 0) whose ``size`` steps miss every taken span."""
    step = latest
    while step >= 0:
        clash = [s for s, e in taken if s < step + size and step < e]
        if not clash:
            return step
        step = min(clash) - size
    return None


def _earliest_free(taken: list[tuple[int, int]], earliest: int, size: int) -> int:
    """The earliest launch step ≥ ``earliest`` whose ``size`` steps miss every taken span."""
    step = earliest
    while True:
        clash = [e for s, e in taken if s < step + size and step < e]
        if not clash:
            return step
        step = max(clash)


def busy_steps(x: ReliefOption) -> int:
    """Whole steps from a launch of ``x`` until its aircraft may launch again."""
    return math.ceil(x.busy_s / STEP_S - 1e-9)


def weighted_coverage(problem: ReliefProblem, launches: Sequence[Launch]) -> float:
    """Priority-weighted covered seconds of ``launches`` over every orbit's window."""
    return sum(problem.weights[o] * coverage_of(launches, o, w, problem.handover_s)[0]
               for o, w in enumerate(problem.windows))


def full_coverage(problem: ReliefProblem, launches: Sequence[Launch]) -> bool:
    """Whether every orbit some aircraft can watch is covered over its whole window."""
    return all(coverage_of(launches, o, w, problem.handover_s)[0] >= (w[1] - w[0]) - 1e-6
               for o, w in enumerate(problem.windows) if any(x.orbit == o for x in problem.options))


def best_rotation(problem: ReliefProblem) -> list[Launch]:
    """The better of the interleaved and the by-priority rotation (priority-weighted covered time)."""
    return max((rotation(problem), rotation(problem, by_priority=True)), key=lambda x: weighted_coverage(problem, x))


def _launch_key(x: Launch) -> tuple[float, int]:
    return (x.launch_s, x.aircraft)


def solve_relief(problem: ReliefProblem, params: SolveParams, *, hint: Sequence[Launch] = (),
                 coverage_only: bool = False) -> list[Launch]:
    """CP-SAT relief schedule: each aircraft's sorties (orbit and launch minute), priority-weighted coverage.

    Each aircraft has up to K sortie slots, K from the horizon over its shortest launch-to-relaunch cycle.
    A sortie flying option (aircraft, orbit) occupies the aircraft from launch to landing plus turnaround
    (no overlap per aircraft) and may credit the orbit with a span inside [arrival + handover, departure]
    and inside the window; credited spans of one orbit do not overlap, so their lengths add up to covered
    time (a lower bound of :func:`coverage_of`). Maximises priority-weighted credited
    minutes, then (unless ``coverage_only``) the fewest sorties. ``hint`` (e.g. the rotation) seeds the
    search. With ``params.max_iterations`` set the result is deterministic (two interleaved workers on a small
    deterministic-time budget, at most ``_RELIEF_DETERMINISTIC``); without it they run for the time limit.
    """
    handover = math.ceil(problem.handover_s / STEP_S - 1e-9)
    windows = [(math.ceil(a / STEP_S - 1e-9), math.floor(b / STEP_S + 1e-9)) for a, b in problem.windows]
    horizon = max((w1 for _, w1 in windows), default=0)
    by_aircraft: dict[int, list[int]] = {}
    for i, opt in enumerate(problem.options):
        by_aircraft.setdefault(opt.aircraft, []).append(i)
    credit_hint = _credit_hints(problem, hint, windows, handover)
    model = cp_model.CpModel()
    credits: dict[int, list[cp_model.IntervalVar]] = {}
    objective = []
    sorties = []
    picks: list[tuple[int, cp_model.IntVar, cp_model.IntVar]] = []  # (option, chosen, launch)
    for a, options in sorted(by_aircraft.items()):
        k_max = horizon // max(1, min(busy_steps(problem.options[i]) for i in options)) + 1
        mine = sorted((x for x in hint if x.aircraft == a), key=lambda x: x.launch_s)
        busy: list[cp_model.IntervalVar] = []
        prev: tuple[cp_model.IntVar, cp_model.IntVar] | None = None
        for j in range(k_max):
            launch = model.NewIntVar(0, horizon, f"L{a}_{j}")
            used = model.NewBoolVar(f"u{a}_{j}")
            hinted = mine[j] if j < len(mine) else None
            model.AddHint(used, hinted is not None)
            if hinted is not None:
                model.AddHint(launch, round(hinted.launch_s / STEP_S))
            choice = []
            for i in options:
                opt = problem.options[i]
                w0, w1 = windows[opt.orbit]
                arrive = math.ceil(opt.out_s / STEP_S - 1e-9)
                depart = math.floor((opt.out_s + opt.station_s) / STEP_S + 1e-9)
                x = model.NewBoolVar(f"x{a}_{j}_{i}")
                c = model.NewBoolVar(f"c{a}_{j}_{i}")  # this sortie credits its orbit
                choice.append(x)
                model.AddImplication(c, x)
                busy.append(model.NewOptionalFixedSizeIntervalVar(launch, busy_steps(opt), x, f"b{a}_{j}_{i}"))
                start = model.NewIntVar(w0, w1, f"s{a}_{j}_{i}")
                end = model.NewIntVar(w0, w1, f"e{a}_{j}_{i}")
                length = model.NewIntVar(0, w1 - w0, f"n{a}_{j}_{i}")
                model.Add(start >= launch + arrive + handover).OnlyEnforceIf(c)
                model.Add(end <= launch + depart).OnlyEnforceIf(c)
                model.Add(length == 0).OnlyEnforceIf(c.Not())
                credits.setdefault(opt.orbit, []).append(model.NewOptionalIntervalVar(start, length, end, c, f"c{a}_{j}_{i}"))
                objective.append(max(1, round(problem.weights[opt.orbit] * 100)) * length)
                picks.append((i, x, launch))
                on = hinted is not None and hinted.orbit == opt.orbit
                span = credit_hint.get(hinted) if on and hinted is not None else None
                model.AddHint(x, on)
                model.AddHint(c, span is not None)
                s_h, e_h = span if span is not None else (w0, w0)
                model.AddHint(start, s_h)
                model.AddHint(end, e_h)
                model.AddHint(length, e_h - s_h)
            model.AddExactlyOne([used.Not(), *choice])
            sorties.append(used)
            if prev is not None:  # slots in launch order, used ones first
                model.Add(launch >= prev[0])
                model.AddImplication(used, prev[1])
            prev = (launch, used)
        model.AddNoOverlap(busy)
    for intervals in credits.values():
        model.AddNoOverlap(intervals)
    covered = sum(objective)
    model.Maximize(covered if coverage_only else covered * (len(sorties) + 1) - sum(sorties))
    if params.max_iterations is None:
        solver = cp_solver(params.seed, wall_s=params.time_limit_s)
    else:  # deterministic: a small deterministic-time budget; interleaved workers overshoot it several-fold
        solver = cp_solver(params.seed, wall_s=2 * params.time_limit_s + 5.0,
                            deterministic_s=min(params.time_limit_s / 8, _RELIEF_DETERMINISTIC))
    solver.parameters.repair_hint = True
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return []
    out = []
    for i, x, launch in picks:
        if solver.Value(x):
            opt = problem.options[i]
            t = solver.Value(launch) * STEP_S
            out.append(Launch(opt.aircraft, opt.orbit, t, t + opt.out_s, t + opt.out_s + opt.station_s,
                              t + opt.out_s + opt.station_s + opt.back_s))
    return sorted(out, key=lambda x: (x.launch_s, x.aircraft))


def _credit_hints(problem: ReliefProblem, launches: Sequence[Launch], windows: list[tuple[int, int]],
                  handover: int) -> dict[Launch, tuple[int, int]]:
    """Credited (start, end) steps of each hinted launch as :func:`solve_relief` models them: inside
    arrival + handover to departure and the window, after the orbit's previous credit; none if empty."""
    out: dict[Launch, tuple[int, int]] = {}
    last: dict[int, int] = {}
    for x in sorted(launches, key=lambda x: (x.arrive_s, x.aircraft)):
        opt = next(o for o in problem.options if o.aircraft == x.aircraft and o.orbit == x.orbit)
        launch = round(x.launch_s / STEP_S)
        w0, w1 = windows[x.orbit]
        start = max(launch + math.ceil(opt.out_s / STEP_S - 1e-9) + handover, w0, last.get(x.orbit, w0))
        end = min(launch + math.floor((opt.out_s + opt.station_s) / STEP_S + 1e-9), w1)
        if end > start:
            out[x] = (start, end)
            last[x.orbit] = end
    return out
