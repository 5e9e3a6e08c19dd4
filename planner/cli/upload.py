"""``planner upload FILE --connect CONN``: put a mission (and a .plan's fence and rally points, and a parameter
file) on a vehicle over MAVLink and read it back; exit 0 when it matches, 4 when refused or different, 5
when no vehicle answers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.cli._console import err, out

__all__ = ["upload_command"]

_UNREADABLE = ("unreadable", "uncheckable")


def upload_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Mission file: .waypoints (QGC WPL 110) or QGroundControl .plan.")],
    connect: Annotated[
        str,
        typer.Option("--connect", help="MAVLink connection as pymavlink takes it: tcp:HOST:PORT, tcpin:HOST:PORT, "
                     "udpin:HOST:PORT, udpout:HOST:PORT, or a serial device (with --baud)."),
    ],
    baud: Annotated[int, typer.Option("--baud", help="Serial baud rate.", min=1)] = 115200,
    params: Annotated[
        Path | None,
        typer.Option("--params", help="ArduPilot parameter file to set as well, e.g. the plan folder's ardupilot.param."),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for the vehicle's heartbeat and for each transfer.", min=0.1)
    ] = 30.0,
) -> None:
    """Upload FILE to the vehicle on CONN over the MAVLink mission protocol, then read everything back.

    With a .plan, its geofence and rally points go up too; --params sets a parameter file. It never arms, changes mode or commands flight.

    Exit 0 when the read-back matches, 4 when the vehicle refuses or the read-back differs, 5 when no vehicle answers, 3 when FILE cannot be read.
    """
    # pymavlink and rich's progress load only for this command, so `planner --help` stays instant
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from planner.core.errors import InputError, VehicleRefused
    from planner.io.mavlink import upload_to_vehicle
    from planner.io.mission_file import read_mission
    from planner.io.param_file import read_param_file

    mission = read_mission(file)
    lost = [f for f in mission.faults if f.code in _UNREADABLE]
    if lost:
        raise InputError(f"{file}: {len(lost)} item(s) cannot be read ({lost[0].message}); not uploading part of a mission")
    parameters = read_param_file(params) if params is not None else None
    err.print(f"waiting for a vehicle on {connect} …", soft_wrap=True)
    with Progress(TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(), console=err,
                  transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done, total=total)

        report = upload_to_vehicle(connect, mission, baud=baud, parameters=parameters, progress=progress,
                                   timeout_s=timeout)
    where = f"system {report.system}"
    if not report.ok:
        problems = [f"{what} {d}" for what, ds in report.differences.items() for d in ds]
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        raise VehicleRefused(f"read-back from {where} differs: {problems[0]}{more}")
    labels = {"mission": "mission items", "geofence": "fence items"}
    counts = ", ".join(f"{n} {labels.get(what, what)}" for what, n in report.counts.items())
    out.print(f"uploaded {file.name} to {where} ({report.autopilot}): {counts}; read back and matched", soft_wrap=True)
