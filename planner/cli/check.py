"""``planner check FILE…``: check mission files (ours or another tool's) on paper; exit 4 on any fault."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from planner.cli._console import err, out
from planner.cli._options import autopilot_name
from planner.cli._tables import fit

if TYPE_CHECKING:
    from planner.missions.check import CheckReport
    from planner.missions.file_model import Finding, Mission
    from planner.model.aircraft import Aircraft
    from planner.model.scenario import Wind

__all__ = ["check_command"]


def _wind(text: str | None) -> Wind:
    from planner.core.errors import InputError
    from planner.model.scenario import Wind

    if text is None:
        return Wind()
    parts = text.replace("@", "/").split("/")
    try:
        from_deg, speed = (float(p) for p in parts)
        return Wind(from_deg=from_deg % 360.0, speed_mps=speed)
    except (ValueError, InputError) as exc:
        detail = str(exc) if isinstance(exc, InputError) else "use FROM_DEG/SPEED_MPS, e.g. 290/8"
        raise typer.BadParameter(f"{text!r}: {detail}", param_hint="--wind") from None


def check_command(
    files: Annotated[
        list[Path], typer.Argument(metavar="FILE...", help="Mission files: .waypoints (QGC WPL 110) or QGroundControl .plan.")
    ],
    aircraft: Annotated[
        str | None,
        typer.Option("--aircraft", help="Built-in profile name or profile .toml (default: the aircraft the planner "
                     "recorded for the file); without either only the checks that need no performance figures run."),
    ] = None,
    wind: Annotated[
        str | None, typer.Option("--wind", help="Constant wind FROM_DEG/SPEED_MPS (direction it blows from), e.g. 290/8.")
    ] = None,
    nofly: Annotated[
        list[Path] | None, typer.Option("--nofly", help="Vector file of no-fly polygons (repeatable).")
    ] = None,
    reserve: Annotated[float, typer.Option("--reserve", help="Reserve as a fraction of endurance.")] = 0.10,
    reserve_min: Annotated[float, typer.Option("--reserve-min", help="Minimum reserve, minutes (the larger applies).")] = 45.0,
    payload_kg: Annotated[
        float | None, typer.Option("--payload-kg", help="Payload carried, kg (default: the payload the planner "
                                   "recorded for the file, else the profile's reference payload, with a warning).")
    ] = None,
    autopilot: Annotated[
        str, typer.Option("--autopilot", help="Rules to check against: ardupilot or px4.", callback=autopilot_name)
    ] = "ardupilot",
    terrain: Annotated[
        list[Path] | None,
        typer.Option("--terrain", help="DEM (any raster GDAL reads, metres AMSL; repeat for tiles): every leg and "
                     "loiter circle must keep --clearance-m above the ground."),
    ] = None,
    clearance_m: Annotated[
        float, typer.Option("--clearance-m", help="Clearance above the ground with --terrain, metres.", min=0.0)
    ] = 300.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document (a list, one entry per file).")] = False,
) -> None:
    """Fly each mission FILE on paper and report distance, time, endurance margin and every fault found.

    Exit 0 when all files are clean, 4 when any check fails, 3 when an input cannot be read.
    """
    from planner.core.errors import InputError, PlannerError
    from planner.io.dem import mission_terrain
    from planner.io.mission_file import read_mission, read_nofly
    from planner.missions.check import check_mission
    from planner.missions.file_model import Zone
    from planner.model.scenario import Reserve

    try:
        reserve_rule = Reserve(fraction=reserve, min_minutes=reserve_min)
    except InputError as exc:
        raise typer.BadParameter(str(exc), param_hint="--reserve / --reserve-min") from None
    wind_value = _wind(wind)
    try:
        craft = None
        if aircraft is not None:
            from planner.io.profiles import load_aircraft

            craft = load_aircraft(aircraft)
            if payload_kg is not None:
                try:
                    craft.endurance_s(payload_kg)  # refuse a payload above the profile's maximum up front
                except InputError as exc:
                    raise typer.BadParameter(str(exc), param_hint="--payload-kg") from None
        zones: list[Zone] = []
        for path in nofly or []:
            zones.extend(read_nofly(path))
    except PlannerError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    read: list[tuple[Path, Mission | str]] = []
    for path in files:
        try:
            read.append((path, read_mission(path)))
        except InputError as exc:
            read.append((path, str(exc)))
    ground = None
    if terrain:
        try:
            ground = mission_terrain(terrain, [m for _, m in read if not isinstance(m, str)], clearance_m)
        except PlannerError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
    results: list[tuple[Path, CheckReport | str]] = []
    for path, mission in read:
        if isinstance(mission, str):
            results.append((path, mission))
            continue
        try:
            flown, payload, notes = _flown_as(mission, craft, payload_kg)
            report = check_mission(mission, aircraft=flown, wind=wind_value, reserve=reserve_rule,
                                   payload_kg=payload, autopilot=autopilot, nofly=zones, terrain=ground)
            results.append((path, replace(report, warnings=report.warnings + notes) if notes else report))
        except InputError as exc:
            results.append((path, str(exc)))
    unreadable = any(isinstance(r, str) for _, r in results)
    failed = any(not isinstance(r, str) and not r.ok for _, r in results)
    if as_json:
        doc: list[dict[str, Any]] = [
            {"file": str(p), "error": r, "ok": False} if isinstance(r, str) else r.as_dict() for p, r in results
        ]
        out.print_json(json.dumps(doc))
    else:
        _render(results)
    if unreadable:
        raise typer.Exit(3)
    if failed:
        raise typer.Exit(4)


def _flown_as(mission: Mission, craft: Aircraft | None, payload_kg: float | None
              ) -> tuple[Aircraft | None, float | None, tuple[Finding, ...]]:
    """The aircraft and payload to fly ``mission`` with: ``--aircraft`` and ``--payload-kg`` when given, else what
    the planner recorded for the file (its aircraft when a built-in profile, its payload when the aircraft is
    the one recorded); warnings for what could not be used."""
    from planner.core.errors import InputError
    from planner.io.profiles import load_aircraft
    from planner.missions.file_model import Finding

    planned = mission.planned
    notes: tuple[Finding, ...] = ()
    if craft is None and planned is not None:
        try:
            craft = load_aircraft(planned.aircraft)
        except InputError:
            notes = (Finding("aircraft", f"{planned.source} records aircraft '{planned.aircraft}', which is not a "
                             "built-in profile: pass --aircraft with its profile .toml to check the flight"),)
    if payload_kg is None and planned is not None and craft is not None and craft.name == planned.aircraft:
        payload_kg = planned.payload_kg
    return craft, payload_kg, notes


def _hm(seconds: float | None) -> str:
    from planner.core.units import hours_minutes

    return "-" if seconds is None else hours_minutes(seconds)


def _render(results: list[tuple[Path, CheckReport | str]]) -> None:
    from rich.table import Table

    table = Table(title="Mission check")
    for col in ("file", "items", "km", "flight", "endurance", "reserve", "margin", "sharpest turn", "result"):
        table.add_column(col, justify="left" if col in ("file", "result") else "right")
    for path, r in results:
        if isinstance(r, str):
            table.add_row(escape(path.name), "", "", "", "", "", "", "", "[red]unreadable[/red]")
            continue
        result = "[green]ok[/green]" if r.ok else f"[red]{len(r.faults)} fault{'s' * (len(r.faults) != 1)}[/red]"
        turn = "-" if r.sharpest_turn_deg is None else f"{r.sharpest_turn_deg:.0f}°"
        table.add_row(escape(path.name), str(r.items), f"{r.distance_m / 1000:,.1f}", _hm(r.flight_s),
                      _hm(r.endurance_s), _hm(r.reserve_s), _hm(r.margin_s), turn, result)
    table.caption = "times h:mm; reserve = what must be left on landing; margin = endurance − reserve − flight"
    out.print(fit(table, out, whole=("items", "km", "flight", "endurance", "reserve", "margin", "sharpest turn"),
                  droppable=("sharpest turn", "items", "endurance", "reserve")))
    for path, r in results:
        if not isinstance(r, str) and r.clearance is not None:
            c = r.clearance
            low = f"{c.lowest_m:,.0f} m" if c.lowest_m != float("-inf") else "none (unknown ground)"
            out.print(f"[bold]{escape(path.name)}[/bold]: lowest clearance {low} (needs {c.required_m:g} m) on "
                      f"{escape(c.what)} at {abs(c.lat):.4f}°{'N' if c.lat >= 0 else 'S'} "
                      f"{abs(c.lon):.4f}°{'E' if c.lon >= 0 else 'W'}")
    for path, r in results:
        if isinstance(r, str):
            out.print(f"[bold]{escape(path.name)}[/bold]: [red]cannot read[/red]: {escape(r)}")
            continue
        for f in r.faults:
            where = f" line {f.line}" if f.line else ""
            out.print(f"[bold]{escape(path.name)}[/bold]{where}: [red]{f.code}[/red] {escape(f.message)}")
        for w in r.warnings:
            where = f" line {w.line}" if w.line else ""
            err.print(f"[yellow]warning:[/yellow] {escape(path.name)}{where}: {w.code}: {escape(w.message)}")
