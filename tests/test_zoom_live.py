"""(c) Who is in the meeting now: every page of the Dashboard's live participants, present the
rows without a `leave_time`, as Joins the rebalance's matching reads like a report so far."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from mixitup.attendance import Directory, match_report
from mixitup.errors import ZoomError
from mixitup.models import Entry
from mixitup.zoom.live import live_joins, live_participants
from mixitup.zoom_report import Join
from tests.fake_zoom import live_row

if TYPE_CHECKING:
    from tests.conftest_zoom import Zoom


LABEL = "2027-01-13 Week 2"
NOW = dt.datetime(2027, 1, 13, 19, 10, tzinfo=dt.UTC)
ENTRIES = [
    Entry(2, LABEL, 1, "ana@school.example", "Ana Lima"),
    Entry(3, LABEL, 1, "ben@school.example", "Ben Ode"),
    Entry(4, LABEL, 2, "cat ng", "Cat Ng"),
    Entry(5, LABEL, 2, "dev@school.example", "Dev Rao"),
]


def test_open_rows_are_present_and_closed_rows_are_not():
    rows = [
        live_row("Ana Lima", "ana@school.example", "2027-01-13T19:00:00Z"),
        live_row("Ben Ode", "ben@school.example", "2027-01-13T19:00:00Z", "2027-01-13T19:02:00Z"),
    ]
    live = live_joins(rows, NOW)
    assert live.joins == (Join(1, "Ana Lima", "", "ana@school.example", 10.0),)
    assert (live.left, live.emails, live.names) == (
        1,
        frozenset({"ana@school.example"}),
        ("Ana Lima",),
    )


def test_live_participants_from_every_page_say_who_is_absent(zoom: Zoom):
    meeting = zoom.fake.meeting
    meeting.status = "started"
    guests = [live_row(f"Guest {i}", "", "2027-01-13T19:00:00Z") for i in range(310)]
    meeting.live = [
        # Ben dropped out and came back: a closed row and an open one.
        live_row("Ben Ode", "ben@school.example", "2027-01-13T19:00:00Z", "2027-01-13T19:01:00Z"),
        *guests,
        live_row("Ben Ode", "ben@school.example", "2027-01-13T19:03:00Z"),
        live_row("Cat Ng", "", "2027-01-13T19:05:00Z"),  # signed out: matched by name
        live_row("Dev Rao", "dev@school.example", "2027-01-13T19:00:00Z", "2027-01-13T19:04:00Z"),
    ]
    live = live_participants(zoom.client(), NOW)
    assert live.left == 2
    # What `rebalance` does with a report so far: everyone grouped whom it does not show is away.
    seen = match_report(live.joins, Directory(ENTRIES, [])).minutes
    assert sorted(e.name for e in ENTRIES if e.key not in seen) == ["Ana Lima", "Dev Rao"]
    pages = zoom.fake.requests_to("dashboardMeetingParticipants")
    assert [c.query["type"] for c in pages] == [["live"], ["live"]]
    assert [c.query["page_size"] for c in pages] == [["300"], ["300"]]
    assert zoom.fake.requests_to("meetingUpdate") == []  # reading who is there changes nothing


def test_a_meeting_not_in_progress_says_to_start_it(zoom: Zoom):
    with pytest.raises(ZoomError) as error:
        live_participants(zoom.client(), NOW)
    message = str(error.value)
    assert message.startswith("Zoom shows no meeting in progress with the ID in [zoom] meeting_id")
    assert "not available or ID is not valid" in message  # Zoom's words
