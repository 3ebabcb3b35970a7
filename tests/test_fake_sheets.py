"""The fake Sheets API itself: it must refuse what Google refuses and answer as Google answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account

from tests.fake_sheets import GoogleSheet, connect, discovery, service_account_key
from tests.fake_sheets.server import new_private_key
from tests.fake_sheets.spreadsheet import computed

RECORDED = json.loads(
    (Path(__file__).parent / "data" / "sheets-cassettes-excerpt.json").read_text(encoding="utf-8")
)
API = "https://sheets.googleapis.com/v4/spreadsheets"


@pytest.fixture
def session(google_sheet: GoogleSheet) -> AuthorizedSession:
    """An authorised session of the sheet's service account, talking to the fake."""
    key = json.loads(google_sheet.key_file.read_text())
    credentials = service_account.Credentials.from_service_account_info(
        key, scopes=["https://www.googleapis.com/auth/spreadsheets"]
    )
    authorised = AuthorizedSession(credentials)
    connect(authorised, google_sheet.fake)
    return authorised


def batch(session: AuthorizedSession, sheet: GoogleSheet, *requests_: Any) -> requests.Response:
    return session.post(f"{API}/{sheet.sheet_id}:batchUpdate", json={"requests": list(requests_)})


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys and types, not contents."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def test_discovery_document_comes_from_googleapiclient_not_the_shared_folder() -> None:
    assert discovery.document()["id"] == "sheets:v4"
    assert "BatchUpdateSpreadsheetRequest" in discovery.schemas()
    assert len(discovery.schemas()) > 200


def test_spreadsheet_metadata_has_the_recorded_shape(
    google_sheet: GoogleSheet, session: AuthorizedSession
) -> None:
    recorded = RECORDED["metadata"]

    answer = session.get(f"{API}/{google_sheet.sheet_id}", params={"includeGridData": "false"})

    assert answer.status_code == recorded["status"]
    assert shape(answer.json()) == shape(recorded["response"])


def test_add_and_delete_sheet_replies_have_the_recorded_shapes(
    google_sheet: GoogleSheet, session: AuthorizedSession
) -> None:
    add, delete = RECORDED["add_sheet"], RECORDED["delete_sheet"]

    added = batch(session, google_sheet, *add["request_body"]["requests"])
    new_id = added.json()["replies"][0]["addSheet"]["properties"]["sheetId"]
    deleted = batch(session, google_sheet, {"deleteSheet": {"sheetId": new_id}})

    assert added.status_code == add["status"]
    assert shape(added.json()) == shape(add["response"])
    expected = add["response"]["replies"][0]["addSheet"]["properties"]
    got = added.json()["replies"][0]["addSheet"]["properties"]
    assert {**got, "sheetId": 0} == {**expected, "sheetId": 0}
    assert deleted.json() == {**delete["response"], "spreadsheetId": google_sheet.sheet_id}


@pytest.mark.parametrize("name", ["not_found", "forbidden"])
def test_access_errors_match_the_recorded_answers(
    google_sheet: GoogleSheet, session: AuthorizedSession, name: str
) -> None:
    recorded = RECORDED[name]
    if name == "forbidden":
        google_sheet.book.editors.clear()
    sheet_id = google_sheet.sheet_id if name == "forbidden" else "test"

    answer = session.get(f"{API}/{sheet_id}", params={"includeGridData": "false"})

    assert answer.status_code == recorded["status"]
    assert answer.json() == recorded["response"]


def test_hiding_every_sheet_fails_with_the_recorded_message(
    google_sheet: GoogleSheet, session: AuthorizedSession
) -> None:
    recorded = RECORDED["hide_all_sheets"]

    answer = batch(session, google_sheet, *recorded["request_body"]["requests"])

    assert answer.status_code == recorded["status"]
    assert answer.json() == recorded["response"]


def test_a_duplicate_title_fails_with_googles_message_whatever_the_case(
    google_sheet: GoogleSheet, session: AuthorizedSession
) -> None:
    answer = batch(session, google_sheet, {"addSheet": {"properties": {"title": "sheet1"}}})

    assert answer.status_code == 400
    assert answer.json()["error"] == {
        "code": 400,
        "message": 'Invalid requests[0].addSheet: A sheet with the name "sheet1" already exists. '
        "Please enter another name.",
        "status": "INVALID_ARGUMENT",
    }


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        # a misspelt field, rejected by the discovery schema
        (
            {"addSheet": {"properties": {"title": "x", "colour": "red"}}},
            'Invalid JSON payload received. Unknown name "colour" at '
            "'requests[0].add_sheet.properties': Cannot find field.",
        ),
        # two kinds of request in one Request (a proto oneof)
        (
            {"addSheet": {}, "deleteSheet": {"sheetId": 0}},
            "Oneof field 'kind' is already set",
        ),
        # a formula and a string in one value (also a oneof)
        (
            {
                "updateCells": {
                    "start": {"sheetId": 0},
                    "rows": [
                        {
                            "values": [
                                {"userEnteredValue": {"stringValue": "a", "formulaValue": "=1"}}
                            ]
                        }
                    ],
                    "fields": "userEnteredValue",
                }
            },
            "Oneof field 'kind' is already set",
        ),
        # a wrong type for an int32 field
        (
            {"deleteSheet": {"sheetId": "zero"}},
            "Invalid value at 'requests[0].delete_sheet.sheet_id'",
        ),
        # an enum value that does not exist
        (
            {"appendDimension": {"sheetId": 0, "dimension": "ROW", "length": 1}},
            "Invalid value at 'requests[0].append_dimension.dimension'",
        ),
    ],
)
def test_bodies_that_break_the_discovery_schema_are_refused(
    google_sheet: GoogleSheet, session: AuthorizedSession, request_: Any, message: str
) -> None:
    answer = batch(session, google_sheet, request_)

    assert answer.status_code == 400
    assert message in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        # below the last row of a 1000-row grid
        (
            {
                "updateCells": {
                    "start": {"sheetId": 0, "rowIndex": 1000},
                    "rows": [{"values": [{"userEnteredValue": {"stringValue": "x"}}]}],
                    "fields": "userEnteredValue",
                }
            },
            "Invalid requests[0].updateCells: GridCoordinate.rowIndex[1000] is after last row in "
            "grid[999]",
        ),
        # one column past the 26th
        (
            {
                "updateCells": {
                    "start": {"sheetId": 0, "columnIndex": 25},
                    "rows": [{"values": [{}, {"userEnteredValue": {"stringValue": "x"}}]}],
                    "fields": "userEnteredValue",
                }
            },
            "Invalid requests[0].updateCells: Attempting to write column: 26, beyond the last "
            "requested column of: 25",
        ),
        # a sheet that does not exist
        ({"deleteSheet": {"sheetId": 99}}, "Invalid requests[0].deleteSheet: No grid with id: 99"),
        # freezing every row of a one-row grid
        (
            {"addSheet": {"properties": {"gridProperties": {"rowCount": 1, "frozenRowCount": 1}}}},
            "You can't freeze all visible rows on the sheet.",
        ),
        # a field mask naming no CellData field
        (
            {"updateCells": {"start": {"sheetId": 0}, "rows": [], "fields": "userEnteredValu"}},
            "userEnteredValu",
        ),
    ],
)
def test_requests_google_would_refuse_are_refused(
    google_sheet: GoogleSheet, session: AuthorizedSession, request_: Any, message: str
) -> None:
    answer = batch(session, google_sheet, request_)

    assert answer.status_code == 400
    assert message in answer.json()["error"]["message"]


def test_a_batch_with_one_bad_request_changes_nothing(
    google_sheet: GoogleSheet, session: AuthorizedSession
) -> None:
    answer = batch(
        session,
        google_sheet,
        {"addSheet": {"properties": {"sheetId": 5, "title": "New"}}},
        {"deleteSheet": {"sheetId": 0}},
        {"deleteSheet": {"sheetId": 77}},
    )

    assert answer.status_code == 400
    assert "requests[2].deleteSheet: No grid with id: 77" in answer.json()["error"]["message"]
    assert google_sheet.titles() == ["Sheet1"]


@pytest.mark.parametrize("grid", ["true", "false"])  # a field mask overrides includeGridData
def test_grid_data_and_field_masks_work_as_on_google(
    google_sheet: GoogleSheet, session: AuthorizedSession, grid: str
) -> None:
    google_sheet.seed("Roster", [["Name", "Module"], ["Ada", 3]])

    answer = session.get(
        f"{API}/{google_sheet.sheet_id}",
        params={
            "includeGridData": grid,
            "fields": "sheets(properties.title,data.rowData.values.formattedValue)",
        },
    ).json()

    assert answer == {
        "sheets": [
            {"properties": {"title": "Sheet1"}, "data": [{"rowData": []}]},
            {
                "properties": {"title": "Roster"},
                "data": [
                    {
                        "rowData": [
                            {"values": [{"formattedValue": "Name"}, {"formattedValue": "Module"}]},
                            {"values": [{"formattedValue": "Ada"}, {"formattedValue": "3"}]},
                        ]
                    }
                ],
            },
        ]
    }


def test_a_formula_cell_answers_with_its_calculated_value_and_loses_it_when_typed_over(
    google_sheet: GoogleSheet, session: AuthorizedSession
) -> None:
    sheet = google_sheet.seed("Roster", [["Name", "Module", "Email"]])
    ref = {"errorValue": {"type": "REF", "message": "Unresolved sheet name 'Old'."}}
    with google_sheet.fake.lock:
        sheet.cells[(1, 0)] = computed('=PROPER("ann lee")', "Ann Lee")
        sheet.cells[(1, 1)] = computed("=1+2", 3)
        sheet.cells[(1, 2)] = computed("=Old!C2", ref)
    values = "values(userEnteredValue,effectiveValue,formattedValue)"
    fields = f"sheets(properties.title,data.rowData.{values})"

    def row_2() -> list[Any]:
        answer = session.get(f"{API}/{google_sheet.sheet_id}", params={"fields": fields}).json()
        assert discovery.violations("Spreadsheet", answer) == []
        return answer["sheets"][1]["data"][0]["rowData"][1]["values"]  # type: ignore[no-any-return]

    assert row_2() == [
        {
            "userEnteredValue": {"formulaValue": '=PROPER("ann lee")'},
            "effectiveValue": {"stringValue": "Ann Lee"},
            "formattedValue": "Ann Lee",
        },
        {
            "userEnteredValue": {"formulaValue": "=1+2"},
            "effectiveValue": {"numberValue": 3},
            "formattedValue": "3",
        },
        {
            "userEnteredValue": {"formulaValue": "=Old!C2"},
            "effectiveValue": ref,
            "formattedValue": "#REF!",
        },
    ]
    assert google_sheet.rows("Roster") == [["Name", "Module", "Email"], ["Ann Lee", "3", "#REF!"]]
    typed_over = {
        "updateCells": {
            "start": {"sheetId": sheet.sheet_id, "rowIndex": 1, "columnIndex": 1},
            "rows": [{"values": [{"userEnteredValue": {"stringValue": "Mod 4"}}]}],
            "fields": "userEnteredValue",
        }
    }
    assert batch(session, google_sheet, typed_over).status_code == 200
    assert row_2()[1] == {
        "userEnteredValue": {"stringValue": "Mod 4"},
        "effectiveValue": {"stringValue": "Mod 4"},
        "formattedValue": "Mod 4",
    }


def test_an_unknown_field_in_the_mask_is_refused(
    google_sheet: GoogleSheet, session: AuthorizedSession
) -> None:
    answer = session.get(f"{API}/{google_sheet.sheet_id}", params={"fields": "sheets.propertys"})

    assert answer.status_code == 400


def test_the_api_refuses_a_request_without_a_token(google_sheet: GoogleSheet) -> None:
    plain = requests.Session()
    connect(plain, google_sheet.fake)

    answer = plain.get(f"{API}/{google_sheet.sheet_id}")

    assert answer.status_code == 401
    assert answer.json()["error"]["status"] == "UNAUTHENTICATED"


def test_the_token_endpoint_refuses_a_jwt_signed_with_another_key(
    google_sheet: GoogleSheet, session: AuthorizedSession
) -> None:
    google_sheet.fake.register(google_sheet.client_email, "k2", new_private_key().public_key())

    with pytest.raises(RefreshError, match="Invalid JWT Signature"):
        session.get(f"{API}/{google_sheet.sheet_id}")


def test_the_token_endpoint_refuses_an_unknown_service_account(google_sheet: GoogleSheet) -> None:
    key = service_account_key(google_sheet.fake, email="stranger@example.iam.gserviceaccount.com")
    google_sheet.fake.accounts.pop(key["client_email"])
    credentials = service_account.Credentials.from_service_account_info(
        key, scopes=["https://www.googleapis.com/auth/spreadsheets"]
    )
    stranger = AuthorizedSession(credentials)
    connect(stranger, google_sheet.fake)

    with pytest.raises(RefreshError, match="account not found"):
        stranger.get(f"{API}/{google_sheet.sheet_id}")


def test_other_hosts_are_refused_so_tests_stay_offline(
    google_sheet: GoogleSheet, session: AuthorizedSession
) -> None:
    with pytest.raises(AssertionError, match="only the fake"):
        session.get("https://www.googleapis.com/drive/v3/files")


def _chart(sheet_id: int, end_row: int = 3, **spec: Any) -> dict[str, Any]:
    """An addChart request: a column chart of column B by column A, rows 1-3 of the sheet."""

    def column(index: int) -> dict[str, Any]:
        span = {
            "sheetId": sheet_id,
            "startRowIndex": 0,
            "endRowIndex": end_row,
            "startColumnIndex": index,
            "endColumnIndex": index + 1,
        }
        return {"sourceRange": {"sources": [span]}}

    basic = {
        "chartType": "COLUMN",
        "domains": [{"domain": column(0)}],
        "series": [{"series": column(1), "targetAxis": "LEFT_AXIS"}],
        "headerCount": 1,
        **spec,
    }
    anchor = {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 3}
    return {
        "addChart": {
            "chart": {
                "spec": {"title": "Students", "basicChart": basic},
                "position": {"overlayPosition": {"anchorCell": anchor}},
            }
        }
    }


def test_add_chart_is_stored_and_read_back(
    google_sheet: GoogleSheet, session: AuthorizedSession
) -> None:
    tab = google_sheet.seed("Report", [["session", "students"], ["A", 6], ["B", 5]])
    answer = batch(session, google_sheet, _chart(tab.sheet_id))
    assert answer.status_code == 200, answer.text
    (reply,) = answer.json()["replies"]
    chart_id = reply["addChart"]["chart"]["chartId"]
    assert [c["chartId"] for c in google_sheet.tab("Report").charts] == [chart_id]
    read = session.get(f"{API}/{google_sheet.sheet_id}", params={"fields": "sheets.charts"})
    charts = [c for s in read.json()["sheets"] for c in s.get("charts", [])]
    assert charts[0]["spec"]["basicChart"]["chartType"] == "COLUMN"


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        # a field the discovery document does not know is refused, as Google does
        (lambda i: _chart(i, chartKind="BARS"), 'Unknown name "chartKind"'),
        # an enum value outside the document's list
        (lambda i: _chart(i, legendPosition="SIDE"), "legend_position"),
        # data beyond the sheet's grid
        (lambda i: _chart(i, end_row=5000), "Range exceeds grid limits"),
        # a chart drawn from a sheet that does not exist
        (lambda i: _chart(i + 1), "No grid with id"),
    ],
)
def test_add_chart_refuses_what_google_refuses(
    google_sheet: GoogleSheet, session: AuthorizedSession, request_: Any, message: str
) -> None:
    tab = google_sheet.seed("Report", [["session", "students"], ["A", 6], ["B", 5]])
    answer = batch(session, google_sheet, request_(tab.sheet_id))
    assert answer.status_code == 400
    assert message in answer.json()["error"]["message"]
    assert google_sheet.tab("Report").charts == []


# -- named ranges whose sheet is gone ---------------------------------------------------------


def _name(name: str, sheet_id: int) -> dict[str, Any]:
    return {"addNamedRange": {"namedRange": {"name": name, "range": {"sheetId": sheet_id}}}}


@pytest.mark.parametrize("how", ["deleteSheet", "by hand"])
def test_a_named_range_whose_sheet_is_deleted_is_hidden_but_its_name_stays_taken(
    google_sheet: GoogleSheet, session: AuthorizedSession, how: str
) -> None:
    """As Google does (gspread issue 1530; Google's issue tracker 126262167): the API no
    longer lists the #REF! name, and adding it again fails with Google's own message."""
    tab = google_sheet.seed("History", [["Session"]])
    assert batch(session, google_sheet, _name("Marker", tab.sheet_id)).status_code == 200
    if how == "deleteSheet":
        assert batch(session, google_sheet, {"deleteSheet": {"sheetId": tab.sheet_id}}).ok
    else:
        with google_sheet.fake.lock:
            google_sheet.book.delete_sheet(tab)

    listed = session.get(f"{API}/{google_sheet.sheet_id}", params={"fields": "namedRanges"})
    again = batch(session, google_sheet, _name("marker", 0))
    other = batch(session, google_sheet, _name("Marker_2", 0))

    assert listed.json() == {}
    assert again.status_code == 400
    assert again.json()["error"]["message"] == (
        "Invalid requests[0].addNamedRange: Cannot add named range with name: marker, a named "
        "range with that name already exists."
    )
    assert other.status_code == 200


def test_a_batch_that_fails_after_deleting_a_sheet_leaves_its_names_as_they_were(
    google_sheet: GoogleSheet, session: AuthorizedSession
) -> None:
    tab = google_sheet.seed("History", [["Session"]])
    batch(session, google_sheet, _name("Marker", tab.sheet_id))

    failed = batch(
        session, google_sheet, {"deleteSheet": {"sheetId": tab.sheet_id}}, _name("Marker", 0)
    )

    assert failed.status_code == 400
    assert "Cannot add named range with name: Marker" in failed.json()["error"]["message"]
    assert [n["name"] for n in google_sheet.book.named_ranges] == ["Marker"]
    assert google_sheet.book.broken_named == []


# -- developer metadata -----------------------------------------------------------------------


def _metadata(sheet_id: int, value: str = "v", **extra: Any) -> dict[str, Any]:
    found = {
        "metadataKey": "mixitup-stamp",
        "metadataValue": value,
        "location": {"sheetId": sheet_id},
        "visibility": "DOCUMENT",
        **extra,
    }
    return {"createDeveloperMetadata": {"developerMetadata": found}}


def _lookup(**fields: Any) -> dict[str, Any]:
    return {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": fields}}}


def test_developer_metadata_on_a_sheet_is_read_back_under_the_sheet_through_the_mask(
    google_sheet: GoogleSheet, session: AuthorizedSession
) -> None:
    created = batch(session, google_sheet, _metadata(0, "abc"))
    reply = created.json()["replies"][0]["createDeveloperMetadata"]["developerMetadata"]

    answer = session.get(
        f"{API}/{google_sheet.sheet_id}",
        params={"fields": "sheets(properties.title,developerMetadata(metadataKey,metadataValue))"},
    ).json()

    assert reply["metadataId"] > 0  # generated, positive, as the discovery document says
    assert reply["location"] == {"locationType": "SHEET", "sheetId": 0}
    assert answer == {
        "sheets": [
            {
                "properties": {"title": "Sheet1"},
                "developerMetadata": [{"metadataKey": "mixitup-stamp", "metadataValue": "abc"}],
            }
        ]
    }


def test_developer_metadata_is_deleted_by_a_lookup_and_with_its_sheet(
    google_sheet: GoogleSheet, session: AuthorizedSession
) -> None:
    tab = google_sheet.seed("Groups", [["x"]])
    batch(
        session,
        google_sheet,
        _metadata(0, "one", metadataId=11),
        _metadata(0, "two", metadataId=12),
        _metadata(tab.sheet_id, "three", metadataId=13),
    )

    deleted = batch(session, google_sheet, _lookup(metadataId=11), _lookup(metadataId=404))
    batch(session, google_sheet, {"deleteSheet": {"sheetId": tab.sheet_id}})
    answer = session.get(
        f"{API}/{google_sheet.sheet_id}",
        params={"fields": "sheets(developerMetadata(metadataId))"},
    ).json()

    assert deleted.status_code == 200
    assert [
        m["metadataId"]
        for m in deleted.json()["replies"][0]["deleteDeveloperMetadata"]["deletedDeveloperMetadata"]
    ] == [11]
    assert deleted.json()["replies"][1] == {"deleteDeveloperMetadata": {}}  # selected none
    assert answer == {"sheets": [{"developerMetadata": [{"metadataId": 12}]}]}
    # The deleted sheet's id is free again: its metadata went with it.
    assert batch(session, google_sheet, _metadata(0, metadataId=13)).status_code == 200


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (_metadata(0, metadataKey=""), "must always have a key"),
        (_metadata(0, visibility="DEVELOPER_METADATA_VISIBILITY_UNSPECIFIED"), "visibility"),
        (_metadata(0, location={}), "exactly one location"),
        (_metadata(99), "No grid with id: 99"),
        (_metadata(0, metadataId=-3), "must be positive"),
    ],
)
def test_developer_metadata_google_would_refuse_is_refused(
    google_sheet: GoogleSheet, session: AuthorizedSession, request_: Any, message: str
) -> None:
    answer = batch(session, google_sheet, request_)

    assert answer.status_code == 400
    assert message in answer.json()["error"]["message"]
    assert google_sheet.tab("Sheet1").developer_metadata == []


def test_a_metadata_id_in_use_is_refused_and_the_batch_changes_nothing(
    google_sheet: GoogleSheet, session: AuthorizedSession
) -> None:
    batch(session, google_sheet, _metadata(0, "kept", metadataId=7))

    answer = batch(
        session,
        google_sheet,
        _lookup(metadataId=7),
        _metadata(0, metadataId=8),
        _metadata(0, metadataId=8),
    )

    assert answer.status_code == 400
    assert "requests[2].createDeveloperMetadata" in answer.json()["error"]["message"]
    assert [m["metadataValue"] for m in google_sheet.tab("Sheet1").developer_metadata] == ["kept"]
