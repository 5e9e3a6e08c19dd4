"""Line-of-sight control reach of the bases' ground stations.

A ground station at a base reaches an aircraft at height h above the base's field out to the radio
horizon d ≈ 4.12·(√h_antenna + √h) km, capped by the station's ``gcs_range_km``. Any base's station
can control any aircraft (stations are networked). Beyond every station's reach an aircraft needs
SATCOM. Legs are checked along their length, at the lower of their two end altitudes.

With terrain, reach is terrain-masked line of sight instead (:class:`RadioSight`): for every cell of the
terrain grid, the lowest altitude at which some station sees an aircraft there — rays over the ground with
the earth's curvature and standard refraction (:func:`planner.core.sight.lowest_visible`), still capped by
``gcs_range_km``. Points are looked up, legs and circles judged along their whole track
(:class:`~planner.core.raster.MaxPyramid`: a leg is in sight when that lowest altitude nowhere under it
exceeds the leg's altitude).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from planner.core import geo, physics, sight
from planner.core.raster import Grid, MaxPyramid
from planner.model.scenario import Base
from planner.model.terrain import Terrain

__all__ = ["Comms", "RadioSight"]

_SAMPLES = 24  # points sampled along a leg, its ends included, evenly by distance
_CHUNK = 20000  # legs checked at once (bounds memory)


@dataclass(frozen=True, eq=False)
class RadioSight:
    """Terrain-masked reach of the stations: ``lowest`` (m AMSL) is, per terrain cell, the lowest altitude some
    station sees an aircraft at (+inf: none does)."""

    terrain: Terrain
    lowest: Grid
    pyramid: MaxPyramid

    @classmethod
    def of(cls, bases: Sequence[Base], terrain: Terrain) -> RadioSight:
        """Sight of ``bases``' stations (antennas ``antenna_m`` above ``elev_m``) over ``terrain``."""
        ground = terrain.ground
        lowest = np.full(ground.shape, np.inf)
        for b in bases:
            x, y = terrain.xy(b.lon, b.lat)
            lowest = np.minimum(lowest, sight.lowest_visible(ground, float(x[0]), float(y[0]), b.elev_m + b.antenna_m,
                                                             b.gcs_range_km * 1000.0))
        grid = Grid(lowest.astype(np.float32), ground.x0, ground.y0, ground.cell_m)
        return cls(terrain, grid, MaxPyramid.of(grid, 1))

    def covered(self, lon: np.ndarray, lat: np.ndarray, alt_m: np.ndarray) -> np.ndarray:
        """Which points (lon, lat, alt AMSL; flat arrays) some station sees."""
        x, y = self.terrain.xy(lon, lat)
        return self.pyramid.at(x, y) <= np.asarray(alt_m, float).ravel()

    def legs(self, lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray,
             alt_m: np.ndarray) -> np.ndarray:
        """Whether each geodesic leg, flown at ``alt_m``, stays in some station's sight all along."""
        x1, y1 = self.terrain.xy(lon1, lat1)
        x2, y2 = self.terrain.xy(lon2, lat2)
        alt = np.broadcast_to(np.asarray(alt_m, float), x1.shape)
        return ~(self.pyramid.highest(x1, y1, x2, y2, alt, decide=True) > alt)

    def share_out(self, lons: Sequence[float], lats: Sequence[float], alt_m: float) -> float:
        """Share (0–1, by distance) of the polyline through (``lons``, ``lats``) at ``alt_m`` no station sees."""
        x, y = self.terrain.xy(lons, lats)
        if x.size < 2:
            return 0.0 if bool(self.covered(lons, lats, np.full(x.size, alt_m)).all()) else 1.0
        _, _, s, lowest = self.pyramid.samples(x, y)
        out = (lowest > alt_m).astype(float)
        if s[-1] <= 0:
            return float(out.max())
        return float(np.sum((out[:-1] + out[1:]) / 2.0 * np.diff(s)) / s[-1])


@dataclass(frozen=True, eq=False)
class Comms:
    """Reach of every base's ground station; ``sight`` (with terrain) masks it by the ground."""

    bases: tuple[Base, ...]
    sight: RadioSight | None = None

    @classmethod
    def of(cls, bases: Sequence[Base], terrain: Terrain | None = None) -> Comms:
        """Reach of ``bases`` (terrain-masked over ``terrain`` when given)."""
        return cls(tuple(bases), RadioSight.of(bases, terrain) if terrain is not None else None)

    def reach_m(self, alt_m: np.ndarray) -> np.ndarray:
        """Reach (m) of each base (columns) to aircraft at ``alt_m`` AMSL (rows), shape (k, bases)."""
        alt = np.atleast_1d(np.asarray(alt_m, float))
        out = np.empty((alt.size, len(self.bases)))
        for j, b in enumerate(self.bases):
            out[:, j] = np.minimum(physics.radio_horizon_m(b.antenna_m, alt - b.elev_m), b.gcs_range_km * 1000.0)
        return out

    def covered(self, lon: np.ndarray, lat: np.ndarray, alt_m: np.ndarray) -> np.ndarray:
        """Which points (lon, lat, alt AMSL; arrays of one shape) some station reaches."""
        lon = np.atleast_1d(np.asarray(lon, float))
        lat = np.atleast_1d(np.asarray(lat, float))
        alt = np.broadcast_to(np.asarray(alt_m, float), lon.shape)
        if not self.bases:
            return np.zeros(lon.shape, bool)
        if self.sight is not None:
            return self.sight.covered(lon, lat, alt).reshape(lon.shape)
        ok = np.zeros(lon.size, bool)
        reach = self.reach_m(alt.ravel())
        for j, b in enumerate(self.bases):
            d = geo.distance_m(np.full(lon.size, b.lon), np.full(lon.size, b.lat), lon.ravel(), lat.ravel())
            ok |= d <= reach[:, j]
        return ok.reshape(lon.shape)

    def stations(self, lon: np.ndarray, lat: np.ndarray, alt_m: np.ndarray) -> np.ndarray:
        """(points, bases) bool: which stations reach each point (lon, lat, alt AMSL; 1-d arrays)."""
        lon = np.atleast_1d(np.asarray(lon, float))
        lat = np.atleast_1d(np.asarray(lat, float))
        n = lon.size
        out = np.zeros((n, len(self.bases)), bool)
        reach = self.reach_m(np.broadcast_to(np.asarray(alt_m, float), lon.shape))
        for k, b in enumerate(self.bases):
            out[:, k] = geo.distance_m(np.full(n, b.lon), np.full(n, b.lat), lon, lat) <= reach[:, k]
        return out

    def legs_covered(self, lon: np.ndarray, lat: np.ndarray, alt_m: np.ndarray, pairs: np.ndarray) -> np.ndarray:
        """For each (i, j) row of ``pairs``, whether the leg i→j stays within reach all along.

        A leg whose ends one station reaches at the same altitude stays within that station's disc;
        other legs are sampled along the geodesic, at the lower end altitude along the whole leg.
        """
        lon = np.asarray(lon, float)
        lat = np.asarray(lat, float)
        alt = np.asarray(alt_m, float)
        out = np.zeros(len(pairs), bool)
        pairs = np.asarray(pairs, np.int64).reshape(-1, 2)
        if self.sight is not None:
            if not len(pairs) or not self.bases:
                return out
            i, j = pairs[:, 0], pairs[:, 1]
            return self.sight.legs(lon[i], lat[i], lon[j], lat[j], np.fmin(alt[i], alt[j]))
        if len(pairs) and len(self.bases):
            per = self.stations(lon, lat, alt)
            out = (per[pairs[:, 0]] & per[pairs[:, 1]]).any(axis=1) & (alt[pairs[:, 0]] == alt[pairs[:, 1]])
        rest = np.flatnonzero(~out)
        t = np.linspace(0.0, 1.0, _SAMPLES)
        for start in range(0, len(rest), _CHUNK):
            todo = rest[start:start + _CHUNK]
            chunk = pairs[todo]
            i, j = chunk[:, 0], chunk[:, 1]
            az, _, dist = geo.inverse(lon[i], lat[i], lon[j], lat[j])
            plon, plat = geo.destination(
                np.repeat(lon[i], _SAMPLES), np.repeat(lat[i], _SAMPLES), np.repeat(az, _SAMPLES),
                (dist[:, None] * t[None, :]).ravel(),
            )
            low = np.repeat(np.fmin(alt[i], alt[j]), _SAMPLES)
            ok = self.covered(plon, plat, low).reshape(len(chunk), _SAMPLES)
            out[todo] = ok.all(axis=1)
        return out

    def share_out_of_reach(self, lons: Sequence[float], lats: Sequence[float], alt_m: float) -> float:
        """Share (0–1) of the geodesic polyline through (``lons``, ``lats``), flown at ``alt_m`` AMSL, that no
        station reaches: the trapezoidal share of the leg's sample points (the same points
        :meth:`legs_covered` checks) that are out of reach."""
        if self.sight is not None:
            return self.sight.share_out(lons, lats, alt_m) if self.bases else 1.0
        lon, lat = geo.points_along(lons, lats, _SAMPLES)
        out = ~self.covered(lon, lat, np.full(_SAMPLES, alt_m))
        return float((out[:-1].astype(float) + out[1:]).sum() / (2.0 * (_SAMPLES - 1)))

    def matrix(self, lon: np.ndarray, lat: np.ndarray, alt_m: np.ndarray,
               to: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """(n, m) bool: whether the leg from each point (rows) to each point of ``to`` (columns, default the
        same points) stays within reach.

        An altitude of NaN marks a point flown at the other end's altitude (a base: the aircraft
        climbs or descends over it). A leg whose ends one station both reaches at the same altitude
        stays within that station's disc (no sampling); legs with an end out of reach are out; the rest
        are sampled along their geodesic.
        """
        src = (np.asarray(lon, float), np.asarray(lat, float), np.asarray(alt_m, float))
        dst = src if to is None else tuple(np.asarray(v, float) for v in to)
        if self.sight is not None:
            return self._sight_matrix(src, dst)
        per_src, ok_src = self._per_base(*src)
        per_dst, ok_dst = self._per_base(*dst)
        shared = (per_src.astype(np.int32) @ per_dst.T.astype(np.int32)) > 0
        same_alt = np.isclose(src[2][:, None], dst[2][None, :])
        result = shared & same_alt
        todo = ok_src[:, None] & ok_dst[None, :] & ~result
        pairs = np.argwhere(todo)
        if len(pairs):
            n = src[0].size
            both = tuple(np.concatenate([a, b]) for a, b in zip(src, dst, strict=True))
            result[pairs[:, 0], pairs[:, 1]] = self.legs_covered(*both, np.column_stack([pairs[:, 0], n + pairs[:, 1]]))
        return result

    def _sight_matrix(self, src: tuple[np.ndarray, ...], dst: tuple[np.ndarray, ...]) -> np.ndarray:
        """:meth:`matrix` over terrain: each leg judged along its track at the lower end altitude."""
        with np.errstate(invalid="ignore"):
            low = np.fmin(src[2][:, None], dst[2][None, :])
        ok_src = np.isnan(src[2]) | self.covered(src[0], src[1], np.nan_to_num(src[2], nan=np.inf))
        ok_dst = np.isnan(dst[2]) | self.covered(dst[0], dst[1], np.nan_to_num(dst[2], nan=np.inf))
        result = np.zeros(low.shape, bool)
        if not self.bases:
            return result
        pairs = np.argwhere(ok_src[:, None] & ok_dst[None, :] & ~np.isnan(low))
        if len(pairs):
            i, j = pairs[:, 0], pairs[:, 1]
            assert self.sight is not None
            result[i, j] = self.sight.legs(src[0][i], src[1][i], dst[0][j], dst[1][j], low[i, j])
        return result

    def _per_base(self, lon: np.ndarray, lat: np.ndarray, alt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(points, bases) reach table and whether each point is reached (NaN altitude: always)."""
        per_base = self.stations(lon, lat, np.nan_to_num(alt, nan=0.0))
        return per_base, per_base.any(axis=1) | np.isnan(alt)
