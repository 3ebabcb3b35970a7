"""`mixitup check`: whether a school is ready for cron, from one read of each spreadsheet.

Reads only (one spreadsheets.get each on Google) and writes nothing. Every finding says what was
checked and, for a problem, what to do; the exit code is the first problem's kind: the
configuration (2), a spreadsheet out of reach (4), then the roster (3).
"""

from __future__ import annotations

import datetime as dt
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from mixitup import schedule
from mixitup.backends import Backend
from mixitup.config import Config
from mixitup.errors import BackendError, ConfigError, MixitupError, RosterError
from mixitup.models import Snapshot

NEXT_SESSIONS = 3
CRON_MINUTE = 17  # not on the hour, when every other job starts


@dataclass(frozen=True)
class Finding:
    """One line of the check: a fact, or a problem (`exit_code` 2, 3 or 4) and what to do."""

    topic: str
    text: str
    exit_code: int = 0

    @property
    def problem(self) -> bool:
        return self.exit_code != 0


@dataclass(frozen=True)
class Readiness:
    """Everything `check` found, in the order staff read it."""

    findings: tuple[Finding, ...]

    @property
    def problems(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.problem)

    @property
    def exit_code(self) -> int:
        codes = {f.exit_code for f in self.problems}
        return next((code for code in (2, 4, 3) if code in codes), 0)


def config_problem(error: MixitupError) -> Readiness:
    """The check of a configuration that could not be loaded."""
    return Readiness((Finding("config", str(error), error.exit_code),))


def check(
    config: Config,
    staff: Backend | BackendError,
    students: Backend | BackendError | None,
    today: dt.date | None = None,
) -> Readiness:
    """Check `config` and both spreadsheets (a BackendError: the one that could not be opened,
    say for a credentials file Google cannot use), reading each once."""
    today = today or config.calendar.now().date()
    found = [Finding("config", f"{config.source or 'no mixitup.toml (--workbook)'}: valid")]
    found += _calendar(config, today)
    found += _identity(config, staff)
    staff_read = _read(config, staff, "Staff spreadsheet", "roster, keep-apart pairs, history")
    found += staff_read.findings
    students_read: _Read | None = None
    if students is not None:
        students_read = _read(config, students, "Students' spreadsheet", "groups and prompts")
        found += students_read.findings
    else:
        found.append(
            Finding(
                "spreadsheets",
                "one spreadsheet for staff and students: anyone who can open it reads the roster "
                "and history. Add a [students] spreadsheet (mixitup init writes one).",
            )
        )
    if staff_read.snapshot is not None:
        shown = students_read.snapshot if students_read is not None else None
        found += _roster(config, staff_read.snapshot, shown)
    found += _settings(config)
    found.append(Finding("cron", cron_line(config)))
    return Readiness(tuple(found))


# -- the parts --------------------------------------------------------------------------------


def _calendar(config: Config, today: dt.date) -> list[Finding]:
    try:
        slots = schedule.slots(config.calendar)
    except ConfigError as error:
        return [Finding("calendar", str(error), 2)]
    if not slots:
        return [
            Finding(
                "calendar",
                f"no sessions: set [calendar] module_starts in {config.source or 'mixitup.toml'} "
                "(the Monday of week 1 of each module).",
                2,
            )
        ]
    coming = [s for s in slots if s.session.date >= today and not s.skipped][:NEXT_SESSIONS]
    if not coming:
        return [
            Finding(
                "calendar",
                f"no sessions after {today}: the last was {slots[-1].session.date}. Add next "
                "term's module starts to [calendar] module_starts.",
                2,
            )
        ]
    zone = config.calendar.timezone or "this machine's time zone"
    found = [
        Finding(
            "calendar",
            f"next sessions ({config.calendar.start:%H:%M}, {zone}): "
            + "; ".join(
                f"{s.session.date:%a} {s.session.date} Week {s.session.week} "
                f"(publish day {s.publish_on:%a} {s.publish_on})"
                for s in coming
            ),
        )
    ]
    found += [Finding("calendar", f"note: {note}") for note in schedule.notes(config.calendar)]
    return found


def _identity(config: Config, staff: Backend | BackendError) -> list[Finding]:
    if config.backend != "google" or isinstance(staff, BackendError):
        return []
    identity = getattr(staff, "identity", None)
    if identity is None:
        return []
    return [Finding("google", f"mixitup acts as {identity.name()} ({identity.source})")]


@dataclass(frozen=True)
class _Read:
    findings: list[Finding]
    snapshot: Snapshot | None


def _read(config: Config, backend: Backend | BackendError, name: str, holds: str) -> _Read:
    """Read one spreadsheet once: can it be reached, read and (as far as a read tells) written."""
    if isinstance(backend, BackendError):
        return _Read([Finding("spreadsheets", f"{name}: {backend}", backend.exit_code)], None)
    try:
        snapshot = backend.read()
    except ConfigError as error:
        return _Read([Finding("spreadsheets", f"{name}: {error}", 2)], None)
    except BackendError as error:
        return _Read([Finding("spreadsheets", f"{name}: {error}", 4)], None)
    except RosterError as error:  # an xlsx file that is no workbook
        return _Read([Finding("spreadsheets", f"{name}: {error}", 3)], None)
    where = backend.location
    if config.backend == "google":
        return _Read([_google_access(name, where, holds, backend)], snapshot)
    if not snapshot.titles:  # a students' workbook the first publish creates
        return _Read(
            [Finding("spreadsheets", f"{name} {where}: not there yet; the first publish makes it")],
            snapshot,
        )
    return _Read(
        [Finding("spreadsheets", f"{name} {where} ({holds}): read, {len(snapshot.titles)} tabs")],
        snapshot,
    )


def _google_access(name: str, where: str, holds: str, backend: Backend) -> Finding:
    """What one successful read says of the identity's access to a Google Sheet."""
    can_write = getattr(backend, "can_write", lambda: None)()
    read = f"{name} {where} ({holds}): read"
    if can_write is True:
        return Finding("google", f"{read} and write (it may edit the tabs mixitup protects)")
    if can_write is False:
        return Finding(
            "google",
            f"{read}, but not write: the tabs mixitup wrote there are protected against it, so "
            "it was shared as Viewer (or taken off those tabs' editors). Share the spreadsheet "
            "with it as Editor.",
            4,
        )
    return Finding(
        "google",
        f"{read}; write not checked: a read cannot tell an Editor from a Viewer and check "
        "writes nothing, so make sure it was shared as Editor (the first publish tells).",
    )


def _roster(config: Config, staff: Snapshot, students: Snapshot | None) -> list[Finding]:
    from mixitup import starter
    from mixitup.history import read_history
    from mixitup.roster import read_roster
    from mixitup.students import check_students_sheet

    found: list[Finding] = []
    if students is not None:
        try:
            check_students_sheet(students, config, "the students' spreadsheet")
        except ConfigError as error:
            found.append(Finding("spreadsheets", str(error), 2))
    try:
        roster = read_roster(dict(staff.tabs), staff.titles, config, staff.uncomputed)
    except RosterError as error:
        found += [Finding("roster", problem, 3) for problem in error.problems]
        roster = None
    examples = starter.example_rows(staff.rows(config.roster_tab) or ())
    if examples:
        rows = ", ".join(str(row) for row in examples)
        found.append(
            Finding(
                "roster",
                f'Roster tab "{config.roster_tab}", row{"s" if len(examples) > 1 else ""} {rows}: '
                "the example rows mixitup init wrote (emails at example.invalid). Type your "
                "students over them, or delete them.",
                3,
            )
        )
    if roster is not None:
        active = len(roster.students)
        sitting_out = len(roster.keys) - active
        pairs = len(roster.keep_apart)
        found.append(
            Finding(
                "roster",
                f"{active} students take part, {sitting_out} sit out (status), "
                f"{pairs} keep-apart pair{'' if pairs == 1 else 's'}",
            )
        )
        found += [Finding("roster", f"warning: {w}") for w in roster.warnings]
    try:
        history = read_history(staff, students)
    except RosterError as error:
        found += [Finding("history", problem, 3) for problem in error.problems]
    else:
        published = sorted(history.sessions())
        if published:
            found.append(
                Finding(
                    "history",
                    f"{len(published)} session{'' if len(published) == 1 else 's'} published, "
                    f"the latest {published[-1]}",
                )
            )
    return found


def _settings(config: Config) -> list[Finding]:
    """Notices, Slack, email and Zoom: whether each is set, never a secret."""
    from urllib.parse import urlsplit

    found = []
    if config.webhook:
        host = urlsplit(config.webhook).hostname or "?"
        found.append(Finding("notify", f"notices go to the webhook at {host} (address not shown)"))
    else:
        found.append(Finding("notify", "notices off: set [notify] webhook to hear of failures"))
    if config.slack is not None:
        found.append(Finding("notify", "Slack: a bot token is set; each group is told in Slack"))
    if config.email is not None:
        login = f", logging in as {config.email.username}" if config.email.username else ""
        found.append(
            Finding(
                "notify",
                f"email: {config.email.host}:{config.email.port} ({config.email.security}) "
                f"from {config.email.sender}{login}",
            )
        )
    if config.zoom_app is not None:
        found.append(Finding("zoom", f"Zoom app set, meeting {config.zoom_app.shown_meeting()}"))
    return found


def cron_line(config: Config) -> str:
    """The crontab line for this install and this school: every hour, logging to its folder.

    Paths are absolute: cron starts in the user's home, not where `check` ran.
    """
    wrapper = cron_wrapper()

    def shown(path: Path) -> str:
        return shlex.quote(str(path.absolute()))

    if config.source is not None:
        env = f"MIXITUP_HOME={shown(config.source.parent)}"
        if config.source.name != "mixitup.toml":
            env += f" MIXITUP_CONFIG={shown(config.source)}"
    else:
        env = f"MIXITUP_HOME={shown(config.workbook.parent)}"
        env += f" MIXITUP_WORKBOOK={shown(config.workbook)}"
        if config.students is not None and config.students.workbook is not None:
            env += f" MIXITUP_STUDENTS_WORKBOOK={shown(config.students.workbook)}"
    return f"{CRON_MINUTE} * * * * {env} {shlex.quote(str(wrapper))}"


def cron_wrapper() -> Path:
    """This install's cron wrapper: beside the `mixitup` script (an install puts it there),
    else in the source checkout mixitup runs from."""
    beside = Path(sys.executable).parent / "mixitup-cron"
    if beside.is_file():
        return beside
    return Path(__file__).resolve().parents[2] / "scripts" / "mixitup-cron"
