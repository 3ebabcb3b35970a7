"""The Google Sheets backend against the local fake: real requests, real google-auth, real HTTP."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from pathlib import Path

import pytest
import requests
from google.auth.exceptions import RefreshError

from mixitup.backends import open_backend
from mixitup.backends.credentials import SCOPES
from mixitup.backends.google import GoogleBackend
from mixitup.backends.google.errors import ApiError, TokenServiceError
from mixitup.backends.google.tabs import pixels
from mixitup.backends.google.transport import MAX_WAIT
from mixitup.cli import main
from mixitup.errors import BackendError, ConflictError
from mixitup.layout import HISTORY_HEADER as HEADER
from mixitup.models import Cell, Change, HistoryEdit, Tab, TabCells
from mixitup.retries import UnexpectedAnswerError, is_transient
from tests.fake_sheets import (
    Fault,
    GoogleSheet,
    Value,
    discovery,
    html_502,
    rate_limited,
    server_error,
)
from tests.fake_sheets.spreadsheet import computed

GROUPS = "2027-01-13 Week 2 Groups"
PROMPTS = "2027-01-13 Week 2 Prompts"
ROSTER: list[list[Value]] = [
    ["Name", "Email", "Program", "Module", "Cohort"],
    ["Ada Lovelace", "ada@example.org", "BE", 3, "2409-BE"],
    ['=HYPERLINK("http://x")', "formula@example.org", "FE", "Mod 4", "007"],
    [],  # a blank row staff left in: later rows keep their row numbers
    ["+1", "plus@example.org", "BE", "M2", "1e5"],
]


def groups_tab(names: tuple[str, ...] = ("Ada", "=SUM(A1)", "+1", "@me", "-2")) -> Tab:
    rows: tuple[tuple[Cell, ...], ...] = (
        ("Group", "Name", "Program", "Module"),
        *((i % 2 + 1, n, "BE", "Mod 3") for i, n in enumerate(names)),
    )
    return Tab(
        title=GROUPS,
        rows=rows,
        widths=(7, 22, 9, 8),
        frozen_rows=1,
        bold_rows=frozenset({0}),
        fills={
            0: "#D9E2F3",
            **{i: ("#FFFFFF" if i % 2 else "#EEF3FB") for i in range(1, len(rows))},
        },
    )


def prompts_tab() -> Tab:
    return Tab(
        PROMPTS, (("Mix It Up, Wednesday January 13",), ("",), ("Norms",)), widths=(90,), wrap=True
    )


def history(*rows: tuple[str, ...], remove: tuple[str, ...] = ()) -> HistoryEdit:
    return HistoryEdit(remove_sessions=remove, append=rows)


def entry(session: str, group: int, key: str) -> tuple[str, ...]:
    return (session, session[:10], session[-1], str(group), key, key.title())


def publish_change() -> Change:
    return Change(
        tabs=(groups_tab(), prompts_tab()),
        history=history(entry("2027-01-13 Week 2", 1, "ada"), entry("2027-01-13 Week 2", 2, "bob")),
    )


def backend_for(sheet: GoogleSheet, read_timeout: float | None = None) -> GoogleBackend:
    """The backend `mixitup` itself would open, over a session reaching the fake, jitter
    seeded and waits recorded in `sheet.sleeps`."""
    backend = sheet.backend()
    assert isinstance(backend, GoogleBackend)
    if read_timeout is not None:
        backend.transport.timeout = (2.0, read_timeout)
    return backend


# -- reading -------------------------------------------------------------------------------


def test_read_returns_every_tab_in_order_with_cells_as_text(google_sheet: GoogleSheet) -> None:
    google_sheet.seed("Roster", ROSTER)
    google_sheet.seed("History", [list(HEADER)], hidden=True)

    snapshot = backend_for(google_sheet).read()

    assert snapshot.titles == ("Sheet1", "Roster", "History")
    assert snapshot.rows("Roster") == (
        ("Name", "Email", "Program", "Module", "Cohort"),
        ("Ada Lovelace", "ada@example.org", "BE", "3", "2409-BE"),
        ('=HYPERLINK("http://x")', "formula@example.org", "FE", "Mod 4", "007"),
        (),
        ("+1", "plus@example.org", "BE", "M2", "1e5"),
    )
    assert snapshot.rows("History") == (HEADER,)
    assert snapshot.rows("Sheet1") == ()


def test_a_formula_cell_is_read_by_its_calculated_value(google_sheet: GoogleSheet) -> None:
    roster = google_sheet.seed("Roster", ROSTER[:2])
    with google_sheet.fake.lock:
        roster.cells[(1, 0)] = computed('=PROPER("ada lovelace")', "Ada Lovelace")
        roster.cells[(1, 3)] = computed('="Mod "&(2+1)', "Mod 3")
        roster.cells[(1, 4)] = computed("=2409", 2409)

    snapshot = backend_for(google_sheet).read()

    assert snapshot.rows("Roster") == (
        ("Name", "Email", "Program", "Module", "Cohort"),
        ("Ada Lovelace", "ada@example.org", "BE", "Mod 3", "2409"),
    )


def test_a_roster_computed_by_formulas_publishes_their_values_and_an_error_is_named(
    google_sheet: GoogleSheet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows: list[list[Value]] = [["Name", "Email", "Program", "Module"]]
    rows += [[f"S{i}", f"s{i}@x.edu", "BE" if i % 2 else "FE", i % 4 + 1] for i in range(12)]
    roster = google_sheet.seed("Roster", rows)
    with google_sheet.fake.lock:
        roster.cells[(1, 0)] = computed('=CONCAT("Zed ", "Formula")', "Zed Formula")
        roster.cells[(2, 3)] = computed('="Mod "&4', "Mod 4")
    config = tmp_path / "mixitup.toml"
    config.write_text(google_sheet.toml() + "[groups]\nsize = 4\n")
    args = ["--config", str(config), "publish", "--date", "2027-01-13", "--week", "2"]

    assert main(args, session=google_sheet.session) == 0

    shown = {r[1]: r[3] for r in (google_sheet.rows(GROUPS) or [])[1:]}
    assert (shown["Zed Formula"], shown["S1"]) == ("Mod 1", "Mod 4")
    ref = computed("=Old!D4", {"errorValue": {"type": "REF", "message": "Unresolved sheet name"}})
    with google_sheet.fake.lock:
        google_sheet.tab("Roster").cells[(3, 3)] = ref  # a batch swapped in a new copy
    capsys.readouterr()
    assert (
        main(
            [*args[:2], "publish", "--date", "2027-01-27", "--week", "4"],
            session=google_sheet.session,
        )
        == 3
    )
    err = capsys.readouterr().err
    assert 'Roster tab "Roster", row 4' in err
    assert "#REF!" in err


def test_read_keeps_ids_and_leading_zeros_as_typed(google_sheet: GoogleSheet) -> None:
    google_sheet.seed(
        "Roster", [["Name", "Id"], ["A", "007"], ["B", "1e5"], ["C", "0x1F"], ["D", "1,000"]]
    )

    rows = backend_for(google_sheet).read().rows("Roster")

    assert rows is not None
    assert [r[1] for r in rows[1:]] == ["007", "1e5", "0x1F", "1,000"]


def test_read_is_one_field_masked_request_with_grid_data(google_sheet: GoogleSheet) -> None:
    google_sheet.seed("Roster", ROSTER)

    backend_for(google_sheet).read()

    (call,) = [c for c in google_sheet.fake.calls if c.route != "token"]
    assert call.route == "get"
    assert call.query["includeGridData"] == ["true"]
    assert "formattedValue" in call.query["fields"][0]


def test_credentials_ask_for_the_spreadsheets_scope_only(google_sheet: GoogleSheet) -> None:
    backend_for(google_sheet).read()

    ((email, scopes, _),) = google_sheet.fake.tokens.values()
    assert email == google_sheet.client_email
    assert scopes == frozenset(SCOPES) == {"https://www.googleapis.com/auth/spreadsheets"}


def test_opening_the_backend_sends_no_request(google_sheet: GoogleSheet) -> None:
    backend_for(google_sheet)

    assert google_sheet.fake.calls == []


def test_location_is_the_sheets_address(google_sheet: GoogleSheet) -> None:
    assert backend_for(google_sheet).location == (
        f"https://docs.google.com/spreadsheets/d/{google_sheet.sheet_id}"
    )


def test_every_request_carries_connect_and_read_timeouts(google_sheet: GoogleSheet) -> None:
    backend = backend_for(google_sheet)

    assert backend.transport.timeout == (10.0, 60.0)


# -- writing -------------------------------------------------------------------------------


def test_publish_costs_one_read_and_one_write(google_sheet: GoogleSheet) -> None:
    google_sheet.seed("Roster", ROSTER)
    backend = backend_for(google_sheet)

    backend.read()
    backend.apply(publish_change())

    assert (google_sheet.reads(), google_sheet.writes()) == (1, 1)
    assert google_sheet.titles() == ["Sheet1", "Roster", GROUPS, PROMPTS, "History"]


def test_publish_of_a_large_roster_still_costs_one_read_and_one_write(
    google_sheet: GoogleSheet,
) -> None:
    names = tuple(f"Student {i:03}" for i in range(600))
    backend = backend_for(google_sheet)

    backend.read()
    backend.apply(
        Change(
            tabs=(groups_tab(names),),
            history=history(*(entry("2027-01-13 Week 2", 1, n) for n in names)),
        )
    )

    assert (google_sheet.reads(), google_sheet.writes()) == (1, 1)
    assert len(google_sheet.rows("History") or []) == 601


def test_an_empty_change_costs_no_write(google_sheet: GoogleSheet) -> None:
    backend = backend_for(google_sheet)
    backend.read()

    backend.apply(Change())
    backend.apply(Change(history=history()))

    assert google_sheet.writes() == 0


def test_text_is_written_as_literal_strings_and_numbers_as_numbers(
    google_sheet: GoogleSheet,
) -> None:
    backend = backend_for(google_sheet)
    backend.read()

    backend.apply(Change(tabs=(groups_tab(),)))

    cells = google_sheet.tab(GROUPS).cells
    assert cells[(2, 1)]["userEnteredValue"] == {"stringValue": "=SUM(A1)"}
    assert cells[(3, 1)]["userEnteredValue"] == {"stringValue": "+1"}
    assert cells[(4, 1)]["userEnteredValue"] == {"stringValue": "@me"}
    assert cells[(5, 1)]["userEnteredValue"] == {"stringValue": "-2"}
    assert cells[(1, 0)]["userEnteredValue"] == {"numberValue": 1}
    assert not any("formulaValue" in c.get("userEnteredValue", {}) for c in cells.values())
    rows = backend.read().rows(GROUPS)
    assert rows is not None
    assert [r[1] for r in rows[1:]] == ["Ada", "=SUM(A1)", "+1", "@me", "-2"]


def test_new_tabs_get_exact_grids_frozen_header_widths_bold_fills_and_wrap(
    google_sheet: GoogleSheet,
) -> None:
    backend = backend_for(google_sheet)
    backend.read()

    backend.apply(Change(tabs=(groups_tab(), prompts_tab())))

    groups = google_sheet.tab(GROUPS)
    assert (groups.row_count, groups.column_count, groups.frozen_rows) == (6, 4, 1)
    assert groups.column_pixels == {0: pixels(7), 1: pixels(22), 2: pixels(9), 3: pixels(8)}
    header = groups.cells[(0, 3)]["userEnteredFormat"]
    assert header["textFormat"] == {"bold": True}
    assert header["backgroundColorStyle"]["rgbColor"] == pytest.approx(
        {"red": 0xD9 / 255, "green": 0xE2 / 255, "blue": 0xF3 / 255}
    )
    assert "textFormat" not in groups.cells[(1, 1)]["userEnteredFormat"]
    prompts = google_sheet.tab(PROMPTS)
    assert (prompts.row_count, prompts.column_count, prompts.frozen_rows) == (3, 1, 0)
    assert prompts.cells[(0, 0)]["userEnteredFormat"]["wrapStrategy"] == "WRAP"


def test_a_header_only_tab_keeps_one_spare_row_because_sheets_cannot_freeze_all_rows(
    google_sheet: GoogleSheet,
) -> None:
    backend = backend_for(google_sheet)
    backend.read()

    backend.apply(Change(tabs=(Tab(GROUPS, (("Group", "Name"),), frozen_rows=1),)))

    assert google_sheet.tab(GROUPS).row_count == 2


def test_missing_history_tab_is_created_hidden_with_its_header(google_sheet: GoogleSheet) -> None:
    backend = backend_for(google_sheet)
    backend.read()

    backend.apply(publish_change())

    assert google_sheet.tab("History").hidden
    assert google_sheet.rows("History") == [
        list(HEADER),
        list(entry("2027-01-13 Week 2", 1, "ada")),
        list(entry("2027-01-13 Week 2", 2, "bob")),
    ]


def test_a_sessions_history_rows_are_removed_and_new_rows_appended(
    google_sheet: GoogleSheet,
) -> None:
    old = [
        entry(s, g, k)
        for s, g, k in (
            ("2027-01-13 Week 2", 1, "a"),
            ("2026-12-02 Week 4", 1, "b"),
            ("2027-01-13 Week 2", 2, "c"),
            ("2026-12-02 Week 4", 2, "d"),
        )
    ]
    google_sheet.seed("History", [list(HEADER), *map(list, old)], hidden=True)
    backend = backend_for(google_sheet)
    backend.read()

    new = entry("2026-12-02 Week 4", 3, "e")
    backend.apply(Change(history=history(new, remove=("2026-12-02 Week 4",))))

    assert google_sheet.rows("History") == [list(HEADER), list(old[0]), list(old[2]), list(new)]
    assert google_sheet.writes() == 1


def test_history_cells_are_set_by_run_before_rows_are_deleted_in_one_write(
    google_sheet: GoogleSheet,
) -> None:
    """Attendance down a column is one updateCells; cells apart in a row are one each, so the
    cells between them are never sent; all of it before any deleteDimension, in one write."""
    rows = [entry("2027-01-13 Week 2", 1, k) for k in "abcdef"]
    old = entry("2026-12-02 Week 4", 1, "z")
    google_sheet.seed("History", [list(HEADER), *map(list, rows), list(old)], hidden=True)
    backend = backend_for(google_sheet)
    backend.read()
    google_sheet.fake.forget_calls()
    marks = tuple((row, "Attended", "no" if row % 2 == 0 else "yes") for row in range(2, 6))
    lead = ((7, "Group", "2"), (7, "Role", "Lead"))

    backend.apply(
        Change(history=HistoryEdit(update=marks + lead, remove_sessions=("2026-12-02 Week 4",)))
    )

    (write,) = [c for c in google_sheet.fake.calls if c.route == "batchUpdate"]
    kinds = [next(iter(r)) for r in write.body["requests"]]
    assert kinds[: kinds.index("deleteDimension")].count("updateCells") == 3
    assert "updateCells" not in kinds[kinds.index("deleteDimension") :]
    attended, group, role = (HEADER.index(n) for n in ("Attended", "Group", "Role"))
    sent = [
        (
            u["start"]["rowIndex"],
            u["start"]["columnIndex"],
            len(u["rows"]),
            len(u["rows"][0]["values"]),
        )
        for u in (r["updateCells"] for r in write.body["requests"] if "updateCells" in r)
    ]
    assert sent == [(1, attended, 4, 1), (6, group, 1, 1), (6, role, 1, 1)]
    history = google_sheet.rows("History") or []
    assert [r[attended] for r in history[1:5]] == ["no", "yes", "no", "yes"]
    assert (history[6][group], history[6][role]) == ("2", "Lead")
    assert len(history) == 7  # the old session's row is gone, and no other


def test_a_stamp_is_document_metadata_on_the_sheet_replaced_in_the_same_write(
    google_sheet: GoogleSheet,
) -> None:
    backend = backend_for(google_sheet)
    backend.read()
    backend.apply(Change(tabs=(dataclasses.replace(groups_tab(), stamp="first"),)))
    sheet_id = google_sheet.tab(GROUPS).sheet_id
    (created,) = google_sheet.tab(GROUPS).developer_metadata
    google_sheet.fake.forget_calls()

    assert backend.read().stamps == {GROUPS: "first"}
    backend.apply(Change(tabs=(dataclasses.replace(groups_tab(), stamp="second"),)))

    assert (google_sheet.reads(), google_sheet.writes()) == (1, 1)
    (read,) = [c for c in google_sheet.fake.calls if c.route == "get"]
    assert "developerMetadata(metadataId,metadataKey,metadataValue)" in read.query["fields"][0]
    (write,) = [c for c in google_sheet.fake.calls if c.route == "batchUpdate"]
    metadata = [r for r in write.body["requests"] if "DeveloperMetadata" in next(iter(r))]
    lookup = {"developerMetadataLookup": {"metadataId": created["metadataId"]}}
    assert metadata == [
        {"deleteDeveloperMetadata": {"dataFilter": lookup}},
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "mixitup-stamp",
                    "metadataValue": "second",
                    "location": {"sheetId": sheet_id},
                    "visibility": "DOCUMENT",
                }
            }
        },
    ]
    (kept,) = google_sheet.tab(GROUPS).developer_metadata
    assert (kept["metadataValue"], kept["location"]) == (
        "second",
        {"locationType": "SHEET", "sheetId": sheet_id},
    )


def test_a_tab_without_a_stamp_gets_no_metadata(google_sheet: GoogleSheet) -> None:
    backend = backend_for(google_sheet)
    backend.read()

    backend.apply(publish_change())

    assert all(not google_sheet.tab(t).developer_metadata for t in google_sheet.titles())
    assert backend.read().stamps == {}


def test_history_grows_its_grid_when_the_rows_do_not_fit(google_sheet: GoogleSheet) -> None:
    backend = backend_for(google_sheet)
    backend.read()
    backend.apply(Change(history=history(entry("2027-01-13 Week 2", 1, "a"))))  # a 2-row grid

    backend.apply(Change(history=history(*(entry("2027-01-27 Week 4", 1, k) for k in "bcd"))))

    assert len(google_sheet.rows("History") or []) == 5
    assert google_sheet.tab("History").row_count == 5


def test_force_replaces_tabs_in_place_and_their_history_in_one_write(
    google_sheet: GoogleSheet,
) -> None:
    backend = backend_for(google_sheet)
    backend.read()
    backend.apply(publish_change())
    google_sheet.seed("Notes", [["staff notes"]])
    backend.read()
    google_sheet.fake.forget_calls()

    replacement = Tab(GROUPS, (("Group", "Name"), (1, "Zed")))
    sheet_id = google_sheet.tab(GROUPS).sheet_id
    backend.apply(
        Change(
            tabs=(replacement,),
            history=history(entry("2027-01-13 Week 2", 1, "zed"), remove=("2027-01-13 Week 2",)),
        )
    )

    assert google_sheet.writes() == 1
    assert google_sheet.tab(GROUPS).sheet_id == sheet_id  # links to the tab (#gid=) still work
    assert google_sheet.titles() == ["Sheet1", GROUPS, PROMPTS, "History", "Notes"]
    assert google_sheet.rows(GROUPS) == [["Group", "Name"], ["1", "Zed"]]
    assert google_sheet.rows("History") == [
        list(HEADER),
        list(entry("2027-01-13 Week 2", 1, "zed")),
    ]


def test_a_tab_written_over_one_of_another_case_keeps_its_id_place_and_staff_formats(
    google_sheet: GoogleSheet,
) -> None:
    google_sheet.seed("Notes", [["staff notes"]])
    stale = google_sheet.seed(
        GROUPS.lower(), [["Group", "Name"], *([str(i), "x"] for i in range(40))]
    )
    stale.cells[(0, 1)]["userEnteredFormat"] = {"textFormat": {"italic": True}}  # staff's own
    google_sheet.seed("More notes", [["more"]])
    backend = backend_for(google_sheet)
    backend.read()

    backend.apply(Change(tabs=(groups_tab(),)))

    tab = google_sheet.tab(GROUPS)
    assert tab.sheet_id == stale.sheet_id
    assert google_sheet.titles() == ["Sheet1", "Notes", GROUPS, "More notes"]
    assert google_sheet.rows(GROUPS) == [["Group", "Name", "Program", "Module"]] + [
        [str(i % 2 + 1), n, "BE", "Mod 3"]
        for i, n in enumerate(("Ada", "=SUM(A1)", "+1", "@me", "-2"))
    ]
    assert (tab.row_count, tab.column_count, tab.frozen_rows) == (6, 4, 1)
    assert tab.cells[(0, 1)]["userEnteredFormat"]["textFormat"] == {"bold": True, "italic": True}


def test_a_concurrent_publish_of_the_same_tab_raises_a_conflict_and_writes_nothing(
    google_sheet: GoogleSheet,
) -> None:
    backend = backend_for(google_sheet)
    backend.read()
    google_sheet.seed(GROUPS, [["Group", "Name"], ["1", "Someone else"]])  # the other run

    with pytest.raises(ConflictError) as raised:
        backend.apply(publish_change())

    assert GROUPS in str(raised.value)
    assert raised.value.exit_code == 4
    assert PROMPTS not in google_sheet.titles()
    assert "History" not in google_sheet.titles()  # the batch was all-or-nothing


def test_apply_without_a_read_reads_first(google_sheet: GoogleSheet) -> None:
    backend_for(google_sheet).apply(publish_change())

    assert (google_sheet.reads(), google_sheet.writes()) == (1, 1)


# -- retries -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(rate_limited(), id="429-without-retry-after"),
        pytest.param(server_error(500), id="500"),
        pytest.param(server_error(503), id="503"),
        pytest.param(html_502(), id="html-502"),
        pytest.param(Fault.error(408, "Request timed out.", "DEADLINE_EXCEEDED"), id="408"),
        pytest.param(Fault(drop=True), id="dropped-connection"),
        pytest.param(Fault(status=200, html="<html>captive portal</html>"), id="200-html"),
    ],
)
def test_transient_read_failures_are_retried_after_a_jittered_wait(
    google_sheet: GoogleSheet, fault: Fault
) -> None:
    google_sheet.fake.fail("get", fault)

    snapshot = backend_for(google_sheet).read()

    assert snapshot.titles == ("Sheet1",)
    assert google_sheet.reads() == 2
    assert len(google_sheet.sleeps) == 1
    assert 0 <= google_sheet.sleeps[0] <= 1.0  # full jitter below the first ceiling


def test_a_read_past_the_read_timeout_is_retried(google_sheet: GoogleSheet) -> None:
    google_sheet.fake.fail("get", Fault(hang=True))

    snapshot = backend_for(google_sheet, read_timeout=0.5).read()

    assert snapshot.titles == ("Sheet1",)
    assert len(google_sheet.sleeps) == 1


@pytest.mark.parametrize(("header", "wait"), [("7", 7.0), ("120", MAX_WAIT)])
def test_retry_after_is_honoured_up_to_the_cap(
    google_sheet: GoogleSheet, header: str, wait: float
) -> None:
    google_sheet.fake.fail("get", rate_limited(retry_after=header))

    backend_for(google_sheet).read()

    assert google_sheet.sleeps == [wait]


def test_backoff_is_exponential_full_jitter_capped_at_64_seconds(google_sheet: GoogleSheet) -> None:
    google_sheet.fake.fail("get", *[server_error(503)] * 9)
    backend = backend_for(google_sheet)
    backend.transport.max_attempts = 10

    backend.read()

    ceilings = [min(MAX_WAIT, 2.0**n) for n in range(9)]
    assert len(google_sheet.sleeps) == 9
    assert all(0 <= s <= c for s, c in zip(google_sheet.sleeps, ceilings, strict=True))
    assert max(google_sheet.sleeps[6:]) > 2**5  # the waits really grow


def test_retries_stop_after_six_attempts_with_a_clear_error(google_sheet: GoogleSheet) -> None:
    google_sheet.fake.fail("get", *[server_error(503)] * 6)

    with pytest.raises(BackendError) as raised:
        backend_for(google_sheet).read()

    assert google_sheet.reads() == 6
    assert len(google_sheet.sleeps) == 5
    message = str(raised.value)
    assert "after 6 attempts" in message
    assert "503" in message
    assert "The service is currently unavailable" in message
    assert raised.value.exit_code == 4


def test_an_html_outage_page_is_described_not_quoted(google_sheet: GoogleSheet) -> None:
    google_sheet.fake.fail("get", *[html_502()] * 6)

    with pytest.raises(BackendError) as raised:
        backend_for(google_sheet).read()

    assert "502" in str(raised.value)
    assert "<html" not in str(raised.value).lower()


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(Fault.error(400, "Invalid requests[0]: bad.", "INVALID_ARGUMENT"), id="400"),
        pytest.param(
            Fault.error(403, "The caller does not have permission", "PERMISSION_DENIED"), id="403"
        ),
        pytest.param(Fault.error(404, "Requested entity was not found.", "NOT_FOUND"), id="404"),
    ],
)
def test_permanent_failures_are_not_retried(google_sheet: GoogleSheet, fault: Fault) -> None:
    google_sheet.fake.fail("get", fault)

    with pytest.raises(BackendError):
        backend_for(google_sheet).read()

    assert google_sheet.reads() == 1
    assert google_sheet.sleeps == []


def test_a_401_that_outlasts_the_token_refresh_is_not_retried(google_sheet: GoogleSheet) -> None:
    unauthenticated = Fault.error(401, "Request had invalid credentials.", "UNAUTHENTICATED")
    google_sheet.fake.fail("get", *[unauthenticated] * 5)

    with pytest.raises(BackendError, match="did not accept the credentials"):
        backend_for(google_sheet).read()

    assert google_sheet.reads() == 3  # google-auth refreshes the token twice, then gives up
    assert google_sheet.sleeps == []


def test_a_write_that_landed_before_a_503_is_not_sent_again(google_sheet: GoogleSheet) -> None:
    backend = backend_for(google_sheet)
    backend.read()
    google_sheet.fake.fail("batchUpdate", Fault(status=503, applied=True, json=server_error().json))

    backend.apply(publish_change())

    assert google_sheet.writes() == 1
    assert google_sheet.reads() == 2  # the first read, and one to see whether the write landed
    assert google_sheet.titles().count(GROUPS) == 1
    assert len(google_sheet.rows("History") or []) == 3


def test_a_history_only_write_that_landed_before_the_connection_dropped_is_not_repeated(
    google_sheet: GoogleSheet,
) -> None:
    google_sheet.seed("History", [list(HEADER)], hidden=True)
    backend = backend_for(google_sheet)
    backend.read()
    google_sheet.fake.fail("batchUpdate", Fault(drop=True, applied=True))

    backend.apply(Change(history=history(entry("2027-01-13 Week 2", 1, "late"))))

    assert google_sheet.writes() == 1
    assert google_sheet.rows("History") == [
        list(HEADER),
        list(entry("2027-01-13 Week 2", 1, "late")),
    ]


def test_a_write_that_timed_out_and_landed_is_not_repeated(google_sheet: GoogleSheet) -> None:
    backend = backend_for(google_sheet, read_timeout=0.5)
    backend.read()
    google_sheet.fake.fail("batchUpdate", Fault(hang=True, applied=True))

    backend.apply(publish_change())

    assert google_sheet.writes() == 1
    assert google_sheet.titles().count(GROUPS) == 1


def test_a_write_refused_with_503_is_read_again_then_sent_again(google_sheet: GoogleSheet) -> None:
    backend = backend_for(google_sheet)
    backend.read()
    google_sheet.fake.fail("batchUpdate", server_error(503))

    backend.apply(publish_change())

    assert (google_sheet.reads(), google_sheet.writes()) == (2, 2)
    assert google_sheet.titles().count(GROUPS) == 1
    assert len(google_sheet.rows("History") or []) == 3


@pytest.mark.parametrize("landed", [False, True])
def test_a_delete_only_write_is_sent_again_only_when_it_did_not_land(
    google_sheet: GoogleSheet, landed: bool
) -> None:
    google_sheet.seed("Old", [["x"]])
    backend = backend_for(google_sheet)
    backend.read()
    fault = server_error(503)
    google_sheet.fake.fail("batchUpdate", dataclasses.replace(fault, applied=landed))

    backend.apply(Change(delete_tabs=("Old",)))

    assert "Old" not in google_sheet.titles()
    assert google_sheet.writes() == (1 if landed else 2)


@pytest.mark.parametrize("landed", [False, True])
def test_a_write_that_only_restamps_a_tab_is_sent_again_only_when_it_did_not_land(
    google_sheet: GoogleSheet, landed: bool
) -> None:
    """The same cells with a new stamp (a tab staff edited, now taken into the record): the
    stamp alone tells whether the write landed."""
    backend = backend_for(google_sheet)
    backend.read()
    backend.apply(Change(tabs=(dataclasses.replace(groups_tab(), stamp="before"),)))
    backend.read()
    fault = dataclasses.replace(server_error(503), applied=landed)
    google_sheet.fake.fail("batchUpdate", fault)

    backend.apply(Change(tabs=(dataclasses.replace(groups_tab(), stamp="after"),)))

    assert backend.read().stamps == {GROUPS: "after"}
    assert google_sheet.writes() == (2 if landed else 3)


@pytest.mark.parametrize("landed", [False, True])
@pytest.mark.parametrize("marked", [False, True])  # the tab's cells were set before, or never
def test_a_write_of_roster_cells_is_sent_again_only_when_it_did_not_land(
    google_sheet: GoogleSheet, landed: bool, marked: bool
) -> None:
    """A rollover whose answer was lost: the tab's new marker tells whether it landed, so it
    is neither lost nor refused as if another run had written."""
    google_sheet.seed("Roster", [["Name", "Module"], ["Ada", "Mod 3"]])
    backend = backend_for(google_sheet)
    if marked:
        backend.read()
        backend.apply(Change(cells=(TabCells("Roster", ((2, 2, "Mod 2"),)),)))
    backend.read()
    google_sheet.fake.fail("batchUpdate", dataclasses.replace(server_error(503), applied=landed))

    backend.apply(Change(cells=(TabCells("Roster", ((2, 2, "Mod 4"),)),)))

    assert google_sheet.rows("Roster") == [["Name", "Module"], ["Ada", "Mod 4"]]
    assert google_sheet.writes() == (1 if landed else 2) + marked


def test_a_write_refused_with_429_is_retried_without_reading_again(
    google_sheet: GoogleSheet,
) -> None:
    backend = backend_for(google_sheet)
    backend.read()
    google_sheet.fake.fail("batchUpdate", rate_limited(retry_after="3"))

    backend.apply(publish_change())

    assert (google_sheet.reads(), google_sheet.writes()) == (1, 2)
    assert google_sheet.sleeps == [3.0]


def test_a_write_that_keeps_failing_says_its_outcome_is_unknown(google_sheet: GoogleSheet) -> None:
    backend = backend_for(google_sheet)
    backend.read()
    google_sheet.fake.fail("batchUpdate", *[server_error(500)] * 6)

    with pytest.raises(BackendError, match="may or may not have landed"):
        backend.apply(publish_change())

    assert google_sheet.writes() == 6
    assert GROUPS not in google_sheet.titles()


def test_a_write_whose_history_another_run_changed_underneath_stops_instead_of_guessing(
    google_sheet: GoogleSheet,
) -> None:
    history_tab = google_sheet.seed("History", [list(HEADER)], hidden=True)
    backend = backend_for(google_sheet)
    backend.read()
    google_sheet.fake.fail("batchUpdate", server_error(503))
    # Another run's write landed meanwhile: it rotated the marker of the history tab.
    google_sheet.book.named_ranges.append(
        {
            "namedRangeId": "other",
            "name": "MixitupHistory",
            "range": {"sheetId": history_tab.sheet_id},
        }
    )

    with pytest.raises(BackendError, match="changed while mixitup was writing"):
        backend.apply(Change(history=history(entry("2027-01-13 Week 2", 1, "a"))))

    assert google_sheet.writes() == 1


# -- failures staff can fix ----------------------------------------------------------------


def test_a_sheet_not_shared_with_the_service_account_says_whom_to_share_it_with(
    google_sheet: GoogleSheet,
) -> None:
    google_sheet.book.editors.clear()

    with pytest.raises(BackendError) as raised:
        backend_for(google_sheet).read()

    message = str(raised.value)
    assert google_sheet.client_email in message
    assert "Editor" in message
    assert "403" in message
    assert google_sheet.sleeps == []


def test_a_sheet_shared_as_viewer_fails_the_write_saying_share_as_editor(
    google_sheet: GoogleSheet,
) -> None:
    google_sheet.book.readers.add(google_sheet.client_email)
    google_sheet.book.editors.clear()
    backend = backend_for(google_sheet)
    backend.read()

    with pytest.raises(BackendError, match=f"{google_sheet.client_email} as Editor"):
        backend.apply(publish_change())


def test_an_unknown_spreadsheet_id_is_named_in_the_error(google_sheet: GoogleSheet) -> None:
    config = google_sheet.config(sheet_id="1NoSuchSheet")

    with pytest.raises(BackendError) as raised:
        open_backend(config, google_sheet.session).read()

    assert "1NoSuchSheet" in str(raised.value)
    assert "404" in str(raised.value)


def test_a_revoked_key_is_a_clear_error_without_the_key(google_sheet: GoogleSheet) -> None:
    from tests.fake_sheets.server import new_private_key

    google_sheet.fake.register(google_sheet.client_email, "other", new_private_key().public_key())

    with pytest.raises(BackendError) as raised:
        backend_for(google_sheet).read()

    message = str(raised.value)
    assert "Invalid JWT Signature" in message
    assert str(google_sheet.key_file) in message
    assert "PRIVATE KEY" not in message


def test_no_secret_reaches_logs_or_errors(
    google_sheet: GoogleSheet, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    google_sheet.fake.fail("get", server_error(503))
    google_sheet.fake.fail("batchUpdate", *[server_error(503)] * 6)
    backend = backend_for(google_sheet)
    backend.read()

    with pytest.raises(BackendError) as raised:
        backend.apply(publish_change())

    key = google_sheet.key_file.read_text()
    private = key.split('"private_key": "')[1].split("-----END")[0][40:80]
    tokens = list(google_sheet.fake.tokens)
    for text in (caplog.text, str(raised.value)):
        assert private not in text
        assert "PRIVATE KEY" not in text
        assert not any(token in text for token in tokens)
    assert "retrying" in caplog.text


# -- the key file --------------------------------------------------------------------------


def _key_with(google_sheet: GoogleSheet, **changes: object) -> dict[str, object]:
    key: dict[str, object] = json.loads(google_sheet.key_file.read_text())
    key.update(changes)
    return {k: v for k, v in key.items() if v is not None}


@pytest.mark.parametrize(
    ("contents", "expected"),
    [
        # the file is not there at all
        (None, "does not exist"),
        # a truncated download
        ('{"type": "service_account", ', "is not JSON"),
        # a .p12 key saved under a .json name
        (b"\x30\x82\x0a\x1f\x02\x01\x03\xff\xfe", "is not JSON"),
        # JSON, but not an object
        ('["service_account"]', "is JSON but not credentials"),
        # an OAuth client secrets file instead of credentials: sign in with it
        ('{"installed": {"client_id": "x"}}', "mixitup login --client-secrets"),
        # a sign-in cut short: google-auth needs all three fields to refresh
        (
            '{"type": "authorized_user", "refresh_token": "1//xyzzy-token"}',
            "lacks client_id, client_secret",
        ),
        # a type google-auth knows but Sheets cannot use
        ('{"type": "gdch_service_account"}', "'gdch_service_account' credentials"),
        # no type at all
        ('{"client_email": "a@b"}', 'has no "type"'),
    ],
)
def test_an_unusable_key_file_says_what_is_wrong_with_it(
    google_sheet: GoogleSheet, contents: str | bytes | None, expected: str
) -> None:
    path = google_sheet.key_file
    if contents is None:
        path.unlink()
    elif isinstance(contents, bytes):
        path.write_bytes(contents)
    else:
        path.write_text(contents)

    with pytest.raises(BackendError, match=re.escape(expected)) as raised:
        open_backend(google_sheet.config(), google_sheet.session)

    assert str(path) in str(raised.value)
    assert "xyzzy" not in str(raised.value)
    assert google_sheet.fake.calls == []


def test_a_key_missing_fields_names_them(google_sheet: GoogleSheet) -> None:
    key = _key_with(google_sheet, client_email=None, private_key="")
    google_sheet.key_file.write_text(json.dumps(key))

    with pytest.raises(BackendError, match="lacks client_email, private_key"):
        open_backend(google_sheet.config(), google_sheet.session)


def test_a_key_with_a_broken_private_key_says_so_without_quoting_it(
    google_sheet: GoogleSheet,
) -> None:
    broken = (
        "-----BEGIN PRIVATE KEY-----\nTUlJRXZRSUJBREFOQmdrcWhraUc5dzBC\n-----END PRIVATE KEY-----\n"
    )
    google_sheet.key_file.write_text(json.dumps(_key_with(google_sheet, private_key=broken)))

    with pytest.raises(BackendError, match="private_key") as raised:
        open_backend(google_sheet.config(), google_sheet.session)

    assert "TUlJRXZRSUJBREFOQmdrcWhraUc5dzBC" not in str(raised.value)
    assert raised.value.__cause__ is None  # no chained parser error that could echo the key


def test_no_key_configured_says_how_to_give_one(google_sheet: GoogleSheet) -> None:
    with pytest.raises(BackendError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        open_backend(google_sheet.config(credentials=None), google_sheet.session)


def test_the_example_credentials_file_is_refused_for_its_placeholder_key(
    google_sheet: GoogleSheet,
) -> None:
    example = Path(__file__).parent.parent / "credentials.example.json"

    with pytest.raises(BackendError, match=r"private_key is not a readable PEM private key"):
        open_backend(google_sheet.config(credentials=example), google_sheet.session)


# -- the retry predicate, case by case -----------------------------------------------------


def _api_error(status: int, body: str = '{"error": {"code": 0, "message": "m"}}') -> ApiError:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    return ApiError(response)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (_api_error(408), True),  # the server gave up waiting for the request
        (_api_error(429), True),  # a per-minute quota
        (_api_error(500), True),
        (_api_error(502, "<html>502</html>"), True),  # an HTML outage page, not JSON
        (_api_error(503), True),
        (_api_error(504), True),
        (_api_error(400), False),  # our request is wrong: repeating it cannot help
        (_api_error(401), False),  # the token was refreshed twice already
        (_api_error(403), False),  # not shared: staff must act
        (_api_error(404), False),  # wrong id: staff must act
        (UnexpectedAnswerError(200, "text/html"), True),  # a captive portal's page
        (requests.ConnectionError("reset"), True),  # a dropped connection
        (requests.ReadTimeout("slow"), True),
        (requests.ConnectTimeout("unreachable"), True),
        (requests.exceptions.ChunkedEncodingError("cut"), True),  # cut off mid-answer
        (TokenServiceError("token endpoint unreachable"), True),
        (RefreshError("invalid_grant"), False),  # a revoked key stays revoked
        (ValueError("a bug"), False),  # anything unexpected keeps its traceback
    ],
)
def test_only_transient_failures_are_retried(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


def test_deleting_a_tab_that_is_not_there_is_skipped(google_sheet: GoogleSheet) -> None:
    backend = backend_for(google_sheet)
    backend.read()

    backend.apply(Change(delete_tabs=("No such tab",), tabs=(prompts_tab(),)))

    assert google_sheet.titles() == ["Sheet1", PROMPTS]


def test_a_hidden_tab_is_added_hidden(google_sheet: GoogleSheet) -> None:
    backend = backend_for(google_sheet)
    backend.read()

    backend.apply(Change(tabs=(Tab("Scratch", (("x",),), hidden=True),)))

    assert google_sheet.tab("Scratch").hidden


def test_a_second_apply_plans_against_a_fresh_read(google_sheet: GoogleSheet) -> None:
    backend = backend_for(google_sheet)
    backend.read()
    backend.apply(Change(history=history(entry("2027-01-13 Week 2", 1, "a"))))

    backend.apply(Change(history=history(entry("2027-01-27 Week 4", 2, "b"))))

    assert (google_sheet.reads(), google_sheet.writes()) == (2, 2)
    assert len(google_sheet.rows("History") or []) == 3


def test_a_publish_talks_only_to_the_sheets_api_and_its_bodies_match_the_schema(
    google_sheet: GoogleSheet,
) -> None:
    google_sheet.seed("History", [list(HEADER), list(entry("2027-01-13 Week 2", 1, "a"))])
    backend = backend_for(google_sheet)
    backend.read()

    backend.apply(
        Change(
            delete_tabs=("Sheet1",),
            tabs=(groups_tab(), prompts_tab()),
            history=history(entry("2027-01-13 Week 2", 2, "b"), remove=("2027-01-13 Week 2",)),
        )
    )

    assert {call.route for call in google_sheet.fake.calls} == {"token", "get", "batchUpdate"}
    (write,) = [call for call in google_sheet.fake.calls if call.route == "batchUpdate"]
    assert discovery.violations("BatchUpdateSpreadsheetRequest", write.body) == []
    kinds = [next(iter(request)) for request in write.body["requests"]]
    assert kinds[0] == "deleteSheet"
    assert kinds.count("addSheet") == 2
    assert "deleteDimension" in kinds


def test_two_runs_replacing_the_same_tab_cannot_both_write(google_sheet: GoogleSheet) -> None:
    first, second = backend_for(google_sheet), backend_for(google_sheet)
    first.apply(publish_change())
    first.read()
    second.read()
    replace = Change(delete_tabs=(GROUPS,), tabs=(Tab(GROUPS, (("Group", "Name"), (1, "A"))),))

    first.apply(replace)
    with pytest.raises(ConflictError, match="removed since mixitup read it"):
        second.apply(replace)

    assert google_sheet.titles().count(GROUPS) == 1
    assert google_sheet.rows(GROUPS) == [["Group", "Name"], ["1", "A"]]


def test_a_key_file_others_can_read_is_warned_about_never_quoted(
    google_sheet: GoogleSheet, caplog: pytest.LogCaptureFixture
) -> None:
    google_sheet.key_file.chmod(0o644)
    with caplog.at_level("WARNING"):
        open_backend(google_sheet.config(), google_sheet.session)
    assert "can be read by other users" in caplog.text
    assert "chmod 600" in caplog.text
    assert "PRIVATE KEY" not in caplog.text

    caplog.clear()
    google_sheet.key_file.chmod(0o600)
    with caplog.at_level("WARNING"):
        open_backend(google_sheet.config(), google_sheet.session)
    assert "can be read by other users" not in caplog.text


def test_rules_go_as_top_borders_in_the_cells_of_the_same_batch_update_and_no_filter_is_set(
    google_sheet: GoogleSheet,
) -> None:
    """Tab.rules become a SOLID top border (the Border schema's thin line) in the updateCells
    that fills the tab, its mask naming borders so a rewrite clears old rules; autofilter sends
    nothing: viewers make filter views of their own."""
    backend = backend_for(google_sheet)
    backend.read()
    google_sheet.fake.forget_calls()
    tab = dataclasses.replace(groups_tab(), rules=frozenset({1, 3}), autofilter=True)

    backend.apply(Change(tabs=(tab,)))

    (call,) = [c for c in google_sheet.fake.calls if c.route == "batchUpdate"]
    requests_ = call.body["requests"]
    assert not [r for r in requests_ if {"setBasicFilter", "addFilterView"} & set(r)]
    (fill,) = [r["updateCells"] for r in requests_ if "updateCells" in r]
    assert "userEnteredFormat.borders" in fill["fields"].split(",")
    borders = [
        {
            c.get("userEnteredFormat", {}).get("borders", {}).get("top", {}).get("style")
            for c in row["values"]
        }
        for row in fill["rows"]
    ]
    assert borders == [{None}, {"SOLID"}, {None}, {"SOLID"}, {None}, {None}]
