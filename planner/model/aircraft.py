"""Aircraft profiles: performance figures a plan depends on, validated on creation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from planner.core import physics
from planner.core.errors import InputError
from planner.core.schema import check_keys, number, string, string_list

__all__ = ["Aircraft"]

_NUMBERS: dict[str, dict[str, float]] = {
    "endurance_h": {"gt": 0, "le": 200},
    "max_payload_kg": {"ge": 0},
    "reference_payload_kg": {"ge": 0},
    "cruise_speed_mps": {"gt": 0, "le": 400},
    "loiter_speed_mps": {"gt": 0, "le": 400},
    "max_bank_deg": {"gt": 0, "lt": 90},
    "empty_mass_kg": {"gt": 0},
    "mtow_kg": {"gt": 0},
    "max_fuel_kg": {"gt": 0},
    "ceiling_m": {"gt": 0, "le": 30000},
    "default_alt_m": {"gt": 0, "le": 30000},
    "climb_rate_mps": {"gt": 0, "le": 100},
    "descent_rate_mps": {"gt": 0, "le": 100},
    "turnaround_min": {"ge": 0},
}


@dataclass(frozen=True)
class Aircraft:
    """A fixed-wing aircraft type. Speeds are true airspeeds; altitudes AMSL."""

    name: str
    description: str
    endurance_h: float
    max_payload_kg: float
    reference_payload_kg: float
    cruise_speed_mps: float
    loiter_speed_mps: float
    max_bank_deg: float
    empty_mass_kg: float
    mtow_kg: float
    max_fuel_kg: float
    ceiling_m: float
    default_alt_m: float
    climb_rate_mps: float
    descent_rate_mps: float
    turnaround_min: float
    public: tuple[str, ...] = ()
    assumed: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = f"aircraft '{self.name}'"
        for key, bounds in _NUMBERS.items():
            number({key: getattr(self, key)}, key, where, **bounds)
        if self.reference_payload_kg > self.max_payload_kg:
            raise InputError(f"{where}: reference_payload_kg exceeds max_payload_kg")
        if self.empty_mass_kg + self.max_payload_kg >= self.mtow_kg:
            raise InputError(f"{where}: empty mass plus max payload leaves no fuel below mtow_kg")
        if self.default_alt_m > self.ceiling_m:
            raise InputError(f"{where}: default_alt_m is above ceiling_m")
        unknown = set(self.public) | set(self.assumed)
        if not unknown <= set(_NUMBERS):
            raise InputError(f"{where}: 'public'/'assumed' name unknown fields {sorted(unknown - set(_NUMBERS))}")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str) -> Aircraft:
        """Build from a TOML table; ``where`` names the source in messages."""
        fields = ["name", "description", "public", "assumed", *_NUMBERS]
        check_keys(data, fields, ["name", *_NUMBERS], where)
        values: dict[str, Any] = {key: number(data, key, where, **b) for key, b in _NUMBERS.items()}
        return cls(
            name=string(data, "name", where),
            description=string(data, "description", where, default=""),
            public=string_list(data, "public", where, default=()),
            assumed=string_list(data, "assumed", where, default=()),
            **values,
        )

    def as_numbers(self) -> dict[str, float]:
        """The numeric figures, unit-suffixed keys."""
        return {key: getattr(self, key) for key in _NUMBERS}

    def as_dict(self) -> dict[str, Any]:
        """Everything, JSON-ready."""
        d = asdict(self)
        d["public"] = list(self.public)
        d["assumed"] = list(self.assumed)
        return d

    def endurance_s(self, payload_kg: float) -> float:
        """Endurance (s) carrying ``payload_kg``: Breguet-style, calibrated at the reference payload."""
        if payload_kg > self.max_payload_kg + 1e-9:
            raise InputError(
                f"aircraft '{self.name}': payload {payload_kg:g} kg exceeds max_payload_kg {self.max_payload_kg:g}"
            )
        return physics.breguet_endurance_s(
            payload_kg,
            empty_mass_kg=self.empty_mass_kg,
            mtow_kg=self.mtow_kg,
            max_fuel_kg=self.max_fuel_kg,
            reference_payload_kg=self.reference_payload_kg,
            reference_endurance_s=self.endurance_h * 3600.0,
        )

    def turn_radius_m(self, wind_mps: float = 0.0, *, loiter: bool = True) -> float:
        """Smallest ground-fixed circle (m) at loiter (or cruise) speed in a wind of ``wind_mps``."""
        speed = self.loiter_speed_mps if loiter else self.cruise_speed_mps
        return physics.turn_radius_m(speed, self.max_bank_deg, wind_mps)
