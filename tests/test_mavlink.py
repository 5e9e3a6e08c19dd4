"""The MAVLink upload (``planner.io.mavlink``, ``planner upload``) against a scripted vehicle on loopback:
the protocol's awkward turns made on purpose (storage not ready, MISSION_REQUEST instead of _INT, a request
asked twice, a refusal, silence), the read-back comparison, and the exit codes. ArduPlane itself is in
tests/test_sitl_upload.py."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pymavlink import mavutil

from planner.cli import main
from planner.core.errors import NoVehicle, VehicleRefused
from planner.io.mavlink import (
    MISSION,
    WireItem,
    connect,
    differences,
    mission_items_of,
    set_parameters,
    upload,
    upload_mission,
    use_mavlink2,
)
from planner.io.mission_file import parse_mission
from tests.sitl.process import free_port

ML = mavutil.mavlink
WAYPOINTS = (
    "QGC WPL 110\n"
    "0\t1\t0\t16\t0\t0\t0\t0\t49.00000000\t73.00000000\t500\t1\n"
    "1\t0\t3\t22\t10\t0\t0\t0\t49.00000000\t73.00000000\t300\t1\n"
    "2\t0\t2\t178\t0\t25.84\t-1\t0\t0\t0\t0\t1\n"
    "3\t0\t0\t18\t3\t0\t-140\t1\t49.05000000\t73.05000000\t1600\t1\n"
    "4\t0\t2\t189\t0\t0\t0\t0\t0\t0\t0\t1\n"
    "5\t0\t3\t21\t0\t0\t0\t0\t49.00000000\t73.00000000\t0\t1\n"
)


@dataclass
class FakeVehicle:
    """A scripted ArduPilot-like vehicle on ``tcpin:127.0.0.1:port``: answers the mission and parameter
    protocols the way ArduPlane does, with the quirks asked for."""

    port: int
    no_space_first: bool = True
    refuse: int | None = None
    ask_twice: int | None = 2
    lose_count: int = 0  # MISSION_COUNTs lost on the way (never answered: the uploader must time out and resend)
    lose_item: int | None = None  # the item whose first copy is lost
    params: dict[str, float] = field(default_factory=lambda: {"RTL_AUTOLAND": 0.0})
    stored: list[WireItem] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        use_mavlink2()  # as the upload does: the scripted vehicle speaks MAVLink 2, as ArduPilot does
        link = mavutil.mavlink_connection(f"tcpin:127.0.0.1:{self.port}", source_system=1, source_component=1)
        beat = 0.0
        expecting: list[WireItem] | None = None
        count = 0
        while not self.stop.is_set():
            if time.monotonic() > beat:
                link.mav.heartbeat_send(ML.MAV_TYPE_FIXED_WING, ML.MAV_AUTOPILOT_ARDUPILOTMEGA, 0, 0, 0)
                beat = time.monotonic() + 0.2
            msg = link.recv_match(blocking=True, timeout=0.05)
            if msg is None:
                continue
            kind = msg.get_type()
            if kind == "MISSION_COUNT":
                if self.lose_count:
                    self.lose_count -= 1
                    continue
                if self.no_space_first:
                    self.no_space_first = False
                    link.mav.mission_ack_send(255, 190, ML.MAV_MISSION_NO_SPACE, msg.mission_type)
                    continue
                if self.refuse is not None:
                    link.mav.mission_ack_send(255, 190, self.refuse, msg.mission_type)
                    continue
                count, expecting = msg.count, []
                link.mav.mission_request_send(255, 190, 0, msg.mission_type)  # ArduPilot asks without _INT
            elif kind == "MISSION_ITEM_INT" and expecting is not None:
                if msg.seq == self.lose_item:
                    self.lose_item = None
                    continue
                if msg.seq != len(expecting):
                    link.mav.mission_ack_send(255, 190, ML.MAV_MISSION_INVALID_SEQUENCE, msg.mission_type)
                    continue
                item = WireItem.received(msg)
                if item.command not in (16, 18, 21, 22):  # DO items come back in frame 0, as on ArduPilot
                    item = WireItem(item.seq, 0, item.command, item.params, item.lat, item.lon, item.alt)
                expecting.append(item)
                if len(expecting) == count:
                    self.stored, expecting = expecting, None
                    link.mav.mission_ack_send(255, 190, ML.MAV_MISSION_ACCEPTED, msg.mission_type)
                    continue
                nxt = len(expecting)
                if nxt == self.ask_twice:
                    link.mav.mission_request_int_send(255, 190, nxt - 1, msg.mission_type)  # a repeated request
                    self.ask_twice = None
                ask = link.mav.mission_request_int_send if nxt % 2 else link.mav.mission_request_send
                ask(255, 190, nxt, msg.mission_type)
            elif kind == "MISSION_REQUEST_LIST":
                link.mav.mission_count_send(255, 190, len(self.stored), msg.mission_type)
            elif kind == "MISSION_REQUEST_INT" and msg.seq < len(self.stored):
                it = self.stored[msg.seq]
                link.mav.mission_item_int_send(255, 190, it.seq, it.frame, it.command, 0, 1, *it.params,
                                               round(it.lat * 1e7), round(it.lon * 1e7), it.alt, msg.mission_type)
            elif kind == "PARAM_SET":
                name = msg.param_id
                if name in self.params:
                    self.params[name] = msg.param_value
                    link.mav.param_value_send(name.encode(), msg.param_value, ML.MAV_PARAM_TYPE_REAL32, 1, 0)
            elif kind == "PARAM_REQUEST_READ":
                link.mav.heartbeat_send(ML.MAV_TYPE_FIXED_WING, ML.MAV_AUTOPILOT_ARDUPILOTMEGA, 0, 0, 0)
        link.close()


@pytest.fixture
def vehicle():
    made: list[tuple[FakeVehicle, threading.Thread]] = []

    def start(**kwargs) -> FakeVehicle:
        fake = FakeVehicle(free_port(), **kwargs)
        thread = threading.Thread(target=fake.run, daemon=True)
        thread.start()
        time.sleep(0.1)
        made.append((fake, thread))
        return fake

    yield start
    for fake, thread in made:
        fake.stop.set()
        thread.join(5)


def test_upload_retries_no_space_answers_both_requests_and_reads_back(vehicle) -> None:
    fake = vehicle()
    mission = parse_mission(WAYPOINTS.encode(), "m.waypoints")
    link = connect(f"tcp:127.0.0.1:{fake.port}", timeout_s=5)
    steps: list[tuple[str, int, int]] = []
    report = upload_mission(link, mission, parameters={"RTL_AUTOLAND": 2.0}, timeout_s=10,
                            progress=lambda what, done, total: steps.append((what, done, total)))
    link.close()
    assert report.ok, report.differences
    assert report.counts == {"mission": 5, "parameters": 1}
    assert differences(mission_items_of(mission), fake.stored) == []
    assert fake.params["RTL_AUTOLAND"] == 2.0
    assert ("mission", 6, 6) in steps and ("parameters", 1, 1) in steps


def test_upload_resends_after_time_outs(vehicle) -> None:
    fake = vehicle(no_space_first=False, ask_twice=None, lose_count=2, lose_item=3)
    mission = parse_mission(WAYPOINTS.encode(), "m.waypoints")
    link = connect(f"tcp:127.0.0.1:{fake.port}", timeout_s=5)
    start = time.monotonic()
    upload(link, mission_items_of(mission), timeout_s=10, resend_s=0.3)
    link.close()
    assert differences(mission_items_of(mission), fake.stored) == []
    assert 0.8 < time.monotonic() - start < 5  # three time-outs of 0.3 s: two counts and one item resent


def test_a_refusal_is_an_error_naming_the_reason(vehicle) -> None:
    fake = vehicle(no_space_first=False, refuse=ML.MAV_MISSION_DENIED)
    link = connect(f"tcp:127.0.0.1:{fake.port}", timeout_s=5)
    with pytest.raises(VehicleRefused, match="MAV_MISSION_DENIED"):
        upload(link, mission_items_of(parse_mission(WAYPOINTS.encode(), "m")), timeout_s=5)
    link.close()


def test_a_parameter_the_vehicle_lacks_is_a_difference(vehicle) -> None:
    fake = vehicle(no_space_first=False)
    link = connect(f"tcp:127.0.0.1:{fake.port}", timeout_s=5)
    assert set_parameters(link, {"RTL_AUTOLAND": 2.0, "NO_SUCH_PARAM": 1.0}, timeout_s=1.0) == [
        "NO_SUCH_PARAM: the vehicle has no such parameter"]
    link.close()


def test_no_vehicle_is_no_vehicle() -> None:
    with pytest.raises(NoVehicle, match="cannot open"):
        connect(f"tcp:127.0.0.1:{free_port()}", timeout_s=1)
    start = time.monotonic()
    with pytest.raises(NoVehicle, match="no heartbeat"):
        connect(f"tcpin:127.0.0.1:{free_port()}", timeout_s=0.5)
    assert time.monotonic() - start < 3


def test_read_back_ignores_what_ardupilot_normalises_and_finds_what_changed() -> None:
    sent = mission_items_of(parse_mission(WAYPOINTS.encode(), "m"))
    back = [WireItem(0, 0, 16, (0, 0, 0, 0), 0.0, 0.0, 0.0)]  # home comes back empty before a GPS fix
    for it in sent[1:]:
        frame = 0 if it.command in (178, 189) else it.frame
        p = list(it.params)
        if it.command == 21:
            p[3] = 1.0  # NAV_LAND p4 as a sign
        back.append(WireItem(it.seq, frame, it.command, tuple(p), it.lat, it.lon, it.alt))
    assert differences(sent, back) == []
    changed = list(back)
    turns = changed[3]
    changed[3] = WireItem(turns.seq, turns.frame, 18, (2.0, 0.0, 140.0, 1.0), turns.lat, turns.lon, turns.alt)
    assert differences(sent, changed) == ["item 3: p1 2, sent 3", "item 3: p3 140, sent -140"]
    assert differences(sent, back[:-1]) == ["5 items read back, 6 sent"]
    assert differences(sent, back, mission_type=MISSION, ardupilot=False) != []  # PX4 keeps everything as sent


def test_cli_exit_codes_without_a_vehicle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "m.waypoints"
    good.write_text(WAYPOINTS)
    start = time.monotonic()
    assert main(["upload", str(good), "--connect", f"tcpin:127.0.0.1:{free_port()}", "--timeout", "0.5"]) == 5
    assert time.monotonic() - start < 10
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "no vehicle answered" in errors[0]
    assert main(["upload", str(good), "--connect", f"tcp:127.0.0.1:{free_port()}"]) == 5  # refused
    junk = tmp_path / "junk.txt"
    junk.write_text("hello")
    assert main(["upload", str(junk), "--connect", "tcpin:127.0.0.1:1"]) == 3
