"""`unpublish`: take back a session published by mistake: its History rows first, then its
groups and prompts tabs in both spreadsheets. Later sessions are not recomputed."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mixitup import layout
from mixitup.backends import Backend
from mixitup.config import Config
from mixitup.errors import ConfigError
from mixitup.models import Session
from mixitup.pipeline.follow import follow
from mixitup.pipeline.loop import Decision, Record, Sheets, commit
from mixitup.schedule import started

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Unpublished:
    """What `unpublish` took back: History rows, and the tabs of each spreadsheet."""

    session: Session
    rows: int  # History rows removed; 0 with `tabs` empty: it was not published
    tabs: tuple[str, ...]  # tab titles removed, in the staff and the students' spreadsheet

    @property
    def changed(self) -> bool:
        return bool(self.rows or self.tabs)


def unpublish(
    config: Config,
    backend: Backend,
    session: Session,
    *,
    force_past: bool = False,
    now: dt.datetime | None = None,
    students_backend: Backend | None = None,
    http: requests.Session | None = None,
) -> Unpublished:
    """Remove `session` from the record and its tabs from both spreadsheets (record first).

    Nothing to do (an outcome that changed nothing) when it is not published. From the
    session's start on its groups are the record of who met: ConfigError unless `force_past`.
    """
    now = now or config.calendar.now()
    label = layout.label(session)

    def decide(record: Record) -> Decision[Unpublished]:
        history = record.history
        rows = sum(1 for e in history.entries if e.session == label and e.recorded)
        tabs = tuple(
            title
            for snapshot in (record.staff, record.students)
            if snapshot is not None
            for title in snapshot.titles
            if (found := layout.parse_tab_title(title)) is not None and found[0] == session
        )
        if label not in history.sessions() and not tabs:
            log.info("%s is not published; nothing to do", label)
            return Decision(Unpublished(session, 0, ()))
        if not force_past and started(config.calendar, session, now):
            raise ConfigError(
                f"{label} started at {config.calendar.start:%H:%M} on {session.date}; its groups "
                "are the record of who met. Add --force-past to take it back anyway. Nothing "
                "was written."
            )
        staff_tabs = tuple(t for t in record.staff.titles if t in tabs)
        return Decision(
            Unpublished(session, rows, tabs),
            history=history.without_session(label),
            delete_tabs=staff_tabs,
            removed=(session,),
        )

    sheets = Sheets(backend, students_backend)
    done = commit(config, sheets, decide, now=now)
    outcome = done.result
    if outcome.changed and config.zoom_app is not None:
        # The meeting's rooms follow the next session still to come, which may now be another.
        follow(config, sheets, done.history, (), done.staff, (), now, http=http)
    if outcome.changed:
        log.info("unpublished %s: %d History rows, %d tabs", label, outcome.rows, len(outcome.tabs))
    return outcome
