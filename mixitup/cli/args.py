"""What every command's arguments share: their types, the session options, and the step from
arguments to the Config, the session and the backends."""

from __future__ import annotations

import argparse
import datetime as dt

from mixitup.config import Config, load_config
from mixitup.models import Session


def date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2027-01-13") from None


def moment(text: str) -> dt.date | dt.datetime:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date like 2027-01-13 or a time like 2027-01-13T11:30"
        ) from None


def add_session(command: argparse.ArgumentParser, *, past: str = "") -> None:
    """--date, --week (the calendar decides when it can) and --off-calendar; and --force-past,
    saying what it allows, when `past` says."""
    command.add_argument("--date", required=True, type=date, help="session date, YYYY-MM-DD")
    command.add_argument(
        "--week",
        type=int,
        default=None,
        help="module week (2 or 4); with [calendar] set, the calendar decides and --week, if "
        "given, must agree",
    )
    command.add_argument(
        "--off-calendar",
        action="store_true",
        help="the session is deliberately not on the calendar (an extra one); --week needed",
    )
    if past:
        command.add_argument("--force-past", action="store_true", help=past)


def add_today(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--today",
        metavar="DATE",
        type=moment,
        default=None,
        help="act as if it were DATE, YYYY-MM-DD, at its start, or YYYY-MM-DDTHH:MM "
        "(default: now, in [calendar] timezone)",
    )


def now_of(args: argparse.Namespace, config: Config) -> dt.datetime | None:
    """The moment --today names, in [calendar] timezone (a bare date: its start); None when
    --today is not given (the clock decides)."""
    today = args.today
    if today is None:
        return None
    if isinstance(today, dt.datetime):
        return today if today.tzinfo else config.calendar.at(today.date(), today.time())
    return config.calendar.at(today, dt.time())


def config_of(args: argparse.Namespace, *, secrets: bool = True) -> Config:
    return load_config(
        getattr(args, "config", None),
        getattr(args, "workbook", None),
        students_workbook=getattr(args, "students_workbook", None),
        secrets=secrets,
    )


def session_of(args: argparse.Namespace, config: Config) -> Session:
    """The session --date and --week name, as the calendar has it (see schedule.session_on)."""
    from mixitup.schedule import session_on

    return session_on(config.calendar, args.date, args.week, off_calendar=args.off_calendar)
