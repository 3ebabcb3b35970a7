"""The commands around the meeting: rebalance minutes before, attendance afterwards."""

from __future__ import annotations

import argparse
from pathlib import Path

from mixitup import layout
from mixitup.backends import open_backend, open_students_backend
from mixitup.cli.args import add_session, config_of, session_of
from mixitup.cli.sessions import print_followed
from mixitup.config import Config
from mixitup.errors import ConfigError, StudentsWriteError

ANY_DATE = "import a report even though none of its joins fall on the session's date"


def add_attendance(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], **kw: object
) -> None:
    command = commands.add_parser(
        "attendance",
        help="record who attended a session, from Zoom's participants report or by name",
        description="Record in the History's Attended column who attended a published session: "
        "from Zoom's meeting participants reports (one per meeting instance; a student's "
        "minutes add up, and attended means at least [attendance] min_minutes), and/or by "
        "name or email. One write; importing the same report again changes nothing. A pair "
        "counts as met only when both attended.",
        epilog="examples:\n  mixitup attendance --date 2027-01-13 --zoom participants.csv\n"
        "  mixitup attendance --date 2027-01-13 --absent 'Ann Lee' --absent bo@school.edu",
        **kw,  # type: ignore[arg-type]
    )
    add_session(command)
    command.add_argument(
        "--zoom",
        metavar="REPORT.csv",
        type=Path,
        action="append",
        default=[],
        help="Zoom's participants report, as exported (repeat for each meeting instance)",
    )
    command.add_argument(
        "--absent",
        nargs="+",
        action="extend",
        default=[],
        metavar="WHO",
        help="mark these absent (name or email); may be repeated",
    )
    command.add_argument(
        "--present",
        nargs="+",
        action="extend",
        default=[],
        metavar="WHO",
        help="mark these present (name or email); may be repeated",
    )
    command.add_argument("--any-date", action="store_true", help=ANY_DATE)
    command.set_defaults(handler=attendance)


def add_rebalance(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], **kw: object
) -> None:
    command = commands.add_parser(
        "rebalance",
        help="on the day: move the fewest present students so no room is left nearly empty",
        description="Minutes before the rooms open: with these students absent, move the "
        "fewest present students so every room has at least [groups] min_present present and a "
        "lead where possible. Nobody else moves; no room is renumbered. Writes the record, then "
        "the groups tab students see, and prints the moves to paste into the Zoom chat.",
        epilog="example:\n  mixitup rebalance --date 2027-01-13 --absent 'Ann Lee' 'Bo Chen'",
        **kw,  # type: ignore[arg-type]
    )
    add_session(command, past="allow rebalancing a session that has started")
    who = command.add_mutually_exclusive_group()
    who.add_argument(
        "--absent",
        nargs="+",
        action="extend",
        metavar="WHO",
        help="who is absent (name or email), besides those already marked; may be repeated",
    )
    who.add_argument(
        "--zoom",
        metavar="REPORT.csv",
        type=Path,
        action="append",
        help="Zoom's participants report so far: everyone grouped but not in it is absent",
    )
    who.add_argument(
        "--zoom-live",
        action="store_true",
        help="who is in the meeting now, from Zoom's Dashboard ([zoom] set up, a Business "
        "plan): everyone grouped but not in the meeting is absent",
    )
    command.add_argument(
        "--present",
        nargs="+",
        action="extend",
        metavar="WHO",
        default=[],
        help="who came after all, though marked absent before (name or email); with --absent "
        "or alone",
    )
    command.add_argument("--any-date", action="store_true", help=ANY_DATE)
    command.set_defaults(handler=rebalance)


def attendance(args: argparse.Namespace) -> int:
    from mixitup import pipeline
    from mixitup.zoom_report import read_report

    if not args.zoom and not args.absent and not args.present:
        raise ConfigError(
            "Say who attended: --zoom REPORT.csv (Zoom's participants report), and/or "
            "--absent WHO... / --present WHO... (names or emails)."
        )
    config = config_of(args, secrets=False)  # sends nothing
    session = session_of(args, config)
    backend = open_backend(config, args.http_session)
    reports = [read_report(path) for path in args.zoom]
    result = pipeline.attendance(
        config,
        backend,
        session,
        reports=reports,
        absent=args.absent,
        present=args.present,
        any_date=args.any_date,
        students_backend=open_students_backend(config, args.http_session),
    )
    minutes = f" (at least {config.min_minutes:g} minutes)" if reports else ""
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


def rebalance(args: argparse.Namespace) -> int:
    from mixitup import pipeline
    from mixitup.zoom_report import read_report

    if not (args.absent or args.present or args.zoom or args.zoom_live):
        raise ConfigError(
            "Say who is absent: --absent WHO... (names or emails; --present WHO... takes back an "
            "earlier mark), --zoom REPORT.csv (Zoom's participants report so far) or --zoom-live."
        )
    if args.present and (args.zoom or args.zoom_live):
        raise ConfigError(
            "--present goes with --absent: with a Zoom report, whoever it shows is present."
        )
    config = config_of(args)
    session = session_of(args, config)
    backend = open_backend(config, args.http_session)
    reports = [read_report(path) for path in args.zoom or ()]
    if args.zoom_live:
        from mixitup.zoom.client import open_client
        from mixitup.zoom.live import live_participants
        from mixitup.zoom_report import ZoomReport

        client = open_client(config, args.http_session)
        live = live_participants(client)
        reports = [ZoomReport(f"who is in {client.meeting} now", live.joins)]
    try:
        result = pipeline.rebalance(
            config,
            backend,
            session,
            absent=args.absent or (),
            present=args.present,
            reports=reports,
            any_date=args.any_date or args.zoom_live,
            force_past=args.force_past,
            students_backend=open_students_backend(config, args.http_session),
            http=args.http_session,
            slack_url=args.slack_url,
        )
    except StudentsWriteError as error:
        if isinstance(error.result, pipeline.RebalanceOutcome):
            print_rebalance(config, backend.location, error.result)  # the moves stand
        raise
    print_rebalance(config, backend.location, result)
    print_followed(result.followed)
    return 0


def print_rebalance(config: Config, location: str, result: object) -> None:
    from mixitup.pipeline import RebalanceOutcome

    assert isinstance(result, RebalanceOutcome)  # noqa: S101 - the pipeline's own result
    print(
        f"{layout.label(result.session)}: {len(result.absent)} absent, {len(result.moves)} moved."
    )
    if result.earlier:
        print(
            f"Still absent, as marked before: {', '.join(result.earlier)} (--present WHO if "
            "they came)."
        )
    if not result.changed:
        print(f"Nothing to change in {location}.")
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
        also = " and the session's groups tab from it" if result.shown else ""
        print(f"Wrote the record in {location}{also}.")
