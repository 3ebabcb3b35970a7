"""The shared vocabulary's own behaviour: column letters, sessions in date order, an entry the
History holds, when a change or an edit is empty, and titles found whatever their case."""

from __future__ import annotations

import datetime as dt

import pytest

from mixitup.models import Change, Entry, HistoryEdit, Session, Snapshot, Tab, column_letter


@pytest.mark.parametrize(
    ("column", "letters"),
    [(1, "A"), (2, "B"), (26, "Z"), (27, "AA"), (52, "AZ"), (53, "BA"), (702, "ZZ"), (703, "AAA")],
)
def test_a_column_is_named_as_the_spreadsheet_names_it(column, letters):
    assert column_letter(column) == letters


def test_sessions_sort_by_date_then_week():
    w4 = Session(dt.date(2027, 1, 27), 4)
    w2 = Session(dt.date(2027, 1, 13), 2)
    same_day = Session(dt.date(2027, 1, 13), 4)
    assert sorted([w4, same_day, w2]) == [w2, same_day, w4]
    assert {w2, Session(dt.date(2027, 1, 13), 2)} == {w2}  # a value: usable as a key


def test_an_entry_is_recorded_when_a_history_row_holds_it():
    assert Entry(5, "2027-01-13 Week 2", 1, "ana", "Ana").recorded
    assert not Entry(0, "2027-01-13 Week 2", 1, "ana", "Ana").recorded  # typed into a tab


@pytest.mark.parametrize(
    ("change", "empty"),
    [
        (Change(), True),
        (Change(history=HistoryEdit()), True),  # an edit that sets, removes and adds nothing
        (Change(tabs=(Tab("A", ()),)), False),
        (Change(delete_tabs=("A",)), False),
    ],
)
def test_a_change_is_empty_only_when_it_writes_nothing(change, empty):
    assert bool(change) is not empty


@pytest.mark.parametrize(
    "edit",
    [
        HistoryEdit(remove_sessions=("2027-01-13 Week 2",)),
        HistoryEdit(update=((2, "Attended", "no"),)),
        HistoryEdit(append=(("2027-01-13 Week 2",),)),
    ],
)
def test_a_history_edit_counts_when_it_removes_sets_or_adds(edit):
    assert edit
    assert not HistoryEdit(title="Other", hidden=False)  # where, not what


def test_a_snapshot_finds_a_tab_whatever_the_case_of_its_title():
    snapshot = Snapshot(("Roster", "History"), {"Roster": (("Name",),), "History": ()})
    assert snapshot.title("roster") == "Roster"
    assert snapshot.title("HISTORY") == "History"
    assert snapshot.title("Keep apart") is None
    assert snapshot.rows("ROSTER") == (("Name",),)
    assert snapshot.rows("History") == ()
    assert snapshot.rows("Keep apart") is None
