"""The plan summary the CLI prints (rich tables, or JSON for scripts), drawn from a ``plan.json`` document.

``planner plan`` and ``planner show`` both print through here, so a saved plan reads the same as a fresh one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.cli._console import err, out
from planner.cli._tables import fit
from planner.core.units import count, hours_minutes

if TYPE_CHECKING:
    from planner.model.plan import Plan

__all__ = ["render_result", "render_summary", "summary_document"]


def render_result(plan: Plan, written: list[Path], out_dir: Path, *, as_json: bool) -> None:
    """What ``planner plan`` and ``planner relief`` print after writing ``plan`` (a Plan) into ``out_dir``:
    the ``--json`` summary on stdout, or the tables and the files written; the plan's warnings on stderr."""
    import json

    from planner.io.plan_json import plan_document

    doc = plan_document(plan)
    if as_json:  # the warnings still go to stderr: stdout stays one JSON document
        out.print_json(json.dumps(summary_document(doc, str(out_dir))))
        for note in plan.notes:
            err.print(f"[yellow]warning:[/yellow] {note}")
        return
    render_summary(doc)
    for note in plan.notes:
        err.print(f"[yellow]warning:[/yellow] {note}")
    err.print(f"wrote {len(written)} files to {out_dir}")


def summary_document(doc: Mapping[str, Any], output: str) -> dict[str, Any]:
    """The ``--json`` summary: name, start, metrics, unserved, sorties without their legs, and the folder."""
    summary: dict[str, Any] = {k: doc[k] for k in ("name", "start", "metrics", "unserved")}
    summary["sorties"] = [{k: v for k, v in s.items() if k != "legs"} for s in doc["sorties"]]
    if doc.get("coverage"):
        summary["coverage"] = doc["coverage"]
    summary["sensor_coverage"] = [{"task": t["name"], **t["coverage"]} for t in doc.get("tasks", []) if t.get("coverage")]
    summary["output"] = output
    return summary


def _day_time(iso: str) -> str:
    return f"{datetime.fromisoformat(iso):%d %H:%M}"


def render_summary(doc: Mapping[str, Any]) -> None:
    """Print the sortie table, each sortie's task order and the unserved tasks to stdout."""
    from rich.table import Table

    m = doc["metrics"]
    sorties = doc["sorties"]
    coverage = doc.get("coverage") or []
    if coverage:  # a relief schedule: every launch watches one orbit
        covered = sum(c["covered_h"] for c in coverage)
        wanted = sum((datetime.fromisoformat(c["window_end"]) - datetime.fromisoformat(c["window_start"]))
                     .total_seconds() / 3600.0 for c in coverage)
        title = (f"{doc['name']}: {count(len(sorties), 'relief launch', 'relief launches')}, "
                 f"{covered:,.1f} of {wanted:,.1f} orbit-hours covered")
    else:
        title = (f"{doc['name']}: {count(len(sorties), 'sortie')}, priority {m['priority_served']:g} of "
                 f"{m['priority_total']:g} served")
    table = Table(title=title)
    for col, just in (("sortie", "left"), ("base", "left"), ("loadout", "left"), ("take-off–landing", "left"),
                      ("km", "right"), ("flight", "right"), ("used", "right"), ("left", "right"),
                      ("tasks", "right")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for s in sorties:
        table.add_row(s["name"], s["base"], ", ".join(s["loadout"]) or "-",
                      f"{_day_time(s['takeoff'])}–{_day_time(s['landing'])}",
                      f"{s['distance_m'] / 1000:,.0f}", hours_minutes(s["flight_s"]), f"{s['flight_s'] / s['endurance_s']:.0%}",
                      hours_minutes(s["reserve_left_s"]), str(len(s["tasks"])))
    table.caption = ("times UTC (day hh:mm); flight and left in h:mm; used = share of endurance at the loadout; "
                     "left = endurance left on landing (at least the reserve)")
    out.print(fit(table, out, whole=("sortie", "take-off–landing", "km", "flight", "used", "left", "tasks"),
                  droppable=("used", "base", "loadout", "tasks")))
    for s in sorties:
        out.print(f"[bold]{s['name']}[/bold]: {' → '.join(s['tasks'])}")
        if s.get("blos_s"):
            out.print(f"  beyond line of sight {hours_minutes(s['blos_s'])} (SATCOM)")
    flown = [len(leg["orbit"]["tasks"]) for s in sorties for leg in s.get("legs", []) if leg.get("orbit")]
    shared = sum(1 for n in flown if n > 1)
    if shared:  # counted over the orbits flown, so a plan without sorties says nothing of them
        saved = sum(n - 1 for n in flown if n > 1)
        out.print(f"shared orbits: {shared} {'orbit watches' if shared == 1 else 'orbits watch'} several targets, "
                  f"{count(saved, 'orbit')} fewer than one per target")
    _render_coverage(doc.get("coverage") or [])
    _render_seen(doc.get("tasks") or [])
    unserved = doc["unserved"]
    if unserved:
        un = Table(title=f"{count(len(unserved), 'task')} not served")
        un.add_column("task")
        un.add_column("priority", justify="right")
        un.add_column("why")
        priority = {t["name"]: t["priority"] for t in doc["tasks"]}
        for u in unserved:
            p = priority.get(u["task"])
            un.add_row(u["task"], "-" if p is None else f"{p:g}", u["reason"])
        out.print(fit(un, out, whole=("priority",)))


SEEN_ROWS = 30  # sensor coverage rows printed in full; beyond, only the tasks below SEEN_FULL
SEEN_FULL = 0.95


def _render_seen(tasks: list[Mapping[str, Any]]) -> None:
    """What the sensors see of each served task: a dwell watched against the dwell asked, or the share of
    an area or line imaged (every task when few, else those below 95 % and a count)."""
    seen = [(t["name"], t["coverage"]) for t in tasks if t.get("coverage")]
    if not seen:
        return
    from rich.table import Table

    low = [(n, c) for n, c in seen if c["share"] < SEEN_FULL]
    rows = seen if len(seen) <= SEEN_ROWS else low
    worst = min(c["share"] for _, c in seen)
    title = (f"sensor coverage: {len(seen) - len(low)} of {len(seen)} served tasks at ≥ {SEEN_FULL:.0%}, "
             f"lowest {worst:.1%}")
    if not rows:
        out.print(title)
        return
    table = Table(title=title)
    for col in ("task", "measure", "seen", "detail"):
        table.add_column(col, justify="right" if col == "seen" else "left")
    for name, c in rows:
        detail = (f"{hours_minutes(c['watched_s'])} watched of {hours_minutes(c['asked_s'])} asked"
                  if c["measure"] == "dwell" and c.get("asked_s") is not None
                  else f"share of the {'area' if c['measure'] == 'area' else 'line'} imaged")
        share = f"{c['share']:.1%}"
        table.add_row(name, c["measure"], share if c["share"] >= SEEN_FULL else f"[red]{share}[/red]", detail)
    table.caption = "dwell: time under the sensor, pointed at the target where the sensor is pointed (h:mm)"
    out.print(table)


def _render_coverage(coverage: list[Mapping[str, Any]]) -> None:
    """Persistent orbits: window, covered share, gaps, fleet needed for 100 % and the closed form."""
    if not coverage:
        return
    from rich.table import Table

    table = Table(title="persistent coverage")
    for col in ("orbit", "window", "covered", "gaps", "fleet for 100 %", "closed form"):
        table.add_column(col, justify="left" if col in ("orbit", "window", "gaps") else "right")
    for c in coverage:
        gaps = ", ".join(f"{_day_time(g['start'])} +{hours_minutes(g['hours'] * 3600)}" for g in c["gaps"][:4])
        if len(c["gaps"]) > 4:
            gaps += f" … ({len(c['gaps'])} gaps)"
        needed = c.get("fleet_needed")
        table.add_row(c["task"], f"{_day_time(c['window_start'])}–{_day_time(c['window_end'])}",
                      f"{c['share']:.1%}", gaps or "none", "-" if needed is None else str(needed),
                      "-" if c.get("closed_form_fleet") is None else str(c["closed_form_fleet"]))
    table.caption = "times UTC (day hh:mm); a gap is its start +h:mm"
    out.print(fit(table, out, whole=("window", "covered", "fleet for 100 %", "closed form"),
                  droppable=("closed form",)))
