"""Shared orbits: the fewest orbit circles from which the sensors see every point target.

A target at height h below the aircraft is seen from every point of a circle of radius r centred c when
the farthest point of the circle is within the sensor's slant range S:
√((|c − t| + r)² + h²) ≤ S, i.e. |c − t| ≤ ρ = √(S² − h²) − r (horizontal metres). Targets that share a
sensor capability, an altitude and have no time window can share an orbit.

Candidates are the targets themselves, midpoints of close pairs and centroids of small neighbourhoods;
each covers the targets within ρ. Choosing the fewest is a set cover, solved exactly by CP-SAT
(``planner.optimise.solve_set_cover``) within a time cap, starting from the greedy cover; the greedy
cover alone is the fallback. Every target is then assigned to the nearest chosen centre that sees it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Cover", "SharedOrbit", "candidate_centres", "greedy_cover", "layout_orbits"]

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
