"""The commands for running unattended and looking back: run, status, rollover, report."""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from mixitup import layout, notify
from mixitup.backends import open_backend, open_students_backend
from mixitup.cli.args import add_today, config_of, now_of
from mixitup.cli.sessions import notify_published, single_sheet_notice, where
from mixitup.config import Config
from mixitup.errors import ConfigError, DataError, MixitupError
from mixitup.models import Session

if TYPE_CHECKING:
    from mixitup import pipeline

STATES = {
    "skipped": "skipped (a [calendar] skip date)",
    "past": "past, not published",
    "due": "due now: `mixitup run` publishes it",
}


def add_run(commands: argparse._SubParsersAction[argparse.ArgumentParser], **kw: object) -> None:
    command = commands.add_parser(
        "run",
        help="the cron entry: publish what the calendar says is due, add late joiners",
        description="Publish every session whose publish day has come and whose date has not "
        "passed, add students new on the roster to published sessions still to come, and keep "
        "staff edits of groups tabs in the record, in one write. Does nothing (exit 0) "
        "otherwise, so it is safe to run every hour.",
        epilog="example (by hand, as if it were the publish day):\n"
        "  mixitup run --today 2027-01-11\n"
        "cron runs it through the wrapper: `mixitup check` prints the crontab line to install.",
        **kw,  # type: ignore[arg-type]
    )
    add_today(command)
    command.set_defaults(handler=run)


def add_status(commands: argparse._SubParsersAction[argparse.ArgumentParser], **kw: object) -> None:
    text = "show the calendar: each session's date, week and state, and the next one"
    command = commands.add_parser(
        "status",
        help=text,
        description=text + ". Writes nothing.",
        epilog="example:\n  mixitup status",
        **kw,  # type: ignore[arg-type]
    )
    add_today(command)
    command.set_defaults(handler=status)


def add_rollover(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], **kw: object
) -> None:
    command = commands.add_parser(
        "rollover",
        help="at a module boundary: every active student up one module, the top one graduated",
        description="Move every active student of the Roster up one module, in the spelling "
        "staff use (Mod 3 -> Mod 4, M3 -> M4, 3 -> 4), and mark those leaving the last module "
        "Graduated in the Status column (added when the roster has none). Every other cell "
        "stays as it is. A dry run that shows each change unless --write; refused when the "
        "roster has problems, or already moved up since the last session.",
        epilog="example (see the changes, then make them):\n"
        "  mixitup rollover\n  mixitup rollover --write",
        **kw,  # type: ignore[arg-type]
    )
    command.add_argument(
        "--write", action="store_true", help="make the changes in the Roster (one write)"
    )
    command.add_argument(
        "--force",
        action="store_true",
        help="roll over even though the roster already moved up since the last session",
    )
    command.set_defaults(handler=rollover)


def add_report(commands: argparse._SubParsersAction[argparse.ArgumentParser], **kw: object) -> None:
    command = commands.add_parser(
        "report",
        help="what the sessions did, per student and per session: a Report tab with a chart",
        description="Count, from the record, per student: sessions grouped, attended, distinct "
        "people, cohorts, programs and modules met, times led; per session: students, groups, "
        "groups led, attendance, repeat and cohort-mate pairs. Writes the staff spreadsheet's "
        "Report tab (tables and a chart) in one write and prints a summary. With a single "
        "spreadsheet, which students open too, it writes no tab (use --csv).",
        epilog="example:\n  mixitup report --csv report/",
        **kw,  # type: ignore[arg-type]
    )
    command.add_argument(
        "--csv",
        metavar="DIR",
        type=Path,
        default=None,
        help="also write students.csv and sessions.csv in DIR",
    )
    add_today(command)
    command.set_defaults(handler=report)


def run(args: argparse.Namespace) -> int:
    try:
        config = config_of(args)
    except MixitupError as error:
        error.add_note(check_hint(getattr(args, "config", None)))
        raise
    try:
        return _run(args, config)
    except MixitupError as error:
        hint = check_hint(config.source)
        if hint not in getattr(error, "__notes__", ()):
            error.add_note(hint)
        raise


def check_hint(config: Path | str | None) -> str:
    """What a failed run ends with: the command that lists everything to fix at once, naming
    the configuration file by its whole path (cron mail is read elsewhere)."""
    from mixitup.config import DEFAULT_CONFIG

    path = Path(config) if config else Path(DEFAULT_CONFIG)
    named = f" --config {shlex.quote(str(path.resolve()))}" if path.is_file() else ""
    return f"Run `mixitup{named} check` to see everything that needs fixing."


def _run(args: argparse.Namespace, config: Config) -> int:
    from mixitup import pipeline

    now = now_of(args, config)
    today = now.date() if now is not None else None
    with notify.on_failure(config.webhook, "run", where(config), hint=check_hint(config.source)):
        backend = open_backend(config, args.http_session)
        students = open_students_backend(config, args.http_session)
        outcome = pipeline.run(
            config,
            backend,
            today=today,
            now=now,
            students_backend=students,
            http=args.http_session,
            slack_url=args.slack_url,
        )
        followed = outcome.followed
        if outcome.problems:
            followed = replace(followed, problems=(*outcome.problems, *followed.problems))
        notify_published(config, backend, students, outcome.published, followed)
        if outcome.unrolled and outcome.published:
            notify.send(config.webhook, notify.unrolled_text(where(config), outcome.unrolled))
        if outcome.unplaced:
            raise DataError(
                "Late joiners not added (everyone else was): "
                + "; ".join(
                    f"{u.student.name} to {layout.label(u.session)}: {u.reason}"
                    for u in outcome.unplaced
                )
                + ". Place them by hand in the groups tab, or fix what is named, and run again."
            )
    return 0


def status(args: argparse.Namespace) -> int:
    from mixitup import pipeline

    config = config_of(args, secrets=False)  # sends nothing
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
    if result.out_next:
        print(f"Sitting the next session out ({len(result.out_next)}):")
        for name, why in result.out_next:
            print(f"  {name}: {why}")
    for note in result.notes:
        print(f"Check: {note}")
    if result.absent_twice:
        print(f"Absent from their last two sessions: {', '.join(result.absent_twice)}")
    if result.unrolled:
        print(f"Module boundary: {result.unrolled}")
    if result.disagree:
        labels = ", ".join(layout.label(s) for s in result.disagree)
        place = "students' spreadsheet" if students_backend is not None else "spreadsheet"
        print(
            f"Out of step: the {place} does not show {labels} as the staff record "
            "has it (a tab missing, changed or unprotected). The next `mixitup run` writes it "
            "there from the record; no groups are recomputed."
        )
    single_sheet_notice(config, backend.location)
    return 0


def rollover(args: argparse.Namespace) -> int:
    from mixitup import pipeline

    config = config_of(args, secrets=False)  # sends nothing
    backend = open_backend(config, args.http_session)
    result = pipeline.rollover(config, backend, write=args.write, force=args.force)
    moves = result.rollover.moves
    graduated = sum(m.graduated for m in moves)
    tab = f'the roster tab "{config.roster_tab}" of {result.location}'
    if not moves:
        print(f"Nobody to roll over in {tab}: no active student.")
        return 0
    if result.written:
        print(f"Rolled over {tab}:")
    else:
        print(f"Rollover of {tab} (a dry run: nothing written; add --write to make it):")
    for move in moves:
        after = "graduated" if move.graduated else move.after
        print(f"  {move.name} (row {move.row}): {move.before} -> {after}")
    status = result.rollover.status_added
    print(
        f"{len(moves) - graduated} moved up one module, {graduated} graduated (Status: "
        f"Graduated{f', in a Status column added as column {status}' if status else ''})."
    )
    if result.rollover.sitting_out:
        print(
            f"{result.rollover.sitting_out} students sitting out (their Status) are left as "
            "they are."
        )
    if result.written:
        print("Next: `mixitup status` shows the sessions of the new module.")
    return 0


def report(args: argparse.Namespace) -> int:
    from mixitup import pipeline

    config = config_of(args, secrets=False)  # sends nothing
    folder: Path | None = args.csv
    if folder is not None:
        try:  # before anything is written, so a bad --csv fails alone
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(f"Cannot create {folder}: {error.strerror}. Check --csv.") from error
    result = pipeline.report(
        config,
        open_backend(config, args.http_session),
        now=now_of(args, config),
        students_backend=open_students_backend(config, args.http_session),
    )
    if result.tab is None:
        print(f"No Report tab written: {result.why}.")
    else:
        print(f'Wrote tab "{result.tab}" in {result.location}:')
    for line in result.report.summary():
        print(f"  {line}")
    if result.ahead:
        print(f"  Not counted, still to come: {', '.join(result.ahead)}.")
    if result.feedback is not None:
        where = f' (tab "{result.feedback_tab}")' if result.feedback_tab else ""
        for line in result.feedback.lines():
            print(f"  {line}{where}")
            where = ""
    if folder is not None:
        from mixitup.report import csv_text

        files = {
            "students.csv": csv_text(result.report.students),
            "sessions.csv": csv_text(result.report.sessions),
        }
        if result.feedback is not None:
            from mixitup.feedback import csv_texts

            files.update(csv_texts(result.feedback))
        try:
            for name, text in files.items():
                (folder / name).write_text(text, encoding="utf-8", newline="")
        except OSError as error:
            raise ConfigError(
                f"Cannot write the CSV files in {folder}: {error.strerror}. Check --csv"
                + (f'; the "{result.tab}" tab was written.' if result.tab else ".")
            ) from error
        print(f"Wrote {', '.join(str(folder / name) for name in files)}.")
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
