"""No-fly zones: the keep-out geometry, shortest detours around it, and checks of legs and orbits.

Zones arrive in WGS84 (Polygon or MultiPolygon; edges straight in lon/lat as in GeoJSON, split at the
antimeridian as RFC 7946 asks). Each zone is kept clear by an avoidance margin ``margin_m``: it is
buffered by the margin in the planning frame (:class:`planner.geo.LocalFrame`, metres), overlapping
buffers are merged, and the outlines are simplified (to 5 % of the margin, outward only). Detours run
on a visibility graph whose nodes are the convex corners of those buffered outlines.

The graph lives in a gnomonic plane centred on the frame. There, geodesics are straight lines to within
metres (WGS84, Karney's ellipsoidal gnomonic: at most 15 m for 2,000 km legs 1,500 km from the centre,
where the azimuthal-equidistant frame bends them by up to 12 km), so a straight segment tested in the
plane is the geodesic leg an autopilot flies. Lengths are geodesic (``pyproj.Geod``), never planar.

Guarantee: a path never enters a zone, and keeps the margin from every zone except within about two margins
of an endpoint that itself lies inside the margin (a base or an orbit close to a zone), where it may run
closer — never inside. A path is the shortest such polyline (on the visibility graph) under the length,
or under any cost per leg ``cost(length_m, track_deg)`` that is linear in length along a fixed track and
obeys the triangle inequality, e.g. flight time in a constant wind.

Everything must lie within :data:`MAX_RANGE_M` of the frame centre (the gnomonic plane ends 90° away).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from planner.core import geo
from planner.core.errors import InfeasibleError, InputError
from planner.layout.detours import CornerGraph, LegCost, Network, Routes, Terminals
from planner.layout.outline import convex_corners, disc_hulls, hits, hull_hits, keepout_outline, part_discs
from planner.model.scenario import Task

__all__ = ["DEFAULT_MARGIN_M", "MAX_RANGE_M", "ZONE_STEP_DEG", "Airspace"]

DEFAULT_MARGIN_M = 1000.0  # avoidance margin kept around every zone (m)
MAX_RANGE_M = 6_000_000.0  # farthest zone vertex or point from the frame centre (m)

"""Cost of legs from their geodesic length (m) and mean track (deg true), vectorised; inf: not flyable."""

_EPS_M = 1.0  # outlines shrink by this for visibility: grazing a corner or running along an edge is allowed
_ESCAPE_M = 3.0  # an endpoint inside the margin steps out to this far beyond the outline
ZONE_STEP_DEG = 0.01  # zone edges are densified before projection (they are straight in lon/lat)
_LEG_STEP_M = 500.0  # geodesic legs are densified at this spacing when checked
_MAX_LEG_POINTS = 20_000
_CIRCLE_SIDES = 64
_SHIFT_EXTRA = (0.0, 0.01, 0.03, 0.1, 0.3)  # growth (share of the disc) tried when an orbit centre is moved out


@dataclass(frozen=True)
class Airspace:
    """No-fly zones (WGS84) with their ``names``, avoided by ``margin_m`` metres, in ``frame``.

    Build with :meth:`from_zones` or :meth:`from_tasks`. Raises InputError for a zone that is not a
    non-empty Polygon or MultiPolygon with finite coordinates, duplicate or empty names, a margin that is
    negative or not finite, or a zone farther than :data:`MAX_RANGE_M` from the frame centre.
    """

    frame: geo.LocalFrame
    zones: tuple[BaseGeometry, ...]
    names: tuple[str, ...]
    margin_m: float = DEFAULT_MARGIN_M
    _plane: geo.GnomonicPlane = field(init=False, repr=False, compare=False)
    _zones_xy: tuple[BaseGeometry, ...] = field(init=False, repr=False, compare=False)
    _zone_union: BaseGeometry = field(init=False, repr=False, compare=False)
    _zones_local: BaseGeometry = field(init=False, repr=False, compare=False)
    _keepout: BaseGeometry = field(init=False, repr=False, compare=False)
    _blocker: BaseGeometry = field(init=False, repr=False, compare=False)
    _blocker_discs: np.ndarray = field(init=False, repr=False, compare=False)
    _zone_discs: np.ndarray = field(init=False, repr=False, compare=False)
    _escape: BaseGeometry = field(init=False, repr=False, compare=False)
    _band_clip: float = field(init=False, repr=False, compare=False)
    _tolerance_m: float = field(init=False, repr=False, compare=False)
    _nodes_xy: np.ndarray = field(init=False, repr=False, compare=False)
    _nodes_lonlat: np.ndarray = field(init=False, repr=False, compare=False)
    _node_vis: np.ndarray = field(init=False, repr=False, compare=False)
    _node_dist: np.ndarray = field(init=False, repr=False, compare=False)
    _node_az: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.names) != len(self.zones):
            raise InputError(f"{len(self.zones)} no-fly zones but {len(self.names)} names")
        if any(not isinstance(n, str) or not n for n in self.names) or len(set(self.names)) != len(self.names):
            raise InputError(f"no-fly zone names must be unique and non-empty: {list(self.names)}")
        if not (math.isfinite(self.margin_m) and self.margin_m >= 0):
            raise InputError(f"no-fly margin must be a finite number of metres >= 0, got {self.margin_m}")
        for name, zone in zip(self.names, self.zones, strict=True):
            if not isinstance(zone, Polygon | MultiPolygon) or zone.is_empty:
                raise InputError(f"no-fly zone '{name}' must be a non-empty Polygon or MultiPolygon")
            coords = shapely.get_coordinates(zone)
            if not np.isfinite(coords).all() or (np.abs(coords[:, 1]) > 90).any():
                raise InputError(f"no-fly zone '{name}' has coordinates that are not finite lon/lat")
            for part in shapely.get_parts(zone):
                lons = shapely.get_coordinates(part)[:, 0]
                if lons.max() - lons.min() > 180.0:
                    raise InputError(
                        f"no-fly zone '{name}' spans more than 180° of longitude: split it at the antimeridian "
                        "(RFC 7946)"
                    )
            far = float(self._from_centre_m(coords[:, 0], coords[:, 1]).max())
            if far > MAX_RANGE_M:
                raise InputError(
                    f"no-fly zone '{name}' reaches {far / 1000:.0f} km from the planning area centre "
                    f"(at most {MAX_RANGE_M / 1000:.0f} km)"
                )
        setattr_ = object.__setattr__
        plane = geo.GnomonicPlane(self.frame.lon0, self.frame.lat0)
        setattr_(self, "_plane", plane)
        dense = [shapely.make_valid(shapely.segmentize(z, ZONE_STEP_DEG)) for z in self.zones]
        zones_xy = tuple(shapely.make_valid(plane.geometry(z)) for z in dense)
        setattr_(self, "_zones_xy", zones_xy)
        union = shapely.union_all(np.array(zones_xy, dtype=object)) if zones_xy else Polygon()
        shapely.prepare(union)
        setattr_(self, "_zone_union", union)
        setattr_(self, "_zone_discs", part_discs(union))
        local = [self.frame.geometry_to_local(z) for z in dense]
        setattr_(self, "_zones_local",
                 shapely.union_all(shapely.make_valid(np.array(local, dtype=object))) if local else Polygon())
        built = keepout_outline(local, self.names, self.margin_m,
                                lambda c: plane.xy(*self.frame.to_lonlat(c[:, 0], c[:, 1])))
        keepout, reach = built.geometry, built.reach_m
        setattr_(self, "_tolerance_m", built.tol_m)
        shapely.prepare(keepout)
        setattr_(self, "_keepout", keepout)
        blocker = keepout.buffer(-_EPS_M) if not keepout.is_empty else keepout
        shapely.prepare(blocker)
        setattr_(self, "_blocker", blocker)
        setattr_(self, "_blocker_discs", part_discs(blocker))
        setattr_(self, "_escape", keepout.buffer(_ESCAPE_M).boundary if not keepout.is_empty else keepout)
        setattr_(self, "_band_clip", 2.0 * reach)
        nodes = convex_corners(keepout)
        setattr_(self, "_nodes_xy", nodes)
        setattr_(self, "_nodes_lonlat", plane.lonlat(nodes) if len(nodes) else np.zeros((0, 2)))
        v = len(nodes)
        vis = np.zeros((v, v), bool)
        if v:
            ii, jj = np.triu_indices(v, k=1)
            clear = self._clear(nodes[ii], nodes[jj], np.zeros(ii.size), np.zeros(ii.size))
            vis[ii, jj] = clear
            vis[jj, ii] = clear
        setattr_(self, "_node_vis", vis)
        node_dist, node_az = geo.pairwise_inverse(self._nodes_lonlat[:, 0], self._nodes_lonlat[:, 1])
        setattr_(self, "_node_dist", node_dist)
        setattr_(self, "_node_az", node_az)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_zones(
        cls,
        zones: Sequence[BaseGeometry],
        frame: geo.LocalFrame,
        *,
        names: Sequence[str] | None = None,
        margin_m: float = DEFAULT_MARGIN_M,
    ) -> Airspace:
        """Zones (WGS84 polygons) named ``names`` (default ``zone 1``, ``zone 2``, …). Raises InputError."""
        zones = tuple(zones)
        labels = tuple(names) if names is not None else tuple(f"zone {i + 1}" for i in range(len(zones)))
        return cls(frame, zones, labels, float(margin_m))

    @classmethod
    def from_tasks(
        cls, tasks: Iterable[Task], frame: geo.LocalFrame, *, margin_m: float = DEFAULT_MARGIN_M
    ) -> Airspace:
        """The ``nofly`` tasks among ``tasks`` (others are ignored). Raises InputError."""
        nofly = [t for t in tasks if t.kind == "nofly"]
        return cls.from_zones([t.geometry for t in nofly], frame, names=[t.name for t in nofly], margin_m=margin_m)

    # ------------------------------------------------------------------ queries
    @property
    def empty(self) -> bool:
        """True when there are no zones."""
        return not self.zones

    @property
    def corners(self) -> np.ndarray:
        """(V, 2) lon/lat of the keep-out outline corners: every turning point of a route but its ends and
        their escapes (:attr:`Routes.escapes`)."""
        return self._nodes_lonlat.copy()

    @property
    def tolerance_m(self) -> float:
        """How far (m) the keep-out outline was simplified: it reaches up to this beyond the margin."""
        return self._tolerance_m

    @property
    def keepout(self) -> BaseGeometry:
        """The merged, buffered keep-out outline in WGS84 (for maps; detours run around it)."""
        return shapely.transform(self._keepout, self._plane.lonlat)

    def contains(self, lon: Any, lat: Any) -> np.ndarray:
        """Whether each point is inside a zone (its boundary included; the margin does not count)."""
        lon = np.asarray(lon, float)
        xy = self._xy(lon, np.asarray(lat, float))
        if self.empty:
            return np.zeros(lon.shape, bool)
        return shapely.intersects_xy(self._zone_union, xy[:, 0], xy[:, 1]).reshape(lon.shape)

    def zone_of(self, lon: float, lat: float) -> str | None:
        """Name of the first zone (in the given order) containing the point, or None."""
        xy = self._xy(np.asarray(lon, float), np.asarray(lat, float))
        for name, zone in zip(self.names, self._zones_xy, strict=True):
            if shapely.intersects_xy(zone, xy[0, 0], xy[0, 1]):
                return name
        return None

    def leg_clear(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """Whether the geodesic leg from ``a`` to ``b`` (lon, lat) stays out of every zone.

        The geodesic is densified every 500 m and tested as a polyline; touching a boundary counts as
        entering.
        """
        if self.empty:
            return True
        return not shapely.intersects(self._zone_union, self._leg_line(a, b))

    def path_clear(self, points: Sequence[tuple[float, float]]) -> bool:
        """Whether every geodesic leg between consecutive ``points`` (lon, lat) stays out of every zone."""
        return all(self.leg_clear(p, q) for p, q in itertools.pairwise(points))

    def path_conflict(self, points: Sequence[tuple[float, float]], radii_m: Sequence[float] | None = None) -> str | None:
        """Name of the first zone (in the given order) that a geodesic leg between consecutive ``points``
        (lon, lat) enters, or None when :meth:`path_clear`.

        With ``radii_m`` (metres, one per point, 0 for none) a leg is the hull of the circles round its
        ends instead: what an aircraft circling there may fly when it leaves on the tangent.
        """
        if self.empty or len(points) < 2:
            return None
        lines = [self._leg_line(p, q) for p, q in itertools.pairwise(points)]
        if radii_m is not None and any(r > 0 for r in radii_m):
            lon, lat = np.array([p[0] for p in points]), np.array([p[1] for p in points])
            xy = self._xy(lon, lat)
            rad = self._plane_radius(lon, lat, np.asarray(radii_m, float))
            lines = list(shapely.union(np.array(lines, dtype=object), disc_hulls(xy[:-1], xy[1:], rad[:-1], rad[1:])))
        if not shapely.intersects(self._zone_union, lines).any():
            return None
        for name, zone in zip(self.names, self._zones_xy, strict=True):
            if shapely.intersects(zone, lines).any():
                return name
        return self.names[0]  # the union's boundary touched where no single zone's does: call it the first

    def clear_orbit_centre(
        self, lon: float, lat: float, radius_m: float, *, within_m: float, clearance_m: float = 0.0
    ) -> tuple[float, float] | None:
        """The orbit centre (lon, lat) nearest (``lon``, ``lat``) whose disc (``radius_m`` + ``clearance_m``,
        metres) meets no zone, at most ``within_m`` metres away; None when there is none.

        The point itself when its disc is clear. Otherwise the nearest point outside the zones grown by
        the disc in the metric frame, pushed a little further out until :meth:`orbit_conflicts` agrees.
        """
        if self.orbit_conflicts(lon, lat, radius_m, clearance_m=clearance_m)[0] is None:
            return float(lon), float(lat)
        if not (math.isfinite(within_m) and within_m > 0):
            return None
        x, y = (float(v) for v in self.frame.to_local(lon, lat))
        here = shapely.Point(x, y)
        reach = (radius_m + clearance_m) / math.cos(math.pi / _CIRCLE_SIDES)
        for extra in _SHIFT_EXTRA:
            grown = shapely.buffer(self._zones_local, reach * (1.0 + extra) + _EPS_M)
            if not shapely.intersects(grown, here):
                continue
            edge = shapely.get_coordinates(shapely.shortest_line(here, shapely.boundary(grown)))[1]
            if float(np.hypot(edge[0] - x, edge[1] - y)) > within_m:
                return None
            out_lon, out_lat = (float(v) for v in self.frame.to_lonlat(edge[0], edge[1]))
            if self.orbit_conflicts(out_lon, out_lat, radius_m, clearance_m=clearance_m)[0] is None:
                return out_lon, out_lat
        return None

    def orbit_conflicts(
        self, lon: Any, lat: Any, radius_m: Any, *, clearance_m: float = 0.0
    ) -> list[str | None]:
        """For each orbit, the first zone its disc (radius + ``clearance_m``, metres) meets, else None.

        The disc, not only the circle: the aircraft reaches the circle heading for its centre. The test
        uses a 64-sided polygon around the geodesic circle, so it errs on the side of a conflict.
        """
        lon, lat, radius = np.broadcast_arrays(
            np.atleast_1d(np.asarray(lon, float)), np.atleast_1d(np.asarray(lat, float)),
            np.atleast_1d(np.asarray(radius_m, float)),
        )
        if not (np.isfinite(radius).all() and (radius >= 0).all() and math.isfinite(clearance_m) and clearance_m >= 0):
            raise InputError("orbit radius and clearance must be finite metres >= 0")
        n = lon.size
        out: list[str | None] = [None] * n
        if self.empty or n == 0:
            return out
        az = np.arange(_CIRCLE_SIDES) * (360.0 / _CIRCLE_SIDES)
        reach = (radius + clearance_m) / math.cos(math.pi / _CIRCLE_SIDES)
        plon, plat = geo.destination(
            np.repeat(lon, _CIRCLE_SIDES), np.repeat(lat, _CIRCLE_SIDES), np.tile(az, n),
            np.repeat(reach, _CIRCLE_SIDES),
        )
        ring = self._xy(plon, plat).reshape(n, _CIRCLE_SIDES, 2)
        discs = shapely.polygons(np.concatenate([ring, ring[:, :1]], axis=1))
        for name, zone in zip(self.names, self._zones_xy, strict=True):
            hit = shapely.intersects(zone, discs)
            for i in np.flatnonzero(hit):
                out[i] = out[i] or name
        return out

    def path(self, a: tuple[float, float], b: tuple[float, float], radii_m: tuple[float, float] = (0.0, 0.0)
             ) -> list[tuple[float, float]]:
        """The shortest zone-avoiding route from ``a`` to ``b`` (lon, lat) as vertices joined by geodesics,
        for an aircraft circling ``radii_m`` (metres, 0: not) round each end (:meth:`network`).

        Straight (two vertices) when the geodesic leg is clear. Raises InfeasibleError when an end is
        inside a zone or no route exists.
        """
        for p in (a, b):
            name = self.zone_of(*p)
            if name is not None:
                raise InfeasibleError(f"({p[0]:.5f}, {p[1]:.5f}) is inside no-fly zone '{name}'")
        return self.routes([a[0], b[0]], [a[1], b[1]], radii_m=radii_m).path(0, 1)

    def network(self, lons: Any, lats: Any, radii_m: Any = None) -> Network:
        """The geometry of routes between points (lon, lat arrays): which legs are clear, and their geodesics.

        ``radii_m`` (metres, one per point; default none) is the circle an aircraft flies round a point
        (the climb over a base, an orbit) and leaves on its tangent toward the route's next vertex, up to
        a radius to the side: a leg from or to such a point is clear only when the hull of its end circles
        meets no zone. Price it with :meth:`Network.routes`, once per leg cost (e.g. per aircraft type).
        Raises InputError for points that are not finite lon/lat or lie beyond :data:`MAX_RANGE_M`, or
        radii that are not finite metres >= 0.
        """
        lon = np.asarray(lons, float).ravel()
        lat = np.asarray(lats, float).ravel()
        if lon.shape != lat.shape:
            raise InputError(f"{lon.size} longitudes but {lat.size} latitudes")
        if not (np.isfinite(lon).all() and np.isfinite(lat).all() and (np.abs(lat) <= 90).all()):
            raise InputError("route points must be finite lon/lat")
        radius = np.zeros(lon.size) if radii_m is None else np.asarray(radii_m, float).ravel()
        if radius.shape != lon.shape or not (np.isfinite(radius).all() and (radius >= 0).all()):
            raise InputError("route circle radii must be finite metres >= 0, one per point")
        ends = self._terminals(lon, lat, radius)
        dist, az = geo.pairwise_inverse(ends.lonlat[:, 0], ends.lonlat[:, 1])
        direct = np.zeros(dist.shape, bool)
        ii, jj = np.triu_indices(ends.count, k=1)
        keep = ends.owner[ii] != ends.owner[jj]
        ii, jj = ii[keep], jj[keep]
        clear = self._clear(ends.xy[ii], ends.xy[jj], ends.clip[ii], ends.clip[jj], ends.radius[ii],
                            ends.radius[jj])
        direct[ii, jj] = clear
        direct[jj, ii] = clear
        nodes = self._nodes_xy
        v, t = len(nodes), ends.count
        seen = self._clear(np.repeat(ends.xy, v, axis=0), np.tile(nodes, (t, 1)), np.repeat(ends.clip, v),
                           np.zeros(t * v), np.repeat(ends.radius, v), np.zeros(t * v)).reshape(t, v)
        to_node, to_node_az = geo.cross_inverse(ends.lonlat[:, 0], ends.lonlat[:, 1], self._nodes_lonlat[:, 0],
                                                self._nodes_lonlat[:, 1])
        graph = CornerGraph(self._nodes_xy, self._nodes_lonlat, self._node_vis, self._node_dist, self._node_az)
        return Network(lon, lat, _graph=graph, _ends=ends, _dist=dist, _az=az, _direct=direct, _seen=seen,
                       _to_node=to_node, _to_node_az=to_node_az)

    def routes(self, lons: Any, lats: Any, *, cost: LegCost | None = None, radii_m: Any = None) -> Routes:
        """Shortest zone-avoiding routes between all ordered pairs of points: ``network(…).routes(cost)``."""
        return self.network(lons, lats, radii_m).routes(cost=cost)

    # ------------------------------------------------------------------ internals
    def _leg_line(self, a: tuple[float, float], b: tuple[float, float]) -> BaseGeometry:
        """The geodesic leg ``a``→``b`` (lon, lat) densified every 500 m, as a line in the plane."""
        d = float(geo.distance_m(a[0], a[1], b[0], b[1]))
        k = min(_MAX_LEG_POINTS, max(0, math.ceil(d / _LEG_STEP_M) - 1))
        mid = np.asarray(geo.GEOD.npts(a[0], a[1], b[0], b[1], k) if k else []).reshape(-1, 2)
        pts = np.vstack([np.array([a], float), mid, np.array([b], float)])
        xy = self._xy(pts[:, 0], pts[:, 1])
        return shapely.linestrings(xy)

    def _xy(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Points in the plane; raises InputError beyond :data:`MAX_RANGE_M` from the centre."""
        lon, lat = np.broadcast_arrays(np.atleast_1d(lon), np.atleast_1d(lat))
        if lon.size:
            far = self._from_centre_m(lon.ravel(), lat.ravel())
            if (far > MAX_RANGE_M).any():
                raise InputError(
                    f"a point lies {float(far.max()) / 1000:.0f} km from the planning area centre "
                    f"(at most {MAX_RANGE_M / 1000:.0f} km)"
                )
        return self._plane.xy(lon.ravel(), lat.ravel())

    def _plane_radius(self, lon: np.ndarray, lat: np.ndarray, radius_m: np.ndarray) -> np.ndarray:
        """Plane radius of a disc holding the geodesic circle of ``radius_m`` round each point (the plane
        stretches distances away from its centre; 36 bearings, 2 % and 1 m of slack)."""
        out = np.zeros(lon.size)
        some = np.flatnonzero(radius_m > 0)
        if some.size:
            az = np.arange(36) * 10.0
            plon, plat = geo.destination(np.repeat(lon[some], 36), np.repeat(lat[some], 36), np.tile(az, some.size),
                                         np.repeat(radius_m[some], 36))
            ring = self._xy(plon, plat).reshape(some.size, 36, 2)
            centre = self._xy(lon[some], lat[some])
            out[some] = np.hypot(*(ring - centre[:, None, :]).transpose(2, 0, 1)).max(axis=1) * 1.02 + 1.0
        return out

    def _terminals(self, lon: np.ndarray, lat: np.ndarray, radius_m: np.ndarray) -> Terminals:
        """Where routes of each point may start: the point itself unless inside a zone, and for a point
        inside the margin also its escape, the nearest point just outside the keep-out outline (reached
        from the point's circle, ``radius_m``, on its tangent without touching a zone)."""
        n = lon.size
        xy = self._xy(lon, lat)
        rad = self._plane_radius(lon, lat, radius_m)
        inside = self.contains(lon, lat)
        band = np.zeros(n, bool)
        if not self.empty:
            band = ~inside & shapely.intersects_xy(self._keepout, xy[:, 0], xy[:, 1])
        own = np.flatnonzero(~inside)
        slots = np.full((2, n), -1, np.int64)
        slots[0, own] = np.arange(own.size)
        banded = np.flatnonzero(band)
        exits = np.zeros((0, 2))
        if banded.size:
            line = shapely.shortest_line(shapely.points(xy[banded]), self._escape)
            exits = shapely.get_coordinates(line).reshape(-1, 2, 2)[:, 1]
            ok = ~shapely.intersects(self._zone_union, shapely.linestrings(np.stack([xy[banded], exits], axis=1)))
            ok &= ~hull_hits(self._zone_union, self._zone_discs, xy[banded], exits, rad[banded], np.zeros(banded.size))
            banded, exits = banded[ok], exits[ok]
            slots[1, banded] = own.size + np.arange(banded.size)
        lonlat = np.vstack([np.column_stack([lon[own], lat[own]]),
                            self._plane.lonlat(exits) if banded.size else np.zeros((0, 2))])
        return Terminals(
            xy=np.vstack([xy[own], exits]),
            lonlat=lonlat,
            clip=np.concatenate([np.where(band[own], self._band_clip, 0.0), np.zeros(banded.size)]),
            owner=np.concatenate([own, banded]),
            near=np.concatenate([band[own], np.ones(banded.size, bool)]),
            slots=slots,
            radius=np.concatenate([rad[own], np.zeros(banded.size)]),
        )

    def _from_centre_m(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Geodesic distance (m) of each point from the frame centre."""
        return geo.distance_m(np.full(lon.shape, self.frame.lon0), np.full(lon.shape, self.frame.lat0), lon, lat)

    def _clear(self, p: np.ndarray, q: np.ndarray, clip_p: np.ndarray, clip_q: np.ndarray,
               rad_p: np.ndarray | None = None, rad_q: np.ndarray | None = None) -> np.ndarray:
        """Whether each plane segment p→q may be flown.

        It may not cross the shrunken outline, except within ``clip_p`` / ``clip_q`` plane metres of an
        end inside the margin; a segment with such an end may still not touch a zone. With circles flown
        round its ends (plane radii ``rad_p`` / ``rad_q``), the hull of those circles may not touch a zone.
        """
        m = p.shape[0]
        if m == 0 or self.empty:
            return np.ones(m, bool)
        relaxed = (clip_p > 0) | (clip_q > 0)
        plain = np.flatnonzero(~relaxed)
        blocked = np.zeros(m, bool)
        blocked[plain] = hits(self._blocker, self._blocker_discs, p[plain], q[plain])
        some = np.flatnonzero(relaxed)
        if some.size:
            a, b = p[some], q[some]
            d = b - a
            length = np.hypot(d[:, 0], d[:, 1])
            safe = np.where(length > 0, length, 1.0)
            t0 = clip_p[some] / safe
            t1 = 1.0 - clip_q[some] / safe
            rest = np.flatnonzero(t0 < t1)
            blocked[some[rest]] = hits(self._blocker, self._blocker_discs, a[rest] + t0[rest, None] * d[rest],
                                        a[rest] + t1[rest, None] * d[rest])
            blocked[some] |= hits(self._zone_union, self._zone_discs, a, b)
        if rad_p is not None and rad_q is not None:
            wide = np.flatnonzero(~blocked & ((rad_p > 0) | (rad_q > 0)))
            blocked[wide] = hull_hits(self._zone_union, self._zone_discs, p[wide], q[wide], rad_p[wide], rad_q[wide])
        return ~blocked

