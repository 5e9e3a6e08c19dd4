"""Reads mission files made by any tool: QGC WPL 110 (``.waypoints``) and QGroundControl ``.plan`` JSON.

The readers are strict about syntax (docs/check.md) and collect every
syntax fault with its line number instead of stopping at the first, so ``planner check`` can list
them all; a file that is not a mission at all raises InputError. Rules that depend on the target
autopilot (frames, NaN, limits) are checked by :mod:`planner.check`, not here. Also reads no-fly
zones for a check from any vector file.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyogrio
import shapely
from shapely.geometry import Point, Polygon

from planner.core import geo
from planner.core.errors import InputError
from planner.io.areas import read_areas
from planner.io.input_file import read_input
from planner.missions.commands import NAV_POSITIONAL
from planner.missions.file_model import FenceShape, Finding, Home, Item, Mission, Planned, RallyPoint, Zone

__all__ = ["parse_mission", "parse_plan", "parse_waypoints", "read_mission", "read_nofly"]

WPL_HEADER = "QGC WPL 110"
_INT = re.compile(r"[+-]?\d+")
_FIELDS = ("index", "current", "frame", "command", "p1", "p2", "p3", "p4", "latitude", "longitude",
           "altitude", "autocontinue")
_INT_FIELDS = (0, 1, 2, 3, 11)
_FIRMWARE = {3: "ardupilot", 12: "px4"}


def read_mission(path: Path) -> Mission:
    """Read a ``.waypoints`` or ``.plan`` file (told apart by content). Raises InputError when unreadable.

    ``Mission.planned`` is the sortie the planner recorded for it: the ``.plan``'s ``planner`` block, else the
    ``plan.json`` beside the file naming it among a sortie's files, else None.
    """
    path = Path(path)
    mission = parse_mission(read_input(path, "a mission file"), str(path))
    if mission.planned is None:
        planned = _planned_beside(path)
        if planned is not None:
            mission = replace(mission, planned=planned)
    return mission


def _planned_beside(path: Path) -> Planned | None:
    """The sortie of the ``plan.json`` in ``path``'s folder whose files include ``path``'s name."""
    beside = path.parent / "plan.json"
    try:
        doc = json.loads(beside.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    sorties = doc.get("sorties") if isinstance(doc, dict) else None
    for s in sorties if isinstance(sorties, list) else []:
        files = s.get("files") if isinstance(s, dict) else None
        if isinstance(files, dict) and path.name in files.values():
            return _planned(s, str(beside))
    return None


def _planned(record: Any, source: str) -> Planned | None:
    """A :class:`Planned` from a ``planner`` block or a ``plan.json`` sortie; None when it lacks a field."""
    if not isinstance(record, dict):
        return None
    name, aircraft, loadout, payload = (record.get(k) for k in (("sortie" if "sortie" in record else "name"),
                                                                "aircraft", "loadout", "payload_kg"))
    if not (isinstance(name, str) and isinstance(aircraft, str) and isinstance(loadout, list)
            and all(isinstance(x, str) for x in loadout) and _is_number(payload) and payload >= 0):
        return None
    return Planned(sortie=name, aircraft=aircraft, loadout=tuple(loadout), payload_kg=float(payload), source=source)


def parse_mission(data: bytes, source: str) -> Mission:
    """A mission from the bytes of a file; ``source`` names it in messages."""
    faults: list[Finding] = []
    if data.startswith(b"\xef\xbb\xbf"):
        faults.append(Finding("encoding", f"{source}: starts with a byte-order mark; ground stations want plain ASCII",
                              line=1, kind="format"))
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{source}: not a mission file (not text)") from None
    if not text.isascii():
        line = next(n for n, row in enumerate(text.split("\n"), start=1) if not row.isascii())
        faults.append(Finding("encoding", f"line {line}: non-ASCII characters", line=line, kind="format"))
    if text.startswith("QGC WPL"):
        return parse_waypoints(text, source, faults)
    if text.lstrip().startswith("{"):
        return parse_plan(text, source, faults)
    raise InputError(f"{source}: not a mission file (expected 'QGC WPL 110' text or a QGroundControl .plan)")


# ---------------------------------------------------------------------------------------------------
# QGC WPL 110


def parse_waypoints(text: str, source: str, faults: list[Finding] | None = None) -> Mission:
    """Parse QGC WPL 110 text as ArduPilot's tools (pymavlink) read it, and note QGroundControl's stricter rules.

    Read as pymavlink reads it: the header (surrounding spaces ignored), then lines of 12 fields split on
    any whitespace, comment lines (``#`` first) and blank lines skipped; integers where the format wants
    them, contiguous indices from 0, row 0 home are faults. What only QGroundControl refuses — a comment
    or blank line, spaces for tabs, spaces round a field, spaces after the header — is a
    ``compatibility`` warning: the file still flies. Raises InputError when the text is not a waypoint
    list at all (no header, or no readable home row).
    """
    faults = list(faults or [])
    compat: list[Finding] = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    if not lines or not lines[0].startswith("QGC WPL"):
        raise InputError(f"{source}: not a QGC WPL file (first line must be '{WPL_HEADER}')")
    header = lines[0].rstrip("\r")
    if header.strip() != WPL_HEADER:
        faults.append(Finding("header", f"line 1: header {header!r}, must be exactly {WPL_HEADER!r}", line=1,
                              kind="format"))
    elif header != WPL_HEADER:
        compat.append(Finding("header", f"line 1: header {header!r} has spaces round it (QGroundControl wants "
                              f"exactly {WPL_HEADER!r})", line=1, kind="compatibility"))
    rows: list[tuple[int, list[float], int]] = []
    expected = 0
    for number, raw in enumerate(lines[1:], start=2):
        line = raw[:-1] if raw.endswith("\r") else raw
        if not line.strip():
            compat.append(Finding("blank_line", f"line {number}: blank line (ArduPilot's tools skip it; "
                                  "QGroundControl calls the file corrupt)", line=number, kind="compatibility"))
            continue
        if line.startswith("#"):
            compat.append(Finding("comment_line", f"line {number}: comment line (ArduPilot's tools skip it; "
                                  "QGroundControl cannot read the file)", line=number, kind="compatibility"))
            continue
        fields = _split(line, number, faults, compat)
        if fields is None:
            expected += 1
            continue
        values = _numbers(fields, number, faults)
        if values is None:
            expected += 1
            continue
        index = int(values[0])
        if index != expected:
            faults.append(Finding("index", f"line {number}: index {index}, expected {expected} (indices run from 0 "
                                  "without gaps)", item=expected, line=number, kind="format"))
        rows.append((expected, values, number))
        expected += 1
    if not rows or rows[0][0] != 0:
        raise InputError(f"{source}: no readable home row (row 0) after the header")
    _, home_values, _ = rows[0]
    _home_rules(home_values, faults)
    home = Home(lat=home_values[8], lon=home_values[9], alt_m=home_values[10])
    items = []
    for index, v, number in rows[1:]:
        if v[1] not in (0.0, 1.0) or v[11] not in (0.0, 1.0):
            faults.append(Finding("field", f"line {number}: current and autocontinue must be 0 or 1", item=index,
                                  line=number, kind="format"))
        items.append(Item(index=index, command=int(v[3]), frame=int(v[2]), params=(v[4], v[5], v[6], v[7]),
                          lat=v[8], lon=v[9], alt=v[10], autocontinue=v[11] != 0.0, line=number))
    return Mission(source=source, format="waypoints", home=home, items=tuple(items), faults=tuple(faults),
                   warnings=tuple(compat))


def _split(line: str, number: int, faults: list[Finding], compat: list[Finding]) -> list[str] | None:
    """The 12 fields of a data line, split on whitespace as pymavlink does; a compatibility warning when
    they are not 12 bare values between single tabs (QGroundControl's rule), a fault when not 12 at all."""
    fields = line.split("\t")
    if len(fields) == 12 and all(f and f == f.strip() for f in fields):
        return fields
    words = line.split()
    if len(words) == 12:
        why = ("spaces instead of tabs" if len(fields) != 12 else "an empty field or spaces around one")
        compat.append(Finding("field_count", f"line {number}: {why} (ArduPilot's tools read it; QGroundControl "
                              "wants 12 bare values between single tabs)", line=number, kind="compatibility"))
        return words
    faults.append(Finding("field_count", f"line {number}: {len(words)} fields; a waypoint line has 12",
                          line=number, kind="format"))
    faults.append(Finding("unreadable", f"line {number}: item cannot be read and is left out", line=number,
                          kind="format"))
    return None


def _numbers(fields: list[str], number: int, faults: list[Finding]) -> list[float] | None:
    values: list[float] = []
    for k, (name, text) in enumerate(zip(_FIELDS, fields, strict=True)):
        if k in _INT_FIELDS and not _INT.fullmatch(text):
            faults.append(Finding("not_integer", f"line {number}: {name} {text!r} must be an integer", line=number,
                                  kind="format"))
        try:
            value = float(text)
        except ValueError:
            faults.append(Finding("bad_number", f"line {number}: {name} {text!r} is not a number", line=number,
                                  kind="format"))
            if k in _INT_FIELDS:
                faults.append(Finding("unreadable", f"line {number}: item cannot be read and is left out",
                                      line=number, kind="format"))
                return None
            value = math.nan
        if k in _INT_FIELDS and not (math.isfinite(value) and value == round(value)):
            faults.append(Finding("unreadable", f"line {number}: item cannot be read and is left out", line=number,
                                  kind="format"))
            return None
        values.append(value)
    return values


def _home_rules(v: list[float], faults: list[Finding]) -> None:
    if int(v[3]) != 16:
        faults.append(Finding("home", f"line 2: row 0 (home) has command {int(v[3])}; home is a NAV_WAYPOINT (16)",
                              item=0, line=2, kind="format"))
    if int(v[2]) != 0:
        faults.append(Finding("home", f"line 2: row 0 (home) frame {int(v[2])}; home altitude is AMSL (frame 0)",
                              item=0, line=2, kind="format"))
    if not all(math.isfinite(x) for x in v[8:11]) or abs(v[8]) > 90 or abs(v[9]) > 180:
        raise InputError(f"line 2: home position ({v[8]}, {v[9]}, {v[10]}) is not a valid position")


# ---------------------------------------------------------------------------------------------------
# QGroundControl .plan


def parse_plan(text: str, source: str, faults: list[Finding] | None = None) -> Mission:
    """Parse a QGroundControl ``.plan`` (JSON): SimpleItems with exactly 7 params (null = NaN), doJumpId,
    plannedHomePosition, geoFence exclusion zones, rally points; survey/corridor ComplexItems through
    their flattened items. Raises InputError when the text is not a plan at all.
    """
    faults = list(faults or [])
    notes: list[Finding] = []
    try:
        doc = json.loads(text, parse_constant=lambda name: {"NaN": math.nan}.get(name, math.inf))
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("mission"), dict):
        raise InputError(f"{source}: not a QGroundControl plan (no 'mission' object)")

    def fault(code: str, message: str, item: int | None = None) -> None:
        faults.append(Finding(code, message, item=item, kind="format"))

    if doc.get("fileType") != "Plan":
        fault("plan_field", f"fileType is {doc.get('fileType')!r}, must be 'Plan'")
    if doc.get("version") != 1:
        fault("plan_field", f"plan version {doc.get('version')!r}, must be 1")
    mission = doc["mission"]
    if mission.get("version") != 2:
        fault("plan_field", f"mission version {mission.get('version')!r}, must be 2")
    firmware = mission.get("firmwareType")
    if not _is_int(firmware):
        fault("plan_field", "mission.firmwareType is missing or not an integer")
    if mission.get("vehicleType", 1) != 1:
        notes.append(Finding("vehicle", f"vehicleType {mission.get('vehicleType')!r} is not a fixed wing (1)",
                             kind="format"))
    for key in ("cruiseSpeed", "hoverSpeed"):
        if key in mission and not _is_number(mission[key]):
            fault("plan_field", f"mission.{key} must be a number")
    home = _planned_home(mission.get("plannedHomePosition"), fault)
    raw_items = mission.get("items")
    if not isinstance(raw_items, list):
        fault("plan_field", "mission.items is missing or not a list")
        raw_items = []
    items: list[Item] = []
    for k, raw in enumerate(raw_items, start=1):
        where = f"mission item #{k}"
        if not isinstance(raw, dict):
            fault("plan_item", f"{where}: not an object")
            continue
        kind = raw.get("type")
        if kind == "SimpleItem":
            item = _simple(raw, len(items) + 1, where, fault)
            if item is not None:
                items.append(item)
        elif kind == "ComplexItem":
            items.extend(_complex(raw, len(items) + 1, where, home, fault, notes))
        else:
            fault("plan_item", f"{where}: type {kind!r}, must be 'SimpleItem' or 'ComplexItem'")
    ids = [it.jump_id for it in items if it.jump_id is not None]
    if len(ids) != len(set(ids)):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        fault("plan_item", f"doJumpId repeated: {dup}")
    if home is None:
        first = next((it for it in items if it.command in NAV_POSITIONAL), None)
        if first is None:
            raise InputError(f"{source}: no plannedHomePosition and no positional item to stand for home")
        home = Home(first.lat, first.lon, first.alt if first.frame == 0 else 0.0)
    shapes: list[FenceShape] = []
    fences = _fences(doc.get("geoFence"), fault, shapes)
    rally = doc.get("rallyPoints")
    if not isinstance(rally, dict) or not isinstance(rally.get("points"), list):
        fault("plan_field", "rallyPoints {version: 2, points: [...]} is missing (MAVSDK refuses such a plan)")
    planned = _planned(doc["planner"], f"{source} (planner block)") if "planner" in doc else None
    if "planner" in doc and planned is None:
        notes.append(Finding("planner_block", "the 'planner' block lacks sortie, aircraft, loadout or payload_kg; "
                             "ignored", kind="format"))
    return Mission(source=source, format="plan", home=home, items=tuple(items), faults=tuple(faults),
                   warnings=tuple(notes), fences=tuple(fences), jump_by_id=True,
                   firmware=_FIRMWARE.get(firmware) if _is_int(firmware) else None, planned=planned,
                   geofence=tuple(shapes), rally=tuple(_rally(rally, fault)))


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _planned_home(value: Any, fault: Any) -> Home | None:
    if (isinstance(value, list) and len(value) == 3 and all(_is_number(v) for v in value)
            and abs(value[0]) <= 90 and abs(value[1]) <= 180):
        return Home(float(value[0]), float(value[1]), float(value[2]))
    fault("plan_field", f"mission.plannedHomePosition {value!r} is not [lat, lon, alt AMSL]")
    return None


def _simple(raw: dict[str, Any], seq: int, where: str, fault: Any) -> Item | None:
    """One SimpleItem; None when it cannot be read (a fault says why)."""
    ok = True
    for key in ("command", "frame"):
        if not _is_int(raw.get(key)):
            fault("plan_item", f"{where}: '{key}' missing or not an integer", seq)
            ok = False
    params = raw.get("params")
    if not isinstance(params, list) or len(params) != 7:
        fault("plan_item", f"{where}: params must be a list of exactly 7 values (got "
              f"{len(params) if isinstance(params, list) else type(params).__name__})", seq)
        ok = False
    elif not all(p is None or _is_number(p) for p in params):
        fault("plan_item", f"{where}: params must be numbers or null", seq)
        ok = False
    if not ok:
        return None
    if not isinstance(raw.get("autoContinue"), bool):
        fault("plan_item", f"{where}: autoContinue must be true or false", seq)
    jump_id = raw.get("doJumpId")
    if not (_is_int(jump_id) and jump_id >= 1):
        fault("plan_item", f"{where}: doJumpId must be an integer from 1", seq)
        jump_id = None
    present = [k for k in ("AltitudeMode", "Altitude", "AMSLAltAboveTerrain") if k in raw]
    if present and len(present) != 3:
        fault("plan_item", f"{where}: AltitudeMode, Altitude and AMSLAltAboveTerrain go together (has {present})", seq)
    p = [math.nan if v is None else float(v) for v in params]
    return Item(index=seq, command=raw["command"], frame=raw["frame"], params=(p[0], p[1], p[2], p[3]),
                lat=p[4], lon=p[5], alt=p[6], autocontinue=bool(raw.get("autoContinue", True)), jump_id=jump_id)


def _complex(raw: dict[str, Any], seq: int, where: str, home: Home | None, fault: Any,
             notes: list[Finding]) -> list[Item]:
    """A survey/corridor ComplexItem through its flattened items, else its transect points; otherwise a fault."""
    kind = raw.get("complexItemType", "?")
    transect = raw.get("TransectStyleComplexItem")
    if isinstance(transect, dict) and isinstance(transect.get("Items"), list) and transect["Items"]:
        out: list[Item] = []
        for k, sub in enumerate(transect["Items"], start=1):
            item = _simple(sub, seq + len(out), f"{where} ({kind}) item #{k}", fault) if isinstance(sub, dict) else None
            if item is not None:
                out.append(item)
        return out
    points = transect.get("VisualTransectPoints") if isinstance(transect, dict) else None
    if isinstance(points, list) and points and all(
            isinstance(p, list) and len(p) >= 2 and all(_is_number(v) for v in p[:2]) for p in points):
        calc = transect.get("CameraCalc", {}) if isinstance(transect, dict) else {}
        alt = calc.get("DistanceToSurface") if isinstance(calc, dict) else None
        if not _is_number(alt):
            alt = 0.0
        notes.append(Finding("complex_item", f"{where} ({kind}): flown through its transect points at "
                             f"{alt:g} m above home; turn-arounds and camera items not modelled", item=seq,
                             kind="format"))
        return [Item(index=seq + k, command=16, frame=3, params=(0.0, 0.0, 0.0, 0.0), lat=float(p[0]),
                     lon=float(p[1]), alt=float(alt)) for k, p in enumerate(points)]
    fault("uncheckable", f"{where}: ComplexItem '{kind}' without flattened items cannot be checked", seq)
    return []


def _rally(value: Any, fault: Any) -> list[RallyPoint]:
    """The plan's rally points ([lat, lon, alt above home] each)."""
    points = value.get("points") if isinstance(value, dict) else None
    out = []
    for k, p in enumerate(points if isinstance(points, list) else [], start=1):
        if not (isinstance(p, list) and len(p) == 3 and all(_is_number(v) for v in p)
                and abs(p[0]) <= 90 and abs(p[1]) <= 180):
            fault("plan_field", f"rally point #{k}: must be [lat, lon, alt]")
            continue
        out.append(RallyPoint(float(p[0]), float(p[1]), float(p[2])))
    return out


def _fences(value: Any, fault: Any, shapes: list[FenceShape]) -> list[Zone]:
    """Exclusion polygons and circles of the plan's geoFence, as no-fly zones; every shape as written is
    appended to ``shapes``."""
    if not isinstance(value, dict) or not isinstance(value.get("polygons"), list):
        fault("plan_field", "geoFence {version: 2, circles: [], polygons: [...]} is missing (MAVSDK refuses such a plan)")
        return []
    zones: list[Zone] = []
    for k, poly in enumerate(value.get("polygons", []), start=1):
        ring = poly.get("polygon") if isinstance(poly, dict) else None
        if not (isinstance(ring, list) and len(ring) >= 3 and all(
                isinstance(p, list) and len(p) == 2 and all(_is_number(v) for v in p) for p in ring)):
            fault("plan_field", f"geoFence polygon #{k}: 'polygon' must be three or more [lat, lon] pairs")
            continue
        inclusion = poly.get("inclusion") is not False
        shapes.append(FenceShape("polygon", inclusion, tuple((float(lat), float(lon)) for lat, lon in ring)))
        if not inclusion:
            zones.append(Zone(f"geofence polygon #{k}", Polygon([(lon, lat) for lat, lon in ring])))
    circles = value.get("circles", [])
    for k, circ in enumerate(circles if isinstance(circles, list) else [], start=1):
        c = circ.get("circle") if isinstance(circ, dict) else None
        centre = c.get("center") if isinstance(c, dict) else None
        radius = c.get("radius") if isinstance(c, dict) else None
        if not (isinstance(centre, list) and len(centre) == 2 and _is_number(radius)):
            fault("plan_field", f"geoFence circle #{k}: needs circle.center [lat, lon] and circle.radius")
            continue
        shapes.append(FenceShape("circle", circ.get("inclusion") is not False, ((float(centre[0]), float(centre[1])),),
                                 float(radius)))
        if circ.get("inclusion") is False:
            lon, lat = geo.destination([centre[1]] * 72, [centre[0]] * 72, [i * 5.0 for i in range(72)],
                                       [float(radius)] * 72)
            zones.append(Zone(f"geofence circle #{k}", Polygon(zip(lon, lat, strict=True)) if radius > 0
                              else Point(centre[1], centre[0])))
    return zones


# ---------------------------------------------------------------------------------------------------
# No-fly zones


def read_nofly(path: Path) -> list[Zone]:
    """No-fly zones from any vector file: an area file's ``nofly`` tasks if it has any, else every polygon
    feature of every layer (named by a ``name`` property when there is one). Raises InputError.
    """
    path = Path(path)
    try:
        tasks, _ = read_areas(path)
    except InputError as exc:
        zones = _plain_polygons(path)
        if not zones:
            raise InputError(f"{exc} (and no polygon features to use as no-fly zones)") from None
        return zones
    polygons = [t for t in tasks if t.geometry.geom_type in ("Polygon", "MultiPolygon")]
    nofly = [t for t in polygons if t.kind == "nofly"] or polygons
    if not nofly:
        raise InputError(f"{path}: holds no polygon to use as a no-fly zone")
    return [Zone(t.name, t.geometry) for t in nofly]


def _plain_polygons(path: Path) -> list[Zone]:
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception:  # GDAL raises several types for unreadable data
        return []
    zones: list[Zone] = []
    for layer in layers:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame = pyogrio.read_dataframe(path, layer=layer)
        except Exception:
            continue
        if len(frame) == 0 or frame.crs is None:
            continue
        if not frame.crs.equals("EPSG:4326"):
            frame = frame.to_crs("EPSG:4326")
        names = next((c for c in frame.columns if str(c).lower() == "name"), None)
        for k, geom in enumerate(frame.geometry):
            if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon"):
                continue
            label = str(frame[names].iloc[k]) if names is not None else f"{path.stem} #{k + 1}"
            zones.append(Zone(label, shapely.force_2d(geom)))
    return zones
