"""Helpers shared by test modules: rosters as staff write them, real .xlsx workbooks, and two
spreadsheets (staff and students) on either backend. Test modules import from here, never
from a conftest."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl

from mixitup.cli import main
from tests.fake_sheets import GoogleSheet, Spreadsheet
from tests.fake_sheets.spreadsheet import typed

if TYPE_CHECKING:
    from tests.conftest_google import AnySpreadsheet

STUDENTS_ID = "1StudentsSheet0123456789abcdefghijklmnopqrs"
W2, W4 = "2027-01-13 Week 2", "2027-01-27 Week 4"
HOW_TO = "How to use this sheet"
SCHOOL = """
[groups]
size = 5

[calendar]
module_starts = [2027-01-04]
"""
EDITOR = "careers@school.example"

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


@dataclass
class Two:
    """A staff spreadsheet and a students' one, on one backend, with mixitup.toml naming both."""

    kind: str
    folder: Path
    google: GoogleSheet | None = None
    students_book: Spreadsheet | None = None

    @property
    def config(self) -> Path:
        return self.folder / "mixitup.toml"

    def cli(self, *args: str) -> int:
        session = self.google.session if self.google is not None else None
        return main(["--config", str(self.config), *args], session=session)

    def seed(self, students: int = 40) -> None:
        rows = [HEADER, *make_roster(students)]
        if self.google is None:
            write_workbook(self.folder / "staff.xlsx", {"Roster": rows})
        else:
            self.google.seed("Roster", [list(r) for r in rows])
        self.write_config(with_students=True)

    def write_config(self, *, with_students: bool) -> None:
        if self.google is None:
            head = '[spreadsheet]\nbackend = "xlsx"\npath = "staff.xlsx"\n'
            section = '[students]\npath = "students.xlsx"\n'
        else:
            head = self.google.toml()
            section = f"[students]\nid = {json.dumps(STUDENTS_ID)}\n"
        section += f"editors = [{json.dumps(EDITOR)}]\n"
        self.config.write_text(head + (section if with_students else "") + SCHOOL)

    def staff(self) -> dict[str, list[list[str]]]:
        if self.google is None:
            return _workbook(self.folder / "staff.xlsx")
        return _sheet(self.google.book)

    def students(self) -> dict[str, list[list[str]]]:
        if self.google is None:
            path = self.folder / "students.xlsx"
            return _workbook(path) if path.exists() else {}
        assert self.students_book is not None
        return _sheet(self.students_book)

    def protected(self) -> dict[str, list[str]]:
        """Title -> the editors of its protection ([] on xlsx, which has no editors list)."""
        if self.google is None:
            book = openpyxl.load_workbook(self.folder / "students.xlsx")
            return {ws.title: [] for ws in book.worksheets if ws.protection.sheet}
        assert self.students_book is not None
        out = {}
        for sheet in self.students_book.sheets:
            for p in sheet.protected_ranges:
                assert p["range"] == {"sheetId": sheet.sheet_id}  # the whole tab
                assert p["warningOnly"] is False
                out[sheet.title] = p["editors"]["users"]
        return out

    def hidden(self) -> list[str]:
        if self.google is None:
            book = openpyxl.load_workbook(self.folder / "students.xlsx")
            return [ws.title for ws in book.worksheets if ws.sheet_state != "visible"]
        assert self.students_book is not None
        return [s.title for s in self.students_book.sheets if s.hidden]

    def look(self, title: str) -> list[Look]:
        """How each row of a tab of the students' spreadsheet is drawn."""
        if self.google is None:
            return workbook_look(self.folder / "students.xlsx", title)
        assert self.students_book is not None
        sheet = self.students_book.sheet(title)
        assert sheet is not None
        return sheet_look(sheet.cells, len(sheet.text()))

    def edit_students(self, title: str, row: int, column: int, value: str | int) -> None:
        """Staff type into a tab of the students' spreadsheet (row, column 1-based)."""
        if self.google is None:
            path = self.folder / "students.xlsx"
            book = openpyxl.load_workbook(path)
            book[title].cell(row, column, value)
            book.save(path)
            return
        assert self.google is not None
        assert self.students_book is not None
        with self.google.fake.lock:
            sheet = self.students_book.sheet(title)
            assert sheet is not None
            sheet.cells[(row - 1, column - 1)] = {"userEnteredValue": typed(value)}

    def edit_staff(self, title: str, row: int, column: int, value: str | int) -> None:
        """Staff type into a tab of the staff spreadsheet (row, column 1-based)."""
        if self.google is None:
            path = self.folder / "staff.xlsx"
            book = openpyxl.load_workbook(path)
            book[title].cell(row, column, value)
            book.save(path)
            return
        with self.google.fake.lock:
            sheet = self.google.book.sheet(title)
            assert sheet is not None
            sheet.cells[(row - 1, column - 1)] = {"userEnteredValue": typed(value)}

    def delete_students_tab(self, title: str) -> None:
        if self.google is None:
            path = self.folder / "students.xlsx"
            book = openpyxl.load_workbook(path)
            del book[title]
            book.save(path)
            return
        assert self.google is not None
        assert self.students_book is not None
        with self.google.fake.lock:
            self.students_book.sheets = [s for s in self.students_book.sheets if s.title != title]

    def counts(self) -> tuple[int, int, int, int]:
        """(staff reads, staff writes, students' reads, students' writes) so far, on Google."""
        assert self.google is not None
        fake, staff = self.google.fake, self.google.sheet_id
        return (
            fake.count("get", staff),
            fake.count("batchUpdate", staff),
            fake.count("get", STUDENTS_ID),
            fake.count("batchUpdate", STUDENTS_ID),
        )

    def files(self) -> tuple[bytes, bytes]:
        return tuple(  # type: ignore[return-value]
            (self.folder / n).read_bytes() if (self.folder / n).exists() else b""
            for n in ("staff.xlsx", "students.xlsx")
        )


@dataclass(frozen=True)
class Look:
    """One row as drawn: its fill ("#RRGGBB", "" for none), whether every cell of it has a thin
    rule along its top (any cell with one and not all is an error), and whether it is bold."""

    fill: str
    ruled: bool
    bold: bool


def workbook_look(path: Path, title: str) -> list[Look]:
    ws = openpyxl.load_workbook(path)[title]
    out = []
    for row in ws.iter_rows():
        tops = {c.border.top.style for c in row}
        assert tops in ({None}, {"thin"}), f"row {row[0].row} has rules on some cells: {tops}"
        rgb = row[0].fill.fgColor.rgb if row[0].fill.fill_type == "solid" else ""
        out.append(Look(f"#{rgb[-6:]}" if rgb else "", tops == {"thin"}, bool(row[0].font.b)))
    return out


def sheet_look(cells: dict[tuple[int, int], dict[str, Any]], height: int) -> list[Look]:
    """Rows of a fake Google sheet's cells as drawn (formats as the API keeps them)."""
    out = []
    for r in range(height):
        formats = [c.get("userEnteredFormat", {}) for (row, _), c in cells.items() if row == r]
        tops = {f.get("borders", {}).get("top", {}).get("style") for f in formats}
        assert tops in ({None}, {"SOLID"}), f"row {r + 1} has rules on some cells: {tops}"
        first = cells.get((r, 0), {}).get("userEnteredFormat", {})
        color = first.get("backgroundColorStyle", {}).get("rgbColor")
        fill = (
            "#" + "".join(f"{round(color.get(k, 0) * 255):02X}" for k in ("red", "green", "blue"))
            if color
            else ""
        )
        bold = bool(first.get("textFormat", {}).get("bold"))
        out.append(Look(fill, tops == {"SOLID"}, bold))
    return out


def _workbook(path: Path) -> dict[str, list[list[str]]]:
    book = openpyxl.load_workbook(path)
    return {
        ws.title: [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]
        for ws in book.worksheets
    }


def _sheet(book: Spreadsheet) -> dict[str, list[list[str]]]:
    return {s.title: s.text() for s in book.sheets}


def history_counts(tabs: dict[str, list[list[str]]]) -> Counter[str]:
    return Counter(r[0] for r in tabs["History"][1:] if r and r[0])


def groups_of(rows: list[list[str]]) -> dict[str, str]:
    return {r[1]: r[0] for r in rows[1:] if len(r) > 1 and r[1]}


def type_in(sheet: AnySpreadsheet, title: str, row: int, column: int, value: str | int) -> None:
    """Staff type into a tab of a spreadsheet of either backend (row, column 1-based)."""
    if sheet.google is None:
        book = openpyxl.load_workbook(sheet.workbook)
        book[title].cell(row, column, value)
        book.save(sheet.workbook)
        return
    with sheet.google.fake.lock:
        tab = sheet.google.book.sheet(title)
        assert tab is not None
        tab.cells[(row - 1, column - 1)] = {"userEnteredValue": typed(value)}
        tab.row_count = max(tab.row_count, row)


def append_row(sheet: AnySpreadsheet, title: str, cells: list[str]) -> None:
    """Staff add a row below a tab's last one (a student joining the roster, say)."""
    rows = sheet.rows(title) or []
    for column, value in enumerate(cells, 1):
        type_in(sheet, title, len(rows) + 1, column, value)


def table(rows: list[list[str]] | None) -> list[dict[str, str]]:
    """A tab's rows below its header, as header -> cell."""
    rows = rows or []
    header = rows[0]
    return [dict(zip(header, [*r, *[""] * len(header)], strict=False)) for r in rows[1:]]


def cli(sheet: AnySpreadsheet, *args: str) -> int:
    """`mixitup` run on a spreadsheet of either backend, as staff would type it."""
    return main([*sheet.args, *args], session=sheet.session)
