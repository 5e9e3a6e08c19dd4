"""Talk to a SITL autopilot as a test pilot would: parameters, message rates, pre-arm, arm, AUTO.

Simulated time (``sim_s``) comes from the autopilot's ``time_boot_ms``; waits are bounded in simulated
seconds and, as a safety net, in wall seconds. Nothing here disables an arming check.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pymavlink import mavutil

from planner.io.mavlink import set_parameters

__all__ = ["ArmRefused", "Vehicle"]

ML = mavutil.mavlink
MODE_AUTO = 10
MODE_MANUAL = 0
PREARM_BIT = ML.MAV_SYS_STATUS_PREARM_CHECK
# what a flight record needs, at simulated Hz
RATES_HZ = {
    "GLOBAL_POSITION_INT": 4.0,
    "MISSION_CURRENT": 4.0,
    "SYS_STATUS": 1.0,
    "GPS_RAW_INT": 1.0,
    "VFR_HUD": 1.0,
    "EXTENDED_SYS_STATE": 1.0,
}


class ArmRefused(AssertionError):
    """The autopilot would not arm; the message holds its PreArm/Arm reasons."""


@dataclass
class Vehicle:
    """A pymavlink link to one autopilot, with the messages seen kept for the test."""

    link: Any
    wall_limit_s: float = 300.0
    sim_s: float = 0.0
    texts: list[tuple[float, str]] = field(default_factory=list)
    last: dict[str, Any] = field(default_factory=dict)

    # -- receiving -----------------------------------------------------------------------------------

    def _note(self, msg: Any) -> None:
        kind = msg.get_type()
        boot = getattr(msg, "time_boot_ms", None)
        if boot is not None:
            self.sim_s = max(self.sim_s, boot / 1000.0)
        if kind == "STATUSTEXT":
            self.texts.append((self.sim_s, msg.text))
        self.last[kind] = msg

    def recv(self, types: Iterable[str] | None = None, timeout_s: float = 1.0) -> Any | None:
        """The next message (of ``types`` if given) from the autopilot within ``timeout_s`` wall seconds."""
        wanted = set(types) if types is not None else None
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            msg = self.link.recv_match(blocking=True, timeout=max(0.01, min(0.2, end - time.monotonic())))
            if msg is None or msg.get_type() == "BAD_DATA":
                continue
            if msg.get_srcSystem() != self.link.target_system:
                continue
            self._note(msg)
            if wanted is None or msg.get_type() in wanted:
                return msg
        return None

    def wait(self, predicate: Any, *, sim_timeout_s: float, what: str, types: Iterable[str] | None = None) -> Any:
        """Receive until ``predicate(msg)`` holds; AssertionError after ``sim_timeout_s`` simulated seconds."""
        start_sim, start_wall = self.sim_s, time.monotonic()
        while self.sim_s - start_sim < sim_timeout_s:
            if time.monotonic() - start_wall > self.wall_limit_s:
                raise AssertionError(f"{what}: no answer in {self.wall_limit_s:g} s of wall time")
            msg = self.recv(types, timeout_s=1.0)
            if msg is not None and predicate(msg):
                return msg
        raise AssertionError(f"{what}: not within {sim_timeout_s:g} simulated s; last texts: {self.recent_texts()}")

    def recent_texts(self, n: int = 8) -> list[str]:
        """The last ``n`` STATUSTEXT messages."""
        return [t for _, t in self.texts[-n:]]

    # -- settings ------------------------------------------------------------------------------------

    def set_rates(self, rates_hz: dict[str, float] = RATES_HZ) -> None:
        """Stop the default streams and ask for ``rates_hz`` (simulated Hz) of the named messages."""
        self.link.mav.request_data_stream_send(self.link.target_system, self.link.target_component,
                                               ML.MAV_DATA_STREAM_ALL, 0, 0)
        for name, hz in rates_hz.items():
            msg_id = getattr(ML, f"MAVLINK_MSG_ID_{name}")
            self.command(ML.MAV_CMD_SET_MESSAGE_INTERVAL, msg_id, 1e6 / hz)

    def command(self, command: int, *params: float, check: bool = True) -> int:
        """COMMAND_LONG; returns the COMMAND_ACK result (AssertionError when ``check`` and it is not accepted)."""
        p = [float(x) for x in params] + [0.0] * (7 - len(params))
        for _ in range(3):
            self.link.mav.command_long_send(self.link.target_system, self.link.target_component, command, 0, *p)
            start = time.monotonic()
            while time.monotonic() - start < 2.0:
                ack = self.recv(("COMMAND_ACK",), timeout_s=0.5)
                if ack is not None and ack.command == command:
                    if check and ack.result != ML.MAV_RESULT_ACCEPTED:
                        raise AssertionError(f"command {command} refused: result {ack.result}; "
                                             f"texts {self.recent_texts()}")
                    return int(ack.result)
        raise AssertionError(f"command {command}: no COMMAND_ACK")

    def set_params(self, values: dict[str, float]) -> None:
        """Set parameters with the product's PARAM_SET exchange; AssertionError when one is not taken."""
        problems = set_parameters(self.link, values)
        if problems:
            raise AssertionError(f"parameters not taken: {problems}")

    def get_param(self, name: str) -> float:
        """Read one parameter's value."""
        for _ in range(5):
            self.link.mav.param_request_read_send(self.link.target_system, self.link.target_component,
                                                  name.encode(), -1)
            msg = self.recv(("PARAM_VALUE",), timeout_s=1.0)
            while msg is not None and msg.param_id != name:
                msg = self.recv(("PARAM_VALUE",), timeout_s=1.0)
            if msg is not None:
                return float(msg.param_value)
        raise AssertionError(f"parameter {name} not readable")

    # -- flying --------------------------------------------------------------------------------------

    @property
    def armed(self) -> bool:
        """Whether the last heartbeat said armed."""
        hb = self.last.get("HEARTBEAT")
        return bool(hb is not None and hb.base_mode & ML.MAV_MODE_FLAG_SAFETY_ARMED)

    @property
    def mode(self) -> int:
        """The last heartbeat's custom mode (ArduPlane mode number)."""
        hb = self.last.get("HEARTBEAT")
        return int(hb.custom_mode) if hb is not None else -1

    def wait_prearm(self, sim_timeout_s: float = 90.0) -> None:
        """Wait until the autopilot's own pre-arm checks pass (SYS_STATUS pre-arm bit healthy) with a 3D fix.

        AssertionError with the autopilot's PreArm messages when they do not pass in time.
        """
        def ready(msg: Any) -> bool:
            gps = self.last.get("GPS_RAW_INT")
            return (msg.get_type() == "SYS_STATUS" and bool(msg.onboard_control_sensors_health & PREARM_BIT)
                    and gps is not None and gps.fix_type >= 3)

        try:
            self.wait(ready, sim_timeout_s=sim_timeout_s, what="pre-arm checks", types=("SYS_STATUS",))
        except AssertionError:
            reasons = sorted({t for _, t in self.texts if t.startswith(("PreArm", "Arm"))})
            raise ArmRefused(f"pre-arm checks did not pass in {sim_timeout_s:g} simulated s: {reasons}") from None

    def refusals(self, *, expect: str, sim_timeout_s: float = 90.0) -> list[str]:
        """Try to arm (checks on) every few simulated seconds once GPS has a 3D fix, until the autopilot's
        refusal names ``expect`` or it arms (then it is disarmed again); returns the PreArm/Arm reasons
        of the last refusal (empty when it armed). An arming command reports every failing check at once,
        unlike the 30 s round of PreArm messages."""
        self.wait(lambda m: m.fix_type >= 3, sim_timeout_s=sim_timeout_s, what="GPS 3D fix", types=("GPS_RAW_INT",))
        start = self.sim_s
        reasons: list[str] = []
        while self.sim_s - start < sim_timeout_s:
            first = len(self.texts)
            result = self.command(ML.MAV_CMD_COMPONENT_ARM_DISARM, 1, check=False)
            if result == ML.MAV_RESULT_ACCEPTED:
                self.command(ML.MAV_CMD_COMPONENT_ARM_DISARM, 0, check=False)
                return []
            settle = self.sim_s
            while self.sim_s - settle < 5.0:
                self.recv(timeout_s=0.5)
            reasons = sorted({t for _, t in self.texts[first:] if t.startswith(("PreArm", "Arm"))})
            if any(expect in t for t in reasons):
                return reasons
        return reasons

    def arm(self) -> None:
        """Arm with every arming check in force; ArmRefused with the autopilot's reasons when it refuses."""
        first_text = len(self.texts)
        result = self.command(ML.MAV_CMD_COMPONENT_ARM_DISARM, 1, check=False)
        if result != ML.MAV_RESULT_ACCEPTED:
            self.recv(timeout_s=0.3)
            reasons = [t for _, t in self.texts[first_text:]] or self.recent_texts()
            raise ArmRefused(f"arming refused (result {result}): {reasons}")
        self.wait(lambda m: bool(m.base_mode & ML.MAV_MODE_FLAG_SAFETY_ARMED), sim_timeout_s=10,
                  what="armed heartbeat", types=("HEARTBEAT",))

    def set_mode(self, mode: int) -> None:
        """Switch flight mode (ArduPlane number) and wait for the heartbeat to show it."""
        self.command(ML.MAV_CMD_DO_SET_MODE, ML.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, mode)
        self.wait(lambda m: m.custom_mode == mode, sim_timeout_s=10, what=f"mode {mode}", types=("HEARTBEAT",))
