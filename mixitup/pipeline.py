"""The only place the steps are sequenced: read -> validate -> optimize -> render -> write."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal, TypeVar

from mixitup import layout, schedule
from mixitup import students as students_sheet
from mixitup.attendance import Directory, Stranger, absent_lately, match_report, resolve
from mixitup.backends import Backend
from mixitup.change import apply_change
from mixitup.config import Config
from mixitup.errors import (
    ConfigError,
    ConflictError,
    DataError,
    InfeasibleGroupingError,
    RosterError,
)
from mixitup.export import ZoomExport, zoom_csv, zoom_members
from mixitup.history import (
    History,
    history_rows,
    published_sessions,
    read_history,
    rewritten_rows,
)
from mixitup.latejoin import Placement, newcomers, place, read_groups, recorded_groups
from mixitup.layout import ABSENT, ATTENDED, LEAD, find_history_tab
from mixitup.leads import Led, choose_leads, due_to_lead
from mixitup.models import Change, Entry, HistoryEdit, Session, Snapshot, Student, Tab
from mixitup.optimizer import Grouping, Rules, group_count, optimize
from mixitup.prompts import load_prompts
from mixitup.rebalance import Move
from mixitup.rebalance import rebalance as rebalance_groups
from mixitup.render import groups_tab, prompts_tab
from mixitup.roster import Roster, read_roster
from mixitup.zoom_report import Join

if TYPE_CHECKING:
    from mixitup.report import Report

log = logging.getLogger(__name__)
CONFLICT_RETRIES = 3
T = TypeVar("T")


@dataclass(frozen=True)
class Plan:
    """What publishing a session would write, and how good its groups are."""

    session: Session
    roster: Roster
    grouping: Grouping
    change: Change
    already_published: bool
    leads: frozenset[str] = frozenset()  # keys of the students who lead their group


@dataclass(frozen=True)
class Outcome:
    """What `publish` did."""

    session: Session
    action: Literal["published", "replaced", "unchanged"]
    plan: Plan | None  # None when nothing needed computing


def plan(
    config: Config,
    backend: Backend,
    session: Session,
    now: dt.datetime | None = None,
    students_backend: Backend | None = None,
) -> Plan:
    """Read the spreadsheet(s) and compute the session's groups and tabs; write nothing."""
    snapshot = backend.read()
    if students_backend is not None:
        snapshot = students_sheet.combined(snapshot, _read(students_backend))
    return _plan(config, snapshot, session, now or config.calendar.now())


def publish(
    config: Config,
    backend: Backend,
    session: Session,
    *,
    force: bool = False,
    force_past: bool = False,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    students_backend: Backend | None = None,
) -> Outcome:
    """Write the session's groups, prompts and history rows in one change, unless already there.

    An already published session is left alone unless `force`; a past one also needs
    `force_past`, since its history is the record of who met. With a students' spreadsheet,
    the history rows are written to the staff one first, then the tabs to the students' one.
    """
    now = now or config.calendar.now()
    today = today or now.date()

    def decide(snapshot: Snapshot) -> tuple[Outcome, Change | None]:
        return _decide_publish(config, snapshot, session, force, force_past, today, now)

    if students_backend is not None:
        outcome = _publish_two(backend, students_backend, decide, config, today, session, force)
    else:
        outcome = read_decide_write(backend, decide)
    if outcome.plan is not None:
        log.info(
            "%s %s: %d students in %d groups",
            outcome.action,
            layout.label(session),
            len(outcome.plan.roster.students),
            outcome.plan.grouping.report.groups,
        )
    return outcome


def _decide_publish(
    config: Config,
    snapshot: Snapshot,
    session: Session,
    force: bool,
    force_past: bool,
    today: dt.date,
    now: dt.datetime,
) -> tuple[Outcome, Change | None]:
    history = _history(snapshot)
    published = layout.label(session) in published_sessions(snapshot, history)
    if published and not force:
        log.info("%s is already published; nothing to do", layout.label(session))
        return Outcome(session, "unchanged", None), None
    if published and session.date < today and not force_past:
        raise ConfigError(
            f"{layout.label(session)} took place before today ({today}); its groups are the record "
            "of who met. Add --force-past as well as --force to replace it anyway."
        )
    result = _plan(config, snapshot, session, now, history)
    action: Literal["published", "replaced"] = "replaced" if published else "published"
    return Outcome(session, action, result), result.change


def read_decide_write(
    backend: Backend,
    decide: Callable[[Snapshot], tuple[T, Change | None]],
    first: Snapshot | None = None,
) -> T:
    """Read, decide what to write, write it in one change; read again when another run won.

    `decide` returns its result and the change to apply (None: write nothing). A conflict (the
    spreadsheet changed since it was read) makes it read and decide again, a few times.
    `first` is a read already made, used for the first attempt instead of reading again.
    """
    for attempt in range(1, CONFLICT_RETRIES + 1):
        if first is not None and attempt == 1:
            snapshot = first
        else:
            snapshot = backend.read()
            log.info("read %s: %d tabs", backend.location, len(snapshot.titles))
        result, change = decide(snapshot)
        if not change:
            return result
        try:
            backend.apply(change)
        except ConflictError as error:
            if attempt == CONFLICT_RETRIES:
                raise
            log.warning("%s Reading again (attempt %d).", error, attempt + 1)
            continue
        return result
    raise AssertionError("unreachable")  # pragma: no cover


def _history(snapshot: Snapshot) -> History:
    """The history the spreadsheet holds, saying so when it had to be rebuilt from groups tabs."""
    history = read_history(snapshot)
    if history.title is None and history.entries:
        sessions = len(history.sessions())
        log.warning(
            "No history tab found (it was deleted or its header row changed): who met whom was "
            "rebuilt from %d published groups tab%s, and is written to a new history tab with "
            "the next change.",
            sessions,
            "" if sessions == 1 else "s",
        )
    return history


def _plan(
    config: Config,
    snapshot: Snapshot,
    session: Session,
    now: dt.datetime,
    history: History | None = None,
    roster: Roster | None = None,
) -> Plan:
    prompts = load_prompts(session.week, config.zoom, config.prompts_template)
    if roster is None:
        roster = _roster(config, snapshot)
    history = (history or _history(snapshot)).matched_to(roster)
    led = Led.count(history.entries, but=layout.label(session))
    count = group_count(len(roster.students), config.group_size)
    rules = dataclasses.replace(
        _rules(config, session, roster),
        next_leads=due_to_lead(roster.students, session.week, count, led),
    )
    grouping = optimize(roster.students, history.met(before=session), rules)
    leads = choose_leads(grouping.groups, session.week, led)
    published = layout.label(session) in published_sessions(snapshot, history)
    change = Change(
        tabs=(groups_tab(session, grouping.groups, leads), prompts_tab(session, prompts)),
        history=HistoryEdit(
            remove_sessions=(layout.label(session),)
            if layout.label(session) in history.sessions()
            else (),
            append=history_rows(session, grouping.groups, now, config.seed, leads)
            + history.unrecorded(roster.students, now, config.seed, but=layout.label(session)),
            title=config.history_tab,
        ),
    )
    return Plan(session, roster, grouping, change, published, leads)


def _rules(config: Config, session: Session, roster: Roster) -> Rules:
    return Rules(
        size=config.group_size,
        week=session.week,
        keep_apart=roster.keep_apart,
        seed=config.seed,
        seconds=config.solver_seconds,
    )


def _roster(config: Config, snapshot: Snapshot) -> Roster:
    roster = read_roster(dict(snapshot.tabs), snapshot.titles, config, snapshot.uncomputed)
    for warning in roster.warnings:
        log.warning("%s", warning)
    return roster


@dataclass(frozen=True)
class Joined:
    """Late joiners added to one published session."""

    session: Session
    placements: tuple[Placement, ...]


@dataclass(frozen=True)
class RunOutcome:
    """What `run` wrote: sessions published and late joiners added, in one change (or nothing)."""

    published: tuple[Plan, ...]
    joined: tuple[Joined, ...]
    recorded: int = 0  # students staff typed into a groups tab, now in the history
    # Sessions the students' spreadsheet lacked or showed otherwise, written there from the record.
    republished: tuple[Session, ...] = ()

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
    passed are never touched. When nothing is due and nobody joined
    late, nothing is written at all, so running every hour is safe.
    """
    if not config.calendar.module_starts:
        where = config.source or "mixitup.toml"
        raise ConfigError(
            f"`mixitup run` needs the calendar: set [calendar] module_starts in {where} to the "
            "Monday of week 1 of each module (`mixitup init` writes a commented example)."
        )
    if now is None:
        calendar = config.calendar
        now = config.calendar.now() if today is None else calendar.at(today, dt.time())
    today = today or now.date()
    if students_backend is not None:
        outcome = _run_two(config, backend, students_backend, today, now)
    else:
        outcome = read_decide_write(
            backend, lambda snapshot: _decide_run(config, snapshot, today, now)
        )
    if outcome.changed:
        _log_run(outcome, backend.location)
    elif not outcome.republished:
        log.info("nothing to do on %s: no session due, no late joiner", today)
    return outcome


def _decide_run(
    config: Config, snapshot: Snapshot, today: dt.date, now: dt.datetime
) -> tuple[RunOutcome, Change | None]:
    """What `run` would write to `snapshot` on `today`; the change is None when nothing."""
    history = _history(snapshot)
    published = published_sessions(snapshot, history)
    due = schedule.due(config.calendar, today, published)
    upcoming = [
        s
        for s in schedule.open_sessions(config.calendar, published, now)
        if snapshot.title(layout.groups_title(s)) is not None
    ]
    started = [
        label
        for label in published
        if (s := layout.parse_label(label)) is not None and s.date == today and s not in upcoming
    ]
    for label in started:
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
    if not due and not upcoming and all(e.recorded for e in history.entries):
        return RunOutcome((), ()), None
    roster = _roster(config, snapshot)
    # Keys as the roster knows them now, so a student whose email was fixed is no newcomer.
    history = history.matched_to(roster)
    entries = list(history.entries)
    plans: list[Plan] = []
    for session in due:
        result = _plan(config, snapshot, session, now, History(tuple(entries)), roster)
        plans.append(result)
        # A later session published in this same run must not repeat this one's pairs.
        entries += [
            Entry(
                0,
                layout.label(session),
                number,
                s.key,
                s.name,
                module=str(s.module),
                role=LEAD if s.key in result.leads else "",
            )
            for number, group in enumerate(result.grouping.groups, 1)
            for s in group
        ]
    joined: list[Joined] = []
    tabs: list[Tab] = []
    rows: list[tuple[str, ...]] = []
    for session in upcoming:
        found = _late_joiners(config, snapshot, session, History(tuple(entries)), roster, now)
        if found is not None:
            joined.append(found[0])
            tabs.append(found[1])
            rows += found[2]
    record = history.unrecorded(roster.students, now, config.seed)
    outcome = RunOutcome(tuple(plans), tuple(joined), len(record))
    if not outcome.changed:
        return outcome, None
    change = Change(
        tabs=tuple(t for p in plans for t in p.change.tabs) + tuple(tabs),
        history=HistoryEdit(
            append=tuple(
                r
                for p in plans
                for r in history_rows(p.session, p.grouping.groups, now, config.seed, p.leads)
            )
            + tuple(rows)
            + record,
            title=config.history_tab,
        ),
    )
    return outcome, change


def _late_joiners(
    config: Config,
    snapshot: Snapshot,
    session: Session,
    history: History,
    roster: Roster,
    now: dt.datetime,
) -> tuple[Joined, Tab, tuple[tuple[str, ...], ...]] | None:
    """The joiners of one published session, its new groups tab and their history rows."""
    entries = [e for e in history.entries if e.session == layout.label(session)]
    rows = snapshot.rows(layout.groups_title(session)) or ()
    current = read_groups(session, rows, entries, roster.students)
    joiners = newcomers(roster.students, {e.key for e in entries}, current.added_by_hand)
    if not joiners:
        log.debug("%s: everyone on the roster is in a group", layout.label(session))
        return None
    if current.problem:
        names = ", ".join(s.name for s in joiners)
        log.warning(
            "%s, so late joiners were not added: %s. Add them by hand, or undo the edit.",
            current.problem,
            names,
        )
        return None
    rules = _rules(config, session, roster)
    try:
        groups, placements = place(joiners, current.groups, history.met(before=session), rules)
    except InfeasibleGroupingError as error:
        raise InfeasibleGroupingError(f"{layout.groups_title(session)}: {error}") from error
    only_joiners: list[list[Student]] = [[] for _ in groups]
    for placement in placements:
        only_joiners[placement.group - 1].append(placement.student)
    # A joiner leads a group that had nobody to lead it; every other lead stays.
    unled = [
        joiners if not any(s.key in current.leads for s in group) else []
        for group, joiners in zip(groups, only_joiners, strict=True)
    ]
    leads = current.leads | choose_leads(unled, session.week, Led.count(history.entries))
    return (
        Joined(session, placements),
        groups_tab(session, groups, leads),
        history_rows(session, only_joiners, now, config.seed, leads),
    )


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
            "recorded in the history %d student%s that a groups tab shows but the history lacked "
            "(typed in by staff, or a history tab rebuilt)",
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


@dataclass(frozen=True)
class SlotStatus:
    """One session on the calendar and where it stands."""

    slot: schedule.Slot
    state: schedule.State
    students: int  # 0 unless published
    groups: int


@dataclass(frozen=True)
class Status:
    """The calendar on `today`, what is published, and the next session."""

    today: dt.date
    slots: tuple[SlotStatus, ...]
    unscheduled: tuple[tuple[Session, int, int], ...]  # published but not on the calendar
    next: schedule.Slot | None
    notes: tuple[str, ...]  # what staff should double-check in the calendar
    absent_twice: tuple[str, ...] = ()  # names of students absent from their last two sessions
    # Sessions still to come that the students' spreadsheet lacks or shows otherwise.
    disagree: tuple[Session, ...] = ()


def status(
    config: Config,
    backend: Backend,
    today: dt.date | None = None,
    students_backend: Backend | None = None,
) -> Status:
    """Read the spreadsheet(s) once and place every calendar session in them; write nothing."""
    today = today or config.calendar.now().date()
    snapshot = _read(backend)
    disagree: tuple[Session, ...] = ()
    if students_backend is not None:
        seen = _read(students_backend)
        disagree = _students_update(config, snapshot, seen, today).sessions
        snapshot = students_sheet.combined(snapshot, seen)
    history = _history(snapshot)
    published = published_sessions(snapshot, history)

    def counts(session: Session) -> tuple[int, int]:
        groups = history.groups_of(session)
        return sum(len(keys) for keys in groups.values()), len(groups)

    slots = schedule.slots(config.calendar)
    on_calendar = {layout.label(s.session) for s in slots}
    return Status(
        today,
        tuple(SlotStatus(s, s.state(today, published), *counts(s.session)) for s in slots),
        tuple(
            (session, *counts(session))
            for session in sorted(
                s for s in map(layout.parse_label, published - on_calendar) if s is not None
            )
        ),
        schedule.next_slot(config.calendar, today),
        schedule.notes(config.calendar),
        tuple(name for _, name in absent_lately(history.entries, today)),
        disagree,
    )


def export_zoom(
    config: Config, backend: Backend, session: Session, students_backend: Backend | None = None
) -> ZoomExport:
    """The Zoom pre-assignment CSV for a published session, as its groups tab shows it now."""
    snapshot = _read(backend)
    if students_backend is not None:
        snapshot = students_sheet.combined(snapshot, _read(students_backend))
    history = _history(snapshot)
    if layout.label(session) not in published_sessions(snapshot, history):
        raise ConfigError(
            f"{layout.label(session)} is not published in {backend.location}, so it has no "
            "groups to export. Check --date and --week (`mixitup status` lists the sessions), "
            "or publish it first."
        )
    students: tuple[Student, ...] = ()
    try:
        roster = _roster(config, snapshot)
    except RosterError as error:
        # Emails are mostly the history's keys; a roster problem should not block the export.
        log.warning("%s\nExporting with the emails kept in the history only.", error)
    else:
        students = roster.students
        history = history.matched_to(roster)  # an email fixed since publishing is used
    entries = [e for e in history.entries if e.session == layout.label(session)]
    rows = snapshot.rows(layout.groups_title(session))
    groups = (
        read_groups(session, rows, entries, students).groups
        if rows is not None
        else recorded_groups(entries, students)  # staff deleted the tab; history remembers
    )
    result = zoom_csv(layout.label(session), zoom_members(groups))
    for warning in result.warnings:
        log.warning("%s", warning)
    return result


@dataclass(frozen=True)
class ReportOutcome:
    """What `report` computed and where it wrote the Report tab."""

    report: Report
    tab: str
    location: str


def report(config: Config, backend: Backend, now: dt.datetime | None = None) -> ReportOutcome:
    """Read the staff spreadsheet once, compute the report, and replace its Report tab.

    One read and one write. A tab of that title that mixitup did not write is never
    replaced: ConfigError says to rename it or to set [spreadsheet] report_tab.
    """
    from mixitup.report import build, history_frame, is_report_tab, report_tab

    now = now or config.calendar.now()

    def decide(snapshot: Snapshot) -> tuple[ReportOutcome, Change]:
        existing = snapshot.rows(config.report_tab)
        if existing and not is_report_tab(existing):
            raise ConfigError(
                f'{backend.location} already has a tab "{config.report_tab}" that mixitup did '
                "not write, so it was left alone and nothing was written. Rename that tab, or set "
                "[spreadsheet] report_tab in mixitup.toml to another title."
            )
        students: tuple[Student, ...] = ()
        try:
            students = _roster(config, snapshot).students
        except RosterError as error:
            log.warning("%s\nReporting on the students in the history only.", error)
        history = find_history_tab(snapshot)
        result = build(history_frame(snapshot.tabs[history] if history else ()), students)
        log.info("report: %d sessions, %d students", len(result.sessions), len(result.students))
        change = Change(
            # Deleted and added, not written over: the new tab gets the chart drawn afresh.
            delete_tabs=(config.report_tab,) if existing is not None else (),
            tabs=(report_tab(result, config.report_tab, now),),
        )
        return ReportOutcome(result, config.report_tab, backend.location), change

    return read_decide_write(backend, decide)


# Around the meeting (SPEC): attendance and the day-of rebalance. Each reads, decides and
# writes one session's groups tab and history rows through `read_decide_write`.


@dataclass(frozen=True)
class AttendanceOutcome:
    """What `attendance` recorded for one session."""

    session: Session
    attended: tuple[str, ...]  # names, as the session's groups show them
    absent: tuple[str, ...]
    unrecorded: tuple[str, ...]  # students with no attendance recorded yet
    changed: int  # students whose Attended cell changed
    strangers: tuple[Stranger, ...]  # report rows that matched no grouped student


def attendance(
    config: Config,
    backend: Backend,
    session: Session,
    *,
    report: Sequence[Join] | None = None,
    absent: Sequence[str] = (),
    present: Sequence[str] = (),
    now: dt.datetime | None = None,
    students_backend: Backend | None = None,
) -> AttendanceOutcome:
    """Record in the history who attended `session`, in one write; nothing when nothing changes.

    With a Zoom `report`, every grouped student is marked `yes` (at least [attendance]
    min_minutes in all their joins) or `no`; `absent` and `present` (names or emails) then
    mark those students by hand. Raises DataError for an unpublished session or a name that
    matches nobody (all of them listed).
    """
    now = now or config.calendar.now()

    def decide(snapshot: Snapshot) -> tuple[AttendanceOutcome, Change | None]:
        history, entries, directory = _session_entries(config, snapshot, session, backend.location)
        marks: dict[str, str] = {}
        strangers: tuple[Stranger, ...] = ()
        if report is not None:
            found = match_report(report, directory)
            marks.update(found.marks((e.key for e in entries), config.min_minutes))
            strangers = found.strangers
        absent_keys = resolve(absent, directory, layout.label(session))
        present_keys = resolve(present, directory, layout.label(session))
        both = sorted({directory.names[k] for k in set(absent_keys) & set(present_keys)})
        if both:
            raise DataError(
                f"Given both --absent and --present: {', '.join(both)}. Name each student once."
            )
        marks.update(dict.fromkeys(absent_keys, ABSENT))
        marks.update(dict.fromkeys(present_keys, ATTENDED))
        updated = [replace(e, attended=marks.get(e.key, e.attended)) for e in entries]
        changed = sum(a.attended != b.attended for a, b in zip(entries, updated, strict=True))
        outcome = AttendanceOutcome(
            session,
            tuple(sorted(e.name for e in updated if e.attended == ATTENDED)),
            tuple(sorted(e.name for e in updated if e.attended == ABSENT)),
            tuple(sorted(e.name for e in updated if not e.attended)),
            changed,
            strangers,
        )
        if not changed:
            return outcome, None
        return outcome, _session_change(config, snapshot, history, session, updated, now)

    outcome = _session_write(config, backend, students_backend, decide, session, now)
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


def rebalance(
    config: Config,
    backend: Backend,
    session: Session,
    *,
    absent: Sequence[str] = (),
    report: Sequence[Join] | None = None,
    now: dt.datetime | None = None,
    students_backend: Backend | None = None,
) -> RebalanceOutcome:
    """Move the fewest present students so every room of `session` has at least [groups]
    min_present present and a lead where possible; write its groups tab and history in one
    change. Absentees are `absent` (names or emails), or everyone grouped whom `report` (the
    Zoom participants report so far) does not show. The same absentees again change nothing.
    """
    now = now or config.calendar.now()

    def decide(snapshot: Snapshot) -> tuple[RebalanceOutcome, Change | None]:
        history, entries, directory = _session_entries(config, snapshot, session, backend.location)
        if report is not None:
            seen = match_report(report, directory).minutes
            away = {e.key for e in entries if e.key not in seen}
        else:
            away = set(resolve(absent, directory, layout.label(session)))
        rows = snapshot.rows(layout.groups_title(session))
        if rows is None:
            raise DataError(
                f'{layout.label(session)} has no "{layout.groups_title(session)}" tab in '
                f"{backend.location}, so there are no rooms to rebalance. Restore the tab (version "
                "history), or publish the session again with `publish --force`."
            )
        roster = [Student(e.key, e.name, e.program, 0, e.cohort) for e in entries]
        current = read_groups(session, rows, entries, roster)
        if current.problem:
            raise DataError(
                f"{current.problem}; rebalancing would rewrite it. Undo that edit, or move "
                "students by hand."
            )
        result = rebalance_groups(
            current.groups,
            away,
            current.leads,
            met=history.met(before=session),
            keep_apart=directory.keep_apart,
            week=session.week,
            min_present=config.min_present,
            led=Led.count(history.entries, but=layout.label(session)),
        )
        room = {s.key: n for n, g in enumerate(result.groups, 1) for s in g}
        updated = [
            replace(
                e,
                group=room.get(e.key, e.group),
                role=LEAD if e.key in result.leads else "",
                attended=ABSENT if e.key in away else e.attended,
            )
            for e in entries
        ]
        same_tab = not result.moves and result.leads == current.leads
        changed = updated != entries or not same_tab or not all(e.recorded for e in entries)
        names = {s.key: s.name for g in result.groups for s in g}
        outcome = RebalanceOutcome(
            session,
            tuple(sorted(names[k] for k in away if k in names)),
            result.moves,
            tuple(
                (n, s.name)
                for n, g in enumerate(result.groups, 1)
                for s in g
                if s.key in result.leads - current.leads
            ),
            result.short,
            result.unled,
            changed,
        )
        if not changed:
            return outcome, None
        change = _session_change(config, snapshot, history, session, updated, now)
        tab = groups_tab(session, result.groups, result.leads)
        return outcome, Change(tabs=(tab,), history=change.history)

    outcome = _session_write(config, backend, students_backend, decide, session, now)
    log.info(
        "%s: %d absent, %d moved%s",
        layout.label(session),
        len(outcome.absent),
        len(outcome.moves),
        "" if outcome.changed else "; nothing changed",
    )
    return outcome


def _session_entries(
    config: Config, snapshot: Snapshot, session: Session, location: str
) -> tuple[History, list[Entry], Directory]:
    """The history, the session's entries (keyed as the roster knows them) and a directory to
    find its students in; DataError when the session is not published."""
    history = _history(snapshot)
    if layout.label(session) not in published_sessions(snapshot, history):
        raise DataError(
            f"{layout.label(session)} is not published in {location}. Check --date and --week "
            "(`mixitup status` lists the sessions)."
        )
    roster: Roster | None = None
    try:
        roster = _roster(config, snapshot)
    except RosterError as error:
        # The record is what counts here; a roster problem should not block the meeting.
        log.warning(
            "%s\nUsing the names and keys in the history only, without keep-apart pairs.", error
        )
    else:
        history = history.matched_to(roster)
    entries = sorted(
        (e for e in history.entries if e.session == layout.label(session)),
        key=lambda e: (e.group, e.key),
    )
    if roster is None:
        return history, entries, Directory(entries, ())
    return history, entries, Directory(entries, roster.students, roster.keep_apart)


def _session_write(
    config: Config,
    backend: Backend,
    students_backend: Backend | None,
    decide: Callable[[Snapshot], tuple[T, Change | None]],
    session: Session,
    now: dt.datetime,
) -> T:
    """Write one session's change: with a students' spreadsheet, the record first (decided on
    the staff spreadsheet read with the students' groups tabs), then that session's tabs
    there, rendered from the record."""
    if students_backend is None:
        return read_decide_write(backend, decide)
    changed: list[bool] = []

    def deciding(snapshot: Snapshot) -> tuple[T, Change | None]:
        result, change = decide(snapshot)
        changed[:] = [bool(change)]
        return result, change

    seen = _read(students_backend)
    result, record = _write_record(backend, seen, deciding)
    # The record changed: its tab there is rendered anew from it (staff edits included).
    force = (session,) if changed[0] else ()
    _write_students(config, students_backend, seen, record, now.date(), (session,), force)
    return result


def _session_change(
    config: Config,
    snapshot: Snapshot,
    history: History,
    session: Session,
    entries: Sequence[Entry],
    now: dt.datetime,
) -> Change:
    """The change rewriting `session`'s history rows as `entries` say, in one edit."""
    return Change(
        history=HistoryEdit(
            remove_sessions=(layout.label(session),),
            append=rewritten_rows(snapshot, history, entries, now, config.seed),
            title=config.history_tab,
        )
    )


# -- Two spreadsheets: the staff record first, then the students' spreadsheet -------------------
#
# The staff spreadsheet keeps the roster, keep-apart pairs and the history (the record); the
# students' one gets each session's groups and prompts tabs, rendered from the record. History
# is read from the staff spreadsheet together with the students' groups tabs, so staff edits
# there count as who met. Each spreadsheet is read once and written at most once per command.


def _read(backend: Backend) -> Snapshot:
    snapshot = backend.read()
    log.info("read %s: %d tabs", backend.location, len(snapshot.titles))
    return snapshot


def _publish_two(
    staff: Backend,
    students_backend: Backend,
    decide: Callable[[Snapshot], tuple[Outcome, Change | None]],
    config: Config,
    today: dt.date,
    session: Session,
    force: bool,
) -> Outcome:
    """`publish` with a students' spreadsheet: the record, then the students' tabs."""
    seen = _read(students_backend)
    outcome, record = _write_record(staff, seen, decide)
    include = () if outcome.plan is None else (session,)
    _write_students(
        config, students_backend, seen, record, today, include, force=include if force else ()
    )
    return outcome


def _write_record(
    staff: Backend,
    seen: Snapshot,
    decide: Callable[[Snapshot], tuple[T, Change | None]],
) -> tuple[T, Snapshot]:
    """Decide on the staff spreadsheet read with the students' groups tabs `seen`, and write
    only the history there. Returns the result and the staff spreadsheet as it now is."""
    last: list[tuple[Snapshot, Change | None]] = []

    def decide_record(snapshot: Snapshot) -> tuple[T, Change | None]:
        result, change = decide(students_sheet.combined(snapshot, seen))
        record = Change(history=change.history) if change else None
        last[:] = [(snapshot, record)]
        return result, record

    result = read_decide_write(staff, decide_record)
    snapshot, record = last[0]
    return result, apply_change(snapshot, record) if record else snapshot


def _write_students(
    config: Config,
    backend: Backend,
    seen: Snapshot,
    record: Snapshot,
    today: dt.date,
    include: Sequence[Session] = (),
    force: Sequence[Session] = (),
) -> tuple[Session, ...]:
    """Bring the students' spreadsheet in line with the record: every session of today or later
    and `include`, from the record alone. Returns the sessions written there."""

    def decide(snapshot: Snapshot) -> tuple[tuple[Session, ...], Change | None]:
        result = _students_update(config, record, snapshot, today, include, force)
        return result.sessions, result.change or None

    written = read_decide_write(backend, decide, first=seen)
    for session in written:
        log.info(
            "wrote %s to the students' spreadsheet %s", layout.label(session), backend.location
        )
    return written


def _students_update(
    config: Config,
    record: Snapshot,
    seen: Snapshot,
    today: dt.date,
    include: Sequence[Session] = (),
    force: Sequence[Session] = (),
) -> students_sheet.Update:
    forced = {layout.label(s) for s in force}
    history = read_history(students_sheet.combined(record, seen, but=forced))
    return students_sheet.update(
        history,
        seen,
        (*students_sheet.held(history, today), *include),
        lambda s: load_prompts(s.week, config.zoom, config.prompts_template),
        force=forced,
    )


def _run_two(
    config: Config,
    staff: Backend,
    students_backend: Backend,
    today: dt.date,
    now: dt.datetime,
) -> RunOutcome:
    """`run` with a students' spreadsheet: the record first, then every session still to come
    that the students' spreadsheet lacks or shows otherwise (a crash, a tab deleted by hand,
    [students] just added), from the record, never recomputed."""
    seen = _read(students_backend)
    outcome, record = _write_record(
        staff, seen, lambda snapshot: _decide_run(config, snapshot, today, now)
    )
    include = tuple(p.session for p in outcome.published)
    written = _write_students(config, students_backend, seen, record, today, include)
    return replace(outcome, republished=tuple(s for s in written if s not in include))
