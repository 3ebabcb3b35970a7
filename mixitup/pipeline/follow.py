"""What follows a change to sessions still to come, once the record is written: the Zoom
meeting's breakout pre-assignment ([zoom]) and one message to each group ([slack], [email]).

Neither ever changes the groups or the record. A failure is said to staff (a warning, and
`Followed.problems` for the notice) and retried by the next `run`, which calls this for every
session still to come: it sends nothing and updates nothing when nothing changed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mixitup import layout, schedule
from mixitup.backends import Backend
from mixitup.config import Config
from mixitup.errors import BackendError, DataError
from mixitup.extras import need
from mixitup.history import History
from mixitup.latejoin import recorded_groups
from mixitup.models import Change, Session, Snapshot, Student, TabCells
from mixitup.pipeline.loop import Sheets, read_decide_write

if TYPE_CHECKING:
    import requests

    from mixitup.outbox import Channel, Delivery, Outgoing

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Followed:
    """What followed a change: one line on Zoom's rooms, the messages sent, what failed."""

    rooms: str = ""  # "" when [zoom] is off
    sent: int = 0  # group messages sent (Slack or email)
    problems: tuple[str, ...] = ()  # for staff: warnings already logged, and the notice


def follow(
    config: Config,
    sheets: Sheets,
    history: History,
    students: Sequence[Student],
    staff: Snapshot,
    sessions: Sequence[Session],
    now: dt.datetime,
    *,
    http: requests.Session | None = None,
    slack_url: str | None = None,
    resend: bool = False,
) -> Followed:
    """Bring Zoom's rooms in line with the next session still to come, and tell the groups of
    `sessions` (those not started by `now`) what changed for them.

    `history` is the record as written, `staff` the staff spreadsheet after the write (the
    ledger of messages sent is read there, and written there once, when something was sent).
    """
    problems: list[str] = []
    rooms = ""
    if config.zoom_app is not None:
        rooms, problem = _rooms(config, history, students, now, http)
        problems += [problem] if problem else []
    sent = 0
    if config.slack is not None or config.email is not None:
        to_come = [
            s for s in dict.fromkeys(sessions) if not schedule.started(config.calendar, s, now)
        ]
        sent, failed = _tell(
            config, sheets, history, students, staff, to_come, now, slack_url, resend
        )
        problems += failed
    for problem in problems:
        log.warning("%s", problem)
    return Followed(rooms, sent, tuple(problems))


def next_session(config: Config, history: History, now: dt.datetime) -> Session | None:
    """The first published session that has not started by `now`."""
    upcoming = schedule.open_sessions(config.calendar, history.sessions(), now)
    return upcoming[0] if upcoming else None


def _rooms(
    config: Config,
    history: History,
    students: Sequence[Student],
    now: dt.datetime,
    http: requests.Session | None,
) -> tuple[str, str]:
    """(a line for staff, a problem or "") after making the meeting's pre-assignment the next
    session's groups; Zoom keeps one pre-assignment per meeting, for all its occurrences."""
    from mixitup.errors import ZoomError
    from mixitup.export import zoom_members
    from mixitup.zoom.client import open_client
    from mixitup.zoom.rooms import sync_rooms, unreachable_text

    session = next_session(config, history, now)
    if session is None:
        return "Zoom: no session still to come, so the meeting's rooms were left as they are.", ""
    label = layout.label(session)
    members = zoom_members(recorded_groups(history.session(label), students))
    try:
        outcome = sync_rooms(open_client(config, http), label, members)
    except ZoomError as error:
        return "", (
            f"Zoom's breakout rooms were not set for {label}: {error} The groups are "
            "published; the next `mixitup run` tries again (or upload `mixitup export zoom`)."
        )
    log.info("%s", outcome.message)
    if outcome.unreachable:
        log.warning("%s", unreachable_text(label, outcome.unreachable))
    problem = outcome.message if outcome.status == "refused" else ""
    return outcome.message, problem


def _tell(
    config: Config,
    sheets: Sheets,
    history: History,
    students: Sequence[Student],
    staff: Snapshot,
    sessions: Sequence[Session],
    now: dt.datetime,
    slack_url: str | None,
    resend: bool,
) -> tuple[int, list[str]]:
    """(messages sent, problems) after telling each group of `sessions` what is new for it,
    on every channel set up, and recording what was sent in the staff spreadsheet."""
    from mixitup import outbox
    from mixitup.messages import session_details
    from mixitup.prompts import prompts_for

    ledger = outbox.read_ledger(staff.rows(outbox.LEDGER_TITLE))
    channels = _channels(config)
    done: list[Delivery] = []
    for session in sessions:
        label = layout.label(session)
        groups = outbox.session_groups(history.session(label), students)
        todo = outbox.plan_messages(label, groups, ledger, channels, resend=resend)
        if not todo:
            continue
        title = prompts_for(config, session.week).title
        done += _send(config, todo, session_details(config, session, title), now, slack_url)
    rows = outbox.ledger_rows(done, now, ledger)
    problems = list(outbox.summary(done))
    if rows:
        try:
            _record_sent(sheets, rows, hidden=config.students is None)
        except (BackendError, DataError) as error:
            problems.append(
                f"The messages were sent, but what was sent could not be recorded in the "
                f'"{outbox.LEDGER_TITLE}" tab: {error} The next run may send them again.'
            )
    return sum(d.sent for d in done), problems


def _channels(config: Config) -> list[Channel]:
    """The ways groups are told, as set up: Slack, email, or both."""
    found: list[Channel] = []
    if config.slack is not None:
        found.append("slack")
    if config.email is not None:
        found.append("email")
    return found


def _send(
    config: Config,
    todo: Sequence[Outgoing],
    details: object,
    now: dt.datetime,
    slack_url: str | None,
) -> list[Delivery]:
    from mixitup import mail, slack
    from mixitup.messages import Details

    assert isinstance(details, Details)  # noqa: S101 - built just above
    done: list[Delivery] = []
    if config.slack is not None:
        for_slack = [o for o in todo if o.channel == "slack"]
        if for_slack:
            need("slack")
            client = slack.make_client(config.slack, base_url=slack_url)
            done += slack.send(
                client, for_slack, details, remind_minutes=config.slack.remind_minutes, now=now
            )
    if config.email is not None:
        for_email = [o for o in todo if o.channel == "email"]
        if for_email:
            done += mail.send(config.email, for_email, details)
    return done


def _record_sent(sheets: Sheets, rows: Sequence[Sequence[str]], *, hidden: bool) -> None:
    """Append `rows` to the staff spreadsheet's ledger in one write: the tab made the first
    time, then its new rows' cells set below the last row read, every other cell kept. Another
    run appending meanwhile makes this write fail whole (a conflict: read again and append
    below theirs), so no row of either is lost."""
    from dataclasses import replace

    from mixitup import outbox

    def decide(snapshot: Snapshot) -> tuple[None, Change]:
        title = snapshot.title(outbox.LEDGER_TITLE)
        current = snapshot.tabs[title] if title is not None else None
        tab = outbox.ledger_tab(current, rows)
        if title is None or current is None:
            return None, Change(tabs=(replace(tab, hidden=hidden),))
        width = len(current[0]) if current else 0
        cells = [(1, c + 1, text) for c, text in enumerate(tab.rows[0]) if c >= width]
        cells += [
            (r + 1, c + 1, text)
            for r, row in enumerate(tab.rows)
            if r >= len(current)
            for c, text in enumerate(row)
            if text
        ]
        return None, Change(cells=(TabCells(title, tuple(cells)),))

    read_decide_write(sheets.staff, decide)


@dataclass(frozen=True)
class Told:
    """What `message` did: the messages sent (or, for a dry run, the text they would have)."""

    session: Session
    sent: int
    problems: tuple[str, ...]
    preview: str = ""  # a dry run's messages, as they would go out


def message(
    config: Config,
    backend: Backend,
    session: Session,
    *,
    resend: bool = False,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    students_backend: Backend | None = None,
    slack_url: str | None = None,
) -> Told:
    """Tell the groups of a published session what is new for them (everything, with
    `resend`), on every channel set up, and record it; or, with `dry_run`, only show it.

    Raises ConfigError when no channel is set up, DataError when the session is not published.
    """
    from mixitup import outbox
    from mixitup.errors import ConfigError
    from mixitup.messages import session_details
    from mixitup.pipeline.loop import read
    from mixitup.prompts import prompts_for

    if config.slack is None and config.email is None:
        raise ConfigError(
            "No way to tell the groups is set up: add [slack] (a bot token) or [email] (an SMTP "
            "server) to mixitup.toml (docs/messages.md)."
        )
    now = now or config.calendar.now()
    sheets = Sheets(backend, students_backend)
    record = read(config, sheets)
    label = layout.label(session)
    if label not in record.history.sessions():
        raise DataError(
            f"{label} is not published in {backend.location}. Check --date and --week "
            "(`mixitup status` lists the sessions)."
        )
    history = record.history.matched_to(record.roster)
    students = record.roster.students
    if dry_run:
        channels = _channels(config)
        ledger = outbox.read_ledger(record.staff.rows(outbox.LEDGER_TITLE))
        groups = outbox.session_groups(history.session(label), students)
        todo = outbox.plan_messages(label, groups, ledger, channels, resend=resend)
        title = prompts_for(config, session.week).title
        details = session_details(config, session, title)
        return Told(session, 0, (), outbox.preview(todo, details) if todo else "")
    sent, problems = _tell(
        config, sheets, history, students, record.staff, (session,), now, slack_url, resend
    )
    for problem in problems:
        log.warning("%s", problem)
    return Told(session, sent, tuple(problems))
