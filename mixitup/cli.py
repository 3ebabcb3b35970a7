"""The `mixitup` command: parse arguments, build the Config, call the library, print, exit.

Known failures (MixitupError) print one message and exit with their code; anything else
keeps its traceback so cron mail shows it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mixitup import __version__
from mixitup.backends import open_backend
from mixitup.config import DEFAULT_CONFIG, Config, load_config
from mixitup.errors import ConfigError, MixitupError
from mixitup.models import Session

if TYPE_CHECKING:
    # The pipeline loads numba, numpy and openpyxl: only the commands that use it import it.
    from mixitup import pipeline
    from mixitup.optimizer import Grouping

log = logging.getLogger("mixitup")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (see SPEC: 0 done, 2 usage, 3 data, 4 backend, 5)."""
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(getattr(args, "verbose", 0) - getattr(args, "quiet", 0))
    try:
        return int(args.handler(args))
    except MixitupError as error:
        print(f"mixitup: {error}", file=sys.stderr)
        return error.exit_code


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
    return parser


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


def _add_today(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--today",
        metavar="DATE",
        type=_date,
        default=None,
        help="act as if today were DATE, YYYY-MM-DD (default: today, local time zone)",
    )


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2027-01-13") from None


def _configure_logging(level: int) -> None:
    logging.basicConfig(
        level={-1: logging.ERROR, 0: logging.INFO}.get(max(-1, min(level, 1)), logging.DEBUG),
        format="mixitup: %(message)s",
        stream=sys.stderr,
        force=True,
    )


def _config(args: argparse.Namespace) -> Config:
    return load_config(getattr(args, "config", None), getattr(args, "workbook", None))


def _plan(args: argparse.Namespace) -> int:
    from mixitup import pipeline

    config = _config(args)
    session = Session(args.date, args.week)
    result = pipeline.plan(config, open_backend(config), session)
    state = (
        " (already published; `publish --force` would replace it)"
        if result.already_published
        else ""
    )
    print(f"{session.label}: {len(result.roster.students)} students{state}")
    _print_report(result.grouping)
    for number, group in enumerate(result.grouping.groups, 1):
        members = ", ".join(f"{s.name} ({s.program} Mod {s.module})" for s in group)
        print(f"  Group {number}: {members}")
    return 0


def _publish(args: argparse.Namespace) -> int:
    from mixitup import pipeline

    config = _config(args)
    backend = open_backend(config)
    outcome = pipeline.publish(
        config, backend, Session(args.date, args.week), force=args.force, force_past=args.force_past
    )
    if outcome.plan is None:
        print(
            f"{outcome.session.label} is already published in {backend.location}; nothing changed."
        )
        return 0
    print(f"{outcome.action.capitalize()} {outcome.session.label} in {backend.location}:")
    _print_report(outcome.plan.grouping)
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
    pipeline.run(config, open_backend(config), today=args.today)
    return 0


STATES = {
    "skipped": "skipped (a [calendar] skip date)",
    "past": "past, not published",
    "due": "due now: `mixitup run` publishes it",
}


def _status(args: argparse.Namespace) -> int:
    from mixitup import pipeline

    config = _config(args)
    backend = open_backend(config)
    result = pipeline.status(config, backend, today=args.today)
    source = config.source or "defaults (no mixitup.toml)"
    print(f"Today is {result.today:%a} {result.today}. Calendar: {source}")
    print(f"Spreadsheet: {backend.location}")
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
    return 0


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
    backend = open_backend(config)
    session = Session(args.date, args.week)
    result = pipeline.export_zoom(config, backend, session)
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
        f"{session.label}. Upload it in Zoom under the meeting's breakout room pre-assignment."
    )
    return 0
