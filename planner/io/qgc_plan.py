"""QGroundControl ``.plan`` (JSON) writer: mission items, geofence exclusion polygons, rally points."""

from __future__ import annotations

import json
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from planner.missions.items import MissionItem
from planner.model.autopilot import rules
from planner.model.plan import Position

__all__ = ["format_qgc_plan"]


def _item(item: MissionItem, jump_id: int) -> dict[str, Any]:
    params = [float(p) for p in item.params] + [round(item.lat, 8), round(item.lon, 8), round(item.alt, 3)]
    return {
        "autoContinue": bool(item.autocontinue),
        "command": int(item.command),
        "doJumpId": jump_id,
        "frame": int(item.frame),
        "params": params,
        "type": "SimpleItem",
    }


def _rings(zone: BaseGeometry) -> list[list[list[float]]]:
    """Exterior rings of a (multi)polygon as [[lat, lon], ...] without the closing vertex."""
    parts = getattr(zone, "geoms", [zone])
    out = []
    for part in parts:
        ring = shapely.get_coordinates(part.exterior)[:-1]
        out.append([[round(float(lat), 8), round(float(lon), 8)] for lon, lat in ring])
    return out


def format_qgc_plan(
    home: Position,
    items: list[MissionItem],
    *,
    autopilot: str,
    cruise_speed_mps: float,
    nofly: tuple[BaseGeometry, ...],
    rally: list[Position],
    planner: dict[str, Any] | None = None,
) -> str:
    """The ``.plan`` JSON text (sorted keys, 2-space indent, LF). DO_JUMP p1 refers to ``doJumpId``.

    ``rally`` altitudes are relative to home (QGroundControl's rally frame). ``planner`` is written as a
    top-level ``planner`` block (the sortie's aircraft, loadout and payload, read back by ``planner check``);
    ground stations ignore keys they do not know.
    """
    # doJumpId numbers items from 1, as the .waypoints index does after home, so DO_JUMP p1 is unchanged.
    mission_items = [_item(item, i) for i, item in enumerate(items, start=1)]
    polygons = [
        {"inclusion": False, "polygon": ring, "version": 1} for zone in nofly for ring in _rings(zone)
    ]
    doc: dict[str, Any] = {
        "fileType": "Plan",
        "geoFence": {"circles": [], "polygons": polygons, "version": 2},
        "groundStation": "planner",
        "mission": {
            "cruiseSpeed": round(cruise_speed_mps, 3),
            "firmwareType": rules(autopilot).qgc_firmware_type,
            "hoverSpeed": 0,
            "items": mission_items,
            "plannedHomePosition": [round(home.lat, 8), round(home.lon, 8), round(home.alt_m, 3)],
            "vehicleType": 1,
            "version": 2,
        },
        "rallyPoints": {
            "points": [[round(p.lat, 8), round(p.lon, 8), round(p.alt_m, 3)] for p in rally],
            "version": 2,
        },
        "version": 1,
    }
    if planner is not None:
        doc["planner"] = planner
    return json.dumps(doc, indent=2, sort_keys=True, allow_nan=False) + "\n"
