"""Who met whom comes from the history tab, with staff edits to published groups tabs winning."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING

import openpyxl
import pytest

from mixitup import layout, pipeline
from mixitup.backends.memory import MemoryBackend
from mixitup.backends.xlsx import XlsxBackend
from mixitup.cli import main
from mixitup.config import Config
from mixitup.history import read_history
from mixitup.models import Change, Session, Tab
from tests.helpers import HEADER, make_roster

if TYPE_CHECKING:
    from tests.conftest_google import AnySpreadsheet


WEEK2 = Session(dt.date(2027, 1, 13), 2)


def groups_of(path):
    book = openpyxl.load_workbook(path)
    rows = list(book[layout.groups_title(WEEK2)].iter_rows(values_only=True))[1:]
    return book, rows


def test_history_pairs_are_those_of_the_published_groups(make_workbook):
    path = make_workbook(students=24)
    main(["--workbook", str(path), "publish", "--date", "2027-01-13", "--week", "2"])
    history = read_history(XlsxBackend(path).read())
    _, rows = groups_of(path)
    sizes = [sum(1 for r in rows if r[0] == g) for g in {r[0] for r in rows}]
    assert sum(history.met().values()) == sum(n * (n - 1) // 2 for n in sizes)
    assert history.met(before=WEEK2) == {}  # the session itself is not "before" itself


def test_a_history_header_staff_retyped_in_other_case_and_spacing_is_still_the_record():
    """` Session `, `student KEY`: headers match without case or spaces, with or without
    mixitup's marker, so the next session still avoids the pairs recorded."""
    backend = MemoryBackend({"Roster": [HEADER, *make_roster(24)]})
    config = Config(group_size=4)
    now = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    pipeline.publish(config, backend, WEEK2, now=now)
    snapshot = backend.snapshot
    rows = snapshot.tabs["History"]
    retyped = tuple(f" {h.upper() if i % 2 else h.lower()} " for i, h in enumerate(rows[0]))
    assert retyped[:5] == (" session ", " DATE ", " week ", " GROUP ", " student key ")
    tabs = {**snapshot.tabs, "History": (retyped, *rows[1:])}
    for marked in (snapshot.marked, None):  # marked, or found by its header alone
        history = read_history(replace(snapshot, tabs=tabs, marked=marked))
        assert history.title == "History"
        assert history.met() == read_history(snapshot).met() != {}
    staff = backend.another()
    staff.read()
    staff.apply(Change(tabs=(Tab("History", (retyped, *rows[1:]), hidden=True),)))
    week4 = Session(dt.date(2027, 1, 27), 4)
    pipeline.publish(config, backend, week4, now=now)
    after = read_history(backend.snapshot)
    assert after.sessions() == {layout.label(WEEK2), layout.label(week4)}
    assert not set(after.met(before=WEEK2)) & set(after.met(before=week4))  # no repeat


def test_a_student_moved_in_the_groups_tab_met_their_new_group(make_workbook):
    path = make_workbook(students=24)
    main(["--workbook", str(path), "publish", "--date", "2027-01-13", "--week", "2"])
    book, rows = groups_of(path)
    mover = rows[0]
    other_group = next(r[0] for r in rows if r[0] != mover[0])
    sheet = book[layout.groups_title(WEEK2)]
    sheet.cell(row=2, column=1, value=other_group)  # staff move the first student by hand
    book.save(path)
    met = read_history(XlsxBackend(path).read()).met()
    key = {r[1]: f"student{r[1][-3:]}@example.edu" for r in rows}
    mover_key = key[mover[1]]
    new_mates = {key[r[1]] for r in rows if r[0] == other_group}
    old_mates = {key[r[1]] for r in rows if r[0] == mover[0] and r[1] != mover[1]}
    assert all(frozenset((mover_key, k)) in met for k in new_mates)
    assert not any(frozenset((mover_key, k)) in met for k in old_mates)


def test_next_session_avoids_the_pairs_of_the_edited_tab(make_workbook):
    path = make_workbook(students=36)
    for date, week in (("2027-01-13", "2"), ("2027-01-27", "4")):
        assert main(["--workbook", str(path), "publish", "--date", date, "--week", week]) == 0
    history = read_history(XlsxBackend(path).read())
    week4 = Session(dt.date(2027, 1, 27), 4)
    repeats = set(history.met(before=week4)) & {
        frozenset((a, b))
        for keys in history.groups_of(week4).values()
        for a in keys
        for b in keys
        if a < b
    }
    assert repeats == set()


def _week4_repeats(path) -> int:
    """Pairs in the week-4 groups tab that already shared a week-2 group, by name."""
    book = openpyxl.load_workbook(path)
    by_group: dict[str, dict[int, set[str]]] = {}
    for week, title in (("2", "2027-01-13 Week 2 Groups"), ("4", "2027-01-27 Week 4 Groups")):
        groups: dict[int, set[str]] = {}
        for number, name, *_ in list(book[title].iter_rows(values_only=True))[1:]:
            groups.setdefault(number, set()).add(name)
        by_group[week] = groups
    met = {frozenset((a, b)) for g in by_group["2"].values() for a in g for b in g if a != b}
    return sum(
        frozenset((a, b)) in met for g in by_group["4"].values() for a in g for b in g if a < b
    )


@pytest.mark.parametrize(
    "emails_at_first",
    [
        False,  # keyed by name in week 2; staff then fill in the Email column
        True,  # every email corrected between the sessions
    ],
)
def test_changed_emails_keep_who_met_whom(make_workbook, emails_at_first):
    rows = make_roster(36)
    if not emails_at_first:
        rows = [(name, "", *rest) for name, _, *rest in rows]
    path = make_workbook(rows=rows)
    assert main(["--workbook", str(path), "publish", "--date", "2027-01-13", "--week", "2"]) == 0
    book = openpyxl.load_workbook(path)
    for row in range(2, 38):
        book["Roster"].cell(row, 2, f"fixed{row}@example.edu")
    book.save(path)
    assert main(["--workbook", str(path), "publish", "--date", "2027-01-27", "--week", "4"]) == 0
    assert _week4_repeats(path) == 0


def _groups(spreadsheet: AnySpreadsheet, title: str) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for number, name, *_ in (spreadsheet.rows(title) or [])[1:]:
        groups.setdefault(number, set()).add(name)
    return groups


def _repeats(spreadsheet: AnySpreadsheet) -> int:
    """Pairs in the week-4 groups tab that shared a week-2 group, by name."""
    met = {
        frozenset((a, b))
        for g in _groups(spreadsheet, "2027-01-13 Week 2 Groups").values()
        for a in g
        for b in g
        if a != b
    }
    return sum(
        frozenset((a, b)) in met
        for g in _groups(spreadsheet, "2027-01-27 Week 4 Groups").values()
        for a in g
        for b in g
        if a < b
    )


@pytest.mark.parametrize(
    ("how", "new_title", "history_after"),
    [
        ("rename", "History (do not edit)", "History (do not edit)"),  # staff renamed it
        ("rename", "history", "history"),  # renamed to lower case: no second "History1"
        ("insert column", "", "History"),  # a column inserted before its first
        ("delete", "", "History"),  # deleted: rebuilt from the groups tabs, written anew
    ],
)
def test_a_history_tab_staff_changed_still_keeps_pairs_apart(
    any_spreadsheet: AnySpreadsheet, capsys, how, new_title, history_after
):
    any_spreadsheet.seed({"Roster": [HEADER, *make_roster(36)]})
    any_spreadsheet.write_config("[groups]\nsize = 4\n")
    week2 = ["publish", "--date", "2027-01-13", "--week", "2"]
    assert main([*any_spreadsheet.args, *week2], session=any_spreadsheet.session) == 0
    any_spreadsheet.edit("History", how, new_title)
    capsys.readouterr()

    week4 = ["publish", "--date", "2027-01-27", "--week", "4"]
    code = main([*any_spreadsheet.args, *week4], session=any_spreadsheet.session)

    assert code == 0, capsys.readouterr().err
    assert _repeats(any_spreadsheet) == 0
    histories = [t for t in any_spreadsheet.titles() if t.casefold().startswith("history")]
    assert histories == [history_after]
    rows = any_spreadsheet.rows(history_after) or []
    header = rows[0]
    sessions = [r[header.index("Session")] for r in rows[1:] if len(r) > header.index("Session")]
    assert sorted(set(sessions)) == ["2027-01-13 Week 2", "2027-01-27 Week 4"]
    assert len(sessions) == 72
    if how == "delete":
        assert "No History tab found" in capsys.readouterr().err


def test_a_pair_counts_as_met_only_when_both_attended():
    from mixitup.models import Snapshot

    header = ("Session", "Group", "Student key", "Name", "Attended")
    rows = (
        header,
        (layout.label(WEEK2), "1", "a", "A", ""),  # blank: not recorded, counts as attended
        (layout.label(WEEK2), "1", "b", "B", "yes"),
        (layout.label(WEEK2), "1", "c", "C", "no"),  # marked absent: met nobody
        (layout.label(WEEK2), "2", "d", "D", "No"),  # staff typed it by hand, in another case
        (layout.label(WEEK2), "2", "e", "E", "yes"),
    )
    history = read_history(Snapshot(("History",), {"History": rows}))
    assert history.met() == {frozenset(("a", "b")): 1}


def test_a_history_written_before_role_and_attended_gets_them_and_still_reads(
    any_spreadsheet: AnySpreadsheet,
):
    """Old history rows (no Role, no Attended) keep counting; attendance adds the columns."""
    old = ("Session", "Date", "Week", "Group", "Student key", "Name", "Published at")
    roster = [HEADER, *make_roster(6)]
    history = [
        old,
        *[(layout.label(WEEK2), "2027-01-13", "2", "1", r[1], r[0], "x") for r in roster[1:4]],
        *[(layout.label(WEEK2), "2027-01-13", "2", "2", r[1], r[0], "x") for r in roster[4:]],
    ]
    any_spreadsheet.seed({"Roster": roster, "History": history})
    any_spreadsheet.write_config()
    args = [*any_spreadsheet.args, "attendance", "--date", "2027-01-13", "--week", "2"]
    assert main([*args, "--absent", "Student 000"], session=any_spreadsheet.session) == 0
    rows = any_spreadsheet.rows("History") or []
    assert rows[0][: len(old)] == list(old)
    assert {"Role", "Attended"} <= set(rows[0])
    attended = rows[0].index("Attended")
    marks = {r[5]: (r + [""] * 20)[attended] for r in rows[1:]}
    assert marks["Student 000"] == "no"
    assert {v for k, v in marks.items() if k != "Student 000"} == {""}
