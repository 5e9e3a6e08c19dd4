"""Persistent surveillance: a relief schedule so a watched orbit is never left uncovered.

Each orbit asking for ``persistent_h`` hours of unbroken coverage is watched by a rotation of aircraft:
one launches, transits out, stays on station as long as its endurance at its loadout less the reserve
allows (whole laps), flies home, lands, and is turned around on the ground (``turnaround_min`` of its
profile) before it may launch again. A relief arrives at least ``handover_min`` before the aircraft it
relieves leaves, so both are on station together.

Coverage: an aircraft arriving at an empty orbit covers it from its arrival; one arriving while another
is on station (a relief) covers it from the end of the handover. Covered shares and gaps are measured
on the schedule's own times (:func:`coverage_of`).

The schedule: first a rotation built forward in time (:func:`rotation`); when it leaves gaps, CP-SAT
(``planner.optimise.solve_relief``), seeded with it, chooses each aircraft's sorties (orbit and launch
minute) maximising the priority-weighted covered time, and the better of the two is kept. The smallest
fleet giving 100 % is found by planning again with fewer or more aircraft.

Closed form for one orbit, checked in the tests: with E the airborne time of a sortie, T_g the ground
turnaround, T_os the time on station and T_h the handover, N = ⌈(E + T_g) / (T_os − T_h)⌉.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from planner.core.errors import InfeasibleError, InputError
from planner.layout.orbit import OrbitDesign
from planner.model.autopilot import rules
from planner.model.fleet import Airframe, airframes
from planner.model.plan import Coverage, Plan, Sortie
from planner.model.scenario import Persistent, Scenario
from planner.planning.pipeline import CostModel, build_model, check_wind, solve_params, sortie_legs
from planner.solve.problem import SolveParams

__all__ = [
    "Launch",
    "ReliefOption",
    "ReliefProblem",
    "busy_steps",
    "closed_form_fleet",
    "coverage_of",
    "plan_relief",
    "rotation",
]

MAX_FLEET = 200  # largest fleet the smallest-fleet search will try
STEP_S = 60.0  # launches are on whole minutes from the mission start


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
    covered = 0.0
    gaps: list[tuple[float, float]] = []
    t = lo
    for a, b in sorted(credited):
        a, b = max(a, lo), min(b, hi)
        if b <= a:
            continue
        if a > t:
            gaps.append((t, a))
        if b > t:
            covered += b - max(a, t)
            t = b
    if t < hi:
        gaps.append((t, hi))
    return covered, gaps


def _options(model: CostModel, fleet: list[Airframe], handover_s: float) -> list[ReliefOption]:
    out = []
    nb = model.nb
    for a, frame in enumerate(fleet):
        c = model.class_of(frame)
        k = model.types.index(frame.aircraft.name)
        home = model.bases.index(frame.base)
        masks = model.masks(frame)
        for o in range(len(model.tasks)):
            design = model.designs.get((o, k))
            if not isinstance(design, OrbitDesign) or not masks["comms"][o]:
                continue
            out_s = float(model.travel[c, home, nb + o])
            back_s = float(model.travel[c, nb + o, home])
            if not math.isfinite(out_s + back_s):  # no way there and back (radio reach, zones, wind)
                continue
            laps = math.floor((frame.usable_s - out_s - back_s) / design.lap_s)
            station = laps * design.lap_s
            if laps < 1 or station <= handover_s:
                continue
            out.append(ReliefOption(a, o, out_s, station, back_s, frame.aircraft.turnaround_min * 60.0))
    return out


def _windows(model: CostModel, options: list[ReliefOption], settings: Persistent) -> list[tuple[float, float]]:
    """Each orbit's coverage window (s from the mission start): from the earliest possible arrival, rounded
    up to the minute, ``persistent_h`` (or the horizon) long."""
    out = []
    for o, task in enumerate(model.tasks):
        first = min((x.out_s for x in options if x.orbit == o), default=0.0)
        start = math.ceil(first / 60.0 - 1e-9) * 60.0
        hours = task.persistent_h if task.persistent_h is not None else settings.horizon_h or 0.0
        out.append((start, start + hours * 3600.0))
    return out


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


def _weighted(problem: ReliefProblem, launches: Sequence[Launch]) -> float:
    """Priority-weighted covered seconds of ``launches`` over every orbit's window."""
    return sum(problem.weights[o] * coverage_of(launches, o, w, problem.handover_s)[0]
               for o, w in enumerate(problem.windows))


def _full(problem: ReliefProblem, launches: Sequence[Launch]) -> bool:
    """Whether every orbit some aircraft can watch is covered over its whole window."""
    return all(coverage_of(launches, o, w, problem.handover_s)[0] >= (w[1] - w[0]) - 1e-6
               for o, w in enumerate(problem.windows) if any(x.orbit == o for x in problem.options))


def _problem(model: CostModel, fleet: list[Airframe], settings: Persistent) -> ReliefProblem:
    handover_s = settings.handover_min * 60.0
    options = _options(model, fleet, handover_s)
    windows = _windows(model, options, settings)
    return ReliefProblem(len(fleet), tuple(options), tuple(t.priority for t in model.tasks), tuple(windows),
                         handover_s)


def _schedule(problem: ReliefProblem, params: SolveParams) -> tuple[list[Launch], str]:
    """The better of the rotation and CP-SAT (seeded with it); the rotation when it already covers all."""
    from planner.solve import solver as optimise

    first = _best_rotation(problem)
    if _full(problem, first) or not problem.options:
        return first, "rotation"
    improved = optimise.solve_relief(problem, params, hint=first)
    if _weighted(problem, improved) > _weighted(problem, first) + 1e-6:
        return improved, "cp-sat"
    return first, "rotation"


def _best_rotation(problem: ReliefProblem) -> list[Launch]:
    """The better of the interleaved and the by-priority rotation (priority-weighted covered time)."""
    return max((rotation(problem), rotation(problem, by_priority=True)), key=lambda x: _weighted(problem, x))


def _fleet_of(fleet: list[Airframe], n: int) -> list[Airframe]:
    """The first ``n`` aircraft of ``fleet``, then copies of its aircraft in turn (``anka-1+1``, …)."""
    extra = [replace(fleet[i % len(fleet)], name=f"{fleet[i % len(fleet)].name}+{i // len(fleet) + 1}")
             for i in range(max(0, n - len(fleet)))]
    return (fleet + extra)[:n]


def _fleet_floor(problem: ReliefProblem) -> int:
    """A lower bound on the fleet covering every orbit: each orbit needs (E + T_g) / (T_os − T_h) aircraft
    at its best option (the closed form before rounding up), and aircraft are not shared within a cycle."""
    need = 0.0
    for o in range(len(problem.windows)):
        ratios = [x.busy_s / (x.station_s - problem.handover_s) for x in problem.options if x.orbit == o]
        need += min(ratios, default=0.0)
    return max(1, math.floor(need + 1e-9))


def _smallest_fleet(model: CostModel, fleet: list[Airframe], settings: Persistent, params: SolveParams,
                    problem: ReliefProblem) -> int | None:
    """The fewest aircraft (the fleet's first ones, then copies of its aircraft in turn) whose schedule
    covers the whole window of every orbit they can watch: the rotation's answer from a closed-form lower
    bound up, then CP-SAT tries one aircraft fewer for several orbits. ``problem`` is the fleet's own."""
    from planner.solve import solver as optimise

    found = None
    for n in range(_fleet_floor(problem), MAX_FLEET + 1):
        problem = _problem(model, _fleet_of(fleet, n), settings)
        if problem.options and _full(problem, _best_rotation(problem)):
            found = n
            break
    if found is None or found == 1 or len(model.tasks) == 1:
        return found
    fewer = _problem(model, _fleet_of(fleet, found - 1), settings)
    quick = SolveParams(time_limit_s=max(1.0, params.time_limit_s / 4), seed=params.seed,
                        max_iterations=params.max_iterations)
    if _full(fewer, optimise.solve_relief(fewer, quick, hint=_best_rotation(fewer), coverage_only=True)):
        return found - 1
    return found


def plan_relief(
    scenario: Scenario,
    settings: Persistent | None = None,
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    autopilot: str | None = None,
    smallest_fleet: bool = True,
) -> Plan:
    """The relief schedule of every persistent orbit of ``scenario`` with its fleet, as a Plan of launches.

    ``settings`` defaults to the scenario's ``[persistent]`` table. ``Plan.coverage`` holds each orbit's
    covered share, gaps and the smallest fleet giving 100 %. Raises InputError when the scenario asks
    for no persistent coverage, InfeasibleError for winds the fleet cannot fly in.
    """
    rules(autopilot or scenario.autopilot)  # an unknown autopilot fails before any solving
    settings = settings or scenario.persistent
    if settings.horizon_h is not None:
        scenario = replace(scenario, tasks=tuple(
            replace(t, persistent_h=settings.horizon_h) if t.kind == "orbit" and t.persistent_h is None else t
            for t in scenario.tasks))
    if not any(t.persistent_h is not None for t in scenario.work):
        raise InputError("no task asks for persistent coverage: give orbit tasks persistent_h, or the "
                         "scenario a [persistent] table with horizon_h")
    fleet = airframes(scenario)
    check_wind(scenario, fleet)
    unserved: dict[str, str] = {}
    model = build_model(scenario, fleet, unserved, persistent=True)
    for name in [n for n, why in unserved.items() if why.startswith("persistent")]:
        del unserved[name]
    for task in scenario.work:
        if task.persistent_h is not None and task.kind != "orbit":
            unserved[task.name] = "persistent coverage is planned for orbits only"
    params = solve_params(scenario, time_limit_s, seed, None)
    problem = _problem(model, fleet, settings)
    launches, method = _schedule(problem, params)
    sorties = [_launch_sortie(model, fleet, x, n) for n, x in enumerate(launches)]
    needed = _smallest_fleet(model, fleet, settings, params, problem) if smallest_fleet and model.tasks else None
    coverage = []
    for o, task in enumerate(model.tasks):
        covered, gaps = coverage_of(launches, o, problem.windows[o], problem.handover_s)
        option = next((x for x in problem.options if x.orbit == o), None)
        coverage.append(Coverage(
            task=task.name,
            window_start_s=problem.windows[o][0],
            window_end_s=problem.windows[o][1],
            covered_s=covered,
            gaps=tuple(gaps),
            fleet_needed=needed if option else None,
            closed_form=closed_form_fleet(option.out_s + option.station_s + option.back_s, option.turnaround_s,
                                          option.station_s, problem.handover_s) if option else None,
        ))
        if option is None:
            unserved.setdefault(task.name, "no aircraft can reach it, stay on station past the handover and "
                                           "return within its endurance less reserve")
    planned = {c.task for c in coverage}
    for task in scenario.work:  # persistent orbits set aside before scheduling: never covered
        if task.kind == "orbit" and task.persistent_h is not None and task.name not in planned:
            span = task.persistent_h * 3600.0
            coverage.append(Coverage(task=task.name, window_start_s=0.0, window_end_s=span, covered_s=0.0,
                                     gaps=((0.0, span),)))
    return Plan.of(
        scenario, sorties, unserved, autopilot=autopilot,
        solver={"time_limit_s": params.time_limit_s, "seed": params.seed, "schedule": method,
                "handover_min": settings.handover_min, "launches": len(launches)},
        coverage=tuple(coverage),
    )


def _launch_key(x: Launch) -> tuple[float, int]:
    return (x.launch_s, x.aircraft)


def _launch_sortie(model: CostModel, fleet: list[Airframe], x: Launch, number: int) -> Sortie:
    """A launch as a sortie named by aircraft and launch time (day and UTC time of day)."""
    frame = fleet[x.aircraft]
    k = model.types.index(frame.aircraft.name)
    design = model.designs[x.orbit, k]
    if not isinstance(design, OrbitDesign):
        raise InfeasibleError("internal: relief on a pattern")
    turns = round((x.depart_s - x.arrive_s) / design.lap_s)
    node = model.nb + x.orbit
    legs = sortie_legs(model, frame, model.class_of(frame), (node,), (x.arrive_s,), (x.arrive_s,),
                       {node: replace(design, turns=turns)})
    when = model.scenario.start + timedelta(seconds=x.launch_s)
    return Sortie(
        name=f"{frame.name}-{when:%Y%m%dT%H%MZ}",
        aircraft=frame.aircraft,
        base=frame.base,
        loadout=frame.loadout,
        payload_kg=frame.payload_kg,
        endurance_s=frame.endurance_s,
        reserve_s=frame.reserve_s,
        legs=legs,
        notes=(f"relief launch {number + 1}",),
    )
