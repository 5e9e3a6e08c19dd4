"""Flight physics used by layout, optimiser costs and checks. SI units: metres, seconds, kilograms.

Formulas (docs/concepts.md gives the derivations and assumptions):
- turn radius R = V² / (g·tan φ); for a ground-fixed circle in wind W, (V + W)² / (g·tan φ);
- ground speed on track χ with wind from θ: β = asin(W·sin(θ_to − χ)/V), V_g = V·cos β + W·cos(θ_to − χ);
- Breguet-style endurance E ∝ ln(W₀/W₁), calibrated at the reference payload;
- radio horizon d ≈ 4.12·(√h₁ + √h₂) km with h in metres;
- true airspeed from equivalent airspeed TAS = EAS·√(ρ₀/ρ), ρ from the ICAO standard atmosphere.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = [
    "G_MPS2",
    "breguet_endurance_s",
    "eas_to_tas",
    "ground_speed_mps",
    "leg_time_s",
    "loiter_lap_s",
    "radio_horizon_m",
    "turn_radius_m",
]

G_MPS2 = 9.80665

# ICAO standard atmosphere (troposphere to 11 km, then isothermal to 20 km)
_ISA_T0_K = 288.15
_ISA_LAPSE_K_PER_M = 0.0065
_ISA_R_J_PER_KG_K = 287.05287
_ISA_TROPOPAUSE_M = 11000.0

_LAP_SAMPLES = 360


def turn_radius_m(airspeed_mps: float, max_bank_deg: float, wind_mps: float = 0.0) -> float:
    """Smallest radius (m) of a ground-fixed circle flown at ``airspeed_mps`` within the bank limit.

    In wind the ground speed peaks at V + W downwind, so the circle must be sized for it.
    """
    v = airspeed_mps + max(0.0, wind_mps)
    return v * v / (G_MPS2 * math.tan(math.radians(max_bank_deg)))


def ground_speed_mps(airspeed_mps: float, track_deg: Any, wind_from_deg: float, wind_mps: float) -> np.ndarray:
    """Ground speed (m/s) along ``track_deg`` (true, vectorised) with a wind blowing from ``wind_from_deg``.

    Returns values <= 0 where the aircraft cannot make headway (crosswind or headwind too strong).
    """
    track = np.radians(np.asarray(track_deg, float))
    if wind_mps <= 0.0:
        return np.full(track.shape, float(airspeed_mps))
    theta_to = math.radians(wind_from_deg + 180.0)
    rel = theta_to - track
    cross = wind_mps * np.sin(rel) / airspeed_mps
    ok = np.abs(cross) < 1.0
    beta = np.arcsin(np.clip(cross, -1.0, 1.0))
    vg = airspeed_mps * np.cos(beta) + wind_mps * np.cos(rel)
    return np.where(ok, vg, -1.0)


def leg_time_s(dist_m: Any, track_deg: Any, airspeed_mps: float, wind_from_deg: float, wind_mps: float) -> np.ndarray:
    """Time (s) to fly straight legs of ``dist_m`` on ``track_deg`` (true; vectorised) at ``airspeed_mps`` in
    the wind; ``inf`` where the aircraft makes no headway."""
    vg = ground_speed_mps(airspeed_mps, track_deg, wind_from_deg, wind_mps)
    with np.errstate(divide="ignore"):
        return np.where(vg > 0, np.asarray(dist_m, float) / np.where(vg > 0, vg, 1.0), np.inf)


def loiter_lap_s(radius_m: float, airspeed_mps: float, wind_from_deg: float = 0.0, wind_mps: float = 0.0) -> float:
    """Time (s) for one lap of a ground-fixed circle of ``radius_m`` at ``airspeed_mps`` in wind."""
    if wind_mps <= 0.0:
        return 2.0 * math.pi * radius_m / airspeed_mps
    tracks = (np.arange(_LAP_SAMPLES) + 0.5) * (360.0 / _LAP_SAMPLES)
    vg = ground_speed_mps(airspeed_mps, tracks, wind_from_deg, wind_mps)
    if (vg <= 0).any():
        return math.inf
    return float(np.sum((2.0 * math.pi * radius_m / _LAP_SAMPLES) / vg))


def breguet_endurance_s(
    payload_kg: float,
    *,
    empty_mass_kg: float,
    mtow_kg: float,
    max_fuel_kg: float,
    reference_payload_kg: float,
    reference_endurance_s: float,
) -> float:
    """Endurance (s) at ``payload_kg``: fuel = min(tank, MTOW − empty − payload), E ∝ ln(W₀/W₁).

    The constant is calibrated so that the reference payload gives the quoted endurance.
    """

    def log_ratio(payload: float) -> float:
        dry = empty_mass_kg + payload
        fuel = min(max_fuel_kg, mtow_kg - dry)
        return math.log((dry + fuel) / dry) if fuel > 0 else 0.0

    ref = log_ratio(reference_payload_kg)
    if ref <= 0:
        return 0.0
    return reference_endurance_s * log_ratio(payload_kg) / ref


def radio_horizon_m(antenna_m: Any, aircraft_alt_m: Any) -> Any:
    """Radio line-of-sight distance (m) between two heights above ground (4/3 Earth radius); vectorised."""
    a = np.sqrt(np.maximum(np.asarray(antenna_m, float), 0.0))
    h = np.sqrt(np.maximum(np.asarray(aircraft_alt_m, float), 0.0))
    out = 4120.0 * (a + h)
    return float(out) if out.ndim == 0 else out


def eas_to_tas(alt_m: Any) -> Any:
    """TAS/EAS ratio √(ρ₀/ρ) at ``alt_m`` metres AMSL in the ICAO standard atmosphere (1 at sea level,
    ≈ 1.16 at 3,000 m, ≈ 1.32 at 5,500 m); vectorised, altitudes clipped to −500…20,000 m.

    Autopilots fly an airspeed command as equivalent airspeed (what the pitot reads), so a true
    airspeed is commanded as TAS / this ratio. A hot or cold day moves the true ratio by a few per cent.
    """
    h = np.clip(np.asarray(alt_m, float), -500.0, 20000.0)
    exponent = G_MPS2 / (_ISA_LAPSE_K_PER_M * _ISA_R_J_PER_KG_K) - 1.0
    t_trop = _ISA_T0_K - _ISA_LAPSE_K_PER_M * np.minimum(h, _ISA_TROPOPAUSE_M)
    sigma = (t_trop / _ISA_T0_K) ** exponent
    above = np.maximum(h - _ISA_TROPOPAUSE_M, 0.0)
    t11 = _ISA_T0_K - _ISA_LAPSE_K_PER_M * _ISA_TROPOPAUSE_M
    sigma = sigma * np.exp(-G_MPS2 * above / (_ISA_R_J_PER_KG_K * t11))
    out = 1.0 / np.sqrt(sigma)
    return float(out) if out.ndim == 0 else out
