"""From a scenario to a plan: lay tasks out, cost them, optimise, and assemble timed sorties.

The time model (conservative, documented in docs/concepts.md): transits follow geodesics at cruise
airspeed with the wind's ground speed on the leg's mean track; climbs and descents are flown in
circles over the base or en route, their time (height / climb or descent rate) added to the leg, not
overlapped; orbits last whole laps of the wind-widened circle at loiter speed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from planner import geo, physics
from planner.errors import InfeasibleError
from planner.fleet import Airframe, airframes
from planner.orbits import OrbitDesign, design_orbit
from planner.plan import Leg, Orbit, Plan, Position, Sortie, Unserved
from planner.problem import Problem, Result, SolveParams, Vehicle, evaluate_route
from planner.scenario import Base, Scenario, Task
from planner.sensors import Sensor

__all__ = ["APPROACH_M", "TAKEOFF_AGL_M", "Progress", "plan"]

TAKEOFF_AGL_M = 300.0  # height of the take-off climb-out and of the landing circuit above the base
APPROACH_M = 4000.0  # final approach length along the runway when the base gives runway_deg


@dataclass(frozen=True)
class Progress:
    """What the planner reports while it works: a stage, and the optimiser's best so far."""

    stage: str
    best_prize: float = 0.0
    total_prize: float = 0.0
    elapsed_s: float = 0.0


@dataclass(frozen=True)
class _Layout:
    """Everything the optimiser and the assembler share about the candidate tasks."""

    frame: geo.LocalFrame
    frames: list[Airframe]
    classes: list[str]
    tasks: list[Task]
    designs: dict[tuple[int, int], OrbitDesign]  # (task index, class index)
    bases: list[Base]
    problem: Problem


def plan(
    scenario: Scenario,
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    max_iterations: int | None = None,
    autopilot: str | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> Plan:
    """Plan ``scenario``: which aircraft serves which tasks, in what order, when. Raises InfeasibleError."""
    from planner import optimise

    report = progress or (lambda _p: None)
    started = time.monotonic()
    settings = scenario.solver
    params = SolveParams(
        time_limit_s=time_limit_s if time_limit_s is not None else settings.time_limit_s,
        seed=seed if seed is not None else settings.seed,
        max_iterations=max_iterations if max_iterations is not None else settings.max_iterations,
    )
    report(Progress("layout"))
    fleet = airframes(scenario)
    _check_wind(scenario, fleet)
    unserved: dict[str, str] = {}
    layout = _layout(scenario, fleet, unserved)
    total = float(sum(t.priority for t in layout.tasks))
    report(Progress("optimise", 0.0, total, time.monotonic() - started))

    def on_progress(p: optimise.Progress) -> None:
        report(Progress("optimise", p.best_prize, total, time.monotonic() - started))

    result = optimise.solve(layout.problem, params, on_progress) if layout.problem.tasks else _empty(layout.problem)
    report(Progress("assemble", result.prize, total, time.monotonic() - started))
    sorties = _assemble(layout, result, scenario)
    served = {name for s in sorties for name in s.tasks}
    for task in layout.tasks:
        if task.name not in served and task.name not in unserved:
            unserved[task.name] = "did not fit: the fleet's endurance went to higher-value tasks"
    order = {t.name: i for i, t in enumerate(scenario.work)}
    return Plan(
        name=scenario.name,
        start=scenario.start,
        autopilot=autopilot or scenario.autopilot,
        wind=scenario.wind,
        bases=scenario.bases,
        tasks=scenario.tasks,
        sorties=tuple(sorties),
        unserved=tuple(Unserved(n, r) for n, r in sorted(unserved.items(), key=lambda kv: order[kv[0]])),
        solver={
            "time_limit_s": params.time_limit_s,
            "seed": params.seed,
            "max_iterations": params.max_iterations,
            "iterations": result.iterations,
        },
        notes=scenario.warnings,
    )


def _empty(problem: Problem) -> Result:
    from planner.problem import Route

    return Result(tuple(Route(i, ()) for i in range(len(problem.vehicles))), 0.0, 0, 0.0)


def _check_wind(scenario: Scenario, fleet: list[Airframe]) -> None:
    wind = scenario.wind.speed_mps
    for craft in {f.aircraft.name: f.aircraft for f in fleet}.values():
        for label, speed in (("cruise", craft.cruise_speed_mps), ("loiter", craft.loiter_speed_mps)):
            if wind >= speed:
                raise InfeasibleError(
                    f"wind {wind:g} m/s from {scenario.wind.from_deg:g}° is not below the {craft.name} {label} "
                    f"speed {speed:g} m/s: legs into it make no headway"
                )


def _sensor_for(task: Task, sensors: dict[str, Sensor], loadout: tuple[str, ...]) -> Sensor | None:
    """The longest-reaching sensor of ``loadout`` with the task's capability (None: no sensor needed)."""
    if task.sensor is None:
        return None
    fits = [sensors[n] for n in loadout if sensors[n].capability == task.sensor]
    return max(fits, key=lambda s: (s.slant_range_m, s.name)) if fits else None


def _layout(scenario: Scenario, fleet: list[Airframe], unserved: dict[str, str]) -> _Layout:
    sensors = dict(scenario.sensors)
    work = list(scenario.work)
    bases = list(scenario.bases)
    lons = [b.lon for b in bases] + [t.geometry.centroid.x for t in work]
    lats = [b.lat for b in bases] + [t.geometry.centroid.y for t in work]
    frame = geo.LocalFrame.around(lons, lats)
    classes = sorted({f.aircraft.name for f in fleet})
    craft = {f.aircraft.name: f.aircraft for f in fleet}

    candidates: list[Task] = []
    designs: dict[tuple[int, int], OrbitDesign] = {}
    for task in work:
        if task.kind != "orbit":
            unserved[task.name] = f"'{task.kind}' tasks are not laid out by this version of the planner"
            continue
        if task.sensor and not any(task.sensor in f.capabilities for f in fleet):
            unserved[task.name] = f"no aircraft carries a {task.sensor} sensor"
            continue
        idx = len(candidates)
        reasons = []
        for c, name in enumerate(classes):
            loadouts = {f.loadout for f in fleet if f.aircraft.name == name}
            best: OrbitDesign | None = None
            for loadout in sorted(loadouts):
                if task.sensor and task.sensor not in {sensors[n].capability for n in loadout}:
                    continue
                d = design_orbit(task, craft[name], _sensor_for(task, sensors, loadout), scenario.wind)
                if best is None or (d.ok and not best.ok):
                    best = d
            if best is not None:
                designs[idx, c] = best
                if not best.ok:
                    reasons.append(best.reason)
        if not any(designs.get((idx, c)) and designs[idx, c].ok for c in range(len(classes))):
            unserved[task.name] = reasons[0] if reasons else "no aircraft can fly an orbit for it"
            for c in range(len(classes)):
                designs.pop((idx, c), None)
            continue
        earliest, latest = _window_s(task, scenario, _longest(designs, idx, len(classes)))
        if latest < earliest:
            unserved[task.name] = (
                "window: it ends before the mission starts"
                if task.window_end is not None and task.window_end <= scenario.start
                else "window: shorter than the dwell"
            )
            for c in range(len(classes)):
                designs.pop((idx, c), None)
            continue
        candidates.append(task)

    problem = _problem(scenario, fleet, classes, candidates, designs, bases)
    # Drop tasks no single aircraft could serve on its own, with the reason.
    keep: list[int] = []
    for i, task in enumerate(candidates):
        node = len(bases) + i
        why = _why_unreachable(problem, node)
        if why:
            unserved[task.name] = why
        else:
            keep.append(i)
    if len(keep) < len(candidates):
        candidates = [candidates[i] for i in keep]
        designs = {(keep.index(i), c): d for (i, c), d in designs.items() if i in keep}
        problem = _problem(scenario, fleet, classes, candidates, designs, bases)
    return _Layout(frame, fleet, classes, candidates, designs, bases, problem)


def _longest(designs: dict[tuple[int, int], OrbitDesign], i: int, n_classes: int) -> float:
    """Longest time on station (s) among the aircraft types that can serve task ``i``."""
    return max((designs[i, c].duration_s for c in range(n_classes) if (i, c) in designs and designs[i, c].ok),
               default=0.0)


def _window_s(task: Task, scenario: Scenario, dwell_s: float) -> tuple[float, float]:
    """Earliest and latest start of service (s from mission start) so the whole dwell fits the window."""
    earliest = 0.0 if task.window_start is None else max(0.0, (task.window_start - scenario.start).total_seconds())
    latest = math.inf if task.window_end is None else (task.window_end - scenario.start).total_seconds() - dwell_s
    return earliest, latest


def _why_unreachable(problem: Problem, node: int) -> str:
    allowed = [v for v, veh in enumerate(problem.vehicles) if veh.may_serve(node)]
    if not allowed:
        return "no aircraft with the sensor it needs can see it from a flyable orbit"
    reasons = [evaluate_route(problem, v, (node,)) for v in allowed]
    if any(r.feasible for r in reasons):
        return ""
    if any(r.reason.startswith("window") for r in reasons):
        return "window: no aircraft can be on station inside it"
    return "out of range: a round trip from any base with the dwell exceeds the aircraft's endurance less reserve"


def _problem(
    scenario: Scenario,
    fleet: list[Airframe],
    classes: list[str],
    tasks: list[Task],
    designs: dict[tuple[int, int], OrbitDesign],
    bases: list[Base],
) -> Problem:
    nb, nt = len(bases), len(tasks)
    n = nb + nt
    lons = np.array([b.lon for b in bases] + [t.geometry.x for t in tasks])
    lats = np.array([b.lat for b in bases] + [t.geometry.y for t in tasks])
    dist, az = geo.pairwise_inverse(lons, lats)
    craft = {f.aircraft.name: f.aircraft for f in fleet}
    approach = np.array([2.0 * APPROACH_M if b.runway_deg is not None else 0.0 for b in bases])
    travel = np.zeros((len(classes), n, n))
    service = np.zeros((len(classes), n))
    for c, name in enumerate(classes):
        a = craft[name]
        alt = np.array([b.elev_m for b in bases] + [
            designs[i, c].alt_m if (i, c) in designs else a.default_alt_m for i in range(nt)
        ])
        vg = physics.ground_speed_mps(a.cruise_speed_mps, az, scenario.wind.from_deg, scenario.wind.speed_mps)
        with np.errstate(divide="ignore"):
            horizontal = np.where(vg > 0, dist / np.where(vg > 0, vg, 1.0), np.inf)
        np.fill_diagonal(horizontal, 0.0)
        rise = alt[None, :] - alt[:, None]
        vertical = np.where(rise > 0, rise / a.climb_rate_mps, -rise / a.descent_rate_mps)
        travel[c] = horizontal + vertical
        travel[c, :, :nb] += approach[None, :] / a.cruise_speed_mps
        for i in range(nt):
            d = designs.get((i, c))
            if d is not None and d.ok:
                service[c, nb + i] = d.duration_s
                # the last radius of the approach (entry point to centre) is flown at loiter speed
                travel[c, :, nb + i] += d.radius_m * (1.0 / a.loiter_speed_mps - 1.0 / a.cruise_speed_mps)
                travel[c, nb + i, nb + i] = 0.0
    window = np.zeros((n, 2))
    window[:, 1] = np.inf
    for i, task in enumerate(tasks):
        earliest, latest = _window_s(task, scenario, _longest(designs, i, len(classes)))
        window[nb + i] = (earliest, latest)
    base_index = {b.name: k for k, b in enumerate(bases)}
    vehicles = []
    sensors = dict(scenario.sensors)
    for f in fleet:
        c = classes.index(f.aircraft.name)
        allowed = frozenset(
            nb + i
            for i, task in enumerate(tasks)
            if (i, c) in designs and designs[i, c].ok and _sees(task, f, designs[i, c], sensors)
        )
        vehicles.append(Vehicle(base_index[f.base.name], base_index[f.base.name], f.usable_s, c, allowed))
    prize = np.array([0.0] * nb + [t.priority for t in tasks])
    return Problem(travel, service, prize, window, tuple(vehicles), frozenset(range(nb)))


def _sees(task: Task, frame: Airframe, design: OrbitDesign, sensors: dict[str, Sensor]) -> bool:
    """Whether this airframe's own sensor (not just its type's best) can see the task from ``design``."""
    sensor = _sensor_for(task, sensors, frame.loadout)
    if task.sensor is None:
        return True
    if sensor is None:
        return False
    if not sensor.min_alt_m <= design.alt_m <= sensor.max_alt_m:
        return False
    return sensor.slant_range_m <= 0 or design.slant_m <= sensor.slant_range_m


def _assemble(layout: _Layout, result: Result, scenario: Scenario) -> list[Sortie]:
    problem = layout.problem
    nb = len(layout.bases)
    sorties = []
    for route in result.routes:
        if not route.nodes:
            continue
        frame = layout.frames[route.vehicle]
        vehicle = problem.vehicles[route.vehicle]
        check = evaluate_route(problem, route.vehicle, route.nodes)
        if not check.feasible:
            raise InfeasibleError(f"internal: optimiser returned an infeasible route for {frame.name}: {check.reason}")
        sorties.append(_sortie(layout, frame, vehicle, route.nodes, check.arrival_s, check.service_start_s, scenario, nb))
    return sorties


def _sortie(
    layout: _Layout,
    frame: Airframe,
    vehicle: Vehicle,
    nodes: tuple[int, ...],
    arrivals: tuple[float, ...],
    starts: tuple[float, ...],
    scenario: Scenario,
    nb: int,
) -> Sortie:
    a = frame.aircraft
    c = vehicle.cost_class
    base = frame.base
    travel = layout.problem.travel_s[c]
    home = Position(base.lon, base.lat, base.elev_m)
    legs: list[Leg] = []
    first = nodes[0]
    first_design = layout.designs[first - nb, c]
    depart = arrivals[0] - travel[vehicle.start_node, first]
    climb_s = (first_design.alt_m - base.elev_m) / a.climb_rate_mps
    top = Position(base.lon, base.lat, first_design.alt_m)
    legs.append(Leg("climb", depart, depart + climb_s, home, top, climb_s * a.cruise_speed_mps))
    here, t = top, depart + climb_s
    prev = vehicle.start_node
    for node, arrive, begin in zip(nodes, arrivals, starts, strict=True):
        task = layout.tasks[node - nb]
        design = layout.designs[node - nb, c]
        there = Position(task.geometry.x, task.geometry.y, design.alt_m)
        dist = float(geo.distance_m(here.lon, here.lat, there.lon, there.lat))
        legs.append(Leg("transit", t, arrive, here, there, dist))
        if begin > arrive + 1e-6:
            legs.append(Leg("hold", arrive, begin, there, there, (begin - arrive) * a.loiter_speed_mps,
                            tasks=(task.name,)))
        orbit = Orbit(
            centre=there,
            radius_m=design.radius_m,
            clockwise=True,
            turns=design.turns,
            lap_s=design.lap_s,
            tasks=(task.name,),
            roi=Position(task.geometry.x, task.geometry.y, task.ground_elev_m),
        )
        end = begin + design.duration_s
        legs.append(Leg("orbit", begin, end, there, there, design.turns * 2 * math.pi * design.radius_m,
                        tasks=(task.name,), orbit=orbit))
        here, t, prev = there, end, node
    # Return: transit at task altitude, circle down over the base, approach, land.
    over = Position(base.lon, base.lat, here.alt_m)
    dist = float(geo.distance_m(here.lon, here.lat, base.lon, base.lat))
    vg_track = travel[prev, vehicle.end_node]
    circuit = base.elev_m + TAKEOFF_AGL_M
    descent_s = (here.alt_m - circuit) / a.descent_rate_mps
    final_s = TAKEOFF_AGL_M / a.descent_rate_mps
    approach_s = (2.0 * APPROACH_M / a.cruise_speed_mps) if base.runway_deg is not None else 0.0
    transit_s = vg_track - descent_s - final_s - approach_s
    legs.append(Leg("transit", t, t + transit_s, here, over, dist))
    t += transit_s
    low = Position(base.lon, base.lat, circuit)
    legs.append(Leg("descent", t, t + descent_s, over, low, descent_s * a.cruise_speed_mps))
    t += descent_s
    if approach_s:
        legs.append(Leg("approach", t, t + approach_s, low, low, 2.0 * APPROACH_M))
        t += approach_s
    legs.append(Leg("land", t, t + final_s, low, home, 0.0))
    return Sortie(
        name=frame.name,
        aircraft=a,
        base=base,
        loadout=frame.loadout,
        payload_kg=frame.payload_kg,
        endurance_s=frame.endurance_s,
        reserve_s=frame.reserve_s,
        legs=tuple(legs),
        notes=("loadout chosen by the planner",) if frame.chosen else (),
    )
