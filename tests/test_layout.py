"""What the spreadsheets look like, pinned both ways: labels, tab titles, the groups rows, the
History header and rows, the Lead and Attended words, and the stamp of a known table. A change
here changes every spreadsheet staff already have: it must be deliberate."""

from __future__ import annotations

import datetime as dt

import pytest

from mixitup import layout
from mixitup.errors import RosterError
from mixitup.models import Entry, Session, Snapshot

W2 = Session(dt.date(2027, 1, 13), 2)
TABLE = (
    ("Group", "Name", "Program", "Module", "Role"),
    (1, "Ana Lima", "BE", "Mod 4", "Lead"),
    (1, "Bo Chen", "FE", "Mod 1", ""),
)


def test_the_formats_both_ways():
    """The golden test: every format mixitup writes, and what it reads back from it."""
    assert layout.label(W2) == "2027-01-13 Week 2"
    assert layout.parse_label("2027-01-13 Week 2") == W2
    assert layout.tab_title(W2, "groups") == "2027-01-13 Week 2 Groups"
    assert layout.tab_title(W2, "prompts") == "2027-01-13 Week 2 Prompts"
    assert (layout.groups_title(W2), layout.prompts_title(W2)) == (
        "2027-01-13 Week 2 Groups",
        "2027-01-13 Week 2 Prompts",
    )
    assert layout.parse_tab_title("2027-01-13 Week 2 Groups") == (W2, "groups")
    assert layout.parse_tab_title("2027-01-13 Week 2 Prompts") == (W2, "prompts")

    assert layout.GROUPS_HEADER == ("Group", "Name", "Program", "Module", "Role")
    assert layout.groups_row(1, "Ana Lima", "BE", 4, True) == TABLE[1]
    assert layout.groups_row(1, "Bo Chen", "FE", 1, False) == TABLE[2]
    text = tuple(tuple(str(c) for c in row) for row in TABLE)
    ana, bo = layout.groups_rows(text)
    assert (ana.row, ana.group, ana.name, ana.program, ana.module, ana.lead) == (
        2,
        1,
        "Ana Lima",
        "BE",
        4,
        True,
    )
    assert (bo.row, bo.group, bo.module, bo.lead, bo.role) == (3, 1, 1, False, "")

    assert layout.HISTORY_HEADER == (
        "Session",
        "Date",
        "Week",
        "Group",
        "Student key",
        "Name",
        "Program",
        "Module",
        "Cohort",
        "Role",
        "Attended",
        "Published at",
        "Seed",
        "Zoom minutes",
        "Zoom reports",
    )
    assert layout.HISTORY_MARKER == "MixitupHistory"
    entry = Entry(0, "2027-01-13 Week 2", 3, "ana@x.edu", "Ana Lima", "BE", "4", "2408-BE", "Lead")
    at = dt.datetime(2027, 1, 11, 9, 30, tzinfo=dt.UTC)
    row = layout.history_row(entry, at, 2027)
    assert row == (
        "2027-01-13 Week 2",
        "2027-01-13",
        "2",
        "3",
        "ana@x.edu",
        "Ana Lima",
        "BE",
        "4",
        "2408-BE",
        "Lead",
        "",
        "2027-01-11T09:30:00+00:00",
        "2027",
        "",
        "",
    )
    columns = layout.history_columns(layout.HISTORY_HEADER)
    assert layout.history_entry(row, 7, columns) == Entry(**{**entry.__dict__, "row": 7})

    assert (layout.LEAD, layout.ATTENDED, layout.ABSENT) == ("Lead", "yes", "no")
    assert layout.OWNED == ("Group", "Role", "Attended", "Zoom minutes", "Zoom reports")
    assert layout.stamp(TABLE) == "ce07cbbfe3748220970f"


@pytest.mark.parametrize(
    "text",
    ["", "Roster", "2027-01-13 Week", "2027-02-30 Week 2", "2027-01-13 Week two", "Week 2"],
)
def test_anything_else_is_no_label_and_no_session_tab(text):
    assert layout.parse_label(text) is None
    assert layout.parse_tab_title(f"{text} Groups") is None


def test_a_tabs_kind_is_read_whatever_its_case_and_a_label_around_spaces():
    assert layout.parse_tab_title("2027-01-13 Week 2 GROUPS") == (W2, "groups")
    assert layout.parse_tab_title("2027-01-13 Week 2 prompts") == (W2, "prompts")
    assert layout.parse_label("  2027-01-13 Week 2 ") == W2
    titles = ["Roster", "2027-01-27 Week 4 Prompts", "2027-01-13 Week 2 groups", "History"]
    assert layout.groups_sessions(titles) == {W2: "2027-01-13 Week 2 groups"}


def test_a_session_tab_retitled_in_lower_case_is_still_that_sessions_tab():
    assert layout.parse_tab_title("2027-01-13 week 2 groups") == (W2, "groups")


def test_a_stamp_is_the_cells_as_a_read_returns_them():
    """Numbers as text, trailing blanks dropped: a tab read back gives the stamp it was written
    with; any cell a person changed gives another."""
    read_back = (
        ("Group", "Name", "Program", "Module", "Role", ""),
        ("1", "Ana Lima", "BE", "Mod 4", "Lead"),
        ("1", "Bo Chen", "FE", "Mod 1"),
        (),
        ("",),
    )
    assert layout.stamp(read_back) == layout.stamp(TABLE)
    moved = (*read_back[:2], ("2", "Bo Chen", "FE", "Mod 1"))
    assert layout.stamp(moved) != layout.stamp(TABLE)


@pytest.mark.parametrize(
    ("typed", "lead"),
    [("Lead", True), ("lead", True), ("  LEAD ", True), ("", False), ("Co-lead", False)],
)
def test_the_lead_is_read_however_staff_typed_it(typed, lead):
    """In a groups tab and in the History alike: one rule, one spelling once read."""
    assert layout.is_lead(typed) is lead
    cells = ("2", "Ana", "BE", "Mod 4", typed)
    assert layout.groups_rows((layout.GROUPS_HEADER, cells))[0].lead is lead
    columns = {"Session": 0, "Group": 1, "Student key": 2, "Role": 3}
    entry = layout.history_entry(("2027-01-13 Week 2", "2", "ana", typed), 2, columns)
    assert entry is not None
    assert entry.role == ("Lead" if lead else typed.strip())


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("yes", "yes"),
        ("TRUE", "yes"),  # a Google checkbox
        ("✓", "yes"),
        ("x", "yes"),
        (" No ", "no"),
        ("absent", "no"),
        ("0", "no"),
        ("", ""),
        ("maybe", None),
    ],
)
def test_attended_words_staff_type(typed, read):
    assert layout.parse_attended(typed) == read


def test_a_history_header_is_found_whatever_its_case_spacing_and_order():
    header = ("Notes", " Session ", "student KEY", "GROUP", "Attended ")
    columns = layout.history_columns(header)
    assert columns == {"Session": 1, "Student key": 2, "Group": 3, "Attended": 4}
    assert layout.is_history((header,))
    entry = layout.history_entry(("a note", "2027-01-13 Week 2", "ana", "3", "NO"), 5, columns)
    assert entry == Entry(5, "2027-01-13 Week 2", 3, "ana", "", attended="no")
    record = (header, ("", "2027-01-13 Week 2", "ana", "3"))
    # Without mixitup's marker, a tab whose row 1 is the header is the History; the one still
    # called History wins over a copy.
    tabs = {"Copy of History": record, "Roster": (("Name",),), "history": record}
    snapshot = Snapshot(tuple(tabs), tabs)
    assert layout.find_history_tab(snapshot) == "history"
    assert layout.is_history((("Session", "Group"),)) is False  # no Student key


def test_a_marked_history_that_lost_a_needed_column_is_a_roster_problem():
    tabs = {"Record": (("Session", "Group", "Name"),)}
    with pytest.raises(RosterError, match="the column Student key cannot be found"):
        layout.find_history_tab(Snapshot(("Record",), tabs, marked="Record"))


@pytest.mark.parametrize(
    ("typed", "module"),
    [("3", 3), ("Mod 3", 3), ("mod3", 3), ("M3", 3), ("Module 3", 3), ("3.0", 3), ("Mod #4", 4)],
)
def test_modules_as_staff_type_them(typed, module):
    assert layout.parse_module(typed) == module
    assert layout.module_text(module) == f"Mod {module}"


@pytest.mark.parametrize("typed", ["", "three", "Mod", "3rd", "M-3-B"])
def test_anything_else_is_no_module(typed):
    assert layout.parse_module(typed) is None


def test_names_and_headers_compare_without_case_or_spacing():
    assert layout.name_key("  Ana   LIMA ") == layout.name_key("ana lima") == "ana lima"
    assert layout.name_key("Ａｎａ") == "ana"  # full-width letters, as some keyboards type
    assert layout.header_key(" Full_Name ") == layout.header_key("FULLNAME") == "fullname"
    assert layout.header_key("Module #") == "module#"
