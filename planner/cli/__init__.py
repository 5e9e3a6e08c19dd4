"""The ``planner`` command line: one module per command group; each parses, calls one library function
and renders. Heavy imports happen inside commands so ``planner --help`` stays instant."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from planner import __version__
from planner.cli import aircraft as _aircraft
from planner.cli import batch as _batch
from planner.cli import check as _check
from planner.cli import plan as _plan
from planner.cli import relief as _relief
from planner.cli import sensors as _sensors
from planner.cli import show as _show
from planner.cli import upload as _upload
from planner.cli._console import err
from planner.cli._help import tidy_help
from planner.core.errors import PlannerError

__all__ = ["BATCH_INTERRUPTED", "INTERRUPTED", "app", "interrupted_line", "main"]

INTERRUPTED = "interrupted; nothing written"
BATCH_INTERRUPTED = "interrupted; scenarios finished so far are kept (run the same command again to resume)"

app = typer.Typer(
    name="planner",
    help="Plan ISR flights for long-endurance fixed-wing UAVs: area files in, autopilot mission files out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        print(f"planner {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the planner's version and exit.",
                                          callback=_version, is_eager=True)] = False,
) -> None:
    """Plan ISR flights for long-endurance fixed-wing UAVs: area files in, autopilot mission files out."""


app.command("plan")(_plan.plan_command)
app.command("check")(_check.check_command)
app.command("show")(_show.show_command)
app.command("batch")(_batch.batch_command)
app.command("relief")(_relief.relief_command)
app.command("upload")(_upload.upload_command)
app.add_typer(_aircraft.app, name="aircraft")
app.add_typer(_sensors.app, name="sensors")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; map the error tree to exit codes (2 usage, 3 input, 4 infeasible, 5 output).

    typer/click handle usage errors themselves (exit 2, message on stderr) in standalone mode; Ctrl-C
    stops with exit 130 and a line saying so.
    """
    try:
        tidy_help(typer.main.get_command(app))(args=argv, prog_name="planner", standalone_mode=True)
    except PlannerError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        err.print(interrupted_line(argv))
        return 130
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if code == 130:  # typer turns Ctrl-C into a silent exit 130
            err.print(interrupted_line(argv))
        return code
    return 0



def interrupted_line(argv: list[str] | None = None) -> str:
    """What Ctrl-C leaves behind: nothing, except a batch's finished scenarios and summary."""
    args = sys.argv[1:] if argv is None else argv
    return BATCH_INTERRUPTED if args[:1] == ["batch"] else INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
