"""Start and stop ArduPlane SITL for a test: by pid, on 127.0.0.1 only, in a fresh temporary folder.

The binary is looked for in ``shared/sitl`` beside the repository (``<repo>/../shared/sitl``; in CI the
clone sits beside ``shared/``), or in ``$PLANNER_SITL_DIR``. The test listens with pymavlink
``tcpin:127.0.0.1:PORT`` and SITL connects out with ``--serial0 tcpclient:127.0.0.1:PORT``, so no
MAVLink port listens on another interface. (SITL's own simulated RC input is a UDP socket it binds on
0.0.0.0 in its code; it gets a free port of its own.) ``--speedup`` runs simulated time faster than the wall clock.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pymavlink import mavutil

__all__ = ["SPEEDUP", "UPLOAD_SPEEDUP", "Sitl", "SitlHome", "find_sitl", "free_port", "missing_reason", "running_sitl"]

REPO = Path(__file__).resolve().parents[2]
PR_SET_PDEATHSIG = 1
SPEEDUP = int(os.environ.get("PLANNER_SITL_SPEEDUP", "200"))
# Physics frames per simulated second. ArduPlane runs its loop at 50 Hz; the simulator's default frame rate
# is several times what a 30 m/s aeroplane needs, and the frame rate is what costs CPU: 200 flies ~2x faster
# on a loaded 2-core machine with the same radii and landings (docs/autopilot.md).
RATE_HZ = int(os.environ.get("PLANNER_SITL_RATE", "200"))
# ArduPilot cancels a mission upload after 8 simulated seconds without the next item: at a speed-up of
# 200 that is 40 ms of wall time, which a loaded machine misses. Uploads are done at this speed-up.
UPLOAD_SPEEDUP = 10


def find_sitl() -> Path | None:
    """The folder holding ``arduplane`` and ``plane.parm`` (``$PLANNER_SITL_DIR`` when set, else the shared
    one beside the repository), or None."""
    folder = Path(os.environ["PLANNER_SITL_DIR"]) if os.environ.get("PLANNER_SITL_DIR") else _shared()
    if (folder / "arduplane").is_file() and os.access(folder / "arduplane", os.X_OK) and (folder / "plane.parm").is_file():
        return folder
    return None


def _shared() -> Path:
    return REPO.parent / "shared" / "sitl"


def missing_reason() -> str:
    """Why the SITL tests are skipped (empty when SITL is there)."""
    if find_sitl() is not None:
        return ""
    where = os.environ.get("PLANNER_SITL_DIR") or _shared()
    return f"ArduPlane SITL not found: expected an executable arduplane and plane.parm in {where}"


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A TCP (or, with ``socket.SOCK_DGRAM``, UDP) port on 127.0.0.1 free at the time of asking."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listen(attempts: int = 20) -> tuple[int, mavutil.mavfile]:
    """A MAVLink ``tcpin`` listener on a free 127.0.0.1 port. A port free when asked may be taken before we bind
    it (another process's outgoing connection picks from the same range), so a few ports are tried."""
    for _ in range(attempts - 1):
        port = free_port()
        try:
            return port, mavutil.mavlink_connection(f"tcpin:127.0.0.1:{port}", source_system=255, source_component=190)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
    port = free_port()
    return port, mavutil.mavlink_connection(f"tcpin:127.0.0.1:{port}", source_system=255, source_component=190)


@dataclass(frozen=True)
class SitlHome:
    """Where the simulated aircraft starts: degrees, metres AMSL, heading degrees true."""

    lat: float
    lon: float
    alt_m: float
    heading_deg: float = 0.0


@dataclass
class Sitl:
    """A running SITL: its process, working folder and the MAVLink link to it."""

    process: subprocess.Popen[bytes]
    workdir: Path
    link: object
    port: int

    @property
    def pid(self) -> int:
        """Process id of the autopilot."""
        return self.process.pid

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the autopilot's console output (for failure messages)."""
        try:
            return (self.workdir / "arduplane.log").read_text(errors="replace")[-chars:]
        except OSError:
            return ""


try:  # bound once here: the child of a threaded test process must only call C between fork and exec
    _PRCTL = ctypes.CDLL(None).prctl
except (OSError, AttributeError):
    _PRCTL = None


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it when the test process dies, so no simulator outlives a killed run."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the pid, then SIGKILL to the same pid if it does not exit in 10 s."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.contextmanager
def running_sitl(home: SitlHome, *, speedup: int = SPEEDUP, defaults: str = "", serial1: str = "none",
                 connect_timeout_s: float = 30.0) -> Iterator[Sitl]:
    """ArduPlane SITL at ``home``, connected; stopped (by pid) and its folder removed on exit.

    ``defaults`` is parameter-file text applied after the model's ``plane.parm`` (the simulated
    aircraft's own set-up, e.g. a camera). ``serial1`` is SITL's second link, e.g.
    ``tcpclient:127.0.0.1:PORT`` for a ground station under test — something must already listen there,
    since SITL blocks until it connects. Raises RuntimeError when the binary is missing or does not connect.
    """
    folder = find_sitl()
    if folder is None:
        raise RuntimeError(missing_reason())
    workdir = Path(tempfile.mkdtemp(prefix="planner-sitl-"))
    port, link = _listen()
    process = None
    try:
        extra = workdir / "extra.parm"
        extra.write_text(defaults)
        cmd = [
            str(folder / "arduplane"), "--model", "plane", "--speedup", str(speedup), "--rate", str(RATE_HZ),
            "--defaults", f"{folder / 'plane.parm'},{extra}",
            "-I0", "-w", "--home", f"{home.lat:.8f},{home.lon:.8f},{home.alt_m:.2f},{home.heading_deg:.1f}",
            "--serial0", f"tcpclient:127.0.0.1:{port}", "--serial1", serial1, "--serial2", "none",
            # the simulator's RC-input socket: SITL binds it on 0.0.0.0 whatever we ask (SITL_State::_setup_fdm),
            # so give it a free port of its own rather than the shared default 5501
            "--rc-in-port", str(free_port(socket.SOCK_DGRAM)),
        ]
        with open(workdir / "arduplane.log", "wb") as log:
            process = subprocess.Popen(cmd, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + connect_timeout_s
        heartbeat = None
        while heartbeat is None and time.monotonic() < deadline and process.poll() is None:
            heartbeat = link.recv_match(type="HEARTBEAT", blocking=True, timeout=0.5)
            if heartbeat is not None and heartbeat.autopilot == mavutil.mavlink.MAV_AUTOPILOT_INVALID:
                heartbeat = None
        if heartbeat is None:
            tail = (workdir / "arduplane.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"ArduPlane SITL did not connect within {connect_timeout_s:g} s "
                               f"(exit code {process.poll()}):\n{tail}")
        link.target_system = heartbeat.get_srcSystem()
        link.target_component = heartbeat.get_srcComponent()
        yield Sitl(process, workdir, link, port)
    finally:
        if process is not None:
            _stop(process)
        with contextlib.suppress(Exception):
            link.close()
        shutil.rmtree(workdir, ignore_errors=True)
