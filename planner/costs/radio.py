"""Radio reach of legs, detours and designs for aircraft without SATCOM (the ground stations of
:mod:`planner.layout.comms`)."""

from __future__ import annotations

import numpy as np

from planner.core import geo
from planner.costs.routing import Routing
from planner.layout.comms import Comms
from planner.layout.designs import Design, work_ends
from planner.layout.pattern import PatternDesign
from planner.model.scenario import Task

__all__ = ["design_covered", "designs_covered", "detours_covered", "orbits_covered"]


def detours_covered(comms: Comms, routing: Routing, aircraft: str, rows: np.ndarray, cols: np.ndarray,
                     work_alt: np.ndarray, legs_ok: np.ndarray) -> np.ndarray:
    """``legs_ok`` (nodes, nodes) with every detoured leg of ``aircraft`` judged along its detour.

    ``rows``/``cols`` are the route points of each node's exit and entry; a detour is flown at the lower
    of the two nodes' altitudes (``work_alt``, NaN at a base: the other end's). A station reaching both
    ends, their escapes and every outline corner reaches the whole detour (its disc is convex); other
    detours are rebuilt and sampled leg by leg (results kept in ``routing.covered``).
    """
    routes = routing.routes[aircraft]
    with np.errstate(invalid="ignore"):
        low = np.fmin(work_alt[:, None], work_alt[None, :])
    todo = routes.detoured[np.ix_(rows, cols)] & np.isfinite(routes.cost[np.ix_(rows, cols)]) & ~np.isnan(low)
    if not todo.any():
        return legs_ok
    out = legs_ok.copy()
    if comms.sight is not None:  # terrain-masked reach is not a disc: every detour is judged leg by leg
        with np.errstate(invalid="ignore"):
            for h in np.unique(low[todo]):
                src, dst = np.nonzero(todo & (low == h))
                out[src, dst] = _paths_covered(comms, routing, aircraft, rows[src], cols[dst], float(h))
        return out
    corners = routing.space.corners
    escapes = routes.escapes
    lost = np.isnan(escapes[:, 0])
    for h in np.unique(low[todo]):
        at = todo & (low == h)
        point = comms.stations(routes.lons, routes.lats, h)
        ends = point & (comms.stations(np.where(lost, routes.lons, escapes[:, 0]),
                                       np.where(lost, routes.lats, escapes[:, 1]), h) | lost[:, None])
        everywhere = comms.stations(corners[:, 0], corners[:, 1], h).all(axis=0)
        fast = ((ends[rows] & everywhere).astype(np.int32) @ ends[cols].T.astype(np.int32)) > 0
        reached = point[rows].any(axis=1)[:, None] & point[cols].any(axis=1)[None, :]
        out[at] = (fast & reached)[at]
        src, dst = np.nonzero(at & reached & ~fast)
        out[src, dst] = _paths_covered(comms, routing, aircraft, rows[src], cols[dst], float(h))
    return out


def _paths_covered(comms: Comms, routing: Routing, aircraft: str, src: np.ndarray, dst: np.ndarray,
                   alt_m: float) -> np.ndarray:
    """Whether each route ``src[p]`` → ``dst[p]`` (route points) of ``aircraft`` stays within radio reach
    at ``alt_m``, leg by leg (remembered in ``routing.covered``)."""
    out = np.zeros(src.size, bool)
    lon: list[float] = []
    lat: list[float] = []
    segments: list[tuple[int, int]] = []
    owner: list[int] = []
    fresh: list[int] = []
    for p, (i, j) in enumerate(zip(src.tolist(), dst.tolist(), strict=True)):
        known = routing.covered.get((aircraft, i, j, alt_m))
        if known is not None:
            out[p] = known
            continue
        path = routing.routes[aircraft].path(i, j)
        first = len(lon)
        lon.extend(v[0] for v in path)
        lat.extend(v[1] for v in path)
        segments.extend((first + s, first + s + 1) for s in range(len(path) - 1))
        owner.extend([p] * (len(path) - 1))
        fresh.append(p)
    if fresh:
        seg_ok = comms.legs_covered(np.array(lon), np.array(lat), np.full(len(lon), alt_m),
                                    np.array(segments, dtype=np.int64).reshape(-1, 2))
        ok = np.ones(src.size, bool)
        np.logical_and.at(ok, np.array(owner, dtype=np.int64), seg_ok)
        for p in fresh:
            out[p] = ok[p]
            routing.covered[aircraft, int(src[p]), int(dst[p]), alt_m] = bool(ok[p])
    return out


def design_covered(comms: Comms, task: Task, design: Design | None) -> bool:
    """Whether the whole orbit or pattern is within radio reach."""
    if design is None:
        return False
    if isinstance(design, PatternDesign):
        path = np.array(design.path)
        if comms.sight is not None:
            closed = np.vstack([path, path[:1]]) if design.kind == "racetrack" else path
            if len(closed) < 2:
                return bool(comms.covered(path[:, 0], path[:, 1], np.full(len(path), design.alt_m)).all())
            return bool(comms.sight.legs(closed[:-1, 0], closed[:-1, 1], closed[1:, 0], closed[1:, 1],
                                         design.alt_m).all())
        return bool(comms.covered(path[:, 0], path[:, 1], np.full(len(path), design.alt_m)).all())
    (lon, lat), _ = work_ends(task, design)
    return bool(orbits_covered(comms, np.array([lon]), np.array([lat]), np.array([design.alt_m]),
                                np.array([design.radius_m]))[0])


def designs_covered(comms: Comms, tasks: list[Task], designs: list[Design | None]) -> np.ndarray:
    """:func:`design_covered` of each task's design, the orbits judged together in one vectorised call."""
    out = np.zeros(len(tasks), bool)
    orbits = []
    for i, (task, design) in enumerate(zip(tasks, designs, strict=True)):
        if isinstance(design, PatternDesign):
            out[i] = design_covered(comms, task, design)
        elif design is not None:
            orbits.append((i, work_ends(task, design)[0], design))
    if orbits:
        idx = np.array([i for i, _, _ in orbits])
        out[idx] = orbits_covered(comms, np.array([c[0] for _, c, _ in orbits]), np.array([c[1] for _, c, _ in orbits]),
                                  np.array([d.alt_m for _, _, d in orbits]), np.array([d.radius_m for _, _, d in orbits]))
    return out


def orbits_covered(comms: Comms, lon: np.ndarray, lat: np.ndarray, alt: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Whether each orbit circle (8 points on it and its centre) is within radio reach; with terrain, the whole
    circle (its chords) and its centre."""
    if lon.size == 0:
        return np.zeros(0, bool)
    if comms.sight is not None and comms.bases:
        x, y = comms.sight.terrain.ring_xy(lon, lat, radius)
        k = x.shape[1] - 1
        plon, plat = comms.sight.terrain.lonlat(x.ravel(), y.ravel())
        plon, plat = plon.reshape(x.shape), plat.reshape(x.shape)
        legs = comms.sight.legs(plon[:, :-1].ravel(), plat[:, :-1].ravel(), plon[:, 1:].ravel(), plat[:, 1:].ravel(),
                                np.repeat(alt, k))
        return legs.reshape(lon.size, k).all(axis=1) & comms.covered(lon, lat, alt)
    az = np.arange(8) * 45.0
    plon, plat = geo.destination(np.repeat(lon, 8), np.repeat(lat, 8), np.tile(az, lon.size), np.repeat(radius, 8))
    ring = comms.covered(plon, plat, np.repeat(alt, 8)).reshape(lon.size, 8).all(axis=1)
    return ring & comms.covered(lon, lat, alt)
