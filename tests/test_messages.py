"""What a group is told: session, time where the school is, room, lead, members, links; the
follow-up names who joined or moved; Slack's control characters are escaped."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from mixitup.config import Calendar, Config, Students
from mixitup.messages import (
    Member,
    Moved,
    Update,
    escape,
    group_text,
    reminder_text,
    session_details,
)
from tests.message_data import JOIN, SESSION, SHEET, START_UTC, details, members

FIRST_PLAIN = f"""\
Mix It Up: Interview prep
Wednesday 17 March 2027, 12:00 MDT (America/Denver)

You are group 4: go to breakout room 4 in the Mod 4 SLC Zoom account.
Join: {JOIN}
Lead: Student 4-1 opens the room and keeps time.

Group 4:
- Student 4-1 (lead)
- Student 4-2
- Student 4-3

Prompts and agenda: the tab "2027-03-17 Week 4 Prompts" of the students' spreadsheet:
{SHEET}

Questions? Ask Career Development.
"""


def test_an_email_says_when_where_who_leads_and_who_is_in_the_group() -> None:
    text = group_text(details(), 4, members(4, 3))
    assert text.subject == "Mix It Up on Wednesday 17 March: you are group 4"
    assert text.body == FIRST_PLAIN


def test_the_lead_comes_first_whatever_order_the_group_was_given_in() -> None:
    lead, *others = members(2, 3)
    body = group_text(details(), 2, [*others, lead]).body
    assert body.index("- Student 2-1 (lead)") < body.index("- Student 2-2")


def test_a_group_without_a_lead_and_a_session_without_a_link_say_neither() -> None:
    plain = tuple(dataclasses.replace(m, lead=False) for m in members(1, 3))
    body = group_text(details(join_url=""), 1, plain).body
    assert "Lead:" not in body
    assert "Join:" not in body
    assert "(lead)" not in body


def test_slack_gets_mrkdwn_with_names_and_links_escaped() -> None:
    odd = Member("x@school.example", "Ana & <b>Bo</b>", "x@school.example")
    body = group_text(details(), 3, (*members(3, 2), odd), style="slack").body
    assert "• Ana &amp; &lt;b&gt;Bo&lt;/b&gt;" in body
    assert "<b>" not in body
    assert "*group 3*" in body
    assert "Join: <https://zoom.us/j/81234567890?pwd=a&amp;b>" in body
    assert f"<{SHEET}|the students’ spreadsheet>" in body


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("Tom & Jerry", "Tom &amp; Jerry"),
        ("<@U123> <!channel>", "&lt;@U123&gt; &lt;!channel&gt;"),  # no mention, no @channel
        ("&amp;", "&amp;amp;"),  # an entity typed by a person stays as typed
        ("Zoë *bold*", "Zoë *bold*"),  # only Slack's three control characters change
    ],
)
def test_escaping_replaces_exactly_slacks_three_control_characters(text: str, escaped: str) -> None:
    assert escape(text) == escaped


def test_a_follow_up_opens_with_who_joined_who_moved_and_the_new_lead() -> None:
    group = members(4, 3)
    joiner = Member("late@x", "Late Joiner", "late@x")
    update = Update((joiner,), (Moved("Sam Roe", 2), Moved("Ida Lee", None)), "Student 4-1")
    text = group_text(details(), 4, (*group, joiner), update)
    assert text.subject == "Mix It Up on Wednesday 17 March: group 4 has changed"
    assert text.body.startswith(
        "Group 4 has changed.\n"
        "Late Joiner joined the group.\n"
        "Sam Roe moved to group 2.\n"
        "Ida Lee is no longer in the group.\n"
        "Student 4-1 now leads the group.\n"
        "\n"
        "Mix It Up: Interview prep\n"
    )
    assert "- Late Joiner\n" in text.body


def test_the_reminder_gives_the_start_the_room_and_the_link() -> None:
    assert reminder_text(details(), 5, 15) == (
        "Reminder: Mix It Up: Interview prep starts in 15 minutes (12:00 MDT). Group 5: breakout "
        "room 5 in the Mod 4 SLC Zoom account. Join: <https://zoom.us/j/81234567890?pwd=a&amp;b>"
    )


def test_details_place_the_start_in_the_schools_time_zone_across_summer_time() -> None:
    config = Config(
        backend="google",
        sheet_id="1StAfF",
        calendar=Calendar(start=dt.time(12, 0), timezone="America/Denver"),
        students=Students(sheet_id="1StUdEnTsShEeT"),
        meeting_url=JOIN,
        team="Careers",
    )
    found = session_details(config, SESSION, "Mix It Up: Interview prep")
    assert found.start.astimezone(dt.UTC) == START_UTC  # MDT since 14 March: UTC-6
    winter = session_details(config, dataclasses.replace(SESSION, date=dt.date(2027, 3, 10)), "")
    assert winter.start.astimezone(dt.UTC).hour == 19  # still MST the week before: UTC-7
    assert (found.where, found.join_url, found.team, found.zone) == (
        SHEET,
        JOIN,
        "Careers",
        "America/Denver",
    )


@pytest.mark.parametrize(
    ("config", "where"),
    [
        # one shared Google Sheet: its address
        (Config(backend="google", sheet_id="1OnE"), "https://docs.google.com/spreadsheets/d/1OnE"),
        # a local workbook for students: its path, which staff share their own way
        (Config(students=Students(workbook=Path("/srv/students.xlsx"))), "/srv/students.xlsx"),
        (Config(workbook=Path("/srv/mixitup.xlsx")), "/srv/mixitup.xlsx"),
    ],
)
def test_details_point_at_the_spreadsheet_students_open(config: Config, where: str) -> None:
    assert session_details(config, SESSION, "t").where == where


def test_a_workbook_path_is_shown_as_text_in_slack_not_as_a_link() -> None:
    local = dataclasses.replace(details(), where="/srv/students & co.xlsx")
    body = group_text(local, 1, members(1, 2), style="slack").body
    assert (
        'Prompts and agenda: the tab "2027-03-17 Week 4 Prompts" of /srv/students &amp; co.xlsx.'
        in body
    )
