"""Upload a mission file to a vehicle over MAVLink (pymavlink): mission, geofence, rally points, parameters.

The MAVLink mission protocol as a ground station speaks it. Upload: MISSION_COUNT, then answer every
MISSION_REQUEST_INT *and* MISSION_REQUEST with MISSION_ITEM_INT, until MISSION_ACK. A vehicle whose
mission storage is not ready yet answers MAV_MISSION_NO_SPACE ("Only 0 items are supported"): wait and
start again. A lost message is recovered by sending the last one again after a short silence; a vehicle
that stays silent ends the attempt. A vehicle that asks again for an item (a slow link) gets it again, and
its MAV_MISSION_INVALID_SEQUENCE for the duplicate that follows does not end the transfer (ArduPilot keeps
asking for the item it wants). Download: MISSION_REQUEST_LIST, MISSION_COUNT, one
MISSION_REQUEST_INT per item, MISSION_ACK. Parameters: PARAM_SET, answered by PARAM_VALUE. Nothing here
arms, changes mode or commands flight. Times are wall-clock seconds; positions degrees, altitudes metres.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pymavlink import mavutil

from planner.core.errors import NoVehicle, UsageError, VehicleRefused
from planner.missions.commands import DO_JUMP, NAV_LOITER_TURNS
from planner.missions.file_model import Mission

__all__ = [
    "FENCE",
    "MISSION",
    "RALLY",
    "UploadReport",
    "WireItem",
    "connect",
    "differences",
    "download",
    "fence_items",
    "mission_items_of",
    "open_link",
    "rally_items",
    "set_parameters",
    "upload",
    "upload_mission",
    "upload_to_vehicle",
    "use_mavlink2",
    "wait_vehicle",
]

ML = mavutil.mavlink
MISSION = ML.MAV_MISSION_TYPE_MISSION
FENCE = ML.MAV_MISSION_TYPE_FENCE
RALLY = ML.MAV_MISSION_TYPE_RALLY
TYPE_NAMES = {MISSION: "mission", FENCE: "geofence", RALLY: "rally points"}
GCS_COMPONENT = ML.MAV_COMP_ID_MISSIONPLANNER

Progress = Callable[[str, int, int], None]
"""progress(what, done, total): called as items and parameters go out."""


@dataclass(frozen=True)
class WireItem:
    """One MISSION_ITEM_INT: ``lat``/``lon`` degrees (sent as 1e-7 integers), ``alt`` metres in ``frame``."""

    seq: int
    frame: int
    command: int
    params: tuple[float, float, float, float]
    lat: float
    lon: float
    alt: float
    autocontinue: bool = True

    def send(self, link: Any, mission_type: int) -> None:
        """Send as MISSION_ITEM_INT to the link's target."""
        link.mav.mission_item_int_send(
            link.target_system, link.target_component, self.seq, self.frame, self.command, 0,
            int(self.autocontinue), *(float(p) for p in self.params), _e7(self.lat), _e7(self.lon),
            float(self.alt), mission_type)

    @classmethod
    def received(cls, msg: Any) -> WireItem:
        """From a received MISSION_ITEM_INT."""
        return cls(msg.seq, msg.frame, msg.command, (msg.param1, msg.param2, msg.param3, msg.param4),
                   msg.x * 1e-7, msg.y * 1e-7, msg.z, bool(msg.autocontinue))


def _e7(degrees: float) -> int:
    return round(degrees * 1e7) if math.isfinite(degrees) else 0


def result_name(code: int) -> str:
    """``MAV_MISSION_NO_SPACE`` for 4, and so on."""
    entry = ML.enums["MAV_MISSION_RESULT"].get(code)
    return entry.name if entry is not None else f"MAV_MISSION_RESULT {code}"


# -- what goes up ------------------------------------------------------------------------------------

def mission_items_of(mission: Mission) -> list[WireItem]:
    """The mission of a parsed file as sent: home at seq 0, then the items; a ``.plan`` DO_JUMP's doJumpId
    becomes the target's sequence number."""
    home = mission.home
    out = [WireItem(0, 0, 16, (0.0, 0.0, 0.0, 0.0), home.lat, home.lon, home.alt_m)]
    by_id = {it.jump_id: it.index for it in mission.items if it.jump_id is not None}
    for it in mission.items:
        params = tuple(float(p) for p in it.params)
        if it.command == DO_JUMP and mission.jump_by_id and math.isfinite(params[0]):
            params = (float(by_id.get(int(params[0]), params[0])), *params[1:])
        out.append(WireItem(it.index, it.frame, it.command, params, it.lat, it.lon, it.alt, it.autocontinue))
    return out


def fence_items(mission: Mission) -> list[WireItem]:
    """The ``.plan`` geofence as fence items: each polygon vertex (p1 the vertex count), each circle (p1 radius)."""
    out: list[WireItem] = []
    for shape in mission.geofence:
        if shape.kind == "polygon":
            cmd = (ML.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION if shape.inclusion
                   else ML.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION)
            for lat, lon in shape.points:
                out.append(WireItem(len(out), 0, cmd, (float(len(shape.points)), 0.0, 0.0, 0.0), lat, lon, 0.0, False))
        else:
            cmd = ML.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION if shape.inclusion else ML.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION
            lat, lon = shape.points[0]
            out.append(WireItem(len(out), 0, cmd, (shape.radius_m, 0.0, 0.0, 0.0), lat, lon, 0.0, False))
    return out


def rally_items(mission: Mission) -> list[WireItem]:
    """The ``.plan`` rally points as rally items (altitude above home)."""
    return [WireItem(k, ML.MAV_FRAME_GLOBAL_RELATIVE_ALT, ML.MAV_CMD_NAV_RALLY_POINT, (0.0, 0.0, 0.0, 0.0),
                     p.lat, p.lon, p.alt_m, False) for k, p in enumerate(mission.rally)]


# -- the link ----------------------------------------------------------------------------------------

def use_mavlink2() -> None:
    """Speak MAVLink 2 from the first message: fence and rally items need its ``mission_type`` field.
    pymavlink chooses the wire version for the whole process and would otherwise switch only once a MAVLink 2
    packet has arrived."""
    if mavutil.mavlink.WIRE_PROTOCOL_VERSION != "2.0":
        os.environ["MAVLINK20"] = "1"
        mavutil.set_dialect(mavutil.current_dialect)


def open_link(conn: str, *, baud: int = 115200) -> Any:
    """Open ``conn`` as pymavlink takes it: ``tcp:HOST:PORT``, ``tcpin:HOST:PORT`` (listening from here on),
    ``udpin:…``, ``udpout:…``, or a serial device at ``baud``. Raises NoVehicle when it cannot be opened
    (refused, no such device), UsageError for a string pymavlink cannot parse."""
    use_mavlink2()
    try:
        return mavutil.mavlink_connection(conn, baud=baud, source_system=255, source_component=GCS_COMPONENT,
                                          autoreconnect=False)
    except OSError as exc:  # refused TCP, missing serial device (pyserial's error is an OSError)
        raise NoVehicle(f"cannot open {conn}: {exc}") from None
    except Exception as exc:  # pymavlink raises bare exceptions for a string it cannot parse
        raise UsageError(f"cannot open {conn}: {exc}") from None


def wait_vehicle(link: Any, *, timeout_s: float = 30.0, name: str = "the link") -> Any:
    """Wait for an autopilot's heartbeat on ``link`` (sending ours once a second); its ids become the link's
    target and ``link.vehicle_autopilot`` its MAV_AUTOPILOT. Raises NoVehicle after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    next_beat = 0.0
    while time.monotonic() < deadline:
        if time.monotonic() >= next_beat:
            link.mav.heartbeat_send(ML.MAV_TYPE_GCS, ML.MAV_AUTOPILOT_INVALID, 0, 0, 0)
            next_beat = time.monotonic() + 1.0
        try:
            msg = link.recv_match(type="HEARTBEAT", blocking=True, timeout=0.5)
        except OSError:
            msg = None
        if msg is None or msg.autopilot == ML.MAV_AUTOPILOT_INVALID or msg.type == ML.MAV_TYPE_GCS:
            continue
        link.target_system = msg.get_srcSystem()
        link.target_component = msg.get_srcComponent()
        link.vehicle_autopilot = msg.autopilot
        return link
    raise NoVehicle(f"no vehicle answered on {name} within {timeout_s:g} s (no heartbeat)")


def connect(conn: str, *, baud: int = 115200, timeout_s: float = 30.0) -> Any:
    """:func:`open_link` then :func:`wait_vehicle`; the link is closed again when no vehicle answers."""
    link = open_link(conn, baud=baud)
    try:
        return wait_vehicle(link, timeout_s=timeout_s, name=conn)
    except NoVehicle:
        link.close()
        raise


def _recv(link: Any, types: Sequence[str], deadline: float, mission_type: int | None = None) -> Any | None:
    """The next message of ``types`` from the target (for ``mission_type``) before ``deadline``; None on time-out."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        msg = link.recv_match(type=list(types), blocking=True, timeout=min(left, 0.2))
        if msg is None or msg.get_srcSystem() != link.target_system:
            continue
        if mission_type is not None and getattr(msg, "mission_type", MISSION) != mission_type:
            continue
        if getattr(msg, "target_system", 0) not in (0, link.mav.srcSystem):
            continue
        return msg


# -- the mission protocol ----------------------------------------------------------------------------

def upload(link: Any, items: Sequence[WireItem], mission_type: int = MISSION, *, progress: Progress | None = None,
           timeout_s: float = 30.0, retry_s: float = 1.0, resend_s: float = 0.5) -> None:
    """Put ``items`` (seq 0, 1, … in order) on the vehicle as ``mission_type``.

    Starts again every ``retry_s`` after MAV_MISSION_NO_SPACE, a cancelled or a stalled transfer until
    ``timeout_s`` has passed. Raises VehicleRefused for a refusal, NoVehicle when the vehicle goes silent.
    """
    if [it.seq for it in items] != list(range(len(items))):
        raise ValueError("items must be numbered 0, 1, … in order")
    what = TYPE_NAMES.get(mission_type, str(mission_type))
    give_up = time.monotonic() + timeout_s
    while True:
        outcome = _upload_once(link, items, mission_type, what, progress, give_up, resend_s)
        if outcome == ML.MAV_MISSION_ACCEPTED:
            return
        if outcome not in (None, ML.MAV_MISSION_NO_SPACE, ML.MAV_MISSION_OPERATION_CANCELLED, ML.MAV_MISSION_ERROR):
            raise VehicleRefused(f"the vehicle refused the {what}: {result_name(outcome)}")
        if time.monotonic() + retry_s > give_up:
            if outcome is None:
                raise NoVehicle(f"the vehicle stopped answering the {what} upload")
            raise VehicleRefused(f"the vehicle refused the {what}: {result_name(outcome)} "
                                 f"(still after {timeout_s:g} s of retrying)")
        time.sleep(retry_s)


def _upload_once(link: Any, items: Sequence[WireItem], mission_type: int, what: str, progress: Progress | None,
                 give_up: float, resend_s: float) -> int | None:
    """One transfer; the MISSION_ACK result, or None when the vehicle went silent."""
    total = len(items)

    def send_count() -> None:
        link.mav.mission_count_send(link.target_system, link.target_component, total, mission_type)

    resend: Callable[[], None] = send_count
    send_count()
    silent, highest = 0, -1
    while time.monotonic() < give_up:
        msg = _recv(link, ("MISSION_REQUEST_INT", "MISSION_REQUEST", "MISSION_ACK"),
                    min(give_up, time.monotonic() + resend_s), mission_type)
        if msg is None:
            silent += 1
            if silent > 6:
                return None
            resend()
            continue
        silent = 0
        if msg.get_type() == "MISSION_ACK":
            if msg.type == ML.MAV_MISSION_ACCEPTED and highest < total - 1:
                continue  # an ACK left over from an earlier transfer
            if msg.type == ML.MAV_MISSION_INVALID_SEQUENCE:
                continue  # a duplicate answer to a repeated request: the vehicle keeps the transfer open
            return int(msg.type)
        if not 0 <= msg.seq < total:
            continue
        item = items[msg.seq]
        item.send(link, mission_type)
        resend = lambda item=item: item.send(link, mission_type)  # noqa: E731
        if msg.seq > highest:
            highest = msg.seq
            if progress is not None:
                progress(what, highest + 1, total)
    return None


def download(link: Any, mission_type: int = MISSION, *, timeout_s: float = 30.0, resend_s: float = 0.5,
             progress: Progress | None = None) -> list[WireItem]:
    """Read the vehicle's ``mission_type`` items back. Raises NoVehicle when it does not answer."""
    what = TYPE_NAMES.get(mission_type, str(mission_type))
    give_up = time.monotonic() + timeout_s
    count = None
    while count is None:
        if time.monotonic() > give_up:
            raise NoVehicle(f"the vehicle did not answer a request for its {what}")
        link.mav.mission_request_list_send(link.target_system, link.target_component, mission_type)
        msg = _recv(link, ("MISSION_COUNT",), min(give_up, time.monotonic() + resend_s), mission_type)
        if msg is not None:
            count = int(msg.count)
    got: list[WireItem] = []
    while len(got) < count:
        if time.monotonic() > give_up:
            raise NoVehicle(f"the vehicle stopped sending its {what} at item {len(got)} of {count}")
        link.mav.mission_request_int_send(link.target_system, link.target_component, len(got), mission_type)
        msg = _recv(link, ("MISSION_ITEM_INT",), min(give_up, time.monotonic() + resend_s), mission_type)
        if msg is not None and msg.seq == len(got):
            got.append(WireItem.received(msg))
            if progress is not None:
                progress(f"{what} read back", len(got), count)
    link.mav.mission_ack_send(link.target_system, link.target_component, ML.MAV_MISSION_ACCEPTED, mission_type)
    return got


# -- comparing what came back ------------------------------------------------------------------------

# What ArduPilot keeps of each command (AP_Mission's storage): params that come back, with the step it
# stores them in (0: exact as float32), and params that come back as a sign only. Others come back as 0.
_KEPT: dict[int, dict[int, float]] = {
    16: {1: 1, 2: 1}, 18: {0: 0, 2: 1, 3: 0}, 19: {0: 0, 3: 0}, 20: {}, 21: {0: 0}, 22: {0: 0}, 31: {1: 1, 3: 0},
    177: {0: 0, 1: 0}, 178: {0: 0, 1: 0, 2: 0}, 189: {}, 195: {}, 197: {}, 206: {0: 0, 2: 0},
    5001: {0: 0}, 5002: {0: 0}, 5003: {0: 0}, 5004: {0: 0}, 5100: {},
}
_SIGN_ONLY = {19: (2,), 21: (3,)}
_POSITIONAL = frozenset({16, 17, 18, 19, 21, 22, 31, 195, 5001, 5002, 5003, 5004, 5100})


def differences(sent: Sequence[WireItem], got: Sequence[WireItem], *, ardupilot: bool = True,
                mission_type: int = MISSION) -> list[str]:
    """How the read-back ``got`` differs from ``sent``, leaving out what the autopilot normalises: home (seq 0
    of a mission), on ArduPilot the frame of DO items, params it does not store, a loiter-turns radius in its
    storage step (1 m, 10 m above 255 m), fence and rally auto-continue. Empty when they match."""
    if len(sent) != len(got):
        return [f"{len(got)} items read back, {len(sent)} sent"]
    first = 1 if mission_type == MISSION else 0
    out = []
    for a, b in zip(sent[first:], got[first:], strict=True):
        where = f"item {a.seq}"
        if a.command != b.command:
            out.append(f"{where}: command {b.command}, sent {a.command}")
            continue
        if a.command in _POSITIONAL or not ardupilot:
            if a.frame != b.frame:
                out.append(f"{where}: frame {b.frame}, sent {a.frame}")
            if _e7(a.lat) != _e7(b.lat) or _e7(a.lon) != _e7(b.lon):
                out.append(f"{where}: position {b.lat:.7f}, {b.lon:.7f}, sent {a.lat:.7f}, {a.lon:.7f}")
            if math.isfinite(a.alt) and not math.isclose(a.alt, b.alt, abs_tol=0.01, rel_tol=1e-6):
                out.append(f"{where}: altitude {b.alt:g}, sent {a.alt:g}")
        kept = _KEPT.get(a.command, {}) if ardupilot else dict.fromkeys(range(4), 0.0)
        for k in range(4):
            want, have = a.params[k], b.params[k]
            if not math.isfinite(want):
                continue
            if ardupilot and k in _SIGN_ONLY.get(a.command, ()):
                if (want < 0) != (have < 0):
                    out.append(f"{where}: p{k + 1} sign {have:g}, sent {want:g}")
            elif k in kept:
                step = 10.0 if a.command == NAV_LOITER_TURNS and k == 2 and abs(want) > 255 else kept[k]
                same_sign = (want < 0) == (have < 0) or want == 0 or have == 0
                if not same_sign or abs(abs(want) - abs(have)) > max(step, 1e-6 + 1e-6 * abs(want)):
                    out.append(f"{where}: p{k + 1} {have:g}, sent {want:g}")
        if mission_type == MISSION and a.autocontinue != b.autocontinue:
            out.append(f"{where}: autocontinue {b.autocontinue}, sent {a.autocontinue}")
    return out


# -- parameters --------------------------------------------------------------------------------------

def set_parameters(link: Any, params: Mapping[str, float], *, progress: Progress | None = None,
                   timeout_s: float = 5.0) -> list[str]:
    """Set each parameter (PARAM_SET) and wait for the vehicle's PARAM_VALUE; returns the differences
    (a name the vehicle does not have, a value it kept otherwise). NoVehicle when it stops answering."""
    problems = []
    for done, (name, value) in enumerate(params.items(), start=1):
        echo = None
        for _ in range(3):
            link.mav.param_set_send(link.target_system, link.target_component, name.encode("ascii"), float(value),
                                    ML.MAV_PARAM_TYPE_REAL32)
            deadline = time.monotonic() + timeout_s / 3.0
            while echo is None:
                msg = _recv(link, ("PARAM_VALUE",), deadline)
                if msg is None:
                    break
                if msg.param_id == name:
                    echo = float(msg.param_value)
            if echo is not None:
                break
        if echo is None:
            link.mav.param_request_read_send(link.target_system, link.target_component, name.encode("ascii"), -1)
            if _recv(link, ("HEARTBEAT", "PARAM_VALUE"), time.monotonic() + 2.0) is None:
                raise NoVehicle(f"the vehicle stopped answering while setting {name}")
            problems.append(f"{name}: the vehicle has no such parameter")
        elif not math.isclose(echo, value, rel_tol=1e-6, abs_tol=1e-6):
            problems.append(f"{name}: the vehicle kept {echo:g}, sent {value:g}")
        if progress is not None:
            progress("parameters", done, len(params))
    return problems


# -- the whole upload --------------------------------------------------------------------------------

@dataclass
class UploadReport:
    """What went up (counts per kind) and how the read-back differs (empty lists when it matches)."""

    autopilot: str
    counts: dict[str, int] = field(default_factory=dict)
    differences: dict[str, list[str]] = field(default_factory=dict)
    system: int = 0  # the vehicle's MAVLink system id

    @property
    def ok(self) -> bool:
        """True when everything read back as sent."""
        return not any(self.differences.values())


def upload_mission(link: Any, mission: Mission, *, parameters: Mapping[str, float] | None = None,
                   progress: Progress | None = None, timeout_s: float = 30.0) -> UploadReport:
    """Upload ``mission`` (and a ``.plan``'s geofence and rally points, and ``parameters``) over ``link``,
    then read each back and compare. Raises VehicleRefused, NoVehicle."""
    ardupilot = getattr(link, "vehicle_autopilot", ML.MAV_AUTOPILOT_ARDUPILOTMEGA) == ML.MAV_AUTOPILOT_ARDUPILOTMEGA
    if parameters and not ardupilot:
        raise VehicleRefused("the vehicle is not ArduPilot: an ArduPilot parameter file does not apply to it")
    report = UploadReport("ardupilot" if ardupilot else "other", system=int(getattr(link, "target_system", 0)))
    kinds = [(MISSION, mission_items_of(mission))]
    if mission.format == "plan":
        kinds += [(FENCE, fence_items(mission)), (RALLY, rally_items(mission))]
    for kind, items in kinds:
        what = TYPE_NAMES[kind]
        upload(link, items, kind, progress=progress, timeout_s=timeout_s)
        back = download(link, kind, timeout_s=timeout_s, progress=progress)
        report.counts[what] = len(items) - (1 if kind == MISSION else 0)
        report.differences[what] = differences(items, back, ardupilot=ardupilot, mission_type=kind)
    if parameters:
        report.counts["parameters"] = len(parameters)
        report.differences["parameters"] = set_parameters(link, parameters, progress=progress)
    return report


def upload_to_vehicle(conn: str, mission: Mission, *, baud: int = 115200, parameters: Mapping[str, float] | None = None,
                      progress: Progress | None = None, timeout_s: float = 30.0) -> UploadReport:
    """Open ``conn``, wait ``timeout_s`` for a vehicle, :func:`upload_mission` and close the link again.
    Raises NoVehicle, VehicleRefused, UsageError (a connection string pymavlink cannot parse)."""
    link = connect(conn, baud=baud, timeout_s=timeout_s)
    try:
        return upload_mission(link, mission, parameters=parameters, progress=progress, timeout_s=timeout_s)
    finally:
        link.close()
