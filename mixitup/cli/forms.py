"""`mixitup forms`: the two Google Forms students answer (requests; feedback): the questions to
ask, and links prefilled for each student."""

from __future__ import annotations

import argparse

from mixitup.backends import open_backend
from mixitup.cli.args import config_of, date


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
    snapshot = open_backend(config, args.http_session).read()
    roster = read_roster(dict(snapshot.tabs), snapshot.titles, config, snapshot.uncomputed)
    links = student_links(form, roster.students, args.date)
    for student in sorted(roster.students, key=lambda s: s.name.casefold()):
        link = links.get(student.key)
        print(f"{student.name}\t{link or '(no email on the roster: no link)'}")
    return 0
