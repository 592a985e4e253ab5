"""A report's tables, and small-number suppression (issue 17, items 1 and 2; docs/reports.md).

Pure Python over plain values: no store, no Qt. A ``Table`` is a caption, how it was counted, its
columns and rows. Each column says what it holds: a count of people (``count``), a figure that rests
on one (``derived``: a share, a median), or words. ``suppress`` makes the copy of a table that may
leave the service:

- **primary**: a count of 1 to ``threshold - 1`` people is hidden (0 is shown: it names nobody);
- **secondary**: in a table with a total row, a column with exactly one hidden count would give it
  away (the total less the others), so the smallest other non-zero count of that column is hidden
  too;
- a derived figure is hidden wherever a count it rests on is (a share: its part and its whole).

The default threshold, 5, is "a common choice" (the issue's words), not a rule found in the seed
documents; a service sets its own. The table then says how many figures were hidden, and why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, TypeVar

Kind = Literal["label", "count", "derived", "share", "text"]  # share: a percentage, part over whole
Value = int | float | str | None  # None: nothing to show (no figure), or a figure hidden
HIDDEN = "*"
DEFAULT_THRESHOLD = 5
T = TypeVar("T")


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = "count"
    # for a derived figure or a share: the index of the count column it rests on (a share's part)
    rests_on: int | None = None
    # for a share: the column of its whole in the same row; None: the total row of ``rests_on``'s column
    share_of: int | None = None


@dataclass(frozen=True)
class Table:
    """One table of a report; ``hidden`` holds the (row, column) cells suppression hid."""

    caption: str
    counted: str  # how the figures were counted, in words, shown with the table
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]
    total_row: bool = False  # the last row is the total of the rows above it
    hidden: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    rounded: bool = False  # the copy meant to leave the service: counts to the nearest 5, shares whole
    chart: int | None = None  # the column drawn as bars, where a person would rather look than read

    def bars(self) -> tuple[tuple[str, float | None], ...]:
        """The chart's (row label, figure) pairs, without the total; None where the figure is hidden."""
        if self.chart is None:
            return ()
        body = self.rows[:-1] if self.total_row else self.rows
        return tuple(
            (str(row[0]), None if (r, self.chart) in self.hidden else float(row[self.chart] or 0))
            for r, row in enumerate(body)
        )

    def shown(self, row: int, column: int) -> str:
        """A cell as a person reads it: hidden cells as ``*``, shares with one decimal."""
        if (row, column) in self.hidden:
            return HIDDEN
        value = self.rows[row][column]
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:.1f}"
        return str(value)


def share(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole``; None when there is nothing to divide by."""
    return 100.0 * part / whole if whole else None


def with_total(rows: Sequence[tuple[Value, ...]], columns: Sequence[Column], label: str = "Total") -> tuple[tuple[Value, ...], ...]:  # fmt: skip
    """``rows`` and a total row under them: each count column summed, the first column ``label``."""
    total: list[Value] = [label]
    for index, column in enumerate(columns[1:], 1):
        total.append(sum(int(row[index] or 0) for row in rows) if column.kind == "count" else None)
    return (*rows, tuple(total))


def counted_table(caption: str, counted: str, heading: str, counts: Iterable[tuple[str, int]], total: int,
                  unit: str = "Referrals") -> Table:  # fmt: skip
    """A table of counts by one heading, each with its share of ``total``, and a total row."""
    columns = (Column(heading, "label"), Column(unit), Column("Share (%)", "share", rests_on=1))
    with_sum = with_total(list(counts), columns[:2])
    return Table(caption, counted, columns, tuple((*row, share(int(row[1] or 0), total)) for row in with_sum),
                 total_row=True, chart=1)  # fmt: skip


def counts_by(items: Iterable[T], key: Callable[[T], str], order: Iterable[str] = ()) -> list[tuple[str, int]]:
    """Counts by ``key``: the labels of ``order`` first (each shown, 0 or not), then any other, by count."""
    counts = Counter(key(item) for item in items)
    ordered = list(dict.fromkeys(order))
    rest = sorted((k for k in counts if k not in ordered), key=lambda k: (-counts[k], k))
    return [(k, counts[k]) for k in ordered + rest]


def suppress(table: Table, threshold: int = DEFAULT_THRESHOLD) -> Table:
    """The table as it may leave the service (the module says how): small numbers hidden, and every
    count kept rounded to the nearest 5, each share worked out again from the rounded figures."""
    hidden: set[tuple[int, int]] = set()
    body = range(len(table.rows) - 1) if table.total_row else range(len(table.rows))
    for c, column in enumerate(table.columns):
        if column.kind != "count":
            continue
        small = {r for r, row in enumerate(table.rows) if isinstance(row[c], int) and 0 < row[c] < threshold}  # type: ignore[operator]
        hidden |= {(r, c) for r in small}
        in_body = small & set(body)
        if table.total_row and len(in_body) == 1:
            others = [(int(table.rows[r][c] or 0), r) for r in body if r not in small and table.rows[r][c]]
            if others:
                hidden.add((min(others)[1], c))
    for c, column in enumerate(table.columns):
        if column.kind in ("derived", "share") and column.rests_on is not None:
            on = (column.rests_on,) if column.share_of is None else (column.rests_on, column.share_of)
            hidden |= {(r, c) for r in range(len(table.rows)) if any((r, o) in hidden for o in on)}
    rows = [list(row) for row in table.rows]
    for row in rows:
        for c, column in enumerate(table.columns):
            if column.kind == "count" and isinstance(row[c], int):
                row[c] = nearest_five(row[c])  # type: ignore[arg-type]
    for r, row in enumerate(rows):
        for c, column in enumerate(table.columns):
            if column.kind == "share" and (r, c) not in hidden:
                whole = _whole(table, rows, r, column)
                if whole is None:
                    hidden.add((r, c))  # a share of a whole the table does not show: not worked back out
                else:
                    part = share(int(rows[r][column.rests_on] or 0), whole)  # type: ignore[index]
                    row[c] = None if part is None else round(part)
    return replace(table, rows=tuple(tuple(row) for row in rows), hidden=frozenset(hidden), rounded=True)


def nearest_five(count: int) -> int:
    """A count of people as it may leave the service: to the nearest 5, never to 0 unless it is 0."""
    return 0 if count == 0 else max(5, 5 * ((count + 2) // 5))


def _whole(table: Table, rows: list[list[Value]], r: int, column: Column) -> int | None:
    if column.share_of is not None:
        return int(rows[r][column.share_of] or 0)
    if table.total_row and column.rests_on is not None:
        return int(rows[-1][column.rests_on] or 0)
    return None


def suppression_note(tables: Sequence[Table], threshold: int) -> str:
    count = sum(len(t.hidden) for t in tables)
    rounding = (" Every count shown is rounded to the nearest 5 (a count of 1 or more to at least 5), and each "
                "share worked out from the rounded figures as a whole per cent, so no figure can be found exactly "
                "by adding or taking away others, in one table or across them.")  # fmt: skip
    if not count:
        return f"No figure needed hiding: none counted 1 to {threshold - 1} people." + rounding
    return (f"{count} figure{'s' if count != 1 else ''} hidden ({HIDDEN}): a count of 1 to {threshold - 1} people, "
            f"a second figure of a column that would reveal one by difference from its total, and any share "
            f"or wait resting on a hidden count." + rounding)  # fmt: skip
