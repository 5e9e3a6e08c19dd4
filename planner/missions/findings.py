"""Faults and warnings collected during a check, once each (loops visit items many times)."""

from __future__ import annotations

from planner.missions.file_model import Finding, Item

__all__ = ["Findings", "label"]


class Findings:
    """Faults and warnings, each kept once."""

    def __init__(self) -> None:
        self.faults: list[Finding] = []
        self.warnings: list[Finding] = []
        self._seen: set[tuple[str, int | None, str]] = set()

    def fault(self, code: str, message: str, item: Item | None = None, kind: str = "flight") -> None:
        self._add(self.faults, code, message, item, kind)

    def warn(self, code: str, message: str, item: Item | None = None, kind: str = "flight") -> None:
        self._add(self.warnings, code, message, item, kind)

    def _add(self, into: list[Finding], code: str, message: str, item: Item | None, kind: str) -> None:
        key = (code, None if item is None else item.index, message)
        if key in self._seen:
            return
        self._seen.add(key)
        into.append(Finding(code, message, None if item is None else item.index,
                            None if item is None else item.line, kind))


def label(item: Item) -> str:
    return f"item {item.index}"
