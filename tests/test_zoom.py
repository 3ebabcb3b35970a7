"""The Zoom client against the local fake through real `requests`: one token a run, a new one
once on code 124, retries and 429 waits recorded (never slept), each refusal's message, and no
secret in any message, log line or output."""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from mixitup.errors import ZoomError
from mixitup.zoom.answers import Purpose, retry_at
from mixitup.zoom.client import MAX_ATTEMPTS, uuid_segment
from mixitup.zoom.live import LIVE, live_participants
from mixitup.zoom.report import INSTANCES, REPORT, meeting_joins
from mixitup.zoom.rooms import READ_MEETING, UPDATE_MEETING, sync_rooms
from tests.fake_zoom import (
    EVERY_SCOPE,
    MEETING_ID,
    OPERATIONS,
    Fault,
    PastInstance,
    daily_limit,
    rate_limited,
    server_error,
)

if TYPE_CHECKING:
    from tests.conftest_zoom import Zoom


MEETING = f"/meetings/{MEETING_ID}"
DOCS = (Path(__file__).parents[1] / "docs" / "zoom.md").read_text(encoding="utf-8")
NOW = dt.datetime(2027, 1, 13, 18, 0, tzinfo=dt.UTC)
DENVER = ZoneInfo("America/Denver")


def test_one_token_is_taken_for_the_run_and_reused(zoom: Zoom):
    client = zoom.client()
    client.get(MEETING, READ_MEETING)
    client.get(MEETING, READ_MEETING)
    tokens = zoom.fake.requests_to("token")
    assert len(tokens) == 1
    assert tokens[0].query == {}  # the grant travels in the form body, not the address
    assert (
        tokens[0].body
        == f"grant_type=account_credentials&account_id={zoom.fake.account_id}".encode()
    )
    basic = base64.b64encode(f"{zoom.fake.client_id}:{zoom.fake.client_secret}".encode()).decode()
    assert tokens[0].headers["Authorization"] == f"Basic {basic}"


def test_an_expired_token_is_replaced_once_and_the_call_goes_through(zoom: Zoom):
    client = zoom.client()
    client.get(MEETING, READ_MEETING)
    zoom.fake.expire_tokens()
    assert client.get(MEETING, READ_MEETING)["id"] == MEETING_ID
    assert len(zoom.fake.tokens_issued) == 2
    assert [c.status for c in zoom.fake.requests_to("meeting")] == [200, 401, 200]


def test_a_token_refused_again_after_a_new_one_stops_with_a_message(zoom: Zoom):
    refused = Fault(401, (), {"code": 124, "message": "Invalid access token."})
    zoom.fake.fail("meeting", refused, refused)
    with pytest.raises(ZoomError) as error:
        zoom.client().get(MEETING, READ_MEETING)
    assert len(zoom.fake.tokens_issued) == 2  # one new token, not a loop
    assert "another program may be taking tokens for the same app" in str(error.value)
    assert error.value.exit_code == 4


@pytest.mark.parametrize(
    ("retry_after", "waited"),
    [
        ("2", 2.0),  # seconds
        (email.utils.format_datetime(NOW + dt.timedelta(seconds=3), usegmt=True), 3.0),  # HTTP date
        ("2027-01-13T18:00:05Z", 5.0),  # Zoom's ISO-8601 form
        (None, 1.0),  # absent: one second
    ],
)
def test_a_429_is_waited_for_as_zoom_says_then_the_call_succeeds(
    zoom: Zoom, retry_after: str | None, waited: float
):
    zoom.fake.fail("meeting", rate_limited(retry_after))
    assert zoom.client(clock=lambda: NOW).get(MEETING, READ_MEETING)["id"] == MEETING_ID
    assert zoom.sleeps == [waited]
    assert [c.status for c in zoom.fake.requests_to("meeting")] == [429, 200]


def test_429_answered_again_and_again_stops_after_a_few_waits_and_says_so(zoom: Zoom):
    zoom.fake.fail("meeting", *[rate_limited("1")] * 10)
    with pytest.raises(ZoomError) as error:
        zoom.client(clock=lambda: NOW).get(MEETING, READ_MEETING)
    assert zoom.sleeps == [1.0, 1.0, 1.0]
    assert len(zoom.fake.requests_to("meeting")) == 4
    assert "kept answering 429 (too many requests)" in str(error.value)
    assert "run again in a few minutes" in str(error.value)


def test_a_long_retry_after_is_not_waited_for_but_named(zoom: Zoom):
    zoom.fake.fail("meeting", rate_limited("3600"))
    with pytest.raises(ZoomError) as error:
        zoom.client(clock=lambda: NOW, zone=DENVER).get(MEETING, READ_MEETING)
    assert zoom.sleeps == []
    assert "run again from 2027-01-13 12:00 MST" in str(error.value)


def test_the_daily_meeting_update_limit_stops_at_once_and_names_the_reset_time(zoom: Zoom):
    """Zoom's body as its users saw it, with no Retry-After: "resume ... at GMT 00:00:00"."""
    zoom.fake.update_limit = 0
    members = [_member(1, "ann@school.example")]
    with pytest.raises(ZoomError) as error:
        sync_rooms(zoom.client(clock=lambda: NOW, zone=DENVER), "2027-01-13 Week 2", members)
    message = str(error.value)
    assert zoom.sleeps == []
    assert len(zoom.fake.requests_to("meetingUpdate")) == 1
    assert "daily limit is used up" in message
    assert "from 2027-01-13 17:00 MST" in message  # midnight UTC, in the school's time zone
    assert "mixitup export zoom" in message


def test_the_daily_limit_with_the_rate_limit_headers_names_their_retry_after(zoom: Zoom):
    zoom.fake.fail("meeting", daily_limit("2027-01-15T00:00:00Z"))
    with pytest.raises(ZoomError) as error:
        zoom.client(clock=lambda: NOW).get(MEETING, READ_MEETING)
    assert zoom.sleeps == []
    assert "from 2027-01-15 00:00 UTC" in str(error.value)


@pytest.mark.parametrize(
    "fault",
    [server_error(503), server_error(500), Fault(drop=True)],
    ids=["503", "500", "dropped connection"],
)
def test_5xx_and_dropped_connections_are_retried_with_backoff(zoom: Zoom, fault: Fault):
    zoom.fake.fail("meeting", fault, fault)
    assert zoom.client().get(MEETING, READ_MEETING)["id"] == MEETING_ID
    assert len(zoom.sleeps) == 2
    assert all(0 <= s <= 2 for s in zoom.sleeps)  # full jitter under 1 s, then 2 s


def test_a_token_endpoint_outage_is_retried_like_any_call(zoom: Zoom):
    zoom.fake.fail("token", server_error(502))
    assert zoom.client().get(MEETING, READ_MEETING)["id"] == MEETING_ID
    assert len(zoom.sleeps) == 1


def test_zoom_down_for_good_stops_after_the_retries_with_a_message(zoom: Zoom):
    zoom.fake.fail("meeting", *[server_error(503)] * MAX_ATTEMPTS)
    with pytest.raises(ZoomError) as error:
        zoom.client().get(MEETING, READ_MEETING)
    assert len(zoom.sleeps) == MAX_ATTEMPTS - 1
    assert f"HTTP 503) when asked to read the meeting's breakout rooms, after {MAX_ATTEMPTS} " in (
        str(error.value)
    )
    assert "status.zoom.us" in str(error.value)


def test_an_unreachable_zoom_says_so(zoom: Zoom):
    client = zoom.client()
    client.api_url = "http://127.0.0.1:9/v2"  # the discard port: nothing listens
    client.oauth_url = "http://127.0.0.1:9"
    with pytest.raises(ZoomError) as error:
        client.get(MEETING, READ_MEETING)
    assert "Could not reach Zoom (127.0.0.1)" in str(error.value)
    assert "HTTPS_PROXY" in str(error.value)


# -- each refusal, one sentence ----------------------------------------------------------------


def test_wrong_app_credentials_are_named_without_the_secret(zoom: Zoom):
    with pytest.raises(ZoomError) as error:
        zoom.client(zoom.app(client_secret="not-the-right-secret")).get(MEETING, READ_MEETING)
    message = str(error.value)
    assert message.startswith("Zoom refused the app credentials in [zoom] (HTTP 400: ")
    assert "Invalid client_id or client_secret" in message
    assert "MIXITUP_ZOOM_CLIENT_SECRET" in message
    assert "not-the-right-secret" not in message
    assert zoom.fake.requests_to("meeting") == []


def test_a_wrong_account_id_is_a_credentials_problem(zoom: Zoom):
    with pytest.raises(ZoomError, match="refused the app credentials"):
        zoom.client(zoom.app(account_id="someone-else")).get(MEETING, READ_MEETING)


@pytest.mark.parametrize(
    ("purpose", "call"),
    [
        (READ_MEETING, lambda c: c.get(MEETING, READ_MEETING)),
        (UPDATE_MEETING, lambda c: c.patch(MEETING, UPDATE_MEETING, {"agenda": "x"})),
        (REPORT, lambda c: c.get("/report/meetings/abc%3D%3D/participants", REPORT)),
    ],
    ids=["read meeting", "update meeting", "report"],
)
def test_a_missing_scope_quotes_zoom_and_names_the_scope(zoom: Zoom, purpose: Purpose, call):
    zoom.fake.scopes = EVERY_SCOPE - {purpose.granular}
    with pytest.raises(ZoomError) as error:
        call(zoom.client())
    message = str(error.value)
    assert "Invalid access token, does not contain scopes:[" in message  # Zoom's words
    assert f"add {purpose.granular} (classic scopes: {purpose.classic})" in message
    assert error.value.code == 4711


def test_a_meeting_zoom_does_not_know_is_named_with_the_config_key(zoom: Zoom):
    with pytest.raises(ZoomError) as error:
        zoom.client(zoom.app(meeting_id=98765432101)).get("/meetings/98765432101", READ_MEETING)
    message = str(error.value)
    assert "Zoom has no meeting 987 6543 2101" in message
    assert "Meeting does not exist: 98765432101." in message
    assert "[zoom] meeting_id" in message
    assert error.value.code == 3001


def test_a_plan_without_reports_says_pro_and_names_the_csv_way(zoom: Zoom):
    zoom.fake.plan = "basic"
    zoom.fake.meeting.instances.append(PastInstance("abc==", "2027-01-13T19:00:00Z"))
    with pytest.raises(ZoomError) as error:
        meeting_joins(zoom.client(), dt.date(2027, 1, 13), dt.UTC)
    message = str(error.value)
    assert "Only available for Paid or ZMP account" in message
    assert "need a Pro plan or higher" in message
    assert "mixitup attendance --date D --week N --zoom REPORT.csv" in message


def test_a_plan_without_the_dashboard_says_business_and_names_the_csv_way(zoom: Zoom):
    zoom.fake.plan = "pro"
    zoom.fake.meeting.status = "started"
    with pytest.raises(ZoomError) as error:
        live_participants(zoom.client())
    message = str(error.value)
    assert "Zoom's Dashboard needs a Business plan or higher" in message
    assert "--absent NAME" in message


# -- secrets -----------------------------------------------------------------------------------


def test_no_secret_reaches_a_log_line_a_message_or_the_output(
    zoom: Zoom, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
):
    """Client secret, the Basic credential and every token, at DEBUG, through a refresh, a
    retry, a 429 and a refusal."""
    caplog.set_level(logging.DEBUG)
    fake = zoom.fake
    client = zoom.client(clock=lambda: NOW)
    fake.fail("meeting", server_error(503), rate_limited("1"))
    client.get(MEETING, READ_MEETING)
    fake.expire_tokens()
    sync_rooms(client, "2027-01-13 Week 2", [_member(1, "ann@school.example")])
    fake.scopes = frozenset()
    fake.expire_tokens()
    with pytest.raises(ZoomError) as refused:
        client.get(MEETING, READ_MEETING)
    with pytest.raises(ZoomError) as bad_app:
        zoom.client(zoom.app(client_secret=fake.client_secret + "x")).get(MEETING, READ_MEETING)
    basic = base64.b64encode(f"{fake.client_id}:{fake.client_secret}".encode()).decode()
    secrets = [fake.client_secret, basic, *fake.tokens_issued]
    assert len(fake.tokens_issued) == 3
    out = capsys.readouterr()
    seen = "\n".join(
        [
            caplog.text,
            out.out,
            out.err,
            str(refused.value),
            repr(refused.value),
            str(bad_app.value),
            repr(client.app),
        ]
    )
    assert "Zoom answered 429" in caplog.text  # the logs did run
    for secret in secrets:
        assert secret not in seen


# -- pure parts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", NOW + dt.timedelta(seconds=5)),
        ("0.5", NOW + dt.timedelta(seconds=0.5)),
        ("-3", NOW),  # never in the past
        ("Wed, 13 Jan 2027 18:00:07 GMT", NOW + dt.timedelta(seconds=7)),
        ("2027-01-14T00:00:00Z", dt.datetime(2027, 1, 14, tzinfo=dt.UTC)),
        ("2027-01-14T00:00:00", dt.datetime(2027, 1, 14, tzinfo=dt.UTC)),  # no zone: UTC
        ("", None),
        ("soon", None),
        ("nan", None),
    ],
)
def test_retry_after_reads_seconds_http_dates_and_iso_dates(value: str, expected):
    assert retry_at(value, NOW) == expected


@pytest.mark.parametrize(
    ("uuid", "segment"),
    [
        ("Vg8IdgluR5WDeWIkpJlElQ==", "Vg8IdgluR5WDeWIkpJlElQ%3D%3D"),
        ("ab/cd+ef==", "ab%2Fcd%2Bef%3D%3D"),  # one inner slash: encoded once
        ("/ukAAAQ4S3Ge==", "%252FukAAAQ4S3Ge%253D%253D"),  # leading slash: twice
        ("ab//cd==", "ab%252F%252Fcd%253D%253D"),  # double slash: twice
    ],
)
def test_uuids_are_double_encoded_only_when_zoom_requires_it(uuid: str, segment: str):
    assert uuid_segment(uuid) == segment


def test_zoom_error_is_a_backend_error_with_exit_code_4():
    error = ZoomError("x", status=404, code=3001)
    assert (error.exit_code, error.status, error.code) == (4, 404, 3001)


def _member(group: int, email: str):
    from mixitup.export import Member

    return Member(group, email.split("@")[0].title(), email)


@pytest.mark.parametrize(
    ("operation", "purpose"),
    [
        ("meeting", READ_MEETING),
        ("meetingUpdate", UPDATE_MEETING),
        ("pastMeetings", INSTANCES),
        ("reportMeetingParticipants", REPORT),
        ("dashboardMeetingParticipants", LIVE),
    ],
)
def test_each_call_names_the_scopes_zoom_documents_and_so_do_the_docs(operation, purpose):
    documented = OPERATIONS[operation]
    assert purpose.granular in documented["x-granular-scopes"]
    assert purpose.classic in documented["x-macro-scopes"]
    row = re.search(rf"\| `{documented['method']} {re.escape(documented['path'])}`.*\n", DOCS)
    assert row is not None
    assert f"| `{purpose.granular}` | `{purpose.classic}` |" in row[0]
