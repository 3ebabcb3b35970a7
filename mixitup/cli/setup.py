"""The commands for setting up: demo, init, login."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from mixitup.config import DEFAULT_CONFIG


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
    text = "write a commented starter mixitup.toml in the current folder"
    command = commands.add_parser(
        "init",
        help=text,
        description=text,
        epilog="example:\n  mixitup init",
        **kw,  # type: ignore[arg-type]
    )
    command.set_defaults(handler=init)


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

    print(build_demo(args.dir))
    return 0


def init(args: argparse.Namespace) -> int:
    from mixitup.starter import write_starter

    path = write_starter(Path(getattr(args, "config", None) or DEFAULT_CONFIG).resolve())
    print(f"Wrote {path}. Next: set [spreadsheet] and [calendar] module_starts, then run")
    print("  mixitup status")
    return 0


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
