"""``plan.geojson`` (RFC 7946): bases, task areas, no-fly zones, routes and orbits, WGS84 ``[lon, lat, alt]``.

Exterior rings counter-clockwise, 7 decimals, no ``crs`` member. Lines that cross the antimeridian are cut
there into a MultiLineString (RFC 7946 §3.1.9), so no segment jumps 359° of longitude.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from planner.core import geo
from planner.model.plan import Plan
from planner.render.shapes import orbit_ring, pattern_coords, route_coords

__all__ = ["format_geojson"]

DECIMALS = 7


def _round(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, DECIMALS)
    if isinstance(obj, list | tuple):
        return [_round(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    return obj


def _geometry(geom: BaseGeometry) -> dict[str, Any]:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        geom = shapely.orient_polygons(geom, exterior_cw=False)
    return _round(mapping(geom))


def _line(coords: list[tuple[float, float, float]]) -> dict[str, Any]:
    """A LineString of (lon, lat, alt) points, or a MultiLineString cut where it crosses the antimeridian:
    each part ends (and the next begins) on ±180° at the latitude where the geodesic crosses it."""
    parts: list[list[list[float]]] = [[list(coords[0])]] if coords else [[]]
    for (lon1, lat1, alt1), (lon2, lat2, alt2) in itertools.pairwise(coords):
        if abs(lon2 - lon1) > 180.0:
            edge = 180.0 if lon1 > 0 else -180.0
            lat, share = _crossing(lon1, lat1, lon2, lat2, edge)
            alt = alt1 + share * (alt2 - alt1)
            parts[-1].append([edge, lat, alt])
            parts.append([[-edge, lat, alt]])
        parts[-1].append([lon2, lat2, alt2])
    if len(parts) == 1:
        return {"type": "LineString", "coordinates": _round(parts[0])}
    return {"type": "MultiLineString", "coordinates": _round(parts)}


def _crossing(lon1: float, lat1: float, lon2: float, lat2: float, edge: float) -> tuple[float, float]:
    """Latitude where the geodesic from (lon1, lat1) to (lon2, lat2) meets the meridian ``edge`` (±180°), and
    the share of the way there (bisection along the geodesic, to well under a millimetre)."""
    az, _, dist = geo.inverse(lon1, lat1, lon2, lat2)
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2.0
        lon, _lat = geo.destination(lon1, lat1, float(az), float(dist) * mid)
        east = lon1 + ((float(lon) - lon1 + 180.0) % 360.0 - 180.0)  # longitude unwrapped from the start
        lo, hi = (mid, hi) if (east < edge if edge > 0 else east > edge) else (lo, mid)
    _, lat = geo.destination(lon1, lat1, float(az), float(dist) * lo)
    return float(lat), lo


def _feature(geometry: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": props}


def format_geojson(plan: Plan) -> str:
    """The GeoJSON FeatureCollection text; every feature has a ``layer`` property."""
    served_by = {name: s.name for s in plan.sorties for name in s.tasks}
    reasons = {u.task: u.reason for u in plan.unserved}
    features = []
    for b in plan.bases:
        features.append(_feature(
            {"type": "Point", "coordinates": _round([b.lon, b.lat, b.elev_m])},
            {"layer": "base", "name": b.name, "gcs_range_km": b.gcs_range_km},
        ))
    for t in plan.tasks:
        props: dict[str, Any] = {"layer": "nofly" if t.kind == "nofly" else "task", "name": t.name, "task": t.kind}
        if t.kind != "nofly":
            props.update({
                "priority": t.priority,
                "sensor": t.sensor,
                "dwell_min": t.dwell_min,
                "served_by": served_by.get(t.name),
                "unserved_reason": reasons.get(t.name),
            })
        features.append(_feature(_geometry(t.geometry), props))
    for s in plan.sorties:
        features.append(_feature(
            _line(route_coords(s)),
            {"layer": "route", "sortie": s.name, "aircraft": s.aircraft.name, "base": s.base.name,
             "flight_s": round(s.flight_s, 1), "distance_m": round(s.distance_m, 1)},
        ))
        for o in s.orbits:
            features.append(_feature(
                _line(orbit_ring(o)),
                {"layer": "orbit", "sortie": s.name, "tasks": list(o.tasks), "radius_m": o.radius_m,
                 "clockwise": o.clockwise, "turns": o.turns, "duration_s": round(o.duration_s, 1),
                 "alt_m": o.centre.alt_m},
            ))
        for pat in s.patterns:
            features.append(_feature(
                _line(pattern_coords(pat)),
                {"layer": "pattern", "kind": pat.kind, "sortie": s.name, "tasks": list(pat.tasks),
                 "laps": pat.laps, "lanes": len(pat.lanes), "turn_radius_m": pat.radius_m,
                 "duty_cycle": round(pat.duty_cycle, 4), "trigger_m": pat.trigger_m,
                 "duration_s": round(pat.duration_s, 1), "alt_m": pat.path[0].alt_m},
            ))
    doc = {"type": "FeatureCollection", "name": plan.name, "features": features}
    return json.dumps(doc, separators=(",", ":"), allow_nan=False) + "\n"
