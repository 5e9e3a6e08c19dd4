"""The terrain numerics: segment maxima by branch and bound, line of sight with curvature and refraction."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core import physics
from planner.core.raster import Grid, MaxPyramid, dilate
from planner.core.sight import EFFECTIVE_RADIUS_M, bulge_m, lowest_visible, rays_clear


def _canonical_max(pyr: MaxPyramid, x1: float, y1: float, x2: float, y2: float) -> float:
    _, _, _, values = pyr.samples([x1, x2], [y1, y2])
    return float(values.max())


def _grid(seed: int, shape: tuple[int, int] = (90, 130), cell: float = 30.0) -> Grid:
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 1.0, shape).cumsum(axis=0).cumsum(axis=1)  # rough, correlated terrain
    return Grid((z * 10.0).astype(np.float32), -1000.0, 500.0, cell)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 5), pts=st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4),
       floor=st.floats(-3000.0, 3000.0))
def test_highest_is_the_exact_maximum_of_the_canonical_samples(seed: int, pts: list[float], floor: float):
    grid = _grid(seed)
    pyr = MaxPyramid.of(grid)
    x0, y0, x1, y1 = grid.extent
    ax, ay, bx, by = x0 + pts[0] * (x1 - x0), y0 + pts[1] * (y1 - y0), x0 + pts[2] * (x1 - x0), y0 + pts[3] * (y1 - y0)
    want = max(floor, _canonical_max(pyr, ax, ay, bx, by))
    got = float(pyr.highest(ax, ay, bx, by, floor)[0])
    assert got == want
    decided = float(pyr.highest(ax, ay, bx, by, floor, decide=True)[0])
    assert (decided > floor) == (want > floor)


def test_highest_bounds_every_point_of_the_line_interpolated_between_cells():
    grid = _grid(3)
    pyr = MaxPyramid.of(grid)
    rng = np.random.default_rng(1)
    x0, y0, x1, y1 = grid.extent
    for _ in range(200):
        a = rng.uniform([x0 + 60, y0 + 60], [x1 - 60, y1 - 60])
        b = rng.uniform([x0 + 60, y0 + 60], [x1 - 60, y1 - 60])
        t = np.linspace(0.0, 1.0, 2001)
        line = grid.bilinear(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
        assert pyr.highest(a[0], a[1], b[0], b[1])[0] >= line.max() - 1e-3


def test_many_segments_at_once_match_one_at_a_time():
    grid = _grid(4)
    pyr = MaxPyramid.of(grid)
    rng = np.random.default_rng(2)
    x0, y0, x1, y1 = grid.extent
    p = rng.uniform([x0, y0, x0, y0], [x1, y1, x1, y1], (300, 4))
    floors = rng.uniform(-2000, 2000, 300)
    together = pyr.highest(p[:, 0], p[:, 1], p[:, 2], p[:, 3], floors)
    alone = [pyr.highest(*row, f)[0] for row, f in zip(p, floors, strict=True)]
    assert np.array_equal(together, alone)


def test_unknown_cells_and_the_outside_count_as_infinitely_high():
    z = np.zeros((50, 50), np.float32)
    z[25, 25] = np.nan
    pyr = MaxPyramid.of(Grid(z, 0.0, 0.0, 100.0))
    assert math.isinf(pyr.highest(0.0, 2550.0, 4990.0, 2550.0)[0])  # crosses the hole
    assert pyr.highest(0.0, 500.0, 4990.0, 500.0)[0] == 0.0  # far from it
    assert math.isinf(pyr.highest(100.0, 100.0, 6000.0, 100.0)[0])  # leaves the grid


def test_dilate_is_a_moving_maximum():
    z = np.zeros((7, 7))
    z[3, 3] = 5.0
    d = dilate(z, 2)
    assert d[1:6, 1:6].min() == 5.0 and d[0].max() == 0.0 and d[:, 6].max() == 0.0


def test_bilinear_interpolates_between_cell_centres():
    g = Grid(np.array([[0.0, 10.0], [20.0, 30.0]]), 0.0, 0.0, 10.0)
    assert g.bilinear(5.0, 5.0) == 0.0 and g.bilinear(15.0, 5.0) == 10.0
    assert math.isclose(float(g.bilinear(10.0, 10.0)), 15.0)
    assert math.isnan(float(g.bilinear(-1.0, 5.0)))


def test_line_of_sight_over_a_smooth_earth_ends_at_the_radio_horizon():
    flat = Grid(np.zeros((10, 3000), np.float32), 0.0, -500.0, 200.0)
    h_antenna, h_aircraft = 10.0, 5000.0
    horizon = physics.radio_horizon_m(h_antenna, h_aircraft)
    ds = np.array([0.97, 1.03]) * horizon
    ok = rays_clear(flat, np.zeros(2), np.zeros(2), np.full(2, h_antenna), ds, np.zeros(2), np.full(2, h_aircraft))
    assert ok.tolist() == [True, False]
    assert math.isclose(float(bulge_m(100e3, 200e3)), 100e3 * 100e3 / (2 * EFFECTIVE_RADIUS_M))


def test_lowest_visible_altitude_over_flat_ground_and_behind_a_ridge():
    z = np.zeros((60, 400), np.float32)
    z[:, 100:103] = 1000.0  # a north-south wall 20 km east of the station
    g = Grid(z, 0.0, -6000.0, 200.0)
    low = lowest_visible(g, 1000.0, 0.0, 10.0, 70_000.0)
    cx, cy = g.centres()
    row = int(np.argmin(np.abs(cy)))
    before = int(np.searchsorted(cx, 15_000.0))
    d = cx[before] - 1000.0
    want = 10.0 + d * (-d / (2 * EFFECTIVE_RADIUS_M)) + d * d / (2 * EFFECTIVE_RADIUS_M)
    assert abs(low[row, before] - max(want, 0.0)) < 30.0  # nothing hides it short of the wall
    behind = int(np.searchsorted(cx, 60_000.0))
    d_wall = 20_000.0
    d = cx[behind] - 1000.0
    shadow = 10.0 + d * (1000.0 - d_wall**2 / (2 * EFFECTIVE_RADIUS_M) - 10.0) / d_wall + d * d / (2 * EFFECTIVE_RADIUS_M)
    assert abs(low[row, behind] - shadow) < 0.05 * shadow  # the wall's shadow
    assert math.isinf(low[row, int(np.searchsorted(cx, 75_000.0))])  # beyond the station's range
