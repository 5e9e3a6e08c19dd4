"""Shared orbits: the fewest orbit circles from which the sensors see every point target.

A target at height h below the aircraft is watched from every point of a circle of radius r centred c
when |c − t| ≤ ρ, the sensor's reach from that circle (:meth:`~planner.model.sensors.Sensor.orbit_reach_m`):
for a turret limited by its slant range S only, the farthest point of the circle must be within S,
√((|c − t| + r)² + h²) ≤ S, i.e. ρ = √(S² − h²) − r (horizontal metres); a side-looking sensor also needs
the target beyond its near range and within its squint from every point. Targets that share a sensor
capability, an altitude and have no time window can share an orbit.

Candidates are the targets themselves, midpoints of close pairs and centroids of small neighbourhoods;
each covers the targets within ρ. Choosing the fewest is a set cover, solved exactly by CP-SAT
(:func:`planner.solve.set_cover.solve_set_cover`) within a time cap, starting from the greedy cover; the greedy
cover alone is the fallback. Every target is then assigned to the nearest chosen centre that sees it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from shapely.geometry import Point

from planner.core import geo
from planner.layout.orbit import OrbitDesign, design_orbit, laps, slant_m, unwatched
from planner.model.aircraft import Aircraft
from planner.model.autopilot import loiter_radius_m
from planner.model.scenario import Scenario, Task, Wind
from planner.model.sensors import Sensor
from planner.solve.set_cover import solve_set_cover

__all__ = ["Cover", "SharedOrbit", "candidate_centres", "design_shared", "greedy_cover", "layout_orbits",
           "share_orbits"]

SetCover = Callable[[list[np.ndarray], int, list[int]], tuple[list[int], bool]]
"""(cover sets as arrays of target indices, number of targets, a starting cover) -> (chosen candidate
indices, whether they are proved the fewest)."""


@dataclass(frozen=True)
class SharedOrbit:
    """One orbit centre (local metres) and the indices of the targets it watches."""

    x_m: float
    y_m: float
    members: tuple[int, ...]


@dataclass(frozen=True)
class Cover:
    """A layout: the orbits chosen, how many candidates were weighed, and whether it is proved minimal."""

    orbits: tuple[SharedOrbit, ...]
    candidates: int
    optimal: bool


def candidate_centres(xy: np.ndarray, reach_m: float) -> np.ndarray:
    """Candidate centres (k, 2): the targets, midpoints of pairs within 2ρ, centroids of neighbourhoods.

    Pairs and neighbourhoods come from a grid of cell size ρ, so the count stays near-linear in the
    number of targets for clustered inputs.
    """
    xy = np.asarray(xy, float).reshape(-1, 2)
    out = [xy]
    if len(xy) < 2 or reach_m <= 0:
        return xy.copy()
    cells: dict[tuple[int, int], list[int]] = {}
    keys = np.floor(xy / reach_m).astype(int)
    for i, (a, b) in enumerate(keys):
        cells.setdefault((int(a), int(b)), []).append(i)
    mids = []
    cents = []
    for i, (a, b) in enumerate(keys):
        near = [j for da in (-1, 0, 1) for db in (-1, 0, 1) for j in cells.get((int(a) + da, int(b) + db), [])]
        near = np.array(sorted(near))
        d = np.hypot(*(xy[near] - xy[i]).T)
        close = near[(d <= 2.0 * reach_m) & (near > i)]
        mids.extend((xy[i] + xy[j]) / 2.0 for j in close)
        hood = near[d <= reach_m]
        if len(hood) > 2:
            cents.append(xy[hood].mean(axis=0))
    if mids:
        out.append(np.array(mids))
    if cents:
        out.append(np.array(cents))
    centres = np.concatenate(out)
    return np.unique(np.round(centres, 3), axis=0)


def _cover_sets(xy: np.ndarray, centres: np.ndarray, reach_m: float) -> list[np.ndarray]:
    sets = []
    for c in centres:
        d = np.hypot(*(xy - c).T)
        sets.append(np.flatnonzero(d <= reach_m + 1e-6))
    return sets


def greedy_cover(sets: Sequence[np.ndarray], n: int) -> list[int]:
    """Chvátal's greedy set cover: repeatedly take the candidate covering most uncovered targets (the
    first such candidate on ties). Gains are kept up to date from the element-to-set incidence."""
    sizes = np.array([len(m) for m in sets], np.int64)
    elem = np.concatenate([np.asarray(m, np.int64) for m in sets]) if len(sets) else np.zeros(0, np.int64)
    owner = np.repeat(np.arange(len(sets)), sizes)
    order = np.argsort(elem, kind="stable")  # the sets holding each element, contiguous
    holders, starts = owner[order], np.searchsorted(elem[order], np.arange(n + 1))
    gains = sizes.copy()
    uncovered = np.ones(n, bool)
    chosen: list[int] = []
    while uncovered.any():
        best = int(np.argmax(gains))
        if gains[best] == 0:
            raise ValueError("a target no candidate covers")
        chosen.append(best)
        newly = np.asarray(sets[best], np.int64)
        newly = newly[uncovered[newly]]
        uncovered[newly] = False
        hit = np.concatenate([holders[starts[e]:starts[e + 1]] for e in newly])
        np.subtract.at(gains, hit, 1)
    return chosen


def layout_orbits(xy: np.ndarray, reach_m: float, exact: SetCover | None = None) -> Cover:
    """The fewest orbits (within the candidates) seeing every target within ``reach_m`` horizontally.

    ``exact`` (CP-SAT) improves on the greedy cover when given; a cover it returns is used when it is no
    larger. ``Cover.optimal`` says whether the count is proved the fewest over the candidates.
    """
    xy = np.asarray(xy, float).reshape(-1, 2)
    n = len(xy)
    if n == 0:
        return Cover((), 0, True)
    if reach_m <= 0 or not math.isfinite(reach_m):
        return Cover(tuple(SharedOrbit(float(x), float(y), (i,)) for i, (x, y) in enumerate(xy)), n, False)
    centres = candidate_centres(xy, reach_m)
    sets = _cover_sets(xy, centres, reach_m)
    chosen = greedy_cover(sets, n)
    optimal = len(chosen) == 1
    if exact is not None and len(chosen) > 1:
        better, proved = exact(sets, n, chosen)
        if better and len(better) <= len(chosen):
            optimal = proved
            chosen = sorted(better)
    picked = centres[chosen]
    members: dict[int, list[int]] = {k: [] for k in range(len(chosen))}
    for i, p in enumerate(xy):
        d = np.hypot(*(picked - p).T)
        sees = np.flatnonzero(d <= reach_m + 1e-6)
        members[int(sees[np.argmin(d[sees])])].append(i)
    orbits = tuple(
        SharedOrbit(float(picked[k][0]), float(picked[k][1]), tuple(m)) for k, m in members.items() if m
    )
    return Cover(orbits, len(centres), optimal)


def share_orbits(
    scenario: Scenario, work: list[Task], frame: geo.LocalFrame, fits: list[tuple[Aircraft, dict[str, Sensor]]]
) -> tuple[list[Task], dict[str, tuple[Task, ...]]]:
    """The work list with point targets that can share an orbit replaced by one shared-orbit task each.

    Targets share when they need the same sensor capability at the same altitude and have no window or
    persistence requirement. ``fits`` are the aircraft types with the sensor each would use per
    capability; the horizontal reach ρ (how far from the centre a target is watched from the whole
    circle, :meth:`Sensor.orbit_reach_m`) is taken at its smallest over them, at the heights above the
    highest and the lowest target ground, so every type that can watch one target alone can watch the
    group. The fewest orbits are chosen by CP-SAT over candidate centres, seeded with the greedy cover.
    A shared orbit is worth the sum of its targets' priorities; its laps are designed per sensor
    (:func:`design_shared`).
    """
    groups: dict[tuple[str, float | None, float | None], list[Task]] = {}
    out: list[Task] = []
    for task in work:
        if task.kind == "orbit" and task.sensor and task.window_start is None and task.window_end is None \
                and task.persistent_h is None:
            groups.setdefault((task.sensor, task.alt_m, task.alt_agl_m), []).append(task)
        else:
            out.append(task)
    members: dict[str, tuple[Task, ...]] = {}
    for (capability, alt, agl), group in groups.items():
        if agl is not None:
            alt = max(t.ground_elev_m for t in group) + agl  # reach from the highest ground of the group
        reach = _reach_m(group, alt, capability, fits, scenario.wind.speed_mps) if len(group) > 1 else -1.0
        if reach <= 0:
            out.extend(group)
            continue
        xy = np.column_stack(frame.to_local([t.geometry.x for t in group], [t.geometry.y for t in group]))
        cover = layout_orbits(xy, reach, exact=solve_set_cover)
        for orbit in cover.orbits:
            watched = tuple(group[i] for i in orbit.members)
            if len(watched) == 1:
                out.append(watched[0])
                continue
            lon, lat = frame.to_lonlat(orbit.x_m, orbit.y_m)
            shared = Task(
                name=f"shared orbit: {' + '.join(t.name for t in watched)}",
                kind="orbit",
                geometry=Point(float(lon), float(lat)),
                priority=sum(t.priority for t in watched),
                sensor=capability,
                dwell_min=max(t.dwell_min or 0.0 for t in watched) or None,
                alt_m=alt if agl is None else max(t.ground_elev_m for t in watched) + agl,
                ground_elev_m=min(t.ground_elev_m for t in watched),
                source=", ".join(t.source for t in watched),
            )
            members[shared.name] = watched
            out.append(shared)
    order = {t.name: i for i, t in enumerate(work)}
    out.sort(key=lambda t: min(order[m.name] for m in members[t.name]) if t.name in members else order[t.name])
    return out, members


def _reach_m(group: list[Task], alt: float | None, capability: str, fits: list[tuple[Aircraft, dict[str, Sensor]]],
             wind_mps: float) -> float:
    """The smallest horizontal reach (m) over the types that can watch a target of ``group`` at all (-1: none)."""
    reaches = []
    for aircraft, kit in fits:
        sensor = kit.get(capability)
        if sensor is None:
            continue
        a = alt if alt is not None else aircraft.default_alt_m
        heights = [a - max(t.ground_elev_m for t in group), a - min(t.ground_elev_m for t in group)]
        if min(heights) <= 0:
            continue
        radius = loiter_radius_m(sensor.orbit_radius_m(max(heights), aircraft.turn_radius_m(wind_mps)))
        reach = min(sensor.orbit_reach_m(h, radius, sensor.orbit_clockwise) for h in heights)
        if reach >= 0:
            reaches.append(reach)
    return min(reaches) if reaches else -1.0


def design_shared(task: Task, watched: tuple[Task, ...], aircraft: Aircraft, sensor: Sensor | None, wind: Wind,
                  frame: geo.LocalFrame, min_alt_m: float = 0.0) -> OrbitDesign:
    """The orbit of ``aircraft`` (at least ``min_alt_m`` high) over the shared-orbit ``task`` from which
    ``sensor`` watches every one of ``watched`` from the whole circle, or why not.

    The radius is the one for the highest target (:func:`design_orbit` with the lowest ground). A sensor
    pointed at one target at a time watches them in turn, most valuable first, each for its own dwell in
    whole laps: the orbit lasts the sum. A wide-area sensor watches them all at once: the longest dwell.
    """
    design = design_orbit(task, aircraft, sensor, wind, min_alt_m)
    if not design.ok or sensor is None:
        return design
    centre = (task.geometry.x, task.geometry.y)
    design = replace(design, slant_m=slant_m(design, centre, watched, frame))
    why = unwatched(design, sensor, centre, watched, frame)
    if why:
        return replace(design, reason=why)
    if sensor.targets == "one":
        turn = tuple((t.name, laps(t.dwell_s, design.lap_s)) for t in sorted(watched, key=lambda t: -t.priority))
        return replace(design, turns=sum(n for _, n in turn), watch=turn)
    return replace(design, turns=laps(max(t.dwell_s for t in watched), design.lap_s))
