"""`mixitup forms`: the two Google Forms students answer (requests; feedback): the questions to
ask, and links prefilled for each student."""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import replace

from mixitup.backends import open_backend
from mixitup.cli.args import config_of, date
from mixitup.config import Config
from mixitup.models import Student


def add_forms(commands: argparse._SubParsersAction[argparse.ArgumentParser], **kw: object) -> None:
    command = commands.add_parser(
        "forms",
        help="the questions of the two Google Forms students answer, or links prefilled for each",
        description="Print how to make the two optional Google Forms (students' requests to "
        "skip, pause or come back; their feedback after a session) with the question texts "
        "mixitup.toml expects. With --links, print for each active student a link to a form "
        "prefilled with their email ([requests] or [feedback] form_id and entries set).",
        epilog="examples:\n  mixitup forms\n  mixitup forms --links feedback --date 2027-01-13",
        **kw,  # type: ignore[arg-type]
    )
    command.add_argument(
        "--links",
        choices=("requests", "feedback"),
        default=None,
        help="print each active student's prefilled link to this form",
    )
    command.add_argument(
        "--date", type=date, default=None, help="with --links: the session date to prefill"
    )
    command.set_defaults(handler=forms)


def forms(args: argparse.Namespace) -> int:
    from mixitup.errors import ConfigError
    from mixitup.forms import guide, student_links
    from mixitup.roster import read_roster

    config = config_of(args, secrets=False)  # sends nothing
    if args.links is None:
        for line in guide(config.requests, config.feedback):
            print(line)
        return 0
    form = (config.requests if args.links == "requests" else config.feedback).form
    if not form.form_id:
        raise ConfigError(
            f"No form id for the {args.links} form: set [{args.links}] form_id (the id in the "
            "form's address, docs.google.com/forms/d/e/<id>/viewform) in mixitup.toml."
        )
    if args.links == "feedback" and args.date is not None:
        students = _grouped_on(config, args, args.date)
    else:
        snapshot = open_backend(config, args.http_session).read()
        roster = read_roster(dict(snapshot.tabs), snapshot.titles, config, snapshot.uncomputed)
        students = roster.students
    links = student_links(form, students, args.date)
    for student in sorted(students, key=lambda s: s.name.casefold()):
        link = links.get(student.key)
        print(f"{student.name}\t{link or '(no email on the roster: no link)'}")
    return 0


def _grouped_on(config: Config, args: argparse.Namespace, day: dt.date) -> tuple[Student, ...]:
    """The students grouped in the session on `day` (feedback is about one they were in),
    those who have left the roster since included; DataError when none is published then."""
    from mixitup import layout
    from mixitup.backends import open_students_backend
    from mixitup.errors import DataError
    from mixitup.latejoin import recorded_groups
    from mixitup.pipeline.loop import Sheets, read

    backend = open_backend(config, args.http_session)
    record = read(config, Sheets(backend, open_students_backend(config, args.http_session)))
    history = record.matched()
    on_day = (
        label
        for label in history.sessions()
        if (session := layout.parse_label(label)) is not None and session.date == day
    )
    entries = [e for label in on_day for e in history.session(label)]
    if not entries:
        raise DataError(
            f"No session on {day} is published in {backend.location}: feedback links are for "
            "the students grouped in one. Check --date (`mixitup status` lists the sessions)."
        )
    grouped = (s for group in recorded_groups(entries, record.roster.students) for s in group)
    return tuple(
        s if s.email or "@" not in s.key else replace(s, email=s.key)  # left the roster since
        for s in grouped
    )
