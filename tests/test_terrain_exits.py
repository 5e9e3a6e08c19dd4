"""Transits leaving a circle on its tangent (the climb over a base, an orbit) over terrain: the tangent line
is priced and the missions' first piece from the tangent point keeps the clearance (a peak beside the
centre line, under the tangent line only)."""

from __future__ import annotations

import numpy as np

from planner.core import geo
from planner.core.raster import Grid
from planner.costs.climbs import transit_tops_m
from planner.layout.transit import transit_points
from planner.model.terrain import Terrain

RADIUS_M = 2000.0
PEAK_M = 5000.0


def _terrain() -> Terrain:
    """Plain at 800 m, 100 m cells round the plane's centre, a 5,000 m block at x -1.95..-1.0 km, y 2.8..3.2 km:
    west of the line north from (0, 0), under the clockwise tangent from a 2 km circle round it."""
    cell = 100.0
    n = 400
    values = np.full((n, n), 800.0)
    xc = -20_000.0 + (np.arange(n) + 0.5) * cell
    cols = (xc >= -1950.0) & (xc <= -1000.0)
    rows = (xc >= 2800.0) & (xc <= 3200.0)
    values[np.ix_(rows, cols)] = PEAK_M
    return Terrain("test", geo.GnomonicPlane(76.5, 43.3), Grid(values, -20_000.0, -20_000.0, cell), clearance_m=300.0)


def _lonlat(t: Terrain, x: float, y: float) -> tuple[float, float]:
    lon, lat = t.lonlat([x], [y])
    return float(lon[0]), float(lat[0])


def test_the_tangent_point_of_a_clockwise_circle():
    # due north from the centre, a clockwise circle is left on its west side, heading north-east
    tx, ty = geo.tangent_points(np.array([0.0]), np.array([0.0]), np.array([RADIUS_M]), np.array([0.0]),
                                np.array([20_000.0]))
    beta = np.arccos(RADIUS_M / 20_000.0)
    assert np.allclose([tx[0], ty[0]], [-RADIUS_M * np.sin(beta), RADIUS_M * np.cos(beta)])
    assert np.isclose(np.hypot(tx[0], ty[0]), RADIUS_M)
    assert np.isclose(tx[0] * (0.0 - tx[0]) + ty[0] * (20_000.0 - ty[0]), 0.0, atol=1e-6)  # tangent: radius ⟂ line


def test_a_transit_from_a_circle_is_priced_over_its_tangent_line():
    t = _terrain()
    start, end = _lonlat(t, 0.0, 0.0), _lonlat(t, 0.0, 18_000.0)
    ends = np.array([start, end])
    alt = np.array([3000.0, 3000.0])
    straight = transit_tops_m(t, ends, ends, alt)
    assert straight[0, 1] == 3000.0  # the centre line passes 1.5 km east of the peak
    circled = transit_tops_m(t, ends, ends, alt, radius_m=np.array([RADIUS_M, 0.0]))
    assert circled[0, 1] >= PEAK_M + 300.0
    assert circled[1, 0] == 3000.0  # arriving at a circle is along the centre line


def _tangent_clearance(t: Terrain, points: list[tuple[float, float, float]], start_alt: float, end_alt: float,
                       start: tuple[float, float], end: tuple[float, float]) -> float:
    """Lowest clearance (m) of the first piece as the mission flies it: from the tangent point (at the altitude
    circled up to, if any) straight to the next turning point, altitude linear; ground sampled every 10 m."""
    pts = [(*start, start_alt), *points, (*end, end_alt)]
    k = 1
    while pts[k][:2] == start:
        k += 1
    alt0, (nlon, nlat, alt1) = pts[k - 1][2], pts[k]
    (cx, nx), (cy, ny) = t.xy([start[0], nlon], [start[1], nlat])
    tx, ty = geo.tangent_points(np.array([cx]), np.array([cy]), np.array([RADIUS_M]), np.array([nx]), np.array([ny]))
    f = np.linspace(0.0, 1.0, int(np.hypot(nx - tx[0], ny - ty[0]) // 10.0) + 2)
    x, y = tx[0] + f * (nx - tx[0]), ty[0] + f * (ny - ty[0])
    g = t.ground
    ground = g.values[((y - g.y0) // g.cell_m).astype(int), ((x - g.x0) // g.cell_m).astype(int)]
    return float(np.min(alt0 + (alt1 - alt0) * f - ground))


def test_the_first_piece_from_the_tangent_point_keeps_the_clearance():
    t = _terrain()
    start, end = _lonlat(t, 0.0, 0.0), _lonlat(t, 0.0, 18_000.0)
    top = float(transit_tops_m(t, np.array([start, end]), np.array([start, end]), np.array([3000.0, 3000.0]),
                               radius_m=np.array([RADIUS_M, 0.0]))[0, 1])
    climb, descent = 5.0 / 60.0, 6.0 / 60.0
    blind = transit_points(t, [start, end], 3000.0, 3000.0, top, climb, descent)
    assert _tangent_clearance(t, blind, 3000.0, 3000.0, start, end) < 0.0  # along the centre line only: too low
    seen = transit_points(t, [start, end], 3000.0, 3000.0, top, climb, descent, RADIUS_M)
    assert seen[0][:2] == start and seen[0][2] > 3000.0  # circles up over its start first
    assert _tangent_clearance(t, seen, 3000.0, 3000.0, start, end) >= 300.0 - 1.0
