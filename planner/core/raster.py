"""Rasters on a plane, and the highest value along many straight segments at once.

A :class:`Grid` holds one value per square cell of ``cell_m`` metres: ``values[iy, ix]`` covers
x in [x0 + ix·c, x0 + (ix + 1)·c) and y in [y0 + iy·c, y0 + (iy + 1)·c) — row 0 is the south edge.
NaN marks an unknown value.

:class:`MaxPyramid` answers "what is the highest value within a cell or two of each of these segments?"
for millions of segments without sampling each one finely. Its base level ``D0`` is the grid dilated by
``dilate`` cells (a (2·dilate + 1)² maximum filter; unknown counts as +inf); level ℓ has cells 2^ℓ times
larger: ``P_ℓ`` is the 2 × 2 block maximum of ``D_ℓ−1`` and ``D_ℓ`` its 3 × 3 maximum, so ``D_ℓ`` at a
point bounds ``D_ℓ−1`` anywhere within one level-ℓ cell of it (by induction, ``D0`` anywhere near it).

The answer for a segment is defined exactly: the maximum of ``D0`` at its *canonical samples*, the
16·m·2^ℓ + 1 evenly spaced points (spacing between a quarter and a half cell) of a segment that is
split into m pieces at its top level ℓ. Values are found by branch and bound: a piece at level ℓ is
bounded above by ``D_ℓ`` at 17 points along it (spacing at most half a level-ℓ cell) and below by ``D0``
at the same points (canonical samples); a piece whose bound cannot raise the answer is dropped (or,
with a ``slack``, whose bound is within the slack of the best value found, keeping its bound), the
others are halved one level down until level 0, where the bound is the exact canonical maximum.
:meth:`MaxPyramid.samples` gives the same canonical samples for one path, so a profile drawn along a
chosen leg agrees with the value the optimiser priced.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["PIECE_INTERVALS", "Grid", "MaxPyramid", "dilate"]

PIECE_INTERVALS = 16  # canonical intervals of one piece of a segment at its level
_CHUNK_SAMPLES = 1_500_000  # samples evaluated per vectorised step (bounds memory)
_PROBES = [0, PIECE_INTERVALS // 2, PIECE_INTERVALS]  # canonical


@dataclass(frozen=True, eq=False)
class Grid:
    """Values on square cells of ``cell_m`` metres from the south-west corner (``x0``, ``y0``); NaN unknown."""

    values: np.ndarray
    x0: float
    y0: float
    cell_m: float

    def __post_init__(self) -> None:
        if self.values.ndim != 2 or min(self.values.shape) < 1:
            raise ValueError(f"a grid needs a 2-d array of values, got shape {self.values.shape}")
        if not (self.cell_m > 0 and math.isfinite(self.cell_m) and math.isfinite(self.x0) and math.isfinite(self.y0)):
            raise ValueError("a grid needs a finite origin and a cell size > 0")

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return self.values.shape  # type: ignore[return-value]

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) metres."""
        ny, nx = self.shape
        return self.x0, self.y0, self.x0 + nx * self.cell_m, self.y0 + ny * self.cell_m

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """x (columns) and y (rows) of the cell centres, metres."""
        ny, nx = self.shape
        return self.x0 + (np.arange(nx) + 0.5) * self.cell_m, self.y0 + (np.arange(ny) + 0.5) * self.cell_m

    def bilinear(self, x: Any, y: Any) -> np.ndarray:
        """Values interpolated between cell centres at (x, y) (any shape); NaN outside or next to unknown cells."""
        x = np.asarray(x, float)
        y = np.asarray(y, float)
        ny, nx = self.shape
        fx = (x - self.x0) / self.cell_m - 0.5
        fy = (y - self.y0) / self.cell_m - 0.5
        outside = (fx < -0.5) | (fy < -0.5) | (fx > nx - 0.5) | (fy > ny - 0.5) | ~np.isfinite(fx + fy)
        fx = np.clip(np.nan_to_num(fx), 0.0, nx - 1.0)
        fy = np.clip(np.nan_to_num(fy), 0.0, ny - 1.0)
        i0 = np.minimum(fx.astype(np.int64), max(nx - 2, 0))
        j0 = np.minimum(fy.astype(np.int64), max(ny - 2, 0))
        i1 = np.minimum(i0 + 1, nx - 1)
        j1 = np.minimum(j0 + 1, ny - 1)
        tx = fx - i0
        ty = fy - j0
        v = self.values
        out = ((v[j0, i0] * (1 - tx) + v[j0, i1] * tx) * (1 - ty) + (v[j1, i0] * (1 - tx) + v[j1, i1] * tx) * ty)
        return np.where(outside, np.nan, out)


def dilate(values: np.ndarray, cells: int) -> np.ndarray:
    """The (2·cells + 1)² moving maximum of ``values`` (edges repeat the border), separable."""
    if cells <= 0:
        return values.copy()
    ny, nx = values.shape
    padded = np.pad(values, ((cells, cells), (0, 0)), mode="edge")
    rows = padded[0:ny].copy()
    for k in range(1, 2 * cells + 1):
        np.maximum(rows, padded[k:k + ny], out=rows)
    padded = np.pad(rows, ((0, 0), (cells, cells)), mode="edge")
    out = padded[:, 0:nx].copy()
    for k in range(1, 2 * cells + 1):
        np.maximum(out, padded[:, k:k + nx], out=out)
    return out


def _pair_max(values: np.ndarray) -> np.ndarray:
    """``out[i, j]`` = the maximum of ``values[i:i + 2, j:j + 2]`` (the last row and column repeat)."""
    padded = np.pad(values, ((0, 1), (0, 1)), mode="edge")
    return np.maximum(np.maximum(padded[:-1, :-1], padded[1:, :-1]), np.maximum(padded[:-1, 1:], padded[1:, 1:]))


def _block_max(values: np.ndarray) -> np.ndarray:
    """2 × 2 block maxima (an odd last row or column stands alone)."""
    ny, nx = values.shape
    padded = np.full((ny + ny % 2, nx + nx % 2), -np.inf, values.dtype)
    padded[:ny, :nx] = values
    return padded.reshape(padded.shape[0] // 2, 2, padded.shape[1] // 2, 2).max(axis=(1, 3))


@dataclass(frozen=True, eq=False)
class MaxPyramid:
    """Branch-and-bound maxima of a grid along segments (module docstring); build with :meth:`of`."""

    x0: float
    y0: float
    cell_m: float
    levels: tuple[np.ndarray, ...]  # D_0 … D_top, float32, unknown = +inf

    @classmethod
    def of(cls, grid: Grid, dilate_cells: int = 2) -> MaxPyramid:
        """The pyramid of ``grid``; unknown values count as +inf (nothing is known to be below them)."""
        base = np.where(np.isnan(grid.values), np.inf, grid.values).astype(np.float32)
        levels = [dilate(base, dilate_cells)]
        block = levels[0]
        while max(block.shape) > 2:
            block = _block_max(block)
            levels.append(_pair_max(block))
        return cls(grid.x0, grid.y0, grid.cell_m, tuple(levels))

    @property
    def top(self) -> int:
        """Index of the coarsest level."""
        return len(self.levels) - 1

    def at(self, x: Any, y: Any, level: int = 0) -> np.ndarray:
        """``D_level`` at points (any shape); +inf outside the grid."""
        return self._at(x, y, level).astype(float)

    def _at(self, x: Any, y: Any, level: int) -> np.ndarray:
        """:meth:`at` in the levels' own float32."""
        x = np.asarray(x, float)
        y = np.asarray(y, float)
        grid = self.levels[level]
        scale = 1.0 / (self.cell_m * (1 << level))
        ny, nx = grid.shape
        with np.errstate(invalid="ignore"):
            fx = (x - self.x0) * scale
            fy = (y - self.y0) * scale
            inside = (fx >= 0) & (fy >= 0) & (fx < nx) & (fy < ny)
            if level:  # the 2 × 2 block of cells round the nearest cell corner: every cell within half a cell
                fx = np.maximum(fx - 0.5, 0.0)
                fy = np.maximum(fy - 0.5, 0.0)
            index = np.where(inside, fy.astype(np.int64) * nx + fx.astype(np.int64), 0)
        return np.where(inside, np.take(grid.ravel(), index), np.float32(np.inf))

    def _pieces(self, length: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Top level and number of top-level pieces of segments of ``length`` metres."""
        half = PIECE_INTERVALS // 2
        with np.errstate(divide="ignore"):
            level = np.ceil(np.log2(np.maximum(length, 1e-9) / (half * self.cell_m)))
        level = np.clip(np.nan_to_num(level, nan=0.0), 0, self.top).astype(np.int64)
        pieces = np.maximum(np.ceil(length / (half * self.cell_m * (2.0 ** level)) - 1e-9), 1).astype(np.int64)
        return level, pieces

    def highest(self, x1: Any, y1: Any, x2: Any, y2: Any, floor: Any = -np.inf, *, decide: bool = False,
                slack: float = 0.0) -> np.ndarray:
        """The maximum of ``D0`` at the canonical samples of each segment (x1, y1) → (x2, y2), or ``floor``
        when that is higher (+inf where a segment leaves the grid or crosses unknown cells).

        ``slack`` > 0 trades exactness for speed: the value returned is then at least the maximum and at
        most ``slack`` above it (never below). ``decide`` answers only "is it above ``floor``?": a segment
        stops as soon as a value above its floor is found, and the value returned is then some canonical
        value above the floor.
        """
        x1, y1, x2, y2 = (np.atleast_1d(np.asarray(v, float)).ravel() for v in np.broadcast_arrays(x1, y1, x2, y2))
        n = x1.size
        floor = np.broadcast_to(np.asarray(floor, float), (n,)).astype(float)
        best = np.maximum(self.at(x1, y1), self.at(x2, y2))  # canonical values found so far
        extra = np.full(n, -np.inf)  # bounds of pieces given up within the slack
        if n == 0:
            return np.maximum(floor, best)
        level, pieces = self._pieces(np.hypot(x2 - x1, y2 - y1))
        seg = np.repeat(np.arange(n), pieces)
        k = np.arange(seg.size) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        ta = k / pieces[seg]
        tb = (k + 1) / pieces[seg]
        lvl = level[seg]
        dx, dy = x2 - x1, y2 - y1
        steps = np.arange(PIECE_INTERVALS + 1) / PIECE_INTERVALS
        per = max(1, _CHUNK_SAMPLES // steps.size)
        while seg.size:
            if decide:
                live = ~(best[seg] > floor[seg])
                seg, ta, tb, lvl = seg[live], ta[live], tb[live], lvl[live]
                if not seg.size:
                    break
            bound = np.empty(seg.size)
            found = np.empty(seg.size)
            for start in range(0, seg.size, per):
                sl = slice(start, start + per)
                s, a, b, lv = seg[sl], ta[sl], tb[sl], lvl[sl]
                t = a[:, None] + (b - a)[:, None] * steps[None, :]
                px = x1[s][:, None] + t * dx[s][:, None]
                py = y1[s][:, None] + t * dy[s][:, None]
                # canonical values at the ends and the middle of each piece (all 17 points at level 0)
                coarse = lv > 0
                base = np.empty(s.size, np.float32)
                base[~coarse] = self._at(px[~coarse], py[~coarse], 0).max(axis=1)
                base[coarse] = self._at(px[coarse][:, _PROBES], py[coarse][:, _PROBES], 0).max(axis=1)
                out = base.astype(float)
                for value in np.unique(lv[coarse]):
                    m = lv == value
                    out[m] = self._at(px[m], py[m], int(value)).max(axis=1)
                bound[sl] = out
                found[sl] = base
            np.maximum.at(best, seg, found)
            done = lvl == 0
            cut = np.maximum(floor[seg], best[seg])
            given_up = ~done & (bound > cut) & (bound <= cut + slack)
            np.maximum.at(extra, seg[given_up], bound[given_up])
            keep = ~done & (bound > cut) & ~given_up
            seg, ta, tb, lvl = seg[keep], ta[keep], tb[keep], lvl[keep] - 1
            tm = (ta + tb) / 2.0
            seg = np.concatenate([seg, seg])
            ta, tb = np.concatenate([ta, tm]), np.concatenate([tm, tb])
            lvl = np.concatenate([lvl, lvl])
        return np.maximum(np.maximum(floor, best), extra)

    def samples(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The canonical samples of the polyline through (x, y): their x, y, distance along it (m) and
        ``D0`` value. :meth:`highest` of each of its segments is the maximum of these over that segment."""
        x = np.atleast_1d(np.asarray(x, float))
        y = np.atleast_1d(np.asarray(y, float))
        xs: list[np.ndarray] = [x[:1]]
        ys: list[np.ndarray] = [y[:1]]
        ds: list[np.ndarray] = [np.zeros(1)]
        along = 0.0
        for i in range(x.size - 1):
            length = float(np.hypot(x[i + 1] - x[i], y[i + 1] - y[i]))
            level, pieces = self._pieces(np.array([length]))
            count = int(pieces[0]) * PIECE_INTERVALS * (1 << int(level[0]))
            t = np.arange(1, count + 1) / count
            xs.append(x[i] + t * (x[i + 1] - x[i]))
            ys.append(y[i] + t * (y[i + 1] - y[i]))
            ds.append(along + t * length)
            along += length
        px, py = np.concatenate(xs), np.concatenate(ys)
        return px, py, np.concatenate(ds), self.at(px, py)
