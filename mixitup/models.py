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


def column_letter(column: int) -> str:
    """The spreadsheet's name for the 1-based `column`: 1 -> "A", 27 -> "AA"."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


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
    """One Mix It Up meeting: a date and the module week (2: networking, 4: interview prep).

    `mixitup.layout` names it (`label`) and its tabs (`tab_title`), and reads those back.
    """

    date: dt.date
    week: int


@dataclass(frozen=True)
class Entry:
    """One student's place in one published session, as the record holds it."""

    row: int  # the History row holding it; 0 when the History holds no such row yet
    session: str  # the session's label, e.g. "2027-01-13 Week 2"
    group: int
    key: str
    name: str
    program: str = ""
    module: str = ""
    cohort: str = ""
    role: str = ""  # "Lead" for the group's lead
    attended: str = ""  # blank (not recorded: counts as attended), "yes" or "no"
    minutes: str = ""  # minutes in the Zoom reports imported for the session, in all
    reports: str = ""  # fingerprints of those reports, space-separated: each counts once

    @property
    def recorded(self) -> bool:
        """Whether the History holds it (else a groups tab shows it: typed in, or rebuilt)."""
        return self.row > 0


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
    position: int | None = None  # where a new tab goes (0: first); None: last
    chart: Chart | None = None  # drawn anew each time the tab is written
    protected: bool = False  # only mixitup and the backend's named editors may edit it
    rules: frozenset[int] = frozenset()  # 0-based row indexes with a thin rule along their top
    # A filter on row 0 over the table, which people who cannot edit the tab may still use
    # (xlsx: an autofilter, and protection that allows filtering and sorting). Google Sheets
    # lets anyone who may only view a tab make a filter view of their own: nothing to write.
    autofilter: bool = False
    # Kept with the tab, not in a cell: `layout.stamp` of the cells mixitup wrote, so a later
    # read tells a tab a person edited from one that only fell behind the record.
    stamp: str = ""


CellUpdate = tuple[int, str, str]
"""(row, column, text): a History cell to set in place; the row as the last read numbered it,
the column by its `HISTORY_HEADER` name."""


@dataclass(frozen=True)
class HistoryEdit:
    """Cells to set, rows to remove and rows to add in the History (`change.py` says where that
    tab is). Rows are given in `HISTORY_HEADER` order; the tab may order its columns as staff
    like, and every cell and row the edit does not name stays as it is.
    """

    remove_sessions: tuple[str, ...] = ()  # labels whose rows go, as the tab holds them then
    update: tuple[CellUpdate, ...] = ()
    append: tuple[tuple[str, ...], ...] = ()
    title: str = "History"  # the title of a history tab created by this edit
    hidden: bool = True  # whether a created history tab is hidden

    def __bool__(self) -> bool:
        return bool(self.remove_sessions or self.update or self.append)


CellValue = tuple[int, int, Cell]
"""(row, column, value): a cell of a staff tab to set in place, both 1-based as the spreadsheet
numbers them (row 1, column 1 is A1), as last read; "" clears it. Text is written as literal
text, a number as a number."""


@dataclass(frozen=True)
class TabCells:
    """Cells to set in place in a tab staff keep (the roster, at a rollover). Every other cell,
    row and format of the tab stays as staff left it, and so do its protection and stamp."""

    title: str
    update: tuple[CellValue, ...]


@dataclass(frozen=True)
class Change:
    """Everything one command writes, applied all-or-nothing by a backend.

    `mixitup.change.apply_change` is the one definition of what applying it means.
    """

    tabs: tuple[Tab, ...] = ()  # written whole: replaces a tab of that title, or is added
    delete_tabs: tuple[str, ...] = ()
    history: HistoryEdit | None = None
    cells: tuple[TabCells, ...] = ()  # set in place, in tabs the change neither writes nor deletes

    def __bool__(self) -> bool:
        return bool(
            self.tabs or self.delete_tabs or self.history or any(c.update for c in self.cells)
        )


@dataclass(frozen=True)
class Snapshot:
    """Everything one read returns: every tab's title in order, and cells as text.

    Titles are looked up whatever their case, as Google Sheets and Excel compare them.
    `uncomputed` lists, per tab title, the (row, column) cells (1-based) that hold a formula
    whose value was never computed: they read as blank, but their real value is unknown.
    """

    titles: tuple[str, ...]
    tabs: Mapping[str, Rows]
    hidden: frozenset[str] = frozenset()  # titles of hidden tabs
    marked: str | None = None  # the tab carrying mixitup's history marker, if any
    uncomputed: Mapping[str, frozenset[tuple[int, int]]] = field(default_factory=dict)
    protected: frozenset[str] = frozenset()  # titles of tabs protected as a whole
    stamps: Mapping[str, str] = field(
        default_factory=dict
    )  # title -> Tab.stamp it was written with

    def title(self, title: str) -> str | None:
        """The spreadsheet's own spelling of `title`, or None when it has no such tab."""
        if title in self.tabs:
            return title
        folded = title.casefold()
        return next((t for t in self.titles if t.casefold() == folded), None)

    def rows(self, title: str) -> Rows | None:
        """The tab's rows, or None when the spreadsheet has no such tab."""
        found = self.title(title)
        return None if found is None else self.tabs[found]
