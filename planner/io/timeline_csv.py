"""``timeline.csv``: one row per leg (sortie, kind, UTC start and end, seconds, the tasks it serves)."""

from __future__ import annotations

import csv
import io

from planner.model.plan import Plan

__all__ = ["format_timeline_csv"]


def format_timeline_csv(plan: Plan) -> str:
    """CSV text with a header row; times ISO-8601 UTC; ``tasks`` names the leg's tasks separated by ``;``
    (every target of a shared orbit; task names hold no ``;``)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["sortie", "aircraft", "kind", "start", "end", "start_s", "end_s", "duration_s", "blos_s", "tasks"])
    for s in plan.sorties:
        for leg in s.legs:
            writer.writerow([
                s.name,
                s.aircraft.name,
                leg.kind,
                plan.time(leg.start_s).isoformat(timespec="seconds").replace("+00:00", "Z"),
                plan.time(leg.end_s).isoformat(timespec="seconds").replace("+00:00", "Z"),
                f"{leg.start_s:.1f}",
                f"{leg.end_s:.1f}",
                f"{leg.duration_s:.1f}",
                f"{leg.blos_s:.1f}",
                ";".join(leg.tasks),
            ])
    return buf.getvalue()
