"""The local workbook: read as text with python-calamine; written with openpyxl by replacing the
file in one rename.

A write loads the file, applies the whole change, saves to a temporary file in the same
folder, flushes it to disk and renames it over the original, so a crash at any instant
leaves the old workbook or the new one, never a torn file. A lock file beside the workbook
(removed after each write) keeps two writers apart, and a write refuses when the file changed
since it was read or while Excel or LibreOffice holds it open. A link is written through to
its target, and the new file keeps the old one's owner, group, mode and formulas' computed
values (formulas.py).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import fcntl
import glob
import hashlib
import io
import logging
import os
import stat
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import python_calamine

from mixitup.backends.formulas import Position, keep_computed_values, package_facts
from mixitup.change import HistorySteps, plan_change, trimmed
from mixitup.errors import BackendError, ConfigError, ConflictError, RosterError
from mixitup.layout import HISTORY_MARKER  # a defined name marking the History, wherever
from mixitup.models import Change, Chart, Rows, Snapshot, Tab, column_letter

if TYPE_CHECKING:  # openpyxl (a tenth of a second to import) is loaded only to write
    from openpyxl.worksheet.worksheet import Worksheet

log = logging.getLogger(__name__)

LOCK_WAIT_SECONDS = 60.0
LINE_HEIGHT = 15  # points: one line of the default 11-point font

# A tab's Tab.stamp: a hidden defined name of the tab's own (scoped to it), holding a text
# constant; Excel, LibreOffice and openpyxl keep it with the tab and delete it with the tab.
STAMP_NAME = "MixitupStamp"
MISSING = "missing"  # the read digest of a workbook that does not exist yet
NEW_BOOK_TAB = "Sheet"  # the tab openpyxl gives a new workbook, removed once others exist


class XlsxBackend:
    """A workbook on the local disk."""

    def __init__(
        self, path: Path, lock_wait: float = LOCK_WAIT_SECONDS, *, create: bool = False
    ) -> None:
        self.path = path
        self.lock_wait = lock_wait
        self.create = create  # a missing workbook reads as empty; the first write creates it
        self._read_digest: str | None = None
        self._snapshot: Snapshot | None = None  # the last read, which apply() plans against

    @property
    def location(self) -> str:
        return str(self.path)

    def read(self) -> Snapshot:
        data = self._bytes()
        if not data:  # a workbook mixitup creates on its first write
            self._read_digest = MISSING
            self._snapshot = Snapshot((), {})
            return self._snapshot
        self._read_digest = hashlib.sha256(data).hexdigest()
        # Formulas are read as the values last computed, the text people see.
        try:
            facts = package_facts(data, HISTORY_MARKER, STAMP_NAME)
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            with book:
                worksheet = python_calamine.SheetTypeEnum.WorkSheet  # not a chart sheet
                sheets = {sheet.name: sheet for sheet in book.sheets_metadata}
                tabs = {
                    title: _rows_as_text(
                        book.get_sheet_by_name(title).to_python(skip_empty_area=False),
                        facts.errors.get(title, {}),
                    )
                    for title in facts.titles
                    if title in sheets and sheets[title].typ == worksheet
                }
        except (
            zipfile.BadZipFile,
            KeyError,
            ValueError,
            ET.ParseError,
            python_calamine.CalamineError,
        ) as error:
            raise self._unreadable(error) from error
        visible = python_calamine.SheetVisibleEnum.Visible
        self._snapshot = Snapshot(
            tuple(tabs),
            tabs,
            frozenset(title for title in tabs if sheets[title].visible != visible),
            facts.marked if facts.marked in tabs else None,
            facts.uncomputed,
            facts.protected,
            {title: text for title, text in facts.stamps.items() if title in tabs and text},
        )
        return self._snapshot

    def apply(self, change: Change) -> None:
        try:
            self._apply(change)
        except OSError as error:  # the lock file, the temporary file or the rename
            raise BackendError(
                f"Cannot write the workbook {self.path}: {error.strerror} ({error.filename}). "
                "Check that the folder is writable and has space; the workbook is unchanged."
            ) from error

    def _apply(self, change: Change) -> None:
        if self._snapshot is None:
            self.read()
        snapshot, digest = self._snapshot, self._read_digest
        assert snapshot is not None  # noqa: S101 - read() just set it
        with self._locked():
            data = self._bytes()
            if (hashlib.sha256(data).hexdigest() if data else MISSING) != digest:
                raise ConflictError(f"{self.path} changed since it was read.")
            steps = plan_change(snapshot, change)
            # Staff formulas elsewhere in the workbook must survive the write.
            book = self._open(data) if data else _new_book()
            for title in steps.delete:
                del book[title]
            for old, tab in steps.replace:
                index = book.sheetnames.index(old)
                del book[old]
                _write_tab(book.create_sheet(tab.title, index), tab)
            for tab in steps.add:
                index = None if tab.position is None else min(tab.position, len(book.sheetnames))
                _write_tab(book.create_sheet(tab.title, index), tab)
            for title, update in steps.cells:
                ws = book[title]
                for row, column, value in update:
                    _set(ws, row, column, value)  # the value only: staff's formats stay
            if steps.history is not None:
                h = steps.history
                rows = 0 if h.create else len(snapshot.tabs[h.title])
                # A cell set below the last row read makes the tab that long (apply_change).
                rows = max([rows, *(row for row, _, _ in h.update)])
                _write_history(book, h, rows)
            if not data and len(book.sheetnames) > 1:
                del book[NEW_BOOK_TAB]
            self._replace(book)
            self._read_digest = None
            self._snapshot = None

    def _bytes(self) -> bytes:
        """The workbook's bytes; empty when it does not exist yet and `create` is set."""
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            if self.create and not self.path.is_symlink():
                if self.path.parent.is_dir():
                    return b""
                raise BackendError(
                    f"Cannot create the students' workbook {self.path}: its folder "
                    f"{self.path.parent} does not exist. Check [students] path in mixitup.toml "
                    "or --students-workbook. Nothing was written."
                ) from None
            if self.path.is_symlink():
                raise ConfigError(
                    f"The workbook {self.path} is a link to {self._target}, which does not "
                    "exist. Check that the folder it points into is there (a synced drive "
                    "mounted), or point --workbook at the workbook itself."
                ) from None
            raise ConfigError(
                f"The workbook {self.path} does not exist. Check --workbook or [spreadsheet] "
                "path in mixitup.toml; `mixitup demo` builds a sample workbook."
            ) from None
        except OSError as error:
            raise BackendError(
                f"Cannot read the workbook {self.path}: {error.strerror}."
            ) from error

    def _open(self, data: bytes) -> Any:
        """The workbook as openpyxl loads it to be rewritten: formulas as formulas."""
        import openpyxl

        try:
            return openpyxl.load_workbook(io.BytesIO(data))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise self._unreadable(error) from error

    def _unreadable(self, error: Exception) -> RosterError:
        return RosterError(
            [f"{self.path} is not a readable .xlsx workbook ({error}). Save it as .xlsx."]
        )

    @property
    def _target(self) -> Path:
        """The file itself: a link (e.g. into a synced drive folder) is written through."""
        return Path(os.path.realpath(self.path))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the lock file beside the workbook; wait up to `lock_wait` seconds for it.

        The lock file is removed on the way out, while still held, so none is left beside the
        workbook. A writer that was waiting on the removed file then finds it is no longer the
        file at that path (its lock keeps nobody out) and locks the current one instead.
        """
        lock_path = self._target.with_name(f".{self._target.name}.lock")
        deadline = time.monotonic() + self.lock_wait
        while True:
            with lock_path.open("a") as lock:
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
                if not _same_file(lock, lock_path):
                    continue  # the holder before us removed it: lock the one there now
                try:
                    self._refuse_if_open()
                    yield
                finally:
                    lock_path.unlink(missing_ok=True)
                    fcntl.flock(lock, fcntl.LOCK_UN)
                return

    def _refuse_if_open(self) -> None:
        """Refuse to write while Excel or LibreOffice has the workbook open.

        Its next save would silently put back its own copy over what mixitup wrote.
        """
        locks = _open_locks(self.path, self._target)
        if locks:
            lock = locks[0]
            raise BackendError(
                f"The workbook {self.path} is open in a spreadsheet program{_holder(lock)} "
                f"(lock file {lock}), whose next save would undo this one. Close it in Excel or "
                "LibreOffice and run again; if nobody has it open (the program crashed), delete "
                f"the lock file {lock}. Nothing was written."
            )

    def _replace(self, book: Any) -> None:
        """Save to a temporary file beside the workbook, flush it, rename it over the original.

        Through a link, the link's target is replaced and the link stays. The new file gets
        the old one's owner, group and mode.
        """
        target = self._target
        folder = target.parent
        prefix = f".{target.name}.tmp-"
        for leftover in folder.glob(f"{glob.escape(prefix)}*"):
            leftover.unlink(missing_ok=True)  # a writer killed mid-save; we hold the lock now
        saved = io.BytesIO()
        book.save(saved)
        exists = target.exists()
        # Under the lock the file is still the one `book` was loaded from.
        data = (
            keep_computed_values(target.read_bytes(), saved.getvalue())
            if exists
            else saved.getvalue()
        )
        handle, name = tempfile.mkstemp(prefix=prefix, suffix=".xlsx", dir=folder)
        temporary = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            if exists:
                _keep_owner_and_mode(temporary, target)
            else:  # mkstemp makes it owner-only; a new workbook gets the usual mode
                umask = os.umask(0)
                os.umask(umask)
                temporary.chmod(0o666 & ~umask)
            temporary.replace(target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _new_book() -> Any:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = NEW_BOOK_TAB
    return book


def _same_file(handle: io.TextIOWrapper, path: Path) -> bool:
    """Whether the open `handle` is still the file at `path` (not removed or replaced)."""
    try:
        named = path.stat()
    except FileNotFoundError:
        return False
    opened = os.fstat(handle.fileno())
    return (opened.st_dev, opened.st_ino) == (named.st_dev, named.st_ino)


def _open_locks(*paths: Path) -> list[Path]:
    """The lock files Excel (~$NAME) and LibreOffice (.~lock.NAME#) keep beside open files."""
    names = [(p.parent, p.name) for p in dict.fromkeys(paths)]
    candidates = [d / f"~${n}" for d, n in names] + [d / f".~lock.{n}#" for d, n in names]
    return [lock for lock in candidates if lock.exists()]


def _holder(lock: Path) -> str:
    """ ", by NAME (on HOST since TIME)" as the lock file tells it, or "" when it does not."""
    try:
        data = lock.read_bytes()[:4096]
    except OSError:
        return ""
    if lock.name.startswith(".~lock."):  # LibreOffice: "Name,user,host,time,profile;"
        fields = data.decode("utf-8", "replace").split(",")
        if len(fields) >= 4 and (fields[0] or fields[1]):
            return f", by {fields[0] or fields[1]} on {fields[2]} since {fields[3]}"
        return ""
    # Excel: the user's name, its length in the first byte.
    name = data[1 : 1 + data[0]].decode("latin-1") if data else ""
    return f", by {name}" if name.isprintable() and name.strip() else ""


def _keep_owner_and_mode(new: Path, old: Path) -> None:
    """Give `new` the owner, group and permissions of `old`, as far as this user may."""
    before = old.stat()
    for uid in (before.st_uid, -1):  # a user who is not the owner may still set the group
        try:
            os.chown(new, uid, before.st_gid)
            break
        except PermissionError:
            continue
    new.chmod(stat.S_IMODE(before.st_mode))  # after chown, which may clear setuid bits
    after = new.stat()
    if (after.st_uid, after.st_gid) != (before.st_uid, before.st_gid):
        log.warning(
            "%s belonged to user %d, group %d, but mixitup runs as user %d, which may not give "
            "a file away: the rewritten workbook now belongs to user %d, group %d. Run mixitup "
            "as the workbook's owner to keep them.",
            old,
            before.st_uid,
            before.st_gid,
            os.geteuid(),
            after.st_uid,
            after.st_gid,
        )


def _rows_as_text(values: Sequence[Sequence[object]], errors: Mapping[Position, str]) -> Rows:
    """A sheet's values (from A1) as text with its error cells, as the Sheets API gives them:
    no blank cells at the end of a row, no blank rows at the end."""
    rows = [[_text(v) for v in row] for row in values]
    for (row, column), error in errors.items():
        rows.extend([] for _ in range(row - len(rows)))
        cells = rows[row - 1]
        cells.extend("" for _ in range(column - len(cells)))
        cells[column - 1] = error
    return trimmed(rows)


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
    cell = ws.cell(row=row, column=column)
    cell.value = None if value == "" else value
    if isinstance(value, str) and value:
        cell.data_type = "s"  # literal text: openpyxl would make "=..." a formula
    return cell


def _bold(cell: Any) -> None:
    """Make `cell` bold in the workbook's own font: a bold font without a name is drawn in
    another typeface (LibreOffice falls back to a serif one)."""
    font = copy.copy(cell.font)
    font.bold = True
    cell.font = font


def _write_tab(ws: Worksheet, tab: Tab) -> None:
    from openpyxl.styles import Alignment, Border, PatternFill, Side

    wrap = Alignment(wrap_text=True, vertical="top")
    rule = Border(top=Side(style="thin"))
    width = max([len(tab.widths), *(len(cells) for cells in tab.rows)], default=0)
    for r, cells in enumerate(tab.rows):
        fill = tab.fills.get(r)
        for c, value in enumerate(cells):
            cell = _set(ws, r + 1, c + 1, value)
            if r in tab.bold_rows:
                _bold(cell)
            if fill:
                cell.fill = PatternFill(fill_type="solid", fgColor=fill.lstrip("#"))
            if tab.wrap:
                cell.alignment = wrap
        if r in tab.rules:  # across the whole table, blank cells at the end of the row too
            for c in range(width):
                ws.cell(row=r + 1, column=c + 1).border = rule
    for c, width in enumerate(tab.widths):
        ws.column_dimensions[column_letter(c + 1)].width = width
    if tab.wrap and tab.widths:
        # Excel and LibreOffice keep the default height for wrapped rows written by openpyxl.
        for r, cells in enumerate(tab.rows):
            bold = r in tab.bold_rows
            lines = max(_lines(str(v), w, bold) for v, w in zip(cells, tab.widths, strict=False))
            if lines > 1:
                ws.row_dimensions[r + 1].height = LINE_HEIGHT * lines
    if tab.frozen_rows:
        ws.freeze_panes = f"A{tab.frozen_rows + 1}"  # a coordinate: no empty cell is made
    if tab.hidden:
        ws.sheet_state = "hidden"
    if tab.chart is not None:
        _add_chart(ws, tab.chart)
    if tab.autofilter and tab.rows:
        # Written by mixitup: on a protected tab nobody else may add one (Excel's Protect Sheet
        # dialog: "Use AutoFilter" lets people use the arrows of a filter already there).
        last = column_letter(max(width, 1))
        ws.auto_filter.ref = f"A1:{last}{len(tab.rows)}"
    if tab.protected:
        # No password: it keeps students from changing a group number by accident; staff lift
        # it under Review > Unprotect sheet. Students may still select and copy.
        ws.protection.sheet = True
        if tab.autofilter:
            # openpyxl's SheetProtection flags say what is protected: False allows it. Cells
            # stay locked; filtering (and sorting, where the program allows it on locked
            # cells) only changes what the reader sees.
            ws.protection.autoFilter = False
            ws.protection.sort = False
    if tab.stamp:
        from openpyxl.workbook.defined_name import DefinedName

        quoted = '"' + tab.stamp.replace('"', '""') + '"'
        ws.defined_names[STAMP_NAME] = DefinedName(STAMP_NAME, attr_text=quoted, hidden=True)


# Rough widths of characters, in ems, in the proportional fonts workbooks use (Calibri and its
# metric twin Carlito): enough to tell one wrapped line from two. Capitals not named are 0.56,
# other characters 0.5.
EMS = {
    " ": 0.23,
    **dict.fromkeys("ijlI.,:;'!|", 0.24),
    **dict.fromkeys("frt()[]-", 0.33),
    **dict.fromkeys("mwMW@%", 0.8),
}
# A column `width` wide is `width` digits of 7 px (Excel's unit at Calibri 11) and 5 px of
# padding, less the cell's margins; an em of an 11-point font is 14.7 px.
UNITS_PER_EM = 14.7 / 7
BOLD_WIDER = 1.04


def _text_width(text: str, bold: bool) -> float:
    """`text`'s width in column units."""
    ems = sum(EMS.get(c, 0.56 if c.isupper() else 0.5) for c in text)
    return ems * UNITS_PER_EM * (BOLD_WIDER if bold else 1.0)


def _lines(text: str, width: int, bold: bool = False) -> int:
    """How many lines `text` takes wrapped word by word, as Excel and LibreOffice wrap it, in
    a column `width` wide; a word longer than a line is broken across lines. It errs long: a
    line too many leaves a gap, a line too few cuts text off."""
    room = max(1.0, float(width))
    space = _text_width(" ", bold)
    lines, used = 1, 0.0
    for word in text.split(" "):
        size = _text_width(word, bold)
        if used and used + space + size > room:
            lines, used = lines + 1, size
        else:
            used += (space if used else 0.0) + size
        while used > room:  # a word wider than the column goes on over the next lines
            lines, used = lines + 1, used - room
    return lines


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
    ws.add_chart(drawing, f"{column_letter(chart.anchor_column + 1)}{chart.anchor_row + 1}")


def _runs(rows: Sequence[int]) -> list[tuple[int, int]]:
    """Ascending row numbers as (first, how many) runs of neighbours: [2, 3, 4, 9] -> [(2, 3),
    (9, 1)]."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and sum(runs[-1]) == row:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((row, 1))
    return runs


def _write_history(book: Any, steps: HistorySteps, rows: int) -> None:
    """Carry out the history steps on a workbook whose history tab has `rows` rows as read."""
    from openpyxl.utils import quote_sheetname
    from openpyxl.workbook.defined_name import DefinedName

    if steps.create:
        ws = book.create_sheet(steps.title)
        header = Tab(
            steps.title,
            (steps.header,),
            frozen_rows=1,
            bold_rows=frozenset({0}),
            hidden=steps.hidden,
        )
        _write_tab(ws, header)
        rows = 1
    else:
        ws = book[steps.title]
        for column in range(steps.old_width, len(steps.header)):
            _bold(_set(ws, 1, column + 1, steps.header[column]))
    # Cells first, in the rows as read; then rows removed, a run of neighbours at a time and
    # the lowest run first: openpyxl moves every cell below a deleted row, so one call per row
    # took 47 s on a year's History (issue 19).
    for row, column, text in steps.update:
        _set(ws, row, column + 1, text)
    for first, amount in reversed(_runs(steps.delete_rows)):
        ws.delete_rows(first, amount)
    start = rows - len(steps.delete_rows) + 1
    for r, cells in enumerate(steps.append):
        for c, value in enumerate(cells, 1):
            if value:
                _set(ws, start + r, c, value)
    last = column_letter(max(len(steps.header), 1))
    book.defined_names[HISTORY_MARKER] = DefinedName(
        HISTORY_MARKER, attr_text=f"{quote_sheetname(steps.title)}!$A:${last}"
    )
