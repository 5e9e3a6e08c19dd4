"""Line-of-sight control reach of the bases' ground stations.

A ground station at a base reaches an aircraft at height h above the base's field out to the radio
horizon d ≈ 4.12·(√h_antenna + √h) km, capped by the station's ``gcs_range_km``. Any base's station
can control any aircraft (stations are networked). Beyond every station's reach an aircraft needs
SATCOM. Legs are checked along their length, at the lower of their two end altitudes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from planner.core import geo, physics
from planner.model.scenario import Base

__all__ = ["Comms"]

_SAMPLES = 24  # points sampled along a leg, its ends included, evenly by distance
_CHUNK = 20000  # legs checked at once (bounds memory)


@dataclass(frozen=True)
class Comms:
    """Reach of every base's ground station."""

    bases: tuple[Base, ...]

    @classmethod
    def of(cls, bases: Sequence[Base]) -> Comms:
        """Reach of ``bases``."""
        return cls(tuple(bases))

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

    def _per_base(self, lon: np.ndarray, lat: np.ndarray, alt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(points, bases) reach table and whether each point is reached (NaN altitude: always)."""
        per_base = self.stations(lon, lat, np.nan_to_num(alt, nan=0.0))
        return per_base, per_base.any(axis=1) | np.isnan(alt)
