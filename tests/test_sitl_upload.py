"""``planner upload`` against the real autopilot (ArduPlane SITL): the command listens with ``tcpin`` and SITL
connects to it as its second link; the test watches the vehicle on SITL's first link and reads back what
arrived with its own requests. Skipped, with the reason, when ../shared/sitl is absent."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from planner.io.mavlink import (
    FENCE,
    MISSION,
    RALLY,
    differences,
    download,
    fence_items,
    mission_items_of,
    rally_items,
)
from planner.io.mission_file import read_mission
from planner.io.param_file import PARAM_FILE, read_param_file
from tests.sitl.fixtures import require_sitl
from tests.sitl.process import UPLOAD_SPEEDUP, SitlHome, free_port, running_sitl
from tests.sitl.scenarios import FLIGHTS, plan_flight
from tests.sitl.vehicle import Vehicle

require_sitl()

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The airspace scenario's plan: a mission with a hold, a geofence (one no-fly zone), a rally point."""
    return plan_flight(FLIGHTS["airspace"], tmp_path_factory.mktemp("upload"))


def _upload(file: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    """Run ``planner upload FILE --connect tcpin:127.0.0.1:PORT …`` with SITL connecting to it; returns the
    finished command and what the watching link then reads from the vehicle."""
    port = free_port()
    cmd = [sys.executable, "-m", "planner", "upload", str(file), "--connect", f"tcpin:127.0.0.1:{port}",
           "--timeout", "30", *extra]
    cli = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err_lines: list[str] = []
    listening = threading.Event()

    def read_stderr() -> None:
        assert cli.stderr is not None
        for line in cli.stderr:
            err_lines.append(line)
            if "waiting for a vehicle" in line:
                listening.set()
        listening.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        assert listening.wait(60), "planner upload never started listening"
        mission = read_mission(file)
        seen: dict = {}
        with running_sitl(SitlHome(mission.home.lat, mission.home.lon, mission.home.alt_m),
                          serial1=f"tcpclient:127.0.0.1:{port}", speedup=UPLOAD_SPEEDUP) as sitl:
            assert cli.stdout is not None
            out = cli.stdout.read()  # until the command exits (stderr is the reader thread's)
            cli.wait(timeout=120)
            reader.join(10)
            watcher = Vehicle(sitl.link)
            seen["mission"] = download(sitl.link, MISSION)
            seen["fence"] = download(sitl.link, FENCE)
            seen["rally"] = download(sitl.link, RALLY)
            seen["params"] = {name: watcher.get_param(name) for name in ("RTL_AUTOLAND", "NAVL1_LIM_BANK", "WP_LOITER_RAD")}
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    return subprocess.CompletedProcess(cmd, cli.returncode, out, "".join(err_lines)), seen


def test_upload_puts_mission_fence_rally_points_and_parameters_on_the_vehicle(plan_dir: Path) -> None:
    plan = next(plan_dir.glob("*.plan"))
    done, seen = _upload(plan, "--params", str(plan_dir / PARAM_FILE))
    assert done.returncode == 0, done.stderr
    assert "read back and matched" in done.stdout and done.stdout.count("\n") == 1
    mission = read_mission(plan)
    sent = mission_items_of(mission)
    assert differences(sent, seen["mission"]) == []  # read on the watching link, not the command's
    assert differences(fence_items(mission), seen["fence"], mission_type=FENCE) == []
    assert len(seen["fence"]) == 4 and seen["fence"][0].command == 5002  # the no-fly zone, an exclusion polygon
    assert differences(rally_items(mission), seen["rally"], mission_type=RALLY) == []
    assert [r.alt for r in seen["rally"]] == [300.0]  # above home, as the .plan says
    assert seen["params"] == read_param_file(plan_dir / PARAM_FILE)


def test_a_mission_the_vehicle_refuses_exits_4_with_one_line(tmp_path: Path, plan_dir: Path) -> None:
    lines = next(plan_dir.glob("*.waypoints")).read_text().splitlines()
    fields = lines[3].split("\t")
    fields[3] = "42"  # MAV_CMD 42 is no mission command ArduPlane knows
    lines[3] = "\t".join(fields)
    bad = tmp_path / "bad.waypoints"
    bad.write_text("\n".join(lines) + "\n")
    done, _ = _upload(bad)
    assert done.returncode == 4
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "refused the mission" in errors[0], done.stderr


def test_a_read_back_that_differs_exits_4(tmp_path: Path, plan_dir: Path) -> None:
    text = next(plan_dir.glob("*.waypoints")).read_text()
    rows = [line.split("\t") for line in text.splitlines()]
    turns = next(r for r in rows if len(r) == 12 and r[3] == "18")
    turns[4] = "2.5"  # ArduPilot stores whole turns: 2 comes back
    bad = tmp_path / "half-turn.waypoints"
    bad.write_text("\n".join("\t".join(r) for r in rows) + "\n")
    done, _ = _upload(bad)
    assert done.returncode == 4
    assert "differs" in done.stderr and "p1 2, sent 2.5" in done.stderr
