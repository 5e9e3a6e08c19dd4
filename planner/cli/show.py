"""``planner show``: print a saved plan's summary again, from its ``plan.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from planner.cli._console import err, out


def show_command(
    directory: Annotated[Path, typer.Argument(help="A plan folder written by `planner plan` (or its plan.json).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan summary as JSON on stdout.")] = False,
) -> None:
    """Show the plan saved in DIRECTORY: sorties, task order, unserved tasks (the same tables as `planner plan`)."""
    from planner.cli._summary import render_summary, summary_document
    from planner.io.plan_json_reader import read_plan_document

    doc = read_plan_document(directory)
    folder = directory if directory.is_dir() else directory.parent
    if as_json:
        out.print_json(json.dumps(summary_document(doc, str(folder))))
        return
    render_summary(doc)
    for note in doc.get("notes", []):
        err.print(f"[yellow]warning:[/yellow] {note}")
