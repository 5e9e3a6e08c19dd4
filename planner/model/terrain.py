"""Terrain: ground heights under the plan (a DEM on a grid) and the clearance every flown path keeps.

``planner.io.dem`` reads any DEM GDAL reads into a :class:`Terrain`: heights in metres AMSL on square
cells of a gnomonic plane centred on the plan (straight lines there are geodesics, so a leg is a line
of cells). A large DEM is reduced to at most ``planner.io.dem.MAX_CELLS`` cells by keeping the highest
height of each block, so clearance is never overstated. Unknown heights (NaN) are treated as higher than
anything: a path over them is refused.

Clearance is judged with :class:`~planner.core.raster.MaxPyramid` over the heights dilated by two cells,
so "the ground under a leg" is the highest ground within one to two cells of its track; line of sight
(:mod:`planner.core.sight`) interpolates the heights between cell centres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from planner.core import geo, sight
from planner.core.errors import InputError
from planner.core.raster import Grid, MaxPyramid

__all__ = ["CLEARANCE_DEFAULT_M", "FRAMES", "RING_SIDES", "TARGET_HEIGHT_M", "Terrain"]

CLEARANCE_DEFAULT_M = 300.0  # height kept above the ground when the scenario gives a DEM and no clearance_m
FRAMES = ("amsl", "terrain")  # altitude frame of exported missions: AMSL (frame 0) or ArduPilot terrain (frame 10)
TARGET_HEIGHT_M = 2.0  # height above its ground of what a sensor looks at (a vehicle, a person)
RING_SIDES = 36  # chords of a circle judged for clearance (10°)


@dataclass(frozen=True, eq=False)
class Terrain:
    """Ground heights (m AMSL) on ``ground``, a grid in ``plane`` metres, and the ``clearance_m`` kept above it.

    ``source`` names the DEM file(s) for messages; ``native_m`` is the DEM's own cell size (m) before any
    reduction; ``frame`` the altitude frame of exported missions (:data:`FRAMES`).
    """

    source: str
    plane: geo.GnomonicPlane
    ground: Grid
    clearance_m: float = CLEARANCE_DEFAULT_M
    native_m: float = 0.0
    frame: str = "amsl"

    def __post_init__(self) -> None:
        if not (0.0 <= self.clearance_m <= 5000.0):
            raise InputError(f"terrain: clearance_m must be in [0, 5000] m, got {self.clearance_m:g}")
        if self.frame not in FRAMES:
            raise InputError(f"terrain: frame '{self.frame}' is not one of {', '.join(FRAMES)}")

    @cached_property
    def peaks(self) -> MaxPyramid:
        """Highest ground along segments (plane metres), dilated by two cells."""
        return MaxPyramid.of(self.ground, 2)

    @cached_property
    def _wide(self) -> dict[int, MaxPyramid]:
        return {}

    def peaks_within(self, radius_m: float) -> MaxPyramid:
        """Like :attr:`peaks`, dilated by ``radius_m`` more: the highest ground within that distance of a
        segment too, which bounds any path that strays no farther from it (a circle left on its tangent)."""
        cells = 2 + math.ceil(max(radius_m, 0.0) / self.cell_m)
        if cells not in self._wide:
            self._wide[cells] = MaxPyramid.of(self.ground, cells)
        return self._wide[cells]

    @property
    def cell_m(self) -> float:
        """Cell size of the working grid (m)."""
        return self.ground.cell_m

    def xy(self, lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
        """(lon, lat) degrees to plane (x, y) metres, flat arrays."""
        xy = self.plane.xy(np.asarray(lon, float).ravel(), np.asarray(lat, float).ravel())
        return xy[:, 0], xy[:, 1]

    def lonlat(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Plane (x, y) metres to (lon, lat) degrees, flat arrays."""
        ll = self.plane.lonlat(np.column_stack([np.asarray(x, float).ravel(), np.asarray(y, float).ravel()]))
        return ll[:, 0], ll[:, 1]

    def height_m(self, lon: Any, lat: Any) -> np.ndarray:
        """Ground height (m AMSL) interpolated at (lon, lat); NaN where unknown."""
        return self.ground.bilinear(*self.xy(lon, lat))

    def highest_m(self, lon1: Any, lat1: Any, lon2: Any, lat2: Any, floor: Any = -np.inf) -> np.ndarray:
        """Highest ground (m) under each geodesic leg, or ``floor`` when that is higher; +inf where unknown."""
        x1, y1 = self.xy(lon1, lat1)
        x2, y2 = self.xy(lon2, lat2)
        return self.peaks.highest(x1, y1, x2, y2, floor)

    def path_highest_m(self, lons: Any, lats: Any) -> float:
        """Highest ground (m) under the geodesic polyline through (lons, lats)."""
        x, y = self.xy(lons, lats)
        if x.size < 2:
            return float(self.peaks.at(x, y).max()) if x.size else -math.inf
        return float(self.peaks.highest(x[:-1], y[:-1], x[1:], y[1:]).max())

    def area_highest_m(self, geometry: BaseGeometry) -> float:
        """Highest ground (m AMSL) of a WGS84 point, line or area: along its lines and at the cell centres inside."""
        parts = getattr(geometry, "geoms", [geometry])
        best = -math.inf
        for part in parts:
            if part.geom_type == "Point":
                best = max(best, float(self.height_m(part.x, part.y)[0]))
                continue
            rings = [part.exterior, *part.interiors] if part.geom_type == "Polygon" else [part]
            for ring in rings:
                xy = np.asarray(ring.coords)
                best = max(best, self.path_highest_m(xy[:, 0], xy[:, 1]))
            if part.geom_type == "Polygon":
                local = shapely.transform(part, lambda c: self.plane.xy(c[:, 0], c[:, 1]))
                x0, y0, x1, y1 = local.bounds
                g = self.ground
                ix = np.arange(max(0, int((x0 - g.x0) / g.cell_m)), min(g.shape[1], int((x1 - g.x0) / g.cell_m) + 1))
                iy = np.arange(max(0, int((y0 - g.y0) / g.cell_m)), min(g.shape[0], int((y1 - g.y0) / g.cell_m) + 1))
                if ix.size and iy.size:
                    cx, cy = np.meshgrid(g.x0 + (ix + 0.5) * g.cell_m, g.y0 + (iy + 0.5) * g.cell_m)
                    inside = shapely.contains_xy(local, cx, cy)
                    if inside.any():
                        best = max(best, float(np.max(g.values[np.ix_(iy, ix)][inside])))
        return best

    def ring_xy(self, lon: Any, lat: Any, radius_m: Any, sides: int = RING_SIDES) -> tuple[np.ndarray, np.ndarray]:
        """(circles, sides + 1) plane points of closed circles of ``radius_m`` (true metres) round (lon, lat)."""
        lon = np.atleast_1d(np.asarray(lon, float)).ravel()
        lat = np.atleast_1d(np.asarray(lat, float)).ravel()
        radius = np.broadcast_to(np.asarray(radius_m, float), lon.shape)
        az = np.arange(sides + 1) * (360.0 / sides)
        plon, plat = geo.destination(np.repeat(lon, sides + 1), np.repeat(lat, sides + 1), np.tile(az, lon.size),
                                     np.repeat(radius, sides + 1))
        x, y = self.xy(plon, plat)
        return x.reshape(lon.size, sides + 1), y.reshape(lon.size, sides + 1)

    def ring_highest_m(self, lon: Any, lat: Any, radius_m: Any, floor: Any = -np.inf) -> np.ndarray:
        """Highest ground (m) under each circle of ``radius_m`` round (lon, lat) (its chords), at least ``floor``."""
        x, y = self.ring_xy(lon, lat, radius_m)
        n, k = x.shape
        f = np.repeat(np.broadcast_to(np.asarray(floor, float), (n,)), k - 1)
        h = self.peaks.highest(x[:, :-1].ravel(), y[:, :-1].ravel(), x[:, 1:].ravel(), y[:, 1:].ravel(), f)
        return h.reshape(n, k - 1).max(axis=1)

    def sees(self, lon: Any, lat: Any, alt_m: Any, tlon: Any, tlat: Any, talt_m: Any = None) -> np.ndarray:
        """Whether each observer (lon, lat, alt AMSL) sees its target (tlon, tlat; at ``talt_m`` AMSL, default
        :data:`TARGET_HEIGHT_M` above its ground): the ray clears the terrain, curvature and refraction
        included (:func:`planner.core.sight.rays_clear`; the target's own cell is not tested)."""
        ox, oy = self.xy(lon, lat)
        tx, ty = self.xy(tlon, tlat)
        tz = (self.ground.bilinear(tx, ty) + TARGET_HEIGHT_M) if talt_m is None else np.asarray(talt_m, float)
        oz = np.broadcast_to(np.asarray(alt_m, float).ravel() if np.ndim(alt_m) else alt_m, ox.shape)
        ok = sight.rays_clear(self.ground, ox, oy, oz, tx, ty, tz, skip_m=1.5 * self.cell_m)
        return ok & np.isfinite(tz)
