"""The week's prompts: the packaged defaults or the staff's template, every mistake in the
template named; and when and where a session meets, as its prompts tab states it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from mixitup.config import Calendar, Config
from mixitup.errors import ConfigError
from mixitup.models import Session
from mixitup.prompts import DEFAULT_LEADS, Meeting, load_prompts, meeting_of

TEMPLATE = """
how_to_meet = ["Meet in {zoom}."]
norms = ["Be kind."]

[week.2]
title = "Week two"
prompts = ["Who are you?"]
agenda = ["0:00 Hello"]
"""


@pytest.mark.parametrize("week", [2, 4])
def test_the_packaged_prompts_cover_both_weeks_and_name_the_zoom_account(week):
    prompts = load_prompts(week, "the Careers Zoom")
    assert prompts.title.startswith("Mix It Up")
    assert prompts.prompts
    assert prompts.agenda
    assert prompts.norms
    assert prompts.leads
    assert any("the Careers Zoom" in line for line in prompts.how_to_meet)
    assert not any("{zoom}" in line for line in prompts.how_to_meet)


def test_a_staff_template_replaces_the_defaults_and_an_old_one_gets_the_note_for_leads(tmp_path):
    template = tmp_path / "prompts.toml"
    template.write_text(TEMPLATE, encoding="utf-8")
    prompts = load_prompts(2, "Room 9", template)
    assert (prompts.title, prompts.how_to_meet, prompts.norms) == (
        "Week two",
        ("Meet in Room 9.",),
        ("Be kind.",),
    )
    assert (prompts.prompts, prompts.agenda) == (("Who are you?",), ("0:00 Hello",))
    assert prompts.leads == DEFAULT_LEADS  # written before the note for leads existed


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (TEMPLATE.replace("[week.2]", "[week.3]"), "has no prompts for week 2 (weeks it has: 3)"),
        (TEMPLATE.replace('["Be kind."]', '"Be kind."'), "norms must be a list of texts"),
        (TEMPLATE.replace('title = "Week two"', "title = 2"), "[week.2] title must be text"),
        ("week = 2\n" + TEMPLATE.split("[week.2]")[0], "weeks must be sections like [week.2]"),
        ("norms = [\n", "is not valid TOML"),
    ],
)
def test_a_template_mistake_is_named_with_the_file(tmp_path, text, says):
    template = tmp_path / "prompts.toml"
    template.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_prompts(2, "Room 9", template)
    assert says in str(raised.value)
    assert str(template) in str(raised.value)


def test_a_missing_template_says_which_setting_names_it(tmp_path):
    says = r"Cannot read the prompts template .*\[prompts\] template"
    with pytest.raises(ConfigError, match=says):
        load_prompts(2, "Room 9", tmp_path / "nowhere.toml")


def test_a_session_meets_at_the_calendar_start_in_the_schools_zone_with_its_link():
    calendar = Calendar(start=dt.time(12, 30), timezone="America/Denver")
    config = Config(calendar=calendar, meeting_url="https://zoom.us/j/1")
    meeting = meeting_of(config, Session(dt.date(2027, 1, 13), 2))
    assert meeting == Meeting(
        dt.datetime(2027, 1, 13, 12, 30, tzinfo=ZoneInfo("America/Denver")),
        "America/Denver",
        "https://zoom.us/j/1",
    )
    assert meeting.start.utcoffset() == dt.timedelta(hours=-7)
