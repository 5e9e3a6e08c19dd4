"""The command line: exit codes, one-line messages, JSON for scripts."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from planner.cli import main
from tests.conftest import target


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planner", *args], capture_output=True, text=True, timeout=300)


def test_plan_writes_outputs_and_prints_the_summary(scenario_factory, tmp_path, capsys):
    path = scenario_factory([target("a", 73.5, 49.2), target("b", 73.2, 49.6, sensor="sigint")])
    assert main(["plan", str(path), "-o", str(tmp_path / "out"), "--max-iterations", "100"]) == 0
    out = capsys.readouterr().out
    assert "anka-1" in out and "no aircraft carries a sigint sensor" in out
    assert (tmp_path / "out" / "anka-1.waypoints").exists()
    # a second run refuses to overwrite (exit 5) and leaves the plan as it was
    before = (tmp_path / "out" / "plan.json").read_bytes()
    assert main(["plan", str(path), "-o", str(tmp_path / "out")]) == 5
    assert "--overwrite" in capsys.readouterr().err
    assert (tmp_path / "out" / "plan.json").read_bytes() == before


def test_plan_json_summary(scenario_factory, tmp_path, capsys):
    path = scenario_factory([target("a", 73.5, 49.2)])
    assert main(["plan", str(path), "-o", str(tmp_path / "o"), "--json", "--max-iterations", "50"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["metrics"]["tasks_served"] == 1 and doc["sorties"][0]["name"] == "anka-1"


@pytest.mark.parametrize("as_json", [False, True])
def test_a_time_limit_that_cuts_an_iteration_bound_plan_warns(scenario_factory, tmp_path, capsys, as_json):
    feats = [target(f"t{i}", 72.5 + 0.3 * i, 49.0 + 0.2 * (i % 4)) for i in range(8)]
    path = scenario_factory(feats)
    args = ["plan", str(path), "-o", str(tmp_path / "o"), "--time-limit", "0.0001", "--max-iterations", "1000000"]
    assert main(args + (["--json"] if as_json else [])) == 0
    captured = capsys.readouterr()
    assert "warning:" in captured.err and "before max_iterations = 1000000" in captured.err
    doc = json.loads((tmp_path / "o" / "plan.json").read_text())
    assert doc["solver"]["cut_short"] == ["optimise"]
    assert any("depends on the machine's speed" in n for n in doc["notes"])
    if as_json:
        json.loads(captured.out)  # stdout is still one JSON document


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["plan", "missing.toml"], 3, "file not found"),
        (["plan", "--time-limit", "-1", "{scenario}"], 2, "must be > 0 s"),
        (["plan", "{scenario}", "--autopilot", "inav"], 2, "unknown autopilot 'inav'"),
        (["plan", "--bogus"], 2, "No such option"),
        (["aircraft", "show", "reaper"], 3, "unknown aircraft 'reaper'"),
    ],
)
def test_errors_map_to_exit_codes_with_one_line(scenario_factory, tmp_path, args, code, message):
    path = scenario_factory([target("a", 73.5, 49.2)])
    argv = [a.replace("{scenario}", str(path)) for a in args] + ["-o", str(tmp_path / "x")] * (args[0] == "plan")
    result = run(*argv)
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_infeasible_wind_exits_4(scenario_factory, tmp_path):
    path = scenario_factory([target("a", 73.5, 49.2)], extra="[wind]\nfrom_deg = 10\nspeed_mps = 70\n")
    result = run("plan", str(path), "-o", str(tmp_path / "x"))
    assert result.returncode == 4 and "no headway" in result.stderr


def test_aircraft_show_json_has_unit_suffixed_keys(capsys):
    assert main(["aircraft", "show", "anka", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["endurance_h"] == 30.0 and doc["max_payload_kg"] == 200.0
    for key in ("cruise_speed_mps", "loiter_speed_mps", "max_bank_deg", "ceiling_m"):
        assert key in doc and key in doc["assumed"]
    assert set(doc["public"]) == {"endurance_h", "max_payload_kg"}


def test_aircraft_and_sensor_lists(capsys):
    assert main(["aircraft", "list", "--json"]) == 0
    assert {c["name"] for c in json.loads(capsys.readouterr().out)} >= {"anka", "tactical"}
    assert main(["sensors", "list", "--json"]) == 0
    caps = {s["capability"] for s in json.loads(capsys.readouterr().out)}
    assert caps == {"eo-ir", "sar", "gmti", "sigint", "satcom"}


def test_help_does_not_import_the_heavy_stack():
    code = "import sys; from planner.cli import main; main(['--help']); " \
           "print(sorted(m for m in ('ortools', 'numba', 'geopandas', 'pyproj', 'shapely') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "[]"
