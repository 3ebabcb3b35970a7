"""The calendar: when each session happens, when `run` publishes it, and what is due `today`.

Pure: every function takes `today` (or `now`) and the set of published session labels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from mixitup import layout
from mixitup.config import Calendar
from mixitup.errors import ConfigError
from mixitup.layout import parse_label
from mixitup.models import Session

State = Literal["published", "skipped", "past", "due", "upcoming"]
"""published: tabs are in the spreadsheet; due: `run` publishes it now; upcoming: later."""


@dataclass(frozen=True)
class Slot:
    """One session on the calendar, the module it belongs to, and the day `run` publishes it."""

    session: Session
    module_start: dt.date
    publish_on: dt.date
    skipped: bool

    def state(self, today: dt.date, published: Collection[str]) -> State:
        """Where this session stands on `today`; a published session stays published."""
        if layout.label(self.session) in published:
            return "published"
        if self.skipped:
            return "skipped"
        if self.session.date < today:
            return "past"
        return "due" if self.publish_on <= today else "upcoming"


def session_date(module_start: dt.date, week: int, weekday: int) -> dt.date:
    """The `weekday` (Monday 0) of module week `week`; week 1 is the week holding `module_start`.

    A module that starts on a Tuesday after a holiday Monday still counts that week as week 1.
    """
    monday = module_start - dt.timedelta(days=module_start.weekday())
    return monday + dt.timedelta(weeks=week - 1, days=weekday)


def slots(calendar: Calendar) -> tuple[Slot, ...]:
    """Every session of every module in date order, skip dates included and marked.

    Raises ConfigError for a calendar that could never publish as meant.
    """
    _check(calendar)
    found: dict[Session, Slot] = {}
    skip = set(calendar.skip)
    for start in calendar.module_starts:
        for week in calendar.session_weeks:
            date = session_date(start, week, calendar.weekday)
            session = Session(date, week)
            publish_on = date - dt.timedelta(days=calendar.publish_days_ahead)
            # Two module starts listed twice give the same session; it is one meeting.
            found.setdefault(session, Slot(session, start, publish_on, date in skip))
    return tuple(sorted(found.values(), key=lambda slot: slot.session))


def notes(calendar: Calendar) -> tuple[str, ...]:
    """What staff should double-check: module starts that are not Mondays, unused skip dates."""
    found = [
        f"module start {start} is a {start:%A}; its week 1 counts from Monday "
        f"{start - dt.timedelta(days=start.weekday())}."
        for start in calendar.module_starts
        if start.weekday() != 0
    ]
    dates = {s.session.date for s in slots(calendar)}
    found += [
        f"skip date {day} is not a session date, so it skips nothing."
        for day in calendar.skip
        if day not in dates
    ]
    return tuple(found)


def due(calendar: Calendar, today: dt.date, published: Collection[str]) -> tuple[Session, ...]:
    """Sessions `run` publishes on `today`, oldest first.

    That is: publish day come, date not passed, not skipped, not published yet.
    """
    return tuple(s.session for s in slots(calendar) if s.state(today, published) == "due")


def next_slot(calendar: Calendar, today: dt.date) -> Slot | None:
    """The first session on or after `today` that takes place, or None when the calendar ends."""
    return next(
        (s for s in slots(calendar) if s.session.date >= today and not s.skipped),
        None,
    )


def open_sessions(
    calendar: Calendar, published: Collection[str], now: dt.datetime
) -> tuple[Session, ...]:
    """Published sessions that have not started by `now`: late joiners can still be added."""
    sessions = (parse_label(label) for label in published)
    return tuple(
        sorted(s for s in sessions if s is not None and calendar.at(s.date, calendar.start) > now)
    )


def session_on(
    calendar: Calendar, date: dt.date, week: int | None, *, off_calendar: bool = False
) -> Session:
    """The session a command names with `--date` (and `--week`): with a calendar, the calendar
    decides the week; without one, or for a session `off_calendar` (deliberately extra), the
    week must be given.

    Raises ConfigError for a date that is no session of the calendar (naming the nearest ones)
    or a week that disagrees with it.
    """
    if off_calendar or not calendar.module_starts:
        if week is None:
            why = (
                "an extra session (--off-calendar) has no calendar to take its week from"
                if off_calendar
                else "without [calendar] module_starts in mixitup.toml, the week cannot be "
                "looked up"
            )
            raise ConfigError(f"Give --week (2 or 4): {why}.")
        return Session(date, week)
    on_date = [s for s in slots(calendar) if s.session.date == date and not s.skipped]
    if not on_date:
        raise ConfigError(
            f"{date} ({date:%A}) is not a session date of the calendar{_skipped(calendar, date)}. "
            f"The nearest sessions: {_nearest(calendar, date)}. Check --date; for a deliberately "
            "extra session add --off-calendar (and --week)."
        )
    matching = [s.session for s in on_date if week is None or s.session.week == week]
    if not matching:
        said = " or ".join(f"Week {s.session.week}" for s in on_date)
        raise ConfigError(
            f"The calendar says {date} is {said}, not Week {week}: the prompts would be the "
            f"wrong week's. Leave --week out (the calendar decides), or add --off-calendar for "
            "a deliberately different session."
        )
    return matching[0]


def _skipped(calendar: Calendar, date: dt.date) -> str:
    return " (it is a [calendar] skip date)" if date in calendar.skip else ""


def _nearest(calendar: Calendar, date: dt.date) -> str:
    taking_place = [s.session for s in slots(calendar) if not s.skipped]
    nearest = sorted(taking_place, key=lambda s: (abs((s.date - date).days), s.date))[:2]
    return (
        ", ".join(f"{s.date:%a} {s.date} (Week {s.week})" for s in sorted(nearest))
        or "none (the calendar has no sessions)"
    )


def started(calendar: Calendar, session: Session, now: dt.datetime) -> bool:
    """Whether `session` has started by `now` ([calendar] start, in its time zone)."""
    return calendar.at(session.date, calendar.start) <= now


def _check(calendar: Calendar) -> None:
    wrong = [w for w in calendar.session_weeks if w < 1]
    if wrong:
        raise ConfigError(
            f"[calendar] session_weeks must be module weeks 1 or more, not {wrong}. "
            "Write them like [2, 4]."
        )
    if calendar.publish_days_ahead < 0:
        raise ConfigError(
            f"[calendar] publish_days_ahead must be 0 or more, not "
            f"{calendar.publish_days_ahead}: `run` publishes a session that many days before it."
        )
