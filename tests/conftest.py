"""Shared fixtures: small scenarios written in code into tmp_path."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from tests.sitl.process import missing_reason

# The suite's property tests draw the same examples on every run, so CI passes or fails on the code, not
# on the draw; HYPOTHESIS_PROFILE=explore draws fresh examples (run it when touching an invariant).
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "areas" / "central_kazakhstan" / "scenario.toml"


def target(name: str, lon: float, lat: float, **props: Any) -> dict[str, Any]:
    """A GeoJSON orbit feature."""
    properties = {"task": "orbit", "name": name, **props}
    return {"type": "Feature", "properties": properties, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def write_scenario(
    folder: Path,
    features: list[dict[str, Any]],
    *,
    fleet: str = '[[fleet]]\naircraft = "anka"\ncount = 1\nbase = "Alpha"\npayload = ["eo-ir"]\n',
    bases: str = '[[base]]\nname = "Alpha"\nlon = 73.0\nlat = 49.0\nelev_m = 500\n',
    extra: str = "",
    name: str = "test scenario",
) -> Path:
    """Write ``targets.geojson`` and ``scenario.toml`` into ``folder``; returns the scenario path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "targets.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    text = (
        f'name = "{name}"\nstart = "2026-12-01T04:00:00Z"\nareas = ["targets.geojson"]\n{extra}\n'
        f"{bases}\n{fleet}\n[solver]\ntime_limit_s = 2\nseed = 0\nmax_iterations = 300\n"
    )
    path = folder / "scenario.toml"
    path.write_text(text)
    return path


@pytest.fixture
def scenario_factory(tmp_path: Path) -> Callable[..., Path]:
    """Build a scenario in a fresh sub-folder of tmp_path."""
    counter = iter(range(1000))

    def make(features: list[dict[str, Any]], **kwargs: Any) -> Path:
        return write_scenario(tmp_path / f"s{next(counter)}", features, **kwargs)

    return make


PLAN_SCHEMA = REPO / "docs" / "schema" / "plan.schema.json"


def plan_json_errors(path: Path) -> list[str]:
    """Every way the ``plan.json`` at ``path`` breaks docs/schema/plan.schema.json (empty when it is valid)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(json.loads(PLAN_SCHEMA.read_text(encoding="utf-8")))
    doc = json.loads(path.read_text(encoding="utf-8"))
    return [f"{path}: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


@pytest.fixture(scope="session", autouse=True)
def every_plan_json_matches_the_schema(tmp_path_factory: pytest.TempPathFactory):
    """After the session, every ``plan.json`` the tests had the planner write (a folder holding it and
    ``timeline.csv``) validates against the published JSON Schema."""
    yield
    errors = [e for path in sorted(tmp_path_factory.getbasetemp().rglob("plan.json"))
              if (path.parent / "timeline.csv").exists() for e in plan_json_errors(path)]
    assert not errors, "\n".join(errors[:20])


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say why the ArduPlane SITL tests were skipped, even in quiet mode (CI has SITL beside the clone)."""
    reason = missing_reason()
    skipped = [getattr(r, "nodeid", "") for r in terminalreporter.stats.get("skipped", [])]
    if reason and any(n.startswith("tests/test_sitl") for n in skipped):
        terminalreporter.write_line(f"SITL tests skipped: {reason}", yellow=True)
