"""The plan: sorties of timed legs and the patterns they fly, in WGS84. Writers read only this.

Times are seconds from the scenario start (``Plan.start``, UTC). Altitudes are metres AMSL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shapely.geometry.base import BaseGeometry

from planner.core.intervals import covered_s
from planner.model.aircraft import Aircraft
from planner.model.scenario import Base, Scenario, Task, Wind
from planner.model.terrain import Terrain

__all__ = ["LEG_KINDS", "REASON_SEPARATOR", "TASK_LEG_KINDS", "Coverage", "Leg", "Orbit", "Pattern", "Plan", "Position",
           "SensorCoverage", "Sortie", "Unserved", "Watch"]

TASK_LEG_KINDS = ("orbit", "racetrack", "survey", "patrol")
LEG_KINDS = ("climb", "transit", "hold", *TASK_LEG_KINDS, "descent", "approach", "land")


@dataclass(frozen=True)
class Position:
    """A point in WGS84 with altitude AMSL (m)."""

    lon: float
    lat: float
    alt_m: float


@dataclass(frozen=True)
class Watch:
    """Whole laps of an orbit spent watching ``tasks`` with the sensor pointed at ``roi`` (at the target's
    ground height): from ``start_s`` to ``end_s`` (s from the mission start)."""

    tasks: tuple[str, ...]
    roi: Position
    turns: int
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        """Time watched (s)."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Orbit:
    """A ground-fixed circle flown for ``duration_s``: ``turns`` laps of ``radius_m``.

    ``clockwise`` is the direction seen from above. ``tasks`` are the targets it watches; ``watches``
    split its laps among them in the order flown: a sensor pointed at one target at a time watches each
    target of a shared orbit in turn, a wide-area one all of them at once (one watch).
    """

    centre: Position
    radius_m: float
    clockwise: bool
    turns: int
    lap_s: float
    tasks: tuple[str, ...]
    watches: tuple[Watch, ...]

    @property
    def duration_s(self) -> float:
        """Time on station (s)."""
        return self.turns * self.lap_s

    @property
    def roi(self) -> Position:
        """Where the sensor points first."""
        return self.watches[0].roi


@dataclass(frozen=True)
class Pattern:
    """A racetrack, survey or patrol: the polyline ``path`` flown (``laps`` times for a racetrack).

    ``lanes`` are index pairs into ``path`` between which the sensor records; ``trigger_m`` is the camera
    trigger distance on them (0: no camera); ``radius_m`` the turn radius; ``duty_cycle`` the share of a
    racetrack lap the sensor sees the target; ``roi`` where the sensor points. ``strips_m`` are the
    cross-track intervals imaged beside each lane (m, positive right of the direction flown); ``imaged``
    the share of a survey's area or a patrol's line they cover; ``watch_s`` the time a racetrack keeps
    its target in view, all laps.
    """

    kind: str
    path: tuple[Position, ...]
    laps: int
    lanes: tuple[tuple[int, int], ...]
    trigger_m: float
    radius_m: float
    duty_cycle: float
    tasks: tuple[str, ...]
    roi: Position | None
    duration_s: float
    strips_m: tuple[tuple[float, float], ...] = ()
    imaged: float = 0.0
    watch_s: float = 0.0


@dataclass(frozen=True)
class Leg:
    """One timed piece of a sortie from ``start`` to ``end``; ``distance_m`` is the ground distance flown.

    ``blos_s`` is the part of the leg (s) beyond every ground station's line of sight (SATCOM needed).
    ``via`` are turning points of a transit between ``start`` and ``end`` (around no-fly zones).
    """

    kind: str
    start_s: float
    end_s: float
    start: Position
    end: Position
    distance_m: float
    tasks: tuple[str, ...] = ()
    orbit: Orbit | None = None
    blos_s: float = 0.0
    pattern: Pattern | None = None
    via: tuple[Position, ...] = ()

    @property
    def duration_s(self) -> float:
        """Leg time (s)."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Sortie:
    """One aircraft's flight from take-off to landing.

    ``endurance_s`` is what the aircraft has at its loadout; ``reserve_s`` what must remain on landing.
    """

    name: str
    aircraft: Aircraft
    base: Base
    loadout: tuple[str, ...]
    payload_kg: float
    endurance_s: float
    reserve_s: float
    legs: tuple[Leg, ...]
    notes: tuple[str, ...] = ()

    @property
    def takeoff_s(self) -> float:
        """Take-off time (s from mission start)."""
        return self.legs[0].start_s if self.legs else 0.0

    @property
    def landing_s(self) -> float:
        """Landing time (s from mission start)."""
        return self.legs[-1].end_s if self.legs else 0.0

    @property
    def flight_s(self) -> float:
        """Airborne time (s)."""
        return self.landing_s - self.takeoff_s

    @property
    def distance_m(self) -> float:
        """Ground distance flown (m), orbits included."""
        return sum(leg.distance_m for leg in self.legs)

    @property
    def reserve_left_s(self) -> float:
        """Fuel time left on landing (s); at least ``reserve_s`` in a valid plan."""
        return self.endurance_s - self.flight_s

    @property
    def blos_s(self) -> float:
        """Time beyond line of sight of every ground station (s)."""
        return sum(leg.blos_s for leg in self.legs)

    @property
    def tasks(self) -> tuple[str, ...]:
        """Tasks served, in order."""
        out: list[str] = []
        for leg in self.legs:
            if leg.kind in TASK_LEG_KINDS:
                out.extend(t for t in leg.tasks if t not in out)
        return tuple(out)

    @property
    def orbits(self) -> tuple[Orbit, ...]:
        """Orbits flown on task, in order."""
        return tuple(leg.orbit for leg in self.legs if leg.kind == "orbit" and leg.orbit is not None)

    @property
    def patterns(self) -> tuple[Pattern, ...]:
        """Racetracks, surveys and patrols flown, in order."""
        return tuple(leg.pattern for leg in self.legs if leg.pattern is not None)


REASON_SEPARATOR = "; "
"""Between the reasons a task is left out, in ``Unserved.reason`` (most important first)."""


@dataclass(frozen=True)
class Unserved:
    """A task the plan leaves out, and why: every reason that applies, most important first, joined by
    :data:`REASON_SEPARATOR`."""

    task: str
    reason: str

    @property
    def reasons(self) -> tuple[str, ...]:
        """Each reason on its own, most important first."""
        return tuple(self.reason.split(REASON_SEPARATOR))


@dataclass(frozen=True)
class Coverage:
    """Persistent coverage of one orbit over its window (s from mission start): covered time and gaps.

    ``fleet_needed`` is the smallest fleet found giving 100 %; ``closed_form`` the one-orbit formula's
    N = ⌈(E + T_g) / (T_os − T_h)⌉ for the orbit's first aircraft.
    """

    task: str
    window_start_s: float
    window_end_s: float
    covered_s: float
    gaps: tuple[tuple[float, float], ...]
    fleet_needed: int | None = None
    closed_form: int | None = None

    @property
    def share(self) -> float:
        """Covered share of the window, 0 to 1."""
        span = self.window_end_s - self.window_start_s
        return self.covered_s / span if span > 0 else 1.0


@dataclass(frozen=True)
class SensorCoverage:
    """What the plan's sensors see of one task, as the plan claims it (``planner check --coverage``
    measures it from the mission files).

    ``measure``: ``dwell`` for a point target (``watched_s`` under the sensor, pointed at it where the
    sensor is pointed, against the ``asked_s`` dwell), ``area`` for a survey (share of the area imaged),
    ``line`` for a patrol (share of the line imaged). ``share`` is 0 to 1 (a dwell's is capped at 1).
    """

    task: str
    measure: str
    share: float
    watched_s: float | None = None
    asked_s: float | None = None


@dataclass(frozen=True)
class Plan:
    """Everything the writers need: sorties, unserved tasks, the inputs they refer to, and metrics;
    ``terrain`` the scenario's (the map's hillshade, altitude profiles, terrain-frame missions)."""

    name: str
    start: datetime
    autopilot: str
    wind: Wind
    bases: tuple[Base, ...]
    tasks: tuple[Task, ...]
    sorties: tuple[Sortie, ...]
    unserved: tuple[Unserved, ...]
    solver: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    coverage: tuple[Coverage, ...] = ()
    terrain: Terrain | None = None

    @classmethod
    def of(cls, scenario: Scenario, sorties: list[Sortie], unserved: dict[str, str], *, autopilot: str | None,
           solver: dict[str, Any], notes: tuple[str, ...] = (), coverage: tuple[Coverage, ...] = ()) -> Plan:
        """The plan of ``scenario``: its inputs, ``sorties``, ``unserved`` (task name -> reason) and
        ``coverage`` in the scenario's task order, ``autopilot`` defaulting to the scenario's."""
        order = {t.name: i for i, t in enumerate(scenario.work)}
        return cls(
            name=scenario.name,
            start=scenario.start,
            autopilot=autopilot or scenario.autopilot,
            wind=scenario.wind,
            bases=scenario.bases,
            tasks=scenario.tasks,
            sorties=tuple(sorties),
            unserved=tuple(Unserved(n, r) for n, r in sorted(unserved.items(), key=lambda kv: order[kv[0]])),
            solver=solver,
            notes=scenario.warnings + notes,
            coverage=tuple(sorted(coverage, key=lambda c: order[c.task])),
            terrain=scenario.terrain,
        )

    def time(self, seconds: float) -> datetime:
        """UTC time of ``seconds`` after the mission start."""
        return self.start + timedelta(seconds=seconds)

    @property
    def nofly(self) -> tuple[BaseGeometry, ...]:
        """No-fly zone geometries (WGS84)."""
        return tuple(t.geometry for t in self.tasks if t.kind == "nofly")

    @property
    def served(self) -> tuple[str, ...]:
        """Every task some sortie serves."""
        return tuple(name for s in self.sorties for name in s.tasks)

    @property
    def partly_covered(self) -> tuple[str, ...]:
        """Persistent orbits watched for less than the whole window asked: not served as asked."""
        return tuple(c.task for c in self.coverage if c.share < 1.0 - 1e-9)

    def sensor_coverage(self) -> tuple[SensorCoverage, ...]:
        """Per served task, in the scenario's order, what its sensor sees (:class:`SensorCoverage`). A
        persistent orbit (one with a relief ``coverage`` record) is asked for its whole window: watched is
        the union of its watches inside the window, so relief handovers count once and gaps not at all."""
        watched: dict[str, float] = {}
        spans: dict[str, list[tuple[float, float]]] = {}
        imaged: dict[str, float] = {}
        for s in self.sorties:
            for leg in s.legs:
                if leg.orbit is not None:
                    for w in leg.orbit.watches:
                        for name in w.tasks:
                            watched[name] = watched.get(name, 0.0) + w.duration_s
                            spans.setdefault(name, []).append((w.start_s, w.end_s))
                elif leg.pattern is not None and leg.pattern.kind == "racetrack":
                    for name in leg.pattern.tasks:
                        watched[name] = watched.get(name, 0.0) + leg.pattern.watch_s
                elif leg.pattern is not None:
                    for name in leg.pattern.tasks:
                        imaged[name] = max(imaged.get(name, 0.0), leg.pattern.imaged)
        windows = {c.task: (c.window_start_s, c.window_end_s) for c in self.coverage}
        out = []
        for t in self.tasks:
            if t.name in windows and t.name in spans:
                start, end = windows[t.name]
                seen, _ = covered_s(spans[t.name], (start, end))
                share = min(1.0, seen / (end - start)) if end > start else 1.0
                out.append(SensorCoverage(t.name, "dwell", share, seen, end - start))
            elif t.name in watched:
                seen = watched[t.name]
                share = min(1.0, seen / t.dwell_s) if t.dwell_s > 0 else float(seen > 0)
                out.append(SensorCoverage(t.name, "dwell", share, seen, t.dwell_s))
            elif t.name in imaged:
                out.append(SensorCoverage(t.name, "area" if t.kind == "survey" else "line", min(1.0, imaged[t.name])))
        return tuple(out)

    def metrics(self) -> dict[str, float]:
        """Headline figures: priority served (covered as asked: a persistent orbit only when covered for its
        whole window) and offered, counts, hours flown, distance (km)."""
        priority = {t.name: t.priority for t in self.tasks if t.kind != "nofly"}
        served = set(self.served) - set(self.partly_covered)
        return {
            "priority_served": round(sum(priority[n] for n in served), 6),
            "priority_total": round(sum(priority.values()), 6),
            "tasks_served": len(served),
            "tasks_unserved": len(self.unserved),
            "sorties": len(self.sorties),
            "flight_hours": round(sum(s.flight_s for s in self.sorties) / 3600.0, 4),
            "distance_km": round(sum(s.distance_m for s in self.sorties) / 1000.0, 3),
        }

