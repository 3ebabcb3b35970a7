"""The calendar: session dates, publish days, skip dates and states, all from `today`."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from mixitup import layout
from mixitup.config import Calendar
from mixitup.errors import ConfigError
from mixitup.models import Session
from mixitup.schedule import (
    due,
    next_slot,
    notes,
    open_sessions,
    parse_label,
    session_date,
    slots,
)

D = dt.date.fromisoformat
TERM = Calendar(
    module_starts=(D("2027-01-04"), D("2027-02-22")),
    session_weeks=(2, 4),
    weekday=2,
    publish_days_ahead=2,
    skip=(D("2027-03-03"),),
)


@pytest.mark.parametrize(
    ("start", "week", "weekday", "expected"),
    [
        ("2027-01-04", 2, 2, "2027-01-13"),  # Wednesday of week 2 of a Monday start
        ("2027-01-04", 4, 2, "2027-01-27"),  # week 4
        ("2027-01-04", 1, 0, "2027-01-04"),  # week 1 starts on the module's Monday
        ("2027-01-05", 2, 2, "2027-01-13"),  # a Tuesday start (holiday Monday) is still week 1
        ("2027-01-04", 2, 4, "2027-01-15"),  # another weekday: Friday
    ],
)
def test_session_date_is_the_weekday_of_the_module_week(start, week, weekday, expected):
    assert session_date(D(start), week, weekday) == D(expected)


def test_slots_list_every_session_in_date_order_with_publish_days_and_skips():
    found = [(layout.label(s.session), s.publish_on.isoformat(), s.skipped) for s in slots(TERM)]
    assert found == [
        ("2027-01-13 Week 2", "2027-01-11", False),
        ("2027-01-27 Week 4", "2027-01-25", False),
        ("2027-03-03 Week 2", "2027-03-01", True),
        ("2027-03-17 Week 4", "2027-03-15", False),
    ]


def test_a_module_start_listed_twice_gives_each_session_once():
    twice = Calendar(module_starts=(D("2027-01-04"), D("2027-01-04")))
    assert len(slots(twice)) == 2


@pytest.mark.parametrize(
    ("today", "published", "expected"),
    [
        ("2027-01-10", set(), []),  # the day before the publish day: nothing yet
        ("2027-01-11", set(), ["2027-01-13 Week 2"]),  # the publish day
        ("2027-01-13", set(), ["2027-01-13 Week 2"]),  # the session day itself still counts
        ("2027-01-12", {"2027-01-13 Week 2"}, []),  # already published
        ("2027-01-14", set(), []),  # passed: never published late
        ("2027-03-01", set(), []),  # a skip date is never due
        ("2027-03-16", set(), ["2027-03-17 Week 4"]),
    ],
)
def test_due_sessions_on_a_day(today, published, expected):
    assert [layout.label(s) for s in due(TERM, D(today), published)] == expected


def test_every_session_is_due_when_publish_days_cover_the_whole_module():
    early = Calendar(module_starts=(D("2027-01-04"),), publish_days_ahead=30)
    assert [layout.label(s) for s in due(early, D("2027-01-01"), set())] == [
        "2027-01-13 Week 2",
        "2027-01-27 Week 4",
    ]


@pytest.mark.parametrize(
    ("today", "published", "state"),
    [
        ("2027-01-10", set(), "upcoming"),
        ("2027-01-11", set(), "due"),
        ("2027-01-20", set(), "past"),
        ("2027-01-20", {"2027-01-13 Week 2"}, "published"),  # published stays published
    ],
)
def test_slot_state(today, published, state):
    first = slots(TERM)[0]
    assert first.state(D(today), published) == state


def test_skipped_slot_reports_skipped_on_any_day():
    skipped = slots(TERM)[2]
    assert skipped.state(D("2027-01-01"), set()) == "skipped"
    assert skipped.state(D("2027-12-01"), set()) == "skipped"


def test_next_slot_skips_skip_dates_and_ends_with_the_calendar():
    assert next_slot(TERM, D("2027-01-14")).session == Session(D("2027-01-27"), 4)
    assert next_slot(TERM, D("2027-02-01")).session == Session(D("2027-03-17"), 4)
    assert next_slot(TERM, D("2027-03-18")) is None


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("2027-01-13 Week 2", Session(D("2027-01-13"), 2)),
        ("2027-13-45 Week 2", None),  # not a date
        ("Roster", None),
        ("2027-01-13 Week two", None),
    ],
)
def test_parse_label(label, expected):
    assert parse_label(label) == expected


@pytest.mark.parametrize(
    ("now", "still_open"),
    [
        ("2027-01-12T23:00", ["2027-01-13 Week 2", "2027-01-27 Week 4"]),
        ("2027-01-13T11:59", ["2027-01-13 Week 2", "2027-01-27 Week 4"]),  # the morning of it
        ("2027-01-13T12:00", ["2027-01-27 Week 4"]),  # it has started: no more late joiners
        ("2027-01-14T09:00", ["2027-01-27 Week 4"]),
    ],
)
def test_open_sessions_are_published_ones_not_yet_started(now, still_open):
    calendar = Calendar(start=dt.time(12), timezone="America/Denver")
    published = {"2027-01-13 Week 2", "2027-01-27 Week 4", "Old tab"}
    at = dt.datetime.fromisoformat(now).replace(tzinfo=ZoneInfo("America/Denver"))
    assert [layout.label(s) for s in open_sessions(calendar, published, at)] == still_open
    # The same instant seen from another zone is the same instant.
    assert [
        layout.label(s) for s in open_sessions(calendar, published, at.astimezone(dt.UTC))
    ] == still_open


def test_notes_point_at_likely_typos_in_the_calendar():
    typo = Calendar(module_starts=(D("2027-01-06"),), skip=(D("2027-01-14"), D("2027-01-13")))
    assert notes(typo) == (
        "module start 2027-01-06 is a Wednesday; its week 1 counts from Monday 2027-01-04.",
        "skip date 2027-01-14 is not a session date, so it skips nothing.",
    )
    assert notes(TERM) == ()


@pytest.mark.parametrize(
    ("calendar", "message"),
    [
        (Calendar(module_starts=(D("2027-01-04"),), session_weeks=(0, 2)), "session_weeks"),
        (Calendar(module_starts=(D("2027-01-04"),), publish_days_ahead=-1), "publish_days_ahead"),
    ],
)
def test_a_calendar_that_could_never_publish_is_a_config_error(calendar, message):
    with pytest.raises(ConfigError, match=message):
        slots(calendar)
