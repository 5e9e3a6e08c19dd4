"""Atomic file output: write to a temporary file in the same folder, fsync, rename into place."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from planner.core.errors import OutputError

__all__ = ["write_bytes", "write_text"]


def write_bytes(path: Path, data: bytes, *, overwrite: bool = False) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half of one.

    Raises OutputError when ``path`` exists and ``overwrite`` is false, or when writing fails.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputError(f"{path} exists; pass --overwrite to replace it")
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; outputs follow the user's umask
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: Path, text: str, *, overwrite: bool = False) -> None:
    """Write UTF-8 text atomically (see :func:`write_bytes`)."""
    write_bytes(path, text.encode("utf-8"), overwrite=overwrite)
