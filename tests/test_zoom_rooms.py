"""(a) Breakout rooms: the rooms a session wants (pure), then the meeting's pre-assignment set
once with one PATCH (every room, no occurrence_id) and not again on a rerun."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import jsonschema
import pytest

from mixitup.export import Member
from mixitup.zoom.rooms import (
    Room,
    current_rooms,
    plan_rooms,
    rooms_body,
    same_rooms,
    sync_rooms,
    unreachable_text,
)
from tests.fake_zoom import OPERATIONS

if TYPE_CHECKING:
    from tests.conftest_zoom import Zoom


LABEL = "2027-01-13 Week 2"
MEMBERS = [
    Member(1, "Ana Lima", "Ana.Lima@school.example"),
    Member(1, "Ben Ode", "ben@school.example"),
    Member(1, "Cat Ng", ""),  # no email on the roster
    Member(2, "Dev Rao", "dev@school.example"),
    Member(2, "Eve Park", "eve@school.example"),
    Member(3, "Fay Wu", ""),  # a group nobody can be pre-assigned to still gets its room
]


def test_each_group_gets_a_room_named_with_its_number_holding_its_emails():
    plan = plan_rooms(LABEL, MEMBERS)
    assert plan.rooms == (
        Room("Group 1", ("ana.lima@school.example", "ben@school.example")),
        Room("Group 2", ("dev@school.example", "eve@school.example")),
        Room("Group 3", ()),
    )
    assert [m.name for m in plan.unreachable] == ["Cat Ng", "Fay Wu"]
    assert (plan.participants, plan.refusal) == (4, "")


def test_more_rooms_than_zoom_takes_are_refused_with_a_message():
    members = [Member(g, f"S{g}", f"s{g}@school.example") for g in range(1, 102)]
    plan = plan_rooms(LABEL, members)
    assert "has 101 groups and Zoom pre-assigns at most 100 breakout rooms" in plan.refusal


def test_more_people_than_zoom_takes_are_refused_with_a_message():
    members = [Member(1 + i % 50, f"S{i}", f"s{i}@school.example") for i in range(1001)]
    assert "1001 students with an email and Zoom pre-assigns at most 1000" in (
        plan_rooms(LABEL, members).refusal
    )


@pytest.mark.parametrize(
    ("meeting", "matches"),
    [
        ({"settings": {"breakout_room": {"enable": False}}}, False),  # pre-assignment off
        ({"settings": {}}, False),
        ({}, False),
        (json.loads(json.dumps(rooms_body(plan_rooms(LABEL, MEMBERS)))), True),
        # Zoom may give rooms and emails in another order or case: still the same rooms.
        (
            {
                "settings": {
                    "breakout_room": {
                        "enable": True,
                        "rooms": [
                            {"name": "Group 3", "participants": []},
                            {
                                "name": "Group 2",
                                "participants": ["EVE@school.example", "dev@school.example"],
                            },
                            {
                                "name": "Group 1",
                                "participants": ["ben@school.example", "ana.lima@school.example"],
                            },
                        ],
                    }
                }
            },
            True,
        ),
        # The same rooms but pre-assignment switched off: send them again.
        (
            {
                "settings": {
                    "breakout_room": {
                        **rooms_body(plan_rooms(LABEL, MEMBERS))["settings"]["breakout_room"],
                        "enable": False,
                    }
                }
            },
            False,
        ),
    ],
    ids=["off", "no breakout setting", "no settings", "same", "same, reordered", "disabled"],
)
def test_current_rooms_compare_with_the_wanted_ones(meeting, matches):
    assert same_rooms(current_rooms(meeting), plan_rooms(LABEL, MEMBERS).rooms) is matches


def test_rooms_are_set_once_and_not_again_on_a_rerun(zoom: Zoom):
    client = zoom.client()
    first = sync_rooms(client, LABEL, MEMBERS)
    again = sync_rooms(client, LABEL, MEMBERS)
    assert (first.status, again.status) == ("updated", "unchanged")
    assert [c.method for c in zoom.fake.calls if c.raw_path != "/oauth/token"] == [
        "GET",
        "PATCH",
        "GET",
    ]
    assert zoom.fake.rooms() == {
        "enable": True,
        "rooms": [
            {"name": "Group 1", "participants": ["ana.lima@school.example", "ben@school.example"]},
            {"name": "Group 2", "participants": ["dev@school.example", "eve@school.example"]},
            {"name": "Group 3", "participants": []},
        ],
    }
    assert unreachable_text(LABEL, first.unreachable) == (
        "2 students of 2027-01-13 Week 2 have no email on the roster, so Zoom cannot pre-assign "
        "them: Cat Ng (Group 1); Fay Wu (Group 3). Tell them their room number, or add their "
        "emails to the roster."
    )


def test_the_patch_carries_every_room_and_no_occurrence_id(zoom: Zoom):
    zoom.fake.meeting.occurrences = [
        {
            "occurrence_id": "1799874000000",
            "start_time": "2027-01-13T19:00:00Z",
            "duration": 60,
            "status": "available",
        },
        {
            "occurrence_id": "1801083600000",
            "start_time": "2027-01-27T19:00:00Z",
            "duration": 60,
            "status": "available",
        },
    ]
    sync_rooms(zoom.client(), LABEL, MEMBERS)
    (patch,) = zoom.fake.requests_to("meetingUpdate")
    body = json.loads(patch.body)
    assert patch.query == {}
    assert body == {
        "settings": {
            "breakout_room": {
                "enable": True,
                "rooms": [
                    {
                        "name": "Group 1",
                        "participants": ["ana.lima@school.example", "ben@school.example"],
                    },
                    {
                        "name": "Group 2",
                        "participants": ["dev@school.example", "eve@school.example"],
                    },
                    {"name": "Group 3", "participants": []},
                ],
            }
        }
    }
    jsonschema.Draft7Validator(OPERATIONS["meetingUpdate"]["requestBody"]).validate(body)


def test_a_late_joiner_replaces_the_rooms_with_one_more_patch(zoom: Zoom):
    client = zoom.client()
    sync_rooms(client, LABEL, MEMBERS)
    late = [*MEMBERS, Member(2, "Gus Tan", "gus@school.example")]
    assert sync_rooms(client, LABEL, late).status == "updated"
    assert len(zoom.fake.requests_to("meetingUpdate")) == 2
    group_2 = zoom.fake.rooms()["rooms"][1]
    assert group_2["participants"] == [
        "dev@school.example",
        "eve@school.example",
        "gus@school.example",
    ]


def test_the_next_session_replaces_the_last_sessions_rooms_whole(zoom: Zoom):
    client = zoom.client()
    sync_rooms(client, LABEL, MEMBERS)
    following = [
        Member(1, "Dev Rao", "dev@school.example"),
        Member(1, "Ana Lima", "ana.lima@school.example"),
    ]
    sync_rooms(client, "2027-01-27 Week 4", following)
    assert zoom.fake.rooms()["rooms"] == [
        {"name": "Group 1", "participants": ["ana.lima@school.example", "dev@school.example"]}
    ]


def test_a_meeting_in_progress_is_not_updated(zoom: Zoom):
    zoom.fake.meeting.status = "started"
    outcome = sync_rooms(zoom.client(), LABEL, MEMBERS)
    assert outcome.status == "in_progress"
    assert "is in progress" in outcome.message
    assert zoom.fake.requests_to("meetingUpdate") == []


def test_refused_rooms_send_nothing_to_zoom(zoom: Zoom):
    members = [Member(g, f"S{g}", f"s{g}@school.example") for g in range(1, 102)]
    outcome = sync_rooms(zoom.client(), LABEL, members)
    assert outcome.status == "refused"
    assert "students pick the room with their group number" in outcome.message
    assert zoom.fake.calls == []  # not even a token
