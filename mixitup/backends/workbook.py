"""A change's steps carried out on an openpyxl workbook: tabs written with the little formatting
students need (fills, rules, bold, wrapped rows' heights, a filter, protection), charts, staff
tabs' cells set in place, and the History edited; text always written as literal text."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mixitup.change import HistorySteps, Steps
from mixitup.layout import HISTORY_MARKER
from mixitup.models import Chart, Snapshot, Tab, column_letter

if TYPE_CHECKING:  # openpyxl (a tenth of a second to import) is loaded only to write
    from openpyxl.worksheet.worksheet import Worksheet

LINE_HEIGHT = 15  # points: one line of the default 11-point font
# A tab's Tab.stamp: a hidden defined name of the tab's own (scoped to it), holding a text
# constant; Excel, LibreOffice and openpyxl keep it with the tab and delete it with the tab.
STAMP_NAME = "MixitupStamp"
NEW_BOOK_TAB = "Sheet"  # the tab openpyxl gives a new workbook, removed once others exist


def write_steps(book: Any, steps: Steps, snapshot: Snapshot, *, new: bool) -> None:
    """Carry out `steps` (planned on `snapshot`, the workbook as read) on the openpyxl `book`:
    tabs deleted, replaced in place, added; staff tabs' cells set; the History edited."""
    for title in steps.delete:
        del book[title]
    for old, tab in steps.replace:
        index = book.sheetnames.index(old)
        del book[old]
        write_tab(book.create_sheet(tab.title, index), tab)
    for tab in steps.add:
        index = None if tab.position is None else min(tab.position, len(book.sheetnames))
        write_tab(book.create_sheet(tab.title, index), tab)
    for title, update in steps.cells:
        ws = book[title]
        for row, column, value in update:
            set_cell(ws, row, column, value)  # the value only: staff's formats stay
    if steps.history is not None:
        h = steps.history
        rows = 0 if h.create else len(snapshot.tabs[h.title])
        # A cell set below the last row read makes the tab that long (apply_change).
        rows = max([rows, *(row for row, _, _ in h.update)])
        _write_history(book, h, rows)
    if new and len(book.sheetnames) > 1:
        del book[NEW_BOOK_TAB]


def new_book() -> Any:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = NEW_BOOK_TAB
    return book


def set_cell(ws: Worksheet, row: int, column: int, value: str | int) -> Any:
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


def write_tab(ws: Worksheet, tab: Tab) -> None:
    from openpyxl.styles import Alignment, Border, PatternFill, Side

    wrap = Alignment(wrap_text=True, vertical="top")
    rule = Border(top=Side(style="thin"))
    width = max([len(tab.widths), *(len(cells) for cells in tab.rows)], default=0)
    for r, cells in enumerate(tab.rows):
        fill = tab.fills.get(r)
        for c, value in enumerate(cells):
            cell = set_cell(ws, r + 1, c + 1, value)
            if r in tab.bold_rows:
                _bold(cell)
            if fill:
                cell.fill = PatternFill(fill_type="solid", fgColor=fill.lstrip("#"))
            if tab.wrap:
                cell.alignment = wrap
        if r in tab.rules:  # across the whole table, blank cells at the end of the row too
            for c in range(width):
                ws.cell(row=r + 1, column=c + 1).border = rule
    for c, characters in enumerate(tab.widths):
        ws.column_dimensions[column_letter(c + 1)].width = characters
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
        write_tab(ws, header)
        rows = 1
    else:
        ws = book[steps.title]
        for column in range(steps.old_width, len(steps.header)):
            _bold(set_cell(ws, 1, column + 1, steps.header[column]))
    # Cells first, in the rows as read; then rows removed, a run of neighbours at a time and
    # the lowest run first: openpyxl moves every cell below a deleted row, so one call per row
    # took 47 s on a year's History (issue 19).
    for row, column, text in steps.update:
        set_cell(ws, row, column + 1, text)
    for first, amount in reversed(_runs(steps.delete_rows)):
        ws.delete_rows(first, amount)
    start = rows - len(steps.delete_rows) + 1
    for r, cells in enumerate(steps.append):
        for c, value in enumerate(cells, 1):
            if value:
                set_cell(ws, start + r, c, value)
    last = column_letter(max(len(steps.header), 1))
    book.defined_names[HISTORY_MARKER] = DefinedName(
        HISTORY_MARKER, attr_text=f"{quote_sheetname(steps.title)}!$A:${last}"
    )
