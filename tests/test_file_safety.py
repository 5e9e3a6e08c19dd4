"""Files are safe: killed writers leave the old or the new file whole, and runs repeat byte for byte."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from planner.io.atomic import write_bytes
from tests.conftest import DEMO, target, write_scenario

WRITER = """
import sys
from pathlib import Path
from planner.io.atomic import write_bytes
path = Path(sys.argv[1])
i = 0
while True:
    i += 1
    byte = bytes([65 + i % 26])
    write_bytes(path, byte * 4_000_000, overwrite=True)
    print(i, flush=True)
"""


def test_a_writer_killed_at_any_moment_leaves_a_whole_file(tmp_path):
    path = tmp_path / "big.bin"
    write_bytes(path, b"Z" * 4_000_000)
    for delay in (0.05, 0.13, 0.21, 0.34, 0.55):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = path.read_bytes()
        assert len(data) == 4_000_000 and data == data[:1] * 4_000_000


def _plan_cmd(scenario: Path, out: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "planner", "plan", str(scenario), "-o", str(out), "--max-iterations", "200",
         "--time-limit", "300", "--overwrite"],  # the iteration budget binds, not the clock of a busy machine
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )


def test_same_inputs_give_the_same_bytes_across_processes(tmp_path):
    feats = [target(f"T{i}", 72.5 + 0.3 * i, 49.0 + 0.2 * (i % 4), priority=1 + i % 5) for i in range(8)]
    scenario = write_scenario(tmp_path / "in", feats)
    outs = []
    for k, seed in enumerate(("1", "2")):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = tmp_path / f"out{k}"
        assert _plan_cmd(scenario, out, env).wait(timeout=300) == 0
        outs.append(out)
    names = sorted(p.name for p in outs[0].iterdir())
    assert names == sorted(p.name for p in outs[1].iterdir())
    for name in names:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def test_a_killed_plan_leaves_only_whole_files(tmp_path):
    out = tmp_path / "out"
    assert _plan_cmd(DEMO, out).wait(timeout=300) == 0
    complete = {p.name: p.read_bytes() for p in out.iterdir()}
    for delay in (0.5, 1.5, 3.0):
        proc = _plan_cmd(DEMO, out)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for p in out.iterdir():
            if p.name.startswith("."):
                continue  # a temporary file the killed run could not remove; never a named output
            assert p.read_bytes() == complete[p.name], p.name
