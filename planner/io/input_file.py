"""Reading an input file's bytes with one set of messages for what can go wrong (missing, a folder, unreadable)."""

from __future__ import annotations

from pathlib import Path

from planner.core.errors import InputError

__all__ = ["read_input"]


def read_input(path: Path, kind: str) -> bytes:
    """The bytes of ``path``; InputError saying why not, ``kind`` naming what the file should be ("a mission file")."""
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not {kind}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
