"""Sensor catalogue entries: what a payload item can see, and what it weighs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from planner.core.errors import InputError
from planner.core.schema import check_keys, number, string

__all__ = ["CAPABILITIES", "LOOKS", "SATCOM", "Sensor", "best_sensor"]

CAPABILITIES = ("eo-ir", "sar", "gmti", "sigint", "satcom")
SATCOM = "satcom"  # the payload that frees an aircraft from its ground stations' line of sight
LOOKS = ("down", "side", "omni")


@dataclass(frozen=True)
class Sensor:
    """One payload item. Ranges and swaths in metres, altitudes AMSL in metres."""

    name: str
    capability: str
    description: str
    mass_kg: float
    power_w: float
    look: str
    slant_range_m: float
    swath_m: float
    fov_deg: float
    min_alt_m: float
    max_alt_m: float
    camera: bool

    def __post_init__(self) -> None:
        where = f"sensor '{self.name}'"
        if self.capability not in CAPABILITIES:
            raise InputError(f"{where}: capability '{self.capability}' is not one of {', '.join(CAPABILITIES)}")
        if self.look not in LOOKS:
            raise InputError(f"{where}: look '{self.look}' is not one of {', '.join(LOOKS)}")
        if self.mass_kg < 0 or self.power_w < 0 or self.slant_range_m < 0 or self.swath_m < 0:
            raise InputError(f"{where}: mass, power, range and swath must be >= 0")
        if self.min_alt_m > self.max_alt_m:
            raise InputError(f"{where}: min_alt_m is above max_alt_m")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str) -> Sensor:
        """Build from a TOML table; ``where`` names the source in messages."""
        keys = ["name", "capability", "description", "mass_kg", "power_w", "look", "slant_range_m", "swath_m",
                "fov_deg", "min_alt_m", "max_alt_m", "camera"]
        check_keys(data, keys, ["name", "capability", "mass_kg"], where)
        camera = data.get("camera", False)
        if not isinstance(camera, bool):
            raise InputError(f"{where}: 'camera' must be true or false, got {camera!r}")
        return cls(
            name=string(data, "name", where),
            capability=string(data, "capability", where),
            description=string(data, "description", where, default=""),
            mass_kg=number(data, "mass_kg", where, ge=0),
            power_w=number(data, "power_w", where, ge=0, default=0.0),
            look=string(data, "look", where, default="down"),
            slant_range_m=number(data, "slant_range_m", where, ge=0, default=0.0),
            swath_m=number(data, "swath_m", where, ge=0, default=0.0),
            fov_deg=number(data, "fov_deg", where, ge=0, lt=180, default=0.0),
            min_alt_m=number(data, "min_alt_m", where, default=0.0),
            max_alt_m=number(data, "max_alt_m", where, default=30000.0),
            camera=camera,
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)

    def band_reason(self, alt_m: float) -> str:
        """Why this sensor cannot work at ``alt_m`` AMSL ('' when inside its altitude band)."""
        if not self.min_alt_m <= alt_m <= self.max_alt_m:
            return (f"altitude {alt_m:.0f} m is outside the {self.name} band "
                    f"{self.min_alt_m:.0f}-{self.max_alt_m:.0f} m")
        return ""

    def reason_unseen(self, alt_m: float, slant_m: float, radius_m: float) -> str:
        """Why this sensor cannot see a target from an orbit of ``radius_m`` at ``alt_m`` AMSL whose far
        side is ``slant_m`` from it ('' when it can): the altitude band, then the slant range."""
        band = self.band_reason(alt_m)
        if band:
            return band
        if self.slant_range_m > 0 and slant_m > self.slant_range_m:
            return (f"{self.name} slant range {self.slant_range_m / 1000:.1f} km is shorter than the "
                    f"{slant_m / 1000:.1f} km from a {radius_m:.0f} m orbit at {alt_m:.0f} m")
        return ""


def best_sensor(capability: str | None, sensors: Mapping[str, Sensor], names: tuple[str, ...]) -> Sensor | None:
    """The longest-reaching sensor among ``names`` with ``capability`` (None: none there)."""
    fits = [sensors[n] for n in names if sensors[n].capability == capability]
    return max(fits, key=lambda s: (s.slant_range_m, s.swath_m, s.name)) if fits else None
