"""Small factories: rosters as staff write them, real .xlsx workbooks in tmp_path."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
import pytest

if TYPE_CHECKING:
    from tests.fake_sheets import GoogleSheet
    from tests.helpers import Two

HEADER = ("Name", "Email", "Program", "Module", "Cohort", "Status")
Row = Sequence[object]


def make_roster(students: int, *, modules: Sequence[int] = (1, 2, 3, 4)) -> list[tuple[str, ...]]:
    """`students` rows spread over modules and the BE/FE programs, one cohort per module+program."""
    rows = []
    cycle = itertools.cycle(itertools.product(modules, ("BE", "FE")))
    for index in range(students):
        module, program = next(cycle)
        rows.append(
            (
                f"Student {index:03d}",
                f"student{index:03d}@example.edu",
                program,
                f"Mod {module}",
                f"24{module:02d}-{program}",
                "",
            )
        )
    return rows


def write_workbook(path: Path, tabs: dict[str, Sequence[Row]]) -> Path:
    """A workbook with one tab per entry, cells written as given (numbers stay numbers)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in tabs.items():
        sheet = book.create_sheet(title)
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row, 1):
                cell = sheet.cell(r, c, value)
                if isinstance(value, str):
                    cell.data_type = "s"  # as typed: "=HYPERLINK(...)" is a name, not a formula
    book.save(path)
    return path


def read_tab(path: Path, title: str) -> list[tuple[object, ...]]:
    """A tab's cell values as openpyxl reads them back, trailing empty rows dropped."""
    book = openpyxl.load_workbook(path)
    return [tuple(r) for r in book[title].iter_rows(values_only=True)]


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
    from tests.helpers import Two

    if request.param == "xlsx":
        return Two("xlsx", tmp_path)
    return request.getfixturevalue("google_two")  # type: ignore[no-any-return]


@pytest.fixture
def google_two(google_sheet: GoogleSheet, tmp_path: Path) -> Two:
    """Two spreadsheets on the fake Google Sheets (needs the tests.conftest_google plugin)."""
    from tests.helpers import STUDENTS_ID, Two

    book = google_sheet.fake.create(STUDENTS_ID, editors=(google_sheet.client_email,))
    return Two("google", tmp_path, google_sheet, book)
