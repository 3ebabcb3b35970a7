"""The report's figures against ones counted by hand on a small history with absences and leads."""

from __future__ import annotations

import datetime as dt

import pytest

from mixitup.history import read_history
from mixitup.models import Snapshot, Student
from mixitup.report import build, entries_frame, is_report_tab, report_tab

A, B = "2027-01-13 Week 2", "2027-01-27 Week 4"
# Student: (program, module, cohort). e and f share a cohort.
PEOPLE = {
    "a": ("BE", "1", "C1"),
    "b": ("FE", "2", "C2"),
    "c": ("BE", "3", "C3"),
    "d": ("FE", "4", "C4"),
    "e": ("BE", "1", "C5"),
    "f": ("BE", "1", "C5"),
}
# (session, group, student, role, attended)
PLACES = [
    (A, 1, "a", "", ""),
    (A, 1, "b", "", "no"),  # b missed A, so b met nobody there
    (A, 1, "c", "Lead", "yes"),
    (A, 2, "d", "Lead", ""),
    (A, 2, "e", "", "yes"),
    (A, 2, "f", "", ""),
    (B, 1, "a", "", ""),
    (B, 1, "b", "", "yes"),
    (B, 1, "c", "", ""),
    (B, 1, "d", "lead", ""),
    (B, 2, "e", "", "No"),  # e missed B: f met nobody there
    (B, 2, "f", "", ""),
]


def history_rows(with_role_and_attended: bool = True) -> list[list[str]]:
    """The History as mixitup writes it, with its columns in a staff-chosen order."""
    header = ["Attended", "Session", "Date", "Week", "Group", "Student key", "Name", "Program"]
    header += ["Module", "Cohort", "Role", "Published at"]
    rows = [header]
    for session, group, who, role, attended in PLACES:
        program, module, cohort = PEOPLE[who]
        date, week = session[:10], session[-1]
        stamp = "2027-01-11T09:00:00"
        rows.append(
            [attended, session, date, week, str(group), f"{who}@x.edu", who.upper(), program]
        )
        rows[-1] += [module, cohort, role, stamp]
    if not with_role_and_attended:
        rows = [[cell for i, cell in enumerate(row) if i not in (0, 10)] for row in rows]
    return rows


def history_frame(rows):
    """The record the History `rows` hold, as the report's frame."""
    tab = tuple(tuple(r) for r in rows)
    return entries_frame(read_history(Snapshot(("History",), {"History": tab})).entries)


def roster() -> list[Student]:
    """Everyone but f (who left), and g, who joined after both sessions."""
    students = [
        Student(f"{who}@x.edu", f"Student {who.upper()}", p, int(m), c)
        for who, (p, m, c) in PEOPLE.items()
        if who != "f"
    ]
    return [*students, Student("g@x.edu", "Student G", "FE", 2, "C2")]


def by_key(table):
    return {row["student key"]: row for row in table.to_dict("records")}


def test_student_figures_match_the_hand_count():
    report = build(history_frame(history_rows()), roster())
    got = by_key(report.students)
    columns = [
        "sessions grouped",
        "attended",
        "distinct people met",
        "distinct cohorts met",
        "distinct programs met",
        "distinct modules met",
        "times led",
    ]
    expected = {
        # a met c in A; b, c, d in B
        "a@x.edu": [2, 2, 3, 3, 2, 3, 0],
        # b missed A; met a, c, d in B
        "b@x.edu": [2, 1, 3, 3, 2, 3, 0],
        "c@x.edu": [2, 2, 3, 3, 2, 3, 1],
        # d met e, f in A (one cohort C5, one module 1) and a, b, c in B
        "d@x.edu": [2, 2, 5, 4, 2, 3, 2],
        # e met d, f in A; absent from B
        "e@x.edu": [2, 1, 2, 2, 2, 2, 0],
        # f met d, e in A; in B its only group-mate e was absent
        "f@x.edu": [2, 2, 2, 2, 2, 2, 0],
        # g is on the roster but was never grouped
        "g@x.edu": [0, 0, 0, 0, 0, 0, 0],
    }
    assert {key: [row[c] for c in columns] for key, row in got.items()} == expected
    assert got["a@x.edu"]["name"] == "Student A"  # the roster's name
    assert got["f@x.edu"]["name"] == "F"  # no longer on the roster: the history's name
    assert list(report.students["name"]) == sorted(report.students["name"], key=str.casefold)


def test_session_figures_match_the_hand_count():
    report = build(history_frame(history_rows()), roster())
    assert report.sessions.to_dict("records") == [
        {
            "session": A,
            "date": "2027-01-13",
            "week": "2",
            "students": 6,
            "groups": 2,
            "groups led": 2,
            "attended": 5,
            "absent": 1,
            "repeat pairs": 0,
            "cohort-mate pairs": 1,  # e and f
        },
        {
            "session": B,
            "date": "2027-01-27",
            "week": "4",
            "students": 6,
            "groups": 2,
            "groups led": 1,
            "attended": 5,
            "absent": 1,
            # a-c and e-f met in A; a-b does not count, b was absent from A
            "repeat pairs": 2,
            "cohort-mate pairs": 1,
        },
    ]


def test_a_history_without_role_and_attended_counts_everyone_present_and_no_leads():
    report = build(history_frame(history_rows(with_role_and_attended=False)), roster())
    sessions = report.sessions
    assert list(sessions["attended"]) == [6, 6]
    assert list(sessions["groups led"]) == [0, 0]
    # everyone present: a-b met in A too, so B repeats a-b, a-c, b-c and e-f
    assert list(sessions["repeat pairs"]) == [0, 4]
    assert by_key(report.students)["a@x.edu"]["distinct people met"] == 3


def test_an_empty_or_missing_history_gives_empty_tables():
    for rows in ([], [["Name", "Email"], ["x", "y"]]):
        report = build(history_frame(rows), roster())
        assert report.sessions.empty
        assert list(report.students["sessions grouped"]) == [0] * len(roster())
        assert report.summary() == ["No published sessions in the History yet: nothing to report."]


def test_summary_lines():
    report = build(history_frame(history_rows()), roster())
    assert report.summary() == [
        f"2 sessions from {A} to {B}; 6 students grouped.",
        "Each student met 3.0 different people on average (fewest 2, most 5), from 2.8 cohorts, "
        "2.0 programs and 2.7 modules.",
        "Attended: 10 of 12 places (83%); groups led: 3 of 4; repeat pairs: 2; cohort-mate "
        "pairs: 2.",
    ]


def test_report_tab_holds_both_tables_and_a_chart_over_the_sessions():
    report = build(history_frame(history_rows()), roster())
    tab = report_tab(report, "Report", dt.datetime(2027, 2, 1, 9, 30))
    assert is_report_tab(tuple(tuple(str(c) for c in r) for r in tab.rows))
    rows = [list(r) for r in tab.rows]
    at = rows.index(["Sessions"]) + 1
    assert rows[at][:4] == ["session", "date", "week", "students"]
    assert rows[at + 1][:4] == [A, "2027-01-13", "2", 6]
    chart = tab.chart
    assert chart is not None
    assert (chart.header_row, chart.last_row) == (at, at + 2)
    assert [rows[at][c] for c in chart.series_columns] == ["students", "attended"]
    assert rows[at][chart.category_column] == "session"
    assert len(tab.widths) > chart.anchor_column  # the grid reaches the chart's corner
    students = rows.index(["Students"]) + 1
    assert rows[students][2] == "program"
    assert len(rows) == students + 1 + 7


@pytest.mark.parametrize(
    ("rows", "ours"),
    [
        ((("Mix It Up report, written ...",),), True),
        ((("Budget 2027",),), False),  # a staff tab that happens to be called Report
        ((), False),
    ],
)
def test_only_mixitups_own_report_tab_is_recognised(rows, ours):
    assert is_report_tab(rows) is ours
