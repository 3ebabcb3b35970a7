"""Shared test data for messages: one session's Details and groups of members."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from mixitup.config import Calendar
from mixitup.messages import Details, Member
from mixitup.models import Session

ZONE = "America/Denver"
# Summer time starts on 14 March 2027 in Denver: noon on the 17th is 18:00 UTC, not 19:00.
SESSION = Session(dt.date(2027, 3, 17), 4)
LABEL = "2027-03-17 Week 4"
START_UTC = dt.datetime(2027, 3, 17, 18, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2027, 3, 15, 9, 0, tzinfo=dt.UTC)  # two days before: when `run` publishes
SHEET = "https://docs.google.com/spreadsheets/d/1StUdEnTsShEeT"
JOIN = "https://zoom.us/j/81234567890?pwd=a&b"


def details(join_url: str = JOIN) -> Details:
    calendar = Calendar(start=dt.time(12, 0), timezone=ZONE)
    return Details(
        session=SESSION,
        title="Mix It Up: Interview prep",
        start=calendar.at(SESSION.date, calendar.start),
        zone=ZONE,
        zoom="Mod 4 SLC Zoom account",
        join_url=join_url,
        where=SHEET,
        team="Career Development",
    )


def members(group: int, count: int, *, emails: bool = True) -> tuple[Member, ...]:
    """`count` members of `group`, the first one its lead, with emails student<g><i>@..."""
    return tuple(
        Member(
            key=f"s{group}-{i}@school.example",
            name=f"Student {group}-{i}",
            email=f"s{group}-{i}@school.example" if emails else "",
            lead=i == 1,
        )
        for i in range(1, count + 1)
    )


def denver(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(ZONE))
