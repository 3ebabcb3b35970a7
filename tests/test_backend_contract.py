"""Every backend applies a Change exactly as `apply_change` defines it.

The same cases run on the in-memory backend, a real .xlsx workbook and the fake Google Sheet
(real requests and google-auth): after `apply`, a fresh read must equal `apply_change` of the
read before it, tab for tab, hidden flags, history marker, protection and stamps included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from mixitup.backends import Backend, open_backend
from mixitup.backends.memory import MemoryBackend
from mixitup.backends.xlsx import XlsxBackend
from mixitup.change import apply_change
from mixitup.errors import ConflictError
from mixitup.layout import HISTORY_HEADER as HEADER
from mixitup.layout import find_history_tab
from mixitup.models import Change, HistoryEdit, Snapshot, Tab, TabCells
from tests.fake_sheets import GoogleSheet
from tests.helpers import Look, sheet_look, workbook_look, write_workbook

Tabs = Mapping[str, Sequence[Sequence[str]]]
W2 = "2027-01-13 Week 2"
W4 = "2027-01-27 Week 4"
OLD_HEADER = HEADER[:9] + HEADER[11:]  # the history header before Role and Attended


@dataclass
class Spreadsheet:
    """One kind of backend: seed it, open a backend on it (as many as wanted), and see how a
    tab is drawn where the backend keeps formatting (None: the memory backend keeps none)."""

    seed: Callable[[Tabs], None]
    open: Callable[[], Backend]
    look: Callable[[str], list[Look]] | None = None


@pytest.fixture(params=["memory", "xlsx", "google"])
def spreadsheet(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Spreadsheet]:
    if request.param == "memory":
        first = MemoryBackend()

        def seed_memory(tabs: Tabs) -> None:
            nonlocal first
            first = MemoryBackend(tabs)

        yield Spreadsheet(seed_memory, lambda: first.another())
    elif request.param == "xlsx":
        path = tmp_path / "book.xlsx"
        yield Spreadsheet(
            lambda tabs: _seed_xlsx(path, tabs),
            lambda: XlsxBackend(path),
            lambda title: workbook_look(path, title),
        )
    else:
        sheet: GoogleSheet = request.getfixturevalue("google_sheet")

        def seed_google(tabs: Tabs) -> None:
            with sheet.fake.lock:  # a new Google spreadsheet comes with a Sheet1; start bare
                sheet.book.sheets = [s for s in sheet.book.sheets if s.title != "Sheet1"]
            for title, rows in tabs.items():
                sheet.seed(title, [list(r) for r in rows])

        def google_look(title: str) -> list[Look]:
            tab = sheet.tab(title)
            return sheet_look(tab.cells, tab.row_count)

        yield Spreadsheet(
            seed_google, lambda: open_backend(sheet.config(), sheet.session), google_look
        )


def _seed_xlsx(path: Path, tabs: Tabs) -> None:
    write_workbook(path, dict(tabs) or {"Sheet1": []})


def history_row(session: str, group: int, key: str) -> tuple[str, ...]:
    """A history row in HEADER order (trailing columns blank)."""
    return (session, session[:10], session[-1], str(group), key, key.title(), "BE", "3", "c")


ROSTER = {"Roster": [["Name", "Email"], ["Ada", "ada@example.org"]]}
# A roster as staff keep it: a column of their own, notes right of the table.
STAFF_ROSTER = {
    "Roster": [
        ["Name", "Email", "Module", "Program", "Notes"],
        ["Ada", "ada@example.org", "Mod 3", "BE"],
        ["Bo", "bo@example.org", "2", "FE", "moved from FE", "", "keep"],
        ["Cy", "cy@example.org", "M1", "BE"],
    ]
}
HISTORY = [list(HEADER), *(list(history_row(W2, g, k)) for g, k in ((1, "a"), (2, "b")))]
# The History with its columns in another order, as staff may drag them.
ORDER = (4, 0, 3, 10, 9, 1, 2, 5, 6, 7, 8, 11, 12)
REORDERED = [
    [row[i] if i < len(row) else "" for i in ORDER]
    for row in [HEADER, *(history_row(W2, g, k) for g, k in ((1, "a"), (2, "b"), (3, "c")))]
]
GROUPS = Tab(f"{W2} Groups", (("Group", "Name"), (1, "Ada"), (2, "=1+1")), frozen_rows=1)

# Seeded by writing them through the backend itself: staff cannot seed protection as text.
PROTECTED = {"Was protected": [["x"]], "Was open": [["y"]], "Stays protected": [["z"]]}

CASES: dict[str, tuple[Tabs, Change]] = {
    # New tabs go last, or where `position` says.
    "tabs-added-last-and-first": (
        ROSTER,
        Change(tabs=(GROUPS, Tab("First", (("x",),), position=0))),
    ),
    # A tab written over one whose title differs only in case replaces it in its place.
    "tab-replaced-in-place-whatever-the-case": (
        {**ROSTER, f"{W2} groups": [["old"], ["rows", "here"], ["three"]], "Notes": [["n"]]},
        Change(tabs=(GROUPS,)),
    ),
    # Deleting matches titles whatever their case; a missing tab is no error.
    "tab-deleted-missing-tab-ignored": (
        {**ROSTER, "Old Tab": [["x"]]},
        Change(delete_tabs=("old tab", "Never There")),
    ),
    # No history tab: one is created, hidden, with the header, and marked.
    "history-created": (
        ROSTER,
        Change(history=HistoryEdit(append=(history_row(W2, 1, "a"),))),
    ),
    # Renamed by staff, no marker yet (an older mixitup): found by its header row.
    "history-renamed": (
        {**ROSTER, "History (do not edit)": HISTORY},
        Change(history=HistoryEdit(append=(history_row(W4, 3, "c"),))),
    ),
    # Renamed to lower case: appended to, never a second "History1".
    "history-lower-case": (
        {**ROSTER, "history": HISTORY},
        Change(history=HistoryEdit(append=(history_row(W4, 3, "c"),))),
    ),
    # A column inserted before the first: rows are laid out by header, not position.
    "history-column-inserted": (
        {**ROSTER, "History": [["Note", *r] for r in HISTORY]},
        Change(history=HistoryEdit(append=(history_row(W4, 3, "c"),))),
    ),
    # An older header without Role and Attended gets them at the right.
    "history-old-header": (
        {**ROSTER, "History": [list(OLD_HEADER), list(history_row(W2, 1, "a"))]},
        Change(history=HistoryEdit(append=(history_row(W4, 3, "c"),))),
    ),
    # Removing a session takes only its rows, wherever they are.
    "history-session-removed": (
        {**ROSTER, "History": [*HISTORY, list(history_row(W4, 1, "z")), *HISTORY[1:]]},
        Change(history=HistoryEdit(remove_sessions=(W2,), append=(history_row(W2, 5, "q"),))),
    ),
    # Cells set in place where the header says, whatever the order staff gave the columns;
    # a run down one column and neighbouring cells of one row; "" clears a cell.
    "history-cells-set-in-reordered-columns": (
        {**ROSTER, "History": REORDERED},
        Change(
            history=HistoryEdit(
                update=(
                    (2, "Attended", "no"),
                    (3, "Attended", "yes"),
                    (4, "Attended", "yes"),
                    (3, "Group", "7"),
                    (3, "Role", "Lead"),
                    (2, "Cohort", ""),
                )
            )
        ),
    ),
    # A column staff inserted before the first, with notes in it, and a row of their own:
    # only the cells named change.
    "history-cells-set-around-a-staff-column-and-row": (
        {
            **ROSTER,
            "History": [
                ["Staff note", *HEADER],
                ["keep me", *history_row(W2, 1, "a")],
                ["a row of staff's own"],
                ["", *history_row(W2, 2, "b")],
            ],
        },
        Change(history=HistoryEdit(update=((2, "Group", "3"), (4, "Attended", "no")))),
    ),
    # An older History without Attended gets the column, then the cell.
    "history-cell-set-in-a-missing-column": (
        {**ROSTER, "History": [list(OLD_HEADER), list(history_row(W2, 1, "a"))]},
        Change(history=HistoryEdit(update=((2, "Attended", "no"), (2, "Role", "Lead")))),
    ),
    # Cells are set in the rows as read, before a removed session's rows go: the W4 row
    # (row 4 when read) is the one that changes, wherever it ends up.
    "history-cells-set-before-rows-removed": (
        {
            **ROSTER,
            "History": [
                *HISTORY,  # rows 2 and 3: W2
                list(history_row(W4, 1, "z")),  # row 4
                list(history_row(W2, 3, "c")),  # row 5
                list(history_row(W4, 2, "y")),  # row 6
            ],
        },
        Change(
            history=HistoryEdit(
                remove_sessions=(W2,),
                update=((4, "Group", "9"), (6, "Attended", "no"), (5, "Group", "8")),
                append=(history_row(W2, 4, "d"),),
            )
        ),
    ),
    # A staff tab that happens to be called History is left alone.
    "staff-tab-called-history": (
        {**ROSTER, "History": [["Our school's history"]]},
        Change(history=HistoryEdit(append=(history_row(W2, 1, "a"),))),
    ),
    # Tabs written protected are protected; a new one can go first.
    "protected-tabs-added": (
        {},
        Change(
            tabs=(
                Tab(f"{W2} Prompts", (("Prompts",),), protected=True),
                Tab("How to", (("Find your name",),), position=0, protected=True),
                Tab(f"{W2} Groups", GROUPS.rows, frozen_rows=1, protected=True, position=1),
            )
        ),
    ),
    # A protected tab replaced by an unprotected one loses its protection, and the other
    # way round; a protected tab the change leaves alone stays protected.
    "protection-follows-the-tab-written": (
        PROTECTED,
        Change(
            tabs=(
                Tab("Was protected", (("now open",),)),
                Tab("Was open", (("now protected",),), protected=True),
            )
        ),
    ),
    # Every tab there was is deleted while new ones are added (a new spreadsheet's Sheet1).
    "only-tab-deleted-as-new-ones-come": (
        {"Sheet1": []},
        Change(
            tabs=(Tab("B", (("b",),)), Tab("A", (("a",),), position=0)),
            delete_tabs=("Sheet1",),
        ),
    ),
    # Cells set in place in a staff tab, whatever the case of its title: text stays text (a
    # leading = too), a number is a number, "" clears, and a cell right of the header adds a
    # column there (a Status column a rollover adds); every other cell stays.
    "cells-set-in-a-staff-tab": (
        {**STAFF_ROSTER, "Notes": [["n"]]},
        Change(
            cells=(
                TabCells(
                    "roster",
                    (
                        (2, 3, "Mod 4"),
                        (3, 3, 4),
                        (4, 3, "=M3"),
                        (3, 5, ""),
                        (1, 7, "Status"),
                        (2, 7, "Graduated"),
                    ),
                ),
            )
        ),
    ),
    # Cells beyond the tab's last row and column (past a new Google sheet's 1000 x 26 grid).
    "cells-set-beyond-the-grid": (
        STAFF_ROSTER,
        Change(cells=(TabCells("Roster", ((1001, 2, "far down"), (2, 27, "far right"))),)),
    ),
    # Cells set beside tabs written and History rows added, in one change.
    "cells-set-beside-a-publish": (
        {**STAFF_ROSTER, "History": HISTORY},
        Change(
            tabs=(GROUPS,),
            history=HistoryEdit(append=(history_row(W4, 1, "a"),)),
            cells=(TabCells("Roster", ((2, 3, "Mod 3"),)), TabCells("Roster", ((3, 3, 1),))),
        ),
    ),
    # Everything at once, as a forced publish writes it.
    "forced-publish": (
        {**ROSTER, f"{W2} Groups": [["Group", "Name"]], "History": HISTORY},
        Change(
            tabs=(GROUPS, Tab(f"{W2} Prompts", (("Prompts",),), wrap=True)),
            history=HistoryEdit(remove_sessions=(W2,), append=(history_row(W2, 1, "a"),)),
        ),
    ),
}


def comparable(snapshot: Snapshot) -> tuple[object, ...]:
    return (
        snapshot.titles,
        dict(snapshot.tabs),
        snapshot.hidden,
        find_history_tab(snapshot),
        snapshot.protected,
        dict(snapshot.stamps),
    )


def _protect_seeded(spreadsheet: Spreadsheet, tabs: Tabs) -> None:
    """Write the PROTECTED tabs again, the first and last protected, as an earlier run would."""
    if tabs is not PROTECTED:
        return
    backend = spreadsheet.open()
    backend.read()
    backend.apply(
        Change(
            tabs=tuple(
                Tab(title, tuple(map(tuple, rows)), protected=title != "Was open")
                for title, rows in tabs.items()
            )
        )
    )


@pytest.mark.parametrize("case", CASES)
def test_apply_gives_what_apply_change_defines(spreadsheet: Spreadsheet, case: str) -> None:
    tabs, change = CASES[case]
    spreadsheet.seed(tabs)
    _protect_seeded(spreadsheet, tabs)
    backend = spreadsheet.open()
    before = backend.read()

    backend.apply(change)

    after = spreadsheet.open().read()
    assert comparable(after) == comparable(apply_change(before, change))


def test_a_rerun_finds_the_history_it_created_by_its_marker(spreadsheet: Spreadsheet) -> None:
    spreadsheet.seed(ROSTER)
    backend = spreadsheet.open()
    backend.read()
    backend.apply(Change(history=HistoryEdit(append=(history_row(W2, 1, "a"),))))

    snapshot = spreadsheet.open().read()

    assert snapshot.marked == "History"
    assert snapshot.hidden == {"History"}


def test_a_change_planned_on_a_stale_read_is_refused_and_writes_nothing(
    spreadsheet: Spreadsheet,
) -> None:
    spreadsheet.seed({**ROSTER, "History": HISTORY})
    slow, fast = spreadsheet.open(), spreadsheet.open()
    slow.read()
    fast.read()
    fast.apply(
        Change(history=HistoryEdit(remove_sessions=(W2,), append=(history_row(W4, 1, "x"),)))
    )
    written = spreadsheet.open().read()

    with pytest.raises(ConflictError):
        slow.apply(
            Change(
                tabs=(GROUPS,),
                history=HistoryEdit(remove_sessions=(W2,), append=(history_row(W2, 9, "y"),)),
            )
        )

    assert comparable(spreadsheet.open().read()) == comparable(written)


@pytest.mark.parametrize("marked", [False, True])  # a History found by its header, or marked
def test_cells_set_on_a_stale_read_are_refused_and_write_nothing(
    spreadsheet: Spreadsheet, marked: bool
) -> None:
    """Two runs marking attendance at once: the one that read first must not overwrite."""
    spreadsheet.seed({**ROSTER, "History": HISTORY})
    if marked:
        apply_and_check(spreadsheet, Change(history=HistoryEdit(append=(HISTORY[1],))))
    slow, fast = spreadsheet.open(), spreadsheet.open()
    slow.read()
    fast.read()
    fast.apply(Change(history=HistoryEdit(update=((2, "Attended", "no"),))))
    written = spreadsheet.open().read()

    with pytest.raises(ConflictError):
        slow.apply(Change(history=HistoryEdit(update=((2, "Attended", "yes"),))))

    assert comparable(spreadsheet.open().read()) == comparable(written)


def test_text_that_looks_like_a_formula_is_kept_as_text(spreadsheet: Spreadsheet) -> None:
    spreadsheet.seed(ROSTER)
    backend = spreadsheet.open()
    backend.read()

    backend.apply(Change(tabs=(GROUPS,)))

    assert spreadsheet.open().read().rows(GROUPS.title) == (
        ("Group", "Name"),
        ("1", "Ada"),
        ("2", "=1+1"),
    )


def apply_and_check(spreadsheet: Spreadsheet, change: Change) -> Snapshot:
    """Apply `change` through a backend of its own; the spreadsheet must then read as
    `apply_change` says. Returns the fresh read."""
    backend = spreadsheet.open()
    before = backend.read()
    backend.apply(change)
    after = spreadsheet.open().read()
    assert comparable(after) == comparable(apply_change(before, change))
    return after


STAMPED = Tab(f"{W2} Groups", (("Group", "Name"), (1, "Ada")), stamp="0f1e2d3c4b5a69788796")


def test_a_stamp_is_kept_with_its_tab_until_the_tab_is_written_again(
    spreadsheet: Spreadsheet,
) -> None:
    spreadsheet.seed(ROSTER)

    written = apply_and_check(spreadsheet, Change(tabs=(STAMPED, Tab("Plain", (("p",),)))))
    assert written.stamps == {STAMPED.title: STAMPED.stamp}

    # Writes that leave the tab alone (a tab added, the History created) leave its stamp.
    other = Change(tabs=(Tab("Other", (("o",),)),), history=HistoryEdit(append=(HISTORY[1],)))
    assert apply_and_check(spreadsheet, other).stamps == {STAMPED.title: STAMPED.stamp}

    # Written again with another stamp, in place and whatever the title's case: that one only.
    again = replace(STAMPED, title=STAMPED.title.lower(), stamp="new-stamp")
    assert apply_and_check(spreadsheet, Change(tabs=(again,))).stamps == {again.title: "new-stamp"}

    # Written again without one: none.
    assert apply_and_check(spreadsheet, Change(tabs=(replace(again, stamp=""),))).stamps == {}


def test_a_deleted_tab_takes_its_stamp_and_one_added_in_its_place_has_only_its_own(
    spreadsheet: Spreadsheet,
) -> None:
    spreadsheet.seed(ROSTER)
    apply_and_check(spreadsheet, Change(tabs=(STAMPED,)))

    gone = apply_and_check(spreadsheet, Change(delete_tabs=(STAMPED.title,)))
    assert gone.stamps == {}
    unstamped = apply_and_check(spreadsheet, Change(tabs=(replace(STAMPED, stamp=""),)))
    assert unstamped.stamps == {}
    # Deleted and added again in one change: the new tab's stamp only.
    swapped = Change(delete_tabs=(STAMPED.title,), tabs=(replace(STAMPED, stamp="fresh"),))
    assert apply_and_check(spreadsheet, swapped).stamps == {STAMPED.title: "fresh"}


def test_a_stamp_is_text_kept_exactly(spreadsheet: Spreadsheet) -> None:
    """Quotes, spaces and a leading = are part of the stamp, not markup or a formula."""
    spreadsheet.seed(ROSTER)
    odd = replace(STAMPED, stamp='="a" b\'c')

    assert apply_and_check(spreadsheet, Change(tabs=(odd,))).stamps == {odd.title: odd.stamp}


def test_cells_set_in_place_leave_every_other_cell_and_row_as_it_was(
    spreadsheet: Spreadsheet,
) -> None:
    """Attendance on a History staff annotated: the owned cells change, nothing else does."""
    staff_row = ["a row of staff's own", "", "", "", "", "", "", "", "", "", "", "", "", "x"]
    history = [
        [*HEADER, "Staff note"],
        [*history_row(W2, 1, "a"), "", "", "", "", "note a"],
        staff_row,
        [*history_row(W2, 2, "b"), "", "", "", "", "note b"],
    ]
    spreadsheet.seed({**ROSTER, "History": history})
    attended = HEADER.index("Attended")

    after = apply_and_check(
        spreadsheet, Change(history=HistoryEdit(update=((2, "Attended", "no"),)))
    )

    rows = after.rows("History")
    assert rows is not None
    expected = [list(r) for r in history]
    expected[1][attended] = "no"
    assert [list(r) + [""] * (len(e) - len(r)) for r, e in zip(rows, expected, strict=True)] == (
        expected
    )


FILTERED = Tab(
    f"{W2} Groups",
    (
        ("Group", "Name", "Role"),
        (1, "Ada", "Lead"),
        (1, "Bo", ""),
        (2, "Cy", "Lead"),
        (2, "Di", ""),
    ),
    frozen_rows=1,
    bold_rows=frozenset({0, 1, 3}),
    fills={0: "#D9E2F3", 1: "#FFFFFF", 2: "#FFFFFF", 3: "#E2EFDA", 4: "#E2EFDA"},
    wrap=True,
    rules=frozenset({1, 3}),
    autofilter=True,
    protected=True,
    stamp="ruled",
)


def test_rules_are_drawn_above_the_rows_named_and_move_when_the_tab_is_written_again(
    spreadsheet: Spreadsheet,
) -> None:
    """Every backend writes a ruled, filtered tab as `apply_change` says; those that keep
    formatting draw a thin rule across the whole row above each row in `rules`, and only
    there, also after the tab is written again with fewer rows and other rules."""
    spreadsheet.seed(ROSTER)

    apply_and_check(spreadsheet, Change(tabs=(FILTERED,)))
    if spreadsheet.look is not None:
        look = spreadsheet.look(FILTERED.title)
        assert [row.ruled for row in look] == [False, True, False, True, False]
        assert [row.fill for row in look] == [FILTERED.fills[r] for r in range(5)]
        assert [row.bold for row in look] == [True, True, False, True, False]

    again = replace(FILTERED, rows=FILTERED.rows[:4], rules=frozenset({2}), stamp="again")
    apply_and_check(spreadsheet, Change(tabs=(again,)))
    if spreadsheet.look is not None:
        assert [row.ruled for row in spreadsheet.look(FILTERED.title)] == [
            False,
            False,
            True,
            False,
        ]


ROLLED = Change(cells=(TabCells("Roster", ((2, 3, "Mod 4"), (3, 3, 3))),))


def test_cells_set_on_a_stale_read_of_their_tab_are_refused_and_write_nothing(
    spreadsheet: Spreadsheet,
) -> None:
    """Two rollovers at once: the one that read first must not move everyone a second time.

    xlsx: the file changed since it was read; memory: its version; Google: the tab's marker
    (a named range the first write replaced) is gone, so the whole batchUpdate is refused.
    """
    spreadsheet.seed(STAFF_ROSTER)
    apply_and_check(spreadsheet, Change(cells=(TabCells("Roster", ((4, 3, "M2"),)),)))
    slow, fast = spreadsheet.open(), spreadsheet.open()
    slow.read()
    fast.read()
    fast.apply(ROLLED)
    written = spreadsheet.open().read()

    with pytest.raises(ConflictError):
        slow.apply(ROLLED)

    assert comparable(spreadsheet.open().read()) == comparable(written)


def test_the_first_cells_set_in_a_tab_on_a_stale_read_are_refused_too(
    spreadsheet: Spreadsheet,
) -> None:
    """No marker yet on either read: the two writes' new markers collide (Google), or the
    file or version changed (xlsx, memory)."""
    spreadsheet.seed(STAFF_ROSTER)
    slow, fast = spreadsheet.open(), spreadsheet.open()
    slow.read()
    fast.read()
    fast.apply(ROLLED)
    written = spreadsheet.open().read()

    with pytest.raises(ConflictError):
        slow.apply(ROLLED)

    assert comparable(spreadsheet.open().read()) == comparable(written)


def test_cells_set_in_place_keep_the_tabs_formats_and_protection(
    spreadsheet: Spreadsheet,
) -> None:
    spreadsheet.seed(ROSTER)
    styled = replace(FILTERED, title="Roster", stamp="")
    apply_and_check(spreadsheet, Change(tabs=(styled,)))
    before = spreadsheet.look("Roster") if spreadsheet.look is not None else None

    after = apply_and_check(spreadsheet, Change(cells=(TabCells("Roster", ((2, 2, "Ann"),)),)))

    assert after.rows("Roster")[1] == ("1", "Ann", "Lead")  # type: ignore[index]
    assert "Roster" in after.protected
    if spreadsheet.look is not None:
        assert spreadsheet.look("Roster") == before


def test_cells_of_a_tab_that_is_not_there_are_refused(spreadsheet: Spreadsheet) -> None:
    spreadsheet.seed(ROSTER)
    backend = spreadsheet.open()
    backend.read()

    with pytest.raises(ConflictError, match="Students"):
        backend.apply(Change(cells=(TabCells("Students", ((1, 1, "x"),)),)))
