"""Record what the autopilot did in AUTO and measure it: items made current, loiters, laps, landing.

Positions are GLOBAL_POSITION_INT samples (simulated seconds, degrees, metres AMSL); the current item is
MISSION_CURRENT. A loiter is measured from the samples taken while it was the current item, after the
aircraft has swept half a turn round its centre (the capture from the entry waypoint is left out; no
expected radius is used to choose samples). Radii in metres; clockwise seen from above is +1.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from planner.core.geo import inverse
from tests.sitl.vehicle import Vehicle

__all__ = ["FlightLog", "LoiterFlown", "Sample", "fly", "loiter_flown"]


@dataclass(frozen=True)
class Sample:
    """One position: simulated time (s), current item, degrees, metres AMSL and above home, m/s north/east."""

    t_s: float
    seq: int
    lat: float
    lon: float
    alt_m: float
    rel_alt_m: float
    vn_mps: float
    ve_mps: float


@dataclass
class FlightLog:
    """Everything seen from switching to AUTO until the aircraft stopped after landing (or the time limit).

    ``pictures`` are camera triggers (s, lat, lon); ``airspeeds`` (s, current item, airspeed, ground speed m/s).
    """

    samples: list[Sample] = field(default_factory=list)
    currents: list[tuple[float, int]] = field(default_factory=list)
    texts: list[tuple[float, str]] = field(default_factory=list)
    reached: list[tuple[float, int]] = field(default_factory=list)
    pictures: list[tuple[float, float, float]] = field(default_factory=list)
    airspeeds: list[tuple[float, int, float, float]] = field(default_factory=list)
    start_s: float = 0.0
    end_s: float = 0.0
    wall_s: float = 0.0
    landed: bool = False
    disarmed: bool = False

    @property
    def sequence(self) -> list[int]:
        """Items made current, in order, consecutive repeats removed."""
        out: list[int] = []
        for _, seq in self.currents:
            if not out or out[-1] != seq:
                out.append(seq)
        return out

    def entries(self, seq: int) -> int:
        """How many times item ``seq`` became current."""
        return self.sequence.count(seq)

    @property
    def sim_minutes(self) -> float:
        """Simulated flight time from AUTO to stop (min)."""
        return (self.end_s - self.start_s) / 60.0

    def final(self) -> Sample:
        """The last position recorded."""
        return self.samples[-1]


def fly(vehicle: Vehicle, *, sim_timeout_s: float, stop_seq: int | None = None) -> FlightLog:
    """Follow the flight already started in AUTO until it has landed and stopped, disarmed, or ``stop_seq``
    became current; AssertionError after ``sim_timeout_s`` simulated seconds."""
    log = FlightLog(start_s=vehicle.sim_s)
    first_text = len(vehicle.texts)
    wall0 = time.monotonic()
    airborne = False
    still_since: float | None = None
    while True:
        if vehicle.sim_s - log.start_s > sim_timeout_s:
            break
        if time.monotonic() - wall0 > vehicle.wall_limit_s:
            break
        msg = vehicle.recv(timeout_s=2.0)
        if msg is None:
            break
        kind = msg.get_type()
        if kind == "MISSION_CURRENT":
            log.currents.append((vehicle.sim_s, int(msg.seq)))
            if stop_seq is not None and msg.seq == stop_seq:
                log.end_s = vehicle.sim_s
                break
        elif kind == "MISSION_ITEM_REACHED":
            log.reached.append((vehicle.sim_s, int(msg.seq)))
        elif kind == "CAMERA_FEEDBACK":
            log.pictures.append((vehicle.sim_s, msg.lat * 1e-7, msg.lng * 1e-7))
        elif kind == "VFR_HUD":
            seq = log.currents[-1][1] if log.currents else -1
            log.airspeeds.append((vehicle.sim_s, seq, float(msg.airspeed), float(msg.groundspeed)))
        elif kind == "GLOBAL_POSITION_INT":
            seq = log.currents[-1][1] if log.currents else -1
            s = Sample(msg.time_boot_ms / 1000.0, seq, msg.lat * 1e-7, msg.lon * 1e-7, msg.alt / 1000.0,
                       msg.relative_alt / 1000.0, msg.vx / 100.0, msg.vy / 100.0)
            log.samples.append(s)
            speed = float(np.hypot(s.vn_mps, s.ve_mps))
            airborne = airborne or s.rel_alt_m > 20.0
            if airborne and s.rel_alt_m < 5.0 and speed < 0.5:
                still_since = s.t_s if still_since is None else still_since
                if s.t_s - still_since >= 3.0:
                    log.landed = True
                    break
            else:
                still_since = None
        elif kind == "HEARTBEAT" and airborne and not vehicle.armed:
            log.disarmed = True
            break
    log.end_s = log.end_s or vehicle.sim_s
    log.texts = vehicle.texts[first_text:]
    log.wall_s = time.monotonic() - wall0
    return log


@dataclass(frozen=True)
class LoiterFlown:
    """A loiter as flown round ``centre``: mean, spread and range of the radius (m), direction, turns."""

    radius_m: float
    radius_sd_m: float
    radius_min_m: float
    radius_max_m: float
    direction: int
    turns: float
    samples: int


def loiter_flown(log: FlightLog, seq: int, lat: float, lon: float, *, skip_deg: float = 180.0) -> LoiterFlown:
    """How item ``seq`` (a loiter centred at ``lat``/``lon``) was flown; every visit of the item counts.

    Samples start once the bearing from the centre has swept ``skip_deg`` in a visit. Raises
    AssertionError when the item was never flown round.
    """
    radii: list[float] = []
    swept_total = 0.0
    direction_sum = 0.0
    visit: list[Sample] = []

    def close(visit: list[Sample]) -> None:
        nonlocal swept_total, direction_sum
        if len(visit) < 3:
            return
        az, _, dist = inverse(np.full(len(visit), lon), np.full(len(visit), lat),
                              [s.lon for s in visit], [s.lat for s in visit])
        step = (np.diff(az) + 180.0) % 360.0 - 180.0
        swept = np.concatenate([[0.0], np.cumsum(step)])
        keep = np.abs(swept) >= skip_deg
        radii.extend(float(d) for d in dist[keep])
        if keep.any():
            first = int(np.argmax(keep))
            swept_total += abs(float(swept[-1] - swept[first]))
        direction_sum += float(swept[-1])

    previous = None
    for s in log.samples:
        if s.seq == seq:
            if previous != seq:
                close(visit)
                visit = []
            visit.append(s)
        previous = s.seq
    close(visit)
    if not radii:
        raise AssertionError(f"item {seq} was not flown round (no samples past {skip_deg:g}° of turn)")
    r = np.asarray(radii)
    return LoiterFlown(float(r.mean()), float(r.std()), float(r.min()), float(r.max()),
                       1 if direction_sum > 0 else -1, swept_total / 360.0, len(r))
