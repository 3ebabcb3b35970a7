"""Form response tabs: timestamps and dates in the forms Google Forms and people write them, the
slashed-date order settled by the tab itself, and every unreadable cell named by row and column."""

from __future__ import annotations

import datetime as dt

import pytest

from mixitup.responses import Problem, ResponseTab, date_order, read_date, read_timestamp

D = dt.date(2027, 1, 13)


@pytest.mark.parametrize(
    ("text", "order", "day"),
    [
        ("2027-01-13", "month first", D),  # ISO: the way mixitup and the xlsx backend write dates
        ("2027/1/13", "day first", D),  # year first reads one way only, whatever the tab
        ("1/13/2027", "month first", D),  # Google Forms in a United States spreadsheet
        ("1/13/2027", "day first", D),  # 13 cannot be a month, so it reads one way
        ("13/01/2027", "month first", D),  # a British spreadsheet: only day-first makes sense
        ("13.01.2027", "month first", D),  # dots, as German spreadsheets write dates
        ("3/4/2027", "month first", dt.date(2027, 3, 4)),  # the tab reads month first
        ("3/4/2027", "day first", dt.date(2027, 4, 3)),  # the tab reads day first
        ("4/4/2027", "unknown", dt.date(2027, 4, 4)),  # same either way
        ("January 13, 2027", "month first", D),  # a date cell formatted in words
        ("13 Jan 2027", "month first", D),
    ],
)
def test_dates_in_the_forms_forms_and_staff_write_are_read(text, order, day):
    assert read_date(text, order) == day


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("next week", '"next week" is not a date'),
        ("2027-02-30", '"2027-02-30" is not a date'),  # no such day
        ("13/13/2027", '"13/13/2027" is not a date'),
        ("1/13/27", "is not a date"),  # a two-digit year could be any century: not guessed
        ("3/4/2027", "could be day/month or month/day"),  # the tab has both orders
    ],
)
def test_a_date_that_is_not_one_says_what_to_write(text, says):
    wrong = read_date(text, "unknown")
    assert isinstance(wrong, str)
    assert says in wrong
    if text:
        assert "2027-01-13" in wrong  # the form to write instead


@pytest.mark.parametrize(
    ("text", "order", "at"),
    [
        ("1/13/2027 9:41:07", "month first", dt.datetime(2027, 1, 13, 9, 41, 7)),  # Forms, US
        ("13/01/2027 21:41:07", "day first", dt.datetime(2027, 1, 13, 21, 41, 7)),  # Forms, UK
        ("2027-01-13T09:41:07", "month first", dt.datetime(2027, 1, 13, 9, 41, 7)),  # xlsx read
        ("2027-01-13 09:41", "month first", dt.datetime(2027, 1, 13, 9, 41)),  # typed by staff
        ("1/13/2027 9:41:07 PM", "month first", dt.datetime(2027, 1, 13, 21, 41, 7)),
        ("1/13/2027 12:05 am", "month first", dt.datetime(2027, 1, 13, 0, 5)),
        ("2027-01-13T09:41:07.250000", "month first", dt.datetime(2027, 1, 13, 9, 41, 7)),
        ("2027-01-13", "month first", dt.datetime(2027, 1, 13)),  # a date alone: its midnight
    ],
)
def test_timestamps_as_forms_and_backends_write_them(text, order, at):
    assert read_timestamp(text, order) == at


@pytest.mark.parametrize("text", ["", "yesterday", "1/13/2027 25:00", "2027-01-13 13:00 PM"])
def test_a_timestamp_that_is_not_one_is_a_sentence(text):
    assert isinstance(read_timestamp(text), str)


@pytest.mark.parametrize(
    ("cells", "order"),
    [
        (["1/13/2027 9:41:07", "2/3/2027"], "month first"),  # 13 can only be a day: US
        (["13/01/2027 9:41:07", "2/3/2027"], "day first"),  # a British tab
        (["2/3/2027", "2027-01-13"], "month first"),  # nothing settles it: Sheets' default
        (["13/01/2027", "1/27/2027"], "unknown"),  # both: typed by people of both habits
    ],
)
def test_the_tab_itself_settles_how_its_slashed_dates_read(cells, order):
    assert date_order(cells) == order


def test_a_whole_tab_in_british_order_reads_every_date_day_first():
    rows = (
        ("Timestamp", "Email Address", "Session date"),
        ("27/01/2027 10:00:00", "a@x.edu", "3/2/2027"),  # 3 February, as the timestamp shows
    )
    tab = ResponseTab("Requests", rows, {"timestamp": "Timestamp", "day": "Session date"})
    assert tab.date(rows[1][2]) == dt.date(2027, 2, 3)


def test_headers_match_whatever_their_case_and_spacing_and_a_missing_one_is_named():
    rows = (("  TIMESTAMP ", "email address", "Other"),)
    tab = ResponseTab(
        "Requests",
        rows,
        {"timestamp": "Timestamp", "email": "Email Address", "request": "Request"},
    )
    assert tab.columns == {"timestamp": 0, "email": 1}
    (missing,) = tab.missing(("timestamp", "email", "request"))
    assert str(missing).startswith('Tab "Requests", row 1: no "Request" column')


def test_a_problem_names_its_tab_row_column_and_header():
    problem = Problem("Feedback", 7, 4, "Session date", '"x" is not a date.')
    assert str(problem) == 'Tab "Feedback", row 7, column D (Session date): "x" is not a date.'
