"""Batch planning: sweeps expand as written, every scenario gets a whole folder or none, re-runs resume,
and local processes and a Dask cluster write the same bytes."""

from __future__ import annotations

import csv
import json
import math
import os
import signal
import subprocess
import sys
import time
import tomllib
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from planner.batch import BatchSettings, collect_jobs, expand_sweep, run_batch
from planner.core.errors import InputError, UsageError
from planner.io.batch_output import outputs_complete, read_manifest
from planner.io.scenario_bundle import read_scenario_inputs, write_bundle
from planner.io.scenario_file import read_scenario
from planner.io.sweep_file import read_sweep
from planner.io.toml_writer import format_toml
from tests.conftest import DEMO, REPO, target, write_scenario

FEATURES = [target("North", 73.2, 49.3, priority=3), target("East", 73.5, 49.0, priority=2),
            target("South", 72.9, 48.7)]
TWO_BASES = ('[[base]]\nname = "Alpha"\nlon = 73.0\nlat = 49.0\nelev_m = 500\n'
             '[[base]]\nname = "Bravo"\nlon = 72.0\nlat = 48.5\nelev_m = 400\n')
FAST = BatchSettings(max_iterations=60, time_limit_s=20)


def _sweep(folder: Path, vary: str, *, extra: str = "") -> Path:
    """A base scenario (3 targets, 1 aircraft) in ``folder/base`` and a sweep file over it."""
    write_scenario(folder / "base", FEATURES, bases=TWO_BASES, name="tiny")
    path = folder / "sweep.toml"
    path.write_text(f'[sweep]\nname = "s"\nscenario = "base/scenario.toml"\n{extra}\n[sweep.vary]\n{vary}\n')
    return path


def _rows(out: Path) -> list[dict[str, str]]:
    with (out / "summary.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def _visible(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))


# --- TOML writing ---------------------------------------------------------------------------------

_keys = st.text(alphabet=st.sampled_from("az_-. \"\\\n\x7fé"), min_size=1, max_size=4)
_scalars = (st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False)
            | st.text(max_size=6))
_values = _scalars | st.lists(_scalars | st.lists(_scalars, max_size=2), max_size=3)
_tables = st.recursive(
    st.dictionaries(_keys, _values, max_size=3),
    lambda inner: st.dictionaries(_keys, _values | inner | st.lists(inner, min_size=1, max_size=2), max_size=3),
    max_leaves=4,
)


@settings(max_examples=200, deadline=None)
@given(_tables)
def test_formatted_toml_reads_back_equal(table):
    assert tomllib.loads(format_toml(table)) == table


def test_the_demo_scenario_survives_a_toml_round_trip():
    table = tomllib.loads(DEMO.read_text())
    assert tomllib.loads(format_toml(table)) == table


# --- sweeps -----------------------------------------------------------------------------------------


def test_a_sweep_is_the_cartesian_product_of_its_values(tmp_path):
    path = _sweep(tmp_path, 'wind.speed_mps = [0, 7.5]\nwind.from_deg = [0, 90, 270]\n"fleet.*.count" = [1, 2]',
                  extra='[sweep.set]\n"reserve.fraction" = 0.2\n')
    sweep = read_sweep(path)
    base, _ = read_scenario_inputs(sweep.scenario)
    variants = expand_sweep(sweep, base)
    assert sweep.count == len(variants) == 12
    assert len({v.name for v in variants}) == 12
    first = variants[0]
    assert first.name == "s__speed_mps=0__from_deg=0__count=1"
    assert dict(first.params) == {"wind.speed_mps": 0, "wind.from_deg": 0, "fleet.*.count": 1}
    combos = {(v.table["wind"]["speed_mps"], v.table["wind"]["from_deg"], v.table["fleet"][0]["count"])
              for v in variants}
    assert combos == {(s, d, c) for s in (0, 7.5) for d in (0, 90, 270) for c in (1, 2)}
    assert all(v.table["reserve"]["fraction"] == 0.2 for v in variants)
    assert variants[-1].table["name"] == "tiny [wind.speed_mps=7.5, wind.from_deg=270, fleet.*.count=2]"
    assert base.get("wind") is None  # the base table is not changed


def test_sweep_keys_that_do_not_fit_the_scenario_are_input_errors(tmp_path):
    sweep = read_sweep(_sweep(tmp_path, '"fleet.3.count" = [1, 2]'))
    base, _ = read_scenario_inputs(sweep.scenario)
    with pytest.raises(InputError, match="no entry 3"):
        expand_sweep(sweep, base)
    with pytest.raises(InputError, match="non-empty array"):
        read_sweep(_sweep(tmp_path, "wind.speed_mps = 5"))
    with pytest.raises(InputError, match="unknown key 'vari'"):
        (tmp_path / "bad.toml").write_text('[sweep]\nscenario = "base/scenario.toml"\nvari = {}\n')
        read_sweep(tmp_path / "bad.toml")


def test_the_bundled_wind_sweep_expands_to_readable_scenarios(tmp_path):
    jobs = collect_jobs([REPO / "areas" / "sweeps" / "wind_sweep.toml"])
    assert len(jobs) == 48 and len({j.digest for j in jobs}) == 48
    assert jobs[-1].name == "wind__speed_mps=25__from_deg=315"
    scenario = read_scenario(write_bundle(jobs[-1].bundle, tmp_path / "v"))
    assert (scenario.wind.speed_mps, scenario.wind.from_deg) == (25, 315)
    assert scenario.solver.max_iterations == 300 and len(scenario.tasks) == len(read_scenario(DEMO).tasks)


def test_clashing_or_long_variant_names_fall_back_to_numbers(tmp_path):
    sweep = read_sweep(_sweep(tmp_path, 'name = ["a b", "a-b"]'))
    base, _ = read_scenario_inputs(sweep.scenario)
    assert [v.name for v in expand_sweep(sweep, base)] == ["s-001", "s-002"]


# --- inputs, jobs, digests -------------------------------------------------------------------------------


def test_a_bundle_carries_every_input_and_plans_like_the_original(tmp_path):
    scenario = write_scenario(tmp_path / "a", FEATURES, extra='sensors = "../cat/sensors.toml"')
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "sensors.toml").write_bytes((REPO / "planner" / "data" / "sensors.toml").read_bytes())
    table, files = read_scenario_inputs(scenario)
    assert table["areas"] == ["inputs/targets.geojson"] and table["sensors"] == "inputs/sensors.toml"
    assert set(files) == {"inputs/targets.geojson", "inputs/sensors.toml"}
    from planner.io.scenario_bundle import ScenarioBundle

    copy = write_bundle(ScenarioBundle(format_toml(table), tuple(files.items())), tmp_path / "copy")
    original, copied = read_scenario(scenario), read_scenario(copy)
    assert [(t.name, t.geometry.wkt, t.priority) for t in copied.tasks] == \
           [(t.name, t.geometry.wkt, t.priority) for t in original.tasks]
    assert copied.sensors == original.sensors


def test_two_inputs_with_one_file_name_do_not_collide(tmp_path):
    write_scenario(tmp_path / "x", FEATURES[:1])
    path = write_scenario(tmp_path / "y", FEATURES[1:], extra="")
    text = path.read_text().replace('areas = ["targets.geojson"]', 'areas = ["targets.geojson", "../x/targets.geojson"]')
    path.write_text(text)
    table, files = read_scenario_inputs(path)
    assert table["areas"] == ["inputs/targets.geojson", "inputs/2/targets.geojson"]
    assert len(files) == 2


def test_jobs_carry_the_settings_and_a_digest_of_their_content(tmp_path):
    path = write_scenario(tmp_path / "one", FEATURES)
    [job] = collect_jobs([path], BatchSettings(seed=7))
    solver = tomllib.loads(job.bundle.scenario_toml)["solver"]
    assert solver == {"time_limit_s": 2, "seed": 7, "max_iterations": 300}
    assert job.name == "one"
    assert collect_jobs([path], BatchSettings(seed=7))[0].digest == job.digest
    assert collect_jobs([path], BatchSettings(seed=8))[0].digest != job.digest
    (tmp_path / "one" / "targets.geojson").write_text((tmp_path / "one" / "targets.geojson").read_text() + " ")
    assert collect_jobs([path], BatchSettings(seed=7))[0].digest != job.digest
    # without a limit anywhere, batch runs get the default iteration limit
    path.write_text(path.read_text().replace("max_iterations = 300\n", ""))
    [job] = collect_jobs([path])
    assert tomllib.loads(job.bundle.scenario_toml)["solver"]["max_iterations"] == 1000


def test_inputs_that_match_nothing_or_share_a_folder_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="no file matches"):
        collect_jobs([str(tmp_path / "*.toml")])
    a = write_scenario(tmp_path / "a" / "same", FEATURES)
    b = write_scenario(tmp_path / "b" / "same", FEATURES)
    with pytest.raises(UsageError, match="both write to the folder 'same'"):
        collect_jobs([a, b])
    assert [j.name for j in collect_jobs([str(tmp_path / "a" / "*")])] == ["same"]


# --- running ----------------------------------------------------------------------------------------


@pytest.fixture
def mixed(tmp_path) -> list[Path]:
    """A 2-variant sweep, a scenario missing its area file, one whose wind no aircraft flies against, and one
    whose area file GDAL cannot read."""
    sweep = _sweep(tmp_path, "wind.speed_mps = [0, 12]\nwind.from_deg = [300]")
    broken = write_scenario(tmp_path / "broken", FEATURES)
    (tmp_path / "broken" / "targets.geojson").unlink()
    gale = write_scenario(tmp_path / "gale", FEATURES, extra="[wind]\nfrom_deg = 0\nspeed_mps = 60\n")
    corrupt = write_scenario(tmp_path / "corrupt", FEATURES)
    (tmp_path / "corrupt" / "targets.geojson").write_text("{not json")
    return [sweep, broken, gale, corrupt]


def test_a_batch_plans_each_scenario_into_its_folder_and_records_failures(tmp_path, mixed):
    out = tmp_path / "out"
    seen = []
    summary = run_batch(mixed, out, settings=FAST, workers=2, progress=seen.append)
    assert [p.done for p in seen] == list(range(1, 6)) and {p.total for p in seen} == {5}
    rows = {r["name"]: r for r in _rows(out)}
    assert list(rows) == [r.name for r in summary.results]  # input order
    assert {n: r["status"] for n, r in rows.items()} == {
        "s__speed_mps=0__from_deg=300": "planned", "s__speed_mps=12__from_deg=300": "planned",
        "broken": "failed", "gale": "infeasible", "corrupt": "failed",
    }
    assert "not found" in rows["broken"]["error"] and rows["broken"]["exit_code"] == "3"
    assert "no headway" in rows["gale"]["error"]
    assert rows["corrupt"]["error"].startswith("corrupt/inputs/targets.geojson: not a vector file")
    assert summary.exit_code == 3
    for name, row in rows.items():
        if row["status"] != "planned":
            continue
        folder = out / name
        plan = json.loads((folder / "plan.json").read_text())
        assert plan["metrics"]["priority_served"] == float(row["priority_served"])
        assert int(row["tasks_unserved"]) == len(plan["unserved"])
        assert math.isclose(plan["metrics"]["flight_hours"], float(row["flight_hours"]))
        assert int(row["aircraft_used"]) == len(plan["sorties"]) and row["aircraft_available"] == "1"
        assert float(row["wind.speed_mps"]) == tomllib.loads((folder / "scenario.toml").read_text())["wind"]["speed_mps"]
        assert float(row["solve_time_s"]) > 0
        assert outputs_complete(folder, read_manifest(folder))
    assert not (out / "broken").exists() and (out / "gale" / "run.json").exists()
    doc = json.loads((out / "summary.json").read_text())
    assert doc["counts"] == {"planned": 2, "infeasible": 1, "failed": 2, "cached": 0}
    assert doc["scenarios"][0]["params"] == {"wind.speed_mps": 0, "wind.from_deg": 300}


def test_a_scenario_folder_replans_to_the_same_bytes_on_its_own(tmp_path):
    from planner.api import plan_scenario

    out = tmp_path / "out"
    run_batch([_sweep(tmp_path, "wind.speed_mps = [9]")], out, settings=FAST, workers=1)
    folder = out / "s__speed_mps=9"
    _, written, _ = plan_scenario(folder / "scenario.toml", tmp_path / "again")
    assert written
    for path in written:
        assert path.read_bytes() == (folder / path.name).read_bytes(), path.name


def test_a_rerun_keeps_finished_scenarios_and_retries_failed_ones(tmp_path, mixed):
    out = tmp_path / "out"
    run_batch(mixed, out, settings=FAST, workers=2)
    def stamps() -> dict[str, int]:
        return {p.name: (p / "run.json").stat().st_mtime_ns for p in _visible(out)}

    first = stamps()
    assert set(first) == {"s__speed_mps=0__from_deg=300", "s__speed_mps=12__from_deg=300", "gale", "corrupt"}
    second = run_batch(mixed, out, settings=FAST, workers=2)
    assert {r.name: r.cached for r in second.results} == {
        "s__speed_mps=0__from_deg=300": True, "s__speed_mps=12__from_deg=300": True, "gale": True,
        "broken": False, "corrupt": False}
    again = stamps()
    assert again["corrupt"] != first["corrupt"]  # the failed record was retried and replaced
    assert {n: t for n, t in again.items() if n != "corrupt"} == {n: t for n, t in first.items() if n != "corrupt"}
    assert [r["cached"] for r in _rows(out)] == ["true", "true", "false", "true", "false"]
    # a changed input is planned again only with --overwrite
    area = mixed[0].parent / "base" / "targets.geojson"
    area.write_text(json.dumps({"type": "FeatureCollection", "features": FEATURES[:2]}))
    third = run_batch([mixed[0]], out, settings=FAST, workers=2)
    assert {r.status for r in third.results} == {"failed"}
    assert all("pass --overwrite" in r.error for r in third.results) and third.exit_code == 5
    fourth = run_batch([mixed[0]], out, settings=FAST, workers=2, overwrite=True)
    assert {(r.status, r.cached, r.priority_total) for r in fourth.results} == {("planned", False, 5.0)}


def test_a_dask_cluster_writes_what_local_processes_write(tmp_path):
    distributed = pytest.importorskip("distributed")
    sweep = _sweep(tmp_path, "wind.speed_mps = [0, 10]\nwind.from_deg = [0, 240]")
    local = run_batch([sweep], tmp_path / "local", settings=FAST, workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        remote = run_batch([sweep], tmp_path / "dask", settings=FAST, scheduler=cluster.scheduler_address)
    def strip(result):
        return {k: v for k, v in result.row().items() if k != "solve_time_s"}
    assert [strip(r) for r in remote.results] == [strip(r) for r in local.results]
    assert {r.status for r in local.results} == {"planned"}
    for r in local.results:
        assert read_manifest(tmp_path / "dask" / r.name)["files"] == read_manifest(tmp_path / "local" / r.name)["files"]


def test_the_scheduler_path_needs_dask(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(UsageError, match=r"planner\[batch\]"):
        run_batch([_sweep(tmp_path, "wind.speed_mps = [1]")], tmp_path / "out", settings=FAST,
                  scheduler="tcp://127.0.0.1:1")


RUNNER = """
import sys
from planner.batch import BatchSettings, run_batch
if __name__ == "__main__":
    run_batch([sys.argv[1]], sys.argv[2], settings=BatchSettings(max_iterations=60), workers=1)
"""


def _own_processes(token: str) -> list[int]:
    pids = []
    for env in Path("/proc").glob("[0-9]*/environ"):
        try:
            if f"BATCH_TEST={token}".encode() in env.read_bytes():
                pids.append(int(env.parent.name))
        except OSError:
            continue
    return pids


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_an_interrupted_batch_leaves_whole_folders_and_resumes(tmp_path, how):
    sweep = _sweep(tmp_path, "wind.speed_mps = [0, 4, 8, 12, 16]")
    out = tmp_path / "out"
    token = uuid.uuid4().hex
    system_tmp = tmp_path / "system-tmp"  # the killed batch must leave nothing in the system's temp folder
    system_tmp.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, str(sweep), str(out)], cwd=tmp_path,
                            env={**os.environ, "BATCH_TEST": token, "TMPDIR": str(system_tmp)},
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any((p / "run.json").exists() for p in (_visible(out) if out.exists() else [])):
        assert proc.poll() is None and time.monotonic() < deadline, "the batch ended before its first scenario"
        time.sleep(0.05)
    proc.send_signal(how)
    proc.wait(timeout=60)
    finished = _visible(out)
    assert 1 <= len(finished) < 5
    for folder in finished:  # no visible folder is partial
        assert outputs_complete(folder, read_manifest(folder))
    if how == signal.SIGINT:  # Ctrl-C still writes the summary of what finished
        assert {r["name"] for r in _rows(out)} == {p.name for p in finished}
    stamps = {p.name: (p / "run.json").stat().st_mtime_ns for p in finished}
    if Path("/proc").is_dir():  # worker processes do not outlive the batch
        deadline = time.monotonic() + 10
        while _own_processes(token) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _own_processes(token)
    summary = run_batch([sweep], out, settings=BatchSettings(max_iterations=60), workers=1)
    assert {r.name: r.cached for r in summary.results if r.cached} == {n: True for n in stamps}
    assert {r.status for r in summary.results} == {"planned"} and len(summary.results) == 5
    assert {p.name: (p / "run.json").stat().st_mtime_ns for p in _visible(out) if p.name in stamps} == stamps
    assert not [p for p in out.iterdir() if p.is_dir() and p.name.startswith(".")]
    assert not list(system_tmp.iterdir())  # its scratch was kept in the output folder, and is gone now


def test_a_failed_scenario_is_retried_after_its_input_is_fixed(tmp_path, mixed):
    """Issue 20: the failed record keeps its status under ``result``; a fixed input is planned, not refused."""
    out = tmp_path / "out"
    run_batch(mixed[3:], out, settings=FAST, workers=1)  # corrupt: its area file is not JSON
    assert json.loads((out / "corrupt" / "run.json").read_text())["result"]["status"] == "failed"
    (tmp_path / "corrupt" / "targets.geojson").write_text(json.dumps({"type": "FeatureCollection",
                                                                      "features": FEATURES}))
    again = run_batch(mixed[3:], out, settings=FAST, workers=1)
    assert [(r.name, r.status, r.cached) for r in again.results] == [("corrupt", "planned", False)]


def test_a_planned_folder_whose_scenario_became_invalid_toml_reports_the_toml_error(tmp_path):
    path = write_scenario(tmp_path / "good", FEATURES)
    out = tmp_path / "out"
    run_batch([path], out, settings=FAST, workers=1)
    before = (out / "good" / "run.json").read_bytes()
    path.write_text(path.read_text() + "\n[wind\n")
    summary = run_batch([path], out, settings=FAST, workers=1)
    (result,) = summary.results
    assert result.status == "failed" and "overwrite" not in result.error
    assert "scenario.toml" in result.error and "line" in result.error.lower(), result.error  # the TOML error
    assert (out / "good" / "run.json").read_bytes() == before  # the planned folder is left alone


class _KillsItsWorker:
    """Unpickled in a batch worker, it ends that process at once (as the kernel's out-of-memory killer would)."""

    def __reduce__(self):
        return (os._exit, (9,))


def test_a_crashed_worker_fails_only_its_own_job(tmp_path):
    from planner.batch.runner import _run_local

    jobs = collect_jobs([_sweep(tmp_path, "wind.speed_mps = [0, 5, 10]")], FAST)
    crash = replace(jobs[1], params=(*jobs[1].params, ("crash", _KillsItsWorker())))
    outcomes = []
    (tmp_path / "out").mkdir()
    _run_local([jobs[0], crash, jobs[2]], 2, outcomes.append, tmp_path / "out")
    status = {o.result.name: (o.result.status, o.result.error) for o in outcomes}
    assert status[crash.name][0] == "failed" and "worker process died" in status[crash.name][1]
    assert status[jobs[0].name][0] == status[jobs[2].name][0] == "planned"
    assert len(outcomes) == 3


# --- command line and library example ---------------------------------------------------------------


def test_the_command_prints_a_summary_and_exits_with_the_first_failure(tmp_path, mixed):
    import typer

    from planner.cli.batch import batch_command

    app = typer.Typer()
    app.command()(batch_command)
    result = CliRunner().invoke(app, [*map(str, mixed[1:]), "-o", str(tmp_path / "out"), "--workers", "1",
                                      "--max-iterations", "60", "--json"])
    assert result.exit_code == 3, result.output
    doc = json.loads(result.stdout)
    assert doc["counts"]["failed"] == 2 and doc["counts"]["infeasible"] == 1
    assert [s["status"] for s in doc["scenarios"]] == ["failed", "infeasible", "failed"]


def test_the_library_example_plans_the_demo(tmp_path):
    example = REPO / "docs" / "examples" / "library.py"
    result = subprocess.run([sys.executable, str(example), str(tmp_path / "demo")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    plan = json.loads((tmp_path / "demo" / "plan.json").read_text())
    assert plan["sorties"] and f"{plan['metrics']['priority_served']:g}" in result.stdout
