"""The commands for setting up: demo, init, check, login."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mixitup.cli.args import add_today, config_of
from mixitup.errors import BackendError, ConfigError, MixitupError

if TYPE_CHECKING:
    from mixitup import starter
    from mixitup.backends import Backend


def add_demo(commands: argparse._SubParsersAction[argparse.ArgumentParser], **kw: object) -> None:
    command = commands.add_parser(
        "demo",
        help="build a sample school and publish two sessions, offline, to see what it does",
        description="Build a realistic sample school (about 240 students) in DIR: a staff "
        "workbook, a students' workbook and mixitup.toml; publish week 2 and week 4; print "
        "where to look. No credentials, no network.",
        epilog="example:\n  mixitup demo --dir demo",
        **kw,  # type: ignore[arg-type]
    )
    command.add_argument(
        "--dir", default="demo", type=Path, help="folder to write (default ./demo)"
    )
    command.set_defaults(handler=demo)


def add_init(commands: argparse._SubParsersAction[argparse.ArgumentParser], **kw: object) -> None:
    command = commands.add_parser(
        "init",
        help="make a school folder: mixitup.toml, a staff workbook with a Roster template",
        description="Make a school folder DIR, outside mixitup's own code: a commented "
        "mixitup.toml with your calendar, and for local workbooks (xlsx) a staff workbook "
        "with a Roster tab (the headers and three example rows to type over) and a Keep apart "
        "tab; for Google Sheets, the steps to share both spreadsheets. Answers not given as "
        "options are asked when run in a terminal. Never overwrites a file.",
        epilog="examples:\n"
        "  mixitup init ~/school --module-start 2027-01-04 --module-start 2027-02-22 "
        "--timezone America/Denver\n"
        "  mixitup init ~/school --backend google --sheet-id 1AbC... --students-sheet-id "
        "1XyZ... --credentials ~/key.json\n"
        "  mixitup --workbook roster.xlsx init ~/school   (your own roster workbook)",
        **kw,  # type: ignore[arg-type]
    )
    command.add_argument(
        "dir", nargs="?", default=None, metavar="DIR", help="the school folder (default: here)"
    )
    command.add_argument(
        "--module-start",
        action="append",
        metavar="DATE",
        help="the Monday of week 1 of a module, YYYY-MM-DD; repeat it for each module",
    )
    command.add_argument("--weekday", help="the day sessions take place (default wednesday)")
    command.add_argument("--start", metavar="HH:MM", help="when sessions start (default 12:00)")
    command.add_argument(
        "--timezone", metavar="ZONE", help="the school's time zone, e.g. America/Denver"
    )
    command.add_argument("--size", metavar="N", help="students per group (default 6)")
    command.add_argument(
        "--backend",
        choices=("xlsx", "google"),
        help="xlsx: workbooks in the school folder (default); google: Google Sheets",
    )
    command.add_argument("--sheet-id", metavar="ID", help="google: the staff spreadsheet's id")
    command.add_argument(
        "--students-sheet-id", metavar="ID", help="google: the students' spreadsheet's id"
    )
    command.add_argument(
        "--credentials",
        metavar="FILE",
        help="google: the credentials file (a service-account key, or what mixitup login wrote)",
    )
    command.add_argument(
        "--here",
        action="store_true",
        help="allow DIR inside mixitup's own code folder (its .gitignore keeps a school's files "
        "out of git)",
    )
    command.set_defaults(handler=init)


def add_check(commands: argparse._SubParsersAction[argparse.ArgumentParser], **kw: object) -> None:
    command = commands.add_parser(
        "check",
        help="say whether everything is ready for cron, or list what is missing; writes nothing",
        description="Check the configuration, the calendar's next sessions, both spreadsheets "
        "(reached, read, and as far as a read tells, writable; which Google identity), the "
        "roster (every problem, and the example rows of mixitup init), notices, Slack, email "
        "and Zoom settings (never their secrets), and print the crontab line to install. Reads "
        "each spreadsheet once and writes nothing. Exit 0 ready; 2 configuration; 4 a "
        "spreadsheet out of reach; 3 roster.",
        epilog="example:\n  mixitup --config ~/school/mixitup.toml check",
        **kw,  # type: ignore[arg-type]
    )
    add_today(command)
    command.set_defaults(handler=check)


def add_login(commands: argparse._SubParsersAction[argparse.ArgumentParser], **kw: object) -> None:
    command = commands.add_parser(
        "login",
        help="sign in to Google once in the browser; cron then publishes as you",
        description="Sign in to Google in the browser (your school's Desktop app OAuth client) "
        "and store the sign-in, readable by you only, for [spreadsheet] credentials to name. "
        "For staff whose Google Workspace forbids sharing with a service account.",
        epilog="example:\n  mixitup login --client-secrets client_secret.json",
        **kw,  # type: ignore[arg-type]
    )
    command.add_argument(
        "--client-secrets",
        metavar="FILE",
        type=Path,
        default=None,
        help="the OAuth client's JSON (default: the one client_secret*.json in this folder)",
    )
    command.add_argument(
        "--out",
        metavar="FILE",
        type=Path,
        default=None,
        help="where to store the sign-in (default: ~/.config/mixitup/google-credentials.json)",
    )
    command.add_argument(
        "--no-browser",
        action="store_true",
        help="print the sign-in address instead of opening a browser",
    )
    command.set_defaults(handler=login)


def demo(args: argparse.Namespace) -> int:
    from mixitup.demo import build_demo

    print(build_demo(args.dir, invoked()))
    return 0


def invoked() -> str:
    """How to run this mixitup again from here: `mixitup` when the PATH finds this one, else
    its path (relative when inside the current folder, as `make demo`'s .venv/bin/mixitup)."""
    import shutil
    import sys

    me = Path(sys.argv[0])
    if me.name != "mixitup":  # python -m mixitup, or main() called from Python
        return "mixitup"
    found = shutil.which(me.name)
    if found is not None and Path(found).resolve() == me.resolve():
        return me.name
    try:
        return shlex.quote(str(me.absolute().relative_to(Path.cwd())))
    except ValueError:
        return shlex.quote(str(me.absolute()))


def init(args: argparse.Namespace) -> int:
    import sys

    from mixitup import starter

    school, given, shown_folder = _school_of(args)
    if sys.stdin.isatty():
        print("Answer each question, or press Enter for the answer in [brackets].")
        try:
            school = starter.ask_school(school, given, input, print)
        except (EOFError, KeyboardInterrupt):
            print()
            raise ConfigError("mixitup init stopped before every answer was given; nothing was "
                              "written.") from None  # fmt: skip
    if school.backend == "google" and not school.credentials:
        from dataclasses import replace

        from mixitup.config import login_file

        # Where `mixitup login` stores its sign-in: the file names it before it exists.
        school = replace(school, credentials=str(login_file()))
    created = starter.create_school(school)
    for line in _init_report(created, shown_folder):
        print(line)
    return 0


def _school_of(args: argparse.Namespace) -> tuple[starter.School, frozenset[str], str]:
    """The School the flags describe, which answers they gave, and the folder as typed."""
    from mixitup import starter

    cwd = Path.cwd()
    config = getattr(args, "config", None)
    if args.dir is not None and config is not None:
        raise ConfigError("Give the school folder DIR or --config FILE to mixitup init, not both.")
    if config is not None and Path(config).name != starter.CONFIG_NAME:
        raise ConfigError(
            f"mixitup init writes a file named {starter.CONFIG_NAME}; name its folder instead: "
            f"mixitup init {shlex.quote(str(Path(config).parent))}"
        )
    typed = args.dir if args.dir is not None else str(Path(config).parent) if config else ""
    folder = (cwd / Path(typed).expanduser()).resolve() if typed else cwd.resolve()
    clone = starter.inside_clone(folder)
    if clone is not None and not args.here:
        raise ConfigError(
            f"{folder} is inside mixitup's own code folder {clone}; keep a school's files "
            "(its roster, settings and secrets) in a folder of their own, e.g. "
            "`mixitup init ~/school`. Add --here to set up there all the same."
        )

    def written(flag: str | None, default: str) -> str:
        """A path given on the command line, as mixitup.toml holds it: relative to the folder
        when inside it."""
        if not flag:
            return default
        path = (cwd / Path(flag).expanduser()).resolve()
        try:
            return str(path.relative_to(folder))
        except ValueError:
            return str(path)

    answers: dict[str, object] = {}
    if args.module_start:
        answers["module_starts"] = starter.parse_dates(",".join(args.module_start))
    parsers = {
        "weekday": starter.parse_weekday,
        "start": starter.parse_start,
        "timezone": starter.parse_timezone,
        "size": starter.parse_size,
        "backend": starter.parse_backend,
        "sheet_id": starter.sheet_id_of,
        "students_sheet_id": starter.sheet_id_of,
    }
    for name, parse in parsers.items():
        value = getattr(args, name)
        if value is not None:
            answers[name] = parse(value)
    workbook = getattr(args, "workbook", None)
    students_workbook = getattr(args, "students_workbook", None)
    google = answers.get("backend") == "google"
    if google and (workbook or students_workbook):
        raise ConfigError(
            "--workbook and --students-workbook name local workbooks; with --backend google, "
            "give --sheet-id and --students-sheet-id instead."
        )
    if workbook or students_workbook:
        answers["backend"] = "xlsx"
    if args.credentials:
        answers["credentials"] = written(args.credentials, "")
    school = starter.School(
        folder,
        workbook=written(workbook, "mixitup.xlsx"),
        students_workbook=written(students_workbook, "students.xlsx"),
        **answers,  # type: ignore[arg-type]
    )
    if school.backend == "xlsx" and (args.sheet_id or args.students_sheet_id or args.credentials):
        raise ConfigError(
            "--sheet-id, --students-sheet-id and --credentials are for Google Sheets: add "
            "--backend google, or leave them out for local workbooks."
        )
    if workbook or students_workbook:
        given = frozenset({*answers, "backend"})
    else:
        given = frozenset(answers)
    return school, given, typed


def _init_report(created: starter.Created, typed: str) -> list[str]:
    """What init did and what to do next, with paths as staff typed them."""
    from mixitup import starter

    school = created.school

    def shown(path: Path) -> str:
        try:
            inside = path.relative_to(school.folder)
        except ValueError:
            return str(path)
        return str(Path(typed) / inside) if typed else str(inside)

    config = shown(school.config_file)
    calendar = (
        "modules starting " + ", ".join(day.isoformat() for day in school.module_starts)
        if school.module_starts
        else "no module start dates yet (set [calendar] module_starts)"
    )
    zone = school.timezone or "this machine's time zone"
    files = [
        (
            config,
            f"settings: {calendar}; sessions on {school.weekday.title()}s at "
            f"{school.start} ({zone}); groups of {school.size}",
        )
    ]
    check = "mixitup check" if not typed else f"mixitup --config {shlex.quote(config)} check"
    if school.backend == "xlsx":
        workbook = school.path_of(school.workbook)
        students = school.path_of(school.students_workbook)
        if workbook in created.kept:
            files.append((shown(workbook), "your staff workbook, kept as it is"))
        else:
            files.append(
                (
                    shown(workbook),
                    "the staff workbook (share it with staff only): type your students over the "
                    f"{len(starter.EXAMPLE_ROWS)} example rows of its Roster tab; pairs never to "
                    "be grouped together go in its Keep apart tab",
                )
            )
        files.append(
            (
                shown(students),
                "the students' workbook, made by the first publish: share it with students "
                "(it holds only groups and prompts)",
            )
        )
    width = min(max(len(path) for path, _ in files) + 4, 32)
    lines = [f"Made the school folder {shown(school.folder) if typed else '.'}:"]
    for path, text in files:
        first = f"  {path:<{width - 2}}"
        if len(first) > width:  # a long path on a line of its own, its text below
            lines.append(first.rstrip())
            first = " " * width
        lines.append(
            textwrap.fill(
                first + text,
                width=100,
                subsequent_indent=" " * width,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    lines.append("Optional: students' requests (skip, pause) and feedback by two Google Forms:")
    lines.append("  `mixitup forms` prints the questions to ask.")
    if school.backend == "xlsx":
        lines.append("Next: fill in the Roster tab, then run")
        lines.append(f"  {check}")
        return lines
    lines += _share_steps(school, shown)
    lines.append("Next, once both are shared and the Roster tab is filled in:")
    lines.append(f"  {check}")
    return lines


def _share_steps(school: starter.School, shown: Callable[[Path], str]) -> list[str]:
    """The steps to share both Google Sheets with the identity mixitup acts as."""
    from mixitup import starter

    credentials = school.path_of(school.credentials) if school.credentials else None
    identity = starter.identity_of(credentials)
    lines = []
    if identity is not None and identity.email:
        who = identity.email
        lines.append(
            f"mixitup acts as the {identity.kind} {who} (from {shown(credentials)})."  # type: ignore[arg-type]
        )
    else:
        who = "the account `mixitup login` names"
        lines.append(
            "Sign in once as the Google account mixitup should act as (README: Google setup):"
        )
        lines.append("  mixitup login")
        lines.append(
            f"  it stores the sign-in in {credentials}, which mixitup.toml names, and prints "
            "the account to share with."
        )
    staff = school.sheet_id or "STAFF_ID"
    students = school.students_sheet_id or "STUDENTS_ID"
    if not school.sheet_id or not school.students_sheet_id:
        lines.append(
            "Create two Google Sheets (staff, students) and put their ids in [spreadsheet] id "
            f"and [students] id of {shown(school.config_file)}."
        )
    lines += [
        "Share both spreadsheets:",
        f"  1. Staff: https://docs.google.com/spreadsheets/d/{staff}",
        f"     Share > add {who} > Editor > untick Notify people > Share.",
        "     Share it with staff only: it holds the roster, keep-apart pairs and history.",
        f"     Name a tab Roster, with the headers {', '.join(starter.ROSTER_HEADER)} in row 1.",
        f"  2. Students: https://docs.google.com/spreadsheets/d/{students}",
        f"     Share > add {who} > Editor > untick Notify people > Share.",
        "     Then General access > Anyone with the link (or your school) > Viewer, for students.",
    ]
    return lines


def check(args: argparse.Namespace) -> int:
    from mixitup.backends import open_backend, open_students_backend
    from mixitup.pipeline import check as checking

    try:
        config = config_of(args)
    except MixitupError as error:
        readiness = checking.config_problem(error)
    else:
        staff: Backend | BackendError
        students: Backend | BackendError | None
        try:
            staff = open_backend(config, args.http_session)
        except BackendError as error:
            staff = error
        try:
            students = open_students_backend(config, args.http_session)
        except BackendError as error:
            students = error
        today = args.today.date() if isinstance(args.today, dt.datetime) else args.today
        readiness = checking.check(config, staff, students, today)
    width = max(len(f.topic) for f in readiness.findings)
    for finding in readiness.findings:
        if finding.topic == "cron":
            continue
        mark = "PROBLEM: " if finding.problem else ""
        print(
            textwrap.fill(
                f"{finding.topic:<{width}}  {mark}{_shown_paths(finding.text)}",
                width=100,
                subsequent_indent=" " * (width + 2),
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    cron = [f for f in readiness.findings if f.topic == "cron"]
    problems = readiness.problems
    if problems:
        count = len(problems)
        print(f"Not ready: {count} problem{'s' if count != 1 else ''} (PROBLEM above). Fix "
              "them and run this check again.")  # fmt: skip
        return readiness.exit_code
    print("Ready. To publish unattended, add this line with `crontab -e` (every hour; it logs to")
    print("logs/mixitup.log in the school folder and mails you only when a run fails):")
    for finding in cron:
        print(f"  {finding.text}")
    return 0


def _shown_paths(text: str) -> str:
    """Absolute paths under the current folder shown relative to it: shorter to read and copy."""
    here = str(Path.cwd())
    return text.replace(here + "/", "") if here != "/" else text


def login(args: argparse.Namespace) -> int:
    from mixitup.config import login_file
    from mixitup.extras import need

    need("login")
    from mixitup.login import find_client_secrets
    from mixitup.login import login as sign_in

    secrets = find_client_secrets(args.client_secrets, Path.cwd())
    out = (args.out or login_file()).expanduser().resolve()
    signed_in = sign_in(secrets, out, open_browser=not args.no_browser)
    print(f"Signed in as {signed_in.account}.")
    print(f"Stored the sign-in in {signed_in.path} (only you can read it; never share it).")
    print(
        f"Next: share the spreadsheet with {signed_in.account} as Editor, and in mixitup.toml set"
    )
    print("  [spreadsheet]")
    print(f"  credentials = {json.dumps(str(signed_in.path))}")
    return 0
