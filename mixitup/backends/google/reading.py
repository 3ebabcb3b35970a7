"""What one spreadsheets.get returns, as mixitup reads it: every tab's id, place, grid and cells
as text, its protection, the stamp kept with it, and the named ranges marking the History.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mixitup.layout import HISTORY_MARKER
from mixitup.models import Rows, Snapshot

# Every tab's id, title, position and size, each cell's text as Sheets shows it, the tab's
# protections and developer metadata, and the spreadsheet's named ranges: one request.
READ_FIELDS = (
    "sheets(properties(sheetId,title,index,hidden,gridProperties(rowCount,columnCount)),"
    "data(startRow,startColumn,rowData(values(formattedValue))),"
    "protectedRanges(protectedRangeId,range,requestingUserCanEdit),"
    "developerMetadata(metadataId,metadataKey,metadataValue)),"
    "namedRanges(namedRangeId,name,range(sheetId))"
)
# The developer metadata key under which a tab keeps its Tab.stamp (on the sheet itself, so
# Google deletes it with the sheet).
STAMP_KEY = "mixitup-stamp"
# The prefix of the named range marking a tab whose cells mixitup set in place (Change.cells):
# replaced by each such write, so one planned on a stale read fails whole, as the History's.
CELLS_MARKER = "MixitupCells"


def is_marker(name: str) -> bool:
    """Whether a named range marks the History: `MixitupHistory_<sheet id>` (its first
    marking) or `MixitupHistory_<random hex>` (each later write), or `MixitupHistory` as
    mixitup named it before (still recognised; replaced by the next write). Google keeps the
    name of a range whose sheet was deleted, hidden but taken (gspread issue 1530), so one
    fixed name would collide for ever once staff deleted the History tab."""
    return name == HISTORY_MARKER or name.startswith(f"{HISTORY_MARKER}_")


@dataclass(frozen=True)
class Sheet:
    """One tab as last read: identity, position, grid size and cells as text."""

    sheet_id: int
    title: str
    index: int
    row_count: int
    column_count: int
    rows: Rows
    hidden: bool = False
    protections: tuple[int, ...] = ()  # ids of the protected ranges covering the whole tab
    stamp: str = ""
    stamp_ids: tuple[int, ...] = ()  # ids of the developer metadata holding stamps
    # For each protected range on the tab: whether the identity reading may edit it.
    editable: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Marker:
    """A named range marking the History tab."""

    named_range_id: str
    name: str
    sheet_id: int


@dataclass(frozen=True)
class State:
    """The whole spreadsheet as one read saw it.

    `markers` are the named ranges marking the history tab (one, normally). Every write to the
    history deletes them by id and adds a new one, so a write planned on a stale read fails
    whole (Google refuses to delete a named range that is gone) instead of touching the wrong
    rows.
    """

    sheets: tuple[Sheet, ...]
    markers: tuple[Marker, ...] = ()
    cell_markers: tuple[Marker, ...] = ()  # named ranges marking tabs whose cells were set

    def by_title(self) -> dict[str, Sheet]:
        return {sheet.title: sheet for sheet in self.sheets}

    def ids(self) -> set[int]:
        return {sheet.sheet_id for sheet in self.sheets}

    def can_write(self) -> bool | None:
        """What this read tells of the reader's permission to write: True when it may edit a
        protected range (which needs edit access to the spreadsheet too), False when a tab
        mixitup wrote (stamped) is protected against it, None when a read cannot tell (Sheets
        says nothing of sharing; Drive, which does, is outside the spreadsheets scope)."""
        if any(any(sheet.editable) for sheet in self.sheets):
            return True
        if any(sheet.stamp and sheet.editable for sheet in self.sheets):
            return False
        return None

    def marker_ids(self) -> frozenset[str]:
        return frozenset(marker.named_range_id for marker in self.markers)

    def marker_names(self) -> frozenset[str]:
        return frozenset(marker.name for marker in self.markers)

    def cells_marker_ids(self, sheet_ids: frozenset[int]) -> frozenset[str]:
        """Ids of the named ranges marking the cells of the tabs `sheet_ids` name."""
        return frozenset(m.named_range_id for m in self.cell_markers if m.sheet_id in sheet_ids)

    def cells_marker_names(self) -> frozenset[str]:
        return frozenset(marker.name for marker in self.cell_markers)

    def snapshot(self) -> Snapshot:
        by_id = {sheet.sheet_id: sheet.title for sheet in self.sheets}
        marked = next((by_id[m.sheet_id] for m in self.markers if m.sheet_id in by_id), None)
        return Snapshot(
            titles=tuple(sheet.title for sheet in self.sheets),
            tabs={sheet.title: sheet.rows for sheet in self.sheets},
            hidden=frozenset(sheet.title for sheet in self.sheets if sheet.hidden),
            marked=marked,
            protected=frozenset(sheet.title for sheet in self.sheets if sheet.protections),
            stamps={sheet.title: sheet.stamp for sheet in self.sheets if sheet.stamp},
        )


def parse(body: Mapping[str, Any]) -> State:
    """The spreadsheets.get answer (masked with READ_FIELDS) as a State."""
    sheets = []
    for sheet in body.get("sheets", []):
        props = sheet.get("properties", {})
        grid = props.get("gridProperties", {})
        stamps = [
            m
            for m in sheet.get("developerMetadata", [])
            if m.get("metadataKey") == STAMP_KEY and "metadataId" in m
        ]
        sheets.append(
            Sheet(
                sheet_id=int(props.get("sheetId", 0)),  # proto3 JSON may omit zeros
                title=str(props.get("title", "")),
                index=int(props.get("index", 0)),
                row_count=int(grid.get("rowCount", 0)),
                column_count=int(grid.get("columnCount", 0)),
                rows=text(sheet.get("data", [])),
                hidden=bool(props.get("hidden", False)),
                protections=tuple(
                    int(p.get("protectedRangeId", 0))
                    for p in sheet.get("protectedRanges", [])
                    # A range naming only the sheet covers all of it, however it grows.
                    if set(p.get("range", {})) <= {"sheetId"} and "namedRangeId" not in p
                ),
                stamp=_one_stamp(stamps),
                stamp_ids=tuple(int(m["metadataId"]) for m in stamps),
                # proto3 JSON leaves a false boolean out: absent means "may not edit".
                editable=tuple(
                    p.get("requestingUserCanEdit") is True for p in sheet.get("protectedRanges", [])
                ),
            )
        )
    named = [
        Marker(
            str(found["namedRangeId"]),
            str(found["name"]),
            int(found.get("range", {}).get("sheetId", 0)),
        )
        for found in body.get("namedRanges", [])
        if "namedRangeId" in found
    ]
    return State(
        tuple(sorted(sheets, key=lambda s: s.index)),
        tuple(m for m in named if is_marker(m.name)),
        tuple(m for m in named if m.name.startswith(f"{CELLS_MARKER}_")),
    )


def _one_stamp(found: Sequence[Mapping[str, Any]]) -> str:
    """The stamp a tab carries; none when it carries stamps that disagree (mixitup writes one)."""
    values = {str(m.get("metadataValue", "")) for m in found}
    return values.pop() if len(values) == 1 else ""


def text(data: Sequence[Mapping[str, Any]]) -> Rows:
    """Grid data as text rows: trailing blanks dropped, inner blank rows kept in place."""
    cells: dict[int, dict[int, str]] = {}
    for block in data:
        first_row, first_column = block.get("startRow", 0), block.get("startColumn", 0)
        for r, row in enumerate(block.get("rowData", []), first_row):
            for c, value in enumerate(row.get("values", []), first_column):
                shown = str(value.get("formattedValue", ""))
                if shown:
                    cells.setdefault(r, {})[c] = shown
    height = max(cells, default=-1) + 1
    return tuple(
        tuple(cells.get(r, {}).get(c, "") for c in range(max(cells.get(r, {}), default=-1) + 1))
        for r in range(height)
    )
