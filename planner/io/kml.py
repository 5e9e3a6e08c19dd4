"""``plan.kml`` (KML 2.2) for Google Earth: a folder per sortie, orbits as circles, altitudes absolute.

Element order follows the KML 2.2 schema; coordinates are ``lon,lat,alt``; flight lines use
``altitudeMode`` ``absolute`` (AMSL) so they are not clamped to the ground.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from planner.model.plan import Plan
from planner.render.shapes import orbit_ring, pattern_coords, route_coords, sortie_colour

__all__ = ["format_kml"]

NS = "http://www.opengis.net/kml/2.2"


def _kml_colour(hex_rgb: str, alpha: str = "ff") -> str:
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"{alpha}{b}{g}{r}".lower()


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def _coords(points: Iterable[tuple[float, ...]]) -> str:
    return " ".join(",".join(f"{v:.7f}" if i < 2 else f"{v:.1f}" for i, v in enumerate(p)) for p in points)


def _style(doc: ET.Element, sid: str, line: str, width: float, poly: str | None = None) -> None:
    style = _sub(doc, "Style")
    style.set("id", sid)
    ls = _sub(style, "LineStyle")
    _sub(ls, "color", line)
    _sub(ls, "width", f"{width:g}")
    if poly is not None:
        ps = _sub(style, "PolyStyle")
        _sub(ps, "color", poly)


def _placemark(parent: ET.Element, name: str, style: str, description: str, data: dict[str, str]) -> ET.Element:
    pm = _sub(parent, "Placemark")
    _sub(pm, "name", name)
    _sub(pm, "description", description)
    _sub(pm, "styleUrl", f"#{style}")
    if data:
        ext = _sub(pm, "ExtendedData")
        for key, value in data.items():
            d = _sub(ext, "Data")
            d.set("name", key)
            _sub(d, "value", value)
    return pm


def _line(pm: ET.Element, points: list[tuple[float, float, float]], mode: str = "absolute") -> None:
    ls = _sub(pm, "LineString")
    _sub(ls, "tessellate", "1")
    _sub(ls, "altitudeMode", mode)
    _sub(ls, "coordinates", _coords(points))


def _geometry(pm: ET.Element, geom: BaseGeometry) -> None:
    parts = list(getattr(geom, "geoms", [geom]))
    target = _sub(pm, "MultiGeometry") if len(parts) > 1 else pm
    for part in parts:
        if part.geom_type == "Point":
            pt = _sub(target, "Point")
            _sub(pt, "coordinates", _coords([(part.x, part.y)]))
        elif part.geom_type == "LineString":
            ls = _sub(target, "LineString")
            _sub(ls, "tessellate", "1")
            _sub(ls, "coordinates", _coords(list(part.coords)))
        elif part.geom_type == "Polygon":
            poly = _sub(target, "Polygon")
            _sub(poly, "tessellate", "1")
            outer = _sub(_sub(poly, "outerBoundaryIs"), "LinearRing")
            _sub(outer, "coordinates", _coords(list(part.exterior.coords)))
            for hole in part.interiors:
                inner = _sub(_sub(poly, "innerBoundaryIs"), "LinearRing")
                _sub(inner, "coordinates", _coords(list(hole.coords)))


def format_kml(plan: Plan) -> str:
    """The KML document text (UTF-8 XML declaration, deterministic)."""
    root = ET.Element("kml")
    root.set("xmlns", NS)
    doc = _sub(root, "Document")
    _sub(doc, "name", plan.name)
    m = plan.metrics()
    _sub(doc, "description", f"{m['tasks_served']} tasks served, {m['tasks_unserved']} unserved; "
                             f"priority {m['priority_served']:g} of {m['priority_total']:g}")
    for i, _s in enumerate(plan.sorties):
        colour = _kml_colour(sortie_colour(i))
        _style(doc, f"sortie{i}", colour, 3)
        _style(doc, f"orbit{i}", colour, 2)
    _style(doc, "nofly", "ff0000ff", 2, "400000ff")
    _style(doc, "task", "ff00ffff", 2, "3300ffff")
    _style(doc, "unserved", "ff808080", 2, "33808080")
    _style(doc, "base", "ffffffff", 2)
    served_by = {name: s.name for s in plan.sorties for name in s.tasks}
    reasons = {u.task: u.reason for u in plan.unserved}

    for i, s in enumerate(plan.sorties):
        folder = _sub(doc, "Folder")
        _sub(folder, "name", s.name)
        _sub(folder, "description", f"{s.aircraft.name} from {s.base.name}; loadout {', '.join(s.loadout) or 'none'}")
        pm = _placemark(folder, f"{s.name} route", f"sortie{i}",
                        f"take-off {plan.time(s.takeoff_s):%Y-%m-%d %H:%M}Z, landing "
                        f"{plan.time(s.landing_s):%Y-%m-%d %H:%M}Z, {s.distance_m / 1000:.1f} km",
                        {"flight_h": f"{s.flight_s / 3600:.2f}", "tasks": " ".join(s.tasks)})
        _line(pm, route_coords(s))
        for o in s.orbits:
            pm = _placemark(folder, f"orbit {' '.join(o.tasks)}", f"orbit{i}",
                            f"{o.turns} turns of {o.radius_m:.0f} m at {o.centre.alt_m:.0f} m AMSL, "
                            f"{'clockwise' if o.clockwise else 'counter-clockwise'}, {o.duration_s / 60:.0f} min",
                            {"radius_m": f"{o.radius_m:.0f}", "direction": "cw" if o.clockwise else "ccw",
                             "turns": str(o.turns), "dwell_min": f"{o.duration_s / 60:.1f}",
                             "alt_m": f"{o.centre.alt_m:.0f}"})
            _line(pm, orbit_ring(o))
        for pat in s.patterns:
            detail = (f"{pat.laps} laps, duty cycle {pat.duty_cycle:.0%}" if pat.kind == "racetrack"
                      else f"{len(pat.lanes)} {'lanes' if pat.kind == 'survey' else 'passes'}")
            pm = _placemark(folder, f"{pat.kind} {' '.join(pat.tasks)}", f"orbit{i}",
                            f"{pat.kind} at {pat.path[0].alt_m:.0f} m AMSL, {detail}, {pat.duration_s / 60:.0f} min",
                            {"kind": pat.kind, "laps": str(pat.laps), "lanes": str(len(pat.lanes)),
                             "turn_radius_m": f"{pat.radius_m:.0f}", "trigger_m": f"{pat.trigger_m:g}",
                             "duration_min": f"{pat.duration_s / 60:.1f}"})
            _line(pm, pattern_coords(pat))
    tasks = _sub(doc, "Folder")
    _sub(tasks, "name", "Tasks")
    for t in plan.tasks:
        style = "nofly" if t.kind == "nofly" else ("task" if t.name in served_by else "unserved")
        status = ("no-fly zone" if t.kind == "nofly" else
                  f"served by {served_by[t.name]}" if t.name in served_by else f"unserved: {reasons.get(t.name, '')}")
        data = {"task": t.kind, "priority": f"{t.priority:g}"}
        if t.sensor:
            data["sensor"] = t.sensor
        if t.dwell_min:
            data["dwell_min"] = f"{t.dwell_min:g}"
        pm = _placemark(tasks, t.name, style, f"{t.kind}; {status}", data)
        _geometry(pm, t.geometry)
    bases = _sub(doc, "Folder")
    _sub(bases, "name", "Bases")
    for b in plan.bases:
        pm = _placemark(bases, b.name, "base", f"base, ground station range {b.gcs_range_km:g} km",
                        {"elev_m": f"{b.elev_m:g}"})
        _geometry(pm, Point(b.lon, b.lat))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
