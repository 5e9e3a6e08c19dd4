"""Geodesy and the local metric frame.

Distances and bearings come from ``pyproj.Geod`` on the WGS84 ellipsoid. Shapes are laid out in a
local azimuthal-equidistant projection centred on the scenario (:class:`LocalFrame`): x east and
y north in metres, true distances from the centre, valid at any longitude and near the poles. No-fly
detours are found in a gnomonic plane (:class:`GnomonicPlane`), where geodesics are straight lines.
Bearings (``az_deg``) are degrees clockwise from true north.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer
from shapely.geometry.base import BaseGeometry

__all__ = [
    "GEOD",
    "GnomonicPlane",
    "LocalFrame",
    "cross_inverse",
    "destination",
    "distance_m",
    "inverse",
    "pairwise_inverse",
    "points_along",
    "tangent_points",
]

GEOD = Geod(ellps="WGS84")


def inverse(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Geodesic forward azimuth at 1, back azimuth at 2 (degrees) and distance (m); vectorised."""
    a1, a2, d = GEOD.inv(
        np.asarray(lon1, float), np.asarray(lat1, float), np.asarray(lon2, float), np.asarray(lat2, float)
    )
    return np.asarray(a1), np.asarray(a2), np.asarray(d)


def distance_m(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> np.ndarray:
    """Geodesic distance in metres between points (vectorised over arrays)."""
    return inverse(lon1, lat1, lon2, lat2)[2]


def _mean_track(az1: Any, back_az2: Any) -> np.ndarray:
    """Circular mean (deg, [0, 360)) of a geodesic's forward azimuths at its two ends.

    ``back_az2`` is pyproj's back azimuth at the far end; reversed, it is the forward azimuth there.
    """
    a1 = np.radians(np.asarray(az1, float))
    a2 = np.radians(np.asarray(back_az2, float) + 180.0)
    return np.mod(np.degrees(np.arctan2(np.sin(a1) + np.sin(a2), np.cos(a1) + np.cos(a2))), 360.0)


def pairwise_inverse(lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All-pairs geodesic distance (m) and mean track azimuth (deg) between points, as (n, n) arrays.

    One vectorised ``Geod.inv`` call over every pair (no Python loop per pair). The azimuth is the
    average of the forward azimuths at both ends (circular mean), the track a constant wind acts on.
    """
    lons = np.asarray(lons, float)
    lats = np.asarray(lats, float)
    n = lons.size
    ii, jj = np.triu_indices(n, k=1)  # one call per unordered pair; the reverse leg mirrors it
    a1, a2, d = GEOD.inv(lons[ii], lats[ii], lons[jj], lats[jj])
    mean = _mean_track(a1, a2)
    dist = np.zeros((n, n))
    az = np.zeros((n, n))
    dist[ii, jj] = d
    dist[jj, ii] = d
    az[ii, jj] = mean
    az[jj, ii] = np.mod(mean + 180.0, 360.0)
    return dist, az


def cross_inverse(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) and mean track azimuth (deg) from every point 1 (rows) to every point 2 (columns).

    One vectorised ``Geod.inv`` call over the (n, m) pairs; for one point set use
    :func:`pairwise_inverse`, which computes each unordered pair once.
    """
    lon1, lat1 = np.asarray(lon1, float).ravel(), np.asarray(lat1, float).ravel()
    lon2, lat2 = np.asarray(lon2, float).ravel(), np.asarray(lat2, float).ravel()
    ii, jj = np.meshgrid(np.arange(lon1.size), np.arange(lon2.size), indexing="ij")
    a1, a2, d = GEOD.inv(lon1[ii.ravel()], lat1[ii.ravel()], lon2[jj.ravel()], lat2[jj.ravel()])
    mean = _mean_track(a1, a2)
    shape = (lon1.size, lon2.size)
    return np.asarray(d).reshape(shape), mean.reshape(shape)


def destination(lon: Any, lat: Any, az_deg: Any, dist_m: Any) -> tuple[np.ndarray, np.ndarray]:
    """Point reached from (lon, lat) along azimuth ``az_deg`` after ``dist_m`` metres (vectorised)."""
    lo, la, _ = GEOD.fwd(np.asarray(lon, float), np.asarray(lat, float), np.asarray(az_deg, float),
                         np.asarray(dist_m, float))
    return np.asarray(lo), np.asarray(la)


def points_along(lons: Any, lats: Any, samples: int) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) of ``samples`` (>= 2) points spread evenly by distance along the geodesic polyline through
    the vertices (``lons``, ``lats``), its two ends included."""
    lons = np.atleast_1d(np.asarray(lons, float))
    lats = np.atleast_1d(np.asarray(lats, float))
    if lons.size == 1:
        return np.full(samples, lons[0]), np.full(samples, lats[0])
    az, _, dist = inverse(lons[:-1], lats[:-1], lons[1:], lats[1:])
    az, dist = np.atleast_1d(az), np.atleast_1d(dist)
    start = np.concatenate([[0.0], np.cumsum(dist)[:-1]])
    at = np.linspace(0.0, float(dist.sum()), samples)
    seg = np.clip(np.searchsorted(start, at, side="right") - 1, 0, dist.size - 1)
    return destination(lons[seg], lats[seg], az[seg], at - start[seg])


def _set_transformers(frame: Any, proj: str, lon0: float, lat0: float) -> None:
    """Give the frozen ``frame`` its ``_fwd`` (WGS84 to the ``proj`` projection centred on lon0, lat0, metres)
    and ``_inv`` transformers."""
    crs = CRS.from_proj4(f"+proj={proj} +lat_0={lat0:.9f} +lon_0={lon0:.9f} +datum=WGS84 +units=m +no_defs")
    object.__setattr__(frame, "_fwd", Transformer.from_crs("EPSG:4326", crs, always_xy=True))
    object.__setattr__(frame, "_inv", Transformer.from_crs(crs, "EPSG:4326", always_xy=True))


@dataclass(frozen=True)
class LocalFrame:
    """Azimuthal-equidistant frame centred on (``lon0``, ``lat0``): x east, y north, metres."""

    lon0: float
    lat0: float
    _fwd: Transformer = field(init=False, repr=False, compare=False)
    _inv: Transformer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _set_transformers(self, "aeqd", self.lon0, self.lat0)

    @classmethod
    def around(cls, lons: Any, lats: Any) -> LocalFrame:
        """A frame centred on the given points (circular mean of longitudes, so antimeridian-safe)."""
        lons = np.radians(np.asarray(lons, float).ravel())
        lats = np.asarray(lats, float).ravel()
        lon0 = float(np.degrees(np.arctan2(np.sin(lons).mean(), np.cos(lons).mean())))
        lat0 = float(np.clip((lats.min() + lats.max()) / 2.0, -89.9, 89.9))
        return cls(round(lon0, 6), round(lat0, 6))

    @property
    def crs(self) -> CRS:
        """The frame's CRS (for drawing and for readers that project whole layers)."""
        return self._fwd.target_crs

    def to_local(self, lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
        """(lon, lat) degrees to (x, y) metres."""
        x, y = self._fwd.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x), np.asarray(y)

    def to_lonlat(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) metres to (lon, lat) degrees, longitudes wrapped to [-180, 180)."""
        lon, lat = self._inv.transform(np.asarray(x, float), np.asarray(y, float))
        lon = (np.asarray(lon) + 180.0) % 360.0 - 180.0
        return lon, np.asarray(lat)

    def geometry_to_local(self, geom: BaseGeometry) -> BaseGeometry:
        """A WGS84 shapely geometry in this frame."""
        return shapely.transform(geom, lambda c: np.column_stack(self.to_local(c[:, 0], c[:, 1])))

    def geometry_to_lonlat(self, geom: BaseGeometry) -> BaseGeometry:
        """A local shapely geometry back in WGS84 lon/lat."""
        return shapely.transform(geom, lambda c: np.column_stack(self.to_lonlat(c[:, 0], c[:, 1])))


@dataclass(frozen=True)
class GnomonicPlane:
    """Ellipsoidal gnomonic projection centred on (``lon0``, ``lat0``): geodesics are (nearly) straight."""

    lon0: float
    lat0: float
    _fwd: Transformer = field(init=False, repr=False, compare=False)
    _inv: Transformer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _set_transformers(self, "gnom", self.lon0, self.lat0)

    @property
    def crs(self) -> CRS:
        """The plane's CRS (for readers that warp rasters onto it)."""
        return self._fwd.target_crs

    def xy(self, lon: Any, lat: Any) -> np.ndarray:
        """(lon, lat) degrees to an (n, 2) array of plane coordinates."""
        x, y = self._fwd.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.column_stack([np.ravel(x), np.ravel(y)])

    def lonlat(self, xy: np.ndarray) -> np.ndarray:
        """(n, 2) plane coordinates to an (n, 2) array of (lon, lat), longitudes in [-180, 180)."""
        lon, lat = self._inv.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([(np.asarray(lon) + 180.0) % 360.0 - 180.0, np.asarray(lat)])

    def geometry(self, geom: BaseGeometry) -> BaseGeometry:
        """A WGS84 geometry in the plane."""
        return shapely.transform(geom, lambda c: self.xy(c[:, 0], c[:, 1]))


def tangent_points(cx: np.ndarray, cy: np.ndarray, radius_m: np.ndarray, px: np.ndarray,
                   py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where a clockwise circle round (cx, cy) of ``radius_m`` is left on its tangent toward (px, py), in a
    plane (m; x east, y north), as the missions' loiters are (positive radius, cross-track exit); the centre
    itself where the point is inside the circle."""
    dx, dy = px - cx, py - cy
    dist = np.hypot(dx, dy)
    inside = dist <= radius_m
    with np.errstate(invalid="ignore", divide="ignore"):
        beta = np.arccos(np.where(inside, 1.0, radius_m / np.where(inside, 1.0, dist)))
        ux, uy = dx / dist, dy / dist
    # clockwise: the bearing to the tangent point is the bearing to the target less beta (counter-clockwise in x, y)
    tx = cx + radius_m * (ux * np.cos(beta) - uy * np.sin(beta))
    ty = cy + radius_m * (ux * np.sin(beta) + uy * np.cos(beta))
    return np.where(inside, cx, tx), np.where(inside, cy, ty)
