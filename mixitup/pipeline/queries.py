"""What staff ask without changing anything: `status` (the calendar and what is published) and
`export zoom` (a published session's rooms for Zoom's pre-assignment). One read each."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from mixitup import layout, schedule
from mixitup.attendance import absent_lately
from mixitup.backends import Backend
from mixitup.config import Config
from mixitup.errors import DataError, RosterError
from mixitup.export import ZoomExport, zoom_csv, zoom_members
from mixitup.latejoin import recorded_groups
from mixitup.models import Session, Student
from mixitup.pipeline.loop import Sheets, out_of_step, read
from mixitup.pipeline.rollover import unrolled

log = logging.getLogger(__name__)


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
    absent_twice: tuple[str, ...] = ()  # active students absent from their last two sessions
    # Sessions still to come whose tabs students see differ from the record.
    disagree: tuple[Session, ...] = ()
    out_next: tuple[tuple[str, str], ...] = ()  # (name, why) sitting the next session out
    unrolled: str = ""  # a new module is next but the roster's modules did not move: a warning


def status(
    config: Config,
    backend: Backend,
    today: dt.date | None = None,
    students_backend: Backend | None = None,
) -> Status:
    """Read the spreadsheet(s) once and place every calendar session in them; write nothing."""
    today = today or config.calendar.now().date()
    record = read(config, Sheets(backend, students_backend))
    history = record.matched()
    published = history.sessions()

    def counts(session: Session) -> tuple[int, int]:
        groups = history.groups_of(session)
        return sum(len(keys) for keys in groups.values()), len(groups)

    following = schedule.next_slot(config.calendar, today)
    out_next: tuple[tuple[str, str], ...] = ()
    try:
        active = {s.key for s in record.roster.students}
        if following is not None:
            out = record.out_of(history, following.session)
            names = {s.key: s.name for s in record.roster.students}
            out_next = tuple(sorted((names[k], why) for k, why in out.items()))
    except RosterError:
        active = {e.key for e in history.entries}  # already warned: name whoever the record has
    absent = tuple(name for key, name in absent_lately(history.entries, today) if key in active)
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
        following,
        schedule.notes(config.calendar),
        absent,
        out_of_step(config, record, today),
        out_next,
        unrolled(config, record, history, today),
    )


def export_zoom(
    config: Config, backend: Backend, session: Session, students_backend: Backend | None = None
) -> ZoomExport:
    """The Zoom pre-assignment CSV for a published session, from the record (staff edits to its
    groups tab included); emails from the roster, by student key."""
    record = read(config, Sheets(backend, students_backend))
    label = layout.label(session)
    if label not in record.history.sessions():
        raise DataError(
            f"{label} is not published in {backend.location}, so it has no groups to export. "
            "Check --date and --week (`mixitup status` lists the sessions), or publish it first."
        )
    students: tuple[Student, ...] = ()
    history = record.history
    try:
        students = record.roster.students
    except RosterError as error:
        # Emails are mostly the History's keys; a roster problem should not block the export.
        log.warning("%s\nExporting with the emails kept in the History only.", error)
    else:
        history = history.matched_to(record.roster)  # an email fixed since publishing is used
    groups = recorded_groups(history.session(label), students)
    result = zoom_csv(label, zoom_members(groups))
    for warning in result.warnings:
        log.warning("%s", warning)
    return result
