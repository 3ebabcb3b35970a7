"""The `mixitup` command: parse arguments, build the Config, call the library, print, exit.

Known failures (MixitupError) print one message and exit with their code; anything else
keeps its traceback so cron mail shows it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mixitup import __version__, layout, notify
from mixitup.backends import open_backend, open_students_backend
from mixitup.config import DEFAULT_CONFIG, Config, load_config
from mixitup.errors import ConfigError, MixitupError
from mixitup.models import Session

if TYPE_CHECKING:
    import requests

    # The pipeline loads numba, numpy and openpyxl: only the commands that use it import it.
    from mixitup import pipeline
    from mixitup.optimizer import Grouping

log = logging.getLogger("mixitup")


def main(argv: Sequence[str] | None = None, *, session: requests.Session | None = None) -> int:
    """Run one command; return its exit code (see SPEC: 0 done, 2 usage, 3 data, 4 backend, 5).

    `session` carries every Google request (Sheets API and token service): tests pass one
    whose requests reach a local fake; None opens a new one.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    args.http_session = session
    _configure_logging(getattr(args, "verbose", 0) - getattr(args, "quiet", 0))
    try:
        return int(args.handler(args))
    except MixitupError as error:
        print(f"mixitup: {error}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:
        # The reader stopped reading (`mixitup plan | head`): every command reports after its
        # work is done, so only the report was cut short. Python's flush at exit would fail too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="configuration file (default ./mixitup.toml, or $MIXITUP_CONFIG)",
    )
    common.add_argument(
        "--workbook",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="use this local .xlsx workbook; no configuration file needed",
    )
    common.add_argument(
        "--students-workbook",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="publish the groups and prompts tabs into this local .xlsx workbook for students "
        "(created when missing); the staff workbook keeps the roster and history",
    )
    common.add_argument(
        "-v", "--verbose", action="count", default=argparse.SUPPRESS, help="more detail"
    )
    common.add_argument(
        "-q", "--quiet", action="count", default=argparse.SUPPRESS, help="errors only"
    )

    parser = argparse.ArgumentParser(
        prog="mixitup",
        description="Publish Mix It Up groups that mix modules and never repeat a pair.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"mixitup {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    demo = commands.add_parser(
        "demo",
        parents=[common],
        help="build a sample school workbook and publish two sessions, offline",
        description="Build a realistic sample workbook (about 240 students) and mixitup.toml in "
        "DIR, publish week 2 and week 4, and print where to look. No credentials, no network.",
    )
    demo.add_argument("--dir", default="demo", type=Path, help="folder to write (default ./demo)")
    demo.set_defaults(handler=_demo)

    for name, handler, text in (
        ("plan", _plan, "compute and show a session's groups and quality report; write nothing"),
        ("publish", _publish, "write a session's groups tab, prompts tab and history rows"),
    ):
        command = commands.add_parser(name, parents=[common], help=text, description=text)
        command.add_argument("--date", required=True, type=_date, help="session date, YYYY-MM-DD")
        command.add_argument("--week", required=True, type=int, help="module week: 2 or 4")
        command.set_defaults(handler=handler)
        if name == "publish":
            command.add_argument(
                "--force", action="store_true", help="replace the session if already published"
            )
            command.add_argument(
                "--force-past",
                action="store_true",
                help="with --force: allow replacing a session whose date has passed",
            )
    _add_ops_commands(commands, common)
    _add_meeting_commands(commands, common)
    return parser


def _add_meeting_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """The commands around the meeting: attendance and the day-of rebalance."""
    attendance = commands.add_parser(
        "attendance",
        parents=[common],
        help="record who attended a session, from Zoom's participants report or by name",
        description="Record in the History's Attended column who attended a published session: "
        "from Zoom's meeting participants report (attended: at least [attendance] min_minutes "
        "in all), and/or by name or email. One write; importing the same report again changes "
        "nothing. A pair counts as met only when both attended.",
    )
    _add_session(attendance)
    attendance.add_argument(
        "--zoom", metavar="REPORT.csv", type=Path, help="Zoom's participants report, as exported"
    )
    attendance.add_argument(
        "--absent", nargs="+", default=[], metavar="WHO", help="mark these absent (name or email)"
    )
    attendance.add_argument(
        "--present", nargs="+", default=[], metavar="WHO", help="mark these present (name or email)"
    )
    attendance.set_defaults(handler=_attendance)

    rebalance = commands.add_parser(
        "rebalance",
        parents=[common],
        help="on the day: move the fewest present students so no room is left nearly empty",
        description="Minutes before the rooms open: with these students absent, move the "
        "fewest present students so every room has at least [groups] min_present present and a "
        "lead where possible. Nobody else moves; no room is renumbered. Writes the groups tab "
        "and history in one change and prints the moves to paste into the Zoom chat.",
    )
    _add_session(rebalance)
    who = rebalance.add_mutually_exclusive_group(required=True)
    who.add_argument("--absent", nargs="+", metavar="WHO", help="who is absent (name or email)")
    who.add_argument(
        "--zoom",
        metavar="REPORT.csv",
        type=Path,
        help="Zoom's participants report so far: everyone grouped but not in it is absent",
    )
    rebalance.set_defaults(handler=_rebalance)


def _add_session(command: argparse.ArgumentParser) -> None:
    command.add_argument("--date", required=True, type=_date, help="session date, YYYY-MM-DD")
    command.add_argument("--week", required=True, type=int, help="module week: 2 or 4")


def _add_ops_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """The commands for unattended operation: init, run, status, export."""
    text = "write a commented starter mixitup.toml in the current folder"
    init = commands.add_parser("init", parents=[common], help=text, description=text)
    init.set_defaults(handler=_init)

    run = commands.add_parser(
        "run",
        parents=[common],
        help="the cron entry: publish what the calendar says is due, add late joiners",
        description="Publish every session whose publish day has come and whose date has not "
        "passed, and add students new on the roster to published sessions still to come, in "
        "one write. Does nothing (exit 0) otherwise, so it is safe to run every hour.",
    )
    _add_today(run)
    run.set_defaults(handler=_run)

    text = "show the calendar: each session's date, week and state, and the next one"
    status = commands.add_parser("status", parents=[common], help=text, description=text)
    _add_today(status)
    status.set_defaults(handler=_status)

    text = "export a published session's groups for another tool"
    export = commands.add_parser("export", parents=[common], help=text, description=text)
    formats = export.add_subparsers(title="formats", metavar="FORMAT", required=True)
    text = "Zoom breakout-room pre-assignment CSV (Pre-assign Room Name,Email Address)"
    zoom = formats.add_parser("zoom", parents=[common], help=text, description=text)
    zoom.add_argument("--date", required=True, type=_date, help="session date, YYYY-MM-DD")
    zoom.add_argument("--week", required=True, type=int, help="module week: 2 or 4")
    zoom.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="CSV file to write; - for stdout"
    )
    zoom.set_defaults(handler=_export_zoom)

    text = "sign in to Google once in the browser; cron then publishes as you"
    login = commands.add_parser(
        "login",
        parents=[common],
        help=text,
        description="Sign in to Google in the browser (your school's Desktop app OAuth client) "
        "and store the sign-in, readable by you only, for [spreadsheet] credentials to name. "
        "For staff whose Google Workspace forbids sharing with a service account.",
    )
    login.add_argument(
        "--client-secrets",
        metavar="FILE",
        type=Path,
        default=None,
        help="the OAuth client's JSON (default: the one client_secret*.json in this folder)",
    )
    login.add_argument(
        "--out",
        metavar="FILE",
        type=Path,
        default=None,
        help="where to store the sign-in (default: ~/.config/mixitup/google-credentials.json)",
    )
    login.add_argument(
        "--no-browser",
        action="store_true",
        help="print the sign-in address instead of opening a browser",
    )
    login.set_defaults(handler=_login)
    report = commands.add_parser(
        "report",
        parents=[common],
        help="what the sessions did, per student and per session: a Report tab with a chart",
        description="Count, from the History, per student: sessions grouped, attended, distinct "
        "people, cohorts, programs and modules met, times led; per session: students, groups, "
        "groups led, attendance, repeat and cohort-mate pairs. Writes the staff spreadsheet's "
        "Report tab (tables and a chart) in one write and prints a summary.",
    )
    report.add_argument(
        "--csv",
        metavar="DIR",
        type=Path,
        default=None,
        help="also write students.csv and sessions.csv in DIR",
    )
    report.set_defaults(handler=_report)


def _add_today(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--today",
        metavar="DATE",
        type=_moment,
        default=None,
        help="act as if it were DATE, YYYY-MM-DD, at its start, or YYYY-MM-DDTHH:MM "
        "(default: now, in [calendar] timezone)",
    )


def _moment(text: str) -> dt.date | dt.datetime:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date like 2027-01-13 or a time like 2027-01-13T11:30"
        ) from None


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2027-01-13") from None


# Libraries whose debug and info lines carry request bodies and addresses: sign-in codes,
# client secrets, tokens.
QUIET_LIBRARIES = ("google", "google_auth_oauthlib", "requests_oauthlib", "oauthlib", "urllib3")


def _configure_logging(level: int) -> None:
    chosen = {-1: logging.ERROR, 0: logging.INFO}.get(max(-1, min(level, 1)), logging.DEBUG)
    logging.basicConfig(
        level=chosen,
        format="mixitup: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    for name in QUIET_LIBRARIES:  # -v is mixitup's detail, never a library's secrets
        logging.getLogger(name).setLevel(max(chosen, logging.WARNING))


def _login(args: argparse.Namespace) -> int:
    from mixitup.config import login_file
    from mixitup.login import find_client_secrets, login

    secrets = find_client_secrets(args.client_secrets, Path.cwd())
    out = (args.out or login_file()).expanduser().resolve()
    signed_in = login(secrets, out, open_browser=not args.no_browser)
    print(f"Signed in as {signed_in.account}.")
    print(f"Stored the sign-in in {signed_in.path} (only you can read it; never share it).")
    print(
        f"Next: share the spreadsheet with {signed_in.account} as Editor, and in mixitup.toml set"
    )
    print("  [spreadsheet]")
    print(f"  credentials = {json.dumps(str(signed_in.path))}")
    return 0


def _config(args: argparse.Namespace) -> Config:
    return load_config(
        getattr(args, "config", None),
        getattr(args, "workbook", None),
        students_workbook=getattr(args, "students_workbook", None),
    )


def _single_sheet_notice(config: Config, location: str) -> None:
    """Said once by plan, publish and status when staff and students share one spreadsheet."""
    if config.students is not None:
        return
    if config.backend == "google":
        how = (
            'add to mixitup.toml\n  [students]\n  id = "..."'
            "   # an empty Google Sheet shared with mixitup as Editor"
        )
    else:
        how = (
            'add to mixitup.toml\n  [students]\n  path = "students.xlsx"\n'
            "or pass --students-workbook students.xlsx"
        )
    print(
        f"Note: one spreadsheet for staff and students. Anyone who can open {location} can "
        "read the roster (emails, statuses, notes), the keep-apart pairs and the history. To "
        f"give students a spreadsheet with only their groups and prompts, {how}"
    )


def _plan(args: argparse.Namespace) -> int:
    from mixitup import pipeline

    config = _config(args)
    session = Session(args.date, args.week)
    backend = open_backend(config, args.http_session)
    result = pipeline.plan(
        config, backend, session, students_backend=open_students_backend(config, args.http_session)
    )
    state = (
        " (already published; `publish --force` would replace it)"
        if result.already_published
        else ""
    )
    print(f"{layout.label(session)}: {len(result.roster.students)} students{state}")
    _print_report(result.grouping)
    for number, group in enumerate(result.grouping.groups, 1):
        members = ", ".join(f"{s.name} ({s.program} Mod {s.module})" for s in group)
        print(f"  Group {number}: {members}")
    _single_sheet_notice(config, backend.location)
    return 0


def _publish(args: argparse.Namespace) -> int:
    from mixitup import pipeline

    config = _config(args)
    with notify.on_failure(config.webhook, "publish", _where(config)):
        backend = open_backend(config, args.http_session)
        students = open_students_backend(config, args.http_session)
        outcome = pipeline.publish(
            config,
            backend,
            Session(args.date, args.week),
            force=args.force,
            force_past=args.force_past,
            students_backend=students,
        )
    where = backend.location
    if students is not None:
        where = f"{students.location} (students), history in {backend.location} (staff)"
    if outcome.plan is not None:
        _notify_published(config, students.location if students else where, [outcome.plan])
    if outcome.plan is None:
        print(f"{layout.label(outcome.session)} is already published in {where}; nothing changed.")
    else:
        print(f"{outcome.action.capitalize()} {layout.label(outcome.session)} in {where}:")
        _print_report(outcome.plan.grouping)
    _single_sheet_notice(config, backend.location)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from mixitup.demo import build_demo

    print(build_demo(args.dir.resolve()))
    return 0


def _print_report(grouping: Grouping) -> None:
    for line in grouping.report.lines():
        print(f"  {line}")


def _init(args: argparse.Namespace) -> int:
    from mixitup.starter import write_starter

    path = write_starter(Path(getattr(args, "config", None) or DEFAULT_CONFIG).resolve())
    print(f"Wrote {path}. Next: set [spreadsheet] and [calendar] module_starts, then run")
    print("  mixitup status")
    return 0


def _run(args: argparse.Namespace) -> int:
    from mixitup import pipeline

    config = _config(args)
    today, now = args.today, None
    if isinstance(today, dt.datetime):
        now = today if today.tzinfo else config.calendar.at(today.date(), today.time())
        today = now.date()
    with notify.on_failure(config.webhook, "run", _where(config)):
        backend = open_backend(config, args.http_session)
        students = open_students_backend(config, args.http_session)
        outcome = pipeline.run(config, backend, today=today, now=now, students_backend=students)
    _notify_published(config, (students or backend).location, outcome.published)
    return 0


def _where(config: Config) -> str:
    """The spreadsheet a command works on, for a notice: a path or a sheet's address."""
    if config.backend == "google":
        return f"https://docs.google.com/spreadsheets/d/{config.sheet_id}"
    return str(config.workbook)


def _notify_published(config: Config, location: str, plans: Sequence[pipeline.Plan]) -> None:
    for plan in plans:
        text = notify.published_text(
            layout.label(plan.session),
            len(plan.roster.students),
            plan.grouping.report.groups,
            location,
            layout.groups_title(plan.session),
        )
        notify.send(config.webhook, text)


STATES = {
    "skipped": "skipped (a [calendar] skip date)",
    "past": "past, not published",
    "due": "due now: `mixitup run` publishes it",
}


def _status(args: argparse.Namespace) -> int:
    from mixitup import pipeline

    config = _config(args)
    backend = open_backend(config, args.http_session)
    students_backend = open_students_backend(config, args.http_session)
    today = args.today.date() if isinstance(args.today, dt.datetime) else args.today
    result = pipeline.status(config, backend, today=today, students_backend=students_backend)
    source = config.source or "defaults (no mixitup.toml)"
    print(f"Today is {result.today:%a} {result.today}. Calendar: {source}")
    if students_backend is None:
        print(f"Spreadsheet: {backend.location}")
    else:
        print(f"Staff spreadsheet (roster, history): {backend.location}")
        print(f"Students' spreadsheet (groups, prompts): {students_backend.location}")
    print(f"Notices: {_notices(config)}")
    if not result.slots:
        print("No sessions on the calendar: set [calendar] module_starts in mixitup.toml.")
    module: dt.date | None = None
    for item in result.slots:
        if item.slot.module_start != module:
            module = item.slot.module_start
            print(f"Module starting {module:%a} {module}:")
        print(f"  {_when(item.slot.session)}  {_state(item)}")
    if result.unscheduled:
        print("Published, not on the calendar:")
        for session, students, groups in result.unscheduled:
            print(f"  {_when(session)}  published: {students} students in {groups} groups")
    following = result.next
    if following is None and result.slots:
        print("Next: none; the calendar has no more sessions. Add next term's module_starts.")
    elif following is not None:
        state = next(i for i in result.slots if i.slot == following)
        print(f"Next: {_when(following.session)}, {_state(state)}")
    for note in result.notes:
        print(f"Check: {note}")
    if result.absent_twice:
        print(f"Absent from their last two sessions: {', '.join(result.absent_twice)}")
    if result.disagree:
        labels = ", ".join(layout.label(s) for s in result.disagree)
        print(
            f"Out of step: the students' spreadsheet does not show {labels} as the staff record "
            "has it (a tab missing, changed or unprotected). The next `mixitup run` writes it "
            "there from the record; no groups are recomputed."
        )
    _single_sheet_notice(config, backend.location)
    return 0


def _notices(config: Config) -> str:
    """Whether notices are set up, naming the webhook's host only: its address is a secret."""
    if not config.webhook:
        return "off (set [notify] webhook in mixitup.toml to hear of each publish and failure)"
    from urllib.parse import urlsplit

    host = urlsplit(config.webhook).hostname or "?"
    return f"on, posted to the webhook at {host} (its address is a secret, so not shown)"


def _when(session: Session) -> str:
    return f"{session.date:%a} {session.date}  Week {session.week}"


def _state(item: pipeline.SlotStatus) -> str:
    if item.state == "published":
        return f"published: {item.students} students in {item.groups} groups"
    if item.state == "upcoming":
        return f"due on {item.slot.publish_on:%a} {item.slot.publish_on}"
    return STATES[item.state]


def _export_zoom(args: argparse.Namespace) -> int:
    from mixitup import pipeline

    config = _config(args)
    backend = open_backend(config, args.http_session)
    session = Session(args.date, args.week)
    result = pipeline.export_zoom(
        config, backend, session, open_students_backend(config, args.http_session)
    )
    if args.output == "-":
        sys.stdout.write(result.text)
        return 0
    path = Path(args.output)
    try:
        path.write_text(result.text, encoding="utf-8", newline="")
    except OSError as error:
        raise ConfigError(f"Cannot write {path}: {error.strerror}. Check -o.") from error
    print(
        f"Wrote {path}: {result.participants} students in {result.rooms} rooms for "
        f"{layout.label(session)}. Upload it in Zoom under the meeting's breakout room "
        "pre-assignment."
    )
    return 0


def _report(args: argparse.Namespace) -> int:
    from mixitup import pipeline

    config = _config(args)
    folder: Path | None = args.csv
    if folder is not None:
        try:  # before anything is written, so a bad --csv fails alone
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(f"Cannot create {folder}: {error.strerror}. Check --csv.") from error
    result = pipeline.report(config, open_backend(config, args.http_session))
    print(f'Wrote tab "{result.tab}" in {result.location}:')
    for line in result.report.summary():
        print(f"  {line}")
    if folder is not None:
        from mixitup.report import csv_text

        try:
            for name, table in (
                ("students.csv", result.report.students),
                ("sessions.csv", result.report.sessions),
            ):
                (folder / name).write_text(csv_text(table), encoding="utf-8", newline="")
        except OSError as error:
            raise ConfigError(
                f"Cannot write the CSV files in {folder}: {error.strerror}. Check --csv; the "
                f'"{result.tab}" tab was written.'
            ) from error
        print(f"Wrote {folder / 'students.csv'} and {folder / 'sessions.csv'}.")
    return 0


def _attendance(args: argparse.Namespace) -> int:
    from mixitup import pipeline
    from mixitup.zoom_report import read_report

    if args.zoom is None and not args.absent and not args.present:
        raise ConfigError(
            "Say who attended: --zoom REPORT.csv (Zoom's participants report), and/or "
            "--absent WHO... / --present WHO... (names or emails)."
        )
    config = _config(args)
    backend = open_backend(config, args.http_session)
    report = read_report(args.zoom) if args.zoom is not None else None
    result = pipeline.attendance(
        config,
        backend,
        Session(args.date, args.week),
        report=report,
        absent=args.absent,
        present=args.present,
        students_backend=open_students_backend(config, args.http_session),
    )
    minutes = f" (at least {config.min_minutes:g} minutes)" if report is not None else ""
    print(
        f"{layout.label(result.session)}: {len(result.attended)} attended{minutes}, "
        f"{len(result.absent)} absent, {len(result.unrecorded)} not recorded."
    )
    if result.absent:
        print(f"Absent: {', '.join(result.absent)}")
    if result.changed:
        print(f"Recorded in the History of {backend.location}: {result.changed} changed.")
    else:
        print(f"The History of {backend.location} already says so; nothing changed.")
    if result.strangers:
        print("In the report but not grouped in this session (host, guests, unknown names):")
        for person in result.strangers:
            email = f" <{person.email}>" if person.email else ""
            print(f"  {person.name}{email}, {person.minutes:g} min")
    return 0


def _rebalance(args: argparse.Namespace) -> int:
    from mixitup import pipeline
    from mixitup.zoom_report import read_report

    config = _config(args)
    backend = open_backend(config, args.http_session)
    result = pipeline.rebalance(
        config,
        backend,
        Session(args.date, args.week),
        absent=args.absent or (),
        report=read_report(args.zoom) if args.zoom is not None else None,
        students_backend=open_students_backend(config, args.http_session),
    )
    print(
        f"{layout.label(result.session)}: {len(result.absent)} absent, {len(result.moves)} moved."
    )
    if not result.changed:
        print(f"Nothing to change in {backend.location}.")
    if result.moves or result.new_leads:
        print("Paste into the Zoom chat:")
    by_route: dict[tuple[int, int], list[str]] = {}
    for move in result.moves:
        by_route.setdefault((move.room, move.to), []).append(move.student.name)
    for (room, to), names in sorted(by_route.items()):
        print(f"Room {room} -> join room {to}: {', '.join(names)}")
    for room, name in result.new_leads:
        print(f"Room {room}: {name} leads today.")
    if result.short:
        rooms = ", ".join(map(str, result.short))
        print(f"Still fewer than {config.min_present} present (too few people): rooms {rooms}")
    if result.unled:
        print(f"Nobody present who can lead: rooms {', '.join(map(str, result.unled))}")
    if result.changed:
        print(f"Wrote the groups tab and history in {backend.location}.")
    return 0
