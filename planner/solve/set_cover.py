"""The fewest shared orbits: a set cover solved exactly by CP-SAT (:mod:`planner.layout.shared_orbits`
builds the sets)."""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model

from planner.solve.cp import cp_solver

__all__ = ["SET_COVER_S", "solve_set_cover"]

SET_COVER_S = 20.0  # CP-SAT budget of one orbit layout: half of it in deterministic time (a few s here)


def solve_set_cover(sets: list[np.ndarray], n: int, start: list[int]) -> tuple[list[int], bool]:
    """The fewest of ``sets`` (arrays of element indices < ``n``) covering every element, by CP-SAT.

    ``start`` (a cover) is the hint. Elements no set links split into independent components (targets
    too far apart to share an orbit), each solved on its own with a share of the deterministic budget
    ``SET_COVER_S`` by its size. Returns the chosen set indices and whether they are proved the fewest;
    a component keeps its part of ``start`` when CP-SAT finds nothing better within its budget.
    """
    label = _components(sets, n)
    if label is None:
        return list(start), False  # an element no set covers: nothing to prove
    of_set = np.array([label[int(members[0])] if len(members) else -1 for members in sets])
    per_comp = {int(c): [k for k in start if of_set[k] == c] for c in np.unique(label)}
    hard = {c: np.flatnonzero(label == c) for c, mine in per_comp.items() if len(mine) > 1}
    spread = sum(len(e) for e in hard.values())
    chosen = [k for c, mine in per_comp.items() if c not in hard for k in mine]
    proved = True
    for c, elements in hard.items():
        ks = np.flatnonzero(of_set == c)
        budget = max(0.05, SET_COVER_S / 2 * len(elements) / spread)
        part, ok = _cover_component([sets[k] for k in ks], elements,
                                    [int(np.searchsorted(ks, k)) for k in per_comp[c]], budget)
        chosen.extend(int(ks[j]) for j in part)
        proved &= ok
    return sorted(chosen), proved


def _components(sets: list[np.ndarray], n: int) -> np.ndarray | None:
    """Component label of each element (elements sharing a set are linked); None if one is in no set."""
    if n == 0:
        return np.zeros(0, np.int64)
    elem = np.concatenate([np.asarray(m, np.int64) for m in sets]) if sets else np.zeros(0, np.int64)
    owner = np.repeat(np.arange(len(sets)), [len(m) for m in sets])
    if len(np.unique(elem)) < n:
        return None
    label = np.arange(n)
    while True:  # label propagation: each set takes its smallest member label, each element its sets' smallest
        per_set = np.full(len(sets), n)
        np.minimum.at(per_set, owner, label[elem])
        new = label.copy()
        np.minimum.at(new, elem, per_set[owner])
        if np.array_equal(new, label):
            return label
        label = new


def _cover_component(sets: list[np.ndarray], elements: np.ndarray, start: list[int],
                     budget: float) -> tuple[list[int], bool]:
    """CP-SAT set cover of ``elements`` by ``sets`` (all within one component), hinted with ``start``."""
    model = cp_model.CpModel()
    pick = [model.NewBoolVar(f"s{k}") for k in range(len(sets))]
    covering: dict[int, list[int]] = {int(i): [] for i in elements}
    for k, members in enumerate(sets):
        for i in members:
            covering[int(i)].append(k)
    for i, ks in covering.items():
        model.AddBoolOr([pick[k] for k in ks]).WithName(f"cover{i}")
    model.Add(sum(pick) <= len(start))
    chosen = set(start)
    for k, b in enumerate(pick):
        model.AddHint(b, k in chosen)
    model.Minimize(sum(pick))
    solver = cp_solver(0, wall_s=max(10.0, 8 * budget), deterministic_s=budget, workers=1)
    solver.parameters.linearization_level = 2  # the LP relaxation: strong bounds on set covers
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return list(start), False
    return [k for k, b in enumerate(pick) if solver.Value(b)], status == cp_model.OPTIMAL
