"""From a scenario to a plan: lay tasks out, cost them, choose loadouts, optimise, assemble timed sorties.

    scenario ─ lay_out ─▶ designs ─ cost_model ─▶ CostModel ─ problem ─▶ solve ─▶ routes ─ sortie ─▶ Plan

Each stage is one package (docs/architecture.md): :mod:`planner.layout` designs the tasks,
:mod:`planner.costs` prices them and says why a task cannot be served, :mod:`planner.solve` chooses who
flies what, :mod:`planner.planning.sorties` times the legs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from planner.core.errors import InfeasibleError
from planner.costs.model import CostModel
from planner.costs.reasons import first_failure, options, reason
from planner.costs.travel import cost_model
from planner.layout.comms import Comms
from planner.layout.designs import lay_out, mark
from planner.model.autopilot import rules
from planner.model.fleet import Airframe, airframes
from planner.model.plan import Plan
from planner.model.scenario import Scenario
from planner.planning.loadout import choose_loadouts
from planner.planning.sorties import sortie
from planner.solve import solver
from planner.solve.problem import Problem, Result, Route, SolveParams

__all__ = ["LOADOUT_ITERATIONS", "Progress", "build_model", "check_wind", "plan", "solve_params"]

LOADOUT_ITERATIONS = 300  # optimiser iterations per evaluation while choosing loadouts

LOADOUT_SHARE = 0.4  # share of the time limit the loadout choice may use
TRIAL_SEARCH = solver.SearchConfig(workers=1)  # a loadout trial is a quick comparison: one search, no fork


@dataclass(frozen=True)
class Progress:
    """What the planner reports while it works: a stage, and the optimiser's best so far."""

    stage: str
    best_prize: float = 0.0
    total_prize: float = 0.0
    elapsed_s: float = 0.0


def plan(
    scenario: Scenario,
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    max_iterations: int | None = None,
    autopilot: str | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> Plan:
    """Plan ``scenario``: loadouts, which aircraft serves which tasks, in what order, when.

    Aircraft types that cannot fly in the wind stay on the ground (a note says why). Raises InfeasibleError
    (e.g. a wind no aircraft can fly against) and InputError (bad settings).
    """
    rules(autopilot or scenario.autopilot)
    report = progress or (lambda _p: None)
    solver.warm_up()  # load the compiled search first, so the first plan follows soon after the model
    started = time.monotonic()
    params = solve_params(scenario, time_limit_s, seed, max_iterations)
    report(Progress("layout"))
    fleet, grounded = check_wind(scenario, airframes(scenario))
    unserved: dict[str, str] = {}
    model = build_model(scenario, fleet, unserved)
    total = float(sum(t.priority for t in scenario.tasks if t.kind != "nofly"))  # as Plan.metrics counts it

    evaluations = 0
    deterministic = params.max_iterations is not None
    cut_short: list[str] = []  # stages the time limit stopped before their max_iterations
    if any(f.chosen for f in fleet) and model.tasks:
        report(Progress("loadout", 0.0, total, time.monotonic() - started))
        # each trial is bounded by its iterations; with max_iterations its time limit is only a cap
        share = LOADOUT_SHARE * params.time_limit_s
        quick = SolveParams(time_limit_s=share if deterministic else max(0.5, share / 20), seed=params.seed,
                            max_iterations=LOADOUT_ITERATIONS)
        cap = None if deterministic else started + share

        def evaluate(trial: list[Airframe]) -> float:
            if cap is not None and time.monotonic() > cap:
                return -math.inf
            result = solver.solve(model.problem(trial), quick, config=TRIAL_SEARCH, polish=False)
            if deterministic and result.cut_short and "loadout" not in cut_short:
                cut_short.append("loadout")
            return result.prize

        fleet, evaluations = choose_loadouts(fleet, dict(scenario.sensors), scenario.reserve,
                                             model.needed(), evaluate)

    problem = model.problem(fleet)
    report(Progress("optimise", 0.0, total, time.monotonic() - started))

    def on_progress(p: solver.Progress) -> None:
        report(Progress("optimise", p.best_prize, total, time.monotonic() - started))

    result = solver.solve(problem, params, on_progress) if problem.tasks else _empty(problem)
    if result.cut_short:
        cut_short.append("optimise")
    report(Progress("assemble", result.prize, total, time.monotonic() - started))
    sorties = [sortie(model, problem, fleet[r.vehicle], r) for r in result.routes if r.nodes]
    served = {name for s in sorties for name in s.tasks}
    masks = [model.masks(f) for f in fleet]
    for i, task in enumerate(model.tasks):
        if not {m.name for m in model.members.get(task.name, (task,))} & served:
            mark(unserved, model.members, task, reason(model, fleet, masks, i))
    return Plan.of(
        scenario, sorties, unserved, autopilot=autopilot,
        solver={
            "time_limit_s": params.time_limit_s,
            "seed": params.seed,
            "max_iterations": params.max_iterations,
            "iterations": result.iterations,
            "loadout_evaluations": evaluations,
            "shared_orbits": len(model.members),
            "orbits_saved": sum(len(m) - 1 for m in model.members.values()),
            "cut_short": cut_short,
        },
        notes=grounded + model.notes + tuple(_cut_note(stage, params) for stage in cut_short),
    )


def _cut_note(stage: str, params: SolveParams) -> str:
    """The warning for a stage the time limit stopped before its iteration count (seconds)."""
    if stage == "loadout":
        what = (f"a loadout trial reached its time cap ({LOADOUT_SHARE * params.time_limit_s:g} s, "
                f"{LOADOUT_SHARE:g} x time_limit_s) before its {LOADOUT_ITERATIONS} iterations")
    else:
        what = (f"the optimiser reached time_limit_s = {params.time_limit_s:g} s before max_iterations = "
                f"{params.max_iterations}")
    return (f"{what}: this plan depends on the machine's speed and may differ from run to run; raise "
            "time_limit_s or lower max_iterations")


def solve_params(scenario: Scenario, time_limit_s: float | None, seed: int | None,
                 max_iterations: int | None) -> SolveParams:
    """The scenario's ``[solver]`` settings, each overridden where given (e.g. by a CLI option)."""
    settings = scenario.solver
    return SolveParams(
        time_limit_s=time_limit_s if time_limit_s is not None else settings.time_limit_s,
        seed=seed if seed is not None else settings.seed,
        max_iterations=max_iterations if max_iterations is not None else settings.max_iterations,
    )


def _empty(problem: Problem) -> Result:
    return Result(tuple(Route(i, ()) for i in range(len(problem.vehicles))), 0.0, 0, 0.0)


def check_wind(scenario: Scenario, fleet: list[Airframe]) -> tuple[list[Airframe], tuple[str, ...]]:
    """The airframes of ``fleet`` that can fly in the scenario's wind (below their cruise and loiter speeds),
    and a note for each aircraft type left on the ground. Raises InfeasibleError when no aircraft can fly."""
    wind = scenario.wind.speed_mps
    why: dict[str, str] = {}
    for craft in {f.aircraft.name: f.aircraft for f in fleet}.values():
        for label, speed in (("cruise", craft.cruise_speed_mps), ("loiter", craft.loiter_speed_mps)):
            if wind >= speed and craft.name not in why:
                why[craft.name] = (f"wind {wind:g} m/s from {scenario.wind.from_deg:g}° is not below the {craft.name} "
                                   f"{label} speed {speed:g} m/s: legs into it make no headway")
    flyable = [f for f in fleet if f.aircraft.name not in why]
    if fleet and not flyable:
        raise InfeasibleError("; ".join(why.values()))
    grounded = tuple(f"{sum(f.aircraft.name == name for f in fleet)} {name} left on the ground: {reason}"
                     for name, reason in why.items())
    return flyable, grounded


def build_model(scenario: Scenario, fleet: list[Airframe], unserved: dict[str, str], *,
                persistent: bool = False) -> CostModel:
    """Lay out the tasks, cost them, and drop those no airframe could serve with any loadout it may carry
    (with the first check that fails, recorded in ``unserved``).

    ``persistent`` selects the tasks asking for persistent coverage (relief on station) instead of the
    others (:func:`planner.layout.designs.lay_out`). Travel times follow the quickest routes round no-fly
    zones. Raises InputError for a base too close to a zone.
    """
    layout = lay_out(scenario, fleet, unserved, persistent=persistent)
    bases = list(scenario.bases)
    comms = Comms.of(bases, scenario.terrain)
    tasks, designs, members = layout.tasks, layout.designs, layout.members
    model = cost_model(scenario, bases, tasks, layout.kits, designs, comms, members, layout.frame, layout.space,
                       circuits=layout.circuits)
    choices = options(model, fleet)
    keep = []
    for i, task in enumerate(model.tasks):
        why = first_failure(model, task, [m for _, m in choices], i)
        if why:
            mark(unserved, members, task, why)
        else:
            keep.append(i)
    if len(keep) != len(tasks):
        tasks = [tasks[i] for i in keep]
        designs = {(keep.index(i), k): d for (i, k), d in designs.items() if i in keep}
        model = cost_model(scenario, bases, tasks, layout.kits, designs, comms, members, layout.frame, layout.space,
                           model.routing, circuits=layout.circuits)
    kept = {t.name for t in model.tasks}
    notes = layout.notes
    return replace(model, notes=tuple(note for name, note in notes.items() if name in kept)) if notes else model
