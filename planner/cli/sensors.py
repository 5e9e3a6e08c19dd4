"""``planner sensors list``: the sensor catalogue."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from planner.cli._console import out

app = typer.Typer(help="Sensor catalogue.", no_args_is_help=True)


@app.command("list")
def list_command(as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False) -> None:
    """List the built-in sensors: capability, mass, look direction, range and swath."""
    from rich.table import Table

    from planner.io.profiles import load_sensors

    sensors = load_sensors()
    if as_json:
        out.print_json(json.dumps([s.as_dict() for s in sensors.values()]))
        return
    table = Table(title="Sensor catalogue (figures are planning assumptions)")
    for col in ("name", "capability", "mass kg", "power W", "look", "slant range km", "swath km", "alt band m"):
        table.add_column(col)
    for s in sensors.values():
        table.add_row(s.name, s.capability, f"{s.mass_kg:g}", f"{s.power_w:g}", s.look,
                      f"{s.slant_range_m / 1000:g}", f"{s.swath_m / 1000:g}", f"{s.min_alt_m:g}-{s.max_alt_m:g}")
    from planner.cli._tables import fit

    out.print(fit(table, out, whole=("name", "mass kg", "power W", "slant range km", "swath km", "alt band m")))
