"""The commands for one session: plan, publish, unpublish, export zoom."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mixitup import layout, notify
from mixitup.backends import open_backend, open_students_backend
from mixitup.cli.args import add_session, config_of, session_of
from mixitup.config import Config
from mixitup.errors import ConfigError

if TYPE_CHECKING:
    from mixitup import pipeline
    from mixitup.backends import Backend
    from mixitup.optimizer import Grouping


def add_plan(commands: argparse._SubParsersAction[argparse.ArgumentParser], **kw: object) -> None:
    command = commands.add_parser(
        "plan",
        help="show a session's groups, leads, who sits out and the quality report; write nothing",
        description="Compute and show a session's groups (leads marked), who sits it out and "
        "why, and their quality report. For a session already published, show the published "
        "groups, as students see them; --fresh computes new ones instead. Writes nothing.",
        epilog="example:\n  mixitup plan --date 2027-01-13",
        **kw,  # type: ignore[arg-type]
    )
    add_session(command)
    command.add_argument(
        "--fresh",
        action="store_true",
        help="for a published session: preview new groups, as `publish --force` would make",
    )
    command.set_defaults(handler=plan)


def add_publish(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], **kw: object
) -> None:
    command = commands.add_parser(
        "publish",
        help="write a session's groups and prompts tabs, and its History rows",
        description="Write the session's History rows (the record) in the staff spreadsheet, "
        "then its groups and prompts tabs where students look. A session already published "
        "changes nothing unless --force.",
        epilog="example:\n  mixitup publish --date 2027-01-13",
        **kw,  # type: ignore[arg-type]
    )
    add_session(
        command,
        past="allow replacing a session that has started, or publishing one dated before today",
    )
    command.add_argument(
        "--force", action="store_true", help="replace the session if already published"
    )
    command.set_defaults(handler=publish)


def add_unpublish(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], **kw: object
) -> None:
    command = commands.add_parser(
        "unpublish",
        help="take back a session published by mistake: its History rows and tabs",
        description="Remove a session published by mistake: its History rows first, then its "
        "groups and prompts tabs in both spreadsheets. Later sessions are not recomputed.",
        epilog="example:\n  mixitup unpublish --date 2026-01-13 --week 2 --off-calendar",
        **kw,  # type: ignore[arg-type]
    )
    add_session(command, past="allow taking back a session that has started")
    command.set_defaults(handler=unpublish)


def add_export(commands: argparse._SubParsersAction[argparse.ArgumentParser], **kw: object) -> None:
    text = "export a published session's groups for another tool"
    export = commands.add_parser(
        "export",
        help=text,
        description=text,
        epilog="example:\n  mixitup export zoom --date 2027-01-13 -o rooms.csv",
        **kw,  # type: ignore[arg-type]
    )
    formats = export.add_subparsers(title="formats", metavar="FORMAT", required=True)
    text = "Zoom breakout-room pre-assignment CSV (Pre-assign Room Name,Email Address)"
    zoom = formats.add_parser(
        "zoom",
        help=text,
        description=text,
        epilog="example:\n  mixitup export zoom --date 2027-01-13 -o rooms.csv",
        **kw,  # type: ignore[arg-type]
    )
    add_session(zoom)
    zoom.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="CSV file to write; - for stdout"
    )
    zoom.set_defaults(handler=export_zoom)


def add_message(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], **kw: object
) -> None:
    command = commands.add_parser(
        "message",
        help="tell each group of a published session where they meet (Slack or email)",
        description="Send each group of a published session its message ([slack] and/or "
        "[email] in mixitup.toml): who is in it, who leads, when and where. Only what was not "
        "sent yet (a follow-up to groups that changed); --resend sends every group's again. "
        "`run` does this by itself after each publish.",
        epilog="example:\n  mixitup message --date 2027-01-13 --dry-run",
        **kw,  # type: ignore[arg-type]
    )
    add_session(command)
    command.add_argument("--resend", action="store_true", help="send every group's message again")
    command.add_argument(
        "--dry-run", action="store_true", help="show the messages; send and record nothing"
    )
    command.set_defaults(handler=message)


def message(args: argparse.Namespace) -> int:
    from mixitup import pipeline

    config = config_of(args, secrets=not args.dry_run)  # a dry run sends nothing
    session = session_of(args, config)
    backend = open_backend(config, args.http_session)
    told = pipeline.message(
        config,
        backend,
        session,
        resend=args.resend,
        dry_run=args.dry_run,
        students_backend=open_students_backend(config, args.http_session),
        slack_url=args.slack_url,
    )
    label = layout.label(session)
    if args.dry_run:
        print(told.preview or f"{label}: every group has been told already; nothing to send.")
        return 0
    print(f"{label}: told {told.sent} group{'' if told.sent == 1 else 's'}.")
    for problem in told.problems:
        print(f"Not done: {problem}")
    return 0


def plan(args: argparse.Namespace) -> int:
    from mixitup import pipeline

    config = config_of(args, secrets=False)  # sends nothing
    session = session_of(args, config)
    backend = open_backend(config, args.http_session)
    result = pipeline.plan(
        config,
        backend,
        session,
        students_backend=open_students_backend(config, args.http_session),
        fresh=args.fresh,
    )
    label = layout.label(session)
    if result.as_published:
        print(
            f"{label}: published, {result.grouped} students in "
            f"{len(result.grouping.groups)} groups. "
            "These are the groups students see (the record, staff edits included); "
            "`plan --fresh` previews new groups, `publish --force` would replace them."
        )
    else:
        state = (
            " (already published; new groups as `publish --force` would make them, not what "
            "students see)"
            if result.already_published
            else ""
        )
        print(f"{label}: {result.grouped} students{state}")
    print_report(result.grouping)
    for number, group in enumerate(result.grouping.groups, 1):
        members = ", ".join(
            f"{s.name} ({s.program} Mod {s.module}{', lead' if s.key in result.leads else ''})"
            for s in group
        )
        print(f"  Group {number}: {members or '(nobody)'}")
    if result.sitting_out:
        print(f"Sitting out ({len(result.sitting_out)}):")
        for name, why in result.sitting_out:
            print(f"  {name}: {why}")
    single_sheet_notice(config, backend.location)
    return 0


def publish(args: argparse.Namespace) -> int:
    from mixitup import pipeline

    config = config_of(args)
    with notify.on_failure(config.webhook, "publish", where(config)):
        session = session_of(args, config)
        backend = open_backend(config, args.http_session)
        students = open_students_backend(config, args.http_session)
        outcome = pipeline.publish(
            config,
            backend,
            session,
            force=args.force,
            force_past=args.force_past,
            students_backend=students,
            http=args.http_session,
            slack_url=args.slack_url,
        )
        if outcome.plan is not None:
            notify_published(config, backend, students, [outcome.plan], outcome.followed)
    label = layout.label(outcome.session)
    if outcome.plan is None:
        print(f"{label} is already published; nothing changed. {placed(backend, students)}")
    else:
        print(f"{outcome.action.capitalize()} {label}. {placed(backend, students)}")
        print_report(outcome.plan.grouping)
        print_followed(outcome.followed)
    single_sheet_notice(config, backend.location)
    return 0


def unpublish(args: argparse.Namespace) -> int:
    from mixitup import pipeline

    config = config_of(args)
    session = session_of(args, config)
    backend = open_backend(config, args.http_session)
    students = open_students_backend(config, args.http_session)
    outcome = pipeline.unpublish(
        config,
        backend,
        session,
        force_past=args.force_past,
        students_backend=students,
        http=args.http_session,
    )
    label = layout.label(session)
    if not outcome.changed:
        print(f"{label} is not published; nothing to do.")
        return 0
    print(f"Took back {label}:")
    print(f"  {outcome.rows} History row{'' if outcome.rows == 1 else 's'} in {backend.location}")
    for title in outcome.tabs:
        print(f'  tab "{title}"')
    print("Later sessions were not recomputed; `mixitup plan` shows what a new one would be.")
    return 0


def export_zoom(args: argparse.Namespace) -> int:
    from mixitup import pipeline

    config = config_of(args, secrets=False)  # sends nothing
    session = session_of(args, config)
    backend = open_backend(config, args.http_session)
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


def placed(staff: Backend, students: Backend | None) -> str:
    """Where a publish put what: the tabs where students look, the record in the staff one."""
    if students is None:
        return f"Tabs and History in {staff.location}."
    return (
        f"Groups and prompts tabs in the students' spreadsheet {students.location}; "
        f"History in the staff spreadsheet {staff.location}."
    )


def print_report(grouping: Grouping) -> None:
    for line in grouping.report.lines():
        print(f"  {line}")


def where(config: Config) -> str:
    """The spreadsheet a command works on, for a notice: a path or a sheet's address."""
    if config.backend == "google":
        return f"https://docs.google.com/spreadsheets/d/{config.sheet_id}"
    return str(config.workbook)


def notify_published(
    config: Config,
    staff: Backend,
    students: Backend | None,
    plans: Sequence[pipeline.Plan],
    followed: pipeline.Followed | None = None,
) -> None:
    """One notice per session published; and one listing what failed after (Zoom, messages)."""
    for result in plans:
        text = notify.published_text(
            layout.label(result.session),
            result.grouped,
            result.grouping.report.groups,
            (students or staff).location,
            layout.groups_title(result.session),
            result.sitting_out,
        )
        notify.send(config.webhook, text)
    if followed is not None and followed.problems:
        notify.send(config.webhook, notify.problems_text(where(config), followed.problems))


def print_followed(followed: pipeline.Followed) -> None:
    """What followed the write: Zoom's rooms, the messages sent, and what failed."""
    if followed.rooms:
        print(followed.rooms)
    if followed.sent:
        print(f"Told {followed.sent} group{'' if followed.sent == 1 else 's'} (Slack or email).")
    for problem in followed.problems:
        print(f"Not done: {problem}")


def single_sheet_notice(config: Config, location: str) -> None:
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
