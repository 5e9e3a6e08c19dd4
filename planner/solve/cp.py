"""CP-SAT solver settings shared by the CP-SAT models (set cover, relief schedule)."""

from __future__ import annotations

from ortools.sat.python import cp_model

__all__ = ["cp_solver"]


def cp_solver(seed: int, *, wall_s: float, deterministic_s: float | None = None,
               workers: int = 2) -> cp_model.CpSolver:
    """A CP-SAT solver with ``workers`` workers stopped after ``wall_s`` seconds; with ``deterministic_s``
    it stops on that deterministic time instead (several workers interleaved in a fixed order, so the
    answer does not depend on the machine's speed; ``wall_s`` is then only a cap for a slow machine)."""
    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = workers
    solver.parameters.max_time_in_seconds = wall_s
    if deterministic_s is not None:
        solver.parameters.interleave_search = workers > 1
        solver.parameters.max_deterministic_time = deterministic_s
    return solver
