"""The shared vocabulary: students, sessions, groups, and the tabs a session publishes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Rows = tuple[tuple[str, ...], ...]
"""A tab's cells as text, row by row; ``rows[0]`` is the spreadsheet's row 1."""

Cell = str | int
PairCounts = dict[frozenset[str], int]
"""How many earlier sessions each pair of student keys shared a group in."""


@dataclass(frozen=True)
class Student:
    """One person taking part, as validated from the roster."""

    key: str  # stable identity across sessions: lower-cased email, else the normalised name
    name: str
    program: str
    module: int
    cohort: str
    email: str = ""
    row: int = 0  # the roster row it came from, as the spreadsheet numbers rows


@dataclass(frozen=True, order=True)
class Session:
    """One Mix It Up meeting: a date and the module week (2: networking, 4: interview prep)."""

    date: dt.date
    week: int

    @property
    def label(self) -> str:
        return f"{self.date.isoformat()} Week {self.week}"

    @property
    def groups_title(self) -> str:
        return f"{self.label} Groups"

    @property
    def prompts_title(self) -> str:
        return f"{self.label} Prompts"


@dataclass(frozen=True)
class Chart:
    """A chart over a block of its tab's cells: one bar per row, one series per column.

    Rows and columns are 0-based indexes into `Tab.rows`; `header_row` holds the series
    names and the data follows it down to `last_row` (inclusive). The chart's top-left
    corner sits on the cell at (`anchor_row`, `anchor_column`).
    """

    kind: Literal["column", "bar"]  # column: vertical bars; bar: horizontal
    title: str
    header_row: int
    last_row: int
    category_column: int
    series_columns: tuple[int, ...]
    anchor_row: int = 0
    anchor_column: int = 0
    x_title: str = ""
    y_title: str = ""


@dataclass(frozen=True)
class Tab:
    """A rendered tab: its cells and the little formatting students need to read it on a phone."""

    title: str
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[int, ...] = ()  # column widths, in characters
    frozen_rows: int = 0
    bold_rows: frozenset[int] = frozenset()  # 0-based row indexes
    fills: Mapping[int, str] = field(default_factory=dict)  # 0-based row index -> "#RRGGBB"
    wrap: bool = False  # wrap long text in every cell
    hidden: bool = False
    chart: Chart | None = None  # drawn anew each time the tab is written


@dataclass(frozen=True)
class HistoryEdit:
    """Rows to remove from and add to the history tab, created (hidden) with `header` if missing."""

    title: str
    header: tuple[str, ...]
    append: tuple[tuple[str, ...], ...] = ()
    delete_rows: tuple[int, ...] = ()  # spreadsheet row numbers as last read, e.g. (5, 6, 7)


@dataclass(frozen=True)
class Change:
    """Everything one command writes, applied all-or-nothing by a backend.

    Tabs in `delete_tabs` are removed before `add_tabs` are added, so deleting and adding
    one title replaces that tab.
    """

    add_tabs: tuple[Tab, ...] = ()
    delete_tabs: tuple[str, ...] = ()
    history: HistoryEdit | None = None


@dataclass(frozen=True)
class Snapshot:
    """Everything one read returns: every tab's title in order, and cells as text."""

    titles: tuple[str, ...]
    tabs: Mapping[str, Rows]

    def rows(self, title: str) -> Rows | None:
        """The tab's rows, or None when the spreadsheet has no such tab."""
        return self.tabs.get(title)
