"""The command line as a new user meets it (issue 18): exit codes of bad option values, --version, the
demo note, Ctrl-C, wording, help text and tables that fit 80 columns without cutting a number."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

import planner
from planner.cli import INTERRUPTED, main
from planner.cli import _console as console
from tests.conftest import target


def run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planner", *args], capture_output=True, text=True, timeout=300,
                          **kwargs)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "{scenario}", "--autopilot", "apm"],
        ["plan", "{scenario}", "--time-limit", "-5"],
        ["plan", "{scenario}", "--max-iterations", "-1"],
        ["plan", "{scenario}", "--seed", "-1"],
        ["relief", "{scenario}", "--handover", "900"],
        ["relief", "{scenario}", "--horizon", "0"],
        ["relief", "{scenario}", "--autopilot", "apm"],
        ["relief", "{scenario}", "--time-limit", "0"],
        ["check", "{scenario}", "--autopilot", "apm"],
        ["check", "{scenario}", "--reserve", "2"],
        ["check", "{scenario}", "--aircraft", "anka", "--payload-kg", "900"],
        ["batch", "{scenario}", "-o", "{out}", "--max-iterations", "-1"],
        ["batch", "{scenario}", "-o", "{out}", "--autopilot", "apm"],
        ["batch", "{scenario}", "-o", "{out}", "--time-limit", "-5"],
    ],
)
def test_a_bad_option_value_is_a_usage_error_in_every_command(scenario_factory, tmp_path, args):
    path = scenario_factory([target("a", 73.5, 49.2)])
    argv = [a.replace("{scenario}", str(path)).replace("{out}", str(tmp_path / "o")) for a in args]
    result = run(*argv, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Invalid value" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_max_iterations_zero_is_one_rule_for_plan_and_batch(scenario_factory, tmp_path):
    path = scenario_factory([target("a", 73.5, 49.2)])
    assert main(["plan", str(path), "-o", str(tmp_path / "p"), "--max-iterations", "0"]) == 0
    assert main(["batch", str(path), "-o", str(tmp_path / "b"), "--max-iterations", "0", "--workers", "1"]) == 0
    assert (tmp_path / "p" / "plan.json").exists()


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"planner {planner.__version__}"


def test_planning_the_demo_says_so_on_stderr(tmp_path):
    result = run("plan", "-o", str(tmp_path / "demo"), "--max-iterations", "20", "--time-limit", "5")
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("no scenario given: planning the bundled demo (")
    assert "central_kazakhstan" in result.stderr.splitlines()[0]


def test_stderr_messages_start_on_their_first_line(scenario_factory, tmp_path):
    path = scenario_factory([target("a", 73.5, 49.2)])
    for argv in (["plan", "missing.toml", "-o", str(tmp_path / "x")],
                 ["plan", str(path), "-o", str(tmp_path / "y")]):
        result = run(*argv)
        assert result.stderr and not result.stderr.startswith("\n"), repr(result.stderr)


def test_ctrl_c_says_nothing_was_written(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "planner", "plan", "-o", str(tmp_path / "p"), "--time-limit", "60"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == INTERRUPTED
    assert not (tmp_path / "p").exists()



def _loading_numpy(pid: int) -> bool:
    """Whether process ``pid`` has begun loading numpy (the planning stack, after the CLI set its Ctrl-C handler)."""
    try:
        return "_multiarray_umath" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to see when a process loads numpy")
def test_ctrl_c_at_any_moment_while_planning_says_nothing_was_written(tmp_path):
    """While the planning libraries load (a KeyboardInterrupt there surfaced as numpy's ImportError) and while
    the compiled search runs (numba's SystemError), as much as later: exit 130 and the one line. Moments are
    counted from when numpy starts loading (before that the interpreter itself is starting)."""
    delays = (0.0, 0.3, 1.0, 3.0, 6.0, 10.0)
    procs = []
    for k in range(len(delays)):
        cmd = [sys.executable, "-m", "planner", "plan", "-o", str(tmp_path / f"p{k}"), "--time-limit", "60"]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    started: dict[int, float] = {}
    deadline = time.monotonic() + 120
    while len(started) < len(procs) and time.monotonic() < deadline:
        for k, proc in enumerate(procs):
            if k not in started and _loading_numpy(proc.pid):
                started[k] = time.monotonic()
        time.sleep(0.01)
    assert len(started) == len(procs)
    for k, proc in sorted(enumerate(procs), key=lambda kp: started[kp[0]] + delays[kp[0]]):
        time.sleep(max(0.0, started[k] + delays[k] - time.monotonic()))
        proc.send_signal(signal.SIGINT)
    for k, proc in enumerate(procs):
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 130, (delays[k], err)
        assert err.strip().splitlines()[-1] == INTERRUPTED, (delays[k], err)
        assert not (tmp_path / f"p{k}").exists()

def test_help_keeps_brackets_and_names_types_in_words():
    relief = run("relief", "--help", env={"COLUMNS": "200", "PATH": ""})
    assert "[persistent] table" in relief.stdout
    assert "Usage: planner relief [OPTIONS] SCENARIO" in relief.stdout
    check = run("check", "--help", env={"COLUMNS": "200", "PATH": ""})
    assert "Usage: planner check [OPTIONS] FILE..." in check.stdout
    for text in (relief.stdout, check.stdout, run("--help", env={"COLUMNS": "200", "PATH": ""}).stdout):
        assert not re.search(r"<(bool|str|float|int|list\[.*?\]|Path)>", text), text
        assert "{" not in text
    assert re.search(r"--nofly\s+PATH", check.stdout) and re.search(r"--reserve\s+NUMBER", check.stdout)


def _narrow(monkeypatch, width: int = 80) -> None:
    monkeypatch.setattr(console.out, "_width", width)
    monkeypatch.setattr(console.out, "soft_wrap", True)


def _numbers_whole(text: str, numbers: list[str]) -> None:
    for n in numbers:
        assert n in text, (n, text)
    assert "…" not in text


def test_tables_fit_80_columns_without_cutting_a_number(scenario_factory, tmp_path, capsys, monkeypatch):
    path = scenario_factory([target("a", 73.5, 49.2), target("b", 76.0, 47.5), target("c", 70.0, 49.5)],
                            fleet='[[fleet]]\naircraft = "anka"\ncount = 2\nbase = "Alpha"\n'
                                  'payload = ["eo-ir", "sar", "satcom"]\n')
    assert main(["plan", str(path), "-o", str(tmp_path / "p"), "--max-iterations", "50"]) == 0
    capsys.readouterr()
    _narrow(monkeypatch)
    assert main(["show", str(tmp_path / "p")]) == 0
    text = capsys.readouterr().out
    import json

    doc = json.loads((tmp_path / "p" / "plan.json").read_text())
    from planner.core.units import hours_minutes

    figures = [f"{s['distance_m'] / 1000:,.0f}" for s in doc["sorties"]]
    figures += [hours_minutes(s["flight_s"]) for s in doc["sorties"]]
    _numbers_whole(text, figures)
    table_lines = [line for line in text.splitlines() if line[:1] in "┏┃┡│└"]
    assert table_lines and max(len(line) for line in table_lines) <= 80
    sortie = tmp_path / "p" / f"{doc['sorties'][0]['name']}.plan"
    assert main(["check", str(sortie), str(sortie.with_suffix(".waypoints")), "--aircraft", "anka"]) in (0, 4)
    text = capsys.readouterr().out
    table_lines = [line for line in text.splitlines() if line[:1] in "┏┃┡│└"]
    assert max(len(line) for line in table_lines) <= 80 and "…" not in text


def test_fit_drops_columns_and_says_which():
    from rich.table import Table

    from planner.cli._tables import fit

    table = Table(title="t")
    for col in ("name", "a long figure", "another figure", "notes"):
        table.add_column(col)
    table.add_row("x" * 30, "12,345,678.9", "98,765,432.1", "some words that wrap")
    narrow = Console(width=50, file=None, force_terminal=False, record=True)
    fit(table, narrow, whole=("name", "a long figure", "another figure"), droppable=("another figure",))
    narrow.print(table)
    text = narrow.export_text()
    assert "12,345,678.9" in text and "98,765,432.1" not in text
    assert "left out to fit 50 columns: another figure" in text.replace("\n", " ").replace("  ", " ")


def test_wording_counts_and_no_orbit_line_without_sorties(capsys):
    from planner.cli._summary import render_summary

    doc = {
        "name": "n", "metrics": {"priority_served": 0, "priority_total": 3}, "sorties": [],
        "solver": {"shared_orbits": 1, "orbits_saved": 1},
        "unserved": [{"task": "a", "reason": "r"}], "tasks": [{"name": "a", "priority": 3}],
    }
    render_summary(doc)
    text = capsys.readouterr().out
    assert "0 sorties" in text and "1 task not served" in text and "fewer than one per target" not in text
    assert "1 tasks" not in text


def test_progress_counts_priority_out_of_the_summary_total(scenario_factory):
    from planner.io.scenario_file import read_scenario
    from planner.planning.pipeline import plan

    path = scenario_factory([target("a", 73.5, 49.2, priority=4), target("b", 73.2, 49.6, sensor="sigint", priority=8)])
    seen = []
    result = plan(read_scenario(path), max_iterations=20, progress=seen.append)
    totals = {p.total_prize for p in seen if p.stage == "optimise"}
    assert totals == {result.metrics()["priority_total"]} == {12.0}
