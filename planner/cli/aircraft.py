"""``planner aircraft list|show``: the built-in aircraft profiles."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from planner.cli._console import out

app = typer.Typer(help="Aircraft profiles.", no_args_is_help=True)


@app.command("list")
def list_command(as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False) -> None:
    """List the built-in aircraft profiles."""
    from rich.table import Table

    from planner.io.profiles import builtin_aircraft

    crafts = builtin_aircraft()
    if as_json:
        out.print_json(json.dumps([c.as_dict() for c in crafts.values()]))
        return
    table = Table(title="Aircraft profiles")
    for col in ("name", "endurance h", "payload kg", "cruise m/s", "loiter m/s", "ceiling m", "description"):
        table.add_column(col, justify="right" if "m" in col.split()[-1] or col.endswith(("h", "kg")) else "left")
    for c in crafts.values():
        table.add_row(c.name, f"{c.endurance_h:g}", f"{c.max_payload_kg:g}", f"{c.cruise_speed_mps:g}",
                      f"{c.loiter_speed_mps:g}", f"{c.ceiling_m:g}", c.description)
    from planner.cli._tables import fit

    out.print(fit(table, out, whole=("name", "endurance h", "payload kg", "cruise m/s", "loiter m/s", "ceiling m")))


@app.command("show")
def show_command(
    name: Annotated[str, typer.Argument(help="Built-in profile name or a profile .toml path.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON with unit-suffixed keys.")] = False,
) -> None:
    """Show one aircraft profile; figures that are assumptions are marked."""
    from rich.table import Table

    from planner.io.profiles import load_aircraft

    craft = load_aircraft(name)
    if as_json:
        out.print_json(json.dumps(craft.as_dict()))
        return
    table = Table(title=f"{craft.name}: {craft.description}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("source")
    for key, value in craft.as_numbers().items():
        source = "public" if key in craft.public else ("assumption" if key in craft.assumed else "")
        table.add_row(key, f"{value:g}", source)
    out.print(table)
