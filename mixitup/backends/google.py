"""Google Sheets backend: one field-masked read, one atomic batchUpdate, bounded retries.

All Google code lives here. The backend talks to the Sheets API v4 through its gspread
client's HTTP client only, so a publish costs one read request and one write request.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

import gspread
import requests
from google.auth import exceptions as auth_exceptions
from gspread.exceptions import APIError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
)

from mixitup.backends import credentials
from mixitup.backends.credentials import Identity
from mixitup.change import apply_change, plan_change
from mixitup.errors import BackendError, ConflictError
from mixitup.models import Cell, Change, Chart, Rows, Snapshot, Tab

if TYPE_CHECKING:
    from mixitup.config import Config

log = logging.getLogger(__name__)

API = "https://sheets.googleapis.com/v4/spreadsheets"
CONNECT_TIMEOUT = 10.0  # seconds to open a connection
READ_TIMEOUT = 60.0  # seconds to wait for an answer once connected
MAX_ATTEMPTS = 6
MAX_SECONDS = 300.0  # no retry once five minutes have passed since the first attempt
MAX_WAIT = 64.0  # the cap of the exponential backoff, and of an honoured Retry-After
FIRST_WAIT = 1.0
PIXELS_PER_CHARACTER = 7  # Arial 10, the Sheets default font
PADDING_PIXELS = 10

# Every tab's id, title, position and size, and each cell's text as Sheets shows it.
READ_FIELDS = (
    "sheets(properties(sheetId,title,index,hidden,gridProperties(rowCount,columnCount)),"
    "data(startRow,startColumn,rowData(values(formattedValue))),"
    "protectedRanges(protectedRangeId,range)),"
    "namedRanges(namedRangeId,name,range(sheetId))"
)
HISTORY_MARKER = "MixitupHistory"  # the named range that marks the history tab, wherever it is
# Cells of a new tab: the literal value and the little formatting a Tab asks for.
CELL_FIELDS = (
    "userEnteredValue,userEnteredFormat.backgroundColorStyle,"
    "userEnteredFormat.textFormat.bold,userEnteredFormat.wrapStrategy"
)
ALREADY_EXISTS = re.compile(r'A sheet with the name "(?P<title>.*)" already exists')
NO_GRID = re.compile(r"No grid with id: \d+")
# Another run wrote the history since our read: the marker we replace is gone, or is new.
MARKER_MOVED = re.compile(r"No NamedRange with id|Named range with name .* already exists", re.I)

Sleep = Callable[[float], None]
Json = dict[str, Any]


class _NotJsonError(Exception):
    """A 2xx answer whose body is not JSON: a proxy or an outage page, worth a retry."""

    def __init__(self, response: requests.Response) -> None:
        self.status = response.status_code
        self.content_type = response.headers.get("Content-Type", "no content type")
        super().__init__(f"HTTP {self.status} answer that is not JSON ({self.content_type})")


def is_transient(error: BaseException) -> bool:
    """Whether a failed call may succeed if repeated: the one retry predicate.

    Retried: 408, 429 and 5xx answers (HTML outage pages included), answers that are not
    JSON, dropped connections and timeouts. Not retried: 400, 401 (google-auth has already
    refreshed the token once), 403, 404 and anything unexpected.
    """
    if isinstance(error, APIError):
        status = error.response.status_code
        return status in (408, 429) or status >= 500
    return isinstance(
        error,
        _NotJsonError
        | requests.ConnectionError
        | requests.Timeout
        | requests.exceptions.ChunkedEncodingError
        | auth_exceptions.TransportError,
    )


def _maybe_applied(error: BaseException) -> bool:
    """Whether a failed write may have landed anyway (everything transient but a 429)."""
    return not (isinstance(error, APIError) and error.response.status_code == 429)


def retry_after(error: BaseException | None) -> float | None:
    """The server's Retry-After hint in seconds (a number or an HTTP date), if any."""
    if not isinstance(error, APIError):
        return None
    value = error.response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def open_google_backend(config: Config) -> GoogleBackend:
    """The Google Sheet `config` names, reached with its credentials (or ADC when none).

    Makes no request: the token is fetched with the first read.
    """
    loaded = credentials.load(config.credentials)
    client = gspread.Client(auth=loaded.credentials)
    return GoogleBackend(client, config.sheet_id, identity=loaded.identity)


@dataclass(frozen=True)
class _Sheet:
    """One tab as last read: identity, position, grid size and cells as text."""

    sheet_id: int
    title: str
    index: int
    row_count: int
    column_count: int
    rows: Rows
    hidden: bool = False
    protections: tuple[int, ...] = ()  # ids of the protected ranges covering the whole tab


@dataclass(frozen=True)
class _State:
    """The whole spreadsheet as one read saw it.

    `marker` is the id and sheet of the named range marking the history tab. Every write to
    the history replaces it with a new id, so a write planned on a stale read fails whole
    (Google refuses to delete a named range that is gone) instead of touching the wrong rows.
    """

    sheets: tuple[_Sheet, ...]
    marker: tuple[str, int] | None = None

    def by_title(self) -> dict[str, _Sheet]:
        return {sheet.title: sheet for sheet in self.sheets}

    def ids(self) -> set[int]:
        return {sheet.sheet_id for sheet in self.sheets}

    def rows(self, title: str) -> Rows | None:
        sheet = self.by_title().get(title)
        return None if sheet is None else sheet.rows

    def snapshot(self) -> Snapshot:
        marked = next(
            (s.title for s in self.sheets if self.marker and s.sheet_id == self.marker[1]), None
        )
        return Snapshot(
            titles=tuple(sheet.title for sheet in self.sheets),
            tabs={sheet.title: sheet.rows for sheet in self.sheets},
            hidden=frozenset(sheet.title for sheet in self.sheets if sheet.hidden),
            marked=marked,
            protected=frozenset(sheet.title for sheet in self.sheets if sheet.protections),
        )


def _parse(body: Mapping[str, Any]) -> _State:
    """The spreadsheets.get answer (masked with READ_FIELDS) as a _State."""
    sheets = []
    for sheet in body.get("sheets", []):
        props = sheet.get("properties", {})
        grid = props.get("gridProperties", {})
        sheets.append(
            _Sheet(
                sheet_id=int(props.get("sheetId", 0)),  # proto3 JSON may omit zeros
                title=str(props.get("title", "")),
                index=int(props.get("index", 0)),
                row_count=int(grid.get("rowCount", 0)),
                column_count=int(grid.get("columnCount", 0)),
                rows=_text(sheet.get("data", [])),
                hidden=bool(props.get("hidden", False)),
                protections=tuple(
                    int(p.get("protectedRangeId", 0))
                    for p in sheet.get("protectedRanges", [])
                    # A range naming only the sheet covers all of it, however it grows.
                    if set(p.get("range", {})) <= {"sheetId"} and "namedRangeId" not in p
                ),
            )
        )
    marker = next(
        (
            (str(named["namedRangeId"]), int(named.get("range", {}).get("sheetId", 0)))
            for named in body.get("namedRanges", [])
            if named.get("name") == HISTORY_MARKER and "namedRangeId" in named
        ),
        None,
    )
    return _State(tuple(sorted(sheets, key=lambda s: s.index)), marker)


def _text(data: Sequence[Mapping[str, Any]]) -> Rows:
    """Grid data as text rows: trailing blanks dropped, inner blank rows kept in place."""
    cells: dict[int, dict[int, str]] = {}
    for block in data:
        first_row, first_column = block.get("startRow", 0), block.get("startColumn", 0)
        for r, row in enumerate(block.get("rowData", []), first_row):
            for c, value in enumerate(row.get("values", []), first_column):
                text = str(value.get("formattedValue", ""))
                if text:
                    cells.setdefault(r, {})[c] = text
    height = max(cells, default=-1) + 1
    return tuple(
        tuple(cells.get(r, {}).get(c, "") for c in range(max(cells.get(r, {}), default=-1) + 1))
        for r in range(height)
    )


def _value(cell: Cell) -> Json | None:
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


def _cells(
    rows: Sequence[Sequence[Cell]],
    width: int,
    bold: frozenset[int] = frozenset(),
    fills: Mapping[int, str] | None = None,
    wrap: bool = False,
) -> list[Json]:
    """RowData for updateCells: every row padded to `width`, so fills band the whole table."""
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
        values = []
        for c in range(width):
            cell: Json = {}
            value = _value(row[c]) if c < len(row) else None
            if value is not None:
                cell["userEnteredValue"] = value
            if style:
                cell["userEnteredFormat"] = style
            values.append(cell)
        out.append({"values": values})
    return out


def _grid(tab: Tab) -> tuple[int, int]:
    """The exact grid of a tab: (columns, rows)."""
    width = max([len(tab.widths), 1, *(len(row) for row in tab.rows)])
    # Sheets refuses to freeze every row of a sheet, so a header-only tab gets one spare row.
    height = max(len(tab.rows), tab.frozen_rows + 1 if tab.frozen_rows else 1)
    return width, height


def _tab_requests(tab: Tab, sheet_id: int, index: int | None) -> list[Json]:
    """Add `tab` with an explicit id and exact grid, fill it, and format it."""
    width, height = _grid(tab)
    grid: Json = {"rowCount": height, "columnCount": width}
    if tab.frozen_rows:
        grid["frozenRowCount"] = tab.frozen_rows
    props: Json = {"sheetId": sheet_id, "title": tab.title, "gridProperties": grid}
    if index is not None:
        props["index"] = index
    if tab.hidden:
        props["hidden"] = True
    return [{"addSheet": {"properties": props}}, *_content_requests(tab, sheet_id, width)]


def _content_requests(tab: Tab, sheet_id: int, width: int) -> list[Json]:
    """Fill a tab's grid with its cells and formats, and set its column widths."""
    out: list[Json] = []
    if tab.rows:
        out.append(
            {
                "updateCells": {
                    "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                    "rows": _cells(tab.rows, width, tab.bold_rows, tab.fills, tab.wrap),
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
        out.append(_chart_request(tab.chart, sheet_id))
    return out


def _replace_requests(tab: Tab, sheet: _Sheet) -> list[Json]:
    """Write `tab` over `sheet` in place: same sheet id and position, so links still work.

    The grid is resized to the tab and every cell's value and mixitup's formats rewritten;
    formatting staff added in other fields stays.
    """
    width, height = _grid(tab)
    out: list[Json] = []
    if sheet.row_count < height:
        out.append(_append(sheet.sheet_id, "ROWS", height - sheet.row_count))
    elif sheet.row_count > height:
        out.append(_delete(sheet.sheet_id, "ROWS", height, sheet.row_count))
    if sheet.column_count < width:
        out.append(_append(sheet.sheet_id, "COLUMNS", width - sheet.column_count))
    elif sheet.column_count > width:
        out.append(_delete(sheet.sheet_id, "COLUMNS", width, sheet.column_count))
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
    return out + _content_requests(tab, sheet.sheet_id, width)


def _chart_request(chart: Chart, sheet_id: int) -> Json:
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


@dataclass(frozen=True)
class _Plan:
    """One change as a batchUpdate body, and how to tell from a later read whether it landed."""

    body: Json
    before: Snapshot
    after: Snapshot  # what apply_change says the spreadsheet is once the change landed
    marker_before: str | None = None  # set when the change writes the history
    marker_after: str | None = None

    def landed(self, state: _State) -> bool:
        """Whether `state` shows this plan applied (True) or not applied (False).

        Raises ConflictError when it shows neither: someone else changed the spreadsheet.
        """
        if self.marker_after is not None:
            marker = state.marker[0] if state.marker else None
            if marker == self.marker_after:
                return True  # a batchUpdate is atomic: the new marker means all of it landed
            if marker == self.marker_before:
                return False
        else:
            now = state.snapshot()
            written = [t for t in self.after.titles if self.after.tabs[t] != self.before.rows(t)]
            gone = [t for t in self.before.titles if self.after.title(t) is None]
            if all(now.rows(t) == self.after.tabs[t] for t in written) and all(
                now.title(t) is None for t in gone
            ):
                return True
            if all(now.rows(t) == self.before.rows(t) for t in written) and all(
                now.title(t) is not None for t in gone
            ):
                return False
        raise ConflictError(
            "The spreadsheet changed while mixitup was writing to it, so nothing more was "
            "written. Run `mixitup status` to see what is published, then run again."
        )


class GoogleBackend:
    """A Google Sheet read in one request and changed in one atomic batchUpdate.

    Takes a gspread client (tests hand it one whose requests reach a local fake) and uses
    only its HTTP client: no Drive calls, no metadata fetches behind the caller's back.
    `sleep` and `rng` drive the backoff, so tests never wait.
    """

    def __init__(
        self,
        client: gspread.Client,
        sheet_id: str,
        *,
        identity: Identity | None = None,
        timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        editors: Sequence[str] = (),
        section: str = "spreadsheet",
    ) -> None:
        if not sheet_id:
            raise BackendError("No spreadsheet id given: set [spreadsheet] id in mixitup.toml.")
        self.client = client
        self.sheet_id = sheet_id
        self.editors = tuple(editors)  # who, besides mixitup, may edit the tabs it protects
        self.section = section  # the mixitup.toml section naming it: "spreadsheet" or "students"
        self.identity = identity or Identity("service_account", "the credentials in use")
        self.sleep = sleep
        self.rng = rng or random.Random()  # jitter and sheet ids, not secrets
        self.max_attempts = max_attempts
        client.set_timeout(timeout)
        self._state: _State | None = None  # the last read, which apply() plans against

    @property
    def location(self) -> str:
        return f"https://docs.google.com/spreadsheets/d/{self.sheet_id}"

    def read(self) -> Snapshot:
        """Every tab's title and text, from one spreadsheets.get (retried when transient)."""
        return self._read_state().snapshot()

    def _read_state(self) -> _State:
        retrying = self._retrying("read")
        try:
            state = retrying(self._fetch)
        except (
            APIError,
            _NotJsonError,
            requests.RequestException,
            auth_exceptions.GoogleAuthError,
        ) as e:
            raise self._explain(e, "read", retrying) from e
        self._state = state
        log.debug("Read %d tabs from %s in one request", len(state.sheets), self.location)
        return state

    def apply(self, change: Change) -> None:
        """Apply `change` in one batchUpdate, planned against the last read().

        Without an earlier read() (or after an apply()), reads first. A write whose outcome
        is unknown (timeout, dropped connection, 5xx) is re-read before it is retried, so a
        change that already landed is never applied twice.
        """
        state = self._state or self._read_state()
        plan = self._plan(change, state)
        if not plan.body["requests"]:
            log.debug("Nothing to write to %s", self.location)
            return
        uncertain = False

        def attempt() -> None:
            nonlocal uncertain
            if uncertain:
                if plan.landed(self._fetch()):
                    log.warning("The earlier write attempt had landed; not sending it again")
                    return
                uncertain = False
            try:
                self._post(f"{API}/{quote(self.sheet_id, safe='')}:batchUpdate", plan.body)
            except Exception as error:
                uncertain = is_transient(error) and _maybe_applied(error)
                raise

        retrying = self._retrying("write")
        self._state = None  # whatever happens, the spreadsheet may differ from the last read
        try:
            retrying(attempt)
        except (
            APIError,
            _NotJsonError,
            requests.RequestException,
            auth_exceptions.GoogleAuthError,
        ) as e:
            raise self._explain(e, "write", retrying, uncertain) from e
        log.debug(
            "Wrote %d requests in one batchUpdate to %s: %d tabs written, %d removed",
            len(plan.body["requests"]),
            self.location,
            len(change.tabs),
            len(change.delete_tabs),
        )

    # -- requests --------------------------------------------------------------------------

    def _fetch(self) -> _State:
        response = self.client.http_client.request(
            "get",
            f"{API}/{quote(self.sheet_id, safe='')}",
            params={"includeGridData": "true", "fields": READ_FIELDS},
        )
        return _parse(self._json(response))

    def _post(self, url: str, body: Json) -> Json:
        return self._json(self.client.http_client.request("post", url, json=body))

    @staticmethod
    def _json(response: requests.Response) -> Json:
        try:
            body = response.json()
        except ValueError:
            raise _NotJsonError(response) from None
        if not isinstance(body, dict):
            raise _NotJsonError(response)
        return body

    def _retrying(self, what: str) -> Retrying:
        def wait(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            ceiling = min(MAX_WAIT, FIRST_WAIT * 2 ** (state.attempt_number - 1))
            jitter = self.rng.uniform(0, ceiling)  # "full jitter"
            hinted = retry_after(error)
            return jitter if hinted is None else min(MAX_WAIT, max(hinted, jitter))

        def before_sleep(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            log.warning(
                "Google Sheets %s failed (%s); retrying in %.1f s (attempt %d of %d)",
                what,
                _short(error),
                state.next_action.sleep if state.next_action else 0.0,
                state.attempt_number + 1,
                self.max_attempts,
            )

        return Retrying(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(self.max_attempts) | stop_after_delay(MAX_SECONDS),
            wait=wait,
            sleep=self.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )

    # -- planning --------------------------------------------------------------------------

    def _new_id(self, taken: set[int]) -> int:
        while True:
            sheet_id = self.rng.randrange(1, 2**31 - 1)
            if sheet_id not in taken:
                taken.add(sheet_id)
                return sheet_id

    def _protect(self, sheet_id: int) -> Json:
        """Protect a whole tab: only mixitup's identity and the configured editors may edit it."""
        users = [email for email in (self.identity.account(), *self.editors) if email]
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

    def _new_marker(self) -> str:
        return f"mixitup-{self.rng.getrandbits(64):016x}"

    def _plan(self, change: Change, state: _State) -> _Plan:
        """The batchUpdate carrying out `plan_change`'s steps on the spreadsheet as read."""
        snapshot = state.snapshot()
        steps = plan_change(snapshot, change)
        by_title = state.by_title()
        taken = state.ids()
        deletes: list[Json] = [
            {"deleteSheet": {"sheetId": by_title[title].sheet_id}} for title in steps.delete
        ]
        # Google refuses to delete every tab, even when the same batch adds others: then the
        # new tabs go in after the old ones, which are deleted last.
        late = len(steps.delete) == len(state.sheets) and bool(steps.add)
        requests_: list[Json] = [] if late else deletes
        shift = len(state.sheets) if late else 0
        for old, tab in steps.replace:
            sheet = by_title[old]
            requests_ += _replace_requests(tab, sheet)
            requests_ += [
                {"deleteProtectedRange": {"protectedRangeId": p}} for p in sheet.protections
            ]
            if tab.protected:
                requests_.append(self._protect(sheet.sheet_id))
        count = len(state.sheets) - len(steps.delete)
        for tab in steps.add:
            index = None if tab.position is None else min(tab.position, count) + shift
            sheet_id = self._new_id(taken)
            requests_ += _tab_requests(tab, sheet_id, index)
            if tab.protected:
                requests_.append(self._protect(sheet_id))
            count += 1
        if late:
            requests_ += deletes
        after = apply_change(snapshot, change)
        if steps.history is None:
            return _Plan({"requests": requests_}, snapshot, after)
        h = steps.history
        if h.create:
            sheet_id = self._new_id(taken)
            header = Tab(h.title, (h.header,), frozen_rows=1, bold_rows=frozenset({0}))
            requests_ += _tab_requests(replace(header, hidden=h.hidden), sheet_id, None)
            columns = len(h.header)
        else:
            sheet = by_title[h.title]
            sheet_id, columns = sheet.sheet_id, sheet.column_count
            if len(h.header) > columns:
                requests_.append(_append(sheet_id, "COLUMNS", len(h.header) - columns))
                columns = len(h.header)
            if len(h.header) > h.old_width:
                requests_.append(
                    {
                        "updateCells": {
                            "start": {
                                "sheetId": sheet_id,
                                "rowIndex": 0,
                                "columnIndex": h.old_width,
                            },
                            "rows": _cells(
                                [h.header[h.old_width :]],
                                len(h.header) - h.old_width,
                                bold=frozenset({0}),
                            ),
                            "fields": CELL_FIELDS,
                        }
                    }
                )
            requests_ += [
                {
                    "deleteDimension": {
                        "range": {
                            "sheetId": sheet_id,
                            "dimension": "ROWS",
                            "startIndex": row - 1,
                            "endIndex": row,
                        }
                    }
                }
                for row in reversed(h.delete_rows)
            ]
        if h.append:
            # Appended below whatever the tab holds when the write lands, never at a row read
            # earlier, so rows another run added meanwhile are not overwritten.
            requests_.append(
                {
                    "appendCells": {
                        "sheetId": sheet_id,
                        "rows": _cells(h.append, columns),
                        "fields": "userEnteredValue",
                    }
                }
            )
        marker_before = state.marker[0] if state.marker else None
        if marker_before is not None:
            requests_.append({"deleteNamedRange": {"namedRangeId": marker_before}})
        marker_after = self._new_marker()
        requests_.append(
            {
                "addNamedRange": {
                    "namedRange": {
                        "namedRangeId": marker_after,
                        "name": HISTORY_MARKER,
                        "range": {"sheetId": sheet_id},
                    }
                }
            }
        )
        return _Plan({"requests": requests_}, snapshot, after, marker_before, marker_after)

    # -- errors ----------------------------------------------------------------------------

    def _explain(
        self,
        error: Exception,
        what: Literal["read", "write"],
        retrying: Retrying,
        uncertain: bool = False,
    ) -> BackendError:
        """A message for staff: what happened to which spreadsheet, and what to do."""
        attempts = int(retrying.statistics.get("attempt_number", 1))
        tried = f" after {attempts} attempts" if attempts > 1 else ""
        where = (
            f"the students' spreadsheet {self.sheet_id}"
            if self.section == "students"
            else f"spreadsheet {self.sheet_id}"
        )
        if what == "read":
            outcome = " Nothing was written."
        elif uncertain:
            outcome = (
                " The last write attempt may or may not have landed: run `mixitup status` to "
                "check. Running again is safe; it never adds a tab or history rows twice."
            )
        else:
            outcome = " Nothing was written."
        if isinstance(error, APIError):
            status = error.response.status_code
            message = _api_message(error)
            if status == 400 and (found := ALREADY_EXISTS.search(message)):
                return _tab_exists(found["title"])
            if status == 400 and MARKER_MOVED.search(message):
                return ConflictError(
                    f"Another mixitup run wrote the history of {where} since this one read it. "
                    "Nothing was written."
                )
            if status == 400 and NO_GRID.search(message):
                return ConflictError(
                    f"A tab of {where} was removed since mixitup read it ({message}). Nothing "
                    "was written; another mixitup run or a person changed it."
                )
            if status == 403 and re.search(r"has not been used|is disabled", message):
                return BackendError(
                    f"The Google Sheets API is not enabled for the Google Cloud project of "
                    f"{self.identity.name()} "
                    f"(403: {message}). Enable it in the Google Cloud console, wait a few "
                    f"minutes, and run again.{outcome}"
                )
            if status == 403:
                return BackendError(
                    f"Google Sheets refused {self.identity.name()} access to {where} (403: "
                    f"{message}). {credentials.forbidden(self.identity, message)}{outcome}"
                )
            if status == 404:
                return BackendError(
                    f"{where[0].upper()}{where[1:]} was not found (404: {message}). Check "
                    f"[{self.section}] id in mixitup.toml: it is the part of the sheet's address "
                    f"between /d/ and /edit.{outcome}"
                )
            if status == 401:
                return BackendError(
                    f"Google did not accept the credentials of {self.identity.name()} (401: "
                    f"{message}). {credentials.unauthorized(self.identity)}.{outcome}"
                )
            if status == 429:
                return BackendError(
                    f"Google Sheets is rate-limiting {self.identity.name()} (429: {message}) "
                    f"and still was{tried}. Wait a few minutes and run again.{outcome}"
                )
            if is_transient(error):
                return BackendError(
                    f"Google Sheets could not {what} {where}{tried} ({status}: {message}). "
                    f"Google may be having an outage; run again later.{outcome}"
                )
            return BackendError(
                f"Google Sheets rejected the {what} of {where} ({status}: {message})."
                f"{outcome} This looks like a mixitup bug; please report this message."
            )
        if isinstance(error, auth_exceptions.GoogleAuthError) and not is_transient(error):
            return BackendError(f"{credentials.refused(self.identity, error)}{outcome}")
        return BackendError(
            f"Could not {what} {where}: {_short(error)}{tried}. Check this machine's network "
            f"connection (and proxy) to sheets.googleapis.com.{outcome}"
        )


def _tab_exists(title: str) -> ConflictError:
    return ConflictError(
        f"Tab {title!r} already exists in the spreadsheet, so nothing was written: another "
        "mixitup run probably published it first."
    )


def _append(sheet_id: int, dimension: str, length: int) -> Json:
    return {"appendDimension": {"sheetId": sheet_id, "dimension": dimension, "length": length}}


def _delete(sheet_id: int, dimension: str, start: int, end: int) -> Json:
    span = {"sheetId": sheet_id, "dimension": dimension, "startIndex": start, "endIndex": end}
    return {"deleteDimension": {"range": span}}


def _api_message(error: APIError) -> str:
    """Google's own message, or a word on the body when it is not JSON (an HTML page)."""
    status = str(error.error.get("status", ""))
    if status.startswith("invalid JSON"):
        kind = error.response.headers.get("Content-Type", "no content type")
        return f"an answer that is not JSON ({kind})"
    message = " ".join(str(error.error.get("message", "")).split())
    return message[:300] or str(status)


def _short(error: BaseException | None) -> str:
    """A one-line description of a failure, for logs and messages; never a token."""
    if error is None:
        return "unknown failure"
    if isinstance(error, APIError):
        return f"{error.response.status_code}: {_api_message(error)}"
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return "connection failed or dropped"
    if isinstance(error, auth_exceptions.TransportError):
        return "could not reach Google's token service"
    return str(error)[:200]
