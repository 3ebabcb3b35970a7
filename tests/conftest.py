"""Fixtures: a roster workbook factory, and two spreadsheets (staff and students) on either backend.

The helpers they build on live in tests/helpers.py; the Google and Zoom fakes' fixtures in
tests/conftest_google.py and tests/conftest_zoom.py, declared once in the root conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.helpers import HEADER, STUDENTS_ID, Row, Two, make_roster, write_workbook

if TYPE_CHECKING:
    from tests.fake_sheets import GoogleSheet


@pytest.fixture
def make_workbook(tmp_path: Path) -> Callable[..., Path]:
    """Factory: make_workbook(rows=None, students=48, **extra_tabs) -> path of a roster workbook."""

    def make(
        rows: Sequence[Row] | None = None,
        students: int = 48,
        name: str = "roster.xlsx",
        **extra: Sequence[Row],
    ) -> Path:
        roster = [HEADER, *(rows if rows is not None else make_roster(students))]
        tabs = {"Roster": roster, **{k.replace("_", " ").capitalize(): v for k, v in extra.items()}}
        return write_workbook(tmp_path / name, tabs)

    return make


@pytest.fixture(params=["xlsx", "google"])
def two(request: pytest.FixtureRequest, tmp_path: Path) -> Two:
    """A staff spreadsheet and a students' one, once as workbooks, once on the fake Google."""
    if request.param == "xlsx":
        return Two("xlsx", tmp_path)
    return request.getfixturevalue("google_two")  # type: ignore[no-any-return]


@pytest.fixture
def google_two(google_sheet: GoogleSheet, tmp_path: Path) -> Two:
    """Two spreadsheets on the fake Google Sheets (the tests.conftest_google plugin's sheet)."""
    book = google_sheet.fake.create(STUDENTS_ID, editors=(google_sheet.client_email,))
    return Two("google", tmp_path, google_sheet, book)
