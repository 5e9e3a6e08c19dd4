"""Persistent surveillance: a relief schedule so a watched orbit is never left uncovered.

Each orbit asking for ``persistent_h`` hours of unbroken coverage is watched by a rotation of aircraft:
one launches, transits out, stays on station as long as its endurance at its loadout less the reserve
allows (whole laps), flies home, lands, and is turned around on the ground (``turnaround_min`` of its
profile) before it may launch again. A relief arrives at least ``handover_min`` before the aircraft it
relieves leaves, so both are on station together.

Here the plan's cost model becomes a :class:`~planner.solve.relief_schedule.ReliefProblem` (what each
aircraft can do at each orbit), and the schedule becomes sorties. The schedule itself, its coverage and gaps
are :mod:`planner.solve.relief_schedule`'s: first a rotation built forward in time; when it leaves gaps,
CP-SAT, seeded with it, chooses each aircraft's sorties (orbit and launch minute) maximising the
priority-weighted covered time, and the better of the two is kept. The smallest fleet giving 100 % is found
by scheduling again with fewer or more aircraft.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

from planner.core.errors import InfeasibleError, InputError
from planner.costs.model import CostModel
from planner.layout.orbit import OrbitDesign
from planner.model.autopilot import rules
from planner.model.fleet import Airframe, airframes
from planner.model.plan import Coverage, Plan, Sortie
from planner.model.scenario import Persistent, Scenario
from planner.planning.pipeline import build_model, check_wind, solve_params
from planner.planning.sorties import flown_by, sortie_legs
from planner.solve.problem import SolveParams
from planner.solve.relief_schedule import (
    Launch,
    ReliefOption,
    ReliefProblem,
    best_rotation,
    closed_form_fleet,
    coverage_of,
    full_coverage,
    solve_relief,
    weighted_coverage,
)

__all__ = ["MAX_FLEET", "plan_relief", "relief_problem"]

MAX_FLEET = 200  # largest fleet the smallest-fleet search will try


def _options(model: CostModel, fleet: list[Airframe], handover_s: float) -> list[ReliefOption]:
    out = []
    nb = model.nb
    for a, frame in enumerate(fleet):
        c = model.class_of(frame)
        k = model.kit_index(frame)
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


def relief_problem(model: CostModel, fleet: list[Airframe], settings: Persistent) -> ReliefProblem:
    handover_s = settings.handover_min * 60.0
    options = _options(model, fleet, handover_s)
    windows = _windows(model, options, settings)
    return ReliefProblem(len(fleet), tuple(options), tuple(t.priority for t in model.tasks), tuple(windows),
                         handover_s)


def _schedule(problem: ReliefProblem, params: SolveParams) -> tuple[list[Launch], str]:
    """The better of the rotation and CP-SAT (seeded with it); the rotation when it already covers all."""
    first = best_rotation(problem)
    if full_coverage(problem, first) or not problem.options:
        return first, "rotation"
    improved = solve_relief(problem, params, hint=first)
    if weighted_coverage(problem, improved) > weighted_coverage(problem, first) + 1e-6:
        return improved, "cp-sat"
    return first, "rotation"


def _fleet_of(fleet: list[Airframe], n: int) -> list[Airframe]:
    """The first ``n`` aircraft of ``fleet``, then copies of its aircraft in turn (``anka-1+1``, …)."""
    extra = [replace(fleet[i % len(fleet)], name=f"{fleet[i % len(fleet)].name}+{i // len(fleet) + 1}")
             for i in range(max(0, n - len(fleet)))]
    return (fleet + extra)[:n]


def _fleet_floor(problem: ReliefProblem) -> int:
    """Where the smallest-fleet search starts: what the windows need.

    In steady state each orbit needs (E + T_g) / (T_os − T_h) aircraft at its best option (the closed form
    before rounding up), aircraft not shared within a cycle. A window shorter than a few cycles needs
    fewer: an aircraft is on station at most ``m`` times in a window of W (launches at least E + T_g
    apart, each T_os long: m = ⌊(W + T_os) / (E + T_g)⌋ + 1), so an orbit needs at least
    ⌈W / min(W, m·T_os)⌉ aircraft (one, when one sortie outlasts the window). The search starts at the
    larger per-orbit need, or at the sum of the steady-state needs when the windows' own sum is larger.
    """
    steady = 0.0
    window_need = []
    for o, (start, end) in enumerate(problem.windows):
        mine = [x for x in problem.options if x.orbit == o]
        steady += min((x.busy_s / (x.station_s - problem.handover_s) for x in mine), default=0.0)
        length = end - start
        best = max((min(length, (math.floor((length + x.station_s) / x.busy_s) + 1) * x.station_s) for x in mine),
                   default=0.0)
        window_need.append(math.ceil(length / best - 1e-9) if best > 0 and length > 0 else 0)
    return max(1, max(window_need, default=0), min(math.floor(steady + 1e-9), sum(window_need)))


def _smallest_fleet(model: CostModel, fleet: list[Airframe], settings: Persistent, params: SolveParams,
                    problem: ReliefProblem) -> int | None:
    """The fewest aircraft (the fleet's first ones, then copies of its aircraft in turn) whose schedule
    covers the whole window of every orbit they can watch: the rotation's answer from a closed-form lower
    bound up, then CP-SAT tries one aircraft fewer for several orbits. ``problem`` is the fleet's own."""
    found = None
    for n in range(_fleet_floor(problem), MAX_FLEET + 1):
        problem = relief_problem(model, _fleet_of(fleet, n), settings)
        if problem.options and full_coverage(problem, best_rotation(problem)):
            found = n
            break
    if found is None or found == 1 or len(model.tasks) == 1:
        return found
    fewer = relief_problem(model, _fleet_of(fleet, found - 1), settings)
    quick = SolveParams(time_limit_s=max(1.0, params.time_limit_s / 4), seed=params.seed,
                        max_iterations=params.max_iterations)
    if full_coverage(fewer, solve_relief(fewer, quick, hint=best_rotation(fewer), coverage_only=True)):
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
    covered share, gaps and the smallest fleet giving 100 %. Aircraft types that cannot fly in the wind stay
    on the ground (a note says why). Raises InputError when the scenario asks for no persistent coverage,
    InfeasibleError for a wind no aircraft of the fleet can fly in.
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
    fleet, grounded = check_wind(scenario, airframes(scenario))
    unserved: dict[str, str] = {}
    model = build_model(scenario, fleet, unserved, persistent=True)
    for name in [n for n, why in unserved.items() if why.startswith("persistent")]:
        del unserved[name]
    for task in scenario.work:
        if task.persistent_h is not None and task.kind != "orbit":
            unserved[task.name] = "persistent coverage is planned for orbits only"
    params = solve_params(scenario, time_limit_s, seed, None)
    problem = relief_problem(model, fleet, settings)
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
        elif coverage[-1].share < 1.0 - 1e-9:
            unserved.setdefault(task.name, _partly(coverage[-1], needed))
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
        coverage=tuple(coverage), notes=grounded,
    )


def _partly(c: Coverage, needed: int | None) -> str:
    """Why a persistent orbit watched for part of its window is not served as asked."""
    asked_h = (c.window_end_s - c.window_start_s) / 3600.0
    fleet = f": a fleet of {needed} would cover every orbit" if needed is not None else ""
    return (f"partly covered: {c.share:.1%} of the {asked_h:g} h asked ({c.covered_s / 3600.0:.1f} h, "
            f"{len(c.gaps)} gap{'s' * (len(c.gaps) != 1)}){fleet}")


def _launch_sortie(model: CostModel, fleet: list[Airframe], x: Launch, number: int) -> Sortie:
    """A launch as a sortie named by aircraft and launch time (day and UTC time of day)."""
    frame = fleet[x.aircraft]
    k = model.kit_index(frame)
    design = model.designs[x.orbit, k]
    if not isinstance(design, OrbitDesign):
        raise InfeasibleError("internal: relief on a pattern")
    turns = round((x.depart_s - x.arrive_s) / design.lap_s)
    node = model.nb + x.orbit
    legs = sortie_legs(model, frame, model.class_of(frame), (node,), (x.arrive_s,), (x.arrive_s,),
                       {node: replace(design, turns=turns)})
    when = model.scenario.start + timedelta(seconds=x.launch_s)
    return flown_by(frame, legs, f"{frame.name}-{when:%Y%m%dT%H%MZ}", (f"relief launch {number + 1}",))
