"""The local workbook: read with openpyxl as text; write by replacing the file in one rename.

A write loads the file, applies the whole change, saves to a temporary file in the same
folder, flushes it to disk and renames it over the original, so a crash at any instant
leaves the old workbook or the new one, never a torn file. A lock file beside the workbook
keeps two writers apart, and a write refuses when the file changed since it was read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import glob
import hashlib
import io
import os
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from mixitup.errors import BackendError, ConfigError, ConflictError, RosterError
from mixitup.models import Change, Chart, HistoryEdit, Snapshot, Tab

LOCK_WAIT_SECONDS = 60.0
LINE_HEIGHT = 15  # points: one line of the default 11-point font


class XlsxBackend:
    """A workbook on the local disk."""

    def __init__(self, path: Path, lock_wait: float = LOCK_WAIT_SECONDS) -> None:
        self.path = path
        self.lock_wait = lock_wait
        self._read_digest: str | None = None

    @property
    def location(self) -> str:
        return str(self.path)

    def read(self) -> Snapshot:
        data = self._bytes()
        self._read_digest = hashlib.sha256(data).hexdigest()
        # Formulas are read as the values last computed, the text people see.
        book = self._open(data, read_only=True, data_only=True)
        try:
            tabs = {ws.title: _rows_as_text(ws) for ws in book.worksheets}
        finally:
            book.close()
        return Snapshot(titles=tuple(tabs), tabs=tabs)

    def apply(self, change: Change) -> None:
        try:
            self._apply(change)
        except OSError as error:  # the lock file, the temporary file or the rename
            raise BackendError(
                f"Cannot write the workbook {self.path}: {error.strerror} ({error.filename}). "
                "Check that the folder is writable and has space; the workbook is unchanged."
            ) from error

    def _apply(self, change: Change) -> None:
        with self._locked():
            data = self._bytes()
            if (
                self._read_digest is not None
                and hashlib.sha256(data).hexdigest() != self._read_digest
            ):
                raise ConflictError(f"{self.path} changed since it was read.")
            # Staff formulas elsewhere in the workbook must survive the write.
            book = self._open(data, read_only=False, data_only=False)
            places = {}
            for title in change.delete_tabs:
                if title in book.sheetnames:
                    places[title] = book.sheetnames.index(title)
                    del book[title]
            for tab in change.add_tabs:
                if tab.title in book.sheetnames:
                    raise ConflictError(f'{self.path} already has a tab "{tab.title}".')
                _write_tab(book.create_sheet(tab.title, places.get(tab.title)), tab)
            if change.history is not None:
                _edit_history(book, change.history)
            self._replace(book)
            self._read_digest = None

    def _bytes(self) -> bytes:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            raise ConfigError(
                f"The workbook {self.path} does not exist. Check --workbook or [spreadsheet] "
                "path in mixitup.toml; `mixitup demo` builds a sample workbook."
            ) from None
        except OSError as error:
            raise BackendError(
                f"Cannot read the workbook {self.path}: {error.strerror}."
            ) from error

    def _open(self, data: bytes, *, read_only: bool, data_only: bool) -> Any:
        try:
            return openpyxl.load_workbook(
                io.BytesIO(data), read_only=read_only, data_only=data_only
            )
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise RosterError(
                [f"{self.path} is not a readable .xlsx workbook ({error}). Save it as .xlsx."]
            ) from error

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the lock file beside the workbook; wait up to `lock_wait` seconds for it."""
        lock_path = self.path.with_name(f".{self.path.name}.lock")
        with lock_path.open("a") as lock:
            deadline = time.monotonic() + self.lock_wait
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise BackendError(
                            f"Another mixitup run has been writing {self.path} for over "
                            f"{self.lock_wait:.0f} s (lock file {lock_path}). Try again later."
                        ) from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _replace(self, book: Any) -> None:
        """Save to a temporary file beside the workbook, flush it, rename it over the original."""
        folder = self.path.parent
        prefix = f".{self.path.name}.tmp-"
        for leftover in folder.glob(f"{glob.escape(prefix)}*"):
            leftover.unlink(missing_ok=True)  # a writer killed mid-save; we hold the lock now
        handle, name = tempfile.mkstemp(prefix=prefix, suffix=".xlsx", dir=folder)
        temporary = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                book.save(out)
                out.flush()
                os.fsync(out.fileno())
            temporary.chmod(self.path.stat().st_mode & 0o777)
            temporary.replace(self.path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _rows_as_text(ws: Any) -> tuple[tuple[str, ...], ...]:
    ws.reset_dimensions()  # read-only mode trusts the file's stated size, which can be stale
    rows = [tuple(_text(v) for v in row) for row in ws.iter_rows(values_only=True)]
    while rows and not any(rows[-1]):
        rows.pop()
    return tuple(rows)


def _text(value: object) -> str:
    """A cell as the text a person sees: 3.0 -> "3", a date -> "2027-01-13"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _set(ws: Worksheet, row: int, column: int, value: str | int) -> Any:
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # literal text: openpyxl would make "=..." a formula
    return cell


def _write_tab(ws: Worksheet, tab: Tab) -> None:
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, cells in enumerate(tab.rows):
        fill = tab.fills.get(r)
        for c, value in enumerate(cells):
            cell = _set(ws, r + 1, c + 1, value)
            if r in tab.bold_rows:
                cell.font = bold
            if fill:
                cell.fill = PatternFill(fill_type="solid", fgColor=fill.lstrip("#"))
            if tab.wrap:
                cell.alignment = wrap
    for c, width in enumerate(tab.widths):
        ws.column_dimensions[get_column_letter(c + 1)].width = width
    if tab.wrap and tab.widths:
        # Excel and LibreOffice keep the default height for wrapped rows written by openpyxl.
        for r, cells in enumerate(tab.rows):
            lines = max(
                -(-len(str(v)) // max(1, w - 2)) for v, w in zip(cells, tab.widths, strict=False)
            )
            if lines > 1:
                ws.row_dimensions[r + 1].height = LINE_HEIGHT * lines
    if tab.frozen_rows:
        ws.freeze_panes = f"A{tab.frozen_rows + 1}"  # a coordinate: no empty cell is made
    if tab.hidden:
        ws.sheet_state = "hidden"
    if tab.chart is not None:
        _add_chart(ws, tab.chart)


def _add_chart(ws: Worksheet, chart: Chart) -> None:
    """Draw `chart` over the tab's cells. openpyxl drops charts it reads, so a tab with a
    chart must be written anew (as `mixitup report` does) for the chart to be there."""
    from openpyxl.chart import BarChart, Reference

    drawing = BarChart()
    drawing.type = "col" if chart.kind == "column" else "bar"
    drawing.title = chart.title
    drawing.x_axis.title = chart.x_title or None
    drawing.y_axis.title = chart.y_title or None
    drawing.width, drawing.height = 18, 9  # centimetres
    drawing.x_axis.delete = drawing.y_axis.delete = False  # else newer Excel hides the axes
    first, last = chart.header_row + 1, chart.last_row + 1  # openpyxl counts from 1
    for column in chart.series_columns:
        values = Reference(ws, min_col=column + 1, min_row=first, max_row=last)
        drawing.add_data(values, titles_from_data=True)
    categories = Reference(ws, min_col=chart.category_column + 1, min_row=first + 1, max_row=last)
    drawing.set_categories(categories)
    ws.add_chart(drawing, f"{get_column_letter(chart.anchor_column + 1)}{chart.anchor_row + 1}")


def _edit_history(book: Any, edit: HistoryEdit) -> None:
    if edit.title in book.sheetnames:
        ws = book[edit.title]
    else:
        ws = book.create_sheet(edit.title)
        header = Tab(
            edit.title, (edit.header,), frozen_rows=1, bold_rows=frozenset({0}), hidden=True
        )
        _write_tab(ws, header)
    for row in sorted(edit.delete_rows, reverse=True):
        ws.delete_rows(row)
    start = ws.max_row + 1
    for r, cells in enumerate(edit.append):
        for c, value in enumerate(cells, 1):
            _set(ws, start + r, c, value)
