"""The Feedback tab read and summarised against figures counted by hand on a small history:
per session, per lead and per group size; a chart per session; no comment in any output."""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from pathlib import Path

import pytest

from mixitup.backends.xlsx import XlsxBackend
from mixitup.config import FeedbackTab
from mixitup.feedback import (
    csv_texts,
    feedback_tab,
    is_feedback_tab,
    read_feedback,
    summarise,
    table_rows,
)
from mixitup.models import Change, Entry, Student
from mixitup.roster import Roster

A, B = "2027-01-13 Week 2", "2027-01-27 Week 4"
HEADER = (
    "Timestamp",
    "Email Address",
    "Session date",
    "Did your group meet?",
    "How useful was it? (1-5)",
    "Comment",
)
SECRET = "=SECRET comment about Ben"  # also a formula, were it ever to reach a CSV
# (session, group, student, role): A has groups of 3 and 2, so has B.
PLACES = [
    (A, 1, "ana", "Lead"),
    (A, 1, "ben", ""),
    (A, 1, "cy", ""),
    (A, 2, "dee", "Lead"),
    (A, 2, "eve", ""),
    (B, 1, "ben", "Lead"),
    (B, 1, "ana", ""),
    (B, 1, "dee", ""),
    (B, 2, "eve", "lead"),  # as staff may type it
    (B, 2, "cy", ""),
]
ENTRIES = [Entry(i, s, g, f"{p}@x.edu", p.title(), role=r) for i, (s, g, p, r) in enumerate(PLACES)]
ROWS = (
    HEADER,
    ("1/13/2027 14:00:00", "ana@x.edu", "1/13/2027", "Yes", "5", SECRET),  # the lead's own
    ("1/13/2027 14:01:00", "ben@x.edu", "1/13/2027", "Yes", "4", "Nice"),
    ("1/13/2027 14:02:00", "cy@x.edu", "1/13/2027", "No", "2", ""),
    ("1/13/2027 14:03:00", "dee@x.edu", "1/13/2027", "yes", "3", ""),
    ("1/13/2027 14:04:00", "eve@x.edu", "1/13/2027", "", "5", ""),  # did not say if they met
    ("1/14/2027 09:00:00", "BEN@x.edu", "1/13/2027", "Yes", "5", ""),  # ben again: latest wins
    ("1/27/2027 14:00:00", "ana@x.edu", "1/27/2027", "Yes", "4", ""),
    ("1/27/2027 14:00:00", "cy@x.edu", "1/27/2027", "No", "1", ""),
    ("1/27/2027 14:00:00", "zed@gmail.com", "1/27/2027", "Yes", "5", ""),  # not a student
    ("1/27/2027 14:00:00", "dee@x.edu", "1/27/2027", "maybe", "7", ""),  # two bad cells
    ("1/27/2027 14:00:00", "eve@x.edu", "1/20/2027", "Yes", "5", ""),  # no session that day
)


def roster() -> Roster:
    people = ("ana", "ben", "cy", "dee", "eve")
    students = tuple(Student(f"{p}@x.edu", p.title(), "BE", 2, "C", f"{p}@x.edu") for p in people)
    return Roster(students, (), frozenset(), frozenset(s.key for s in students))


def feedback():
    return read_feedback(ROWS, FeedbackTab(), roster(), ENTRIES)


def records(table, key):
    return {row[key]: row for row in table.to_dict("records")}


def same(got, want):
    """Figures equal, a missing one (NaN) standing for None."""
    return all(
        (w is None and isinstance(g, float) and math.isnan(g)) or g == w
        for g, w in zip(got, want, strict=True)
    )


def test_bad_rows_and_unknown_emails_are_listed_with_row_and_column():
    notes = feedback().notes()
    assert notes[0].startswith('Tab "Feedback", row 10: zed@gmail.com is on no roster row')
    assert notes[1].startswith('Tab "Feedback", row 11, column D (Did your group meet?): "maybe"')
    assert notes[2].startswith('Tab "Feedback", row 11, column E (How useful was it? (1-5)): "7"')
    assert notes[3].startswith('Tab "Feedback", row 12, column C (Session date): eve@x.edu was')
    assert len(notes) == 4


def test_the_latest_response_of_a_student_about_a_session_counts():
    answers = {(a.session, a.key): a for a in feedback().answers}
    assert len(answers) == 7
    assert (answers[(A, "ben@x.edu")].row, answers[(A, "ben@x.edu")].useful) == (7, 5)
    assert answers[(A, "eve@x.edu")].met is None


def test_per_session_figures_match_the_hand_count():
    sessions = records(summarise(feedback(), ENTRIES).sessions, "session")
    columns = ["grouped", "responses", "met %", "useful %", "mean usefulness", "comments"]
    # A: met 3 of 4 who said; useful (4-5) 3 of 5; mean (5+5+2+3+5)/5; ana's comment only,
    # since ben's later answer replaced the one with his comment.
    assert same([sessions[A][c] for c in columns], [5, 5, 75, 60, 4.0, 1])
    assert same([sessions[B][c] for c in columns], [5, 2, 50, 50, 2.5, 0])
    assert sessions[A]["date"] == "2027-01-13"


def test_per_lead_figures_come_from_the_other_members_of_their_groups():
    leads = records(summarise(feedback(), ENTRIES).leads, "lead key")
    columns = ["lead", "groups led", "responses", "met %", "useful %", "mean usefulness"]
    assert same([leads["ana@x.edu"][c] for c in columns], ["Ana", 1, 2, 50, 50, 3.5])
    assert same([leads["dee@x.edu"][c] for c in columns], ["Dee", 1, 1, None, 100, 5.0])
    assert same([leads["ben@x.edu"][c] for c in columns], ["Ben", 1, 1, 100, 100, 4.0])
    assert same([leads["eve@x.edu"][c] for c in columns], ["Eve", 1, 1, 0, 0, 1.0])
    assert "cy@x.edu" not in leads  # never led


def test_per_group_size_figures_match_the_hand_count():
    sizes = records(summarise(feedback(), ENTRIES).sizes, "group size")
    columns = ["groups", "responses", "met %", "useful %", "mean usefulness"]
    assert same([sizes[2][c] for c in columns], [2, 3, 50, 33, 3.0])  # dee, eve; cy
    assert same([sizes[3][c] for c in columns], [2, 4, 75, 75, 4.0])  # ana, ben, cy; ana


def test_no_feedback_yet_lists_every_session_with_no_responses():
    summary = summarise(read_feedback(None, FeedbackTab(), roster(), ENTRIES), ENTRIES)
    assert list(summary.sessions["responses"]) == [0, 0]
    assert summary.lines() == ["Feedback: no responses yet."]
    assert table_rows(summary.sessions)[1][3:7] == (0, "", "", "")


def test_the_summary_lines_for_staff():
    lines = summarise(feedback(), ENTRIES).lines()
    assert lines[0] == "Feedback: 7 responses about 2 sessions (of 10 students grouped)."
    assert "met for 50-75% of respondents and 50-60% found it useful" in lines[1]


def test_the_tab_has_the_three_tables_and_a_chart_of_usefulness_per_session():
    summary = summarise(feedback(), ENTRIES)
    tab = feedback_tab(summary, "Feedback report", dt.datetime(2027, 2, 1, 9, 0), "Feedback")
    assert is_feedback_tab(tuple(tuple(str(c) for c in r) for r in tab.rows))
    header = tab.rows.index(("Sessions",)) + 1
    assert tab.rows[header][:7] == (
        "session",
        "date",
        "grouped",
        "responses",
        "met %",
        "useful %",
        "mean usefulness",
    )
    assert tab.rows[header + 1][:7] == (A, "2027-01-13", 5, 5, 75, 60, "4.0")
    assert ("Group sizes",) in tab.rows
    chart = tab.chart
    assert chart is not None
    assert (chart.header_row, chart.last_row) == (header, header + 2)
    names = [tab.rows[header][c] for c in chart.series_columns]
    assert names == ["met %", "useful %"]
    assert all(isinstance(tab.rows[header + 1][c], int) for c in chart.series_columns)


def test_no_comment_text_reaches_the_tab_or_any_csv():
    summary = summarise(feedback(), ENTRIES)
    tab = feedback_tab(summary, "Feedback report", dt.datetime(2027, 2, 1), "Feedback")
    cells = [str(c) for row in tab.rows for c in row]
    files = csv_texts(summary)
    assert set(files) == {"feedback_sessions.csv", "feedback_leads.csv", "feedback_sizes.csv"}
    for text in [*cells, *files.values()]:
        assert "SECRET" not in text
        assert "Nice" not in text
    assert not any(hasattr(a, "comment") for a in feedback().answers)


def test_csv_has_plain_headers_numbers_and_blank_for_unanswered():
    files = csv_texts(summarise(feedback(), ENTRIES))
    lines = files["feedback_leads.csv"].splitlines()
    assert lines[0] == "lead,lead key,groups led,responses,met %,useful %,mean usefulness"
    assert "Dee,dee@x.edu,1,1,,100,5.0" in lines


def test_a_lead_name_a_spreadsheet_would_run_is_quoted_in_csv():
    entries = [Entry(1, A, 1, "x@x.edu", "=HYPERLINK(1)", role="Lead"), *ENTRIES[1:3]]
    files = csv_texts(summarise(read_feedback(None, FeedbackTab(), roster(), entries), entries))
    assert "'=HYPERLINK(1)" in files["feedback_leads.csv"]


@pytest.mark.parametrize(
    ("rating", "ok"), [("1", True), ("5.0", True), ("0", False), ("4.5", False), ("five", False)]
)
def test_usefulness_is_a_whole_rating_from_1_to_5(rating, ok):
    rows = (HEADER, ("1/13/2027 14:00", "ben@x.edu", "1/13/2027", "Yes", rating, ""))
    read = read_feedback(rows, FeedbackTab(), roster(), ENTRIES)
    assert (not read.problems) == ok


def test_the_tab_and_its_chart_land_in_an_xlsx_workbook(tmp_path: Path):
    from tests.helpers import write_workbook

    path = write_workbook(tmp_path / "staff.xlsx", {"Feedback": [list(r) for r in ROWS]})
    backend = XlsxBackend(path)
    snapshot = backend.read()
    read = read_feedback(snapshot.rows("Feedback"), FeedbackTab(), roster(), ENTRIES)
    summary = summarise(read, ENTRIES)
    tab = feedback_tab(summary, "Feedback report", dt.datetime(2027, 2, 1), "Feedback")
    backend.apply(Change(tabs=(tab,)))
    rows = backend.read().rows("Feedback report")
    assert rows is not None
    assert is_feedback_tab(rows)
    header = rows.index(("Sessions",)) + 1
    assert rows[header + 1][:7] == (A, "2027-01-13", "5", "5", "75", "60", "4.0")
    with zipfile.ZipFile(path) as book:
        charts = [n for n in book.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        assert (
            "useful %" in book.read(charts[0]).decode()
            or "Usefulness" in book.read(charts[0]).decode()
        )


def test_an_empty_history_gives_empty_tables_and_a_tab_without_a_chart():
    summary = summarise(read_feedback(None, FeedbackTab(), roster(), []), [])
    assert [len(t) for t in (summary.sessions, summary.leads, summary.sizes)] == [0, 0, 0]
    assert (
        feedback_tab(summary, "Feedback report", dt.datetime(2027, 2, 1), "Feedback").chart is None
    )


def test_a_history_without_leads_has_no_lead_rows_and_the_other_tables():
    """A History written before the Role column existed."""
    entries = [Entry(e.row, e.session, e.group, e.key, e.name) for e in ENTRIES]
    summary = summarise(read_feedback(ROWS, FeedbackTab(), roster(), entries), entries)
    assert summary.leads.empty
    assert list(summary.sessions["responses"]) == [5, 2]
