"""The one definition of applying a `Change` to a spreadsheet, shared by every backend.

`plan_change` turns a change into the steps it means for one snapshot; `apply_change` carries
them out on the snapshot itself (the in-memory backend, and the reference the contract tests
hold every backend to). The xlsx and Google backends only translate the same steps into
their own writes. The rules:

- Titles match whatever their case. A tab written by the change replaces the tab of that
  title in its place (on Google it keeps its sheet id, so links to it still work); a new
  tab goes where `Tab.position` says, else last. Deleting a tab that is not there is no-op.
- The history tab is the one carrying mixitup's marker, else the one whose first row holds
  the history header; staff may rename it and reorder or insert columns. Missing history
  columns are added at the right of its header. Rows of `remove_sessions` are removed as
  the tab holds them when the change lands; cells it updates are set in place first, in the
  rows as last read (every other cell and row stays); new rows go below its last row, in its
  own column order. With no history tab, one is created (header, frozen, hidden) and marked.
- A tab written by the change is protected exactly when `Tab.protected` says, and carries
  exactly the stamp `Tab.stamp` says (none when empty), whatever the tab it replaces was;
  tabs the change does not write keep their protection and stamp.
- Cells of `Change.cells` are set in place in a tab as last read (title matched whatever its
  case), the tab growing when a cell lies beyond its last row or column; every other cell,
  its formats, protection and stamp stay. The tab must be there, and the same change may not
  write it whole or delete it. Backends refuse the change (ConflictError) when the tab changed
  since it was read: see each backend for how far that goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mixitup.errors import ConflictError
from mixitup.layout import HISTORY_HEADER, find_history_tab, history_columns
from mixitup.models import CellValue, Change, HistoryEdit, Rows, Snapshot, Tab


@dataclass(frozen=True)
class HistorySteps:
    """What a HistoryEdit means for one history tab as last read."""

    title: str  # the existing tab, or the one to create
    create: bool
    header: tuple[str, ...]  # the header row after the change
    old_width: int  # header cells before the change; cells past it are new columns
    update: tuple[tuple[int, int, str], ...]  # (1-based row, 0-based column, text), set first
    delete_rows: tuple[int, ...]  # 1-based row numbers, ascending
    append: Rows  # new rows in the tab's column order
    mark: bool  # the tab does not carry the marker yet
    hidden: bool


@dataclass(frozen=True)
class Steps:
    """A change as the operations it takes on one snapshot, in the order they are done."""

    delete: tuple[str, ...]  # titles as the spreadsheet spells them
    replace: tuple[tuple[str, Tab], ...]  # the spreadsheet's title -> the tab written over it
    add: tuple[Tab, ...]  # new tabs, each inserted at Tab.position (clamped) or last
    history: HistorySteps | None
    # The spreadsheet's title of a tab left in place -> its cells to set, in the order given.
    cells: tuple[tuple[str, tuple[CellValue, ...]], ...] = ()


def plan_change(snapshot: Snapshot, change: Change) -> Steps:
    """The steps that apply `change` to the spreadsheet `snapshot` shows."""
    delete: list[str] = []
    for title in change.delete_tabs:
        found = snapshot.title(title)
        if found is not None and found not in delete:
            delete.append(found)
    replace: list[tuple[str, Tab]] = []
    add: list[Tab] = []
    for tab in change.tabs:
        found = snapshot.title(tab.title)
        if found is not None and found not in delete:
            replace.append((found, tab))
        else:
            add.append(tab)
    history = _history_steps(snapshot, change.history, delete) if change.history else None
    written = {*delete, *(old for old, _ in replace)}
    cells: dict[str, list[CellValue]] = {}
    for edit in change.cells:
        found = snapshot.title(edit.title)
        if found is None:
            raise ConflictError(
                f'The tab "{edit.title}" is gone from the spreadsheet since it was read.'
            )
        if found in written or any(t.title.casefold() == found.casefold() for t in add):
            raise ValueError(f"a change sets cells of {found!r} and writes it whole")
        cells.setdefault(found, []).extend(edit.update)
    steps = tuple((title, tuple(update)) for title, update in cells.items() if update)
    return Steps(tuple(delete), tuple(replace), tuple(add), history, steps)


def apply_change(snapshot: Snapshot, change: Change) -> Snapshot:
    """The spreadsheet `snapshot` shows, after `change`: the in-memory backend's write."""
    steps = plan_change(snapshot, change)
    titles = [t for t in snapshot.titles if t not in steps.delete]
    tabs = {t: snapshot.tabs[t] for t in titles}
    hidden = {t for t in snapshot.hidden if t in tabs}
    protected = {t for t in snapshot.protected if t in tabs}
    stamps = {t: s for t, s in snapshot.stamps.items() if t in tabs}
    marked = snapshot.marked if snapshot.marked in tabs else None
    for old, tab in steps.replace:
        titles[titles.index(old)] = tab.title
        del tabs[old]
        hidden.discard(old)
        protected.discard(old)
        stamps.pop(old, None)
        _put(tabs, hidden, protected, stamps, tab)
    for tab in steps.add:
        at = len(titles) if tab.position is None else min(tab.position, len(titles))
        titles.insert(at, tab.title)
        _put(tabs, hidden, protected, stamps, tab)
    for title, update in steps.cells:
        tabs[title] = set_cells(tabs[title], update)
    if steps.history is not None:
        h = steps.history
        if h.create:
            titles.append(h.title)
            tabs[h.title] = (h.header,)
            if h.hidden:
                hidden.add(h.title)
        rows = [list(r) for r in tabs[h.title]]
        rows[0] = list(h.header)
        for number, column, text in h.update:
            rows.extend([] for _ in range(number - len(rows)))
            cells = rows[number - 1]
            cells.extend("" for _ in range(column + 1 - len(cells)))
            cells[column] = text
        for number in reversed(h.delete_rows):
            del rows[number - 1]
        tabs[h.title] = trimmed([*rows, *h.append])
        marked = h.title
    return Snapshot(
        tuple(titles),
        tabs,
        frozenset(hidden),
        marked,
        protected=frozenset(protected),
        stamps=stamps,
    )


def _put(
    tabs: dict[str, Rows], hidden: set[str], protected: set[str], stamps: dict[str, str], tab: Tab
) -> None:
    tabs[tab.title] = trimmed([tuple(_text(c) for c in row) for row in tab.rows])
    if tab.hidden:
        hidden.add(tab.title)
    if tab.protected:
        protected.add(tab.title)
    if tab.stamp:
        stamps[tab.title] = tab.stamp


def _text(cell: str | int) -> str:
    return cell if isinstance(cell, str) else str(cell)


def set_cells(rows: Rows, update: Sequence[CellValue]) -> Rows:
    """`rows` with each (row, column, value) set, both 1-based; the rows grow to hold them."""
    grid = [list(r) for r in rows]
    for row, column, value in update:
        grid.extend([] for _ in range(row - len(grid)))
        cells = grid[row - 1]
        cells.extend("" for _ in range(column - len(cells)))
        cells[column - 1] = _text(value)
    return trimmed(grid)


def trimmed(rows: Sequence[Sequence[str]]) -> Rows:
    """Rows as a read returns them, as the Sheets API does: trailing blank cells and rows
    dropped."""
    out = []
    for row in rows:
        cells = list(row)
        while cells and not cells[-1]:
            cells.pop()
        out.append(tuple(cells))
    while out and not out[-1]:
        out.pop()
    return tuple(out)


def _history_steps(snapshot: Snapshot, edit: HistoryEdit, deleted: list[str]) -> HistorySteps:
    title = find_history_tab(snapshot)
    if title is None or title in deleted:
        title = _free_title(snapshot, edit.title)
        return HistorySteps(
            title=title,
            create=True,
            header=HISTORY_HEADER,
            old_width=len(HISTORY_HEADER),
            update=(),
            delete_rows=(),
            append=edit.append,
            mark=True,
            hidden=edit.hidden,
        )
    rows = snapshot.tabs[title]
    header = tuple(rows[0]) if rows else ()
    columns = history_columns(header)
    missing = [name for name in HISTORY_HEADER if name not in columns]
    width = len(trimmed([header])[0]) if header else 0
    full = (*header[:width], *missing)
    columns = history_columns(full)
    session = columns["Session"]
    gone = set(edit.remove_sessions)
    delete = tuple(
        number
        for number, cells in enumerate(rows[1:], 2)
        if session < len(cells) and cells[session].strip() in gone
    )
    append = tuple(_in_order(row, columns, len(full)) for row in edit.append)
    update = tuple((row, columns[name], text) for row, name, text in edit.update)
    return HistorySteps(
        title=title,
        create=False,
        header=full,
        old_width=width,
        update=update,
        delete_rows=delete,
        append=append,
        mark=snapshot.marked != title,
        hidden=edit.hidden,
    )


def _in_order(row: Sequence[str], columns: dict[str, int], width: int) -> tuple[str, ...]:
    """A row given in HISTORY_HEADER order, laid out in the tab's column order."""
    cells = [""] * width
    for name, value in zip(HISTORY_HEADER, row, strict=False):
        cells[columns[name]] = value
    while cells and not cells[-1]:
        cells.pop()
    return tuple(cells)


def _free_title(snapshot: Snapshot, title: str) -> str:
    """`title`, or `title (mixitup)` when a tab of staff's already has that name."""
    if snapshot.title(title) is None:
        return title
    number = 1
    while snapshot.title(candidate := f"{title} (mixitup{f' {number}' if number > 1 else ''})"):
        number += 1
    return candidate
