"""Around the meeting: attendance afterwards, and the day-of rebalance minutes before the rooms
open. Each changes one session's entries in the record: the History cells they own (Attended;
Group and Role) set in place, and the session's groups tab written from the record."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from mixitup import layout
from mixitup.attendance import (
    Directory,
    Stranger,
    check_dates,
    import_reports,
    match_report,
    resolve,
)
from mixitup.backends import Backend
from mixitup.config import Config
from mixitup.errors import ConfigError, DataError, RosterError
from mixitup.history import History
from mixitup.latejoin import recorded_groups, recorded_leads
from mixitup.layout import ABSENT, ATTENDED, LEAD
from mixitup.leads import Led
from mixitup.models import Entry, Session, Student
from mixitup.pipeline.follow import Followed, follow
from mixitup.pipeline.loop import Committed, Decision, Record, Sheets, commit, write
from mixitup.pipeline.publish import leading
from mixitup.rebalance import Move
from mixitup.rebalance import rebalance as rebalance_groups
from mixitup.roster import read_roster
from mixitup.schedule import started
from mixitup.zoom_report import ZoomReport

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AttendanceOutcome:
    """What `attendance` recorded for one session."""

    session: Session
    attended: tuple[str, ...]  # names, as the session's groups show them
    absent: tuple[str, ...]
    unrecorded: tuple[str, ...]  # students with no attendance recorded yet
    changed: int  # students whose record changed: Attended, or minutes from a Zoom report
    strangers: tuple[Stranger, ...]  # report rows that matched no grouped student


def attendance(
    config: Config,
    backend: Backend,
    session: Session,
    *,
    reports: Sequence[ZoomReport] = (),
    absent: Sequence[str] = (),
    present: Sequence[str] = (),
    any_date: bool = False,
    now: dt.datetime | None = None,
    students_backend: Backend | None = None,
) -> AttendanceOutcome:
    """Record in the History who attended `session`, in one write; nothing when nothing changes.

    With Zoom `reports` (one per meeting instance; each counts once, however often imported),
    a student's minutes add up over all their joins and they are marked `yes` (at least
    [attendance] min_minutes) or `no`; `absent` and `present` (names or emails) then mark those
    students by hand. Raises DataError for an unpublished session, a report of another date
    (unless `any_date`) or a name that matches nobody (all of them listed).
    """
    now = now or config.calendar.now()
    if not any_date:
        check_dates(reports, session.date)

    def decide(record: Record) -> Decision[AttendanceOutcome]:
        history, entries, directory = _session(config, record, session, backend.location)
        imported = import_reports(entries, reports, directory, config.min_minutes)
        strangers = imported.strangers
        marks: dict[str, str] = {}
        label = layout.label(session)
        absent_keys, present_keys = _named(absent, present, directory, label)
        marks.update(dict.fromkeys(absent_keys, ABSENT))
        marks.update(dict.fromkeys(present_keys, ATTENDED))
        updated = [replace(e, attended=marks.get(e.key, e.attended)) for e in imported.entries]
        changed = sum(a != b for a, b in zip(entries, updated, strict=True))
        outcome = AttendanceOutcome(
            session,
            tuple(sorted(e.name for e in updated if e.attended == ATTENDED)),
            tuple(sorted(e.name for e in updated if e.attended == ABSENT)),
            tuple(sorted(e.name for e in updated if not e.attended)),
            changed,
            strangers,
        )
        return Decision(outcome, history=history.with_session(label, updated))

    outcome = write(config, Sheets(backend, students_backend), decide, now=now)
    log.info(
        "%s: %d attended, %d absent, %d not recorded; %d changed",
        layout.label(session),
        len(outcome.attended),
        len(outcome.absent),
        len(outcome.unrecorded),
        outcome.changed,
    )
    return outcome


@dataclass(frozen=True)
class RebalanceOutcome:
    """What `rebalance` did to one session's rooms."""

    session: Session
    absent: tuple[str, ...]  # names
    moves: tuple[Move, ...]
    new_leads: tuple[tuple[int, str], ...]  # (room, name) of leads named by this run
    short: tuple[int, ...]  # rooms still below [groups] min_present
    unled: tuple[int, ...]  # rooms with nobody present who can lead
    changed: bool
    followed: Followed = field(default_factory=Followed)  # Zoom rooms, messages: when set up
    earlier: tuple[str, ...] = ()  # names: absent before this run, not named again, still absent
    shown: bool = False  # whether the session's groups tab students see was written


def rebalance(
    config: Config,
    backend: Backend,
    session: Session,
    *,
    absent: Sequence[str] = (),
    present: Sequence[str] = (),
    reports: Sequence[ZoomReport] = (),
    any_date: bool = False,
    force_past: bool = False,
    now: dt.datetime | None = None,
    students_backend: Backend | None = None,
    http: requests.Session | None = None,
    slack_url: str | None = None,
) -> RebalanceOutcome:
    """Move the fewest present students so every room of `session` has at least [groups]
    min_present present and a lead where possible; write the record and its groups tab.

    Absentees are `absent` (names or emails) added to those the History already marks absent
    (by `attendance`, staff or an earlier rebalance; `present` takes one back, as `attendance`
    does), or everyone grouped whom none of `reports` (the Zoom participants reports so far)
    shows; whoever asked to skip the session is absent whatever the command says. The same
    absentees again change nothing. From the session's start on, its groups are the record of
    who met: ConfigError unless `force_past`.
    """
    now = now or config.calendar.now()
    label = layout.label(session)
    if not force_past and started(config.calendar, session, now):
        raise ConfigError(
            f"{label} started at {config.calendar.start:%H:%M} ({_zone(config)}); its rooms are "
            "the record of who met. Rebalancing now would move students after the fact. Add "
            "--force-past to rebalance anyway. Nothing was written."
        )
    if reports and not any_date:
        check_dates(reports, session.date)

    def decide(record: Record) -> Decision[RebalanceOutcome]:
        history, entries, directory = _session(config, record, session, backend.location)
        if label in history.kept:
            raise DataError(
                f"{history.kept[label]}; rebalancing would rewrite that tab. Undo that edit, "
                "or move students by hand."
            )
        earlier: set[str] = set()
        if reports:
            seen = match_report([j for r in reports for j in r.joins], directory)
            away = {e.key for e in entries if e.key not in seen.minutes} - seen.unsure
        else:
            away, back = _named(absent, present, directory, label)
            earlier = {e.key for e in entries if e.attended == ABSENT} - away - back
            away |= earlier
        away |= _asked_out(record, entries, session)
        groups = recorded_groups(entries, directory.students)
        leads = recorded_leads(entries)
        result = rebalance_groups(
            groups,
            away,
            leads,
            met=history.met(before=session),
            keep_apart=directory.keep_apart,
            week=leading(config, session),
            min_present=config.min_present,
            led=Led.count(history.entries, but=label),
        )
        room = {s.key: n for n, g in enumerate(result.groups, 1) for s in g}
        updated = [
            replace(
                e,
                group=room.get(e.key, e.group),
                role=LEAD if e.key in result.leads else "",
                attended=ABSENT if e.key in away else ("" if e.attended == ABSENT else e.attended),
            )
            for e in entries
        ]
        names = {e.key: e.name for e in entries}
        outcome = RebalanceOutcome(
            session,
            tuple(sorted(names[k] for k in away)),
            result.moves,
            tuple(
                (n, s.name)
                for n, g in enumerate(result.groups, 1)
                for s in g
                if s.key in result.leads - leads
            ),
            result.short,
            result.unled,
            updated != list(entries),
            earlier=tuple(sorted(names[k] for k in earlier)),
        )
        return Decision(outcome, history=history.with_session(label, updated), touched=(session,))

    sheets = Sheets(backend, students_backend)
    done = commit(config, sheets, decide, now=now)
    outcome = replace(done.result, shown=session in done.shown)
    if outcome.changed:
        students = tuple(s for g in recorded_groups(done.history.session(label), ()) for s in g)
        followed = follow(
            config,
            sheets,
            done.history,
            _roster_or(done, config, students),
            done.staff,
            (session,),
            now,
            http=http,
            slack_url=slack_url,
        )
        outcome = replace(outcome, followed=followed)
    log.info(
        "%s: %d absent, %d moved%s",
        label,
        len(outcome.absent),
        len(outcome.moves),
        "" if outcome.changed else "; nothing changed",
    )
    return outcome


def _named(
    absent: Sequence[str], present: Sequence[str], directory: Directory, label: str
) -> tuple[set[str], set[str]]:
    """The keys of the students named absent and present; DataError for a name matching
    nobody, or a student named both ways."""
    away, back = set(resolve(absent, directory, label)), set(resolve(present, directory, label))
    both = sorted(directory.names[k] for k in away & back)
    if both:
        raise DataError(
            f"Given both --absent and --present: {', '.join(both)}. Name each student once."
        )
    return away, back


def _asked_out(record: Record, entries: Sequence[Entry], session: Session) -> set[str]:
    """The students of `session` who asked (Requests tab) to skip or pause it: absent, whatever
    a rebalance is told, so a later rebalance never counts them present again."""
    try:
        requests = record.requests
    except RosterError:
        return set()  # already warned: the roster could not be read
    return {e.key for e in entries if requests.away(e.key, session.date) is not None}


def _roster_or(
    done: Committed[RebalanceOutcome], config: Config, fallback: Sequence[Student]
) -> Sequence[Student]:
    """The roster's students (for emails), or `fallback` when the roster cannot be read."""
    staff = done.staff
    try:
        return read_roster(dict(staff.tabs), staff.titles, config, staff.uncomputed).students
    except RosterError:
        return fallback


def _zone(config: Config) -> str:
    return config.calendar.timezone or "this machine's time zone"


def _session(
    config: Config, record: Record, session: Session, location: str
) -> tuple[History, tuple[Entry, ...], Directory]:
    """The record (keyed as the roster knows students), the session's entries and a directory
    to find them in; DataError when the session is not published."""
    label = layout.label(session)
    history = record.history
    if label not in history.sessions():
        raise DataError(
            f"{label} is not published in {location}. Check --date and --week "
            "(`mixitup status` lists the sessions)."
        )
    try:
        roster = record.roster
    except RosterError as error:
        # The record is what counts here; a roster problem should not block the meeting.
        log.warning(
            "%s\nUsing the names and keys in the History only, without keep-apart pairs.", error
        )
        entries = history.session(label)
        return history, entries, Directory(entries, ())
    history = history.matched_to(roster)
    entries = history.session(label)
    return history, entries, Directory(entries, roster.students, roster.keep_apart)
