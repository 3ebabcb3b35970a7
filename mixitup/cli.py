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

from mixitup import __version__, pipeline
from mixitup.backends import open_backend
from mixitup.config import Config, load_config
from mixitup.errors import MixitupError
from mixitup.models import Session
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
    return parser


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
