"""The fake Zoom API itself, through plain `requests`: its answers fit the excerpt of Zoom's
OpenAPI document, and it keeps Zoom's odd corners (one pre-assignment per meeting, occurrence_id
ignored for rooms, UUID double-encoding, paging tokens, the token and update limits)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import requests

from tests.fake_zoom import (
    MEETING_ID,
    OPERATIONS,
    FakeZoom,
    PastInstance,
    live_row,
    report_row,
)


@pytest.fixture
def fake() -> Iterator[FakeZoom]:
    zoom = FakeZoom()
    zoom.meeting.instances = [
        PastInstance("/lead==", "2027-01-06T19:00:00Z", [report_row("A", "a@x.example", 60)]),
        PastInstance("last==", "2027-01-13T19:00:00Z", [report_row("B", "b@x.example", 60)] * 5),
    ]
    yield zoom
    zoom.stop()


def token(fake: FakeZoom, **form: str) -> str:
    body = {"grant_type": "account_credentials", "account_id": fake.account_id, **form}
    answer = requests.post(
        f"{fake.url}/oauth/token", data=body, auth=(fake.client_id, fake.client_secret), timeout=5
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def call(fake: FakeZoom, method: str, path: str, bearer: str, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {bearer}"}
    return requests.request(method, f"{fake.api_url}{path}", headers=headers, timeout=5, **kwargs)


def fits(operation: str, body: Any) -> None:
    jsonschema.Draft7Validator(OPERATIONS[operation]["response200"]).validate(body)


def test_answers_fit_zoom_s_documented_response_schemas(fake: FakeZoom):
    bearer = token(fake)
    fits("meeting", call(fake, "GET", f"/meetings/{MEETING_ID}", bearer).json())
    fits("pastMeetings", call(fake, "GET", f"/past_meetings/{MEETING_ID}/instances", bearer).json())
    report = call(fake, "GET", "/report/meetings/last%3D%3D/participants", bearer)
    fits("reportMeetingParticipants", report.json())
    fake.meeting.status = "started"
    fake.meeting.live = [live_row("B", "b@x.example", "2027-01-13T19:00:00Z")]
    live = call(fake, "GET", f"/metrics/meetings/{MEETING_ID}/participants?type=live", bearer)
    fits("dashboardMeetingParticipants", live.json())


def test_an_occurrence_id_changes_the_occurrence_s_fields_but_never_its_rooms(fake: FakeZoom):
    bearer = token(fake)
    rooms = {"enable": True, "rooms": [{"name": "Group 1", "participants": ["a@x.example"]}]}
    body = {"agenda": "Week 2", "settings": {"breakout_room": rooms, "mute_upon_entry": False}}
    answer = call(
        fake, "PATCH", f"/meetings/{MEETING_ID}?occurrence_id=1799874000000", bearer, json=body
    )
    assert answer.status_code == 204
    assert fake.rooms() == {"enable": False}
    assert (fake.meeting.agenda, fake.meeting.settings["mute_upon_entry"]) == ("Week 2", False)


def test_a_patch_s_rooms_replace_the_list_and_keep_other_settings(fake: FakeZoom):
    bearer = token(fake)
    first = {"enable": True, "rooms": [{"name": "A", "participants": []}, {"name": "B"}]}
    second = {"rooms": [{"name": "C", "participants": ["c@x.example"]}]}
    for rooms in (first, second):
        body = {"settings": {"breakout_room": rooms}}
        assert call(fake, "PATCH", f"/meetings/{MEETING_ID}", bearer, json=body).status_code == 204
    assert fake.rooms() == {"enable": True, "rooms": second["rooms"]}
    assert fake.meeting.settings["mute_upon_entry"] is True


def test_a_body_against_the_schema_is_refused_as_zoom_refuses_it(fake: FakeZoom):
    body = {
        "settings": {"breakout_room": {"rooms": [{"name": "A", "participants": "a@x.example"}]}}
    }
    answer = call(fake, "PATCH", f"/meetings/{MEETING_ID}", token(fake), json=body)
    assert answer.status_code == 400
    assert answer.json()["code"] == 300
    assert answer.json()["message"] == "Validation Failed."


def test_a_uuid_with_a_leading_slash_is_found_only_when_double_encoded(fake: FakeZoom):
    bearer = token(fake)
    once = call(fake, "GET", "/report/meetings/%2Flead%3D%3D/participants", bearer)
    twice = call(fake, "GET", "/report/meetings/%252Flead%253D%253D/participants", bearer)
    assert (once.status_code, once.json()["code"]) == (404, 3001)
    assert twice.status_code == 200


def test_a_meeting_id_for_the_report_means_its_latest_instance(fake: FakeZoom):
    """The trap mixitup avoids: before a session ends, "latest" is the previous one."""
    answer = call(fake, "GET", f"/report/meetings/{MEETING_ID}/participants", token(fake))
    assert [p["name"] for p in answer.json()["participants"]] == ["B"] * 5


def test_pages_follow_next_page_token_and_a_bad_token_is_refused(fake: FakeZoom):
    bearer = token(fake)
    path = "/report/meetings/last%3D%3D/participants"
    first = call(fake, "GET", f"{path}?page_size=2", bearer).json()
    assert (len(first["participants"]), first["page_count"], first["total_records"]) == (2, 3, 5)
    follow = f"{path}?page_size=2&next_page_token={first['next_page_token']}"
    assert len(call(fake, "GET", follow, bearer).json()["participants"]) == 2
    bad = call(fake, "GET", f"{path}?next_page_token=nope", bearer)
    assert (bad.status_code, bad.json()["code"]) == (400, 300)


def test_the_token_grant_in_the_query_string_is_refused(fake: FakeZoom):
    answer = requests.post(
        f"{fake.url}/oauth/token?grant_type=account_credentials&account_id={fake.account_id}",
        auth=(fake.client_id, fake.client_secret),
        timeout=5,
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "unsupported_grant_type"


def test_a_new_token_invalidates_the_app_s_older_one(fake: FakeZoom):
    older = token(fake)
    token(fake)
    answer = call(fake, "GET", f"/meetings/{MEETING_ID}", older)
    assert (answer.status_code, answer.json()) == (
        401,
        {"code": 124, "message": "Invalid access token."},
    )


def test_the_101st_update_of_the_day_is_refused_with_zoom_s_words(fake: FakeZoom):
    fake.meeting.updates = 100
    answer = call(fake, "PATCH", f"/meetings/{MEETING_ID}", token(fake), json={"agenda": "x"})
    assert answer.status_code == 429
    assert "You may resume these requests at GMT 00:00:00." in answer.json()["message"]
    assert "Retry-After" not in answer.headers  # as Zoom's users saw it
