"""``plan.geojson`` (RFC 7946): bases, task areas, no-fly zones, routes and orbits, WGS84 ``[lon, lat, alt]``.

Exterior rings counter-clockwise, 7 decimals, no ``crs`` member.
"""

from __future__ import annotations

import json
from typing import Any

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

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
            {"type": "LineString", "coordinates": _round([list(c) for c in route_coords(s)])},
            {"layer": "route", "sortie": s.name, "aircraft": s.aircraft.name, "base": s.base.name,
             "flight_s": round(s.flight_s, 1), "distance_m": round(s.distance_m, 1)},
        ))
        for o in s.orbits:
            features.append(_feature(
                {"type": "LineString", "coordinates": _round([list(c) for c in orbit_ring(o)])},
                {"layer": "orbit", "sortie": s.name, "tasks": list(o.tasks), "radius_m": o.radius_m,
                 "clockwise": o.clockwise, "turns": o.turns, "duration_s": round(o.duration_s, 1),
                 "alt_m": o.centre.alt_m},
            ))
        for pat in s.patterns:
            features.append(_feature(
                {"type": "LineString", "coordinates": _round([list(c) for c in pattern_coords(pat)])},
                {"layer": "pattern", "kind": pat.kind, "sortie": s.name, "tasks": list(pat.tasks),
                 "laps": pat.laps, "lanes": len(pat.lanes), "turn_radius_m": pat.radius_m,
                 "duty_cycle": round(pat.duty_cycle, 4), "trigger_m": pat.trigger_m,
                 "duration_s": round(pat.duration_s, 1), "alt_m": pat.path[0].alt_m},
            ))
    doc = {"type": "FeatureCollection", "name": plan.name, "features": features}
    return json.dumps(doc, separators=(",", ":"), allow_nan=False) + "\n"
