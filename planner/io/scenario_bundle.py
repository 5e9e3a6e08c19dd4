"""A scenario and every file it reads, gathered into memory so it can be planned in any folder or process.

The scenario table's file paths (``areas``, ``sensors``, aircraft profile paths in ``[[fleet]]``) are
rewritten to ``inputs/<file name>`` and the files' bytes kept beside it. Written out with
:func:`write_bundle`, the folder plans exactly like the original (file names, hence default task names,
are kept).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from planner.core.errors import InputError, OutputError
from planner.io.atomic import write_bytes
from planner.io.profiles import builtin_aircraft, read_toml

__all__ = ["INPUTS_DIR", "SCENARIO_FILE", "ScenarioBundle", "read_scenario_inputs", "write_bundle"]

INPUTS_DIR = "inputs"
SCENARIO_FILE = "scenario.toml"


@dataclass(frozen=True)
class ScenarioBundle:
    """``scenario.toml`` text and the files it names, as (relative POSIX path, bytes) pairs."""

    scenario_toml: str
    files: tuple[tuple[str, bytes], ...] = ()

    def digest(self, *salt: str) -> str:
        """SHA-256 (hex) of the scenario text, every file's name and bytes, and ``salt`` strings."""
        h = hashlib.sha256(b"planner-bundle-1\0")
        for part in (*salt, self.scenario_toml):
            data = part.encode("utf-8")
            h.update(len(data).to_bytes(8, "big") + data)
        for name, data in sorted(self.files):
            encoded = name.encode("utf-8")
            h.update(len(encoded).to_bytes(8, "big") + encoded + len(data).to_bytes(8, "big") + data)
        return h.hexdigest()


def read_scenario_inputs(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The scenario table of ``path`` with file paths pointing into ``inputs/``, and those files' bytes.

    A shapefile brings its sidecar files (same stem); a folder given as an area brings the files in it.
    Entries of the wrong type are left as they are for the scenario reader to report. Raises
    InputError for an unreadable scenario or a missing input file.
    """
    path = Path(path)
    table = read_toml(path)
    root = path.parent
    gathered = _Gathered()
    areas = table.get("areas")
    if isinstance(areas, list):
        table["areas"] = [gathered.add(root, a, path.name) if isinstance(a, str) else a for a in areas]
    if isinstance(table.get("sensors"), str):
        table["sensors"] = gathered.add(root, table["sensors"], path.name)
    fleet = table.get("fleet")
    for entry in fleet if isinstance(fleet, list) else [fleet] if isinstance(fleet, dict) else []:
        name = entry.get("aircraft") if isinstance(entry, dict) else None
        if isinstance(name, str) and name not in builtin_aircraft() and (name.endswith(".toml") or "/" in name):
            entry["aircraft"] = gathered.add(root, name, path.name)
    return table, gathered.files


class _Gathered:
    """Input files collected so far: source path → name under ``inputs/``, and the bytes by name."""

    def __init__(self) -> None:
        self.names: dict[Path, str] = {}
        self.files: dict[str, bytes] = {}

    def add(self, root: Path, value: str, where: str) -> str:
        source = Path(value) if Path(value).is_absolute() else root / value
        source = source.resolve()
        if source in self.names:
            return self.names[source]
        if not source.exists():
            raise InputError(f"{where}: input file {value} not found ({source})")
        members = list(_members(source))
        folder, n = INPUTS_DIR, 1
        while any(key in self.files for key in _keys(folder, source, members)):
            n += 1
            folder = f"{INPUTS_DIR}/{n}"
        for (member, _), key in zip(members, _keys(folder, source, members), strict=True):
            try:
                self.files[key] = member.read_bytes()
            except OSError as exc:
                raise InputError(f"{where}: cannot read input file {member} ({exc.strerror or exc})") from None
        target = f"{folder}/{source.name}"
        self.names[source] = target
        return target


def _keys(folder: str, source: Path, members: list[tuple[Path, str]]) -> list[str]:
    """Where each member of ``source`` goes when ``source`` is copied into ``folder``."""
    base = f"{folder}/{source.name}/" if source.is_dir() else f"{folder}/"
    return [base + rel for _, rel in members]


def _members(source: Path) -> Iterator[tuple[Path, str]]:
    """Files making up ``source`` with their names relative to where ``source`` is copied."""
    if source.is_dir():
        for p in sorted(source.rglob("*")):
            if p.is_file():
                yield p, p.relative_to(source).as_posix()
    elif source.suffix.lower() == ".shp":
        for p in sorted(source.parent.iterdir()):
            if p.is_file() and p.stem == source.stem:
                yield p, p.name
    else:
        yield source, source.name


def write_bundle(bundle: ScenarioBundle, folder: Path) -> Path:
    """Write ``bundle`` into ``folder`` (``scenario.toml`` and ``inputs/…``); returns the scenario path.

    Raises OutputError when a file cannot be written or a name would leave the folder.
    """
    folder = Path(folder)
    files: Mapping[str, bytes] = {SCENARIO_FILE: bundle.scenario_toml.encode("utf-8"), **dict(bundle.files)}
    for name, data in files.items():
        rel = PurePosixPath(name)
        if rel.is_absolute() or ".." in rel.parts:
            raise OutputError(f"refusing to write {name!r} outside {folder}")
        write_bytes(folder / rel, data, overwrite=True)
    return folder / SCENARIO_FILE
