"""Who is away from a session: skips, pauses and come-backs from the Requests tab, repeated
no-shows from the History, and requests that arrive after a session was published."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mixitup.away import (
    describe,
    late_absences,
    no_shows,
    out_of,
    published_times,
    read_requests,
)
from mixitup.backends.xlsx import XlsxBackend
from mixitup.config import RequestsTab
from mixitup.layout import HISTORY_HEADER
from mixitup.models import Entry, Student
from mixitup.roster import Roster
from tests.helpers import write_workbook

HEADER = ("Timestamp", "Email Address", "Request", "Session date", "Until")
JAN13, JAN27, FEB10, FEB24 = (
    dt.date(2027, 1, 13),
    dt.date(2027, 1, 27),
    dt.date(2027, 2, 10),
    dt.date(2027, 2, 24),
)
A, B, C = "2027-01-13 Week 2", "2027-01-27 Week 4", "2027-02-10 Week 2"
PEOPLE = ("ana", "ben", "cy", "dee", "eve")


def roster() -> Roster:
    students = tuple(
        Student(f"{p}@x.edu", p.title(), "BE", 2, "C", email=f"{p}@x.edu") for p in PEOPLE
    )
    # wes is on the roster but withdrawn: known, yet never grouped.
    return Roster(students, (), frozenset(), frozenset({s.key for s in students} | {"wes@x.edu"}))


def requests(*rows):
    return read_requests((HEADER, *rows), RequestsTab(), roster())


def out(day, asked, shows=None):
    return out_of(day, roster(), asked, shows or {})


def test_a_skip_leaves_the_student_out_of_that_session_only():
    asked = requests(("1/10/2027 9:00:00", "Ana@X.edu", "Skip one session", "1/13/2027", ""))
    assert list(out(JAN13, asked)) == ["ana@x.edu"]
    assert "asked on 2027-01-10 to skip this session" in out(JAN13, asked)["ana@x.edu"]
    assert 'tab "Requests", row 2' in out(JAN13, asked)["ana@x.edu"]
    assert out(JAN27, asked) == {}


def test_a_pause_runs_from_the_day_asked_to_the_until_date_inclusive():
    asked = requests(("1/20/2027 9:00:00", "ana@x.edu", "Pause", "", "2/10/2027"))
    assert "ana@x.edu" not in out(JAN13, asked)  # before they asked
    assert "ana@x.edu" in out(JAN27, asked)
    assert "ana@x.edu" in out(FEB10, asked)  # the Until date is the last day away
    assert "ana@x.edu" not in out(FEB24, asked)
    assert "pause until 2027-02-10" in out(JAN27, asked)["ana@x.edu"]


def test_a_pause_without_until_lasts_until_they_come_back():
    paused = ("1/20/2027 9:00:00", "ben@x.edu", "Pause", "", "")
    asked = requests(paused)
    assert "until they ask to come back" in out(dt.date(2027, 12, 1), asked)["ben@x.edu"]
    back = requests(paused, ("2/1/2027 18:00:00", "ben@x.edu", "Come back", "", ""))
    assert "ben@x.edu" in out(JAN27, requests(paused))
    assert "ben@x.edu" not in out(FEB10, back)


def test_come_back_cancels_every_skip_and_pause_asked_before_it_but_not_after():
    asked = requests(
        ("1/5/2027 9:00", "cy@x.edu", "Skip one session", "2/10/2027", ""),
        ("1/6/2027 9:00", "cy@x.edu", "Pause", "", "3/1/2027"),
        ("1/7/2027 9:00", "cy@x.edu", "Come back", "", ""),
        ("1/8/2027 9:00", "cy@x.edu", "Skip one session", "2/24/2027", ""),
    )
    assert "cy@x.edu" not in out(JAN27, asked)
    assert "cy@x.edu" not in out(FEB10, asked)  # the first skip was taken back
    assert "cy@x.edu" in out(FEB24, asked)  # asked again after coming back


def test_requests_are_taken_in_time_order_not_row_order():
    """Staff may sort the tab, or type a row in the middle."""
    asked = requests(
        ("1/7/2027 9:00", "cy@x.edu", "Come back", "", ""),
        ("1/6/2027 9:00", "cy@x.edu", "Pause", "", "3/1/2027"),
    )
    assert "cy@x.edu" not in out(JAN27, asked)


def test_answer_words_and_headers_come_from_the_config():
    settings = RequestsTab(
        tab="Form Responses 1", request="What do you need?", skip="Skip", come_back="Back"
    )
    rows = (
        ("Timestamp", "Email Address", "What do you need?", "Session date", "Until"),
        ("1/10/2027 9:00:00", "ana@x.edu", "skip", "1/13/2027", ""),
    )
    asked = read_requests(rows, settings, roster())
    assert not asked.problems
    assert "ana@x.edu" in out(JAN13, asked)


@pytest.mark.parametrize(
    ("row", "where", "says"),
    [
        (("1/10/2027 9:00", "", "Pause", "", ""), "column B (Email Address)", "email is empty"),
        (("1/10/2027 9:00", "ana", "Pause", "", ""), "column B (Email Address)", "not an email"),
        (("soon", "ana@x.edu", "Pause", "", ""), "column A (Timestamp)", '"soon" is not a date'),
        (("1/10/2027 9:00", "ana@x.edu", "", "", ""), "column C (Request)", "request is empty"),
        (("1/10/2027 9:00", "ana@x.edu", "Leave", "", ""), "column C (Request)", '"Leave" is not'),
        (
            ("1/10/2027 9:00", "ana@x.edu", "Skip one session", "", ""),
            "column D (Session date)",
            "the session to skip is not given",
        ),
        (
            ("1/10/2027 9:00", "ana@x.edu", "Skip one session", "31/31/2027", ""),
            "column D (Session date)",
            '"31/31/2027" is not a date',
        ),
        (
            ("1/10/2027 9:00", "ana@x.edu", "Pause", "", "2/30/2027"),
            "column E (Until)",
            '"2/30/2027" is not a date',
        ),
        (
            ("1/10/2027 9:00", "ana@x.edu", "Pause", "", "1/1/2026"),
            "column E (Until)",
            "ends (2026-01-01) before it was asked (2027-01-10)",
        ),
    ],
)
def test_a_row_that_cannot_be_read_is_listed_with_its_row_and_column_and_ignored(row, where, says):
    asked = requests(("1/9/2027 9:00", "ben@x.edu", "Pause", "", ""), row)
    (problem,) = asked.problems
    assert str(problem).startswith(f'Tab "Requests", row 3, {where}: ')
    assert says in str(problem)
    assert "ana@x.edu" not in asked.asked
    assert "ben@x.edu" in asked.asked  # the other rows still count
    assert asked.notes() == [str(problem)]


def test_every_problem_of_a_row_is_listed_at_once():
    asked = requests(("never", "nobody", "Leave", "", ""))
    assert [p.column for p in asked.problems] == [2, 1, 3]


def test_emails_on_no_roster_row_are_listed_never_fatal():
    asked = requests(
        ("1/10/2027 9:00", "zed@gmail.com", "Skip one session", "1/13/2027", ""),
        ("1/10/2027 9:00", "wes@x.edu", "Pause", "", ""),  # withdrawn, yet on the roster
    )
    assert [(s.row, s.email) for s in asked.strangers] == [(2, "zed@gmail.com")]
    assert "zed@gmail.com is on no roster row" in asked.notes()[0]
    assert "zed@gmail.com" not in asked.asked
    assert out(JAN13, asked) == {}  # a withdrawn student is not grouped anyway


def test_a_tab_without_its_required_headers_is_one_problem_and_no_request():
    asked = read_requests(
        (("When", "Who", "Request"), ("1/10/2027 9:00", "ana@x.edu", "Pause")),
        RequestsTab(),
        roster(),
    )
    assert [p.row for p in asked.problems] == [1, 1]
    assert 'no "Timestamp" column' in str(asked.problems[0])
    assert "or set [requests] timestamp in mixitup.toml" in str(asked.problems[0])
    assert asked.asked == {}


def test_no_requests_tab_means_nobody_asked_and_nothing_to_check():
    asked = read_requests(None, RequestsTab(), roster())
    assert (dict(asked.asked), asked.notes()) == ({}, [])


def test_a_forms_tab_downloaded_as_xlsx_reads_with_real_date_cells(tmp_path: Path):
    """Forms' spreadsheet as an .xlsx keeps its timestamps and dates as date cells."""
    path = write_workbook(
        tmp_path / "staff.xlsx",
        {
            "Requests": [
                HEADER,
                [
                    dt.datetime(2027, 1, 10, 9, 41, 7),
                    "ana@x.edu",
                    "Skip one session",
                    dt.datetime(2027, 1, 13),
                    None,
                ],
                [
                    dt.datetime(2027, 1, 14, 8, 0),
                    "ben@x.edu",
                    "Pause",
                    None,
                    dt.datetime(2027, 2, 10),
                ],
            ]
        },
    )
    rows = XlsxBackend(path).read().rows("Requests")
    asked = read_requests(rows, RequestsTab(), roster())
    assert asked.notes() == []
    assert asked.asked["ana@x.edu"][0].at == dt.datetime(2027, 1, 10, 9, 41, 7)
    assert set(out(JAN13, asked)) == {"ana@x.edu"}
    assert set(out(FEB10, asked)) == {"ben@x.edu"}


def test_describe_lists_who_is_out_by_name_with_the_reason():
    lines = describe({"eve@x.edu": "why e", "ben@x.edu": "why b"}, roster())
    assert lines == ["Ben (ben@x.edu): why b", "Eve (eve@x.edu): why e"]


# -- Repeated no-shows --------------------------------------------------------------------------


def entry(session, key, attended="", group=1, name=""):
    return Entry(1, session, group, f"{key}@x.edu", name or key.title(), attended=attended)


HISTORY = [
    *(entry(A, p, "no") for p in ("ana", "cy", "dee", "eve")),
    entry(A, "ben", "yes"),
    entry(B, "ana", "no"),
    entry(B, "ben", "no"),
    entry(B, "cy", "no"),
    entry(B, "dee", ""),  # not recorded: counts as attended, so it breaks the run
    entry(B, "eve", "no"),
]


def test_absent_from_the_last_pause_after_sessions_means_out_of_the_next():
    asked = requests(("1/25/2027 9:00", "eve@x.edu", "Skip one session", "1/27/2027", ""))
    found = no_shows(HISTORY, 2, asked, before=FEB10)
    # ben missed only B; dee's B is not recorded; eve had asked to skip B (excused).
    assert set(found) == {"ana@x.edu", "cy@x.edu"}
    assert found["ana@x.edu"].missed == (A, B)
    reason = out(FEB10, asked, found)["ana@x.edu"]
    assert reason.startswith(f"absent from their last 2 sessions ({A}, {B})")
    assert "come back" in reason


def test_a_come_back_after_the_last_missed_session_clears_a_no_show():
    asked = requests(("1/28/2027 9:00", "cy@x.edu", "Come back", "", ""))
    assert set(no_shows(HISTORY, 2, asked, before=FEB10)) == {"ana@x.edu", "eve@x.edu"}


def test_a_come_back_between_missed_sessions_restarts_the_count():
    asked = requests(("1/20/2027 9:00", "ana@x.edu", "Come back", "", ""))
    assert "ana@x.edu" not in no_shows(HISTORY, 2, asked, before=FEB10)
    assert "ana@x.edu" in no_shows(HISTORY, 1, asked, before=FEB10)


@pytest.mark.parametrize(
    ("pause_after", "out_keys"),
    [
        (0, set()),  # off, the default
        (1, {"ana@x.edu", "ben@x.edu", "cy@x.edu", "eve@x.edu"}),
        (3, set()),  # nobody has three sessions yet
    ],
)
def test_pause_after_sets_how_many_sessions_in_a_row(pause_after, out_keys):
    assert set(no_shows(HISTORY, pause_after, requests(), before=FEB10)) == out_keys


def test_only_sessions_before_the_one_being_planned_count():
    """A session being republished (--force) is not its own no-show."""
    assert no_shows(HISTORY, 2, requests(), before=JAN27) == {}


# -- Requests after publishing ------------------------------------------------------------------

DENVER = ZoneInfo("America/Denver")
PUBLISHED = {A: dt.datetime(2027, 1, 11, 9, 0, tzinfo=DENVER)}


def test_a_request_after_publishing_marks_the_student_absent_from_that_session():
    asked = requests(
        ("1/12/2027 10:00", "ana@x.edu", "Skip one session", "1/13/2027", ""),  # late
        ("1/10/2027 10:00", "ben@x.edu", "Skip one session", "1/13/2027", ""),  # on time
        ("1/12/2027 10:00", "cy@x.edu", "Skip one session", "1/13/2027", ""),  # late, came
        ("1/12/2027 10:00", "dee@x.edu", "Pause", "", "2/1/2027"),  # late pause covering A
        ("1/12/2027 10:00", "eve@x.edu", "Skip one session", "1/27/2027", ""),  # another day
    )
    entries = [entry(A, p) for p in PEOPLE]
    entries[2] = entry(A, "cy", "yes")  # attendance recorded: the record stands
    assert late_absences(asked, entries, PUBLISHED, DENVER) == (
        (A, "ana@x.edu"),
        (A, "dee@x.edu"),
    )
    # ben was there when A was published and is grouped anyway: staff put him back by hand.


def test_a_session_not_published_or_a_come_back_marks_nobody():
    asked = requests(
        ("1/12/2027 10:00", "ana@x.edu", "Skip one session", "1/13/2027", ""),
        ("1/12/2027 11:00", "ana@x.edu", "Come back", "", ""),
        ("1/26/2027 10:00", "ben@x.edu", "Skip one session", "1/27/2027", ""),
    )
    entries = [entry(A, "ana"), entry(B, "ben")]
    assert late_absences(asked, entries, PUBLISHED, DENVER) == ()  # B is not in `published`


def test_the_spreadsheets_time_zone_decides_what_came_after_publishing():
    """Forms stamps the spreadsheet's wall clock; the History stamps with an offset."""
    published = {A: dt.datetime(2027, 1, 11, 16, 0, tzinfo=dt.UTC)}  # 09:00 in Denver
    asked = requests(("1/11/2027 10:00", "ana@x.edu", "Skip one session", "1/13/2027", ""))
    entries = [entry(A, "ana")]
    assert late_absences(asked, entries, published, DENVER) == ((A, "ana@x.edu"),)
    assert late_absences(asked, entries, published, dt.UTC) == ()  # 10:00 UTC: before


def test_published_times_are_the_earliest_stamp_of_each_session_in_the_history():
    at = {name: i for i, name in enumerate(HISTORY_HEADER)}

    def row(session, stamp):
        cells = [""] * len(HISTORY_HEADER)
        cells[at["Session"]], cells[at["Published at"]] = session, stamp
        cells[at["Group"]], cells[at["Student key"]] = "1", "k"
        return tuple(cells)

    rows = (
        HISTORY_HEADER,
        row(A, "2027-01-11T09:00:00-07:00"),
        row(A, "2027-01-12T08:00:00-07:00"),  # a late joiner, added later
        row(B, "not a time"),
        row(C, "2027-02-08T09:00:00-07:00"),
    )
    assert published_times(rows) == {
        A: dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-7))),
        C: dt.datetime(2027, 2, 8, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-7))),
    }
