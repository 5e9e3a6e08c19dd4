"""``planner sensors list``: the sensor catalogue."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from planner.cli._console import out

app = typer.Typer(help="Sensor catalogue.", no_args_is_help=True)


SHOWN_HEIGHT_M = 5000.0  # height above the ground at which the table shows what each sensor maps


@app.command("list")
def list_command(as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False) -> None:
    """List the built-in sensors: capability, mass, power, look, what they watch and map, and their limits."""
    from rich.table import Table

    from planner.io.profiles import load_sensors

    sensors = load_sensors()
    if as_json:
        out.print_json(json.dumps([s.as_dict() for s in sensors.values()]))
        return
    from planner.cli._tables import fit  # lazy, as the imports above: keeps `planner --help` fast

    table = Table(title="Sensor catalogue (figures are planning assumptions)")
    for col in ("name", "capability", "mass kg", "power W", "look", "targets", "alt band m"):
        table.add_column(col)
    for s in sensors.values():
        look = f"side {s.sides}" if s.look == "side" else s.look
        table.add_row(s.name, s.capability, f"{s.mass_kg:g}", f"{s.power_w:g}", look,
                      "-" if s.look == "omni" else s.targets,
                      f"{s.min_alt_m:g}-{s.max_alt_m:g}")
    table.caption = "targets: one at a time (a turret, a radar spot) or all in the footprint at once"
    out.print(fit(table, out, whole=("name", "mass kg", "power W", "alt band m")))
    geometry = Table(title="Sensor geometry")
    for col in ("name", "slant km", "depression", "fov", "swath cap km", "squint",
                f"maps at {SHOWN_HEIGHT_M / 1000:g} km AGL, km"):
        geometry.add_column(col)
    for s in sensors.values():
        geometry.add_row(s.name, f"{s.slant_range_m / 1000:g}" if s.slant_range_m else "-",
                         "-" if s.look == "omni" else f"{s.min_depression_deg:g}–{s.max_depression_deg:g}°",
                         f"{s.fov_deg:g}°" if s.fov_deg else "-", f"{s.swath_m / 1000:g}" if s.swath_m else "-",
                         f"{s.squint_deg:g}°" if s.look == "side" else "-", _strips(s.strips_m(SHOWN_HEIGHT_M)))
    geometry.caption = ("depression: shallowest (far) to steepest (near) line of sight below level; maps: the ground "
                        "strips imaged beside the track (− left, + right); docs/scenario.md#sensor-catalogue")
    out.print(fit(geometry, out, whole=("name", "slant km", "fov")))


def _strips(strips: tuple[tuple[float, float], ...]) -> str:
    """Cross-track strips as text, km: ±w/2 under the track, near…far on a side."""
    if not strips:
        return "-"
    return ", ".join(f"±{hi / 1000:.3g}" if lo == -hi else f"{lo / 1000:+.3g}…{hi / 1000:+.3g}" for lo, hi in strips)
