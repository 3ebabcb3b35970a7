"""Request builders: a Tab, its protection and stamp, and History cells, as Sheets API v4
batchUpdate requests. Pure: every function returns JSON and sends nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mixitup.backends.google.reading import STAMP_KEY, Sheet
from mixitup.models import Cell, Chart, Tab

Json = dict[str, Any]
PIXELS_PER_CHARACTER = 7  # Arial 10, the Sheets default font
PADDING_PIXELS = 10
# Cells of a new tab: the literal value and the little formatting a Tab asks for. Borders are
# in the mask so a tab written again loses the rules of the rows it no longer rules.
CELL_FIELDS = (
    "userEnteredValue,userEnteredFormat.backgroundColorStyle,"
    "userEnteredFormat.textFormat.bold,userEnteredFormat.wrapStrategy,"
    "userEnteredFormat.borders"
)
# Tab.rules: a thin line along a cell's top ("SOLID: the border is a thin solid line", the
# Border schema of the Sheets API discovery document); no colour given draws it black.
RULE: Json = {"top": {"style": "SOLID"}}


def typed(cell: Cell) -> Json | None:
    """A cell's typed value: text is always a string, never a formula; numbers stay numbers."""
    if isinstance(cell, bool):
        return {"boolValue": cell}
    if isinstance(cell, int):
        return {"numberValue": cell}
    if cell == "":
        return None
    return {"stringValue": str(cell)}


def _color(hex_rgb: str) -> Json:
    """'#RRGGBB' as the API's 0..1 colour components."""
    match = re.fullmatch(r"#?([0-9A-Fa-f]{2})([0-9A-Fa-f]{2})([0-9A-Fa-f]{2})", hex_rgb.strip())
    if match is None:
        raise ValueError(f"fill colour {hex_rgb!r} is not #RRGGBB")
    red, green, blue = (int(part, 16) / 255 for part in match.groups())
    return {"red": red, "green": green, "blue": blue}


def pixels(characters: int) -> int:
    """A column width in pixels that fits `characters` characters of the default font."""
    return max(1, characters) * PIXELS_PER_CHARACTER + PADDING_PIXELS


def cells(
    rows: Sequence[Sequence[Cell]],
    width: int,
    bold: frozenset[int] = frozenset(),
    fills: Mapping[int, str] | None = None,
    wrap: bool = False,
    rules: frozenset[int] = frozenset(),
) -> list[Json]:
    """RowData for updateCells: every row padded to `width`, so fills and rules span the whole
    table."""
    fills = fills or {}
    out = []
    for r, row in enumerate(rows):
        style: Json = {}
        if r in bold:
            style["textFormat"] = {"bold": True}
        if r in fills:
            style["backgroundColorStyle"] = {"rgbColor": _color(fills[r])}
        if wrap:
            style["wrapStrategy"] = "WRAP"
        if r in rules:
            style["borders"] = RULE
        values = []
        for c in range(width):
            cell: Json = {}
            value = typed(row[c]) if c < len(row) else None
            if value is not None:
                cell["userEnteredValue"] = value
            if style:
                cell["userEnteredFormat"] = style
            values.append(cell)
        out.append({"values": values})
    return out


def grid(tab: Tab) -> tuple[int, int]:
    """The exact grid of a tab: (columns, rows)."""
    width = max([len(tab.widths), 1, *(len(row) for row in tab.rows)])
    # Sheets refuses to freeze every row of a sheet, so a header-only tab gets one spare row.
    height = max(len(tab.rows), tab.frozen_rows + 1 if tab.frozen_rows else 1)
    return width, height


def add_tab(tab: Tab, sheet_id: int, index: int | None) -> list[Json]:
    """Add `tab` with an explicit id and exact grid, fill it, and format it."""
    width, height = grid(tab)
    size: Json = {"rowCount": height, "columnCount": width}
    if tab.frozen_rows:
        size["frozenRowCount"] = tab.frozen_rows
    props: Json = {"sheetId": sheet_id, "title": tab.title, "gridProperties": size}
    if index is not None:
        props["index"] = index
    if tab.hidden:
        props["hidden"] = True
    return [{"addSheet": {"properties": props}}, *content(tab, sheet_id, width)]


def content(tab: Tab, sheet_id: int, width: int) -> list[Json]:
    """Fill a tab's grid with its cells and formats, and set its column widths."""
    out: list[Json] = []
    if tab.rows:
        out.append(
            {
                "updateCells": {
                    "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                    "rows": cells(tab.rows, width, tab.bold_rows, tab.fills, tab.wrap, tab.rules),
                    "fields": CELL_FIELDS,
                }
            }
        )
    for column, characters in enumerate(tab.widths):
        out.append(
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": sheet_id,
                        "dimension": "COLUMNS",
                        "startIndex": column,
                        "endIndex": column + 1,
                    },
                    "properties": {"pixelSize": pixels(characters)},
                    "fields": "pixelSize",
                }
            }
        )
    if tab.chart is not None:
        out.append(chart_request(tab.chart, sheet_id))
    return out


def replace_tab(tab: Tab, sheet: Sheet) -> list[Json]:
    """Write `tab` over `sheet` in place: same sheet id and position, so links still work.

    The grid is resized to the tab and every cell's value and mixitup's formats rewritten;
    formatting staff added in other fields stays.
    """
    width, height = grid(tab)
    out: list[Json] = []
    if sheet.row_count < height:
        out.append(append_dimension(sheet.sheet_id, "ROWS", height - sheet.row_count))
    elif sheet.row_count > height:
        out.append(delete_dimension(sheet.sheet_id, "ROWS", height, sheet.row_count))
    if sheet.column_count < width:
        out.append(append_dimension(sheet.sheet_id, "COLUMNS", width - sheet.column_count))
    elif sheet.column_count > width:
        out.append(delete_dimension(sheet.sheet_id, "COLUMNS", width, sheet.column_count))
    out.append(
        {
            "updateSheetProperties": {
                "properties": {
                    "sheetId": sheet.sheet_id,
                    "title": tab.title,
                    "hidden": tab.hidden,
                    "gridProperties": {"frozenRowCount": tab.frozen_rows},
                },
                "fields": "title,hidden,gridProperties.frozenRowCount",
            }
        }
    )
    return out + content(tab, sheet.sheet_id, width)


def chart_request(chart: Chart, sheet_id: int) -> Json:
    """An addChart request drawing `chart` over the new tab's cells, in the same batchUpdate."""

    def column(index: int, first_row: int) -> Json:
        span = {
            "sheetId": sheet_id,
            "startRowIndex": first_row,
            "endRowIndex": chart.last_row + 1,
            "startColumnIndex": index,
            "endColumnIndex": index + 1,
        }
        return {"sourceRange": {"sources": [span]}}

    axes = [
        {
            "position": "BOTTOM_AXIS" if chart.kind == "column" else "LEFT_AXIS",
            "title": chart.x_title,
        },
        {
            "position": "LEFT_AXIS" if chart.kind == "column" else "BOTTOM_AXIS",
            "title": chart.y_title,
        },
    ]
    return {
        "addChart": {
            "chart": {
                "spec": {
                    "title": chart.title,
                    "basicChart": {
                        "chartType": "COLUMN" if chart.kind == "column" else "BAR",
                        "legendPosition": "BOTTOM_LEGEND",
                        "axis": axes,
                        "domains": [{"domain": column(chart.category_column, chart.header_row)}],
                        "series": [
                            {
                                "series": column(c, chart.header_row),
                                "targetAxis": axes[1]["position"],
                            }
                            for c in chart.series_columns
                        ],
                        "headerCount": 1,
                    },
                },
                "position": {
                    "overlayPosition": {
                        "anchorCell": {
                            "sheetId": sheet_id,
                            "rowIndex": chart.anchor_row,
                            "columnIndex": chart.anchor_column,
                        },
                        "widthPixels": 640,
                        "heightPixels": 360,
                    }
                },
            }
        }
    }


def append_dimension(sheet_id: int, dimension: str, length: int) -> Json:
    return {"appendDimension": {"sheetId": sheet_id, "dimension": dimension, "length": length}}


def delete_dimension(sheet_id: int, dimension: str, start: int, end: int) -> Json:
    span = {"sheetId": sheet_id, "dimension": dimension, "startIndex": start, "endIndex": end}
    return {"deleteDimension": {"range": span}}


def protect(sheet_id: int, users: Iterable[str]) -> Json:
    """Protect a whole tab: only mixitup's identity and the `users` named may edit it."""
    return {
        "addProtectedRange": {
            "protectedRange": {
                "range": {"sheetId": sheet_id},
                "description": "Written by mixitup: edit with care, students read it.",
                "warningOnly": False,
                "editors": {"users": list(dict.fromkeys(users))},
            }
        }
    }


def unprotect(protected_range_id: int) -> Json:
    return {"deleteProtectedRange": {"protectedRangeId": protected_range_id}}


def stamp(sheet_id: int, text: str, old: Iterable[int] = ()) -> list[Json]:
    """Delete the stamps a tab carried (developer metadata, by id) and keep `text` with it,
    when there is one. On the sheet itself, so the stamp goes when the sheet goes."""
    out: list[Json] = [
        {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {"metadataId": i}}}}
        for i in old
    ]
    if text:
        out.append(
            {
                "createDeveloperMetadata": {
                    "developerMetadata": {
                        "metadataKey": STAMP_KEY,
                        "metadataValue": text,
                        "location": {"sheetId": sheet_id},
                        "visibility": "DOCUMENT",
                    }
                }
            }
        )
    return out


def set_cells(sheet_id: int, updates: Iterable[tuple[int, int, Cell]]) -> list[Json]:
    """Set cells in place, as literal values: (1-based row, 0-based column, value), "" clears;
    text stays text (never a formula), a number a number.

    One updateCells per run of neighbouring cells in a row, and runs of the same columns in
    neighbouring rows share one (marking attendance down a column is one request): the
    fields mask covers every cell a request carries, so cells in between are never sent.
    """
    wanted: dict[int, dict[int, Cell]] = {}
    for row, column, text in updates:
        wanted.setdefault(row, {})[column] = text
    blocks: list[tuple[int, int, int, list[list[Cell]]]] = []  # (first row, left, last row, texts)
    open_: dict[tuple[int, int], int] = {}  # (left, width) -> index in blocks, last row extended
    for row in sorted(wanted):
        columns = sorted(wanted[row])
        runs: list[list[int]] = []
        for column in columns:
            if runs and runs[-1][-1] == column - 1:
                runs[-1].append(column)
            else:
                runs.append([column])
        for run in runs:
            key = (run[0], len(run))
            texts = [wanted[row][c] for c in run]
            at = open_.get(key)
            if at is not None and blocks[at][2] == row - 1:
                first, left, _, rows = blocks[at]
                blocks[at] = (first, left, row, [*rows, texts])
            else:
                open_[key] = len(blocks)
                blocks.append((row, run[0], row, [texts]))
    return [
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": first - 1, "columnIndex": left},
                "rows": cells(texts, len(texts[0])),
                "fields": "userEnteredValue",
            }
        }
        for first, left, _, texts in blocks
    ]


def delete_rows(sheet_id: int, rows: Sequence[int]) -> list[Json]:
    """Delete 1-based `rows` (ascending), one request per run of neighbouring rows, the lowest
    run first so the row numbers of the runs above stay true."""
    runs: list[list[int]] = []
    for row in rows:
        if runs and runs[-1][-1] == row - 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    return [delete_dimension(sheet_id, "ROWS", run[0] - 1, run[-1]) for run in reversed(runs)]
