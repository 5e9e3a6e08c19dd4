"""``planner check FILE…``: check mission files (ours or another tool's) on paper, and with ``--coverage`` what
their sensors see of the tasks of area files; exit 4 on any fault or a task below the coverage asked."""

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
    from planner.missions.coverage import CoverageReport
    from planner.missions.file_model import Finding, Mission
    from planner.model.aircraft import Aircraft
    from planner.model.scenario import Wind
    from planner.model.sensors import Sensor
    from planner.model.terrain import Terrain

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
        list[str] | None,
        typer.Option("--aircraft", help="Built-in profile name or profile .toml (default: the aircraft the planner "
                     "recorded for the file); without either only the checks that need no performance figures run. "
                     "Once for every file, or once per file in order."),
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
        float | None, typer.Option("--payload-kg", help="Payload carried, kg (default: the --payload sensors' mass, "
                                   "else the payload the planner recorded for the file, else the profile's reference "
                                   "payload, with a warning).")
    ] = None,
    autopilot: Annotated[
        str, typer.Option("--autopilot", help="Rules to check against: ardupilot or px4.", callback=autopilot_name)
    ] = "ardupilot",
    coverage: Annotated[bool, typer.Option("--coverage", help="Also measure what the carried sensors see of every "
                                           "task in --areas.")] = False,
    areas: Annotated[
        list[Path] | None, typer.Option("--areas", help="Area file of the tasks to judge, for --coverage (repeatable).")
    ] = None,
    payload: Annotated[
        list[str] | None,
        typer.Option("--payload", help="Sensors carried, S1,S2 (catalogue names): once for every file, or once per "
                     "file in order. Default for --coverage: the loadout the planner recorded for the file, else "
                     "every catalogue sensor, with a warning."),
    ] = None,
    sensors: Annotated[
        Path | None, typer.Option("--sensors", help="Sensor catalogue .toml (default: the built-in one).")
    ] = None,
    tasks: Annotated[
        str | None, typer.Option("--tasks", help="Judge only these tasks of --areas: NAME,NAME,...")
    ] = None,
    min_coverage: Annotated[
        float, typer.Option("--min-coverage", help="Coverage a judged task needs, percent (exit 4 below).")
    ] = 95.0,
    params: Annotated[
        Path | None,
        typer.Option("--params", help="ArduPilot parameter file the vehicle will have (e.g. the plan's ardupilot.param); "
                     "without it, each parameter the mission relies on is a warning."),
    ] = None,
    terrain: Annotated[
        list[Path] | None,
        typer.Option("--terrain", help="DEM (any raster GDAL reads, metres AMSL; repeat for tiles): every leg and "
                     "loiter circle must keep --clearance-m above the ground."),
    ] = None,
    clearance_m: Annotated[
        float, typer.Option("--clearance-m", help="Clearance above the ground with --terrain, metres.", min=0.0)
    ] = 300.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document (a list, one entry per file; with "
                                          "--coverage an object with files and coverage).")] = False,
) -> None:
    """Fly each mission FILE on paper and report distance, time, endurance margin and every fault found;
    with --coverage, also how much of each task in --areas the carried sensors see.

    Exit 0 when all files are clean (and every judged task covered), 4 when any check fails, 3 when an
    input cannot be read.
    """
    from planner.core.errors import InputError, PlannerError
    from planner.io.dem import mission_terrain
    from planner.io.mission_file import read_mission, read_nofly
    from planner.io.param_file import read_param_file
    from planner.missions.check import check_mission
    from planner.missions.file_model import Zone
    from planner.model.scenario import Reserve

    try:
        reserve_rule = Reserve(fraction=reserve, min_minutes=reserve_min)
    except InputError as exc:
        raise typer.BadParameter(str(exc), param_hint="--reserve / --reserve-min") from None
    wind_value = _wind(wind)
    _check_options(files, coverage, aircraft, payload, areas, tasks, min_coverage)
    try:
        crafts = _per_file(files, aircraft, _aircraft, None)
        loads = _per_file(files, payload, lambda text: _payload(text, sensors), ())
        for craft, load in zip(crafts, loads, strict=True):
            if craft is not None and (payload_kg is not None or load):
                try:  # refuse a payload above the profile's maximum up front
                    craft.endurance_s(payload_kg if payload_kg is not None else sum(s.mass_kg for s in load))
                except InputError as exc:
                    hint = "--payload-kg" if payload_kg is not None else "--payload"
                    raise typer.BadParameter(str(exc), param_hint=hint) from None
        zones: list[Zone] = []
        for path in nofly or []:
            zones.extend(read_nofly(path))
        judged_tasks = _tasks(areas or [], tasks) if coverage else None
        catalogue = _catalogue(sensors) if coverage else {}
        parameters = read_param_file(params) if params is not None else None
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
            ground = mission_terrain(terrain, [m for _, m in read if not isinstance(m, str)], clearance_m,
                                     [t for t in judged_tasks or [] if t.kind != "nofly"])
        except PlannerError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
    results: list[tuple[Path, CheckReport | str]] = []
    missions = []
    notes: dict[str, tuple[Finding, ...]] = {}
    for k, (path, mission) in enumerate(read):
        if isinstance(mission, str):
            results.append((path, mission))
            continue
        given_kg = payload_kg if payload_kg is not None or not loads[k] else sum(s.mass_kg for s in loads[k])
        craft, kg, found = _flown_as(mission, crafts[k], given_kg)
        carried: tuple[Sensor, ...] = ()
        if coverage:
            if craft is None:
                raise typer.BadParameter(f"{path.name}: --coverage needs the aircraft flying it (speeds and times), "
                                         "and the planner recorded none", param_hint="--aircraft")
            carried, more = _carried(mission, craft, loads[k], catalogue)
            found += more
        notes[str(path)] = found
        missions.append((path, mission, craft, carried, kg))
        if not coverage:
            report = check_mission(mission, aircraft=craft, wind=wind_value, reserve=reserve_rule,
                                   payload_kg=kg, autopilot=autopilot, nofly=zones, parameters=parameters,
                                   terrain=ground)
            results.append((path, _noted(report, found)))
    measured = None
    if coverage and judged_tasks is not None:
        measured = _coverage(missions, judged_tasks, tasks, wind_value, reserve_rule, autopilot, zones, min_coverage,
                             parameters, ground)
        by_source = {r.source: _noted(r, notes[r.source]) for r in measured.files}
        results += [(path, by_source[str(path)]) for path, *_ in missions]
        results.sort(key=lambda pr: files.index(pr[0]))
    unreadable = any(isinstance(r, str) for _, r in results)
    failed = any(not isinstance(r, str) and not r.ok for _, r in results) or (measured is not None and not measured.ok)
    if as_json:
        doc: list[dict[str, Any]] = [
            {"file": str(p), "error": r, "ok": False} if isinstance(r, str) else r.as_dict() for p, r in results
        ]
        if measured is None:
            out.print_json(json.dumps(doc))
        else:
            out.print_json(json.dumps({**measured.as_dict(), "files": doc, "ok": not (failed or unreadable)}))
    else:
        _render(results)
        if measured is not None:
            _render_coverage(measured)
    if unreadable:
        raise typer.Exit(3)
    if failed:
        raise typer.Exit(4)


def _noted(report: CheckReport, notes: tuple[Finding, ...]) -> CheckReport:
    """``report`` with ``notes`` added to its warnings."""
    return replace(report, warnings=report.warnings + notes) if notes else report


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


def _carried(mission: Mission, craft: Aircraft, given: tuple[Sensor, ...], catalogue: dict[str, Sensor]
             ) -> tuple[tuple[Sensor, ...], tuple[Finding, ...]]:
    """The sensors ``mission`` is judged carrying: ``--payload`` when given, else the loadout the planner recorded
    for the file (when flown by the aircraft recorded), else every catalogue sensor; a warning when guessed."""
    from planner.missions.file_model import Finding

    if given:
        return given, ()
    planned = mission.planned
    if planned is not None and craft.name == planned.aircraft and all(n in catalogue for n in planned.loadout):
        return tuple(catalogue[n] for n in planned.loadout), ()
    why = ("its recorded loadout names a sensor not in the catalogue" if planned is not None
           and craft.name == planned.aircraft else "no --payload given or loadout recorded by the planner")
    return tuple(catalogue.values()), (Finding("payload", f"{why}: judged carrying every catalogue sensor"),)


def _check_options(files: list[Path], coverage: bool, aircraft: list[str] | None, payload: list[str] | None,
                   areas: list[Path] | None, tasks: str | None, min_coverage: float) -> None:
    """Usage errors (exit 2) among the options before anything is read."""
    if coverage and not areas:
        raise typer.BadParameter("--coverage needs the tasks to judge: give --areas FILE", param_hint="--areas")
    if not coverage and (areas or tasks):
        raise typer.BadParameter("--areas and --tasks go with --coverage", param_hint="--coverage")
    for name, values in (("--aircraft", aircraft), ("--payload", payload)):
        if values and len(values) not in (1, len(files)):
            raise typer.BadParameter(f"give it once for every file or once per file ({len(files)}), not "
                                     f"{len(values)} times", param_hint=name)
    if not 0.0 <= min_coverage <= 100.0:
        raise typer.BadParameter(f"{min_coverage:g} is not a percentage within 0-100", param_hint="--min-coverage")


def _per_file(files: list[Path], values: list[str] | None, make: Any, default: Any) -> list[Any]:
    """One value per file from an option given once or once per file (``default`` when not given)."""
    if not values:
        return [default] * len(files)
    made = [make(v) for v in values]
    return made * len(files) if len(made) == 1 else made


def _aircraft(name: str) -> Any:
    from planner.io.profiles import load_aircraft

    return load_aircraft(name)


def _catalogue(path: Path | None) -> dict[str, Any]:
    from planner.io.profiles import load_sensors

    return load_sensors(path)


def _payload(text: str, catalogue: Path | None) -> tuple[Any, ...]:
    """The sensors named S1,S2 in the catalogue (InputError for an unknown name)."""
    from planner.core.errors import InputError

    known = _catalogue(catalogue)
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InputError(f"--payload: no sensor {', '.join(repr(n) for n in unknown)} in the catalogue "
                         f"(known: {', '.join(sorted(known))})")
    return tuple(known[n] for n in names)


def _tasks(areas: list[Path], names: str | None) -> list[Any]:
    """Every task of the area files; with ``names``, checked that each is one of them (exit 2 if not)."""
    from planner.io.areas import read_areas

    found = [t for path in areas for t in read_areas(path)[0]]
    if names is not None:
        known = {t.name for t in found if t.kind != "nofly"}
        missing = [n.strip() for n in names.split(",") if n.strip() and n.strip() not in known]
        if missing:
            raise typer.BadParameter(f"no task {', '.join(repr(n) for n in missing)} in the area files",
                                     param_hint="--tasks")
    return found


def _coverage(missions: list[Any], found: list[Any], names: str | None, wind: Wind, reserve: Any, autopilot: str,
              zones: list[Any], min_percent: float, parameters: dict[str, float] | None,
              terrain: Terrain | None) -> CoverageReport:
    from planner.missions.coverage import Flown, check_coverage

    flown = [Flown(mission, craft, load, kg) for _, mission, craft, load, kg in missions]
    judged = [n.strip() for n in names.split(",") if n.strip()] if names is not None else None
    return check_coverage(flown, found, wind=wind, reserve=reserve, autopilot=autopilot, nofly=zones,
                          judged=judged, min_coverage=min_percent / 100.0, parameters=parameters, terrain=terrain)


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


def _render_coverage(report: CoverageReport) -> None:
    from rich.table import Table

    table = Table(title=f"Coverage (each judged task needs {report.min_coverage:.0%})")
    for col in ("task", "kind", "sensors", "coverage", "detail", "result"):
        table.add_column(col, justify="right" if col == "coverage" else "left")
    for m in report.tasks:
        detail = (f"{_hm(m.watched_s)} watched of {_hm(m.asked_s)}" if m.measure == "dwell"
                  else f"share of the {m.measure} imaged")
        low = m.coverage < report.min_coverage - 1e-9
        result = f"[red]low[/red]{': ' + escape(m.note) if m.note else ''}" if low else "[green]ok[/green]"
        table.add_row(escape(m.task), m.kind, ", ".join(m.sensors) or "-", f"{m.coverage:.1%}", detail, result)
    table.caption = "dwell: time the target is in view (a pointed sensor: with the ROI on it); h:mm"
    out.print(fit(table, out, whole=("coverage",), droppable=("kind", "sensors")))
