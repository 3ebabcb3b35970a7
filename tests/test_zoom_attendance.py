"""(b) Attendance through Zoom: the instances held on the session's date in the school's time
zone, every page of each participants report, seconds turned into minutes, matched by the same
`match_report` as the CSV; no instance yet is a result, not an error."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from mixitup.attendance import Directory, import_reports, match_report
from mixitup.config import Calendar, Config, ZoomApp
from mixitup.errors import ConfigError
from mixitup.models import Entry
from mixitup.zoom.client import open_client
from mixitup.zoom.report import (
    Instance,
    NoInstanceYet,
    ZoomAttendance,
    attendance_due,
    instances_on,
    meeting_joins,
    occurrence_end,
    report_joins,
    session_end,
)
from mixitup.zoom_report import Join, ZoomReport
from tests.fake_zoom import PastInstance, report_row

if TYPE_CHECKING:
    from tests.conftest_zoom import Zoom


DENVER = ZoneInfo("America/Denver")
DAY = dt.date(2027, 1, 13)
LABEL = "2027-01-13 Week 2"
ENTRIES = [
    Entry(2, LABEL, 1, "ana@school.example", "Ana Lima"),
    Entry(3, LABEL, 1, "ben@school.example", "Ben Ode"),
    Entry(4, LABEL, 2, "cat ng", "Cat Ng"),  # no email: matched by name
]


def test_instances_are_taken_by_their_date_in_the_schools_time_zone():
    listed = [
        {"uuid": "last-week==", "start_time": "2027-01-06T19:00:00Z"},
        # 18:30 in Denver on the 13th is already the 14th in UTC.
        {"uuid": "evening==", "start_time": "2027-01-14T01:30:00Z"},
        {"uuid": "noon==", "start_time": "2027-01-13T19:00:00Z"},
        {"uuid": "noon==", "start_time": "2027-01-13T19:00:00Z"},  # listed twice: once
        {"uuid": "", "start_time": "2027-01-13T19:00:00Z"},
        {"uuid": "no-time=="},
    ]
    assert instances_on(listed, DAY, DENVER) == (
        Instance("noon==", dt.datetime(2027, 1, 13, 19, tzinfo=dt.UTC)),
        Instance("evening==", dt.datetime(2027, 1, 14, 1, 30, tzinfo=dt.UTC)),
    )
    assert [i.uuid for i in instances_on(listed, DAY, dt.UTC)] == ["noon=="]
    assert [i.uuid for i in instances_on(listed, DAY + dt.timedelta(days=1), dt.UTC)] == [
        "evening=="
    ]


def test_report_rows_become_joins_in_minutes():
    rows = [report_row("Ana Lima", "ANA@school.example", 90), {"name": "Phone user"}]
    assert report_joins(rows) == (
        Join(1, "Ana Lima", "", "ana@school.example", 1.5),
        Join(2, "Phone user", "", "", 0.0),
    )


def test_attendance_comes_from_two_pages_and_two_joins_summed_in_minutes(zoom: Zoom):
    guests = [report_row(f"Guest {i}", "", 3000) for i in range(320)]
    rows = [
        report_row("Ana Lima", "ana@school.example", 420),  # dropped out after 7 minutes,
        *guests,
        report_row("Ana Lima", "ana@school.example", 1380),  # and came back on page two
        report_row("Cat Ng", "", 600),
        report_row("Ben Ode", "ben@school.example", 240),
    ]
    zoom.fake.meeting.instances = [
        PastInstance("iEb0Ybp1TTCPw2AV9ZTAug==", "2027-01-13T19:00:00Z", rows)
    ]
    found = meeting_joins(zoom.client(), DAY, DENVER)
    assert isinstance(found, ZoomAttendance)
    assert len(found.joins) == 324
    seen = match_report(found.joins, Directory(ENTRIES, []))
    assert seen.minutes == {"ana@school.example": 30.0, "cat ng": 10.0, "ben@school.example": 4.0}
    report = ZoomReport("Zoom", found.joins)
    imported = import_reports(ENTRIES, [report], Directory(ENTRIES, []), 10)
    assert {e.key: e.attended for e in imported.entries} == {
        "ana@school.example": "yes",
        "ben@school.example": "no",
        "cat ng": "yes",
    }
    pages = zoom.fake.requests_to("reportMeetingParticipants")
    assert [c.query.get("page_size") for c in pages] == [["300"], ["300"]]
    assert "next_page_token" not in pages[0].query
    assert pages[1].query["next_page_token"][0]


@pytest.mark.parametrize(
    "uuid",
    ["/ukAAAQ4S3GeOWmEhb3NdQ==", "4b//ZyFDQYaQ1JuT4OF1wA==", "ab/cd+ef=="],
    ids=["leading slash", "double slash", "one inner slash"],
)
def test_instance_uuids_reach_their_report_however_they_are_spelled(zoom: Zoom, uuid: str):
    rows = [report_row("Ana Lima", "ana@school.example", 1800)]
    zoom.fake.meeting.instances = [PastInstance(uuid, "2027-01-13T19:00:00Z", rows)]
    found = meeting_joins(zoom.client(), DAY, DENVER)
    assert isinstance(found, ZoomAttendance)
    assert [j.minutes for j in found.joins] == [30.0]


def test_every_instance_of_the_day_counts_and_no_other(zoom: Zoom):
    """The host restarted the meeting: two instances that day; last week's is left out."""
    zoom.fake.meeting.instances = [
        PastInstance(
            "lastweek==",
            "2027-01-06T19:00:00Z",
            [report_row("Ben Ode", "ben@school.example", 3600)],
        ),
        PastInstance(
            "first==", "2027-01-13T19:00:00Z", [report_row("Ben Ode", "ben@school.example", 300)]
        ),
        PastInstance(
            "again==", "2027-01-13T19:20:00Z", [report_row("Ben Ode", "ben@school.example", 900)]
        ),
    ]
    found = meeting_joins(zoom.client(), DAY, DENVER)
    assert isinstance(found, ZoomAttendance)
    assert [i.uuid for i in found.instances] == ["first==", "again=="]
    assert match_report(found.joins, Directory(ENTRIES, [])).minutes == {"ben@school.example": 20.0}
    # Never "the latest instance" by meeting ID: every report is asked for by UUID.
    paths = [c.raw_path for c in zoom.fake.requests_to("reportMeetingParticipants")]
    assert paths == [
        "/v2/report/meetings/first%3D%3D/participants",
        "/v2/report/meetings/again%3D%3D/participants",
    ]


def test_no_instance_on_the_date_yet_is_a_result_not_an_error(zoom: Zoom):
    zoom.fake.meeting.instances = [PastInstance("lastweek==", "2027-01-06T19:00:00Z")]
    found = meeting_joins(zoom.client(), DAY, DENVER)
    assert isinstance(found, NoInstanceYet)
    assert found.reason.startswith(
        "Zoom lists no ended session of meeting 812 3456 7890 on 2027-01-13"
    )
    assert zoom.fake.requests_to("reportMeetingParticipants") == []


def test_a_report_zoom_has_not_finished_is_tried_at_the_next_run(zoom: Zoom):
    zoom.fake.meeting.instances = [PastInstance("ended==", "2027-01-13T19:00:00Z", processing=True)]
    found = meeting_joins(zoom.client(), DAY, DENVER)
    assert isinstance(found, NoInstanceYet)
    assert "has not finished the participants report" in found.reason


OCCURRENCES = [
    {
        "occurrence_id": "1",
        "start_time": "2027-01-06T19:00:00Z",
        "duration": 60,
        "status": "available",
    },
    {
        "occurrence_id": "2",
        "start_time": "2027-01-13T19:00:00Z",
        "duration": 75,
        "status": "available",
    },
    {
        "occurrence_id": "3",
        "start_time": "2027-01-20T19:00:00Z",
        "duration": 60,
        "status": "deleted",
    },
]


@pytest.mark.parametrize(
    ("day", "end"),
    [
        (DAY, dt.datetime(2027, 1, 13, 20, 15, tzinfo=dt.UTC)),  # start + its own duration
        (dt.date(2027, 1, 20), None),  # a deleted occurrence is no session
        (dt.date(2027, 1, 14), None),
    ],
)
def test_a_session_ends_at_its_occurrence_s_start_plus_duration(day, end):
    assert occurrence_end({"occurrences": OCCURRENCES}, day, DENVER) == end


@pytest.mark.parametrize(
    ("now", "recorded", "due"),
    [
        (dt.datetime(2027, 1, 13, 20, 0, tzinfo=dt.UTC), False, False),  # still on
        (dt.datetime(2027, 1, 13, 20, 15, tzinfo=dt.UTC), False, True),  # just ended
        (dt.datetime(2027, 1, 20, 20, 15, tzinfo=dt.UTC), False, True),  # a week on
        (dt.datetime(2027, 1, 20, 20, 16, tzinfo=dt.UTC), False, False),  # too late
        (dt.datetime(2027, 1, 14, 9, 0, tzinfo=dt.UTC), True, False),  # staff's marks stand
    ],
)
def test_attendance_is_read_after_the_end_within_a_week_until_recorded(now, recorded, due):
    end = dt.datetime(2027, 1, 13, 20, 15, tzinfo=dt.UTC)
    assert attendance_due(now, end, recorded) is due


def test_session_end_asks_zoom_for_past_occurrences_too(zoom: Zoom):
    zoom.fake.meeting.occurrences = OCCURRENCES
    zoom.fake.now = lambda: dt.datetime(2027, 1, 14, tzinfo=dt.UTC)
    fallback = dt.datetime(2027, 1, 13, 20, 0, tzinfo=dt.UTC)
    client = zoom.client()
    assert session_end(client, DAY, DENVER, fallback) == dt.datetime(
        2027, 1, 13, 20, 15, tzinfo=dt.UTC
    )
    assert session_end(client, dt.date(2027, 1, 27), DENVER, fallback) == fallback
    (first, _) = zoom.fake.requests_to("meeting")
    assert first.query == {"show_previous_occurrences": ["true"]}


def test_open_client_takes_the_app_and_the_school_s_time_zone():
    with pytest.raises(ConfigError, match=r"no \[zoom\] section"):
        open_client(Config())
    config = Config(
        calendar=Calendar(timezone="America/Denver"),
        zoom_app=ZoomApp("SchoolAcct", "client", "s3cr3t", 81234567890),
    )
    client = open_client(config)
    assert (client.zone, client.app.meeting_id) == (DENVER, 81234567890)
