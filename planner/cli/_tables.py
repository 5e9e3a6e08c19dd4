"""Tables that fit the terminal without cutting a number: figures never wrap or shrink (prose columns wrap
instead), and when even that is too wide the least useful columns are left out, named in the caption."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

__all__ = ["fit"]


def fit(table: Table, console: Console, *, whole: Sequence[str], droppable: Sequence[str] = ()) -> Table:
    """``table`` made to fit ``console``'s width: columns named in ``whole`` (figures, names, times) keep
    every cell on one line at its full width; the others wrap. When the table is still too wide, columns of
    ``droppable`` are removed in that order until it fits, and the caption says which were left out."""
    for column in table.columns:
        header = str(column.header)
        cells = [Text.from_markup(c).plain if isinstance(c, str) else str(c) for c in column._cells]
        if header in whole:
            column.no_wrap = True
            column.min_width = max((cell_len(c) for c in cells), default=0)
        else:  # wraps between words, never inside one
            column.min_width = max((cell_len(w) for c in [header, *cells] for w in c.split()), default=0)
    dropped: list[str] = []
    for name in droppable:
        if _minimum(table, console) <= console.width:
            break
        index = next((i for i, c in enumerate(table.columns) if str(c.header) == name), None)
        if index is not None:
            table.columns.pop(index)
            dropped.append(name)
    if dropped:
        note = f"left out to fit {console.width} columns: {', '.join(dropped)}"
        table.caption = f"{table.caption}; {note}" if table.caption else note
    return table


def _minimum(table: Table, console: Console) -> int:
    """The narrowest ``table`` can be drawn (measured on an unbounded line: rich clamps to the console)."""
    return Measurement.get(console, console.options.update_width(10_000), table).minimum
