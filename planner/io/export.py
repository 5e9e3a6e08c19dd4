"""Writes every output of a plan into one folder, atomically, refusing to overwrite without permission."""

from __future__ import annotations

import json
from pathlib import Path

from planner.core.errors import OutputError
from planner.io.atomic import write_bytes
from planner.io.geojson import format_geojson
from planner.io.kml import format_kml
from planner.io.param_file import PARAM_FILE, format_param_file
from planner.io.plan_json import format_plan_json, sortie_file_stem, sortie_record
from planner.io.qgc_plan import format_qgc_plan
from planner.io.timeline_csv import format_timeline_csv
from planner.io.waypoints import format_waypoints
from planner.missions.items import mission_items
from planner.missions.parameters import ardupilot_parameters
from planner.model.plan import Plan, Position

__all__ = ["export_plan", "planned_files"]

RALLY_AGL_M = 300.0
"""Height of every rally point above its base's field (m); written relative to the sortie's home."""


def planned_files(plan: Plan, *, pictures: bool = True) -> dict[str, bytes]:
    """Every output file name and its bytes (text as UTF-8), in writing order (``plan.json`` last).

    ``pictures`` false leaves out ``map.png``, ``map.svg``, ``timeline.png`` and, with terrain, each sortie's
    ``profile-<sortie>.png`` (about a second a plan). An ArduPilot plan also gets ``ardupilot.param``: the
    parameters its missions rely on.
    """
    files: dict[str, str | bytes] = {}
    flown = []
    for s in plan.sorties:
        items = mission_items(s, plan.autopilot, plan.wind, plan.terrain)
        flown.append((s.aircraft, items))
        home = Position(s.base.lon, s.base.lat, s.base.elev_m)
        # rally altitudes are relative to home: RALLY_AGL_M above each base's own field
        rally = [Position(b.lon, b.lat, b.elev_m + RALLY_AGL_M - s.base.elev_m) for b in plan.bases]
        stem = sortie_file_stem(s)
        files[f"{stem}.waypoints"] = format_waypoints(home, items)
        files[f"{stem}.plan"] = format_qgc_plan(
            home, items, autopilot=plan.autopilot, cruise_speed_mps=s.aircraft.cruise_speed_mps,
            nofly=plan.nofly, rally=rally, planner=sortie_record(s),
        )
    if plan.autopilot == "ardupilot" and flown:
        files[PARAM_FILE] = format_param_file(ardupilot_parameters(flown, geofence=bool(plan.nofly)), plan_name=plan.name)
    files["plan.geojson"] = format_geojson(plan)
    files["plan.kml"] = format_kml(plan)
    files["timeline.csv"] = format_timeline_csv(plan)
    if pictures:
        # matplotlib loads only when pictures are drawn
        from planner.render.figure import render
        from planner.render.map import map_figure
        from planner.render.timeline import timeline_figure

        drawn = map_figure(plan)
        files["map.png"] = render(drawn, "png")
        files["map.svg"] = render(drawn, "svg")
        files["timeline.png"] = render(timeline_figure(plan), "png")
        if plan.terrain is not None:
            from planner.render.terrain import profile_figure  # with the other pictures: matplotlib only here

            for i, s in enumerate(plan.sorties):
                files[f"profile-{sortie_file_stem(s)}.png"] = render(profile_figure(plan, s, i), "png")
    files["plan.json"] = format_plan_json(plan)
    return {name: data.encode("utf-8") if isinstance(data, str) else data for name, data in files.items()}


def _previous_sortie_files(out_dir: Path) -> set[str]:
    try:
        doc = json.loads((out_dir / "plan.json").read_text(encoding="utf-8"))
        return {name for s in doc.get("sorties", []) for name in s.get("files", {}).values()}
    except (OSError, ValueError, AttributeError, TypeError):
        return set()


def export_plan(plan: Plan, out_dir: Path, *, overwrite: bool = False, pictures: bool = True) -> list[Path]:
    """Write all outputs of ``plan`` into ``out_dir``; returns the paths written.

    Nothing is written when any output exists and ``overwrite`` is false (OutputError). With
    ``overwrite``, mission files of sorties (and the parameter file) an earlier plan in this folder had
    and this one lacks are removed, so the folder never mixes two plans. Each file is written atomically.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir} exists and is not a folder")
    files = planned_files(plan, pictures=pictures)
    if not overwrite:
        clash = sorted(name for name in files if (out_dir / name).exists())
        if clash:
            raise OutputError(f"{out_dir} already holds {', '.join(clash[:3])}{' …' if len(clash) > 3 else ''}; "
                              f"pass --overwrite to replace the plan there")
    stale = (_previous_sortie_files(out_dir) | {PARAM_FILE}) - set(files) if overwrite else set()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {out_dir}: {exc.strerror or exc}") from exc
    written = []
    for name, data in files.items():
        write_bytes(out_dir / name, data, overwrite=True)
        written.append(out_dir / name)
    for name in sorted(stale):
        if "/" not in name and (out_dir / name).is_file():
            try:
                (out_dir / name).unlink()
            except OSError as exc:
                raise OutputError(f"cannot remove stale {out_dir / name}: {exc.strerror or exc}") from exc
    return written
