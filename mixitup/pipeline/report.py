"""`report`: what the year's sessions did, from the record, as a staff Report tab."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mixitup import layout
from mixitup.backends import Backend
from mixitup.config import Config
from mixitup.errors import ConfigError, RosterError
from mixitup.extras import need
from mixitup.history import History
from mixitup.models import Student
from mixitup.pipeline.loop import Decision, Record, Sheets, write
from mixitup.schedule import started

if TYPE_CHECKING:
    from mixitup.feedback import Summary
    from mixitup.report import Report

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportOutcome:
    """What `report` computed, and the tab it wrote (None: no tab, `why` says why)."""

    report: Report
    tab: str | None
    location: str
    why: str = ""
    feedback: Summary | None = None  # the Feedback tab summarised, when there is one
    feedback_tab: str | None = None  # the staff tab it was written to
    ahead: tuple[str, ...] = ()  # sessions published but not started yet: not counted


def report(
    config: Config,
    backend: Backend,
    now: dt.datetime | None = None,
    students_backend: Backend | None = None,
) -> ReportOutcome:
    """Compute the report from the record and replace the staff spreadsheet's Report tab.

    Who met is the record's rule (`History.met`): the History with staff edits of the groups
    tabs, keyed as the roster knows students. Sessions that have not started by `now` are left
    out (their blank attendance is not "attended"). A tab of that title that mixitup did not
    write is never replaced (ConfigError). With a single spreadsheet, which students open, no
    tab is written: it would show them everyone's attendance and emails.
    """
    need("report")
    from mixitup.feedback import feedback_tab, is_feedback_tab
    from mixitup.report import build, entries_frame, is_report_tab, report_tab

    now = now or config.calendar.now()
    title = config.report_tab

    def decide(record: Record) -> Decision[ReportOutcome]:
        existing = record.staff.rows(title)
        if config.students is not None and existing and not is_report_tab(existing):
            raise ConfigError(
                f'{backend.location} already has a tab "{title}" that mixitup did not write, so '
                "it was left alone and nothing was written. Rename that tab, or set "
                "[spreadsheet] report_tab in mixitup.toml to another title."
            )
        students: tuple[Student, ...] = ()
        history = record.history
        try:
            students = record.roster.students
            history = history.matched_to(record.roster)
        except RosterError as error:
            log.warning("%s\nReporting on the students in the History only.", error)
        ahead = sorted(
            label
            for label in history.sessions()
            if (session := layout.parse_label(label)) is not None
            and not started(config.calendar, session, now)
        )
        for label in ahead:
            history = history.without_session(label)
        result = build(entries_frame(history.entries), students)
        count = len(result.sessions)
        log.info(
            "report: %d session%s, %d students",
            count,
            "" if count == 1 else "s",
            len(result.students),
        )
        summary = _feedback(config, record, history) if students else None
        if config.students is None:
            why = (
                f"students open {backend.location} too, and the report lists everyone's "
                "attendance and emails; set up a students' spreadsheet ([students] in "
                "mixitup.toml) for a Report tab, or use --csv"
            )
            outcome = ReportOutcome(
                result, None, backend.location, why, summary, ahead=tuple(ahead)
            )
            return Decision(outcome)
        tabs = [report_tab(result, title, now)]
        # Deleted and added, not written over: the new tab gets the chart drawn afresh.
        deletes = [title] if existing is not None else []
        feedback_title = None
        if summary is not None:
            feedback_title = config.feedback.report_tab
            tabs.append(feedback_tab(summary, feedback_title, now, config.feedback.tab))
            found = record.staff.rows(feedback_title)
            if found is not None:
                if found and not is_feedback_tab(found):
                    raise ConfigError(
                        f'{backend.location} already has a tab "{feedback_title}" that mixitup '
                        "did not write, so nothing was written. Rename that tab, or set "
                        "[feedback] report_tab in mixitup.toml to another title."
                    )
                deletes.append(feedback_title)
        outcome = ReportOutcome(
            result, title, backend.location, "", summary, feedback_title, tuple(ahead)
        )
        return Decision(outcome, tabs=tuple(tabs), delete_tabs=tuple(deletes))

    return write(config, Sheets(backend, students_backend), decide, now=now)


def _feedback(config: Config, record: Record, history: History) -> Summary | None:
    """The Feedback tab summarised against the record, or None when there is no such tab.
    Rows that cannot be read, and emails of nobody grouped, are logged for staff."""
    from mixitup.feedback import read_feedback, summarise

    rows = record.staff.rows(config.feedback.tab)
    if rows is None:
        return None
    found = read_feedback(rows, config.feedback, record.roster, history.entries)
    for note in found.notes():
        log.warning("%s", note)
    return summarise(found, history.entries)
