"""The scenario: what must be watched, with which aircraft, from where. WGS84 lon/lat, validated.

Readers (``planner.io``) build these types from files; everything downstream takes a :class:`Scenario`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shapely.geometry.base import BaseGeometry

from planner.core import geo
from planner.core.errors import InputError
from planner.model.aircraft import Aircraft
from planner.model.sensors import Sensor
from planner.model.terrain import Terrain

__all__ = [
    "APPROACH_M",
    "AREA_DEFAULT_SENSOR",
    "AUTOPILOTS",
    "CIRCUIT_AGL_M",
    "TASK_KINDS",
    "Base",
    "FleetEntry",
    "Persistent",
    "Reserve",
    "Scenario",
    "SolverSettings",
    "Task",
    "Wind",
]

TASK_KINDS = ("orbit", "survey", "patrol", "standoff", "nofly")
AUTOPILOTS = ("ardupilot", "px4")
AREA_DEFAULT_SENSOR = "eo-ir"  # capability a survey or patrol uses when the task names none
CIRCUIT_AGL_M = 300.0  # height of the take-off climb-out and of the landing circuit above a base
APPROACH_M = 4000.0  # final approach length: the landing starts this far out on the landing heading


@dataclass(frozen=True)
class Task:
    """One feature of an area file: something to watch (or, for ``nofly``, airspace to avoid).

    ``geometry`` is in WGS84 lon/lat. Times are timezone-aware UTC. ``source`` names the file and
    feature for messages.
    """

    name: str
    kind: str
    geometry: BaseGeometry
    priority: float = 1.0
    sensor: str | None = None
    dwell_min: float | None = None
    alt_m: float | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    persistent_h: float | None = None
    standoff_km: float | None = None
    width_m: float | None = None
    ground_elev_m: float = 0.0
    source: str = ""
    alt_agl_m: float | None = None

    def __post_init__(self) -> None:
        where = self.source or f"task '{self.name}'"
        if self.kind not in TASK_KINDS:
            raise InputError(f"{where}: task '{self.kind}' is not one of {', '.join(TASK_KINDS)}")
        if not self.name:
            raise InputError(f"{where}: a task needs a name")
        if ";" in self.name:  # timeline.csv lists a leg's tasks separated by ';'
            raise InputError(f"{where}: a task name cannot contain ';'")
        if not (self.priority >= 0 and math.isfinite(self.priority)):
            raise InputError(f"{where}: priority must be a number >= 0, got {self.priority}")
        for key in ("dwell_min", "persistent_h", "standoff_km", "width_m"):
            value = getattr(self, key)
            if value is not None and not (value > 0 and math.isfinite(value)):
                raise InputError(f"{where}: '{key}' must be > 0, got {value}")
        if self.alt_m is not None and not (0 < self.alt_m <= 30000):
            raise InputError(f"{where}: 'alt_m' must be in (0, 30000] m AMSL, got {self.alt_m}")
        if self.alt_agl_m is not None:
            if self.alt_m is not None:
                raise InputError(f"{where}: give 'alt_m' (AMSL) or 'alt_agl_m' (above the ground), not both")
            if not (0 < self.alt_agl_m <= 30000):
                raise InputError(f"{where}: 'alt_agl_m' must be in (0, 30000] m above the ground, got {self.alt_agl_m}")
        for key in ("window_start", "window_end"):
            value = getattr(self, key)
            if value is not None and value.tzinfo is None:
                raise InputError(f"{where}: '{key}' needs a time zone (e.g. 2026-12-01T06:00:00Z)")
        if self.window_start and self.window_end and self.window_end <= self.window_start:
            raise InputError(
                f"{where}: window_end {self.window_end.isoformat()} is not after window_start "
                f"{self.window_start.isoformat()}"
            )

    @property
    def dwell_s(self) -> float:
        """Time on station (s); an orbit without ``dwell_min`` gets one lap's worth (0 here)."""
        return (self.dwell_min or 0.0) * 60.0

    def flight_alt_m(self, default_alt_m: float) -> float:
        """Altitude AMSL (m) the task is flown at: ``alt_m``, else ``alt_agl_m`` above ``ground_elev_m``, else
        ``default_alt_m`` (the aircraft profile's)."""
        if self.alt_m is not None:
            return self.alt_m
        if self.alt_agl_m is not None:
            return self.ground_elev_m + self.alt_agl_m
        return default_alt_m

    @property
    def capability(self) -> str | None:
        """The sensor capability the task needs (surveys and patrols default to EO/IR)."""
        if self.sensor is None and self.kind in ("survey", "patrol"):
            return AREA_DEFAULT_SENSOR
        return self.sensor


@dataclass(frozen=True)
class Base:
    """An airfield with a ground control station. ``gcs_range_km`` caps its line-of-sight reach."""

    name: str
    lon: float
    lat: float
    elev_m: float = 0.0
    gcs_range_km: float = 250.0
    antenna_m: float = 10.0
    runway_deg: float | None = None

    def __post_init__(self) -> None:
        where = f"base '{self.name}'"
        if not -180.0 <= self.lon <= 180.0 or not -90.0 <= self.lat <= 90.0:
            raise InputError(f"{where}: lon/lat ({self.lon}, {self.lat}) out of range")
        if self.gcs_range_km < 0 or self.antenna_m < 0:
            raise InputError(f"{where}: gcs_range_km and antenna_m must be >= 0")
        if self.runway_deg is not None and not 0.0 <= self.runway_deg < 360.0:
            raise InputError(f"{where}: runway_deg must be in [0, 360)")

    def landing_heading_deg(self, wind: Wind) -> float:
        """Heading (degrees true) flown on the final approach: along ``runway_deg``; without a runway, into
        the wind; in calm air without a runway, north. An autopilot landing straight down from the circuit
        over the field glides at 50° and flares hundreds of metres up, so every landing has an approach."""
        if self.runway_deg is not None:
            return self.runway_deg
        return wind.from_deg % 360.0 if wind.speed_mps > 0 else 0.0

    def approach_start(self, wind: Wind) -> tuple[float, float]:
        """(lon, lat) where the final approach starts: :data:`APPROACH_M` short of the base on the landing
        heading."""
        lon, lat = geo.destination(self.lon, self.lat, (self.landing_heading_deg(wind) + 180.0) % 360.0, APPROACH_M)
        return float(lon), float(lat)


@dataclass(frozen=True)
class FleetEntry:
    """``count`` aircraft of one type at one base; ``payload`` None lets the planner choose."""

    aircraft: Aircraft
    count: int
    base: str
    payload: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.count < 1:
            raise InputError(f"fleet entry '{self.aircraft.name}': count must be >= 1, got {self.count}")


@dataclass(frozen=True)
class Wind:
    """Constant wind: ``from_deg`` the true direction it blows FROM, ``speed_mps`` its speed."""

    from_deg: float = 0.0
    speed_mps: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.from_deg <= 360.0:
            raise InputError(f"wind: from_deg must be in [0, 360], got {self.from_deg}")
        if not 0.0 <= self.speed_mps < 100.0:
            raise InputError(f"wind: speed_mps must be in [0, 100), got {self.speed_mps}")


@dataclass(frozen=True)
class Reserve:
    """Fuel kept back on every sortie: the larger of ``fraction`` of endurance and ``min_minutes``."""

    fraction: float = 0.10
    min_minutes: float = 45.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.fraction < 1.0:
            raise InputError(f"reserve: fraction must be in [0, 1), got {self.fraction}")
        if self.min_minutes < 0:
            raise InputError(f"reserve: min_minutes must be >= 0, got {self.min_minutes}")

    def reserve_s(self, endurance_s: float) -> float:
        """Reserve (s) kept on a sortie of ``endurance_s``."""
        return max(self.fraction * endurance_s, self.min_minutes * 60.0)


@dataclass(frozen=True)
class SolverSettings:
    """Optimiser budget: wall-clock cap, seed, and an optional iteration limit for reproducibility."""

    time_limit_s: float = 30.0
    seed: int = 0
    max_iterations: int | None = None

    def __post_init__(self) -> None:
        if not self.time_limit_s > 0:
            raise InputError(f"solver: time_limit_s must be > 0, got {self.time_limit_s}")
        if self.max_iterations is not None and self.max_iterations < 0:
            raise InputError(f"solver: max_iterations must be >= 0, got {self.max_iterations}")


@dataclass(frozen=True)
class Persistent:
    """Relief-on-station settings (the ``[persistent]`` table).

    ``horizon_h`` (h): coverage wanted for every orbit task that gives no ``persistent_h`` (None: only
    tasks with ``persistent_h`` are watched); ``handover_min``: overlap of relieved and relieving
    aircraft on station.
    """

    horizon_h: float | None = None
    handover_min: float = 15.0

    def __post_init__(self) -> None:
        if self.horizon_h is not None and not 0 < self.horizon_h <= 24 * 60:
            raise InputError(f"persistent: horizon_h must be in (0, 1440] hours, got {self.horizon_h}")
        if not 0 <= self.handover_min < 600:
            raise InputError(f"persistent: handover_min must be in [0, 600) minutes, got {self.handover_min}")


@dataclass(frozen=True)
class Scenario:
    """A whole planning problem in WGS84. ``sensors`` is the catalogue the fleet's payloads refer to;
    ``terrain`` the ground under it (None: flat ground at sea level except where bases and targets say)."""

    name: str
    start: datetime
    tasks: tuple[Task, ...]
    bases: tuple[Base, ...]
    fleet: tuple[FleetEntry, ...]
    sensors: Mapping[str, Sensor]
    wind: Wind = field(default_factory=Wind)
    reserve: Reserve = field(default_factory=Reserve)
    solver: SolverSettings = field(default_factory=SolverSettings)
    persistent: Persistent = field(default_factory=Persistent)
    autopilot: str = "ardupilot"
    warnings: tuple[str, ...] = ()
    terrain: Terrain | None = None

    def __post_init__(self) -> None:
        if self.terrain is not None and self.terrain.frame == "terrain" and self.autopilot != "ardupilot":
            raise InputError("scenario: [terrain] frame = \"terrain\" is ArduPilot's terrain frame; px4 missions stay AMSL")
        if self.start.tzinfo is None or self.start.utcoffset() != timedelta(0):
            raise InputError(f"scenario: start must be UTC (end it with Z), got {self.start.isoformat()}")
        if self.autopilot not in AUTOPILOTS:
            raise InputError(f"scenario: autopilot '{self.autopilot}' is not one of {', '.join(AUTOPILOTS)}")
        if not self.bases:
            raise InputError("scenario: at least one [[base]] is needed")
        if not self.fleet:
            raise InputError("scenario: at least one [[fleet]] entry is needed")
        names = [b.name for b in self.bases]
        if len(set(names)) != len(names):
            raise InputError(f"scenario: duplicate base names in {names}")
        seen: dict[str, str] = {}
        for task in self.tasks:
            if task.name in seen:
                raise InputError(f"duplicate task name '{task.name}' ({seen[task.name]} and {task.source})")
            seen[task.name] = task.source
        capabilities = {s.capability for s in self.sensors.values()}
        for task in self.tasks:
            if task.sensor is not None and task.sensor not in capabilities:
                raise InputError(
                    f"{task.source}: sensor '{task.sensor}' is unknown (known: {', '.join(sorted(capabilities))})"
                )
        for entry in self.fleet:
            if entry.base not in names:
                raise InputError(f"fleet '{entry.aircraft.name}': unknown base '{entry.base}' (bases: {', '.join(names)})")
            if entry.payload is not None:
                for item in entry.payload:
                    if item not in self.sensors:
                        raise InputError(
                            f"fleet '{entry.aircraft.name}': unknown payload '{item}' "
                            f"(catalogue: {', '.join(sorted(self.sensors))})"
                        )
                if len(set(entry.payload)) != len(entry.payload):
                    raise InputError(f"fleet '{entry.aircraft.name}': payload lists an item twice")
                mass = sum(self.sensors[i].mass_kg for i in entry.payload)
                if mass > entry.aircraft.max_payload_kg + 1e-9:
                    raise InputError(
                        f"fleet '{entry.aircraft.name}': payload {', '.join(entry.payload)} weighs {mass:g} kg, "
                        f"over max_payload_kg {entry.aircraft.max_payload_kg:g}"
                    )

    def base(self, name: str) -> Base:
        """The base called ``name``."""
        for b in self.bases:
            if b.name == name:
                return b
        raise InputError(f"unknown base '{name}'")

    @property
    def nofly(self) -> tuple[Task, ...]:
        """The no-fly zones."""
        return tuple(t for t in self.tasks if t.kind == "nofly")

    @property
    def work(self) -> tuple[Task, ...]:
        """Tasks to serve (everything but no-fly zones)."""
        return tuple(t for t in self.tasks if t.kind != "nofly")
