"""The batch output folder: one complete folder per scenario or none, a manifest in each, and the summary.

A scenario's files are written into a hidden temporary sibling (``.tmp-<name>-…``) and renamed into
place when complete, so an interrupted run never leaves a half-written scenario folder; the manifest
``run.json`` is written last and records the input digest and a SHA-256 of every output. Leftover
temporary folders of a killed run are removed by the next run, which holds ``.batch.lock`` meanwhile.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from planner.core.errors import OutputError
from planner.io.atomic import write_bytes, write_text

__all__ = [
    "MANIFEST",
    "batch_lock",
    "clean_partial",
    "commit_folder",
    "folder_holds_results",
    "format_summary_csv",
    "format_summary_json",
    "outputs_complete",
    "read_folder",
    "read_manifest",
    "scratch_folder",
    "write_summary",
]

MANIFEST = "run.json"
MANIFEST_FORMAT = "planner-batch-run"
SUMMARY_FORMAT = "planner-batch-summary"
_LOCK = ".batch.lock"
_PARTIAL = (".tmp-", ".old-")


@contextlib.contextmanager
def batch_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out_dir`` (created if missing) while a batch writes into it.

    Raises OutputError when the folder cannot be created or another batch holds the lock. The lock
    dies with its process, so a killed run never blocks the next one.
    """
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle = open(out_dir / _LOCK, "a+b")  # noqa: SIM115 - held for the whole block
    except OSError as exc:
        raise OutputError(f"cannot use {out_dir} for batch output: {exc.strerror or exc}") from exc
    try:
        try:
            import fcntl
        except ImportError:  # no advisory locks on this platform: run unguarded
            fcntl = None  # type: ignore[assignment]
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise OutputError(f"another batch is writing into {out_dir}; wait for it or choose another folder") from None
        yield
    finally:
        handle.close()


def clean_partial(out_dir: Path) -> list[str]:
    """Remove temporary folders an interrupted run left in ``out_dir``; returns their names."""
    removed = []
    for entry in sorted(Path(out_dir).iterdir()) if Path(out_dir).is_dir() else []:
        if entry.is_dir() and entry.name.startswith(_PARTIAL):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
    return removed


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def commit_folder(out_dir: Path, name: str, files: Mapping[str, bytes], manifest: Mapping[str, Any]) -> Path:
    """Write ``files`` and the manifest as ``out_dir/name`` in one step; returns the folder.

    ``files`` maps relative POSIX paths to bytes. The manifest gains ``files`` (bytes and SHA-256 of
    each) and is written last; the whole folder is then renamed into place, replacing an older one.
    Raises OutputError when writing fails (nothing is left behind).
    """
    out_dir = Path(out_dir)
    final = out_dir / name
    token = secrets.token_hex(4)
    tmp = out_dir / f".tmp-{name}-{token}"
    old = out_dir / f".old-{name}-{token}"
    doc = dict(manifest)
    doc["files"] = {n: {"bytes": len(d), "sha256": _digest(d)} for n, d in sorted(files.items())}
    try:
        tmp.mkdir(parents=True)
        for rel, data in files.items():
            parts = PurePosixPath(rel)
            if parts.is_absolute() or ".." in parts.parts or rel == MANIFEST:
                raise OutputError(f"refusing to write {rel!r} into {final}")
            write_bytes(tmp / parts, data, overwrite=True)
        write_text(tmp / MANIFEST, json.dumps(doc, indent=2, ensure_ascii=False) + "\n", overwrite=True)
        if final.exists() or final.is_symlink():
            os.replace(final, old)
        os.replace(tmp, final)
        _fsync_dir(out_dir)
    except OSError as exc:
        raise OutputError(f"cannot write {final}: {exc.strerror or exc}") from exc
    finally:
        for leftover in (tmp, old):
            if leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)
    return final


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of a scenario folder, or None when there is none or it is not one of ours."""
    try:
        doc = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != MANIFEST_FORMAT or not isinstance(doc.get("files"), dict):
        return None
    return doc


def outputs_complete(folder: Path, manifest: Mapping[str, Any]) -> bool:
    """Whether every file the manifest lists is in ``folder`` with its recorded SHA-256."""
    for rel, meta in manifest.get("files", {}).items():
        try:
            data = (Path(folder) / rel).read_bytes()
        except OSError:
            return False
        if not isinstance(meta, dict) or len(data) != meta.get("bytes") or _digest(data) != meta.get("sha256"):
            return False
    return True


def folder_holds_results(folder: Path) -> bool:
    """Whether ``folder`` exists and is anything but a failed batch record (which may be replaced freely)."""
    if not Path(folder).exists():
        return False
    doc = read_manifest(folder)
    if doc is None:
        return True
    result = doc.get("result")
    return not (isinstance(result, dict) and result.get("status") == "failed")


@contextlib.contextmanager
def scratch_folder(out_dir: Path | None = None) -> Iterator[Path]:
    """A private temporary folder, removed afterwards (a worker plans in it): inside ``out_dir`` when it
    is a folder this process can use, so that a batch killed before clean-up leaves it where the next run
    removes it (:func:`clean_partial`); else in the system's temporary folder."""
    root = Path(out_dir) if out_dir is not None and Path(out_dir).is_dir() and os.access(out_dir, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix=f"{_PARTIAL[0]}scratch-", dir=root) as name:
        yield Path(name)


def read_folder(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative POSIX path, in sorted order."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def format_summary_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """CSV text, one row per scenario in ``columns`` order; None is an empty cell, booleans true/false."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buf.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "+".join(_cell(v) for v in value)
    return str(value)


def format_summary_json(rows: Sequence[Mapping[str, Any]], meta: Mapping[str, Any]) -> str:
    """JSON text: ``{"format", "version", …meta, "scenarios": rows}``."""
    doc = {"format": SUMMARY_FORMAT, "version": 1, **meta, "scenarios": list(rows)}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write_summary(
    out_dir: Path,
    csv_rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    json_rows: Sequence[Mapping[str, Any]],
    meta: Mapping[str, Any],
) -> list[Path]:
    """Write ``summary.csv`` and ``summary.json`` into ``out_dir`` atomically; they describe the latest run,
    so they are replaced on every run."""
    out_dir = Path(out_dir)
    paths = [out_dir / "summary.csv", out_dir / "summary.json"]
    write_text(paths[0], format_summary_csv(csv_rows, columns), overwrite=True)
    write_text(paths[1], format_summary_json(json_rows, meta), overwrite=True)
    return paths
