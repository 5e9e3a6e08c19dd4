"""Travel, turn and service times between the model's nodes (bases, then tasks), per cost class.

The time model (conservative, docs/concepts.md): transits follow geodesics at cruise airspeed with the
wind's ground speed on the leg's mean track; climbs and descents are flown in circles, their time (height
/ climb or descent rate) added to the leg; legs out of and into patterns pay their Dubins turns; orbits
last whole laps of the wind-widened circle at loiter speed. With no-fly zones, transits take the quickest
way round them; aircraft without SATCOM may not leave radio reach.
"""

from __future__ import annotations

import math

import numpy as np

from planner.core import dubins, geo
from planner.costs.climbs import rise_s, transit_tops_m
from planner.costs.model import CostModel
from planner.costs.radio import designs_covered, detours_covered
from planner.costs.routing import Routing, leg_cost, routing_for
from planner.layout.airspace import Airspace
from planner.layout.comms import Comms
from planner.layout.designs import Design, Kit, window_s, work_ends
from planner.layout.orbit import OrbitDesign
from planner.layout.pattern import PatternDesign
from planner.layout.terrain_fit import climb_radius_m
from planner.model.aircraft import Aircraft
from planner.model.scenario import APPROACH_M, Base, Scenario, Task

__all__ = ["cost_model"]


def cost_model(
    scenario: Scenario,
    bases: list[Base],
    tasks: list[Task],
    kits: list[Kit],
    designs: dict[tuple[int, int], Design],
    comms: Comms,
    members: dict[str, tuple[Task, ...]],
    frame: geo.LocalFrame,
    space: Airspace | None = None,
    routing: Routing | None = None,
    circuits: tuple[float, ...] = (),
) -> CostModel:
    """Travel and service times per cost class, windows and radio coverage.

    Travel runs from where work on a node ends to where work on the next begins; both depend on the
    kit (the aircraft type's turn radius and altitude, the sensor's design), so distances are computed
    per kit, once per distinct set of ends of a type (kits differing only in designs that start and end
    at the same points share them). Legs leaving or joining
    a pattern (fixed exit or entry heading) add the Dubins turn at the aircraft's cruise turn radius
    (:func:`_turns_m`), flown at cruise speed. With no-fly zones
    (``space``) the horizontal part of travel is the quickest route round them in the wind, and a leg
    of an aircraft without SATCOM must stay within radio reach along its detour; ``routing`` from an
    earlier call is reused when it holds every point. With terrain, transits fly as high as the ground under
    them needs and pay the climb (:mod:`planner.costs.climbs`); ``circuits`` are the bases' circle altitudes.
    """
    nb, nt = len(bases), len(tasks)
    n = nb + nt
    craft = {a.name: a for a in (e.aircraft for e in scenario.fleet)}
    approach = np.full(len(bases), 2.0 * APPROACH_M)  # every landing flies out to its approach and back
    types = sorted({kit.aircraft for kit in kits})
    classes = [(k, satcom) for k in range(len(kits)) for satcom in (False, True)]
    travel = np.zeros((len(classes), n, n))
    turn_m = np.zeros((len(kits), n, n))
    service = np.zeros((len(classes), n))
    covered = np.zeros((len(kits), nt), bool)
    terrain = scenario.terrain
    tops = np.zeros((len(kits), n, n)) if terrain is not None else None
    ends_of = [[((b.lon, b.lat), (b.lon, b.lat)) for b in bases]
               + [work_ends(t, designs.get((i, k))) for i, t in enumerate(tasks)] for k in range(len(kits))]
    if space is not None:
        points = [p for ends in ends_of for pair in ends for p in pair]
        radii = _circle_radii(bases, tasks, designs, [craft[name] for name in types], scenario.wind.speed_mps)
        if routing is None or not routing.covers(points, radii):
            routing = routing_for(space, points, {name: craft[name] for name in types}, scenario.wind, radii)
    reachable = np.zeros(nt, bool) if routing is not None else None
    geodesics: dict[tuple[str, tuple[tuple[tuple[float, float], tuple[float, float]], ...]], np.ndarray] = {}
    for k, kit in enumerate(kits):
        name = kit.aircraft
        a = craft[name]
        ends = ends_of[k]
        entry = np.array([e[0] for e in ends])
        leave = np.array([e[1] for e in ends])
        if routing is not None and reachable is not None:
            rows = np.array([routing.index[e[1]] for e in ends])
            cols = np.array([routing.index[e[0]] for e in ends])
            horizontal = routing.routes[name].cost[np.ix_(rows, cols)]
            reachable |= (np.isfinite(horizontal[:nb, nb:]) & np.isfinite(horizontal[nb:, :nb].T)).any(axis=0)
        elif (name, tuple(ends)) in geodesics:
            horizontal = geodesics[name, tuple(ends)].copy()
        else:
            if np.array_equal(entry, leave):
                dist, az = geo.pairwise_inverse(entry[:, 0], entry[:, 1])
            else:
                dist, az = geo.cross_inverse(leave[:, 0], leave[:, 1], entry[:, 0], entry[:, 1])
            horizontal = leg_cost(a, scenario.wind)(dist, az)
            geodesics[name, tuple(ends)] = horizontal.copy()
        np.fill_diagonal(horizontal, 0.0)
        turn_m[k] = _turns_m(frame, ends, [designs.get((i, k)) for i in range(nt)], nb,
                             a.turn_radius_m(scenario.wind.speed_mps, loiter=False))
        horizontal = horizontal + turn_m[k] / a.cruise_speed_mps
        alt = np.array([b.elev_m for b in bases] + [
            designs[i, k].alt_m if (i, k) in designs else a.default_alt_m for i in range(nt)
        ])
        if terrain is not None:
            # circles left on their tangent: the climb over a base, an orbit
            circle = np.array([climb_radius_m(a, scenario.wind.speed_mps)] * nb + [
                designs[i, k].radius_m if isinstance(designs.get((i, k)), OrbitDesign) else 0.0 for i in range(nt)])
            tops[k] = transit_tops_m(terrain, leave, entry, alt, routing, name,
                                     rows if routing is not None else None, cols if routing is not None else None,
                                     circle)
            base_travel = horizontal + rise_s(tops[k], alt, a)
        else:
            rise = alt[None, :] - alt[:, None]
            base_travel = horizontal + np.where(rise > 0, rise / a.climb_rate_mps, -rise / a.descent_rate_mps)
        base_travel[:, :nb] += approach[None, :] / a.cruise_speed_mps
        base_service = np.zeros(n)
        for i in range(nt):
            d = designs.get((i, k))
            if d is not None:
                base_service[nb + i] = d.duration_s
                if isinstance(d, OrbitDesign):
                    # the last radius of the approach (entry point to centre) is flown at loiter speed
                    base_travel[:, nb + i] += d.radius_m * (1.0 / a.loiter_speed_mps - 1.0 / a.cruise_speed_mps)
                base_travel[nb + i, nb + i] = 0.0
        covered[k] = designs_covered(comms, tasks, [designs.get((i, k)) for i in range(nt)])
        work_alt = np.concatenate([np.full(nb, np.nan), alt[nb:]])
        legs_ok = comms.matrix(leave[:, 0], leave[:, 1], work_alt, to=(entry[:, 0], entry[:, 1], work_alt))
        if routing is not None:
            legs_ok = detours_covered(comms, routing, name, rows, cols, work_alt, legs_ok)
        for satcom in (False, True):
            c = classes.index((k, satcom))
            travel[c] = base_travel if satcom else np.where(legs_ok, base_travel, np.inf)
            np.fill_diagonal(travel[c], 0.0)
            service[c] = base_service
    window = np.zeros((n, 2))
    window[:, 1] = np.inf
    for i, task in enumerate(tasks):
        longest = max((d.duration_s for (j, _), d in designs.items() if j == i), default=0.0)
        window[nb + i] = window_s(task, scenario, longest)
    climbable = None
    if tops is not None:
        flyable = np.isfinite(travel[[classes.index((k, True)) for k in range(len(kits))]])
        climbable = (flyable[:, :nb, nb:].any(axis=1) & flyable[:, nb:, :nb].any(axis=2)).any(axis=0)
    return CostModel(scenario, bases, tasks, types, kits, designs, classes, travel, service, window, covered, comms,
                     members, routing, reachable, turn_m=turn_m, tops=tops, circuits=circuits, climbable=climbable)


def _circle_radii(bases: list[Base], tasks: list[Task], designs: dict[tuple[int, int], Design],
                  aircraft: list[Aircraft], wind_mps: float) -> dict[tuple[float, float], float]:
    """(lon, lat) -> radius (m) of the widest circle flown there and left on its tangent: the climb and
    descent circle over a base (the widest cruise turn in the wind, as the mission flies it) and orbits."""
    climb = max((math.ceil(a.turn_radius_m(wind_mps, loiter=False)) for a in aircraft), default=0)
    out = {(b.lon, b.lat): float(climb) for b in bases}
    for (i, _), d in designs.items():
        if isinstance(d, OrbitDesign):
            centre = work_ends(tasks[i], d)[0]
            out[centre] = max(out.get(centre, 0.0), d.radius_m)
    return out


def _turns_m(frame: geo.LocalFrame, ends: list[tuple[tuple[float, float], tuple[float, float]]],
             designs: list[Design | None], nb: int, radius_m: float) -> np.ndarray:
    """(nodes, nodes) metres a leg's Dubins path adds to the straight line between its ends.

    A pattern is left on its last segment's heading and joined on its first one's; bases and orbits
    are left and joined at any heading. Pattern to pattern is the Dubins path between the two poses,
    pattern to point and point to pattern the shortest arc-and-straight (:func:`dubins.length_to_points`).
    Computed on the direct line in the local frame (a detour round a no-fly zone turns at its own
    corners; its first and last turns are taken as these).
    """
    n = len(ends)
    out = np.zeros((n, n))
    fixed = [nb + i for i, d in enumerate(designs) if isinstance(d, PatternDesign) and len(d.path) >= 2]
    if not fixed:
        return out
    ex, ey = frame.to_local([e[1][0] for e in ends], [e[1][1] for e in ends])  # where each node is left
    nx, ny = frame.to_local([e[0][0] for e in ends], [e[0][1] for e in ends])  # where each node is joined
    heading_out = np.full(n, np.nan)
    heading_in = np.full(n, np.nan)
    for node in fixed:
        path = designs[node - nb].path  # type: ignore[union-attr]
        px, py = frame.to_local([p[0] for p in path], [p[1] for p in path])
        heading_in[node] = math.atan2(py[1] - py[0], px[1] - px[0])
        heading_out[node] = math.atan2(py[-1] - py[-2], px[-1] - px[-2])
    straight = np.hypot(nx[None, :] - ex[:, None], ny[None, :] - ey[:, None])
    dubins_m = np.full((n, n), np.nan)
    rows = np.isfinite(heading_out)
    cols = np.isfinite(heading_in)
    leave = np.column_stack([ex, ey, heading_out])
    join = np.column_stack([nx, ny, heading_in])
    if rows.any():
        r = np.flatnonzero(rows)
        dubins_m[np.ix_(r, ~cols)] = dubins.length_to_points(leave[r], join[~cols, :2], radius_m)
        if cols.any():
            dubins_m[np.ix_(r, cols)] = dubins.shortest_length(leave[r], join[cols], radius_m)
    if cols.any():
        c = np.flatnonzero(cols)
        back = join[c].copy()
        back[:, 2] += math.pi  # flown backwards: from the pattern's entry, reversed, to the point
        dubins_m[np.ix_(~rows, c)] = dubins.length_to_points(back, leave[~rows, :2], radius_m).T
    out = np.where(np.isfinite(dubins_m), np.maximum(dubins_m - straight, 0.0), 0.0)
    np.fill_diagonal(out, 0.0)
    return out
