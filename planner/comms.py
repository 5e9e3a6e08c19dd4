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

from planner import geo, physics
from planner.scenario import Base

__all__ = ["Comms"]

_SAMPLES = 24  # points checked along a leg (ends included)
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

    def legs_covered(self, lon: np.ndarray, lat: np.ndarray, alt_m: np.ndarray, pairs: np.ndarray) -> np.ndarray:
        """For each (i, j) row of ``pairs``, whether the leg i→j stays within reach all along.

        Points are sampled along the geodesic; the lower end altitude is used along the whole leg.
        """
        lon = np.asarray(lon, float)
        lat = np.asarray(lat, float)
        alt = np.asarray(alt_m, float)
        out = np.zeros(len(pairs), bool)
        t = np.linspace(0.0, 1.0, _SAMPLES)
        for start in range(0, len(pairs), _CHUNK):
            chunk = pairs[start:start + _CHUNK]
            i, j = chunk[:, 0], chunk[:, 1]
            az, _, dist = geo.inverse(lon[i], lat[i], lon[j], lat[j])
            plon, plat = geo.destination(
                np.repeat(lon[i], _SAMPLES), np.repeat(lat[i], _SAMPLES), np.repeat(az, _SAMPLES),
                (dist[:, None] * t[None, :]).ravel(),
            )
            low = np.repeat(np.fmin(alt[i], alt[j]), _SAMPLES)
            ok = self.covered(plon, plat, low).reshape(len(chunk), _SAMPLES)
            out[start:start + len(chunk)] = ok.all(axis=1)
        return out

    def matrix(self, lon: np.ndarray, lat: np.ndarray, alt_m: np.ndarray) -> np.ndarray:
        """(n, n) bool: legs between every pair of points that stay within reach.

        An altitude of NaN marks a point flown at the other end's altitude (a base: the aircraft
        climbs or descends over it). A leg whose ends one station both reaches stays within that
        station's disc (no sampling); legs with an end out of reach are out; the rest are sampled.
        """
        lon = np.asarray(lon, float)
        lat = np.asarray(lat, float)
        alt = np.asarray(alt_m, float)
        n = lon.size
        per_base = np.zeros((n, len(self.bases)), bool)
        reach = self.reach_m(np.nan_to_num(alt, nan=0.0))
        for k, b in enumerate(self.bases):
            per_base[:, k] = geo.distance_m(np.full(n, b.lon), np.full(n, b.lat), lon, lat) <= reach[:, k]
        point_ok = per_base.any(axis=1) | np.isnan(alt)
        shared = (per_base.astype(np.int32) @ per_base.T.astype(np.int32)) > 0
        # a leg from a lower end is judged at the lower altitude: the shared-disc shortcut holds only
        # when the disc at the lower altitude holds both ends, which is what per_base at each end's own
        # altitude does not guarantee — so sample legs between ends of different altitude too.
        same_alt = np.isclose(alt[:, None], alt[None, :])
        result = shared & same_alt
        todo = point_ok[:, None] & point_ok[None, :] & ~result
        np.fill_diagonal(todo, False)
        pairs = np.argwhere(todo)
        if len(pairs):
            result[pairs[:, 0], pairs[:, 1]] = self.legs_covered(lon, lat, alt, pairs)
        np.fill_diagonal(result, point_ok)
        return result
