"""`rollover`: at a module boundary, every active student one module up in the Roster and the
top module graduated, in one write of the roster's cells (a dry run unless asked to write).

The write is planned on the one read and refused whole when the spreadsheet changed since
(xlsx: the file; Google: another mixitup write of the roster, by the tab's marker). Google
cannot refuse a person's edit made in the second between the read and the write, so the
roster is read once more afterwards, and rows that do not show the rollover are named.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from mixitup import layout, schedule
from mixitup.backends import Backend
from mixitup.config import Config
from mixitup.errors import ConflictError, DataError, RosterError
from mixitup.history import History
from mixitup.models import Change, Session
from mixitup.pipeline.loop import Record, Sheets, read
from mixitup.rollover import Rollover, Since, modules_since, plan_rollover

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RolloverOutcome:
    """What `rollover` found, and whether it wrote it."""

    rollover: Rollover
    since: Since  # the roster's modules against the record's latest sessions, before
    written: bool
    location: str


def rollover(
    config: Config, backend: Backend, *, write: bool = False, force: bool = False
) -> RolloverOutcome:
    """Plan the rollover of the roster `backend` holds; with `write`, apply it in one change.

    Raises RosterError (exit 3) when the roster has problems, and DataError when the roster
    already looks rolled over since the last session the record has (most students a module
    above it), unless `force`: a second rollover would move everyone twice.
    """
    record = read(config, Sheets(backend))
    roster = record.roster  # RosterError: every problem, nothing written
    since = modules_since(record.history, roster.students)
    planned = plan_rollover(record.staff.rows(config.roster_tab) or (), roster, config)
    if since.rolled_over and not force:
        raise DataError(
            f"The roster's modules have already moved up since {since.session}: "
            f"{since.moved_up} of the {since.compared} students it recorded are a module higher "
            "in the Roster now. A second rollover would move them twice. Check the Roster's "
            "Module column; if everyone must move up once more (a module without sessions), "
            "add --force. Nothing was written."
        )
    if not write or not planned.cells.update:
        return RolloverOutcome(planned, since, False, backend.location)
    try:
        backend.apply(Change(cells=(planned.cells,)))
    except ConflictError as error:
        raise ConflictError(
            f"{error} The roster was not rolled over: run `mixitup rollover` again to see the "
            "changes as they are now."
        ) from error
    after = backend.read().rows(config.roster_tab) or ()
    wrong = planned.mismatches(after)
    if wrong:
        raise DataError(
            f"The roster in {backend.location} was rolled over, but rows "
            f'{", ".join(map(str, wrong))} of its tab "{config.roster_tab}" do not show it: '
            "someone edited the roster at the same moment. Check the Module and Status of "
            "those rows by hand."
        )
    log.debug(
        "rolled over %s: %d moved up, %d graduated",
        backend.location,
        sum(not m.graduated for m in planned.moves),
        sum(m.graduated for m in planned.moves),
    )
    return RolloverOutcome(planned, since, True, backend.location)


def unrolled(
    config: Config,
    record: Record,
    history: History,
    today: dt.date,
    session: Session | None = None,
) -> str:
    """A warning when the next session (or `session`, for `plan` and `publish`) is in a new
    module but the roster's modules are what the record had in the sessions before that
    module: nobody moved up, so last module's top students would lead again. "" otherwise (and
    when the roster cannot be read: its problems are reported on their own, or the session is
    not on the calendar)."""
    if session is None:
        following = schedule.next_slot(config.calendar, today)
    else:
        following = next((s for s in schedule.slots(config.calendar) if s.session == session), None)
    if following is None:
        return ""
    try:
        roster = record.roster
    except RosterError:
        return ""
    history = history.matched_to(roster)  # an email fixed since is the same student
    since = modules_since(history, roster.students, before=following.module_start)
    if not since.unchanged:
        return ""
    label = layout.label(following.session)
    began = "started" if following.module_start <= today else "starts"
    named = f"The next session, {label}," if session is None else label
    text = (
        f"{named} is in the module that {began} {following.module_start}, "
        f"but the Roster's modules are unchanged since {since.session} (all {since.compared} "
        "students it recorded are in the same module). Run `mixitup rollover` to see everyone "
        f"moved up one module and Mod {config.modules} graduated, then `mixitup rollover "
        "--write`."
    )
    if label in history.sessions():
        text += f" {label} is published: after the rollover, `mixitup publish --date "
        text += f"{following.session.date} --force` groups it again."
    return text
