"""`mixitup export zoom`: the breakout pre-assignment CSV, checked cell by cell."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from mixitup.cli import main
from mixitup.export import Member, neutralise, zoom_csv
from tests.helpers import make_roster, read_tab

DATE, WEEK = "2027-01-13", "2"
GROUPS = f"{DATE} Week {WEEK} Groups"


@pytest.fixture
def published(make_workbook) -> Path:
    """A published session whose roster has one student without an email and one odd email."""
    rows = [list(r) for r in make_roster(30)]
    rows[0][1] = ""  # Student 000: no email
    rows[1][1] = "=cmd@example.edu"  # a formula if a spreadsheet opened the CSV unguarded
    path = make_workbook(rows=rows)
    assert main(["--workbook", str(path), "publish", "--date", DATE, "--week", WEEK]) == 0
    return path


def export(path: Path, out: str) -> int:
    return main(
        ["--workbook", str(path), "export", "zoom", "--date", DATE, "--week", WEEK, "-o", out]
    )


def test_zoom_csv_lists_every_student_with_an_email_in_their_room(published, tmp_path, capsys):
    out = tmp_path / "zoom.csv"
    assert export(published, str(out)) == 0
    tab = read_tab(published, GROUPS)[1:]
    emails = {r[0]: r[1] for r in make_roster(30)}
    emails["Student 000"], emails["Student 001"] = "", "=cmd@example.edu"
    expected = sorted((group, emails[name]) for group, name, *_ in tab if emails[name])
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Pre-assign Room Name", "Email Address"]
    assert rows[1:] == [[f"Group {g}", neutralise(e)] for g, e in expected]
    room = {name: group for group, name, *_ in tab}["Student 001"]
    assert [f"Group {room}", "'=cmd@example.edu"] in rows
    assert out.read_bytes().startswith(b"Pre-assign Room Name,Email Address\r\n")
    captured = capsys.readouterr()
    assert f"Wrote {out}: 29 students in 5 rooms for {DATE} Week {WEEK}." in captured.out
    assert "1 student of 2027-01-13 Week 2 has no email" in captured.err
    assert "Student 000 (Group " in captured.err


def test_zoom_csv_follows_a_staff_move_in_the_groups_tab(published, tmp_path):
    book = openpyxl.load_workbook(published)
    sheet = book[GROUPS]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 2).value == "Student 005")
    moved_to = 1 if sheet.cell(row, 1).value != 1 else 2
    sheet.cell(row, 1).value = moved_to
    book.save(published)
    out = tmp_path / "zoom.csv"
    assert export(published, str(out)) == 0
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert [f"Group {moved_to}", "student005@example.edu"] in rows


def test_zoom_csv_to_stdout_with_dash(published, capsys):
    assert export(published, "-") == 0
    assert capsys.readouterr().out.startswith("Pre-assign Room Name,Email Address\r\nGroup 1,")


def test_export_of_a_session_not_published_exits_3_and_writes_no_file(published, tmp_path, capsys):
    """Exit 3, as attendance, rebalance and message say of a session the record lacks."""
    out = tmp_path / "zoom.csv"
    args = ["--workbook", str(published), "export", "zoom", "--date", "2027-01-27", "--week", "4"]
    assert main([*args, "-o", str(out)]) == 3
    assert "2027-01-27 Week 4 is not published" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),  # formula
        ("+1555", "'+1555"),  # formula in Excel
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),  # tab and CR are OWASP's other two leaders
        ("\rx", "'\rx"),
        ("ana@example.edu", "ana@example.edu"),  # an @ inside is fine
        ("Group 7", "Group 7"),
        ("", ""),
    ],
)
def test_neutralise_prefixes_a_quote_only_to_dangerous_cells(cell, expected):
    assert neutralise(cell) == expected


def test_zoom_limits_are_warned_about():
    members = [Member(g, f"S{g}-{i}", f"s{g}.{i}@x.edu") for g in range(1, 102) for i in range(10)]
    result = zoom_csv("2027-01-13 Week 2", members)
    assert result.rooms == 101
    assert result.participants == 1010
    assert len(result.warnings) == 2
    assert "at most 100 breakout rooms" in result.warnings[0]
    assert "at most 1000 participants" in result.warnings[1]


def test_zoom_csv_from_history_when_staff_deleted_the_groups_tab(published, tmp_path):
    rooms = {name: group for group, name, *_ in read_tab(published, GROUPS)[1:]}
    book = openpyxl.load_workbook(published)
    del book[GROUPS]
    book.save(published)
    out = tmp_path / "zoom.csv"
    assert export(published, str(out)) == 0
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    assert [f"Group {rooms['Student 010']}", "student010@example.edu"] in rows
    assert len(rows) == 29


def test_zoom_csv_finds_an_email_filled_in_after_publishing(published, tmp_path):
    book = openpyxl.load_workbook(published)
    book["Roster"]["B2"] = "zero@example.edu"  # Student 000 was published without one
    book.save(published)
    out = tmp_path / "zoom.csv"
    assert export(published, str(out)) == 0
    rooms = {name: group for group, name, *_ in read_tab(published, GROUPS)[1:]}
    with out.open(newline="", encoding="utf-8") as handle:
        assert [f"Group {rooms['Student 000']}", "zero@example.edu"] in list(csv.reader(handle))


def test_a_roster_problem_does_not_block_the_export(published, tmp_path, capsys):
    book = openpyxl.load_workbook(published)
    book["Roster"].append(["No Module", "nm@example.edu", "BE", "", "x", ""])
    book.save(published)
    out = tmp_path / "zoom.csv"
    assert export(published, str(out)) == 0
    err = capsys.readouterr().err
    assert "column D (module)" in err
    assert "Exporting with the emails kept in the History only." in err
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1 + 29
