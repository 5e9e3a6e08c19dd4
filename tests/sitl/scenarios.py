"""Scenarios flown in SITL: small missions of the ``tactical`` profile planned by the planner itself.

One base on a 1,000 m plateau (with a runway heading 090, or without a runway: then it lands into the
wind); tasks at 1,600-1,700 m AMSL, where ArduPlane's (TAS/EAS)² scaling of a loiter radius is about 1.2
(a flight that ignores it is wider than the 15 % the tests allow). The ``high`` flight puts the base on a
5,000 m field and its orbit at the Anka's 5,500 m, where the scaling is about 1.75 (the simulated airframe
cannot climb there from 1,000 m in a test's time). Each flight lasts 10-30 simulated minutes. Areas are
made in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.api import plan_scenario
from planner.model.scenario import Base, Wind
from tests.conftest import target, write_scenario

__all__ = ["BASE", "FLIGHTS", "Flight", "plan_flight"]

BASE = {"name": "Plateau", "lon": 73.334, "lat": 49.670, "elev_m": 1000.0}
ALT_M = 1600.0
HIGH_ALT_M = 5500.0  # the Anka's altitude: (TAS/EAS)² is about 1.75 there
FLEET = '[[fleet]]\naircraft = "tactical"\ncount = 1\nbase = "Plateau"\npayload = ["eo-ir"]\n'


def _polygon(name: str, task: str, lon: float, lat: float, dlon: float, dlat: float, **props: Any) -> dict[str, Any]:
    ring = [[lon, lat], [lon + dlon, lat], [lon + dlon, lat + dlat], [lon, lat + dlat], [lon, lat]]
    return {"type": "Feature", "properties": {"task": task, "name": name, **props},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _line(name: str, points: list[list[float]], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"task": "patrol", "name": name, **props},
            "geometry": {"type": "LineString", "coordinates": points}}


@dataclass(frozen=True)
class Flight:
    """A scenario to plan and fly: its area features, the base's runway heading (None: no runway) and field
    elevation (m AMSL), wind (from degrees, m/s) and what it exercises."""

    name: str
    features: tuple[dict[str, Any], ...]
    runway_deg: float | None = 90.0
    wind: tuple[float, float] | None = None
    about: str = ""
    elev_m: float = float(BASE["elev_m"])

    @property
    def base(self) -> Base:
        """The base as the planner reads it."""
        return Base(BASE["name"], BASE["lon"], BASE["lat"], self.elev_m, runway_deg=self.runway_deg)

    @property
    def takeoff_heading_deg(self) -> float:
        """Where the aircraft faces on the ground: its landing direction (the runway, or into the wind)."""
        wind = Wind(*self.wind) if self.wind else Wind()
        return self.base.landing_heading_deg(wind)


FLIGHTS = {
    "orbits": Flight("orbits", (
        target("O1", 73.39, 49.69, dwell_min=2, alt_m=ALT_M + 100, sensor="eo-ir"),
        target("S1", 73.30, 49.70, dwell_min=2, alt_m=ALT_M, sensor="eo-ir"),
        target("S2", 73.31, 49.705, dwell_min=2, alt_m=ALT_M, sensor="eo-ir"),
        _polygon("R1", "standoff", 73.40, 49.70, 0.006, 0.004, dwell_min=4, alt_m=ALT_M, standoff_km=2,
                 sensor="eo-ir"),
    ), about="an orbit, a shared orbit (S1 + S2) and a stand-off racetrack flown in DO_JUMP laps"),
    "coverage": Flight("coverage", (
        _polygon("V1", "survey", 73.36, 49.69, 0.03, 0.04, alt_m=ALT_M),
        _line("P1", [[73.30, 49.69], [73.33, 49.70], [73.36, 49.695]], alt_m=ALT_M),
    ), about="a survey with camera triggering and a patrol"),
    "airspace": Flight("airspace", (
        target("W1", 73.37, 49.72, dwell_min=2, alt_m=ALT_M, sensor="eo-ir",
               window_start="2026-12-01T04:05:00Z", window_end="2026-12-01T04:14:00Z"),
        target("W2", 73.40, 49.67, dwell_min=2, alt_m=ALT_M, sensor="eo-ir", window_start="2026-12-01T04:14:00Z"),
        _polygon("Z1", "nofly", 73.36, 49.66, 0.015, 0.02),
    ), runway_deg=None, wind=(110.0, 8.0),
        about="wind 8 m/s, a hold for a time window, a detour round a no-fly zone, a base without a runway"),
    "high": Flight("high", (
        target("H1", 73.37, 49.69, dwell_min=3, alt_m=HIGH_ALT_M, sensor="eo-ir"),
    ), elev_m=HIGH_ALT_M - 500.0, about="an orbit at the Anka's 5,500 m AMSL, from a 5,000 m field"),
}


def plan_flight(flight: Flight, folder: Path) -> Path:
    """Plan ``flight`` with the planner (scenario written into ``folder/in``); returns the plan folder."""
    fields = {**BASE, "elev_m": flight.elev_m,
              **({"runway_deg": flight.runway_deg} if flight.runway_deg is not None else {})}
    base = "".join(f'{k} = "{v}"\n' if isinstance(v, str) else f"{k} = {v}\n" for k, v in fields.items())
    extra = f"[wind]\nfrom_deg = {flight.wind[0]}\nspeed_mps = {flight.wind[1]}\n" if flight.wind else ""
    path = write_scenario(folder / "in", list(flight.features), fleet=FLEET, bases=f"[[base]]\n{base}",
                          extra=extra, name=f"sitl {flight.name}")
    _, _, out = plan_scenario(path, folder / "plan", max_iterations=300)
    return out
