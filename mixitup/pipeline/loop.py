"""The one way a command reads and writes.

Both spreadsheets are read once. The command decides on the record (the staff History with
the staff edits made in groups tabs folded in). The staff spreadsheet is written first, in
one change: the record, plus (with a single spreadsheet) the session tabs rendered from it;
when another run wrote it meanwhile, it is read and decided again. Then the students'
spreadsheet is brought in line with the record, in one change of its own.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Generic, TypeVar

from mixitup import layout, schedule
from mixitup import students as students_sheet
from mixitup.backends import Backend
from mixitup.change import apply_change
from mixitup.config import Config
from mixitup.errors import (
    BackendError,
    ConfigError,
    ConflictError,
    RosterError,
    StudentsWriteError,
)
from mixitup.history import History, read_history
from mixitup.models import Change, Session, Snapshot, Tab
from mixitup.prompts import meeting_of, prompts_for
from mixitup.roster import Roster, read_roster

if TYPE_CHECKING:
    from mixitup.away import Requests

log = logging.getLogger(__name__)
CONFLICT_RETRIES = 3
T = TypeVar("T")


@dataclass(frozen=True)
class Sheets:
    """The staff spreadsheet (roster, History) and, when there is one, the students' one."""

    staff: Backend
    students: Backend | None = None

    @property
    def shown(self) -> Backend:
        """The spreadsheet students open: where the session tabs are."""
        return self.students or self.staff


@dataclass(frozen=True)
class Record:
    """Both spreadsheets as one command read them, and the record they hold."""

    config: Config
    staff: Snapshot
    students: Snapshot | None
    history: History

    @cached_property
    def roster(self) -> Roster:
        """The roster tab, validated (RosterError lists every problem); warnings logged."""
        roster = read_roster(
            dict(self.staff.tabs), self.staff.titles, self.config, self.staff.uncomputed
        )
        for warning in roster.warnings:
            log.warning("%s", warning)
        return roster

    @cached_property
    def requests(self) -> Requests:
        """The students' skip, pause and come-back requests ([requests] tab); what cannot be
        read is logged for staff, never fatal."""
        from mixitup.away import read_requests

        try:
            sessions = {slot.session.date for slot in schedule.slots(self.config.calendar)}
        except ConfigError:  # a calendar that cannot be used is reported on its own
            sessions = set()
        found = read_requests(
            self.staff.rows(self.config.requests.tab), self.config.requests, self.roster, sessions
        )
        for note in found.notes():
            log.warning("%s", note)
        return found

    def out_of(self, history: History, session: Session) -> dict[str, str]:
        """Student key -> why they sit `session` out: asked to skip or pause, or missed their
        last [attendance] pause_after sessions."""
        from mixitup.away import no_shows, out_of

        requests = self.requests
        shows = no_shows(history.entries, self.config.pause_after, requests, before=session.date)
        return out_of(session.date, self.roster, requests, shows)

    def matched(self, history: History | None = None) -> History:
        """`history` (the record as read by default) keyed as the roster knows students now;
        as it is when the roster cannot be read (a warning says so)."""
        history = history or self.history
        try:
            return history.matched_to(self.roster)
        except RosterError as error:
            log.warning("%s\nUsing the names and keys the record holds.", error)
            return history


@dataclass(frozen=True)
class Decision(Generic[T]):
    """What a command decided: its result, and what it writes.

    `history` is the record as the command leaves it (None: as read, staff edits folded in).
    The session tabs of today's and later sessions, and of `touched`, follow the record;
    `force`'s are written whatever staff did to them; `removed`'s are deleted.
    """

    result: T
    history: History | None = None
    tabs: tuple[Tab, ...] = ()  # staff tabs written beside the record (the Report)
    delete_tabs: tuple[str, ...] = ()
    touched: tuple[Session, ...] = ()
    force: tuple[Session, ...] = ()
    removed: tuple[Session, ...] = ()


def read(config: Config, sheets: Sheets) -> Record:
    """Read both spreadsheets once and the record they hold."""
    students = _read_students(config, sheets)
    return _record(config, _read(sheets.staff), students)


@dataclass(frozen=True)
class Committed(Generic[T]):
    """What a write left: the command's result, the record as written, and the staff
    spreadsheet as it now is (for what follows: the Zoom rooms, the messages' ledger)."""

    result: T
    history: History
    staff: Snapshot
    shown: tuple[Session, ...] = ()  # the sessions whose tabs students see were written


@dataclass(frozen=True)
class _Recorded(Generic[T]):
    """What the staff spreadsheet's write left, for the students' write after it."""

    decision: Decision[T]
    history: History  # the record as written
    after: Snapshot  # the staff spreadsheet as it now is
    before: frozenset[str]  # the sessions the record held before
    shown: tuple[Session, ...]  # with one spreadsheet: the sessions whose tabs were written
    wrote: bool  # whether the staff spreadsheet changed at all


def write(
    config: Config,
    sheets: Sheets,
    decide: Callable[[Record], Decision[T]],
    *,
    now: dt.datetime,
    today: dt.date | None = None,
) -> T:
    """Read, decide, write the record (and with one spreadsheet its tabs), then the students'
    spreadsheet. Returns what `decide` decided.

    Raises StudentsWriteError, carrying the result, when the record was written but the
    students' spreadsheet could not be: the next `run` writes it from the record.
    """
    return commit(config, sheets, decide, now=now, today=today).result


def commit(
    config: Config,
    sheets: Sheets,
    decide: Callable[[Record], Decision[T]],
    *,
    now: dt.datetime,
    today: dt.date | None = None,
) -> Committed[T]:
    """`write`, returning also the record as written and the staff spreadsheet after it."""
    today = today or now.date()
    students = _read_students(config, sheets)

    def staff_decide(snapshot: Snapshot) -> tuple[_Recorded[T], Change | None]:
        record = _record(config, snapshot, students)
        decision = decide(record)
        history = decision.history or record.history
        if any(not e.recorded for e in history.entries):
            history = record.matched(history)  # typed-in students recorded under their key
        edit = history.edit(now, config.seed, config.history_tab)
        tabs, deletes = decision.tabs, decision.delete_tabs
        shown: tuple[Session, ...] = ()
        if sheets.students is None:
            mirror = _mirror(config, history, snapshot, decision, today, students=False)
            tabs += mirror.change.tabs
            deletes += mirror.change.delete_tabs
            shown = mirror.sessions
        elif students is not None:
            # Render the students' tabs now: a problem there (a broken prompts template) stops
            # the command before the record is written, not between the two writes.
            _mirror(config, history, students, decision, today, students=True)
        change = Change(tabs=tabs, delete_tabs=deletes, history=edit or None)
        after = apply_change(snapshot, change) if change else snapshot
        before = frozenset(record.history.sessions())
        return _Recorded(decision, history, after, before, shown, bool(change)), change

    staff = read_decide_write(sheets.staff, staff_decide)
    decision, history, shown = staff.decision, staff.history, staff.shown
    if sheets.students is not None and students is not None:
        location = sheets.students.location

        def students_decide(snapshot: Snapshot) -> tuple[tuple[Session, ...], Change | None]:
            # Read again after a conflict: a tab a person edited since the first read is left
            # for the next run to read into the record, never written over.
            again = snapshot is not students
            update = _mirror(
                config, history, snapshot, decision, today, students=True, keep_edited=again
            )
            return update.sessions, update.change or None

        try:
            written = read_decide_write(sheets.students, students_decide, first=students)
        except BackendError as error:
            where = f"the staff spreadsheet {sheets.staff.location}"
            raise StudentsWriteError(
                (
                    f"The record in {where} was written, but the students' spreadsheet "
                    f"{location} was not: "
                    if staff.wrote
                    else f"The students' spreadsheet {location} could not be written (the record "
                    f"in {where} needed no change): "
                )
                + f"{str(error).replace(' Nothing was written.', '')} The next "
                "`mixitup run` writes it there from the record, without recomputing any group.",
                decision.result,
            ) from error
        shown = written
        for session in written:
            # A session this command published is reported by the command, where it is: only
            # the tabs brought back in line with an earlier record are worth a line of their own.
            label = layout.label(session)
            log.log(
                logging.DEBUG if label not in staff.before else logging.INFO,
                "wrote the tabs of %s to the students' spreadsheet %s",
                label,
                location,
            )
    return Committed(decision.result, history, staff.after, shown)


def out_of_step(config: Config, record: Record, today: dt.date) -> tuple[Session, ...]:
    """Sessions still to come whose tabs students see differ from the record."""
    target = record.students if record.students is not None else record.staff
    empty: Decision[None] = Decision(None)
    update = _mirror(
        config, record.history, target, empty, today, students=record.students is not None
    )
    return update.sessions


def _mirror(
    config: Config,
    history: History,
    target: Snapshot,
    decision: Decision[T],
    today: dt.date,
    *,
    students: bool,
    keep_edited: bool = False,
) -> students_sheet.Update:
    sessions = (*students_sheet.held(history, today), *decision.touched, *decision.force)
    return students_sheet.update(
        history,
        target,
        sessions,
        lambda s: prompts_for(config, s.week),
        students=students,
        force=decision.force,
        remove=(*decision.removed, *sorted(history.orphans)),
        meeting_for=lambda s: meeting_of(config, s),
        team=config.team,
        keep_edited=keep_edited,
    )


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
        snapshot = first if first is not None and attempt == 1 else _read(backend)
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


def _read(backend: Backend) -> Snapshot:
    snapshot = backend.read()
    log.debug("read %s: %d tabs", backend.location, len(snapshot.titles))
    return snapshot


def _read_students(config: Config, sheets: Sheets) -> Snapshot | None:
    if sheets.students is None:
        return None
    snapshot = _read(sheets.students)
    students_sheet.check_students_sheet(snapshot, config, sheets.students.location)
    return snapshot


def _record(config: Config, staff: Snapshot, students: Snapshot | None) -> Record:
    try:
        history = read_history(staff, students)
    except RosterError as error:  # the roster's problems too, so staff fix all at once
        try:
            read_roster(dict(staff.tabs), staff.titles, config, staff.uncomputed)
        except RosterError as roster:
            raise RosterError((*error.problems, *roster.problems)) from error
        raise
    if history.title is None and history.entries:
        count = len(history.sessions())
        log.warning(
            "No History tab found (it was deleted or its header row changed): who met whom was "
            "rebuilt from %d published groups tab%s, and is written to a new History tab with "
            "the next change.",
            count,
            "" if count == 1 else "s",
        )
    for note in history.notes:
        log.warning("%s.", note)
    for problem in history.kept.values():
        log.warning(
            "%s. mixitup leaves that tab as it is and keeps the record without the edit: undo "
            "it, or make it as the tab's columns allow (move a student by their Group, type a "
            "new student in a row of their own).",
            problem,
        )
    return Record(config, staff, students, history)
