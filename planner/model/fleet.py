"""Airframes: each aircraft of the fleet with its base, loadout, endurance and reserve, and the loadouts it
may carry."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from itertools import combinations

from planner.model.aircraft import Aircraft
from planner.model.scenario import Base, FleetEntry, Reserve, Scenario
from planner.model.sensors import Sensor

__all__ = ["Airframe", "airframes", "candidate_loadouts", "default_loadout", "lightest", "with_loadout"]


@dataclass(frozen=True)
class Airframe:
    """One aircraft available to the plan. Times in seconds."""

    name: str
    aircraft: Aircraft
    base: Base
    loadout: tuple[str, ...]
    payload_kg: float
    endurance_s: float
    reserve_s: float
    capabilities: frozenset[str]
    chosen: bool

    @property
    def usable_s(self) -> float:
        """Flight time available before the reserve (s)."""
        return max(0.0, self.endurance_s - self.reserve_s)


def lightest(sensors: dict[str, Sensor]) -> dict[str, Sensor]:
    """capability -> the lightest catalogue sensor of it (ties by name): what a chosen loadout carries."""
    best: dict[str, Sensor] = {}
    for s in sorted(sensors.values(), key=lambda s: (s.mass_kg, s.name)):
        best.setdefault(s.capability, s)
    return best


def default_loadout(aircraft: Aircraft, sensors: dict[str, Sensor], demand: dict[str, float]) -> tuple[str, ...]:
    """A loadout for an aircraft whose payload the scenario leaves open.

    Sensors whose capability some task needs are added greedily by priority demand per kilogram
    while they fit ``max_payload_kg`` (lightest sensor of each capability). Unneeded sensors are left
    on the ground: a lighter aircraft flies longer.
    """
    best = lightest(sensors)
    wanted = sorted(
        (cap for cap in demand if cap in best and demand[cap] > 0),
        key=lambda cap: (-demand[cap] / max(best[cap].mass_kg, 1e-9), cap),
    )
    chosen: list[str] = []
    mass = 0.0
    for cap in wanted:
        sensor = best[cap]
        if mass + sensor.mass_kg <= aircraft.max_payload_kg + 1e-9:
            chosen.append(sensor.name)
            mass += sensor.mass_kg
    return tuple(sorted(chosen))


def airframes(scenario: Scenario) -> list[Airframe]:
    """Every aircraft of the fleet, named ``<type>-<n>`` in fleet order."""
    demand: dict[str, float] = defaultdict(float)
    for task in scenario.work:
        if task.sensor:
            demand[task.sensor] += task.priority
    counters: dict[str, int] = defaultdict(int)
    out: list[Airframe] = []
    for entry in scenario.fleet:
        out.extend(_expand(entry, scenario, demand, counters))
    return out


def _expand(entry: FleetEntry, scenario: Scenario, demand: dict[str, float], counters: dict[str, int]) -> list[Airframe]:
    craft = entry.aircraft
    chosen = entry.payload is None
    loadout = default_loadout(craft, dict(scenario.sensors), demand) if chosen else tuple(entry.payload or ())
    payload_kg = sum(scenario.sensors[name].mass_kg for name in loadout)
    endurance = craft.endurance_s(payload_kg)
    out = []
    for _ in range(entry.count):
        counters[craft.name] += 1
        out.append(
            Airframe(
                name=f"{craft.name}-{counters[craft.name]}",
                aircraft=craft,
                base=scenario.base(entry.base),
                loadout=loadout,
                payload_kg=payload_kg,
                endurance_s=endurance,
                reserve_s=scenario.reserve.reserve_s(endurance),
                capabilities=frozenset(scenario.sensors[name].capability for name in loadout),
                chosen=chosen,
            )
        )
    return out


def candidate_loadouts(aircraft: Aircraft, sensors: dict[str, Sensor], needed: set[str]) -> list[tuple[str, ...]]:
    """Every set of sensors (lightest of each needed capability) within ``max_payload_kg``, lightest first."""
    best = {cap: s for cap, s in lightest(sensors).items() if cap in needed}
    caps = sorted(best)
    out: list[tuple[float, tuple[str, ...]]] = []
    for k in range(len(caps) + 1):
        for combo in combinations(caps, k):
            mass = sum(best[c].mass_kg for c in combo)
            if mass <= aircraft.max_payload_kg + 1e-9:
                out.append((mass, tuple(sorted(best[c].name for c in combo))))
    return [names for _, names in sorted(out)]


def with_loadout(frame: Airframe, loadout: tuple[str, ...], sensors: dict[str, Sensor], reserve: Reserve) -> Airframe:
    """``frame`` carrying ``loadout``: payload mass, endurance and reserve follow."""
    mass = sum(sensors[n].mass_kg for n in loadout)
    endurance = frame.aircraft.endurance_s(mass)
    return replace(
        frame,
        loadout=loadout,
        payload_kg=mass,
        endurance_s=endurance,
        reserve_s=reserve.reserve_s(endurance),
        capabilities=frozenset(sensors[n].capability for n in loadout),
    )
