"""A corpus of bad inputs, each with the message ``planner plan`` must give (exit 3, one line).

Each case is a dict of file name to text, written into a folder; the scenario is ``scenario.toml``.
"""

from __future__ import annotations

import json

GOOD_TOML = """name = "bad input"
start = "2026-12-01T04:00:00Z"
areas = ["targets.geojson"]
[[base]]
name = "Alpha"
lon = 73.0
lat = 49.0
[[fleet]]
aircraft = "anka"
base = "Alpha"
payload = ["eo-ir"]
"""


def _fc(*features: dict) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def _point(lon: float = 73.5, lat: float = 49.5, **props: object) -> dict:
    return {"type": "Feature", "properties": {"task": "orbit", "name": "a", **props},
            "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def _poly(ring: list[list[float]], **props: object) -> dict:
    return {"type": "Feature", "properties": {"task": "survey", "name": "p", **props},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


GOOD_AREAS = _fc(_point())
PROFILE = """name = "mine"
endurance_h = 10
max_payload_kg = 80
reference_payload_kg = 60
cruise_speed_mps = 40
loiter_speed_mps = 30
max_bank_deg = 30
empty_mass_kg = 250
mtow_kg = 450
max_fuel_kg = 120
ceiling_m = 6000
default_alt_m = 3000
climb_rate_mps = 3
descent_rate_mps = 4
turnaround_min = 60
"""
SENSORS = """[[sensor]]
name = "cam"
capability = "eo-ir"
mass_kg = 30
look = "down"
fov_deg = 20
slant_range_m = 12000
"""
MY_SENSORS = 'sensors = "mine-sensors.toml"\n' + GOOD_TOML.replace('["eo-ir"]', '["cam"]')


def case(toml: str = GOOD_TOML, areas: str = GOOD_AREAS, **extra: str) -> dict[str, str]:
    return {"scenario.toml": toml, "targets.geojson": areas, **extra}


CORPUS: dict[str, tuple[dict[str, str], str]] = {
    "malformed toml": (case(GOOD_TOML + "[wind\n"), "malformed TOML"),
    "empty scenario": (case(""), "file is empty"),
    "malformed geojson": (case(areas='{"type": "FeatureCollection", "features": [}'), "targets.geojson"),
    "empty area file": (case(areas=""), "targets.geojson"),
    "area file missing": (case(GOOD_TOML.replace("targets.geojson", "nothere.geojson")), "file not found"),
    "unknown key": (case(GOOD_TOML.replace("[[base]]", "[wind]\nspeed_ms = 3\n[[base]]")),
                    "did you mean 'speed_mps'"),
    "missing key": (case(GOOD_TOML.replace('base = "Alpha"\npayload', 'payload')), "missing required key 'base'"),
    "wrong type": (case(GOOD_TOML.replace("lon = 73.0", 'lon = "73E"')), "'lon' must be a number"),
    "negative wind": (case(GOOD_TOML + "[wind]\nspeed_mps = -3\n"), "'speed_mps' must be >= 0"),
    "negative speed in profile": (
        case(GOOD_TOML.replace('aircraft = "anka"', 'aircraft = "mine.toml"').replace('["eo-ir"]', "[]"),
             **{"mine.toml": PROFILE.replace("cruise_speed_mps = 40", "cruise_speed_mps = -40")}),
        "'cruise_speed_mps' must be > 0"),
    "bank of 90 degrees": (
        case(GOOD_TOML.replace('aircraft = "anka"', 'aircraft = "mine.toml"').replace('["eo-ir"]', "[]"),
             **{"mine.toml": PROFILE.replace("max_bank_deg = 30", "max_bank_deg = 90")}),
        "'max_bank_deg' must be < 90"),
    "unfixable polygon": (case(areas=_fc(_poly([[72, 48], [73, 48], [72, 48], [73, 48]]))), "p"),
    "no crs": (case(GOOD_TOML.replace("targets.geojson", "t.csv"), **{"t.csv": "WKT,task,name\n\"POINT (73 49)\",orbit,a\n"}),
               "no coordinate reference system"),
    "lon out of range": (case(areas=_fc(_point(lon=200.0, lat=10.0))), "outside lon"),
    "swapped lon/lat": (case(areas=_fc(_point(lon=49.5, lat=173.5))), "look swapped"),
    "duplicate names": (case(areas=_fc(_point(), _point(lon=73.6))), "duplicate task name 'a'"),
    "semicolon in a name": (case(areas=_fc(_point(name="a;b"))), "a task name cannot contain ';'"),
    "unknown aircraft": (case(GOOD_TOML.replace('"anka"', '"anca"')), "did you mean 'anka'"),
    "unknown sensor": (case(areas=_fc(_point(sensor="lidar"))), "sensor 'lidar' is unknown"),
    "unknown base": (case(GOOD_TOML.replace('base = "Alpha"\npayload', 'base = "Bravo"\npayload')), "unknown base 'Bravo'"),
    "payload over maximum": (case(GOOD_TOML.replace('["eo-ir"]', '["eo-ir", "sar", "gmti"]')), "over max_payload_kg"),
    "window ends before it starts": (
        case(areas=_fc(_point(window_start="2026-12-01T09:00:00Z", window_end="2026-12-01T08:00:00Z"))),
        "is not after window_start"),
    "start without zone": (case(GOOD_TOML.replace("04:00:00Z", "04:00:00")), "needs a time zone"),
    "persistent horizon out of range": (case(GOOD_TOML + "[persistent]\nhorizon_h = 0\n"),
                                        "[persistent]: 'horizon_h' must be > 0, got 0"),
    "persistent unknown key": (case(GOOD_TOML + "[persistent]\nhandover_mins = 10\n"), "did you mean 'handover_min'"),
    "negative persistent_h": (case(areas=_fc(_point(persistent_h=-4))), "'persistent_h' must be > 0"),
    "sensor field of view of 200 degrees": (
        case(MY_SENSORS, **{"mine-sensors.toml": SENSORS.replace("fov_deg = 20", "fov_deg = 200")}),
        "'fov_deg' must be <= 179"),
    "sensor depression limits the wrong way round": (
        case(MY_SENSORS, **{"mine-sensors.toml": SENSORS + "min_depression_deg = 60\nmax_depression_deg = 30\n"}),
        "'min_depression_deg' 60 must be below 'max_depression_deg' 30"),
    "sensor side that is no side": (
        case(MY_SENSORS, **{"mine-sensors.toml": SENSORS.replace('look = "down"', 'look = "side"\nsides = "up"')}),
        "'sides' must be one of left, right, both"),
    "sensor squint over 90 degrees": (
        case(MY_SENSORS, **{"mine-sensors.toml": SENSORS + "squint_deg = 120\n"}), "'squint_deg' must be <= 90"),
    "sensor watching some targets": (
        case(MY_SENSORS, **{"mine-sensors.toml": SENSORS + 'targets = "some"\n'}), "'targets' must be one of one, all"),
    "sensor with a negative slant range": (
        case(MY_SENSORS, **{"mine-sensors.toml": SENSORS.replace("12000", "-5")}), "'slant_range_m' must be >= 0"),
    "side-looking sensor without a far limit": (
        case(MY_SENSORS, **{"mine-sensors.toml": SENSORS.replace('look = "down"', 'look = "side"').replace(
            "slant_range_m = 12000", "")}),
        "needs 'slant_range_m', 'min_depression_deg' or 'swath_m'"),
}
