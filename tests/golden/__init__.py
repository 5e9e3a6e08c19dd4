"""Golden outputs: the files a fixed set of commands writes, recorded to guard behaviour.

Each case is one ``planner`` command with an iteration budget (and a time limit far above what the
budget needs), so its outputs depend on the inputs and seed only. ``tests/test_golden.py`` runs every
case and compares what it writes with ``tests/golden/files/<case>/``: pictures (PNG) by pixels within a
small tolerance, SVG byte for byte only when the recorded matplotlib version is the installed one,
every other file byte for byte (batch timings, the one field that varies between identical runs,
are blanked first).

A change that means to alter outputs regenerates them on purpose and lets the diff show what changed::

    python -m tests.golden            # rewrite tests/golden/files/ from the current code
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FILES = Path(__file__).resolve().parent / "files"
VERSIONS = FILES / "versions.json"
_ITERATIONS = "300"
_TIME_LIMIT = "600"  # far above what the iteration budget needs: the budget, not the clock, ends the search


@dataclass(frozen=True)
class Case:
    """One recorded command: ``args`` with ``{out}`` standing for its output folder."""

    name: str
    args: tuple[str, ...]


def _sweep(work: Path) -> str:
    """A two-variant wind sweep of a copy of the first-plan example in ``work``; its path relative to it
    (batch records where each scenario came from, so the case runs inside ``work`` on relative paths)."""
    shutil.copytree(REPO / "docs" / "examples" / "first-plan", work / "first-plan", dirs_exist_ok=True)
    (work / "sweep.toml").write_text(
        '[sweep]\nname = "wind"\nscenario = "first-plan/scenario.toml"\n'
        "[sweep.set]\nsolver.max_iterations = 200\nsolver.time_limit_s = 600\n"
        "[sweep.vary]\nwind.speed_mps = [0, 12]\n"
    )
    return "sweep.toml"


CASES = (
    Case("demo", ("plan", "-o", "{out}", "--max-iterations", _ITERATIONS, "--time-limit", _TIME_LIMIT)),
    Case("first-plan", ("plan", str(REPO / "docs" / "examples" / "first-plan" / "scenario.toml"), "-o", "{out}",
                        "--max-iterations", _ITERATIONS, "--time-limit", _TIME_LIMIT)),
    # relief takes its iteration budget from the scenario's [solver] (max_iterations = 2000)
    Case("persistent-watch", ("relief", str(REPO / "areas" / "persistent_watch" / "scenario.toml"), "-o", "{out}",
                              "--time-limit", _TIME_LIMIT)),
    Case("batch", ("batch", "{sweep}", "-o", "{out}", "--workers", "1")),
)

_TIMING = re.compile(rb'("solve_time_s": )[0-9.eE+-]+')


def _blank_timings(folder: Path) -> None:
    """Blank the wall-time fields of a batch run (``solve_time_s``), the only ones that vary."""
    for path in folder.rglob("*"):
        if path.suffix == ".json":
            path.write_bytes(_TIMING.sub(rb"\g<1>0", path.read_bytes()))
        elif path.name == "summary.csv":
            lines = path.read_text().splitlines(keepends=True)
            header = lines[0].rstrip("\r\n").split(",")
            col = header.index("solve_time_s")
            rows = [lines[0]]
            for line in lines[1:]:
                cells = line.rstrip("\r\n").split(",")
                cells[col] = "0"
                rows.append(",".join(cells) + line[len(line.rstrip("\r\n")):])
            path.write_text("".join(rows))


def produce(case: Case, work: Path, run: Callable[[list[str]], int]) -> Path:
    """Run ``case`` with ``run`` (the CLI's ``main``) inside the folder ``work``; return its output folder
    (``work/<case>``). Raises RuntimeError if the command does not exit 0."""
    work.mkdir(parents=True, exist_ok=True)
    with contextlib.chdir(work):
        sweep = _sweep(work) if "{sweep}" in case.args else ""
        args = [a.replace("{out}", case.name).replace("{sweep}", sweep) for a in case.args]
        code = run(args)
    if code != 0:
        raise RuntimeError(f"golden case {case.name}: planner {' '.join(args)} exited {code}")
    out = work / case.name
    if case.name == "batch":
        _blank_timings(out)
    return out


def regenerate() -> None:
    """Rewrite every case's files under ``tests/golden/files/`` from the current code."""
    import tempfile

    import matplotlib

    from planner.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            out = produce(case, Path(tmp), main)
            target = FILES / case.name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(out, target)
    VERSIONS.write_text(json.dumps({"matplotlib": matplotlib.__version__}, indent=2) + "\n")
