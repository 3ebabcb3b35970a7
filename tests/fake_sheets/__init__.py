"""A local fake of the Google Sheets API v4 for real requests + google-auth, on 127.0.0.1.

`FakeSheets` is the server; `connect()` mounts requests transport adapters on a session so its
https://sheets.googleapis.com/ (and Google token service) calls reach the fake, and any other
https host is refused; mixitup is handed that session (`open_backend(config, session)`,
`main(argv, session=...)`). `service_account_key()` makes a throwaway key whose token_uri is
the fake's. `GoogleSheet` bundles all of it for tests: see tests/conftest_google.py.
"""

from __future__ import annotations

import os

os.environ.setdefault("NO_GCE_CHECK", "true")  # before google.auth is imported anywhere

import json  # after the environment is set
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import requests
from requests.adapters import BaseAdapter, HTTPAdapter

from .server import (
    Call,
    FakeSheets,
    Fault,
    html_502,
    new_private_key,
    pem,
    rate_limited,
    server_error,
)
from .spreadsheet import Sheet, Spreadsheet, Value

__all__ = [
    "Call",
    "FakeSheets",
    "Fault",
    "GoogleSheet",
    "Sheet",
    "Spreadsheet",
    "Value",
    "connect",
    "html_502",
    "rate_limited",
    "server_error",
    "service_account_key",
]

SHEETS_HOST = "https://sheets.googleapis.com"
EMAIL = "mixitup-publisher@mixitup-test.iam.gserviceaccount.com"


# Google hosts the fake stands in for, and where their paths live on it: the Sheets API, the
# token services, and the metadata server of a Google Cloud machine (its name, and the address
# google-auth pings to detect one).
GOOGLE_HOSTS = {
    SHEETS_HOST: "",
    "https://oauth2.googleapis.com": "",
    "https://sts.googleapis.com": "/sts",
    "https://iamcredentials.googleapis.com": "",
    "http://metadata.google.internal": "",
    "http://169.254.169.254": "",
}
LOCAL = "http://127.0.0.1"  # the fake itself (token_uri) and other local test servers


class _ToFake(HTTPAdapter):
    """Sends https://<google host>/... to the fake at http://127.0.0.1:port/<prefix>/..."""

    def __init__(self, base_url: str, host: str = SHEETS_HOST) -> None:
        super().__init__()
        self.base_url = base_url + GOOGLE_HOSTS[host]
        self.host = host

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        assert request.url is not None
        request.url = self.base_url + request.url.removeprefix(self.host)
        return super().send(request, *args, **kwargs)


class _Refuse(BaseAdapter):
    """Any host but the fake: a test must never reach the network."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a test tried to reach {request.url}; only the fake is allowed")

    def close(self) -> None:
        """Nothing to release."""


def connect(session: requests.Session, fake: FakeSheets) -> None:
    """Route `session`'s Google calls to `fake`; refuse every other host but 127.0.0.1.

    An AuthorizedSession's own token session (google-auth's refresh requests, such as
    impersonation's call to IAM Credentials at its fixed address) is routed the same way.
    """
    sessions = [session]
    auth_request = getattr(session, "_auth_request", None)
    if isinstance(getattr(auth_request, "session", None), requests.Session):
        sessions.append(auth_request.session)  # type: ignore[union-attr]
    for each in sessions:
        each.mount("https://", _Refuse())
        each.mount("http://", _Refuse())
        each.mount(f"{LOCAL}:", HTTPAdapter())
        for host in GOOGLE_HOSTS:
            each.mount(f"{host}/", _ToFake(fake.base_url, host))


@cache
def _throwaway_key() -> tuple[str, Any]:
    """One RSA key per test run, as PEM and its public half (making one takes a moment)."""
    key = new_private_key()
    return pem(key), key.public_key()


def service_account_key(fake: FakeSheets, email: str = EMAIL) -> dict[str, str]:
    """A service-account key in Google's JSON shape, known to `fake`, tokens from `fake`."""
    private, public = _throwaway_key()
    key_id = secrets.token_hex(20)
    fake.register(email, key_id, public)
    return {
        "type": "service_account",
        "project_id": "mixitup-test",
        "private_key_id": key_id,
        "private_key": private,
        "client_email": email,
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": fake.token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{email}",
        "universe_domain": "googleapis.com",
    }


@dataclass
class GoogleSheet:
    """A spreadsheet on the fake, shared with a service account whose key is on disk.

    `config()` / `toml()` point mixitup at it; `session` reaches the fake: hand it to
    `open_backend(config, session)` or `main(argv, session=...)`. `backend()` opens the
    backend with its backoff sleeps recorded in `sleeps` instead of slept.
    """

    fake: FakeSheets
    book: Spreadsheet
    key_file: Path
    client_email: str = EMAIL
    sleeps: list[float] = field(default_factory=list)
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        connect(self.session, self.fake)

    def backend(self, seed: int | None = 1, **overrides: Any) -> Any:
        """The GoogleBackend mixitup opens for this sheet (Config fields in `overrides`), its
        jitter seeded and its waits recorded in `sleeps`."""
        import random

        from mixitup.backends.google import open_google_backend

        rng = random.Random(seed) if seed is not None else None
        return open_google_backend(
            self.config(**overrides), self.session, sleep=self.sleeps.append, rng=rng
        )

    @property
    def sheet_id(self) -> str:
        return self.book.spreadsheet_id

    def seed(self, title: str, rows: Sequence[Sequence[Value]], hidden: bool = False) -> Sheet:
        """Add a tab with `rows` (row 1 first) as staff would type it; values keep their type."""
        with self.fake.lock:
            return self.book.add(title, rows, hidden=hidden)

    def rows(self, title: str) -> list[list[str]] | None:
        """A tab's cells as text, trailing blanks dropped; None when there is no such tab."""
        with self.fake.lock:
            sheet = self.book.sheet(title)
            return None if sheet is None else sheet.text()

    def tab(self, title: str) -> Sheet:
        with self.fake.lock:
            sheet = self.book.sheet(title)
        assert sheet is not None, f"no tab {title!r}; tabs: {self.titles()}"
        return sheet

    def titles(self) -> list[str]:
        with self.fake.lock:
            return [sheet.title for sheet in self.book.sheets]

    def reads(self) -> int:
        return self.fake.count("get")

    def writes(self) -> int:
        return self.fake.count("batchUpdate")

    def toml(self, **spreadsheet: str) -> str:
        """A [spreadsheet] section for mixitup.toml naming this sheet; extra keys appended."""
        lines = [
            "[spreadsheet]",
            'backend = "google"',
            f"id = {json.dumps(self.sheet_id)}",
            f"credentials = {json.dumps(str(self.key_file))}",
            *(f"{key} = {json.dumps(value)}" for key, value in spreadsheet.items()),
        ]
        return "\n".join(lines) + "\n"

    def config(self, **overrides: Any) -> Any:
        """A mixitup Config for this sheet; `overrides` are Config fields."""
        from mixitup.config import Config

        fields: dict[str, Any] = {
            "backend": "google",
            "sheet_id": self.sheet_id,
            "credentials": self.key_file,
        }
        return Config(**{**fields, **overrides})


def write_key(path: Path, key: Mapping[str, str]) -> Path:
    path.write_text(json.dumps(key, indent=2), encoding="utf-8")
    return path
