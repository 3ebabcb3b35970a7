"""End to end on Google: `mixitup.cli.main([...])` and the pipeline against the fake Sheets API."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from mixitup import pipeline
from mixitup.backends import open_backend
from mixitup.cli import main
from mixitup.layout import HISTORY_HEADER
from mixitup.models import Session, Snapshot
from tests.fake_sheets import GoogleSheet
from tests.helpers import HEADER, make_roster

if TYPE_CHECKING:
    from tests.conftest_google import AnySpreadsheet


DATE, WEEK = "2027-01-13", "2"
GROUPS, PROMPTS = f"{DATE} Week {WEEK} Groups", f"{DATE} Week {WEEK} Prompts"


@pytest.fixture
def config_file(google_sheet: GoogleSheet, tmp_path: Path) -> Path:
    """mixitup.toml for the fake sheet, whose Roster tab holds 50 students."""
    google_sheet.seed("Roster", [list(HEADER), *map(list, make_roster(50))])
    path = tmp_path / "mixitup.toml"
    path.write_text(google_sheet.toml(), encoding="utf-8")
    return path


def publish(sheet: GoogleSheet, config_file: Path, *extra: str) -> int:
    args = ["--config", str(config_file), "publish", "--date", DATE, "--week", WEEK, *extra]
    return main(args, session=sheet.session)


def test_publish_to_google_costs_one_read_and_one_write(
    google_sheet: GoogleSheet, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert publish(google_sheet, config_file) == 0

    assert (google_sheet.reads(), google_sheet.writes()) == (1, 1)
    assert google_sheet.titles() == ["Sheet1", "Roster", GROUPS, PROMPTS, "History"]
    groups = google_sheet.rows(GROUPS) or []
    assert groups[0] == ["Group", "Name", "Program", "Module", "Role"]
    assert sorted(r[1] for r in groups[1:]) == sorted(r[0] for r in make_roster(50))
    assert google_sheet.tab(GROUPS).frozen_rows == 1
    assert google_sheet.tab("History").hidden
    assert len(google_sheet.rows("History") or []) == 51
    assert f"Published {DATE} Week 2" in capsys.readouterr().out


def test_publishing_again_reads_once_and_writes_nothing(
    google_sheet: GoogleSheet, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert publish(google_sheet, config_file) == 0
    google_sheet.fake.forget_calls()

    assert publish(google_sheet, config_file) == 0

    assert (google_sheet.reads(), google_sheet.writes()) == (1, 0)
    assert "already published" in capsys.readouterr().out


def test_a_cron_run_on_a_school_with_a_history_costs_one_read_and_one_write(
    google_sheet: GoogleSheet, tmp_path: Path
) -> None:
    """Whatever the roster's size and however much is recorded: 150 students, a Keep apart tab,
    week 2 in the History, and week 4 published by `run` when it falls due."""
    roster = make_roster(150)
    google_sheet.seed("Roster", [list(HEADER), *map(list, roster)])
    google_sheet.seed("Keep apart", [[roster[0][1], roster[1][1]], [roster[2][0], roster[3][0]]])
    config = tmp_path / "mixitup.toml"
    config.write_text(google_sheet.toml() + "[calendar]\nmodule_starts = [2027-01-04]\n")
    run = ["--config", str(config), "run", "--today"]
    assert main([*run, "2027-01-11"], session=google_sheet.session) == 0  # week 2
    google_sheet.fake.forget_calls()

    assert main([*run, "2027-01-25"], session=google_sheet.session) == 0  # week 4 is due

    assert (google_sheet.reads(), google_sheet.writes()) == (1, 1)
    assert len(google_sheet.rows("History") or []) == 301


def test_force_replaces_tabs_and_history_rows_in_one_write(
    google_sheet: GoogleSheet, config_file: Path
) -> None:
    assert publish(google_sheet, config_file) == 0
    google_sheet.fake.forget_calls()

    assert publish(google_sheet, config_file, "--force") == 0

    assert (google_sheet.reads(), google_sheet.writes()) == (1, 1)
    assert google_sheet.titles().count(GROUPS) == 1
    assert google_sheet.titles().index(GROUPS) == 2  # replaced where it was
    sessions = Counter(row[0] for row in (google_sheet.rows("History") or [])[1:])
    assert sessions == {f"{DATE} Week 2": 50}


def test_a_sheet_not_shared_exits_4_naming_the_service_account(
    google_sheet: GoogleSheet, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    google_sheet.book.editors.clear()

    assert publish(google_sheet, config_file) == 4

    err = capsys.readouterr().err
    assert google_sheet.client_email in err
    assert "as Editor" in err
    assert "Traceback" not in err


def test_a_google_outage_exits_4_after_bounded_retries(
    google_sheet: GoogleSheet, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.fake_sheets import server_error

    google_sheet.fake.fail("get", *[server_error(503, retry_after="0")] * 6)

    assert publish(google_sheet, config_file) == 4

    assert google_sheet.reads() == 6
    err = capsys.readouterr().err
    assert "after 6 attempts" in err
    assert err.count("retrying in 0.0 s") == 5


def test_a_run_that_loses_the_race_reads_again_and_changes_nothing(
    google_sheet: GoogleSheet, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = google_sheet.config()
    session = Session(dt.date(2027, 1, 13), 2)
    now = dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.UTC)
    ours, theirs = (
        open_backend(config, google_sheet.session),
        open_backend(config, google_sheet.session),
    )
    real_read = ours.read
    reads = 0

    def read_then_lose_the_race() -> Snapshot:
        nonlocal reads
        reads += 1
        snapshot = real_read()
        if reads == 1:  # the other run publishes between our read and our write
            assert pipeline.publish(config, theirs, session, now=now).action == "published"
        return snapshot

    monkeypatch.setattr(ours, "read", read_then_lose_the_race)

    outcome = pipeline.publish(config, ours, session, now=now)

    assert outcome.action == "unchanged"
    assert google_sheet.titles().count(GROUPS) == 1
    assert len(google_sheet.rows("History") or []) == 51  # no duplicate history rows
    refused = [c for c in google_sheet.fake.calls if c.route == "batchUpdate" and c.status == 400]
    assert len(refused) == 1  # our write, refused whole because the tab already existed


def test_both_backends_publish_the_same_tabs_and_text(any_spreadsheet: AnySpreadsheet) -> None:
    any_spreadsheet.seed({"Roster": [HEADER, *make_roster(24)]})
    any_spreadsheet.write_config("[groups]\nsize = 4\n")

    args = [*any_spreadsheet.args, "publish", "--date", DATE, "--week", WEEK]
    code = main(args, session=any_spreadsheet.session)

    assert code == 0
    assert [t for t in any_spreadsheet.titles() if t != "Sheet1"] == [
        "Roster",
        GROUPS,
        PROMPTS,
        "History",
    ]
    groups = any_spreadsheet.rows(GROUPS) or []
    assert groups[0] == ["Group", "Name", "Program", "Module", "Role"]
    assert sorted({row[0] for row in groups[1:]}, key=int) == [str(g) for g in range(1, 7)]
    assert any_spreadsheet.hidden("History")
    assert len(any_spreadsheet.rows("History") or []) == 25


def test_keep_apart_pairs_from_the_tab_never_share_a_group(
    any_spreadsheet: AnySpreadsheet, capsys: pytest.CaptureFixture[str]
) -> None:
    """Read from the written tab, not from the report: a publish ignoring the Keep apart tab
    would report 0 pairs together while they sit together."""
    roster = make_roster(12)
    # Each pair mixes modules and programs, just what the optimizer likes to put together.
    pairs = [(roster[i][0], roster[i + 3][1]) for i in (0, 1, 2, 6, 7, 8)]
    any_spreadsheet.seed({"Roster": [HEADER, *roster], "Keep apart": [("A", "B"), *pairs]})
    any_spreadsheet.write_config()

    args = [*any_spreadsheet.args, "publish", "--date", DATE, "--week", WEEK]
    assert main(args, session=any_spreadsheet.session) == 0

    by_name = {row[1]: row[0] for row in (any_spreadsheet.rows(GROUPS) or [])[1:]}
    email_to_name = {r[1]: r[0] for r in roster}
    together = [(a, b) for a, b in pairs if by_name[a] == by_name[email_to_name[b]]]
    assert together == []
    assert "keep-apart pairs together: 0 (least possible 0) ok" in capsys.readouterr().out


def test_after_staff_delete_the_history_tab_the_next_publish_lands_and_rebuilds_it(
    google_sheet: GoogleSheet, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Google keeps the deleted tab's marker name taken (gspread issue 1530): a marker of one
    fixed name made every later publish fail as a conflict (issue 19, item 10)."""
    assert publish(google_sheet, config_file) == 0
    with google_sheet.fake.lock:  # as staff do in the browser: right-click, Delete
        google_sheet.book.delete_sheet(google_sheet.tab("History"))
    assert google_sheet.book.broken_named  # the old marker's name, still taken
    week4 = ["--config", str(config_file), "publish", "--date", "2027-01-27", "--week", "4"]
    capsys.readouterr()

    assert main(week4, session=google_sheet.session) == 0

    assert "No History tab found" in capsys.readouterr().err
    rows = google_sheet.rows("History") or []
    assert Counter(row[0] for row in rows[1:]) == {f"{DATE} Week 2": 50, "2027-01-27 Week 4": 50}
    (marker,) = google_sheet.book.named_ranges
    assert marker["range"]["sheetId"] == google_sheet.tab("History").sheet_id
    # And the rebuilt History keeps working: the next write replaces its marker.
    assert main([*week4, "--force"], session=google_sheet.session) == 0
    (again,) = google_sheet.book.named_ranges
    assert again["name"] != marker["name"]


def test_a_history_marked_by_an_older_mixitup_is_found_and_its_marker_replaced(
    google_sheet: GoogleSheet, config_file: Path
) -> None:
    """`MixitupHistory`, the one name earlier versions used, still marks the History (here a
    renamed one); the next write replaces it with a name of its own."""
    history = google_sheet.seed("Our record", [list(HISTORY_HEADER)], hidden=True)
    google_sheet.book.named_ranges.append(
        {"namedRangeId": "old", "name": "MixitupHistory", "range": {"sheetId": history.sheet_id}}
    )

    assert publish(google_sheet, config_file) == 0

    assert "History" not in google_sheet.titles()
    assert len(google_sheet.rows("Our record") or []) == 51
    (marker,) = google_sheet.book.named_ranges
    assert marker["name"].startswith("MixitupHistory_")
    assert marker["range"] == {"sheetId": history.sheet_id}
