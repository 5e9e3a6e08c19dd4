"""``planner relief``: plan the relief rotation of persistent orbits and write one mission per launch."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from planner.cli._console import err
from planner.cli._options import autopilot_name, handover_min, horizon_h, positive_seconds, whole_number


def relief_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file with persistent orbits (persistent_h or "
                                                  "a [persistent] table).", show_default=False)],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Output folder (default ./<name>-relief-plan).")
    ] = None,
    horizon: Annotated[
        float | None, typer.Option("--horizon", help="Hours of coverage for every orbit without persistent_h.",
                                           callback=horizon_h)
    ] = None,
    handover: Annotated[
        float | None, typer.Option("--handover", help="Minutes both aircraft are on station at a relief.",
                                            callback=handover_min)
    ] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="CP-SAT time limit, seconds.",
                                                                 callback=positive_seconds)] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed of CP-SAT.", callback=whole_number)] = None,
    autopilot: Annotated[
        str | None, typer.Option("--autopilot", help="Target autopilot: ardupilot (default) or px4.", callback=autopilot_name)
    ] = None,
    fleet_search: Annotated[
        bool, typer.Option("--fleet-search/--no-fleet-search", help="Find the smallest fleet giving 100 %.")
    ] = True,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a plan already in the folder.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
) -> None:
    """Plan relief on station for SCENARIO's persistent orbits: launches, coverage and gaps, fleet needed."""
    from planner.api import relief_scenario
    from planner.cli._summary import render_result

    with err.status("planning relief on station") if err.is_terminal else nullcontext():
        result, written, out_dir = relief_scenario(
            scenario, output, horizon_h=horizon, handover_min=handover, time_limit_s=time_limit, seed=seed,
            autopilot=autopilot, smallest_fleet=fleet_search, overwrite=overwrite,
        )
    render_result(result, written, out_dir, as_json=as_json)
