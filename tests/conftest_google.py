"""Fixtures for the fake Google Sheets API: a running fake, and a sheet mixitup can open.

Declared once for the whole suite in the root conftest.py (`pytest_plugins`). For CLI tests
over both backends, take `any_spreadsheet`:

    def test_publish(any_spreadsheet):
        any_spreadsheet.seed({"Roster": [HEADER, *make_roster(50)]})
        args = [*any_spreadsheet.args, "publish", "--date", D, "--week", "2"]
        assert main(args, session=any_spreadsheet.session) == 0
        assert any_spreadsheet.rows(GROUPS)[0] == ["Group", "Name", "Program", "Module", "Role"]

(`any_spreadsheet.session` is None for the workbook), or `google_sheet` for Google-only checks:

    def test_publish(google_sheet, tmp_path):
        google_sheet.seed("Roster", [["Name", "Email", "Program", "Module"], ...])
        (tmp_path / "mixitup.toml").write_text(google_sheet.toml() + OTHER_SECTIONS)
        config = ["--config", str(tmp_path / "mixitup.toml")]
        assert main([*config, "publish", ...], session=google_sheet.session) == 0
        assert google_sheet.rows("2027-01-13 Week 2 Groups")[0] == ["Group", "Name", ...]
        assert (google_sheet.reads(), google_sheet.writes()) == (1, 1)
"""

from __future__ import annotations

import os

os.environ.setdefault("NO_GCE_CHECK", "true")  # before google.auth is imported

import json  # after the environment is set
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
import requests

from tests.fake_sheets import FakeSheets, GoogleSheet, service_account_key
from tests.fake_sheets import write_key as _write_key
from tests.helpers import read_tab as _read_tab
from tests.helpers import write_workbook as _write_workbook

SHEET_ID = "1MixItUpFakeSheet0123456789abcdefghijklmnopq"


@pytest.fixture
def fake_sheets() -> Iterator[FakeSheets]:
    """The fake Sheets API and token endpoint, running on 127.0.0.1 for one test."""
    fake = FakeSheets().start()
    yield fake
    fake.stop()


@pytest.fixture
def google_sheet(fake_sheets: FakeSheets, tmp_path: Path) -> Iterator[GoogleSheet]:
    """A fake spreadsheet shared (as Editor) with a service account whose key is on disk.

    `google_sheet.session` reaches the fake: mixitup opened with it (`open_backend(config,
    session)`, `main(argv, session=...)`) uses the real GoogleBackend with real credentials.
    """
    key = service_account_key(fake_sheets)
    key_file = _write_key(tmp_path / "service-account.json", key)
    book = fake_sheets.create(SHEET_ID, editors=(key["client_email"],))
    sheet = GoogleSheet(fake_sheets, book, key_file, client_email=key["client_email"])
    yield sheet
    sheet.session.close()


@dataclass
class AnySpreadsheet:
    """The spreadsheet a CLI test publishes to: a local workbook or the fake Google Sheet.

    `args` are the global flags that select it; `rows()` and `titles()` read it back as
    text, the same way for both backends.
    """

    kind: str  # "xlsx" or "google"
    directory: Path
    google: GoogleSheet | None = None
    config: Path | None = None

    @property
    def workbook(self) -> Path:
        return self.directory / "roster.xlsx"

    @property
    def session(self) -> requests.Session | None:
        """What `main(argv, session=...)` needs to reach this spreadsheet."""
        return self.google.session if self.google is not None else None

    @property
    def args(self) -> list[str]:
        if self.config is not None:
            return ["--config", str(self.config)]
        return ["--workbook", str(self.workbook)]

    def seed(self, tabs: Mapping[str, Sequence[Sequence[object]]]) -> None:
        """Create the spreadsheet with these tabs (title -> rows, row 1 first)."""
        if self.google is None:
            _write_workbook(self.workbook, tabs)
            return
        for title, rows in tabs.items():
            self.google.seed(title, [list(row) for row in rows])  # type: ignore[misc]

    def write_config(self, extra: str = "") -> Path:
        """Write mixitup.toml naming this spreadsheet, plus `extra` TOML; `args` then use it."""
        if self.google is not None:
            head = self.google.toml()
        else:
            head = f'[spreadsheet]\nbackend = "xlsx"\npath = {json.dumps(str(self.workbook))}\n'
        self.config = self.directory / "mixitup.toml"
        self.config.write_text(head + extra, encoding="utf-8")
        return self.config

    def titles(self) -> list[str]:
        if self.google is not None:
            return self.google.titles()
        return list(openpyxl.load_workbook(self.workbook).sheetnames)

    def rows(self, title: str) -> list[list[str]] | None:
        """A tab's cells as text, trailing blanks dropped; None when there is no such tab."""
        if self.google is not None:
            return self.google.rows(title)
        if title not in self.titles():
            return None
        text = [
            ["" if v is None else str(v) for v in row] for row in _read_tab(self.workbook, title)
        ]
        text = [row[: max((i + 1 for i, v in enumerate(row) if v), default=0)] for row in text]
        while text and not text[-1]:
            text.pop()
        return text

    def edit(self, title: str, how: str, new_title: str = "") -> None:
        """Change a tab as staff would in the spreadsheet: "rename", "delete" or "insert column"
        (a blank column before the first)."""
        if self.google is not None:
            with self.google.fake.lock:
                book = self.google.book
                sheet = book.sheet(title)
                assert sheet is not None, title
                if how == "rename":
                    sheet.title = new_title
                elif how == "delete":
                    book.delete_sheet(sheet)  # as in the browser: its named ranges break
                else:
                    sheet.cells = {(r, c + 1): cell for (r, c), cell in sheet.cells.items()}
                    sheet.column_count += 1
            return
        workbook = openpyxl.load_workbook(self.workbook)
        if how == "rename":
            sheet = workbook[title]
            sheet.title = "renaming"  # openpyxl would call a case-only rename "history1"
            sheet.title = new_title  # unlike Excel, openpyxl leaves defined names pointing away
        elif how == "delete":
            del workbook[title]
        else:
            workbook[title].insert_cols(1)
        workbook.save(self.workbook)

    def hidden(self, title: str) -> bool:
        if self.google is not None:
            return self.google.tab(title).hidden
        return bool(openpyxl.load_workbook(self.workbook)[title].sheet_state != "visible")


@pytest.fixture(params=["xlsx", "google"])
def any_spreadsheet(request: pytest.FixtureRequest, tmp_path: Path) -> AnySpreadsheet:
    """Runs the test once on a local workbook and once on the fake Google Sheet."""
    if request.param == "xlsx":
        return AnySpreadsheet("xlsx", tmp_path)
    google: GoogleSheet = request.getfixturevalue("google_sheet")
    return AnySpreadsheet("google", tmp_path, google=google)
