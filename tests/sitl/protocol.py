"""The MAVLink mission protocol as a ground station speaks it (pymavlink): upload, download, compare.

Written for the SITL tests first; it becomes ``planner/io/mavlink.py`` after the restructure (issue 13).
Upload: MISSION_COUNT, then answer every MISSION_REQUEST_INT *and* MISSION_REQUEST with
MISSION_ITEM_INT, until MISSION_ACK. A vehicle whose mission storage is not ready answers
MAV_MISSION_NO_SPACE ("Only 0 items are supported"): wait and start again. A lost message is recovered
by re-sending the last one after a short silence; a vehicle that stops answering ends the attempt.
Download: MISSION_REQUEST_LIST, MISSION_COUNT, one MISSION_REQUEST_INT per item, MISSION_ACK.
Times are wall-clock seconds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pymavlink import mavutil

__all__ = [
    "FENCE",
    "MISSION",
    "RALLY",
    "MissionRefused",
    "NoVehicle",
    "WireItem",
    "differences",
    "download",
    "mission_wire_items",
    "upload",
]

ML = mavutil.mavlink
MISSION = ML.MAV_MISSION_TYPE_MISSION
FENCE = ML.MAV_MISSION_TYPE_FENCE
RALLY = ML.MAV_MISSION_TYPE_RALLY
TYPE_NAMES = {MISSION: "mission", FENCE: "fence", RALLY: "rally points"}

Progress = Callable[[int, int], None]


class NoVehicle(Exception):
    """No vehicle answered (no heartbeat, or it stopped answering the protocol)."""


class MissionRefused(Exception):
    """The vehicle answered the upload with an error (MISSION_ACK other than ACCEPTED)."""


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
    current: bool = False

    def send(self, link: Any, mission_type: int) -> None:
        """Send as MISSION_ITEM_INT to the link's target."""
        link.mav.mission_item_int_send(
            link.target_system, link.target_component, self.seq, self.frame, self.command, int(self.current),
            int(self.autocontinue), *(float(p) for p in self.params), _e7(self.lat), _e7(self.lon),
            float(self.alt), mission_type)

    @classmethod
    def received(cls, msg: Any) -> WireItem:
        """From a received MISSION_ITEM_INT."""
        return cls(msg.seq, msg.frame, msg.command, (msg.param1, msg.param2, msg.param3, msg.param4),
                   msg.x * 1e-7, msg.y * 1e-7, msg.z, bool(msg.autocontinue), bool(msg.current))


def _e7(degrees: float) -> int:
    return round(degrees * 1e7) if math.isfinite(degrees) else 0


def result_name(code: int) -> str:
    """``MAV_MISSION_NO_SPACE`` for 4, and so on."""
    entry = ML.enums["MAV_MISSION_RESULT"].get(code)
    return entry.name if entry is not None else f"MAV_MISSION_RESULT {code}"


def _recv(link: Any, types: Sequence[str], deadline: float, mission_type: int) -> Any | None:
    """The next message of ``types`` from the target for ``mission_type`` before ``deadline``; None on time-out."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        msg = link.recv_match(type=list(types), blocking=True, timeout=min(left, 0.2))
        if msg is None:
            continue
        if msg.get_srcSystem() != link.target_system:
            continue
        if getattr(msg, "mission_type", MISSION) != mission_type:
            continue
        if hasattr(msg, "target_system") and msg.target_system not in (0, link.mav.srcSystem):
            continue
        return msg


def upload(link: Any, items: Sequence[WireItem], mission_type: int = MISSION, *, progress: Progress | None = None,
           timeout_s: float = 30.0, retry_s: float = 1.0, resend_s: float = 0.5) -> None:
    """Put ``items`` (seq 0.. in order) on the vehicle as ``mission_type``.

    Retries the whole upload every ``retry_s`` on MAV_MISSION_NO_SPACE or a stalled transfer until
    ``timeout_s`` has passed. Raises MissionRefused for any other refusal, NoVehicle when the vehicle
    stops answering. ``progress(sent, total)`` is called as items go out.
    """
    if [it.seq for it in items] != list(range(len(items))):
        raise ValueError("items must be numbered 0, 1, … in order")
    what = TYPE_NAMES.get(mission_type, str(mission_type))
    give_up = time.monotonic() + timeout_s
    last_refusal = ""
    while True:
        outcome = _upload_once(link, items, mission_type, progress, give_up, resend_s)
        if outcome == ML.MAV_MISSION_ACCEPTED:
            return
        if outcome is None:
            last_refusal = "no answer"
        elif outcome in (ML.MAV_MISSION_NO_SPACE, ML.MAV_MISSION_OPERATION_CANCELLED, ML.MAV_MISSION_ERROR):
            last_refusal = result_name(outcome)
        else:
            raise MissionRefused(f"the vehicle refused the {what}: {result_name(outcome)}")
        if time.monotonic() + retry_s > give_up:
            if outcome is None:
                raise NoVehicle(f"the vehicle stopped answering the {what} upload")
            raise MissionRefused(f"the vehicle refused the {what}: {last_refusal} (after retrying {timeout_s:g} s)")
        time.sleep(retry_s)


def _upload_once(link: Any, items: Sequence[WireItem], mission_type: int, progress: Progress | None,
                 give_up: float, resend_s: float) -> int | None:
    """One transfer; returns the MISSION_ACK result, or None when the vehicle went silent."""
    total = len(items)
    send_count = lambda: link.mav.mission_count_send(  # noqa: E731
        link.target_system, link.target_component, total, mission_type)
    send_count()
    resend = send_count
    silent = 0
    highest = -1
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
            if msg.type == ML.MAV_MISSION_ACCEPTED and highest < total - 1 and total > 0:
                continue  # an ACK left over from an earlier transfer
            return int(msg.type)
        if not 0 <= msg.seq < total:
            continue
        item = items[msg.seq]
        item.send(link, mission_type)
        resend = lambda item=item: item.send(link, mission_type)  # noqa: E731
        if msg.seq > highest:
            highest = msg.seq
            if progress is not None:
                progress(highest + 1, total)
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
                progress(len(got), count)
    link.mav.mission_ack_send(link.target_system, link.target_component, ML.MAV_MISSION_ACCEPTED, mission_type)
    return got


def mission_wire_items(mission: Any) -> list[WireItem]:
    """The items of a parsed mission file (``planner.io.mission_file``) as sent: home at seq 0, then the
    items; a ``.plan`` DO_JUMP's doJumpId target becomes the target's sequence number; NaN is sent as 0."""
    home = mission.home
    out = [WireItem(0, 0, 16, (0.0, 0.0, 0.0, 0.0), home.lat, home.lon, home.alt_m)]
    by_id = {it.jump_id: it.index for it in mission.items if it.jump_id is not None}
    for it in mission.items:
        params = tuple(0.0 if math.isnan(p) else float(p) for p in it.params)
        if it.command == ML.MAV_CMD_DO_JUMP and mission.jump_by_id:
            params = (float(by_id.get(int(params[0]), params[0])), *params[1:])
        out.append(WireItem(it.index, it.frame, it.command, params, it.lat, it.lon, it.alt, it.autocontinue))
    return out


# What ArduPilot keeps of each command (AP_Mission's storage): the params that come back unchanged, and
# those that come back as a sign only. Other params are not stored and come back as 0.
_KEPT = {
    16: (1, 2), 18: (0, 2, 3), 19: (0, 3), 20: (), 21: (0, 3), 22: (0,), 31: (1, 3),
    177: (0, 1), 178: (0, 1, 2), 189: (), 195: (), 197: (), 206: (0, 2),
}
_SIGN_ONLY = {19: (2,), 21: (3,)}
_POSITIONAL = frozenset({16, 17, 18, 19, 21, 22, 31, 195})


def _stored_radius(r: float) -> float:
    """A loiter-turns radius as ArduPilot stores it: whole metres to 255 m, then 10 m steps."""
    a = abs(r)
    stored = round(a) if a <= 255 else round(a / 10.0) * 10.0
    return math.copysign(stored, r)


def differences(sent: Sequence[WireItem], got: Sequence[WireItem], *, ardupilot: bool = True) -> list[str]:
    """How the read-back ``got`` differs from ``sent``, ignoring what the autopilot normalises (home, the
    frame of DO items, params it does not store, ArduPilot's radius steps). Empty when they match."""
    if len(sent) != len(got):
        return [f"{len(got)} items read back, {len(sent)} sent"]
    out = []
    for a, b in zip(sent[1:], got[1:], strict=True):
        where = f"item {a.seq}"
        if a.command != b.command:
            out.append(f"{where}: command {b.command}, sent {a.command}")
            continue
        positional = a.command in _POSITIONAL or not ardupilot
        if positional:
            if a.frame != b.frame:
                out.append(f"{where}: frame {b.frame}, sent {a.frame}")
            if _e7(a.lat) != _e7(b.lat) or _e7(a.lon) != _e7(b.lon):
                out.append(f"{where}: position {b.lat:.7f}, {b.lon:.7f}, sent {a.lat:.7f}, {a.lon:.7f}")
            if not math.isclose(a.alt, b.alt, abs_tol=0.01, rel_tol=1e-6):
                out.append(f"{where}: altitude {b.alt:g}, sent {a.alt:g}")
        kept = _KEPT.get(a.command, (0, 1, 2, 3)) if ardupilot else (0, 1, 2, 3)
        for k in range(4):
            want, have = a.params[k], b.params[k]
            if ardupilot and a.command == 18 and k == 2:
                want = _stored_radius(want)
            if ardupilot and k in _SIGN_ONLY.get(a.command, ()):
                if (want < 0) != (have < 0):
                    out.append(f"{where}: p{k + 1} sign {have:g}, sent {want:g}")
            elif k in kept and not math.isclose(want, have, rel_tol=1e-6, abs_tol=1e-6):
                out.append(f"{where}: p{k + 1} {have:g}, sent {want:g}")
        if a.autocontinue != b.autocontinue:
            out.append(f"{where}: autocontinue {b.autocontinue}, sent {a.autocontinue}")
    return out
