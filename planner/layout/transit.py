"""The climb and descent of a transit over terrain: the turning points that keep it clear of the ground.

A transit leaves at altitude a, joins its next task at b and flies at H (:mod:`planner.costs.climbs`:
the highest ground under its track plus the clearance, or the higher end). Flown as an autopilot flies a
leg between waypoints — altitude changing linearly with distance (ArduPilot's glide slope) — it climbs at
the aircraft's gradient g_c = climb rate / (cruise + wind speed) from a as soon as it leaves, and descends
at g_d = descent rate / (cruise + wind speed) to b as late as it may:

    p(s) = min(H, a' + g_c·s, b' + g_d·(L − s))

with a' = a and b' = b unless a ridge stands closer to an end than the climb or descent needs; then the
transit first circles up over its start to a' (a NAV_LOITER_TO_ALT), or arrives at its end at b' and
circles down there — the circles are those the designs keep clear (:mod:`planner.layout.terrain_fit`).
p(s) is checked against the ground plus the clearance at the canonical samples the cost model priced the
leg with. Turning points: the top of climb and of descent (or the apex of a short leg) and every detour
corner, each at p(s).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from planner.core.geo import tangent_points
from planner.model.terrain import Terrain

__all__ = ["transit_points"]

_MERGE_M = 1.0  # turning points closer than this along the track are one


def transit_points(terrain: Terrain, path: Sequence[tuple[float, float]], start_m: float, end_m: float, top_m: float,
                   climb_gradient: float, descent_gradient: float,
                   exit_radius_m: float = 0.0) -> list[tuple[float, float, float]]:
    """Turning points (lon, lat, alt AMSL) strictly between the ends of the transit along ``path`` (lon, lat
    vertices, its ends included) from ``start_m`` to ``end_m`` flown at ``top_m``; a point at the start's
    (lon, lat) first means "circle up here", one at the end's last "arrive at this altitude, circle down".
    Left from a clockwise circle of ``exit_radius_m`` round the start, the first piece is flown from the
    circle's tangent: it is judged there too, circling up higher first where it would be too low."""
    lons = np.array([p[0] for p in path])
    lats = np.array([p[1] for p in path])
    x, y = terrain.xy(lons, lats)
    _, _, s, high = terrain.peaks.samples(x, y)
    need = high + terrain.clearance_m
    length = float(s[-1])
    if length <= _MERGE_M:
        return []
    top = max(top_m, start_m, end_m)
    a_min, b_min = start_m, end_m
    out: list[tuple[float, float, float]] = []
    for _ in range(16):
        out = _points(terrain, lons, lats, x, y, s, need, a_min, b_min, start_m, end_m, top, climb_gradient,
                      descent_gradient)
        short = _tangent_shortfall(terrain, x, y, start_m, end_m, out, exit_radius_m)
        if short <= 1e-6:
            break
        # circle up higher over the start; once at the top, arrive higher at the next point
        if a_min < top - 1e-6:
            a_min = min(top, a_min + short)
        elif b_min < top - 1e-6:
            b_min = min(top, b_min + short)
        else:
            break
    return out


def _tangent_shortfall(terrain: Terrain, x: np.ndarray, y: np.ndarray, start_m: float, end_m: float,
                       out: list[tuple[float, float, float]], radius_m: float) -> float:
    """How far (m) the first piece, flown from the start circle's tangent to the next turning point, dips
    below the ground plus the clearance (0 without a circle)."""
    if radius_m <= 0:
        return 0.0
    pts = [(float(x[0]), float(y[0]), start_m)]
    ox, oy = terrain.xy([p[0] for p in out], [p[1] for p in out]) if out else (np.array([]), np.array([]))
    for (_, _, alt), px, py in zip(out, ox, oy, strict=True):
        pts.append((float(px), float(py), alt))
    pts.append((float(x[-1]), float(y[-1]), end_m))
    k = 1
    while k < len(pts) - 1 and np.hypot(pts[k][0] - pts[0][0], pts[k][1] - pts[0][1]) <= _MERGE_M:
        k += 1  # circling up over the start: the piece leaves the circle at that altitude
    alt0 = pts[k - 1][2]
    nx, ny, alt1 = pts[k]
    tx, ty = tangent_points(np.array([pts[0][0]]), np.array([pts[0][1]]), np.array([radius_m]), np.array([nx]),
                            np.array([ny]))
    _, _, d, high = terrain.peaks.samples(np.array([tx[0], nx]), np.array([ty[0], ny]))
    share = d / max(float(d[-1]), 1e-9)
    flown = alt0 + (alt1 - alt0) * share
    return max(0.0, float(np.max(high + terrain.clearance_m - flown)))


def _points(terrain: Terrain, lons: np.ndarray, lats: np.ndarray, x: np.ndarray, y: np.ndarray, s: np.ndarray,
            need: np.ndarray, a_min: float, b_min: float, start_m: float, end_m: float, top: float,
            climb_gradient: float, descent_gradient: float) -> list[tuple[float, float, float]]:
    """:func:`transit_points` along the centre line, circling up over the start to at least ``a_min`` and
    arriving at the end at least at ``b_min``."""
    length = float(s[-1])
    a, b = max(start_m, a_min), max(end_m, b_min)
    for _ in range(6):
        climb = a + climb_gradient * s
        fall = b + descent_gradient * (length - s)
        flown = np.minimum(top, np.minimum(climb, fall))
        low = need > flown + 1e-6
        if not low.any():
            break
        by_climb = low & (climb <= fall)
        if by_climb.any():
            a = min(top, max(a, float(np.max(need[by_climb] - climb_gradient * s[by_climb]))))
        by_fall = low & ~by_climb
        if by_fall.any():
            b = min(top, max(b, float(np.max(need[by_fall] - descent_gradient * (length - s[by_fall])))))

    def alt_at(d: float) -> float:
        return float(min(top, a + climb_gradient * d, b + descent_gradient * (length - d)))

    marks: list[float] = []
    s_top = (top - a) / climb_gradient
    s_down = length - (top - b) / descent_gradient
    if s_top >= s_down:
        marks.append((b + descent_gradient * length - a) / (climb_gradient + descent_gradient))
    else:
        marks.extend(d for d in (s_top, s_down) if 0.0 < d < length)
    vertex_s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    marks.extend(float(d) for d in vertex_s[1:-1])
    marks = sorted(d for d in marks if _MERGE_M < d < length - _MERGE_M)
    merged: list[float] = []
    for d in marks:
        if not merged or d - merged[-1] > _MERGE_M:
            merged.append(d)
    out: list[tuple[float, float, float]] = []
    if a > start_m + 1e-6:
        out.append((float(lons[0]), float(lats[0]), a))
    if merged:
        at = np.array(merged)
        seg = np.clip(np.searchsorted(vertex_s, at, side="right") - 1, 0, len(x) - 2)
        span = np.maximum(vertex_s[seg + 1] - vertex_s[seg], 1e-9)
        t = (at - vertex_s[seg]) / span
        qlon, qlat = terrain.lonlat(x[seg] + t * (x[seg + 1] - x[seg]), y[seg] + t * (y[seg + 1] - y[seg]))
        for i, d in enumerate(merged):
            if d in vertex_s:
                k = int(np.flatnonzero(vertex_s == d)[0])
                out.append((float(lons[k]), float(lats[k]), alt_at(d)))  # a detour corner keeps its exact place
            else:
                out.append((float(qlon[i]), float(qlat[i]), alt_at(d)))
    if b > end_m + 1e-6:
        out.append((float(lons[-1]), float(lats[-1]), b))
    return out
