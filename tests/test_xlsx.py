"""The local workbook backend: text in, one atomic replacement out, staff's other work kept."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from mixitup.backends.xlsx import XlsxBackend
from mixitup.cli import main
from mixitup.models import Change, Tab
from tests.conftest import HEADER, make_roster, write_workbook

PUBLISH = ["publish", "--date", "2027-01-13", "--week", "2"]


def test_cells_read_as_the_text_people_see(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Roster"
    sheet.append(["007", 3, 3.0, 2.5, True, None, "1e5"])
    book.save(tmp_path / "w.xlsx")
    snapshot = XlsxBackend(tmp_path / "w.xlsx").read()
    assert snapshot.rows("Roster") == (("007", "3", "3", "2.5", "TRUE", "", "1e5"),)
    assert snapshot.rows("Missing") is None


def test_a_stale_size_in_the_file_does_not_hide_rows(tmp_path):
    path = write_workbook(tmp_path / "w.xlsx", {"Roster": [HEADER, *make_roster(40)]})
    shrunk = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(shrunk, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b'<dimension ref="A1:F41" />', b'<dimension ref="A1:F10" />')
            target.writestr(item, data)
    path.write_bytes(shrunk.getvalue())
    assert b"A1:F10" in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert len(XlsxBackend(path).read().rows("Roster") or ()) == 41


def test_staff_formulas_in_other_tabs_survive_a_publish(tmp_path):
    path = write_workbook(tmp_path / "w.xlsx", {"Roster": [HEADER, *make_roster(12)]})
    book = openpyxl.load_workbook(path)
    book["Roster"]["H1"] = "=COUNTA(A:A)-1"
    book.create_sheet("Notes")["A1"] = "=Roster!H1*2"
    book.save(path)
    assert main(["--workbook", str(path), *PUBLISH]) == 0
    book = openpyxl.load_workbook(path)
    assert book["Roster"]["H1"].value == "=COUNTA(A:A)-1"
    assert book["Notes"]["A1"].value == "=Roster!H1*2"


def test_a_replaced_tab_keeps_its_place(tmp_path):
    path = write_workbook(tmp_path / "w.xlsx", {"Roster": [HEADER], "Old": [["x"]], "End": []})
    backend = XlsxBackend(path)
    backend.read()
    backend.apply(Change(tabs=(Tab("Old", (("y",),)),)))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Roster", "Old", "End"]
    assert book["Old"]["A1"].value == "y"


def test_a_write_that_cannot_happen_exits_4_and_leaves_the_workbook(tmp_path, capsys):
    path = write_workbook(tmp_path / "w.xlsx", {"Roster": [HEADER, *make_roster(12)]})
    (tmp_path / ".w.xlsx.lock").mkdir()  # the lock file cannot be opened
    before = path.read_bytes()
    assert main(["--workbook", str(path), *PUBLISH]) == 4
    assert "Cannot write the workbook" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_leftovers_of_another_workbook_are_not_touched(tmp_path):
    path = write_workbook(tmp_path / "school.xlsx", {"Roster": [HEADER, *make_roster(12)]})
    mine = tmp_path / ".school.xlsx.tmp-abc.xlsx"
    other = tmp_path / ".school-2027.xlsx.tmp-abc.xlsx"
    mine.write_bytes(b"killed mid-save")
    other.write_bytes(b"another writer mid-save")
    assert main(["--workbook", str(path), *PUBLISH]) == 0
    assert not mine.exists()
    assert other.exists()
