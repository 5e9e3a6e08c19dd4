"""One error tree for the whole toolkit; the CLI maps each branch to an exit code.

Every class also inherits the matching built-in so library users can catch either.
"""

from __future__ import annotations

__all__ = [
    "CheckFailed",
    "InfeasibleError",
    "InputError",
    "NoVehicle",
    "OutputError",
    "PlannerError",
    "UsageError",
    "VehicleRefused",
]


class PlannerError(Exception):
    """Base of every error the toolkit raises on purpose. ``exit_code`` is what the CLI returns."""

    exit_code = 1


class UsageError(PlannerError, ValueError):
    """The command was called wrongly (exit 2)."""

    exit_code = 2


class InputError(PlannerError, ValueError):
    """A scenario, area file, profile or mission file is wrong (exit 3)."""

    exit_code = 3


class InfeasibleError(PlannerError, RuntimeError):
    """No plan can satisfy the inputs, e.g. wind the aircraft cannot fly against (exit 4)."""

    exit_code = 4


class CheckFailed(PlannerError, RuntimeError):
    """A mission check found faults (exit 4)."""

    exit_code = 4


class OutputError(PlannerError, OSError):
    """An output could not be written, or would overwrite without ``--overwrite`` (exit 5)."""

    exit_code = 5


class VehicleRefused(PlannerError, RuntimeError):
    """A vehicle refused an upload, or what it read back differs from what was sent (exit 4)."""

    exit_code = 4


class NoVehicle(PlannerError, ConnectionError):
    """No vehicle answered on the connection, or it stopped answering (exit 5)."""

    exit_code = 5
