"""`run`, the cron entry: publish what the calendar says is due, add late joiners to sessions
still to come, keep staff edits in the record; all in one write, nothing when nothing is new."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from mixitup import layout, schedule
from mixitup.backends import Backend
from mixitup.config import Config
from mixitup.errors import ConfigError, InfeasibleGroupingError
from mixitup.history import History
from mixitup.latejoin import (
    Placement,
    absentees,
    newcomers,
    place,
    recorded_groups,
    recorded_leads,
)
from mixitup.layout import ABSENT, LEAD
from mixitup.leads import Led, choose_leads
from mixitup.models import Entry, Session, Student
from mixitup.pipeline.loop import Decision, Record, Sheets, write
from mixitup.pipeline.publish import Plan, plan_session, rules_for
from mixitup.roster import Roster

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
class RunOutcome:
    """What `run` wrote: sessions published, late joiners added, staff edits recorded."""

    published: tuple[Plan, ...]
    joined: tuple[Joined, ...]
    recorded: int = 0  # History rows written for staff edits (students moved or typed in)
    unplaced: tuple[Unplaced, ...] = ()  # late joiners left out: `mixitup run` exits 3

    @property
    def changed(self) -> bool:
        return bool(self.published or self.joined or self.recorded)


def run(
    config: Config,
    backend: Backend,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    students_backend: Backend | None = None,
) -> RunOutcome:
    """Publish every session the calendar says is due and add late joiners, in one write.

    `now` defaults to the start of `today` when only `today` is given, else the clock. Late
    joiners are added until a session starts ([calendar] start); sessions whose date has
    passed are never touched. When nothing is due, nobody joined late and staff edited
    nothing, nothing is written at all, so running every hour is safe.
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

    def decide(record: Record) -> Decision[RunOutcome]:
        return _decide(config, record, today, now)

    outcome = write(config, Sheets(backend, students_backend), decide, now=now, today=today)
    if outcome.changed:
        _log_run(outcome, backend.location)
    else:
        log.info("nothing to do on %s: no session due, no late joiner", today)
    return outcome


def _decide(
    config: Config, record: Record, today: dt.date, now: dt.datetime
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
    if not due and not upcoming:
        return Decision(RunOutcome((), (), recorded))
    roster = record.roster
    history = _late_requests(config, record, record.history.matched_to(roster))
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
    outcome = RunOutcome(tuple(plans), tuple(joined), recorded, tuple(unplaced))
    touched = tuple(p.session for p in plans) + tuple(j.session for j in joined)
    return Decision(outcome, history=history, touched=touched)


def _late_requests(config: Config, record: Record, history: History) -> History:
    """The record with students marked absent from published sessions they asked to be out
    of after publishing (as `attendance --absent` would mark them)."""
    from mixitup.away import late_absences, published_times

    title = record.history.title
    if title is None or not record.requests.asked:
        return history
    zone = ZoneInfo(config.calendar.timezone) if config.calendar.timezone else None
    marks = set(
        late_absences(
            record.requests, history.entries, published_times(record.staff.tabs[title]), zone
        )
    )
    if not marks:
        return history
    for label, key in sorted(marks):
        log.info("%s: %s asked to be out after publishing; marked absent", label, key)
    entries = tuple(
        replace(e, attended=ABSENT) if (e.session, e.key) in marks else e for e in history.entries
    )
    return replace(history, entries=entries)


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
    leads = recorded_leads(entries)
    led = Led.count(history.entries)
    new: list[Entry] = []
    for number, group in enumerate(groups, 1):
        added = [p.student for p in placements if p.group == number]
        if not added:
            continue
        present_leads = [m for m in group if m.key in leads and m.key not in absent]
        lead = set() if present_leads else choose_leads([added], session.week, led)
        new += [
            Entry(
                0,
                label,
                number,
                s.key,
                s.name,
                s.program,
                str(s.module),
                s.cohort,
                LEAD if s.key in lead else "",
            )
            for s in added
        ]
    joined = Joined(session, tuple(placements))
    return history.with_session(label, (*entries, *new)), joined, left


def _log_run(outcome: RunOutcome, location: str) -> None:
    for result in outcome.published:
        log.info(
            "published %s in %s: %d students in %d groups",
            layout.label(result.session),
            location,
            len(result.roster.students),
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
    if outcome.recorded:
        log.info(
            "recorded in the History %d staff edit%s of a groups tab (a student moved, a lead "
            "changed or a student typed in)",
            outcome.recorded,
            "" if outcome.recorded == 1 else "s",
        )
    joiners = sum(len(j.placements) for j in outcome.joined)
    log.info(
        "wrote %s in one change: %d session%s published, %d late joiner%s added",
        location,
        len(outcome.published),
        "" if len(outcome.published) == 1 else "s",
        joiners,
        "" if joiners == 1 else "s",
    )
