"""The `mixitup` command: parse arguments, build the Config, call the library, print, exit.

Known failures (MixitupError) print one message and exit with their code; anything else
keeps its traceback so cron mail shows it. One module per group of commands: `setup`
(demo, init, check, login), `sessions` (plan, publish, unpublish, export, message), `operate`
(run, status, rollover, report), `meeting` (rebalance, attendance), `forms`; `args` holds
what they share.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mixitup import __version__
from mixitup.cli import forms, meeting, operate, sessions, setup
from mixitup.errors import MixitupError

if TYPE_CHECKING:
    import requests

log = logging.getLogger("mixitup")

# Libraries whose debug and info lines carry request bodies and addresses: sign-in codes,
# client secrets, tokens.
QUIET_LIBRARIES = ("google", "google_auth_oauthlib", "requests_oauthlib", "oauthlib", "urllib3")
GLOBAL = "global options (--config, --workbook, --students-workbook, -v, -q): see mixitup --help"
EPILOG = """\
new here? `mixitup demo` builds a sample school and publishes two sessions, offline;
then `mixitup init` sets up your own school. Each command's --help has an example.
exit codes: 0 done or nothing to do, 2 usage or config, 3 roster or data problem,
4 spreadsheet unreachable or refusing, 5 grouping infeasible."""


class _Formatter(argparse.HelpFormatter):
    """Wraps a description to the terminal, keeps an epilog's lines (examples) as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def main(
    argv: Sequence[str] | None = None,
    *,
    session: requests.Session | None = None,
    slack_url: str | None = None,
) -> int:
    """Run one command; return its exit code (see SPEC: 0 done, 2 usage, 3 data, 4 backend, 5).

    `session` carries every request to Google (Sheets API, token service) and Zoom, and
    `slack_url` is Slack's Web API address: tests pass ones that reach local fakes; by default
    a new session and Slack itself.
    """
    args = parser().parse_args(argv)
    args.http_session = session
    args.slack_url = slack_url
    _configure_logging(getattr(args, "verbose", 0) - getattr(args, "quiet", 0))
    try:
        return int(args.handler(args))
    except MixitupError as error:
        print(f"mixitup: {error}", file=sys.stderr)
        for note in getattr(error, "__notes__", ()):
            print(note, file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:
        # The reader stopped reading (`mixitup plan | head`): every command reports after its
        # work is done, so only the report was cut short. Python's flush at exit would fail too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def parser() -> argparse.ArgumentParser:
    """The whole command line: global options once, then the commands in the order staff use
    them (set up; each session; on the day; afterwards; undoing a mistake)."""
    shown = _global_options(argparse.SUPPRESS, hidden=False)
    hidden = _global_options(argparse.SUPPRESS, hidden=True)
    main_parser = argparse.ArgumentParser(
        prog="mixitup",
        description="Publish Mix It Up groups that mix modules and programs and never repeat "
        "a pairing.",
        epilog=EPILOG,
        parents=[shown],
        formatter_class=_Formatter,
    )
    main_parser.add_argument("--version", action="version", version=f"mixitup {__version__}")
    commands = main_parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    common = {"parents": [hidden], "formatter_class": _Formatter}
    for add in (
        setup.add_demo,
        setup.add_init,
        setup.add_check,
        setup.add_login,
        sessions.add_plan,
        sessions.add_publish,
        operate.add_run,
        operate.add_status,
        operate.add_rollover,
        sessions.add_export,
        meeting.add_rebalance,
        meeting.add_attendance,
        sessions.add_message,
        forms.add_forms,
        operate.add_report,
        sessions.add_unpublish,
    ):
        add(commands, **common)
    for command in commands.choices.values():
        command.epilog = f"{command.epilog or ''}\n\n{GLOBAL}".lstrip("\n")
    return main_parser


def _global_options(default: str, *, hidden: bool) -> argparse.ArgumentParser:
    """The options every command takes, before or after its name; listed by `mixitup --help`
    only (hidden from each command's own help, where they would repeat)."""
    options = argparse.ArgumentParser(add_help=False)
    shown = options.add_argument_group("global options")

    def text(words: str) -> str:
        return argparse.SUPPRESS if hidden else words

    shown.add_argument(
        "--config",
        metavar="FILE",
        default=default,
        help=text("configuration file (default ./mixitup.toml, or $MIXITUP_CONFIG)"),
    )
    shown.add_argument(
        "--workbook",
        metavar="PATH",
        default=default,
        help=text("use this local .xlsx staff workbook; no configuration file needed"),
    )
    shown.add_argument(
        "--students-workbook",
        metavar="PATH",
        default=default,
        help=text(
            "publish the groups and prompts tabs into this local .xlsx workbook for students "
            "(created when missing); the staff workbook keeps the roster and history"
        ),
    )
    shown.add_argument("-v", "--verbose", action="count", default=default, help=text("more detail"))
    shown.add_argument("-q", "--quiet", action="count", default=default, help=text("errors only"))
    return options


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
