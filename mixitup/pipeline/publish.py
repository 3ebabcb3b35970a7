"""Planning and publishing one session: the roster and the record in, groups and leads out."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import requests

from mixitup import layout
from mixitup.backends import Backend
from mixitup.config import Config
from mixitup.errors import ConfigError
from mixitup.history import History, session_entries
from mixitup.latejoin import recorded_groups, recorded_leads
from mixitup.leads import Led, choose_leads, due_to_lead
from mixitup.models import Session
from mixitup.optimizer import Grouping, Leading, Rules, group_count, measure, optimize
from mixitup.pipeline.follow import Followed, follow
from mixitup.pipeline.loop import Decision, Record, Sheets, commit, read
from mixitup.prompts import prompts_for
from mixitup.roster import Roster
from mixitup.schedule import started

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """A session's groups as computed, and the record with them in it."""

    session: Session
    roster: Roster
    grouping: Grouping
    history: History  # the record with this session's groups (replacing any published ones)
    already_published: bool
    leads: frozenset[str] = frozenset()  # keys of the students who lead their group
    sitting_out: tuple[tuple[str, str], ...] = ()  # (name, why) of active students left out
    # The groups are the published ones, as the record holds them (what students see), not
    # computed: `plan` of a published session without --fresh.
    as_published: bool = False

    @property
    def grouped(self) -> int:
        """How many students the groups hold (who sits out is not among them)."""
        return sum(len(g) for g in self.grouping.groups)


@dataclass(frozen=True)
class Outcome:
    """What `publish` did."""

    session: Session
    action: Literal["published", "replaced", "unchanged"]
    plan: Plan | None  # None when nothing needed computing
    followed: Followed = field(default_factory=Followed)  # Zoom rooms, messages: when set up


def plan(
    config: Config,
    backend: Backend,
    session: Session,
    now: dt.datetime | None = None,
    students_backend: Backend | None = None,
    *,
    fresh: bool = False,
) -> Plan:
    """Read the spreadsheet(s) and show the session's groups; write nothing.

    A published session shows its published groups (the record, staff edits included: what
    students see); `fresh` computes new ones instead, as `publish --force` would.
    """
    record = read(config, Sheets(backend, students_backend))
    history = record.history.matched_to(record.roster)
    _warn_unrolled(config, record, history, session, (now or config.calendar.now()).date())
    if layout.label(session) in history.sessions() and not fresh:
        return published_plan(config, record, history, session)
    return plan_session(config, record, history, session)


def _warn_unrolled(
    config: Config, record: Record, history: History, session: Session, today: dt.date
) -> None:
    """Warn, as `run` and `status` do, when `session` opens a module nobody moved up into."""
    from mixitup.pipeline.rollover import unrolled

    warning = unrolled(config, record, history, today, session)
    if warning:
        log.warning("%s", warning)


def published_plan(config: Config, record: Record, history: History, session: Session) -> Plan:
    """A published session as the record holds it: its groups and leads, measured against
    the grouping rules, and who on the roster is in none of its groups, and why."""
    roster = record.roster
    label = layout.label(session)
    entries = history.session(label)
    groups = recorded_groups(entries, roster.students)
    report = measure(
        groups,
        history.met(before=session),
        rules_for(config, session, roster),
        history.earlier_groups(session),
    )
    grouped = {e.key for e in entries}
    out = record.out_of(history, session)
    late = "on the roster since it was published: `mixitup run` adds them before it starts"
    return Plan(
        session,
        roster,
        Grouping(groups, report),
        history,
        already_published=True,
        leads=recorded_leads(entries),
        sitting_out=tuple(
            sorted(
                ((s.name, out.get(s.key, late)) for s in roster.students if s.key not in grouped),
                key=_by_name,
            )
        ),
        as_published=True,
    )


def plan_session(config: Config, record: Record, history: History, session: Session) -> Plan:
    """The groups of `session` for the roster `record` holds, after the record `history`."""
    roster = record.roster
    prompts_for(config, session.week)  # its problems, now
    label = layout.label(session)
    out = record.out_of(history, session)
    students = [s for s in roster.students if s.key not in out]
    led = Led.count(history.entries, but=label)
    count = group_count(len(students), config.group_size)
    rules = rules_for(config, session, roster)
    rules = dataclasses.replace(rules, next_leads=due_to_lead(students, rules.leading, count, led))
    grouping = optimize(
        students, history.met(before=session), rules, history.earlier_groups(session)
    )
    leads = choose_leads(grouping.groups, rules.leading, led)
    entries = session_entries(session, grouping.groups, leads)
    return Plan(
        session,
        roster,
        grouping,
        history.with_session(label, entries),
        label in history.sessions(),
        leads,
        tuple(
            sorted(((s.name, out[s.key]) for s in roster.students if s.key in out), key=_by_name)
        ),
    )


def _by_name(item: tuple[str, str]) -> tuple[str, str]:
    return item[0].casefold(), item[1]


def rules_for(config: Config, session: Session, roster: Roster) -> Rules:
    lead = leading(config, session)
    return Rules(
        size=config.group_size,
        week=session.week,
        keep_apart=roster.keep_apart,
        seed=config.seed,
        seconds=config.solver_seconds,
        top_module=lead.top,
        last_week=lead.last_week,
    )


def leading(config: Config, session: Session) -> Leading:
    """Who leads `session`'s groups: the school's top module and last session week decide."""
    return Leading(
        session.week, config.modules, max(config.calendar.session_weeks, default=session.week)
    )


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
    http: requests.Session | None = None,
    slack_url: str | None = None,
) -> Outcome:
    """Write the session's groups, prompts and History rows, unless already there.

    An already published session is left alone unless `force`; from its start on (its groups
    are then the record of who met), replacing it also needs `force_past`, and so does
    publishing a new session dated before today. The record is written first, then the tabs
    (to the students' spreadsheet when there is one); then Zoom's rooms and the groups'
    messages follow (`follow`; `http` and `slack_url` reach their far ends, for tests).
    """
    now = now or config.calendar.now()
    today = today or now.date()
    label = layout.label(session)

    def decide(record: Record) -> Decision[Outcome]:
        published = label in record.history.sessions()
        if published and not force:
            log.info("%s is already published; nothing to do", label)
            return Decision(Outcome(session, "unchanged", None))
        if published and not force_past and started(config.calendar, session, now):
            raise ConfigError(
                f"{label} started at {config.calendar.start:%H:%M} on {session.date}; its groups "
                "are the record of who met, with the attendance taken. Add --force-past as well "
                "as --force to replace it anyway. Nothing was written."
            )
        if not published and not force_past and session.date < today:
            raise ConfigError(
                f"{label} is in the past (today is {today}): publishing it records every student "
                "as having met people they never saw. Check --date; if the session did take "
                "place without mixitup, add --force-past to record it. Nothing was written."
            )
        history = record.history.matched_to(record.roster)
        _warn_unrolled(config, record, history, session, today)
        result = plan_session(config, record, history, session)
        action: Literal["published", "replaced"] = "replaced" if published else "published"
        return Decision(
            Outcome(session, action, result),
            history=result.history,
            touched=(session,),
            force=(session,),
        )

    sheets = Sheets(backend, students_backend)
    done = commit(config, sheets, decide, now=now, today=today)
    outcome = done.result
    if outcome.plan is not None:
        followed = follow(
            config,
            sheets,
            done.history,
            outcome.plan.roster.students,
            done.staff,
            (session,),
            now,
            http=http,
            slack_url=slack_url,
        )
        outcome = replace(outcome, followed=followed)
    if outcome.plan is not None:
        log.info(
            "%s %s: %d students in %d groups",
            outcome.action,
            label,
            outcome.plan.grouped,
            outcome.plan.grouping.report.groups,
        )
    return outcome
