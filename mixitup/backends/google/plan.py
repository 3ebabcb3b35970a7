"""A Change as one batchUpdate, planned against the spreadsheet as last read, and how a later
read tells whether it landed.

`change.plan_change` says what the change means; this module only translates its steps, in
the order they must run in one atomic batchUpdate: tabs deleted, replaced in place (same sheet
id, old stamp and protection removed, new ones added) and added; then the History: header
cells added, cells set in place, rows deleted (updates first: they name rows as last read),
rows appended below whatever the tab holds when the write lands, and its marker replaced.
Cells set in a staff tab (Change.cells) are literal values in place, the tab's own marker
replaced the same way.

What the markers guarantee: two mixitup writes planned on the same read of the History, or of
a tab whose cells they set, cannot both land; the later fails whole (Google refuses to delete
a named range that is gone) and writes nothing. A person's edit in the browser between a read
and the write leaves no trace the API can test in a batchUpdate (it has no conditional write),
so commands that set cells check the result with a read afterwards (`pipeline.rollover`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from mixitup.backends.google import tabs
from mixitup.backends.google.reading import CELLS_MARKER, Sheet, State
from mixitup.change import HistorySteps, apply_change, plan_change
from mixitup.errors import ConflictError
from mixitup.layout import HISTORY_MARKER
from mixitup.models import CellValue, Change, Snapshot, Tab

Json = dict[str, Any]


@dataclass(frozen=True)
class Plan:
    """One change as a batchUpdate body, and how to tell from a later read whether it landed."""

    body: Json
    before: Snapshot
    after: Snapshot  # what apply_change says the spreadsheet is once the change landed
    markers_before: frozenset[str] = frozenset()  # ids of the markers the plan deletes
    marker_after: str | None = None  # the name of a marker it adds (History, or cells set)
    cell_sheets: frozenset[int] = frozenset()  # ids of the tabs whose cells it sets

    def landed(self, state: State) -> bool:
        """Whether `state` shows this plan applied (True) or not applied (False).

        Raises ConflictError when it shows neither: someone else changed the spreadsheet.
        """
        if self.marker_after is not None:
            if self.marker_after in state.marker_names() | state.cells_marker_names():
                return True  # a batchUpdate is atomic: the new marker means all of it landed
            history = state.marker_ids() if self.writes_history else frozenset()
            if history | state.cells_marker_ids(self.cell_sheets) == self.markers_before:
                return False
        else:
            now = state.snapshot()

            def seen(snapshot: Snapshot, title: str) -> tuple[object, ...]:
                return (snapshot.rows(title), snapshot.stamps.get(snapshot.title(title) or ""))

            written = [t for t in self.after.titles if seen(self.after, t) != seen(self.before, t)]
            gone = [t for t in self.before.titles if self.after.title(t) is None]
            if all(seen(now, t) == seen(self.after, t) for t in written) and all(
                now.title(t) is None for t in gone
            ):
                return True
            if all(seen(now, t) == seen(self.before, t) for t in written) and all(
                now.title(t) is not None for t in gone
            ):
                return False
        raise ConflictError(
            "The spreadsheet changed while mixitup was writing to it, so nothing more was "
            "written. Run `mixitup status` to see what is published, then run again."
        )

    @property
    def writes_history(self) -> bool:
        return self.marker_after is not None and not self.marker_after.startswith(CELLS_MARKER)


def plan(
    change: Change,
    state: State,
    *,
    new_sheet_id: Callable[[set[int]], int],
    new_marker: Callable[[], str],
    editors: Sequence[str],
) -> Plan:
    """The batchUpdate carrying out `plan_change`'s steps on the spreadsheet as read.

    `new_sheet_id` picks an id not in the set it is given (and adds it); `new_marker` a fresh
    random token (not all digits) for the History marker's name; `editors` may edit the tabs
    written protected.
    """
    snapshot = state.snapshot()
    steps = plan_change(snapshot, change)
    by_title = state.by_title()
    taken = state.ids()
    deletes: list[Json] = [
        {"deleteSheet": {"sheetId": by_title[title].sheet_id}} for title in steps.delete
    ]
    # Google refuses to delete every tab, even when the same batch adds others: then the new
    # tabs go in after the old ones, which are deleted last.
    late = len(steps.delete) == len(state.sheets) and bool(steps.add)
    out: list[Json] = [] if late else deletes
    shift = len(state.sheets) if late else 0
    for old, tab in steps.replace:
        sheet = by_title[old]
        out += tabs.replace_tab(tab, sheet)
        out += [tabs.unprotect(p) for p in sheet.protections]
        if tab.protected:
            out.append(tabs.protect(sheet.sheet_id, editors))
        out += tabs.stamp(sheet.sheet_id, tab.stamp, old=sheet.stamp_ids)
    count = len(state.sheets) - len(steps.delete)
    for tab in steps.add:
        index = None if tab.position is None else min(tab.position, count) + shift
        sheet_id = new_sheet_id(taken)
        out += tabs.add_tab(tab, sheet_id, index)
        if tab.protected:
            out.append(tabs.protect(sheet_id, editors))
        out += tabs.stamp(sheet_id, tab.stamp)
        count += 1
    if late:
        out += deletes
    cells_before: set[str] = set()
    cells_marker: str | None = None
    for title, update in steps.cells:
        sheet = by_title[title]
        out += _grow(sheet, update)
        out += tabs.set_cells(sheet.sheet_id, [(r, c - 1, value) for r, c, value in update])
        # This tab's lock, as the History's below: the markers read go by id, a new one comes.
        held = state.cells_marker_ids(frozenset({sheet.sheet_id}))
        out += [{"deleteNamedRange": {"namedRangeId": m}} for m in sorted(held)]
        cells_marker = f"{CELLS_MARKER}_{new_marker() if held else sheet.sheet_id}"
        named = {"name": cells_marker, "range": {"sheetId": sheet.sheet_id}}
        out.append({"addNamedRange": {"namedRange": named}})
        cells_before |= held
    cell_sheets = frozenset(by_title[title].sheet_id for title, _ in steps.cells)
    after = apply_change(snapshot, change)
    if steps.history is None:
        return Plan(
            {"requests": out}, snapshot, after, frozenset(cells_before), cells_marker, cell_sheets
        )
    h = steps.history
    history_id = new_sheet_id(taken) if h.create else by_title[h.title].sheet_id
    out += _history(h, history_id, by_title[h.title].column_count if not h.create else 0)
    # The optimistic lock. The markers read are deleted by id: a plan made on a stale read
    # (another run has replaced them since) fails whole. A History read without a marker gets
    # one named after its sheet id, so two runs marking it at once collide on that name; later
    # ones get a random name. Never one fixed name: Google keeps the names of a deleted tab's
    # ranges taken (see reading.is_marker).
    markers_before = state.marker_ids()
    out += [{"deleteNamedRange": {"namedRangeId": m}} for m in sorted(markers_before)]
    marker = f"{HISTORY_MARKER}_{new_marker() if markers_before else history_id}"
    named = {"name": marker, "range": {"sheetId": history_id}}
    out.append({"addNamedRange": {"namedRange": named}})
    return Plan(
        {"requests": out},
        snapshot,
        after,
        markers_before | cells_before,
        marker,
        cell_sheets,
    )


def _grow(sheet: Sheet, update: Sequence[CellValue]) -> list[Json]:
    """Rows and columns added to `sheet`'s grid so every cell of `update` lies in it."""
    rows = max((row for row, _, _ in update), default=0)
    columns = max((column for _, column, _ in update), default=0)
    out: list[Json] = []
    if rows > sheet.row_count:
        out.append(tabs.append_dimension(sheet.sheet_id, "ROWS", rows - sheet.row_count))
    if columns > sheet.column_count:
        out.append(tabs.append_dimension(sheet.sheet_id, "COLUMNS", columns - sheet.column_count))
    return out


def _history(h: HistorySteps, sheet_id: int, columns: int) -> list[Json]:
    """The History's requests but its marker: the tab created, or widened, its header
    completed, cells set and rows deleted; then rows appended. `columns`: its grid's width."""
    out: list[Json] = []
    if h.create:
        header = Tab(h.title, (h.header,), frozen_rows=1, bold_rows=frozenset({0}))
        out += tabs.add_tab(replace(header, hidden=h.hidden), sheet_id, None)
        columns = len(h.header)
    else:
        if len(h.header) > columns:
            out.append(tabs.append_dimension(sheet_id, "COLUMNS", len(h.header) - columns))
            columns = len(h.header)
        if len(h.header) > h.old_width:
            new = h.header[h.old_width :]
            out.append(
                {
                    "updateCells": {
                        "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": h.old_width},
                        "rows": tabs.cells([new], len(new), bold=frozenset({0})),
                        "fields": tabs.CELL_FIELDS,
                    }
                }
            )
        # Cells first, in the rows as read; then rows removed, the lowest first.
        out += tabs.set_cells(sheet_id, h.update)
        out += tabs.delete_rows(sheet_id, h.delete_rows)
    if h.append:
        # Appended below whatever the tab holds when the write lands, never at a row read
        # earlier, so rows another run added meanwhile are not overwritten.
        out.append(
            {
                "appendCells": {
                    "sheetId": sheet_id,
                    "rows": tabs.cells(h.append, columns),
                    "fields": "userEnteredValue",
                }
            }
        )
    return out
