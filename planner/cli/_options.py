"""Checks of option values shared by the commands: a bad value is a usage error (exit 2) in every command,
judged by the same rule the library applies (one rule per value, e.g. ``--max-iterations`` >= 0)."""

from __future__ import annotations

import typer

__all__ = ["autopilot_name", "handover_min", "horizon_h", "positive_seconds", "whole_number"]


def positive_seconds(value: float | None) -> float | None:
    """A time limit: more than 0 s."""
    if value is not None and not value > 0:
        raise typer.BadParameter(f"must be > 0 s, got {value:g}")
    return value


def whole_number(value: int | None) -> int | None:
    """A seed or an iteration limit: 0 or more (0 iterations: the first solution, unimproved)."""
    if value is not None and value < 0:
        raise typer.BadParameter(f"must be >= 0, got {value}")
    return value


def autopilot_name(value: str | None) -> str | None:
    """A known autopilot (ardupilot, px4)."""
    from planner.core.errors import InputError
    from planner.model.autopilot import rules

    if value is not None:
        try:
            rules(value)
        except InputError as exc:
            raise typer.BadParameter(str(exc)) from None
    return value


def horizon_h(value: float | None) -> float | None:
    """Hours of persistent coverage, as the ``[persistent]`` table allows them."""
    return _persistent(value, "horizon_h")


def handover_min(value: float | None) -> float | None:
    """Minutes of handover, as the ``[persistent]`` table allows them."""
    return _persistent(value, "handover_min")


def _persistent(value: float | None, key: str) -> float | None:
    from planner.core.errors import InputError
    from planner.model.scenario import Persistent

    if value is not None:
        try:
            Persistent(**{key: value})
        except InputError as exc:
            raise typer.BadParameter(str(exc).removeprefix("persistent: ")) from None
    return value
