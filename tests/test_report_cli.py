"""`mixitup report` on both backends: the Report tab, its chart, CSV, one read and one write."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
import pytest

from mixitup.cli import main
from tests.helpers import HEADER, make_roster

if TYPE_CHECKING:
    from tests.conftest_google import AnySpreadsheet


W2, W4 = ("2027-01-13", "2"), ("2027-01-27", "4")


STUDENTS_ID = "1StudentsSheet0123456789abcdefghijklmnopqrs"


def with_students(sheet: AnySpreadsheet) -> None:
    """Configure a students' spreadsheet beside the staff one: the Report tab is for staff."""
    if sheet.google is not None:
        sheet.google.fake.create(STUDENTS_ID, editors=(sheet.google.client_email,))
        sheet.write_config(f'[students]\nid = "{STUDENTS_ID}"\n')
    else:
        sheet.write_config('[students]\npath = "students.xlsx"\n')


def publish(sheet: AnySpreadsheet, date: str, week: str) -> None:
    assert (
        main([*sheet.args, "publish", "--date", date, "--week", week], session=sheet.session) == 0
    )


def xlsx_charts(path: Path) -> list[str]:
    """The chart parts of a workbook as XML text (openpyxl itself does not read charts)."""
    with zipfile.ZipFile(path) as book:
        return [book.read(n).decode() for n in book.namelist() if n.startswith("xl/charts/chart")]


def test_report_writes_the_tab_a_chart_and_csv_in_one_read_and_one_write(
    any_spreadsheet: AnySpreadsheet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = make_roster(24)
    roster[0] = ("=HYPERLINK(1)", *roster[0][1:])  # a name that is a formula in a spreadsheet
    any_spreadsheet.seed({"Roster": [HEADER, *roster]})
    with_students(any_spreadsheet)
    publish(any_spreadsheet, *W2)
    publish(any_spreadsheet, *W4)
    google = any_spreadsheet.google
    if google is not None:
        google.fake.forget_calls()
    capsys.readouterr()

    assert (
        main(
            [
                *any_spreadsheet.args,
                "report",
                "--today",
                "2027-03-01",
                "--csv",
                str(tmp_path / "out"),
            ],
            session=any_spreadsheet.session,
        )
        == 0
    )

    if google is not None:  # the students' spreadsheet is read (for staff edits), not written
        staff = google.sheet_id
        counts = (google.fake.count("get", staff), google.fake.count("batchUpdate", staff))
        assert counts == (1, 1)
        assert google.fake.count("batchUpdate", STUDENTS_ID) == 0
    rows = any_spreadsheet.rows("Report") or []
    assert rows[0][0].startswith("Mix It Up report, written ")
    at = rows.index(["Sessions"]) + 1
    assert rows[at][:5] == ["session", "date", "week", "students", "groups"]
    assert [r[:4] for r in rows[at + 1 : at + 3]] == [
        ["2027-01-13 Week 2", "2027-01-13", "2", "24"],
        ["2027-01-27 Week 4", "2027-01-27", "4", "24"],
    ]
    if google is not None:
        (chart,) = google.tab("Report").charts
        basic = chart["spec"]["basicChart"]
        assert basic["chartType"] == "COLUMN"
        domain = basic["domains"][0]["domain"]["sourceRange"]["sources"][0]
        assert (domain["startRowIndex"], domain["endRowIndex"]) == (at, at + 3)
        assert len(basic["series"]) == 2
    else:
        (chart,) = xlsx_charts(any_spreadsheet.workbook)
        assert "Students grouped and attending, per session" in chart
        assert f"'Report'!$A${at + 2}:$A${at + 3}" in chart
        assert f"'Report'!$D${at + 2}:$D${at + 3}" in chart
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f'Wrote tab "Report" in {any_spreadsheet_location(any_spreadsheet)}:'
    assert (
        out[1] == "  2 sessions from 2027-01-13 Week 2 to 2027-01-27 Week 4; 24 students grouped."
    )
    with (tmp_path / "out" / "students.csv").open(encoding="utf-8") as handle:
        students = list(csv.DictReader(handle))
    assert len(students) == 24
    assert {s["sessions grouped"] for s in students} == {"2"}
    assert "'=HYPERLINK(1)" in {s["name"] for s in students}
    assert "distinct people met" in students[0]
    sessions = (tmp_path / "out" / "sessions.csv").read_text(encoding="utf-8").splitlines()
    assert sessions[0].startswith("session,date,week,students,groups,groups led,attended")
    assert len(sessions) == 3


def any_spreadsheet_location(sheet: AnySpreadsheet) -> str:
    if sheet.google is not None:
        return f"https://docs.google.com/spreadsheets/d/{sheet.google.sheet_id}"
    return str(sheet.workbook)


def test_report_again_replaces_its_tab_and_redraws_the_chart(
    any_spreadsheet: AnySpreadsheet,
) -> None:
    any_spreadsheet.seed({"Roster": [HEADER, *make_roster(24)]})
    with_students(any_spreadsheet)
    publish(any_spreadsheet, *W2)
    assert (
        main(
            [*any_spreadsheet.args, "report", "--today", "2027-03-01"],
            session=any_spreadsheet.session,
        )
        == 0
    )
    publish(any_spreadsheet, *W4)  # on xlsx this rewrite drops the chart (openpyxl)
    assert (
        main(
            [*any_spreadsheet.args, "report", "--today", "2027-03-01"],
            session=any_spreadsheet.session,
        )
        == 0
    )
    assert any_spreadsheet.titles().count("Report") == 1
    rows = any_spreadsheet.rows("Report") or []
    assert sum(1 for r in rows if r and r[0].endswith(" Week 4")) == 1
    if any_spreadsheet.google is not None:
        assert len(any_spreadsheet.google.tab("Report").charts) == 1
    else:
        assert len(xlsx_charts(any_spreadsheet.workbook)) == 1


def test_a_staff_tab_called_report_is_never_replaced(
    any_spreadsheet: AnySpreadsheet, capsys: pytest.CaptureFixture[str]
) -> None:
    any_spreadsheet.seed({"Roster": [HEADER, *make_roster(12)], "Report": [["Budget"], [100]]})
    with_students(any_spreadsheet)
    assert (
        main(
            [*any_spreadsheet.args, "report", "--today", "2027-03-01"],
            session=any_spreadsheet.session,
        )
        == 2
    )
    assert any_spreadsheet.rows("Report") == [["Budget"], ["100"]]
    err = capsys.readouterr().err
    assert 'already has a tab "Report" that mixitup did not write' in err
    assert "[spreadsheet] report_tab" in err


def test_attended_and_role_columns_are_read_by_header_name(make_workbook, tmp_path: Path) -> None:
    """Staff insert a column of their own and fill Role and Attended by hand."""
    path = make_workbook(students=12)
    args = ["--workbook", str(path)]
    assert main([*args, "publish", "--date", W2[0], "--week", W2[1]]) == 0
    book = openpyxl.load_workbook(path)
    history = book["History"]
    history.insert_cols(1)
    history.cell(1, 1, "Staff note")
    header = [c.value for c in history[1]]
    attended, role, group = (header.index(h) + 1 for h in ("Attended", "Role", "Group"))
    for row in range(2, history.max_row + 1):
        history.cell(row, role).value = None  # whatever mixitup named, staff decide here
    history.cell(2, attended, "no")  # the first recorded student missed the session
    for row in range(2, history.max_row + 1):
        if history.cell(row, group).value == "1":
            history.cell(row, role, "Lead")
            break
    book.save(path)

    assert main([*args, "report", "--today", "2027-03-01", "--csv", str(tmp_path / "out")]) == 0
    with (tmp_path / "out" / "sessions.csv").open(encoding="utf-8") as handle:
        (session,) = list(csv.DictReader(handle))
    assert (session["students"], session["attended"], session["absent"]) == ("12", "11", "1")
    assert session["groups led"] == "1"


def test_with_one_spreadsheet_the_report_writes_csv_but_no_tab_and_says_why(
    make_workbook, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Students open the only spreadsheet: a Report tab would show them everyone's attendance."""
    path = make_workbook(students=12)
    args = ["--workbook", str(path)]
    assert main([*args, "publish", "--date", W2[0], "--week", W2[1]]) == 0
    before = path.read_bytes()
    capsys.readouterr()
    assert main([*args, "report", "--today", "2027-03-01", "--csv", str(tmp_path / "out")]) == 0
    assert path.read_bytes() == before
    out = capsys.readouterr().out
    assert f"No Report tab written: students open {path} too" in out
    assert "1 session, 2027-01-13 Week 2; 12 students grouped." in out
    assert (tmp_path / "out" / "sessions.csv").exists()


def test_a_session_published_ahead_is_not_counted_until_it_starts(
    make_workbook, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Published a week ahead, the next session's blank attendance is no attendance yet."""
    path = make_workbook(students=12)
    args = ["--workbook", str(path)]
    for date, week in (W2, W4):
        assert main([*args, "publish", "--date", date, "--week", week]) == 0
    capsys.readouterr()

    assert main([*args, "report", "--today", "2027-01-20", "--csv", str(tmp_path / "out")]) == 0

    out = capsys.readouterr().out
    assert "Not counted, still to come: 2027-01-27 Week 4." in out
    with (tmp_path / "out" / "sessions.csv").open(encoding="utf-8") as handle:
        assert [s["session"] for s in csv.DictReader(handle)] == ["2027-01-13 Week 2"]
    assert main([*args, "report", "--today", "2027-01-27T12:00"]) == 0  # it has started
    assert "still to come" not in capsys.readouterr().out
