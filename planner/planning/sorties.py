"""Sortie assembly: a route of the optimiser becomes timed legs (climb, transits, holds, work, descent,
approach, landing) whose times follow the cost model exactly; transits go round no-fly zones by the
model's routes (turning points in ``Leg.via``)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from planner.core import geo
from planner.core.errors import InfeasibleError
from planner.costs.model import CostModel
from planner.costs.radio import orbits_covered
from planner.layout.comms import Comms
from planner.layout.designs import Design, work_ends
from planner.layout.orbit import OrbitDesign
from planner.layout.terrain_fit import climb_radius_m
from planner.layout.transit import transit_points
from planner.model.aircraft import Aircraft
from planner.model.fleet import Airframe
from planner.model.plan import Leg, Orbit, Pattern, Position, Sortie, Watch
from planner.model.scenario import APPROACH_M, CIRCUIT_AGL_M, Task
from planner.solve.problem import Problem, Route, evaluate_route

__all__ = ["flown_by", "sortie", "sortie_legs"]


def sortie(model: CostModel, problem: Problem, frame: Airframe, route: Route) -> Sortie:
    """Timed legs of one route, checked against the problem first."""
    check = evaluate_route(problem, route.vehicle, route.nodes)
    if not check.feasible:
        raise InfeasibleError(f"internal: optimiser returned an infeasible route for {frame.name}: {check.reason}")
    vehicle = problem.vehicles[route.vehicle]
    legs = sortie_legs(model, frame, vehicle.cost_class, route.nodes, check.arrival_s, check.service_start_s)
    notes = ("loadout chosen by the planner",) if frame.chosen else ()
    return flown_by(frame, legs, frame.name, notes)


def flown_by(frame: Airframe, legs: tuple[Leg, ...], name: str, notes: tuple[str, ...]) -> Sortie:
    """The sortie ``name`` of ``frame`` (its aircraft, base, loadout, endurance and reserve) flying ``legs``."""
    return Sortie(name=name, aircraft=frame.aircraft, base=frame.base, loadout=frame.loadout,
                  payload_kg=frame.payload_kg, endurance_s=frame.endurance_s, reserve_s=frame.reserve_s,
                  legs=legs, notes=notes)


def sortie_legs(
    model: CostModel,
    frame: Airframe,
    cost_class: int,
    nodes: tuple[int, ...],
    arrivals: tuple[float, ...],
    starts: tuple[float, ...],
    designs: dict[int, Design] | None = None,
) -> tuple[Leg, ...]:
    """The timed legs of a sortie from ``frame``'s base through ``nodes`` and back.

    ``arrivals`` and ``starts`` are when the aircraft reaches each node and begins work there (seconds
    from the mission start); ``designs`` overrides the model's design of a node (e.g. a relief orbit's
    time on station). Leg times follow the model's travel times exactly; transits go round no-fly zones
    by the model's routes (their turning points in ``Leg.via``, their length in ``distance_m``).
    """
    a = frame.aircraft
    k = model.kit_index(frame)
    nb = model.nb
    base = frame.base
    home_node = model.bases.index(base)
    travel = model.travel[cost_class]
    design_of = {n: (designs or {}).get(n, model.designs.get((n - nb, k))) for n in nodes}
    home = Position(base.lon, base.lat, base.elev_m)
    legs: list[Leg] = []
    first = nodes[0]
    depart = arrivals[0] - travel[home_node, first]

    def top_m(src: int, dst: int, alt_src: float, alt_dst: float) -> float:
        """Altitude of the transit src → dst: the model's over terrain (unless a design override is higher)."""
        if model.tops is None:
            return max(alt_src, alt_dst)
        return max(float(model.tops[k, src, dst]), alt_src, alt_dst)

    def exit_radius_m(src: int) -> float:
        """The circle the transit from ``src`` leaves on its tangent: the climb over a base, an orbit."""
        if src < nb:
            return climb_radius_m(a, model.scenario.wind.speed_mps)
        return design_of[src].radius_m if isinstance(design_of[src], OrbitDesign) else 0.0

    climb_to = top_m(home_node, first, base.elev_m, design_of[first].alt_m) if model.tops is not None \
        else design_of[first].alt_m
    climb_s = (climb_to - base.elev_m) / a.climb_rate_mps
    top = Position(base.lon, base.lat, climb_to)
    legs.append(Leg("climb", depart, depart + climb_s, home, top, climb_s * a.cruise_speed_mps))
    here, t = top, depart + climb_s
    prev = home_node
    for node, arrive, begin in zip(nodes, arrivals, starts, strict=True):
        task = model.tasks[node - nb]
        design = design_of[node]
        (in_lon, in_lat), (out_lon, out_lat) = work_ends(task, design)
        there = Position(in_lon, in_lat, design.alt_m)
        legs.append(_transit(model, a, t, arrive, here, there, _turn_m(model, k, prev, node),
                             top_m(prev, node, here.alt_m, there.alt_m), exit_radius_m(prev)))
        if begin > arrive + 1e-6:
            legs.append(Leg("hold", arrive, begin, there, there, (begin - arrive) * a.loiter_speed_mps,
                            tasks=(task.name,)))
        end = begin + design.duration_s
        leave = Position(out_lon, out_lat, design.alt_m)
        legs.append(_work_leg(task, model.members.get(task.name, (task,)), design, begin, end, there, leave))
        here, t, prev = leave, end, node
    # Return: transit at task altitude (over terrain: as high as the ground needs), circle down over the base,
    # approach, land.
    over = Position(base.lon, base.lat, top_m(prev, home_node, here.alt_m, base.elev_m) if model.tops is not None
                    else here.alt_m)
    circuit = model.circuits[home_node] if model.circuits else base.elev_m + CIRCUIT_AGL_M
    descent_s = (over.alt_m - circuit) / a.descent_rate_mps
    final_s = ((circuit - base.elev_m) if model.circuits else CIRCUIT_AGL_M) / a.descent_rate_mps
    approach_s = 2.0 * APPROACH_M / a.cruise_speed_mps  # out to the approach start and back down it
    transit_s = travel[prev, home_node] - descent_s - final_s - approach_s
    back = _transit(model, a, t, t + transit_s, here, over, _turn_m(model, k, prev, home_node), over.alt_m,
                    exit_radius_m(prev))
    if model.tops is not None:  # arrive over the base at the transit's altitude, then circle down (not glide)
        back = replace(back, via=(*back.via, over))
    legs.append(back)
    t += transit_s
    low = Position(base.lon, base.lat, circuit)
    legs.append(Leg("descent", t, t + descent_s, over, low, descent_s * a.cruise_speed_mps))
    t += descent_s
    legs.append(Leg("approach", t, t + approach_s, low, low, 2.0 * APPROACH_M))
    t += approach_s
    legs.append(Leg("land", t, t + final_s, low, home, 0.0))
    return tuple(_with_blos(model.comms, leg) for leg in legs)


def _turn_m(model: CostModel, k: int, src: int, dst: int) -> float:
    """Metres of Dubins turn the model adds to the leg ``src`` → ``dst`` of aircraft type ``k``."""
    return 0.0 if model.turn_m is None else float(model.turn_m[k, src, dst])


def _transit(model: CostModel, aircraft: Aircraft, start_s: float, end_s: float, here: Position, there: Position,
             turn_m: float, top_m: float, exit_radius_m: float = 0.0) -> Leg:
    """The transit ``here`` → ``there`` (s from mission start): straight, or round the no-fly zones by the
    model's route for ``aircraft``, turning at the higher of the two end altitudes; ``turn_m`` of Dubins
    turns out of and into patterns is added to its distance. Over terrain it flies at ``top_m`` with the
    climb and descent turning points of :func:`planner.layout.transit.transit_points` in ``via`` (left from a
    circle of ``exit_radius_m`` on its tangent)."""
    terrain = model.scenario.terrain
    if model.routing is None and terrain is None:
        dist = float(geo.distance_m(here.lon, here.lat, there.lon, there.lat)) + turn_m
        return Leg("transit", start_s, end_s, here, there, dist)
    if model.routing is None:
        path = np.array([(here.lon, here.lat), (there.lon, there.lat)])
    else:
        path = np.array(model.routing.path(aircraft.name, (here.lon, here.lat), (there.lon, there.lat)))
    dist = float(np.sum(geo.distance_m(path[:-1, 0], path[:-1, 1], path[1:, 0], path[1:, 1]))) if len(path) > 1 else 0.0
    dist += turn_m
    if terrain is None:
        alt = max(here.alt_m, there.alt_m)
        via = tuple(Position(float(lon), float(lat), alt) for lon, lat in path[1:-1])
        return Leg("transit", start_s, end_s, here, there, dist, via=via)
    speed = aircraft.cruise_speed_mps + model.scenario.wind.speed_mps
    points = transit_points(terrain, [(float(p[0]), float(p[1])) for p in path], here.alt_m, there.alt_m, top_m,
                            aircraft.climb_rate_mps / speed, aircraft.descent_rate_mps / speed, exit_radius_m)
    return Leg("transit", start_s, end_s, here, there, dist, via=tuple(Position(*p) for p in points))


def _work_leg(task: Task, watched: tuple[Task, ...], design: Design, begin: float, end: float, there: Position,
              leave: Position) -> Leg:
    """The leg on task: an orbit (perhaps shared by several targets), or a racetrack / survey / patrol."""
    if isinstance(design, OrbitDesign):
        names = tuple(t.name for t in watched)
        orbit = Orbit(centre=there, radius_m=design.radius_m, clockwise=design.clockwise, turns=design.turns,
                      lap_s=design.lap_s, tasks=names, watches=_watches(watched, design, begin))
        return Leg("orbit", begin, end, there, there, design.turns * 2 * math.pi * design.radius_m,
                   tasks=names, orbit=orbit)
    roi = Position(design.roi[0], design.roi[1], task.ground_elev_m) if design.roi else None
    pattern = Pattern(
        kind=design.kind,
        path=tuple(Position(lon, lat, design.alt_m) for lon, lat in design.path),
        laps=design.laps,
        lanes=design.lanes,
        trigger_m=design.trigger_m,
        radius_m=design.radius_m,
        duty_cycle=design.duty_cycle,
        tasks=(task.name,),
        roi=roi,
        duration_s=design.duration_s,
        strips_m=design.strips_m,
        imaged=design.imaged,
        watch_s=design.watch_s,
    )
    return Leg(design.kind, begin, end, there, leave, design.distance_m, tasks=(task.name,), pattern=pattern)


def _watches(watched: tuple[Task, ...], design: OrbitDesign, begin: float) -> tuple[Watch, ...]:
    """How an orbit's laps from ``begin`` (s) are spent: each target in turn for its own laps, the sensor
    pointed at it (one target at a time), or all targets through every lap, pointed at the most valuable."""
    def roi(t: Task) -> Position:
        return Position(t.geometry.x, t.geometry.y, t.ground_elev_m)

    if not design.watch:
        first = max(watched, key=lambda t: t.priority)
        return (Watch(tuple(t.name for t in watched), roi(first), design.turns, begin, begin + design.duration_s),)
    by_name = {t.name: t for t in watched}
    out = []
    t = begin
    for name, turns in design.watch:
        out.append(Watch((name,), roi(by_name[name]), turns, t, t + turns * design.lap_s))
        t += turns * design.lap_s
    return tuple(out)


def _with_blos(comms: Comms, leg: Leg) -> Leg:
    """``leg`` with the time it spends beyond every ground station's line of sight (sampled)."""
    if leg.pattern is not None and comms.sight is not None:
        path = [*leg.pattern.path, leg.pattern.path[0]] if leg.pattern.kind == "racetrack" else list(leg.pattern.path)
        share = comms.share_out_of_reach([p.lon for p in path], [p.lat for p in path], path[0].alt_m)
        return leg if share == 0.0 else replace(leg, blos_s=share * leg.duration_s)
    if leg.pattern is not None:
        path = leg.pattern.path
        ok = comms.covered(np.array([p.lon for p in path]), np.array([p.lat for p in path]),
                           np.array([p.alt_m for p in path]))
        share = 1.0 - float(ok.mean())
        return leg if share == 0.0 else replace(leg, blos_s=share * leg.duration_s)
    if leg.orbit is not None:
        ok = orbits_covered(comms, np.array([leg.orbit.centre.lon]), np.array([leg.orbit.centre.lat]),
                             np.array([leg.orbit.centre.alt_m]), np.array([leg.orbit.radius_m]))[0]
        return leg if ok else replace(leg, blos_s=leg.duration_s)
    if leg.start.lon == leg.end.lon and leg.start.lat == leg.end.lat and not leg.via:
        ok = bool(comms.covered(leg.start.lon, leg.start.lat, min(leg.start.alt_m, leg.end.alt_m))[0])
        return leg if ok else replace(leg, blos_s=leg.duration_s)
    points = [leg.start, *leg.via, leg.end]
    share = comms.share_out_of_reach([p.lon for p in points], [p.lat for p in points],
                                     min(leg.start.alt_m, leg.end.alt_m))
    return leg if share == 0.0 else replace(leg, blos_s=share * leg.duration_s)
