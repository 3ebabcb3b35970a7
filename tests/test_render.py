"""The tabs students read on a phone: the groups tab group by group, the prompts tab's when."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from mixitup.backends.google.tabs import pixels
from mixitup.models import Session, Student
from mixitup.prompts import Meeting, load_prompts
from mixitup.render import BANDS, HEADER_FILL, PROMPTS_WIDTH, groups_tab, prompts_tab
from mixitup.students import how_to_tab

SESSION = Session(dt.date(2027, 1, 13), 2)
DENVER = ZoneInfo("America/Denver")
# The phone's 360 px less the row numbers Google Sheets draws at the left (about 40 px).
PHONE_PIXELS = 320


def student(name: str, module: int = 1, program: str = "BE") -> Student:
    return Student(name.casefold(), name, program, module, f"c{module}")


# Listed out of order on purpose: the tab orders them.
GROUPS = (
    (student("Zoë Young"), student("ada kim"), student("Bo Li", 4)),
    (student("Cy Ng"), student("Abe Oduya", 3), student("Dee Park")),
    (student("Eve Ross", 4), student("Al Stone")),
)
LEADS = frozenset({"bo li", "abe oduya", "eve ross"})


def test_rows_go_group_by_group_the_lead_first_then_by_name_with_the_group_on_every_row():
    tab = groups_tab(SESSION, GROUPS, LEADS)

    assert tab.rows == (
        ("Group", "Name", "Program", "Module", "Role"),
        (1, "Bo Li", "BE", "Mod 4", "Lead"),
        (1, "ada kim", "BE", "Mod 1", ""),
        (1, "Zoë Young", "BE", "Mod 1", ""),
        (2, "Abe Oduya", "BE", "Mod 3", "Lead"),
        (2, "Cy Ng", "BE", "Mod 1", ""),
        (2, "Dee Park", "BE", "Mod 1", ""),
        (3, "Eve Ross", "BE", "Mod 4", "Lead"),
        (3, "Al Stone", "BE", "Mod 1", ""),
    )
    assert tab.bold_rows == {0, 1, 4, 7}  # the header and each lead


def test_groups_alternate_between_two_fills_and_each_starts_under_a_rule():
    tab = groups_tab(SESSION, GROUPS, LEADS)

    assert tab.fills[0] == HEADER_FILL
    assert [tab.fills[r] for r in range(1, 9)] == [BANDS[0]] * 3 + [BANDS[1]] * 3 + [BANDS[0]] * 2
    assert len(set(BANDS)) == 2
    assert tab.rules == {1, 4, 7}  # each group's first row


def test_groups_either_side_of_an_empty_group_still_differ():
    tab = groups_tab(SESSION, ((student("Al"),), (), (student("Bo"),)))

    assert [r[0] for r in tab.rows[1:]] == [1, 3]
    assert tab.fills[1] != tab.fills[2]
    assert tab.rules == {1, 2}


def test_the_groups_tab_fits_a_phone_lets_long_names_wrap_and_can_be_filtered():
    long_names = ((student("Maximiliana Featherstonehaugh-Smythe"), student("Al")),)
    tab = groups_tab(SESSION, long_names)

    assert sum(pixels(w) for w in tab.widths) <= PHONE_PIXELS
    assert all(w >= len(h) for w, h in zip(tab.widths, tab.rows[0], strict=True))
    assert tab.wrap
    assert tab.frozen_rows == 1
    assert tab.autofilter


def test_the_name_column_is_narrower_when_every_name_is_short():
    short = groups_tab(SESSION, ((student("Al"), student("Bo")),))
    usual = groups_tab(SESSION, GROUPS, LEADS)

    assert short.widths[1] < usual.widths[1]
    assert short.widths[1] >= len("Name")


def meeting(url: str = "https://zoom.example/j/1", zone: str = "America/Denver") -> Meeting:
    start = dt.datetime(2027, 1, 13, 12, 0, tzinfo=ZoneInfo(zone))
    return Meeting(start, zone, url)


SUMMER = Session(dt.date(2027, 7, 14), 2)


@pytest.mark.parametrize(
    ("session", "given", "when"),
    [
        # Date, start with the zone's abbreviation and name, and the link.
        (
            SESSION,
            meeting(),
            [
                "Wednesday 13 January 2027",
                "Starts 12:00 MST (America/Denver)",
                "Join: https://zoom.example/j/1",
            ],
        ),
        # Summer time: the abbreviation the date has.
        (
            SUMMER,
            Meeting(dt.datetime(2027, 7, 14, 12, 0, tzinfo=DENVER), "America/Denver"),
            ["Wednesday 14 July 2027", "Starts 12:00 MDT (America/Denver)"],
        ),
        # No link given: no Join line.
        (
            SESSION,
            meeting(url=""),
            ["Wednesday 13 January 2027", "Starts 12:00 MST (America/Denver)"],
        ),
        # A zone whose abbreviation is its name is not said twice.
        (
            SESSION,
            meeting(zone="UTC"),
            ["Wednesday 13 January 2027", "Starts 12:00 UTC", "Join: https://zoom.example/j/1"],
        ),
        # Without a meeting (a caller that has none): the date alone.
        (SESSION, None, ["Wednesday 13 January 2027"]),
    ],
)
def test_the_prompts_tab_opens_with_title_date_start_and_join_link(session, given, when):
    tab = prompts_tab(session, load_prompts(2, "Mod 4 SLC Zoom account"), given)

    texts = [str(r[0]) for r in tab.rows]
    assert texts[: 2 + len(when)] == ["Mix It Up: Networking", *when, ""]
    assert set(tab.fills) == set(range(1 + len(when)))  # title and when: one block
    for heading in ("How to meet", "Norms", "Prompts", "Agenda (one hour)"):
        assert heading in texts


def test_the_prompts_tab_is_one_wrapped_column_as_wide_as_a_phone():
    tab = prompts_tab(SESSION, load_prompts(4, "Zoom"), meeting())

    assert {len(r) for r in tab.rows} == {1}
    assert tab.widths == (PROMPTS_WIDTH,)
    assert 40 <= PROMPTS_WIDTH <= 45
    assert pixels(PROMPTS_WIDTH) <= PHONE_PIXELS
    assert tab.wrap


def test_the_packaged_prompts_no_longer_say_the_groups_tab_is_sorted_by_name():
    texts = " ".join(load_prompts(2, "Zoom").how_to_meet)

    assert "sorted by name" not in texts
    assert "usual time" not in texts
    assert "group by group" in texts


def test_the_how_to_tab_names_the_team_and_says_how_to_find_ones_name():
    tab = how_to_tab("the Careers Team")

    texts = " ".join(str(r[0]) for r in tab.rows)
    assert "Tell the Careers Team before the session." in texts
    assert "Career Development" not in texts
    assert "Ctrl+F" in texts
    assert "Find and replace" in texts
    assert "filter on Name" in texts
    assert "Filter views" in texts
    assert "group by group" in texts
    assert tab.widths == (PROMPTS_WIDTH,)
    assert "Career Development" in " ".join(str(r[0]) for r in how_to_tab().rows)


@pytest.mark.parametrize(
    ("week", "title"),
    [(3, "Mix It Up: Networking"), (6, "Mix It Up: Interview Prep")],
)
def test_the_packaged_prompts_serve_any_session_weeks_interview_prep_in_the_last(week, title):
    prompts = load_prompts(week, "Zoom", top=5, session_weeks=(3, 6), minutes=90)
    assert prompts.title == title
    texts = " ".join((*prompts.prompts, *prompts.agenda))
    assert "{top}" not in texts
    if week == 6:
        assert "Mod 5 students: share what your mock interviews taught you" in texts
        assert "Mod 4" not in texts


@pytest.mark.parametrize(
    ("minutes", "heading"),
    [(60, "Agenda (one hour)"), (90, "Agenda (90 minutes)"), (120, "Agenda (two hours)")],
)
def test_the_agenda_heading_says_how_long_the_session_lasts(minutes, heading):
    tab = prompts_tab(SESSION, load_prompts(4, "Zoom", minutes=minutes), meeting())
    assert heading in [str(r[0]) for r in tab.rows]
