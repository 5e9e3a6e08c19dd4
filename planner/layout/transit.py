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

from planner.model.terrain import Terrain

__all__ = ["transit_points"]

_MERGE_M = 1.0  # turning points closer than this along the track are one


def transit_points(terrain: Terrain, path: Sequence[tuple[float, float]], start_m: float, end_m: float, top_m: float,
                   climb_gradient: float, descent_gradient: float) -> list[tuple[float, float, float]]:
    """Turning points (lon, lat, alt AMSL) strictly between the ends of the transit along ``path`` (lon, lat
    vertices, its ends included) from ``start_m`` to ``end_m`` flown at ``top_m``; a point at the start's
    (lon, lat) first means "circle up here", one at the end's last "arrive at this altitude, circle down"."""
    lons = np.array([p[0] for p in path])
    lats = np.array([p[1] for p in path])
    x, y = terrain.xy(lons, lats)
    _, _, s, high = terrain.peaks.samples(x, y)
    need = high + terrain.clearance_m
    length = float(s[-1])
    if length <= _MERGE_M:
        return []
    a, b, top = start_m, end_m, max(top_m, start_m, end_m)
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
