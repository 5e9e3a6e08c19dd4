"""Line of sight over terrain, with the earth's curvature and standard refraction.

Heights are metres AMSL, positions metres on a plane whose straight lines are geodesics (the gnomonic
plane of :mod:`planner.core.geo`). Radio and light bend slightly towards the ground; the standard
model replaces the earth's radius R by an effective k·R with k = 4/3, which keeps rays straight. Over a
ray of ground length D from an observer at height h₀ to a point at height h₁, the ground at distance s
along it rises by the bulge s·(D − s) / (2·k·R) relative to the chord; the ray clears the ground where
h₀ + (h₁ − h₀)·s/D − s·(D − s)/(2·k·R) is above the terrain. On flat ground this gives the smooth-earth
radio horizon d ≈ 4.12·(√h₀ + √h₁) km of :func:`planner.core.physics.radio_horizon_m`.

:func:`rays_clear` tests rays one by one (a sensor looking at a target); :func:`lowest_visible` sweeps
radials out of one station to give, for every cell, the lowest altitude an aircraft there is seen at.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from planner.core.raster import Grid

__all__ = ["EARTH_RADIUS_M", "EFFECTIVE_RADIUS_M", "REFRACTION_K", "bulge_m", "lowest_visible", "rays_clear"]

EARTH_RADIUS_M = 6_371_000.0
REFRACTION_K = 4.0 / 3.0  # standard atmosphere: effective earth radius k·R
EFFECTIVE_RADIUS_M = REFRACTION_K * EARTH_RADIUS_M
_CHUNK_SAMPLES = 2_000_000


def bulge_m(s_m: Any, d_m: Any) -> np.ndarray:
    """Rise (m) of the effective earth above the chord of a ray of ground length ``d_m``, at ``s_m`` along it."""
    s = np.asarray(s_m, float)
    return s * (np.asarray(d_m, float) - s) / (2.0 * EFFECTIVE_RADIUS_M)


def rays_clear(ground: Grid, ox: Any, oy: Any, oz: Any, tx: Any, ty: Any, tz: Any, *, skip_m: float = 0.0,
               step_m: float | None = None) -> np.ndarray:
    """Whether each ray from (ox, oy, oz) to (tx, ty, tz) passes above the ground (bilinear in ``ground``).

    Sampled every ``step_m`` (default the grid's cell); the last ``skip_m`` before the target is not
    tested, so a target's own cell does not hide it. Unknown ground hides what is behind it.
    """
    ox, oy, oz, tx, ty, tz = (np.atleast_1d(np.asarray(v, float)).ravel()
                              for v in np.broadcast_arrays(ox, oy, oz, tx, ty, tz))
    step = float(step_m or ground.cell_m)
    dist = np.hypot(tx - ox, ty - oy)
    out = np.ones(ox.size, bool)
    if not ox.size:
        return out
    order = np.argsort(dist, kind="stable")
    start = 0
    while start < order.size:
        # rays of similar length share a sample count; the chunk grows while memory allows
        count = max(2, math.ceil(float(dist[order[start]]) / step) + 1)
        stop = start
        while stop < order.size:
            count = max(count, math.ceil(float(dist[order[stop]]) / step) + 1)
            if (stop - start + 1) * count > _CHUNK_SAMPLES and stop > start:
                break
            stop += 1
        idx = order[start:stop]
        t = np.linspace(0.0, 1.0, count)[1:-1]
        d = dist[idx][:, None]
        s = t[None, :] * d
        px = ox[idx][:, None] + t[None, :] * (tx - ox)[idx][:, None]
        py = oy[idx][:, None] + t[None, :] * (ty - oy)[idx][:, None]
        ray = oz[idx][:, None] + t[None, :] * (tz - oz)[idx][:, None] - bulge_m(s, d)
        ground_z = ground.bilinear(px, py)
        blocked = ~(ray > ground_z) & (s < d - skip_m)
        out[idx] = ~blocked.any(axis=1)
        start = stop
    return out


def lowest_visible(ground: Grid, sx: float, sy: float, sz: float, range_m: float) -> np.ndarray:
    """(rows, columns) lowest altitude (m AMSL) at which an aircraft over each cell centre of ``ground`` is in
    line of sight of an antenna at (sx, sy, sz) — +inf beyond ``range_m`` or behind unknown ground.

    Radials leave the antenna every ~2 cells at the farthest range, sampled every cell along; a cell takes
    the highest of the values of its two neighbouring radials at its two neighbouring samples.
    """
    x, y = ground.centres()
    x0, y0, x1, y1 = ground.extent
    far = max(math.hypot(cx - sx, cy - sy) for cx in (x0, x1) for cy in (y0, y1))
    reach = min(range_m, far)
    step = ground.cell_m
    out = np.full(ground.shape, np.inf)
    if reach <= 0:
        return out
    count = max(2, math.ceil(reach / step) + 1)
    radials = int(np.clip(math.ceil(2.0 * math.pi * reach / (2.0 * step)), 64, 32768))
    dist = np.arange(count) * step
    # only the cells within reach: the box round the disc
    cols = np.flatnonzero(np.abs(x - sx) <= reach)
    rows = np.flatnonzero(np.abs(y - sy) <= reach)
    if not cols.size or not rows.size:
        return out
    cx, cy = np.meshgrid(x[cols], y[rows])
    cd = np.hypot(cx - sx, cy - sy).ravel()
    az = (np.arctan2(cx - sx, cy - sy).ravel() / (2.0 * math.pi)) % 1.0 * radials
    k0 = np.floor(az).astype(np.int64) % radials
    j = cd / step
    j0 = np.minimum(np.floor(j).astype(np.int64), count - 1)
    j1 = np.minimum(j0 + 1, count - 1)
    near = cd <= reach
    box = np.full(cx.shape, np.inf)
    flat = box.ravel()
    cells = np.flatnonzero(near)
    by_radial = cells[np.argsort(k0[cells], kind="stable")]
    first = np.searchsorted(k0[by_radial], np.arange(radials + 1))
    per = max(1, _CHUNK_SAMPLES // count)
    for r0 in range(0, radials, per):
        r1 = min(radials, r0 + per)
        ks = np.arange(r0, r1 + 1) % radials  # one radial more: cells between r1 - 1 and r1
        angle = ks * (2.0 * math.pi / radials)
        px = sx + np.sin(angle)[:, None] * dist[None, :]
        py = sy + np.cos(angle)[:, None] * dist[None, :]
        z = ground.bilinear(px, py)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = (z - dist**2 / (2.0 * EFFECTIVE_RADIUS_M) - sz) / dist
        slope = np.where(np.isnan(slope), np.inf, slope)
        slope[:, dist < 1.5 * step] = -np.inf  # the antenna's own cell does not hide it
        shadow = np.maximum.accumulate(slope, axis=1)
        shadow = np.concatenate([np.full((ks.size, 1), -np.inf), shadow[:, :-1]], axis=1)  # ground before it
        with np.errstate(invalid="ignore"):
            lowest = sz + dist * shadow + dist**2 / (2.0 * EFFECTIVE_RADIUS_M)
        lowest[:, 0] = -np.inf
        lowest = np.where(np.isnan(lowest), -np.inf, lowest)
        lowest = np.maximum(lowest, np.where(np.isnan(z), np.inf, z))
        lowest[:, dist > range_m] = np.inf
        mine = by_radial[first[r0]:first[r1]]
        if mine.size:
            a = k0[mine] - r0
            flat[mine] = np.maximum.reduce([lowest[a, j0[mine]], lowest[a, j1[mine]],
                                            lowest[a + 1, j0[mine]], lowest[a + 1, j1[mine]]])
    out[np.ix_(rows, cols)] = box
    return out
