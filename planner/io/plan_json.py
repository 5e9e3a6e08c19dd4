"""``plan.json``: the whole plan, machine-readable and versioned (schema ``planner-plan/1``, described by the
JSON Schema ``docs/schema/plan.schema.json``). Every altitude in it is metres above mean sea level
(``altitude_reference``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from shapely.geometry import Point

from planner import __version__
from planner.model.plan import Coverage, Leg, Plan, Position, SensorCoverage, Sortie
from planner.model.terrain import Terrain

__all__ = ["SCHEMA", "format_plan_json", "plan_document", "sortie_file_stem", "sortie_record"]

SCHEMA = "planner-plan/1"
ALTITUDE_REFERENCE = "AMSL"


def sortie_file_stem(sortie: Sortie) -> str:
    """File name stem for a sortie's mission files (letters, digits, ``-`` and ``_`` only)."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in sortie.name)


def sortie_record(sortie: Sortie) -> dict[str, Any]:
    """What ``planner check`` needs to fly a sortie's mission file as planned: aircraft profile, loadout,
    payload (kg), and the planner version that wrote it (the ``.plan``'s ``planner`` block)."""
    return {"version": __version__, "sortie": sortie.name, "aircraft": sortie.aircraft.name,
            "loadout": list(sortie.loadout), "payload_kg": round(sortie.payload_kg, 3)}


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds").replace("+00:00", "Z")


def _lonlat(point: Point) -> list[float]:
    return [round(point.x, 8), round(point.y, 8)]


def _pos(p: Position) -> list[float]:
    return [round(p.lon, 8), round(p.lat, 8), round(p.alt_m, 2)]


def _leg(plan: Plan, leg: Leg) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": leg.kind,
        "start": _iso(plan.time(leg.start_s)),
        "end": _iso(plan.time(leg.end_s)),
        "start_s": round(leg.start_s, 3),
        "end_s": round(leg.end_s, 3),
        "from": _pos(leg.start),
        "to": _pos(leg.end),
        "distance_m": round(leg.distance_m, 2),
        "tasks": list(leg.tasks),
        "blos_s": round(leg.blos_s, 3),
    }
    if leg.orbit is not None:
        o = leg.orbit
        out["orbit"] = {
            "centre": _pos(o.centre),
            "radius_m": round(o.radius_m, 2),
            "clockwise": o.clockwise,
            "turns": o.turns,
            "lap_s": round(o.lap_s, 3),
            "duration_s": round(o.duration_s, 3),
            "roi": _pos(o.roi),
            "tasks": list(o.tasks),
            "watches": [
                {"tasks": list(w.tasks), "roi": _pos(w.roi), "turns": w.turns, "start": _iso(plan.time(w.start_s)),
                 "end": _iso(plan.time(w.end_s)), "start_s": round(w.start_s, 3), "end_s": round(w.end_s, 3)}
                for w in o.watches
            ],
        }
    if leg.pattern is not None:
        pat = leg.pattern
        out["pattern"] = {
            "kind": pat.kind,
            "path": [_pos(p) for p in pat.path],
            "laps": pat.laps,
            "lanes": [list(lane) for lane in pat.lanes],
            "trigger_m": pat.trigger_m,
            "turn_radius_m": round(pat.radius_m, 2),
            "duty_cycle": round(pat.duty_cycle, 6),
            "roi": _pos(pat.roi) if pat.roi is not None else None,
            "duration_s": round(pat.duration_s, 3),
            "tasks": list(pat.tasks),
            "strips_m": [[round(lo, 2), round(hi, 2)] for lo, hi in pat.strips_m],
            "imaged": round(pat.imaged, 6),
            "watch_s": round(pat.watch_s, 3),
        }
    if leg.via:
        out["via"] = [_pos(p) for p in leg.via]
    return out


def _sortie(plan: Plan, s: Sortie) -> dict[str, Any]:
    stem = sortie_file_stem(s)
    return {
        "name": s.name,
        "aircraft": s.aircraft.name,
        "base": s.base.name,
        "loadout": list(s.loadout),
        "payload_kg": round(s.payload_kg, 3),
        "endurance_s": round(s.endurance_s, 3),
        "reserve_s": round(s.reserve_s, 3),
        "takeoff": _iso(plan.time(s.takeoff_s)),
        "landing": _iso(plan.time(s.landing_s)),
        "takeoff_s": round(s.takeoff_s, 3),
        "landing_s": round(s.landing_s, 3),
        "flight_s": round(s.flight_s, 3),
        "distance_m": round(s.distance_m, 2),
        "reserve_left_s": round(s.reserve_left_s, 3),
        "blos_s": round(s.blos_s, 3),
        "blos_legs": [i for i, leg in enumerate(s.legs) if leg.blos_s > 0],
        "endurance_used": round(s.flight_s / s.endurance_s, 6) if s.endurance_s else 0.0,
        "tasks": list(s.tasks),
        "files": {"waypoints": f"{stem}.waypoints", "plan": f"{stem}.plan",
                  **({"profile": f"profile-{stem}.png"} if plan.terrain is not None else {})},
        "notes": list(s.notes),
        "legs": [_leg(plan, leg) for leg in s.legs],
    }


def plan_document(plan: Plan) -> dict[str, Any]:
    """The plan as a JSON-ready dict."""
    served_by = {name: s.name for s in plan.sorties for name in s.tasks}
    priority = {t.name: t.priority for t in plan.tasks}
    seen = {c.task: c for c in plan.sensor_coverage()}
    return {
        "schema": SCHEMA,
        "planner_version": __version__,
        "altitude_reference": ALTITUDE_REFERENCE,
        "name": plan.name,
        "start": _iso(plan.start),
        "autopilot": plan.autopilot,
        "wind": {"from_deg": plan.wind.from_deg, "speed_mps": plan.wind.speed_mps},
        "metrics": plan.metrics(),
        "solver": plan.solver,
        "bases": [
            {"name": b.name, "lon": b.lon, "lat": b.lat, "elev_m": b.elev_m, "gcs_range_km": b.gcs_range_km}
            for b in plan.bases
        ],
        "sorties": [_sortie(plan, s) for s in plan.sorties],
        "unserved": [{"task": u.task, "reason": u.reason, "reasons": list(u.reasons), "priority": priority[u.task]}
                     for u in plan.unserved],
        "tasks": [
            {
                "name": t.name,
                "kind": t.kind,
                "priority": t.priority,
                "sensor": t.sensor,
                "dwell_min": t.dwell_min,
                "served_by": served_by.get(t.name),
                "position": _lonlat(t.geometry.representative_point()),
                "bounds": [round(v, 8) for v in t.geometry.bounds],
                "coverage": _seen(seen[t.name]) if t.name in seen else None,
            }
            for t in plan.tasks
        ],
        "coverage": [_coverage(plan, c) for c in plan.coverage],
        "notes": list(plan.notes),
        **({"terrain": _terrain(plan.terrain)} if plan.terrain is not None else {}),
    }


def _seen(c: SensorCoverage) -> dict[str, Any]:
    """What the plan's sensor sees of one task: the measure, the share (0-1), seconds watched and asked."""
    return {
        "measure": c.measure,
        "share": round(c.share, 6),
        "watched_s": None if c.watched_s is None else round(c.watched_s, 3),
        "asked_s": None if c.asked_s is None else round(c.asked_s, 3),
    }


def _terrain(t: Terrain) -> dict[str, Any]:
    """The DEM a plan was made over: files, clearance kept, working cell size, mission altitude frame."""
    return {"dem": t.source, "clearance_m": t.clearance_m, "cell_m": round(t.cell_m, 3),
            "dem_cell_m": round(t.native_m, 3), "frame": t.frame}


def _coverage(plan: Plan, c: Coverage) -> dict[str, Any]:
    """One persistent orbit's coverage: window, covered share, gaps (UTC and hours), fleet sizes."""
    return {
        "task": c.task,
        "window_start": _iso(plan.time(c.window_start_s)),
        "window_end": _iso(plan.time(c.window_end_s)),
        "covered_h": round(c.covered_s / 3600.0, 4),
        "share": round(c.share, 6),
        "gaps": [{"start": _iso(plan.time(a)), "end": _iso(plan.time(b)), "hours": round((b - a) / 3600.0, 4)}
                 for a, b in c.gaps],
        "fleet_needed": c.fleet_needed,
        "closed_form_fleet": c.closed_form,
    }


def format_plan_json(plan: Plan) -> str:
    """``plan.json`` text: sorted keys, 2-space indent, no NaN."""
    return json.dumps(plan_document(plan), indent=2, sort_keys=True, allow_nan=False) + "\n"
