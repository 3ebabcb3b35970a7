"""Fixtures for the fake Google Sheets API: a running fake, and a sheet mixitup can open.

Register with `pytest_plugins = ["tests.conftest_google"]` in tests/conftest.py (or in a test
module). Then, for CLI tests over both backends:

    def test_publish(google_sheet, tmp_path):
        google_sheet.seed("Roster", [["Name", "Email", "Program", "Module"], ...])
        (tmp_path / "mixitup.toml").write_text(google_sheet.toml() + OTHER_SECTIONS)
        assert main(["--config", str(tmp_path / "mixitup.toml"), "publish", ...]) == 0
        assert google_sheet.rows("2027-01-13 Week 2 Groups")[0] == ["Group", "Name", ...]
        assert (google_sheet.reads(), google_sheet.writes()) == (1, 1)
"""

from __future__ import annotations

import os

os.environ.setdefault("NO_GCE_CHECK", "true")  # before google.auth is imported

from collections.abc import Iterator  # after the environment is set
from pathlib import Path
from typing import Any

import pytest

from tests.fake_sheets import (
    FakeSheets,
    GoogleSheet,
    connect,
    service_account_key,
)
from tests.fake_sheets import write_key as _write_key

SHEET_ID = "1MixItUpFakeSheet0123456789abcdefghijklmnopq"


@pytest.fixture
def fake_sheets() -> Iterator[FakeSheets]:
    """The fake Sheets API and token endpoint, running on 127.0.0.1 for one test."""
    fake = FakeSheets().start()
    yield fake
    fake.stop()


@pytest.fixture
def google_sheet(
    fake_sheets: FakeSheets, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> GoogleSheet:
    """A fake spreadsheet shared (as Editor) with a service account whose key is on disk.

    While active, `mixitup.backends.open_backend(config)` for a google config opens the
    real GoogleBackend with real credentials, whose requests reach the fake; retries
    record their sleeps in `google_sheet.sleeps` instead of sleeping.
    """
    from mixitup.backends import google

    key = service_account_key(fake_sheets)
    key_file = _write_key(tmp_path / "service-account.json", key)
    book = fake_sheets.create(SHEET_ID, editors=(key["client_email"],))
    sheet = GoogleSheet(fake_sheets, book, key_file, client_email=key["client_email"])
    real = google.open_google_backend

    def open_on_fake(config: Any) -> google.GoogleBackend:
        backend = real(config)
        connect(backend.client.http_client.session, fake_sheets)
        backend.sleep = sheet.sleeps.append
        return backend

    monkeypatch.setattr(google, "open_google_backend", open_on_fake)
    return sheet
