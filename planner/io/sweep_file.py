"""Reads a sweep file: a base scenario and the parameters to vary over it (TOML, ``[sweep]`` table).

::

    [sweep]
    name = "wind"                                   # prefix of the variants' folder names (default: file stem)
    scenario = "../central_kazakhstan/scenario.toml"  # base scenario, relative to this file

    [sweep.set]                                     # optional: the same change in every variant
    solver.max_iterations = 300

    [sweep.vary]                                    # every combination of these values is one variant
    wind.speed_mps = [0, 8, 16]
    wind.from_deg = [0, 90, 180, 270]
    "fleet.0.count" = [1, 2]                        # array entries by index (0 = first), "*" = every entry

A key is a dotted path into the scenario's TOML table, written as nested tables or as one quoted string.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.core.schema import check_keys, string
from planner.io.profiles import read_toml

__all__ = ["SWEEP_TABLE", "Sweep", "is_sweep", "read_sweep"]

SWEEP_TABLE = "sweep"


@dataclass(frozen=True)
class Sweep:
    """A base scenario file and the changes that make its variants.

    ``vary``: (dotted key, values) per axis, in file order; variants are their cartesian product.
    ``fixed``: (dotted key, value) applied to every variant before ``vary``. ``source``: the sweep file.
    """

    name: str
    scenario: Path
    vary: tuple[tuple[str, tuple[Any, ...]], ...]
    fixed: tuple[tuple[str, Any], ...] = ()
    source: Path = Path()

    def __post_init__(self) -> None:
        where = str(self.source) if self.source != Path() else f"sweep '{self.name}'"
        if not self.name.strip():
            raise InputError(f"{where}: a sweep needs a name")
        if not self.vary:
            raise InputError(f"{where}: [sweep.vary] names no parameter to vary")
        for key, values in self.vary:
            if not values:
                raise InputError(f"{where}: [sweep.vary] '{key}' has no values")
        keys = [k for k, _ in self.vary]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            raise InputError(f"{where}: [sweep.vary] names '{dup[0]}' twice")

    @property
    def count(self) -> int:
        """Number of variants."""
        n = 1
        for _, values in self.vary:
            n *= len(values)
        return n


def is_sweep(table: Mapping[str, Any]) -> bool:
    """Whether a parsed TOML file is a sweep (it has a ``[sweep]`` table) rather than a scenario."""
    return isinstance(table.get(SWEEP_TABLE), Mapping)


def read_sweep(path: Path) -> Sweep:
    """Read and check the sweep file ``path`` (the base scenario path is made absolute, not read).

    Raises InputError for a malformed file, an unknown key, or a ``vary`` entry that is not a
    non-empty array.
    """
    path = Path(path)
    data = read_toml(path)
    where = path.name
    check_keys(data, [SWEEP_TABLE], [SWEEP_TABLE], where)
    table = data[SWEEP_TABLE]
    if not isinstance(table, dict):
        raise InputError(f"{where}: 'sweep' must be a table ([sweep])")
    where = f"{where} [sweep]"
    check_keys(table, ["name", "scenario", "set", "vary"], ["scenario", "vary"], where)
    scenario = Path(string(table, "scenario", where))
    for key in ("set", "vary"):
        if key in table and not isinstance(table[key], dict):
            raise InputError(f"{where}: '{key}' must be a table ([sweep.{key}])")
    vary = []
    for key, values in _flatten(table["vary"]):
        if not isinstance(values, list) or not values:
            raise InputError(f"{where}.vary: '{key}' must be a non-empty array of values, got {values!r}")
        vary.append((key, tuple(values)))
    return Sweep(
        name=string(table, "name", where, default=path.stem),
        scenario=scenario if scenario.is_absolute() else (path.parent / scenario).resolve(),
        vary=tuple(vary),
        fixed=tuple(_flatten(table.get("set", {}))),
        source=path,
    )


def _flatten(table: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted key, value) for every non-table value, nested tables joined with dots, in file order."""
    out: list[tuple[str, Any]] = []
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out.extend(_flatten(value, full))
        else:
            out.append((full, value))
    return out
