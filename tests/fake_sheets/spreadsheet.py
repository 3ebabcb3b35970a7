"""A spreadsheet held in memory, changed the way Sheets API v4 batchUpdate changes one.

A batch is applied to a copy and swapped in only when every request succeeded, so it is
all-or-nothing as on Google. Error texts follow Google's (the duplicate-title, missing
grid, cannot-hide-all and write-beyond-grid messages are quoted from real answers; the
few marked "wording assumed" keep Google's shape with words of our own).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import discovery

Json = dict[str, Any]
Value = str | int | float | bool


class ApiError(Exception):
    """An error answer of the API: HTTP status, Google's status word, message."""

    def __init__(self, code: int, message: str, status: str = "INVALID_ARGUMENT") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def body(self) -> Json:
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}


def not_found() -> ApiError:
    return ApiError(404, "Requested entity was not found.", "NOT_FOUND")


def forbidden() -> ApiError:
    return ApiError(403, "The caller does not have permission", "PERMISSION_DENIED")


def typed(value: Value) -> Json:
    """A Python value as an ExtendedValue, the way a staff member would have typed it."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return {"numberValue": value}
    return {"stringValue": value}


# The text Sheets shows for each ErrorValue type: the discovery document's enumDescriptions of
# ErrorValue.type, with the "!" Sheets shows after #DIV/0 (Google's ERROR.TYPE help page,
# https://support.google.com/docs/answer/3238305, lists #NULL!, #DIV/0!, #VALUE!, #REF!, #NAME?,
# #NUM!, #N/A and the catch-all #ERROR!).
ERROR_TEXTS = {
    "ERROR": "#ERROR!",
    "NULL_VALUE": "#NULL!",
    "DIVIDE_BY_ZERO": "#DIV/0!",
    "VALUE": "#VALUE!",
    "REF": "#REF!",
    "NAME": "#NAME?",
    "NUM": "#NUM!",
    "N_A": "#N/A",
    "LOADING": "Loading...",
}


def computed(formula: str, value: Value | Json) -> Json:
    """A formula cell as Sheets holds it once calculated: the formula as typed and its value.

    The discovery document, schema CellData: `effectiveValue` is "the effective value of the
    cell. For cells with formulas, this is the calculated value"; `formattedValue` is "the
    value as it's shown to the user". The fake does not evaluate formulas: a test gives the
    value (an ExtendedValue for an error: `{"errorValue": {"type": "REF", "message": ...}}`).
    """
    effective = value if isinstance(value, dict) else typed(value)
    return {"userEnteredValue": {"formulaValue": formula}, "effectiveValue": effective}


def formatted(value: Json) -> str:
    """The text Sheets shows for a value (default 'Automatic' number format)."""
    if "errorValue" in value:
        return ERROR_TEXTS.get(value["errorValue"].get("type", ""), "#ERROR!")
    if "stringValue" in value:
        return str(value["stringValue"])
    if "numberValue" in value:
        number = float(value["numberValue"])
        return str(int(number)) if number.is_integer() else f"{number:g}"
    if "boolValue" in value:
        return "TRUE" if value["boolValue"] else "FALSE"
    if "formulaValue" in value:
        return "#FORMULA!"  # the fake does not evaluate; a test seeing this found a formula
    return ""


@dataclass
class Sheet:
    """One tab: identity, grid and cells (CellData dicts keyed by 0-based row and column)."""

    sheet_id: int
    title: str
    row_count: int = 1000
    column_count: int = 26
    frozen_rows: int = 0
    hidden: bool = False
    cells: dict[tuple[int, int], Json] = field(default_factory=dict)
    column_pixels: dict[int, int] = field(default_factory=dict)
    charts: list[Json] = field(default_factory=list)  # EmbeddedChart, as addChart stored it
    protected_ranges: list[Json] = field(default_factory=list)  # ProtectedRange resources
    # DeveloperMetadata located on this sheet: "If the associated object is deleted then its
    # metadata is deleted too" (the discovery document, schema DeveloperMetadata).
    developer_metadata: list[Json] = field(default_factory=list)

    def properties(self, index: int) -> Json:
        grid: Json = {"rowCount": self.row_count, "columnCount": self.column_count}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        props: Json = {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": index,
            "sheetType": "GRID",
            "gridProperties": grid,
        }
        if self.hidden:
            props["hidden"] = True
        return props

    def text(self) -> list[list[str]]:
        """Cells as shown, trailing blanks dropped: what a person reading the tab sees."""
        shown: dict[int, dict[int, str]] = {}
        for (r, c), cell in self.cells.items():
            text = formatted(cell.get("effectiveValue", cell.get("userEnteredValue", {})))
            if text:
                shown.setdefault(r, {})[c] = text
        height = max(shown, default=-1) + 1
        return [
            [shown.get(r, {}).get(c, "") for c in range(max(shown.get(r, {}), default=-1) + 1)]
            for r in range(height)
        ]

    def grid_data(self) -> Json:
        """GridData as spreadsheets.get returns it with includeGridData=true."""
        by_row: dict[int, dict[int, Json]] = {}
        for (r, c), cell in self.cells.items():
            if cell:
                by_row.setdefault(r, {})[c] = cell
        rows = []
        for r in range(max(by_row, default=-1) + 1):
            row = by_row.get(r, {})
            values = [self._cell(row.get(c, {})) for c in range(max(row, default=-1) + 1)]
            rows.append({"values": values} if values else {})
        columns = [{"pixelSize": self.column_pixels.get(c, 100)} for c in range(self.column_count)]
        return {"rowData": rows, "columnMetadata": columns}

    @staticmethod
    def _cell(cell: Json) -> Json:
        out: Json = {}
        if "userEnteredValue" in cell:
            value = cell["userEnteredValue"]
            out["userEnteredValue"] = value
            # A literal's effective value "is the same as the user_entered_value"; a formula's
            # is its calculated value, known only when a test gave it (`computed`).
            effective = cell.get("effectiveValue")
            if effective is None and "formulaValue" not in value:
                effective = value
            if effective is not None:
                out["effectiveValue"] = effective
            out["formattedValue"] = formatted(effective if effective is not None else value)
        if cell.get("userEnteredFormat"):
            out["userEnteredFormat"] = cell["userEnteredFormat"]
            out["effectiveFormat"] = cell["userEnteredFormat"]
        return out


@dataclass
class Spreadsheet:
    """A spreadsheet: its tabs in order, and who may read or edit it."""

    spreadsheet_id: str
    title: str = "Mix It Up"
    sheets: list[Sheet] = field(default_factory=list)
    editors: set[str] = field(default_factory=set)
    readers: set[str] = field(default_factory=set)
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    named_ranges: list[Json] = field(default_factory=list)  # NamedRange resources
    pending_named: list[Json] = field(default_factory=list)  # named ranges inside a batchUpdate
    # Named ranges whose sheet was deleted. Google keeps them as #REF! names: spreadsheets.get
    # no longer returns them, yet their names stay taken (gspread issue 1530; Google's issue
    # tracker 126262167).
    broken_named: list[Json] = field(default_factory=list)
    pending_broken: list[Json] = field(default_factory=list)  # the same, inside a batchUpdate
    developer_metadata: list[Json] = field(default_factory=list)  # located on the spreadsheet
    pending_metadata: list[Json] = field(default_factory=list)  # the same, inside a batchUpdate

    def sheet(self, title: str) -> Sheet | None:
        return next((s for s in self.sheets if s.title == title), None)

    def delete_sheet(self, sheet: Sheet) -> None:
        """Delete a tab as staff do in the browser: its metadata goes with it; its named ranges
        stay behind, broken and hidden, their names still taken."""
        self.sheets.remove(sheet)
        self.named_ranges = _drop_broken(self.named_ranges, self.sheets, self.broken_named)

    def add(self, title: str, rows: Sequence[Sequence[Value]] = (), hidden: bool = False) -> Sheet:
        """Seed a tab directly, as staff typing into the sheet would."""
        sheet = Sheet(self._free_id(), title, hidden=hidden)
        sheet.row_count = max(1000, len(rows))
        sheet.column_count = max([26, *(len(r) for r in rows)])
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value != "":
                    sheet.cells[(r, c)] = {"userEnteredValue": typed(value)}
        self.sheets.append(sheet)
        return sheet

    def _free_id(self) -> int:
        taken = {s.sheet_id for s in self.sheets}
        if 0 not in taken:
            return 0
        while (candidate := self.rng.randrange(1, 2**31 - 1)) in taken:
            pass
        return candidate

    def resource(self, grid_data: bool, caller: str | None = None) -> Json:
        """The Spreadsheet resource, before any `fields` mask, as `caller` sees it."""
        sheets = []
        for index, sheet in enumerate(self.sheets):
            entry: Json = {"properties": sheet.properties(index)}
            if sheet.charts:
                entry["charts"] = copy.deepcopy(sheet.charts)
            if grid_data:
                entry["data"] = [sheet.grid_data()]
            if sheet.protected_ranges:  # proto3 JSON: an empty list is left out
                entry["protectedRanges"] = [
                    self._protected_as_seen(p, caller) for p in sheet.protected_ranges
                ]
            if sheet.developer_metadata:
                entry["developerMetadata"] = copy.deepcopy(sheet.developer_metadata)
            sheets.append(entry)
        resource: Json = {
            "spreadsheetId": self.spreadsheet_id,
            "properties": {
                "title": self.title,
                "locale": "en_US",
                "autoRecalc": "ON_CHANGE",
                "timeZone": "Etc/GMT",
            },
            "sheets": sheets,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit",
        }
        if self.named_ranges:  # proto3 JSON: an empty list is left out
            resource["namedRanges"] = copy.deepcopy(self.named_ranges)
        if self.developer_metadata:
            resource["developerMetadata"] = copy.deepcopy(self.developer_metadata)
        return resource

    def _protected_as_seen(self, protected: Json, caller: str | None) -> Json:
        """A ProtectedRange as `caller` reads it. The discovery document: requestingUserCanEdit
        is "True if the user who requested this protected range can edit the protected area"
        (read-only; proto3 JSON leaves a false one out), and editors are "only visible to users
        with edit access to the protected range and the document"."""
        seen = copy.deepcopy(protected)
        if caller is None:
            return seen
        users = protected.get("editors", {}).get("users", [])
        can_edit = caller in self.editors and (
            caller in users or bool(protected.get("warningOnly"))
        )
        if can_edit:
            seen["requestingUserCanEdit"] = True
        else:
            seen.pop("editors", None)
        return seen

    def batch_update(self, body: Json) -> Json:
        """Apply every request of `body` or none of them; the reply as the API sends it."""
        problems = discovery.violations("BatchUpdateSpreadsheetRequest", body)
        if problems:
            raise ApiError(400, problems[0])
        work = copy.deepcopy(self.sheets)
        self.pending_named = copy.deepcopy(self.named_ranges)
        self.pending_broken = copy.deepcopy(self.broken_named)
        self.pending_metadata = copy.deepcopy(self.developer_metadata)
        replies = [
            _apply(work, i, request, self) for i, request in enumerate(body.get("requests", []))
        ]
        self.sheets = work
        self.named_ranges = _drop_broken(self.pending_named, work, self.pending_broken)
        self.broken_named = self.pending_broken
        self.developer_metadata = self.pending_metadata
        return {"spreadsheetId": self.spreadsheet_id, "replies": replies}


def _drop_broken(named: list[Json], sheets: list[Sheet], broken: list[Json]) -> list[Json]:
    """The named ranges whose sheet is still there; the others are moved to `broken`."""
    ids = {s.sheet_id for s in sheets}
    kept = []
    for each in named:
        (kept if each.get("range", {}).get("sheetId", 0) in ids else broken).append(each)
    return kept


def _apply(sheets: list[Sheet], i: int, request: Json, book: Spreadsheet) -> Json:
    ((kind, args),) = request.items()
    handler = HANDLERS.get(kind)
    if handler is None:
        raise ApiError(400, f"Invalid requests[{i}].{kind}: not implemented by the fake Sheets API")
    try:
        return handler(sheets, args, book)
    except _InvalidError as error:
        raise ApiError(400, f"Invalid requests[{i}].{kind}: {error}") from None


class _InvalidError(Exception):
    """A request the API refuses; the caller prefixes 'Invalid requests[i].kind: '."""


def _find(sheets: list[Sheet], sheet_id: int) -> Sheet:
    for sheet in sheets:
        if sheet.sheet_id == sheet_id:
            return sheet
    raise _InvalidError(f"No grid with id: {sheet_id}")


def _duplicate(title: str) -> str:
    return f'A sheet with the name "{title}" already exists. Please enter another name.'


def _check_visible(sheets: list[Sheet]) -> None:
    if sheets and all(s.hidden for s in sheets):
        raise _InvalidError("You can't hide all the sheets in a document.")


def _add_sheet(sheets: list[Sheet], args: Json, book: Spreadsheet) -> Json:
    props = args.get("properties", {})
    taken = {s.sheet_id for s in sheets}
    sheet_id = props.get("sheetId")
    if sheet_id is None:
        while (sheet_id := book.rng.randrange(1, 2**31 - 1)) in taken:
            pass
    if sheet_id < 0:
        raise _InvalidError(f"Sheet id {sheet_id} must be non-negative.")  # wording assumed
    if sheet_id in taken:
        raise _InvalidError(f"Sheet with id {sheet_id} already exists.")  # wording assumed
    title = props.get("title") or f"Sheet{len(sheets) + 1}"
    if any(s.title.casefold() == title.casefold() for s in sheets):
        raise _InvalidError(_duplicate(title))
    grid = props.get("gridProperties", {})
    sheet = Sheet(
        sheet_id,
        title,
        row_count=grid.get("rowCount", 1000),
        column_count=grid.get("columnCount", 26),
        frozen_rows=grid.get("frozenRowCount", 0),
        hidden=props.get("hidden", False),
    )
    if sheet.row_count < 1 or sheet.column_count < 1:
        raise _InvalidError("A grid must have at least one row and one column.")  # wording assumed
    if sheet.frozen_rows >= sheet.row_count:
        raise _InvalidError("You can't freeze all visible rows on the sheet.")
    index = props.get("index", len(sheets))
    sheets.insert(min(index, len(sheets)), sheet)
    _check_visible(sheets)
    return {"addSheet": {"properties": sheet.properties(sheets.index(sheet))}}


def _delete_sheet(sheets: list[Sheet], args: Json, book: Spreadsheet) -> Json:
    sheet = _find(sheets, args.get("sheetId", 0))
    if len(sheets) == 1:
        raise _InvalidError("You can't remove all the sheets in a document.")
    sheets.remove(sheet)  # its developer metadata with it; its named ranges break at the end
    _check_visible(sheets)
    # Later requests of the batch already see its named ranges as broken.
    book.pending_named = _drop_broken(book.pending_named, sheets, book.pending_broken)
    return {}


def _masked_set(target: Json, source: Json, path: tuple[str, ...]) -> None:
    """Copy the field at `path` from `source` into `target`, or clear it when absent."""
    *parents, leaf = path
    src: Any = source
    for part in parents:
        src = src.get(part, {}) if isinstance(src, dict) else {}
    node = target
    for part in parents:
        node = node.setdefault(part, {})
    if isinstance(src, dict) and leaf in src:
        node[leaf] = copy.deepcopy(src[leaf])
    else:
        node.pop(leaf, None)


def _prune_empty(cell: Json) -> Json:
    return {k: (_prune_empty(v) if isinstance(v, dict) else v) for k, v in cell.items() if v != {}}


def _check_fields(fields: str | None, schema: str) -> list[tuple[str, ...]]:
    if not fields:
        raise _InvalidError("At least one field must be specified in 'fields'.")  # wording assumed
    bad = discovery.bad_mask_paths(fields, schema)
    if bad:
        raise _InvalidError(f"Invalid field mask, unknown field(s): {', '.join(bad)}.")  # assumed
    return discovery.parse_mask(fields)


def _update_cells(sheets: list[Sheet], args: Json, _book: Spreadsheet) -> Json:
    paths = _check_fields(args.get("fields"), "CellData")
    rows = args.get("rows", [])
    if "start" in args:
        start = args["start"]
        sheet = _find(sheets, start.get("sheetId", 0))
        top, left = start.get("rowIndex", 0), start.get("columnIndex", 0)
        if top >= sheet.row_count:
            raise _InvalidError(
                f"GridCoordinate.rowIndex[{top}] is after last row in grid[{sheet.row_count - 1}]"
            )
        if left >= sheet.column_count:
            raise _InvalidError(
                f"GridCoordinate.columnIndex[{left}] is after last column in grid"
                f"[{sheet.column_count - 1}]"
            )
        bottom, right = sheet.row_count, sheet.column_count
        cleared = False
    elif "range" in args:
        span = args["range"]
        sheet = _find(sheets, span.get("sheetId", 0))
        top, left = span.get("startRowIndex", 0), span.get("startColumnIndex", 0)
        bottom = span.get("endRowIndex", sheet.row_count)
        right = span.get("endColumnIndex", sheet.column_count)
        if bottom > sheet.row_count or right > sheet.column_count:
            raise _InvalidError(f"Range exceeds grid limits of sheet {sheet.title!r}.")  # assumed
        cleared = True
    else:
        raise _InvalidError("Either start or range must be set.")  # wording assumed
    written: set[tuple[int, int]] = set()
    for r, row in enumerate(rows, top):
        for c, data in enumerate(row.get("values", []), left):
            if r >= bottom:
                raise _InvalidError(
                    f"Attempting to write row: {r}, beyond the last requested row of: {bottom - 1}"
                )
            if c >= right:
                raise _InvalidError(
                    f"Attempting to write column: {c}, beyond the last requested column of: "
                    f"{right - 1}"
                )
            _write(sheet, (r, c), data, paths)
            written.add((r, c))
    if cleared:
        for r in range(top, bottom):
            for c in range(left, right):
                if (r, c) not in written:
                    _write(sheet, (r, c), {}, paths)
    return {}


def _write(sheet: Sheet, at: tuple[int, int], data: Json, paths: list[tuple[str, ...]]) -> None:
    cell = sheet.cells.get(at, {})
    for path in paths:
        if path == ("*",):
            cell = {k: copy.deepcopy(v) for k, v in data.items()}
        else:
            _masked_set(cell, data, path)
    if any(path[0] in ("*", "userEnteredValue") for path in paths):
        cell.pop("effectiveValue", None)  # the value typed over a formula's is the cell's own
    cell = _prune_empty(cell)
    if cell:
        sheet.cells[at] = cell
    else:
        sheet.cells.pop(at, None)


def _dimension_range(sheets: list[Sheet], span: Json) -> tuple[Sheet, str, int, int]:
    sheet = _find(sheets, span.get("sheetId", 0))
    dimension = span.get("dimension", "DIMENSION_UNSPECIFIED")
    if dimension not in ("ROWS", "COLUMNS"):
        raise _InvalidError("dimension must be ROWS or COLUMNS.")  # wording assumed
    count = sheet.row_count if dimension == "ROWS" else sheet.column_count
    start, end = span.get("startIndex", 0), span.get("endIndex", count)
    if not 0 <= start < end <= count:
        noun = "rows" if dimension == "ROWS" else "columns"
        raise _InvalidError(  # wording assumed
            f"Invalid dimension range [{start}, {end}): the sheet has {count} {noun}."
        )
    return sheet, dimension, start, end


def _update_dimension_properties(sheets: list[Sheet], args: Json, _book: Spreadsheet) -> Json:
    paths = _check_fields(args.get("fields"), "DimensionProperties")
    sheet, dimension, start, end = _dimension_range(sheets, args.get("range", {}))
    size = args.get("properties", {}).get("pixelSize")
    if dimension == "COLUMNS" and ("pixelSize",) in paths and size is not None:
        for column in range(start, end):
            sheet.column_pixels[column] = size
    return {}


def _delete_dimension(sheets: list[Sheet], args: Json, _book: Spreadsheet) -> Json:
    sheet, dimension, start, end = _dimension_range(sheets, args.get("range", {}))
    gone = end - start
    axis = 0 if dimension == "ROWS" else 1
    if dimension == "ROWS" and gone >= sheet.row_count:
        raise _InvalidError("You can't delete all the rows on the sheet.")
    if dimension == "COLUMNS" and gone >= sheet.column_count:
        raise _InvalidError("You can't delete all the columns on the sheet.")
    moved: dict[tuple[int, int], Json] = {}
    for at, cell in sheet.cells.items():
        index = at[axis]
        if start <= index < end:
            continue
        shifted = index - gone if index >= end else index
        moved[(shifted, at[1]) if axis == 0 else (at[0], shifted)] = cell
    sheet.cells = moved
    if dimension == "ROWS":
        sheet.row_count -= gone
        sheet.frozen_rows = min(sheet.frozen_rows, sheet.row_count - 1)
    else:
        sheet.column_count -= gone
    return {}


def _append_dimension(sheets: list[Sheet], args: Json, _book: Spreadsheet) -> Json:
    sheet = _find(sheets, args.get("sheetId", 0))
    length = args.get("length", 0)
    if length < 1:
        raise _InvalidError("length must be positive.")  # wording assumed
    if args.get("dimension") == "ROWS":
        sheet.row_count += length
    elif args.get("dimension") == "COLUMNS":
        sheet.column_count += length
    else:
        raise _InvalidError("dimension must be ROWS or COLUMNS.")  # wording assumed
    return {}


def _update_sheet_properties(sheets: list[Sheet], args: Json, _book: Spreadsheet) -> Json:
    paths = _check_fields(args.get("fields"), "SheetProperties")
    props = args.get("properties", {})
    sheet = _find(sheets, props.get("sheetId", 0))
    current: Json = sheet.properties(sheets.index(sheet))
    for path in paths:
        _masked_set(current, props, path)
    title = current.get("title", "")
    if any(s is not sheet and s.title.casefold() == title.casefold() for s in sheets):
        raise _InvalidError(_duplicate(title))
    grid = current.get("gridProperties", {})
    sheet.title = title
    sheet.hidden = bool(current.get("hidden", False))
    sheet.row_count = grid.get("rowCount", sheet.row_count)
    sheet.column_count = grid.get("columnCount", sheet.column_count)
    sheet.frozen_rows = grid.get("frozenRowCount", 0)
    if sheet.frozen_rows >= sheet.row_count:
        raise _InvalidError("You can't freeze all visible rows on the sheet.")
    sheet.cells = {
        at: cell
        for at, cell in sheet.cells.items()
        if at[0] < sheet.row_count and at[1] < sheet.column_count
    }
    _check_visible(sheets)
    return {}


def _append_cells(sheets: list[Sheet], args: Json, _book: Spreadsheet) -> Json:
    """Rows below the last row holding data, adding grid rows when needed, as Google does."""
    paths = _check_fields(args.get("fields"), "CellData")
    sheet = _find(sheets, args.get("sheetId", 0))
    rows = args.get("rows", [])
    top = max((r for (r, _), cell in sheet.cells.items() if "userEnteredValue" in cell), default=-1)
    top += 1
    for r, row in enumerate(rows, top):
        values = row.get("values", [])
        if len(values) > sheet.column_count:
            raise _InvalidError(  # wording assumed
                f"Attempting to write column: {len(values) - 1}, beyond the last column of: "
                f"{sheet.column_count - 1}"
            )
        sheet.row_count = max(sheet.row_count, r + 1)
        for c, data in enumerate(values):
            _write(sheet, (r, c), data, paths)
    return {}


def _add_named_range(_sheets: list[Sheet], args: Json, book: Spreadsheet) -> Json:
    named = copy.deepcopy(args.get("namedRange", {}))
    name = named.get("name", "")
    if not name:
        raise _InvalidError("Named range name must be set.")  # wording assumed
    _find(_sheets, named.get("range", {}).get("sheetId", 0))
    # A broken name (its sheet deleted) is taken too; Google's message as quoted in gspread
    # issue 1530.
    every = book.pending_named + book.pending_broken
    if any(n["name"].casefold() == name.casefold() for n in every):
        raise _InvalidError(
            f"Cannot add named range with name: {name}, a named range with that name already "
            "exists."
        )
    named_id = named.setdefault("namedRangeId", f"{book.rng.getrandbits(40):x}")
    if any(n["namedRangeId"] == named_id for n in every):
        raise _InvalidError(f"Named range with id {named_id} already exists.")  # wording assumed
    book.pending_named.append(named)
    return {"addNamedRange": {"namedRange": named}}


def _delete_named_range(_sheets: list[Sheet], args: Json, book: Spreadsheet) -> Json:
    named_id = args.get("namedRangeId", "")
    found = [n for n in book.pending_named if n["namedRangeId"] == named_id]
    if not found:
        # As Google answers updateNamedRange for an unknown id (pygsheets issue 253). A broken
        # range is assumed unknown too: the API no longer lists it (gspread issue 1530).
        raise _InvalidError(f"No NamedRange with id: {named_id}")
    book.pending_named.remove(found[0])
    return {}


def _add_chart(sheets: list[Sheet], args: Json, book: Spreadsheet) -> Json:
    """Store an embedded chart on its anchor's sheet, after checking every range it reads."""
    chart = copy.deepcopy(args.get("chart", {}))
    anchor = chart.get("position", {}).get("overlayPosition", {}).get("anchorCell")
    if anchor is None:
        raise _InvalidError("The chart must be positioned on a sheet.")  # wording assumed
    sheet = _find(sheets, anchor.get("sheetId", 0))
    if (
        anchor.get("rowIndex", 0) >= sheet.row_count
        or anchor.get("columnIndex", 0) >= sheet.column_count
    ):
        raise _InvalidError("The chart's anchor cell is outside the sheet.")  # wording assumed
    basic = chart.get("spec", {}).get("basicChart")
    if basic is None:
        raise _InvalidError("Only basic charts are implemented by the fake Sheets API.")
    ranges = [d.get("domain", {}) for d in basic.get("domains", [])]
    ranges += [s.get("series", {}) for s in basic.get("series", [])]
    if not basic.get("series"):
        raise _InvalidError("A chart needs at least one series.")  # wording assumed
    for data in ranges:
        for span in data.get("sourceRange", {}).get("sources", []):
            source = _find(sheets, span.get("sheetId", 0))
            if (
                span.get("endRowIndex", 0) > source.row_count
                or span.get("endColumnIndex", 0) > source.column_count
            ):
                raise _InvalidError(f"Range exceeds grid limits of sheet {source.title!r}.")
            if span.get("endColumnIndex", 0) - span.get("startColumnIndex", 0) != 1:
                raise _InvalidError("A chart's source range must be one column.")  # assumed
    taken = {c["chartId"] for s in sheets for c in s.charts}
    chart_id = chart.get("chartId")
    if chart_id is None:
        while (chart_id := book.rng.randrange(1, 2**31 - 1)) in taken:
            pass
    elif chart_id in taken:
        raise _InvalidError(f"Chart with id {chart_id} already exists.")  # wording assumed
    chart["chartId"] = chart_id
    sheet.charts.append(chart)
    return {"addChart": {"chart": copy.deepcopy(chart)}}


def _add_protected_range(sheets: list[Sheet], args: Json, book: Spreadsheet) -> Json:
    protected = copy.deepcopy(args.get("protectedRange", {}))
    if "range" not in protected and "namedRangeId" not in protected:
        raise _InvalidError("A protected range must have a range or a named range.")  # assumed
    sheet = _find(sheets, protected.get("range", {}).get("sheetId", 0))
    taken = {p["protectedRangeId"] for s in sheets for p in s.protected_ranges}
    if protected.get("protectedRangeId") in taken:
        raise _InvalidError(  # wording assumed
            f"Protected range with id {protected['protectedRangeId']} already exists."
        )
    if "protectedRangeId" not in protected:
        while (candidate := book.rng.randrange(1, 2**31 - 1)) in taken:
            pass
        protected["protectedRangeId"] = candidate
    protected.setdefault("editors", {})
    sheet.protected_ranges.append(protected)
    return {"addProtectedRange": {"protectedRange": copy.deepcopy(protected)}}


def _delete_protected_range(sheets: list[Sheet], args: Json, _book: Spreadsheet) -> Json:
    wanted = args.get("protectedRangeId")
    for sheet in sheets:
        for protected in sheet.protected_ranges:
            if protected["protectedRangeId"] == wanted:
                sheet.protected_ranges.remove(protected)
                return {}
    raise _InvalidError(f"No protected range with id: {wanted}")  # wording assumed


def _metadata_everywhere(sheets: list[Sheet], book: Spreadsheet) -> list[Json]:
    return [m for s in sheets for m in s.developer_metadata] + book.pending_metadata


def _create_developer_metadata(sheets: list[Sheet], args: Json, book: Spreadsheet) -> Json:
    """Metadata on a sheet or the spreadsheet. The rules are the discovery document's
    descriptions of DeveloperMetadata (a key and a visibility are required; an id, when given,
    must be positive and unused; one is generated otherwise) and DeveloperMetadataLocation."""
    metadata = copy.deepcopy(args.get("developerMetadata", {}))
    if not metadata.get("metadataKey"):
        raise _InvalidError("Developer metadata must always have a key specified.")  # assumed
    if metadata.get("visibility", "DEVELOPER_METADATA_VISIBILITY_UNSPECIFIED") not in (
        "DOCUMENT",
        "PROJECT",
    ):
        raise _InvalidError("Developer metadata must always have visibility specified.")  # assumed
    location = metadata.get("location", {})
    places = [k for k in ("spreadsheet", "sheetId", "dimensionRange") if k in location]
    if len(places) != 1:
        raise _InvalidError("Developer metadata must have exactly one location.")  # assumed
    if places == ["dimensionRange"]:
        raise _InvalidError("Row and column metadata is not implemented by the fake Sheets API.")
    taken = {m["metadataId"] for m in _metadata_everywhere(sheets, book)}
    metadata_id = metadata.get("metadataId")
    if metadata_id is None:
        while (metadata_id := book.rng.randrange(1, 2**31 - 1)) in taken:
            pass
    elif metadata_id < 1:
        raise _InvalidError(f"Developer metadata id {metadata_id} must be positive.")  # assumed
    elif metadata_id in taken:
        raise _InvalidError(  # wording assumed
            f"Developer metadata with id {metadata_id} already exists."
        )
    metadata["metadataId"] = metadata_id
    if places == ["sheetId"]:
        sheet = _find(sheets, location["sheetId"])
        metadata["location"] = {"locationType": "SHEET", "sheetId": sheet.sheet_id}
        sheet.developer_metadata.append(metadata)
    else:
        metadata["location"] = {"locationType": "SPREADSHEET", "spreadsheet": True}
        book.pending_metadata.append(metadata)
    return {"createDeveloperMetadata": {"developerMetadata": copy.deepcopy(metadata)}}


def _matches(metadata: Json, lookup: Json) -> bool:
    """DeveloperMetadataLookup: every field given must match (the discovery document)."""
    for name in ("metadataId", "metadataKey", "metadataValue", "visibility"):
        if name in lookup and metadata.get(name) != lookup[name]:
            return False
    location = metadata.get("location", {})
    if "locationType" in lookup and location.get("locationType") != lookup["locationType"]:
        return False
    wanted = lookup.get("metadataLocation")
    return wanted is None or all(location.get(k) == v for k, v in wanted.items())


def _delete_developer_metadata(sheets: list[Sheet], args: Json, book: Spreadsheet) -> Json:
    """Deletes every metadata the data filter selects; a filter selecting none deletes none
    (assumed: the reply lists what was deleted)."""
    data_filter = args.get("dataFilter", {})
    lookup = data_filter.get("developerMetadataLookup")
    if lookup is None:
        raise _InvalidError("Only developerMetadataLookup filters are implemented by the fake.")
    deleted = []
    for holder in [*(s.developer_metadata for s in sheets), book.pending_metadata]:
        for metadata in list(holder):
            if _matches(metadata, lookup):
                holder.remove(metadata)
                deleted.append(metadata)
    reply: Json = {"deletedDeveloperMetadata": deleted} if deleted else {}
    return {"deleteDeveloperMetadata": reply}


HANDLERS: dict[str, Callable[[list[Sheet], Json, Spreadsheet], Json]] = {
    "createDeveloperMetadata": _create_developer_metadata,
    "deleteDeveloperMetadata": _delete_developer_metadata,
    "appendCells": _append_cells,
    "addNamedRange": _add_named_range,
    "addProtectedRange": _add_protected_range,
    "deleteProtectedRange": _delete_protected_range,
    "deleteNamedRange": _delete_named_range,
    "addSheet": _add_sheet,
    "deleteSheet": _delete_sheet,
    "updateCells": _update_cells,
    "updateDimensionProperties": _update_dimension_properties,
    "deleteDimension": _delete_dimension,
    "appendDimension": _append_dimension,
    "updateSheetProperties": _update_sheet_properties,
    "addChart": _add_chart,
}
