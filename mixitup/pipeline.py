"""The only place the steps are sequenced: read -> validate -> optimize -> render -> write."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Literal

from mixitup.backends import Backend
from mixitup.config import Config
from mixitup.errors import ConfigError, ConflictError
from mixitup.history import HEADER, History, history_rows, published_sessions, read_history
from mixitup.models import Change, HistoryEdit, Session, Snapshot
from mixitup.optimizer import Grouping, Rules, optimize
from mixitup.prompts import load_prompts
from mixitup.render import groups_tab, prompts_tab
from mixitup.roster import Roster, read_roster

log = logging.getLogger(__name__)
CONFLICT_RETRIES = 3


@dataclass(frozen=True)
class Plan:
    """What publishing a session would write, and how good its groups are."""

    session: Session
    roster: Roster
    grouping: Grouping
    change: Change
    already_published: bool


@dataclass(frozen=True)
class Outcome:
    """What `publish` did."""

    session: Session
    action: Literal["published", "replaced", "unchanged"]
    plan: Plan | None  # None when nothing needed computing


def plan(
    config: Config, backend: Backend, session: Session, now: dt.datetime | None = None
) -> Plan:
    """Read the spreadsheet and compute the session's groups and tabs; write nothing."""
    return _plan(config, backend.read(), session, now or _now())


def publish(
    config: Config,
    backend: Backend,
    session: Session,
    *,
    force: bool = False,
    force_past: bool = False,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Outcome:
    """Write the session's groups, prompts and history rows in one change, unless already there.

    An already published session is left alone unless `force`; a past one also needs
    `force_past`, since its history is the record of who met.
    """
    now = now or _now()
    today = today or now.date()
    for attempt in range(1, CONFLICT_RETRIES + 1):
        snapshot = backend.read()
        log.info("read %s: %d tabs", backend.location, len(snapshot.titles))
        history = read_history(snapshot, config.history_tab)
        published = session.label in published_sessions(snapshot, history)
        if published and not force:
            log.info("%s is already published; nothing to do", session.label)
            return Outcome(session, "unchanged", None)
        if published and session.date < today and not force_past:
            raise ConfigError(
                f"{session.label} took place before today ({today}); its groups are the record of "
                "who met. Add --force-past as well as --force to replace it anyway."
            )
        result = _plan(config, snapshot, session, now, history)
        try:
            backend.apply(result.change)
        except ConflictError as error:
            if attempt == CONFLICT_RETRIES:
                raise
            log.warning("%s; reading again (attempt %d)", error, attempt + 1)
            continue
        action: Literal["published", "replaced"] = "replaced" if published else "published"
        log.info(
            "%s %s: %d students in %d groups",
            action,
            session.label,
            len(result.roster.students),
            result.grouping.report.groups,
        )
        return Outcome(session, action, result)
    raise AssertionError("unreachable")  # pragma: no cover


def _plan(
    config: Config,
    snapshot: Snapshot,
    session: Session,
    now: dt.datetime,
    history: History | None = None,
) -> Plan:
    prompts = load_prompts(session.week, config.zoom, config.prompts_template)
    roster = read_roster(dict(snapshot.tabs), snapshot.titles, config)
    for warning in roster.warnings:
        log.warning("%s", warning)
    history = (history or read_history(snapshot, config.history_tab)).matched_to(roster)
    rules = Rules(
        size=config.group_size,
        week=session.week,
        keep_apart=roster.keep_apart,
        seed=config.seed,
        seconds=config.solver_seconds,
    )
    grouping = optimize(roster.students, history.met(before=session), rules)
    existing = tuple(
        t for t in (session.groups_title, session.prompts_title) if t in snapshot.titles
    )
    change = Change(
        delete_tabs=existing,
        add_tabs=(groups_tab(session, grouping.groups), prompts_tab(session, prompts)),
        history=HistoryEdit(
            title=config.history_tab,
            header=HEADER,
            append=history_rows(session, grouping.groups, now, config.seed),
            delete_rows=history.rows_of(session),
        ),
    )
    published = session.label in published_sessions(snapshot, history)
    return Plan(session, roster, grouping, change, published)


def _now() -> dt.datetime:
    return dt.datetime.now().astimezone().replace(microsecond=0)
