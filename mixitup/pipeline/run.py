"""`run`, the cron entry: publish what the calendar says is due, add late joiners to sessions
still to come, keep staff edits in the record; all in one write, nothing when nothing is new."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from mixitup import layout, schedule
from mixitup.backends import Backend
from mixitup.config import Config
from mixitup.errors import ConfigError, InfeasibleGroupingError, RosterError
from mixitup.history import History, new_entry
from mixitup.latejoin import (
    Placement,
    absentees,
    newcomers,
    place,
    recorded_groups,
    recorded_leads,
)
from mixitup.layout import ABSENT, ATTENDED, LEAD
from mixitup.leads import Led, choose_leads
from mixitup.models import Entry, Session, Snapshot, Student
from mixitup.pipeline.follow import Followed, follow
from mixitup.pipeline.loop import Decision, Record, Sheets, commit
from mixitup.pipeline.publish import Plan, leading, plan_session, rules_for
from mixitup.pipeline.rollover import unrolled
from mixitup.roster import Roster, read_roster

if TYPE_CHECKING:
    import requests

    from mixitup.zoom.client import ZoomClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Joined:
    """Late joiners added to one published session."""

    session: Session
    placements: tuple[Placement, ...]


@dataclass(frozen=True)
class Unplaced:
    """A late joiner `run` could not add, and why."""

    student: Student
    session: Session
    reason: str


@dataclass(frozen=True)
class Excused:
    """A student who asked, after a session was published, to be out of it: marked absent."""

    session: Session
    name: str
    group: int
    heir: str = ""  # who leads their group instead, when they led it


@dataclass(frozen=True)
class RunOutcome:
    """What `run` wrote: sessions published, late joiners added, staff edits recorded."""

    published: tuple[Plan, ...]
    joined: tuple[Joined, ...]
    recorded: int = 0  # History rows written for staff edits (students moved or typed in)
    unplaced: tuple[Unplaced, ...] = ()  # late joiners left out: `mixitup run` exits 3
    attendance: tuple[str, ...] = ()  # sessions whose attendance was read from Zoom
    problems: tuple[str, ...] = ()  # Zoom failures while reading attendance (retried next run)
    followed: Followed = field(default_factory=Followed)  # Zoom rooms, messages: when set up
    unrolled: str = ""  # a new module is next but the roster's modules did not move: a warning
    excused: tuple[Excused, ...] = ()  # late requests to be out, marked absent

    @property
    def changed(self) -> bool:
        return bool(
            self.published or self.joined or self.recorded or self.attendance or self.excused
        )


def run(
    config: Config,
    backend: Backend,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    students_backend: Backend | None = None,
    http: requests.Session | None = None,
    slack_url: str | None = None,
) -> RunOutcome:
    """Publish every session the calendar says is due and add late joiners, in one write.

    `now` defaults to the start of `today` when only `today` is given, else the clock. Late
    joiners are added until a session starts ([calendar] start); sessions whose date has
    passed are never touched. When nothing is due, nobody joined late and staff edited
    nothing, nothing is written at all, so running every hour is safe. With [zoom], a
    session's attendance is read from Zoom once it has ended; then the meeting's rooms and the
    groups' messages follow every session still to come (`follow`).
    """
    if not config.calendar.module_starts:
        where = config.source or "mixitup.toml"
        raise ConfigError(
            f"`mixitup run` needs the calendar: set [calendar] module_starts in {where} to the "
            "Monday of week 1 of each module (`mixitup init` writes a commented example)."
        )
    calendar = config.calendar
    if now is None:
        now = calendar.now() if today is None else calendar.at(today, dt.time())
    today = today or now.date()

    zoom = None
    if config.zoom_app is not None:
        from mixitup.zoom.client import open_client

        zoom = open_client(config, http)

    def decide(record: Record) -> Decision[RunOutcome]:
        return _decide(config, record, today, now, zoom)

    sheets = Sheets(backend, students_backend)
    done = commit(config, sheets, decide, now=now, today=today)
    outcome = done.result
    try:
        students = _active(config, done.staff)
    except RosterError:
        students = ()
    to_come = schedule.open_sessions(config.calendar, done.history.sessions(), now)
    followed = follow(
        config,
        sheets,
        done.history,
        students,
        done.staff,
        to_come,
        now,
        http=http,
        slack_url=slack_url,
    )
    outcome = replace(outcome, followed=followed)
    if outcome.changed:
        _log_run(outcome, backend.location, (students_backend or backend).location)
    else:
        log.info("nothing to do on %s: no session due, no late joiner", today)
    return outcome


def _active(config: Config, staff: Snapshot) -> tuple[Student, ...]:
    return read_roster(dict(staff.tabs), staff.titles, config, staff.uncomputed).students


def _decide(
    config: Config, record: Record, today: dt.date, now: dt.datetime, zoom: ZoomClient | None
) -> Decision[RunOutcome]:
    history = record.history
    folded = history.edit(now, config.seed)
    recorded = len({row for row, _, _ in folded.update}) + len(folded.append)
    published = history.sessions()
    due = schedule.due(config.calendar, today, published)
    upcoming = schedule.open_sessions(config.calendar, published, now)
    for label in sorted(published):
        session = layout.parse_label(label)
        if session is not None and session.date == today and session not in upcoming:
            log.info("%s has started; late joiners are no longer added to it", label)
    log.info(
        "calendar on %s: %d due (%s), %d published still to come",
        today,
        len(due),
        ", ".join(layout.label(s) for s in due) or "none",
        len(upcoming),
    )
    for slot in schedule.slots(config.calendar):
        log.debug("  %s: %s", layout.label(slot.session), slot.state(today, published))
    for note in schedule.notes(config.calendar):
        log.warning("check the calendar: %s", note)
    imported: tuple[str, ...] = ()
    problems: list[str] = []
    if zoom is not None:
        history, imported, problems = _zoom_attendance(config, record, zoom, now)
    if not due and not upcoming:
        warning = _unrolled(config, record, history, today)
        excused: tuple[Excused, ...] = ()
        # A request made before a session that has started since; the roster's problems
        # are reported when a command needs it.
        with contextlib.suppress(RosterError):
            matched = history.matched_to(record.roster)
            history, excused = _late_requests(config, record, matched, now)
        outcome = RunOutcome(
            (), (), recorded, (), imported, tuple(problems), unrolled=warning, excused=excused
        )
        return Decision(outcome, history=history if imported or excused else None)
    roster = record.roster
    history, excused = _late_requests(config, record, history.matched_to(roster), now)
    plans: list[Plan] = []
    for session in due:
        result = plan_session(config, record, history, session)
        plans.append(result)
        history = result.history  # a later session of this run avoids this one's pairs
    joined: list[Joined] = []
    unplaced: list[Unplaced] = []
    for session in upcoming:
        out = record.out_of(history, session)
        history, found, left = _late_joiners(config, history, roster, session, out)
        if found is not None:
            joined.append(found)
        unplaced += left
    outcome = RunOutcome(
        tuple(plans),
        tuple(joined),
        recorded,
        tuple(unplaced),
        imported,
        tuple(problems),
        unrolled=_unrolled(config, record, history, today),
        excused=excused,
    )
    touched = (
        tuple(p.session for p in plans)
        + tuple(j.session for j in joined)
        + tuple(dict.fromkeys(e.session for e in excused if e.heir))
    )
    return Decision(outcome, history=history, touched=touched)


def _unrolled(config: Config, record: Record, history: History, today: dt.date) -> str:
    """The module-boundary warning (`pipeline.rollover.unrolled`) for the record as this run
    leaves it, logged for the cron log."""
    warning = unrolled(config, record, history, today)
    if warning:
        log.warning("%s", warning)
    return warning


def _zoom_attendance(
    config: Config, record: Record, zoom: ZoomClient, now: dt.datetime
) -> tuple[History, tuple[str, ...], list[str]]:
    """The record with the attendance of every session that ended in the last week and has
    none recorded, read from Zoom's participants reports; the sessions read, and what failed.

    Once a session's attendance is recorded it is never read again, so staff corrections
    stand. A session Zoom lists no ended instance of yet waits for a later run.
    """
    from mixitup.attendance import Directory, import_reports
    from mixitup.errors import ZoomError
    from mixitup.zoom.report import (
        WINDOW,
        NoInstanceYet,
        attendance_due,
        meeting_joins,
        session_end,
    )
    from mixitup.zoom_report import ZoomReport

    history = record.history
    calendar = config.calendar
    imported: list[str] = []
    problems: list[str] = []
    for label in sorted(history.sessions()):
        session = layout.parse_label(label)
        if session is None or not dt.timedelta(0) <= now.date() - session.date <= WINDOW:
            continue
        entries = history.session(label)
        if not entries or any(e.reports or e.attended == ATTENDED for e in entries):
            continue  # recorded (staff corrections stand); absences marked beforehand are not
        planned_end = calendar.at(session.date, calendar.start) + dt.timedelta(
            minutes=config.minutes
        )
        try:
            end = session_end(zoom, session.date, zoom.zone, planned_end)
            if not attendance_due(now, end, recorded=False):
                continue
            got = meeting_joins(zoom, session.date, zoom.zone)
        except ZoomError as error:
            problems.append(
                f"{label}: attendance was not read from Zoom: {error} The next run tries "
                "again; or import the CSV with `mixitup attendance --zoom`."
            )
            continue
        if isinstance(got, NoInstanceYet):
            log.info("%s: %s", label, got.reason)
            continue
        where = f"Zoom's participants report of {zoom.meeting} on {session.date}"
        try:
            students = record.roster.students
            apart = record.roster.keep_apart
        except RosterError:
            students, apart = (), frozenset()
        directory = Directory(entries, students, apart)
        found = import_reports(
            entries, [ZoomReport(where, got.joins)], directory, config.min_minutes
        )
        history = history.with_session(label, found.entries)
        imported.append(label)
        log.info(
            "%s: attendance read from Zoom: %d attended, %d absent",
            label,
            sum(e.attended == "yes" for e in found.entries),
            sum(e.attended == ABSENT for e in found.entries),
        )
    return history, tuple(imported), problems


def _late_requests(
    config: Config, record: Record, history: History, now: dt.datetime
) -> tuple[History, tuple[Excused, ...]]:
    """The record with students marked absent from published sessions they asked to be out
    of after publishing (as `attendance --absent` would mark them); in a session still to
    come, a group whose lead asked is led by a member present, as a rebalance would choose."""
    from mixitup.away import late_absences, published_times

    title = record.history.title
    if title is None or not record.requests.asked:
        return history, ()
    zone = ZoneInfo(config.calendar.timezone) if config.calendar.timezone else None
    marks = set(
        late_absences(
            record.requests, history.entries, published_times(record.staff.tabs[title]), zone
        )
    )
    if not marks:
        return history, ()
    excused: list[Excused] = []
    for label in sorted({label for label, _ in marks}):
        session = layout.parse_label(label)
        if session is None:
            continue
        own = [
            replace(e, attended=ABSENT) if (label, e.key) in marks else e
            for e in history.session(label)
        ]
        asked = {k for lb, k in marks if lb == label}
        ahead = not schedule.started(config.calendar, session, now)
        heirs = _heirs(config, history, session, own, asked) if ahead else {}
        roles = {**dict.fromkeys(heirs, ""), **dict.fromkeys(heirs.values(), LEAD)}
        own = [replace(e, role=roles[e.key]) if e.key in roles else e for e in own]
        history = history.with_session(label, own)
        names = {e.key: e.name for e in own}
        group = {e.key: e.group for e in own}
        excused += [
            Excused(session, names[key], group[key], names.get(heirs.get(key, ""), ""))
            for key in sorted(asked)
        ]
    return history, tuple(excused)


def _heirs(
    config: Config, history: History, session: Session, own: list[Entry], asked: set[str]
) -> dict[str, str]:
    """For each lead in `asked`, the member present who leads their group instead."""
    label = layout.label(session)
    groups = recorded_groups(own, ())
    absent = absentees(own)
    leads = recorded_leads(own)
    led = Led.count(history.entries, but=label)
    heirs = {}
    for group in groups:
        gone = [s.key for s in group if s.key in leads & asked]
        if gone and (chosen := choose_leads([group], leading(config, session), led, absent=absent)):
            (heirs[gone[0]],) = chosen  # one lead a group
    return heirs


def _late_joiners(
    config: Config, history: History, roster: Roster, session: Session, out: Mapping[str, str]
) -> tuple[History, Joined | None, list[Unplaced]]:
    """The record with the newcomers of one published session placed, and who could not be.
    Students in `out` (asked to skip or pause) are no newcomers."""
    label = layout.label(session)
    entries = history.session(label)
    joiners = tuple(s for s in newcomers(roster.students, entries) if s.key not in out)
    if not joiners:
        log.debug("%s: everyone on the roster is in a group", label)
        return history, None, []
    if label in history.kept:
        reason = f"{history.kept[label]}, so late joiners cannot be added to it"
        return history, None, [Unplaced(s, session, reason) for s in joiners]
    groups = recorded_groups(entries, roster.students)
    absent = absentees(entries)
    rules = rules_for(config, session, roster)
    met = history.met(before=session)
    placements: list[Placement] = []
    left: list[Unplaced] = []
    for joiner in joiners:
        try:
            groups, placed = place([joiner], groups, met, rules, absent)
        except InfeasibleGroupingError as error:
            left.append(Unplaced(joiner, session, str(error)))
            continue
        placements += placed
    if not placements:
        return history, None, left
    # A group a joiner joins keeps its lead while they may still lead (in week 4 a Mod 3 lead
    # gives way to a Mod 4 joiner); a group with nobody to lead gets the joiner as lead.
    leads = set(recorded_leads(entries))
    led = Led.count(history.entries)
    new: list[Entry] = []
    for number, group in enumerate(groups, 1):
        added = [p.student for p in placements if p.group == number]
        if not added:
            continue
        chosen = choose_leads([group], rules.leading, led, keep=leads, absent=absent)
        leads = (leads - {m.key for m in group}) | set(chosen)
        new += [new_entry(session, number, s, s.key in chosen) for s in added]
    kept = tuple(
        replace(e, role=LEAD if e.key in leads else "") if e.role == LEAD or e.key in leads else e
        for e in entries
    )
    joined = Joined(session, tuple(placements))
    return history.with_session(label, (*kept, *new)), joined, left


def _log_run(outcome: RunOutcome, location: str, shown: str) -> None:
    """One line per step staff care about; `location` is the staff spreadsheet (the record),
    `shown` the one whose tabs students open."""
    for result in outcome.published:
        log.info(
            "published %s in %s: %d students in %d groups",
            layout.label(result.session),
            shown,
            result.grouped,
            result.grouping.report.groups,
        )
        report = result.grouping.report
        # One line, so a cron log reads one line per step; a rule not met is a warning.
        level = logging.INFO if all(f.met for f in report.figures) else logging.WARNING
        log.log(level, "quality of %s: %s", layout.label(result.session), "; ".join(report.lines()))
    for joined in outcome.joined:
        for p in joined.placements:
            notes = [
                f"met {p.repeats} before" if p.repeats else "",
                f"{p.mates} cohort-mate{'s' if p.mates != 1 else ''}" if p.mates else "",
                "sizes now differ by two (keep-apart)" if p.uneven else "",
            ]
            extra = "; ".join(n for n in notes if n)
            log.info(
                "late joiner %s (%s Mod %d) added to %s, group %d%s",
                p.student.name,
                p.student.program,
                p.student.module,
                layout.label(joined.session),
                p.group,
                f" ({extra})" if extra else "",
            )
    for excused in outcome.excused:
        log.info(
            "%s: %s asked to be out after publishing: marked absent%s",
            layout.label(excused.session),
            excused.name,
            f"; group {excused.group} is led by {excused.heir} instead" if excused.heir else "",
        )
    if outcome.recorded:
        log.info(
            "recorded in the History %d staff edit%s of a groups tab (a student moved, a lead "
            "changed or a student typed in)",
            outcome.recorded,
            "" if outcome.recorded == 1 else "s",
        )
    joiners = sum(len(j.placements) for j in outcome.joined)
    log.info(
        "recorded in the History of the %s %s, in one write: %d session%s published, %d late "
        "joiner%s added",
        "staff spreadsheet" if shown != location else "spreadsheet",
        location,
        len(outcome.published),
        "" if len(outcome.published) == 1 else "s",
        joiners,
        "" if joiners == 1 else "s",
    )
