"""The local workbook backend: text in, one atomic replacement out, staff's other work kept."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import stat
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.chart import BarChart, Reference
from openpyxl.workbook.defined_name import DefinedName

from mixitup.backends.xlsx import XlsxBackend, _text
from mixitup.change import trimmed
from mixitup.cli import main
from mixitup.models import Change, Session, Student, Tab
from mixitup.render import groups_tab
from tests.helpers import HEADER, make_roster, read_tab, write_workbook

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


def test_a_write_renames_a_whole_new_file_over_the_workbook_and_leaves_nothing_beside_it(tmp_path):
    """Whoever has the old file open (a backup, a sync client) keeps reading it whole: the new
    workbook is another file, renamed over the old name, never the old one rewritten."""
    path = write_workbook(tmp_path / "school.xlsx", {"Roster": [HEADER, *make_roster(30)]})
    before, inode = path.read_bytes(), path.stat().st_ino
    backend = XlsxBackend(path)
    backend.read()

    with path.open("rb") as reader:
        backend.apply(Change(tabs=(Tab("Notes", (("a note",),)),)))
        assert reader.read() == before

    assert path.stat().st_ino != inode
    assert read_tab(path, "Notes") == [("a note",)]
    assert [p.name for p in tmp_path.iterdir()] == ["school.xlsx"]  # no temporary, no lock


def test_a_write_that_cannot_happen_exits_4_and_leaves_the_workbook(tmp_path, capsys):
    path = write_workbook(tmp_path / "w.xlsx", {"Roster": [HEADER, *make_roster(12)]})
    (tmp_path / ".w.xlsx.lock").mkdir()  # the lock file cannot be opened
    before = path.read_bytes()
    assert main(["--workbook", str(path), *PUBLISH]) == 4
    assert "Cannot write the workbook" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_a_workbook_path_that_is_a_folder_exits_4_saying_what_to_point_at(tmp_path, capsys):
    folder = tmp_path / "roster.xlsx"
    folder.mkdir()
    assert main(["--workbook", str(folder), "publish", "--date", "2027-01-13", "--week", "2"]) == 4
    err = capsys.readouterr().err
    assert f"Cannot read the workbook {folder}: Is a directory." in err
    assert "it is a folder: point the path at the .xlsx file itself. Nothing was written." in err


def test_leftovers_of_another_workbook_are_not_touched(tmp_path):
    path = write_workbook(tmp_path / "school.xlsx", {"Roster": [HEADER, *make_roster(12)]})
    mine = tmp_path / ".school.xlsx.tmp-abc.xlsx"
    other = tmp_path / ".school-2027.xlsx.tmp-abc.xlsx"
    mine.write_bytes(b"killed mid-save")
    other.write_bytes(b"another writer mid-save")
    assert main(["--workbook", str(path), *PUBLISH]) == 0
    assert not mine.exists()
    assert other.exists()


# Formulas. openpyxl writes a formula without a value, as a program that does not calculate
# does; `_as_excel_saves` then gives the cells the values Excel would store beside them.


def _as_excel_saves(
    path: Path, title: str, values: dict[str, tuple[str, str]], shared: str = ""
) -> None:
    """Store `values` (coordinate -> (cell type, value)) beside the formulas of tab `title`.

    With `shared` (a range such as "F2:F25"), those cells become one shared formula, as Excel
    stores a formula filled down a column: the text on the first cell only.
    """
    book = openpyxl.load_workbook(path, read_only=True)
    part = f"xl/worksheets/sheet{book.sheetnames.index(title) + 1}.xml"
    book.close()
    first, _, last = shared.partition(":")

    def cached(match: re.Match[str]) -> str:
        coordinate, attributes, formula = match.group(1, 2, 3)
        kind, value = values.get(coordinate, ("n", ""))
        kind_attribute = "" if kind == "n" else f' t="{kind}"'
        if shared and coordinate == first:
            formula = f'<f t="shared" ref="{shared}" si="0">{formula}</f>'
        elif (
            shared
            and first[0] == coordinate[0]
            and int(first[1:]) < int(coordinate[1:]) <= int(last[1:])
        ):
            formula = '<f t="shared" si="0"/>'
        else:
            formula = f"<f>{formula}</f>"
        value_xml = f"<v>{value}</v>" if coordinate in values else "<v/>"
        return f'<c r="{coordinate}"{attributes}{kind_attribute}>{formula}{value_xml}</c>'

    rewritten = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(rewritten, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == part:
                text = re.sub(
                    r'<c r="([A-Z]+[0-9]+)"([^>]*)><f>([^<]*)</f><v ?/></c>', cached, data.decode()
                )
                data = text.encode()
            target.writestr(item, data)
    path.write_bytes(rewritten.getvalue())


def _status_by_lookup(tmp_path: Path, students: int = 24) -> Path:
    """A roster whose Status column looks each email up in a Leavers tab; student 002 left."""
    rows = [list(row[:5]) for row in make_roster(students)]
    path = write_workbook(
        tmp_path / "w.xlsx",
        {
            "Roster": [HEADER, *rows],
            "Leavers": [("Email", "Status"), ("student002@example.edu", "Withdrawn")],
        },
    )
    book = openpyxl.load_workbook(path)
    for row in range(2, students + 2):
        book["Roster"][f"F{row}"] = f'=IFERROR(VLOOKUP(B{row},Leavers!A:B,2,FALSE),"")'
    book.save(path)
    return path


def test_a_status_computed_by_a_formula_is_still_read_after_a_publish(tmp_path):
    path = _status_by_lookup(tmp_path)
    values = {f"F{row}": ("str", "") for row in range(2, 26)} | {"F4": ("str", "Withdrawn")}
    _as_excel_saves(path, "Roster", values, shared="F2:F25")
    assert XlsxBackend(path).read().rows("Roster")[3][5] == "Withdrawn"
    assert main(["--workbook", str(path), *PUBLISH]) == 0
    # The rewritten workbook keeps the formulas and, beside them, the values they had.
    assert openpyxl.load_workbook(path)["Roster"]["F4"].value.startswith("=IFERROR(VLOOKUP(B4,")
    snapshot = XlsxBackend(path).read()
    statuses = [row[5:6] for row in snapshot.rows("Roster")[1:]]  # rows end at their last text
    assert statuses == [()] * 2 + [("Withdrawn",)] + [()] * 21
    assert snapshot.uncomputed == {}
    week_4 = ["publish", "--date", "2027-01-27", "--week", "4"]
    assert main(["--workbook", str(path), *week_4]) == 0
    names = [row[1] for row in read_tab(path, "2027-01-27 Week 4 Groups")[1:]]
    assert len(names) == 23
    assert "Student 002" not in names


def test_every_kind_of_computed_value_survives_a_publish(tmp_path):
    path = write_workbook(tmp_path / "w.xlsx", {"Roster": [HEADER, *make_roster(12)]})
    book = openpyxl.load_workbook(path)
    notes = book.create_sheet("Notes")
    notes.append(["=1+1.5", "=1=1", "=NA()", '="a"&"<b>"', "=DATE(2027,1,13)", "=A1*2"])
    book.save(path)
    values = {
        "A1": ("n", "2.5"),
        "B1": ("b", "1"),
        "C1": ("e", "#N/A"),
        "D1": ("str", "a&lt;b&gt;"),
        "E1": ("d", "2027-01-13T00:00:00"),
    }  # F1 was never computed
    _as_excel_saves(path, "Notes", values)
    before = XlsxBackend(path).read()
    assert before.rows("Notes") == (("2.5", "TRUE", "#N/A", "a<b>", "2027-01-13"),)
    assert main(["--workbook", str(path), *PUBLISH]) == 0
    after = XlsxBackend(path).read()
    assert after.rows("Notes") == before.rows("Notes")
    assert after.uncomputed == {"Notes": frozenset({(1, 6)})}


def test_a_formula_never_computed_is_a_roster_problem_naming_the_cell(tmp_path, capsys):
    path = write_workbook(
        tmp_path / "w.xlsx",
        {"Roster": [HEADER, *make_roster(24)], "Keep apart": [("Student", "Student")]},
    )
    book = openpyxl.load_workbook(path)
    book["Roster"]["A5"] = '=UPPER("Student 003")'
    for row in (7, 8, 9, 12):
        book["Roster"][f"F{row}"] = '=""'
    book["Roster"]["H9"] = "=1+1"  # an extra column: ignored like its values
    book["Keep apart"]["A2"] = "=Roster!A2"
    book["Keep apart"]["B2"] = "Student 001"
    book.save(path)
    assert XlsxBackend(path).read().uncomputed == {
        "Roster": frozenset({(5, 1), (7, 6), (8, 6), (9, 6), (12, 6), (9, 8)}),
        "Keep apart": frozenset({(2, 1)}),
    }
    before = path.read_bytes()
    assert main(["--workbook", str(path), *PUBLISH]) == 3
    err = capsys.readouterr().err
    assert "the name is empty" not in err
    assert 'Roster tab "Roster", row 5, column A (name): the cell holds a formula' in err
    assert 'Roster tab "Roster", rows 7-9, 12, column F (status): each cell holds a formula' in err
    assert 'Keep apart tab "Keep apart", row 2, column A: the cell holds a formula' in err
    assert "column H" not in err
    assert err.count("Open the workbook in Excel or LibreOffice, save it") == 3
    assert path.read_bytes() == before


def test_a_workbook_behind_a_link_stays_a_link_and_its_target_is_published(tmp_path):
    drive = tmp_path / "Drive" / "Careers"
    drive.mkdir(parents=True)
    target = write_workbook(drive / "school.xlsx", {"Roster": [HEADER, *make_roster(12)]})
    link = tmp_path / "school.xlsx"
    link.symlink_to(Path("Drive") / "Careers" / "school.xlsx")  # relative, as `ln -s` makes it
    assert main(["--workbook", str(link), *PUBLISH]) == 0
    assert link.is_symlink()
    assert link.readlink() == Path("Drive") / "Careers" / "school.xlsx"
    assert "2027-01-13 Week 2 Groups" in openpyxl.load_workbook(target).sheetnames
    leftovers = {p.name for p in [*tmp_path.iterdir(), *drive.iterdir()]}
    assert leftovers == {"Drive", "school.xlsx"}  # no lock file left beside it either


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_a_replaced_workbook_keeps_its_owner_group_and_mode(tmp_path):
    path = write_workbook(tmp_path / "w.xlsx", {"Roster": [HEADER, *make_roster(12)]})
    os.chown(path, 1234, 5678)
    path.chmod(0o640)
    assert main(["--workbook", str(path), *PUBLISH]) == 0
    after = path.stat()
    assert (after.st_uid, after.st_gid, stat.S_IMODE(after.st_mode)) == (1234, 5678, 0o640)
    assert "2027-01-13 Week 2 Groups" in openpyxl.load_workbook(path).sheetnames


@pytest.mark.parametrize(
    ("lock_name", "content", "holder"),
    [
        # Excel, while the workbook is open in it: the user's name after its length
        ("~$school.xlsx", bytes([9]) + b"Ann Staff" + b" " * 45, ", by Ann Staff"),
        # LibreOffice, likewise: name, system user, host, time, profile
        (
            ".~lock.school.xlsx#",
            b"Ann Staff,ann,laptop-7,13.01.2027 09:12,file:///home/ann/.config/libreoffice/4;",
            ", by Ann Staff on laptop-7 since 13.01.2027 09:12",
        ),
    ],
)
@pytest.mark.parametrize("through_a_link", [False, True])
def test_a_workbook_open_in_a_spreadsheet_program_is_not_written(
    tmp_path, capsys, lock_name, content, holder, through_a_link
):
    (tmp_path / "Drive").mkdir()
    path = write_workbook(
        tmp_path / "Drive" / "school.xlsx", {"Roster": [HEADER, *make_roster(12)]}
    )
    lock = path.with_name(lock_name)
    lock.write_bytes(content)
    given = path
    if through_a_link:
        given = tmp_path / "school.xlsx"
        given.symlink_to(path)
    before = path.read_bytes()
    assert main(["--workbook", str(given), "plan", "--date", "2027-01-13", "--week", "2"]) == 0
    capsys.readouterr()
    assert main(["--workbook", str(given), *PUBLISH]) == 4
    err = capsys.readouterr().err
    assert f"is open in a spreadsheet program{holder} (lock file {lock})" in err
    assert "Close it in Excel or LibreOffice and run again" in err
    assert f"delete the lock file {lock}. Nothing was written." in err
    assert path.read_bytes() == before
    lock.unlink()  # closed: the next publish goes through
    assert main(["--workbook", str(given), *PUBLISH]) == 0


def test_a_link_to_a_missing_workbook_says_where_it_points(tmp_path, capsys):
    link = tmp_path / "school.xlsx"
    link.symlink_to(tmp_path / "Drive" / "school.xlsx")  # the drive is not mounted
    assert main(["--workbook", str(link), *PUBLISH]) == 2
    err = capsys.readouterr().err
    assert f"is a link to {tmp_path / 'Drive' / 'school.xlsx'}, which does not exist" in err
    assert not (tmp_path / "Drive").exists()


def test_a_read_gives_the_text_openpyxl_reads(tmp_path):
    """python-calamine reads the cells; openpyxl, which writes them, is the oracle."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "It's mine"
    values = [3, 3.0, 2.5, 1e5, 0.1 + 0.2, -0.0, 1e-7, 2**53, True, False, "007", " x ", "1e5"]
    values += [dt.date(2027, 1, 13), dt.datetime(2027, 1, 13, 10, 30), dt.time(9, 15), "#N/A"]
    values += [CellRichText([TextBlock(InlineFont(b=True), "Ad"), "a"]), "ü ☃", "=1+1"]
    sheet["C3"] = "after two blank rows and columns"
    for row, value in enumerate(values, start=4):
        sheet.cell(row, 2 + row % 3, value)
    sheet["H40"] = None  # a cell with nothing in it, far out
    sheet["F41"].number_format = "0.00"  # formatting alone
    hidden = book.create_sheet("History")
    hidden.sheet_state = "hidden"
    hidden.append(["Session", "", "Group"])
    book.create_sheet("Empty")
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=2, min_row=4, max_row=8))
    book.create_chartsheet("A chart").add_chart(chart)  # not a tab of cells: no tab of text
    book.defined_names["MixitupHistory"] = DefinedName("MixitupHistory", attr_text="History!$A:$C")
    path = tmp_path / "w.xlsx"
    book.save(path)
    # A formula whose stored value is an error, as Excel saves it.
    with_error = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(with_error, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                formula = b'<c r="D23"><f>1+1</f><v />'
                assert formula in data
                data = data.replace(formula, b'<c r="D23" t="e"><f>NA()</f><v>#N/A</v>')
            target.writestr(item, data)
    path.write_bytes(with_error.getvalue())
    assert b't="e"><f>NA()</f><v>#N/A</v>' in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")

    oracle = openpyxl.load_workbook(path, read_only=True, data_only=True)
    expected = {ws.title: trimmed([[_text(v) for v in r] for r in ws.values]) for ws in oracle}
    snapshot = XlsxBackend(path).read()
    assert snapshot.titles == ("It's mine", "History", "Empty")
    assert dict(snapshot.tabs) == expected
    assert expected["It's mine"][22][3] == "#N/A"  # the formula's stored error
    assert snapshot.hidden == {"History"}
    assert snapshot.marked == "History"


# -- stamps: a hidden defined name of the tab's own -------------------------------------------


def _stamped(tmp_path: Path) -> Path:
    path = write_workbook(tmp_path / "w.xlsx", {"Roster": [HEADER, *make_roster(6)]})
    backend = XlsxBackend(path)
    backend.read()
    backend.apply(
        Change(tabs=(Tab("Groups", (("Group",), (1,)), stamp="abc123"), Tab("Plain", (("p",),))))
    )
    return path


def test_a_stamp_is_a_hidden_text_name_scoped_to_its_tab(tmp_path):
    path = _stamped(tmp_path)

    workbook = zipfile.ZipFile(path).read("xl/workbook.xml").decode()
    (name,) = re.findall(r"<definedName [^>]*>[^<]*</definedName>", workbook)
    groups = openpyxl.load_workbook(path).sheetnames.index("Groups")
    assert f'localSheetId="{groups}"' in name
    assert 'hidden="1"' in name
    assert name.endswith('>"abc123"</definedName>')
    assert XlsxBackend(path).read().stamps == {"Groups": "abc123"}


def test_a_stamp_follows_its_tab_when_staff_move_it_and_goes_when_they_delete_it(tmp_path):
    path = _stamped(tmp_path)
    book = openpyxl.load_workbook(path)
    book.move_sheet("Groups", offset=-1)  # localSheetId is a place: it must follow the tab
    book.save(path)
    assert XlsxBackend(path).read().stamps == {"Groups": "abc123"}

    book = openpyxl.load_workbook(path)
    del book["Groups"]
    book.save(path)

    assert XlsxBackend(path).read().stamps == {}
    assert "MixitupStamp" not in zipfile.ZipFile(path).read("xl/workbook.xml").decode()


def test_a_stamp_survives_a_rewrite_of_the_workbook_by_another_change(tmp_path):
    path = _stamped(tmp_path)
    backend = XlsxBackend(path)
    backend.read()

    backend.apply(Change(tabs=(Tab("Other", (("o",),)),), delete_tabs=("Plain",)))

    assert XlsxBackend(path).read().stamps == {"Groups": "abc123"}


def test_names_that_are_not_a_tabs_own_text_are_no_stamp(tmp_path):
    path = write_workbook(tmp_path / "w.xlsx", {"Roster": [["x"]], "Groups": [["g"]]})
    book = openpyxl.load_workbook(path)
    book.defined_names["MixitupStamp"] = DefinedName("MixitupStamp", attr_text='"workbook-wide"')
    book["Roster"].defined_names["MixitupStamp"] = DefinedName(
        "MixitupStamp",
        attr_text="Roster!$A$1",  # a range, not text
    )
    book.save(path)

    assert XlsxBackend(path).read().stamps == {}


def test_rows_to_delete_are_grouped_in_runs_of_neighbours():
    from mixitup.backends.workbook import _runs

    assert _runs([2, 3, 4, 9, 11, 12]) == [(2, 3), (9, 1), (11, 2)]
    assert _runs([]) == []


def test_a_name_too_long_for_its_column_gets_a_second_line_and_bold_headers_stay_in_the_font(
    tmp_path,
):
    """openpyxl leaves wrapped rows one line high: the backend sets the height of a row whose
    text wraps, and only of those; bold text keeps the workbook's font (a bold font without a
    name is drawn serif in LibreOffice)."""
    path = write_workbook(tmp_path / "w.xlsx", {"Roster": [["x"]]})
    backend = XlsxBackend(path)
    backend.read()
    group = (
        Student("long", "Maximiliana Featherstone", "BE", 1, "c"),
        Student("al", "Al", "FE", 4, "c"),
    )
    tab = groups_tab(Session(dt.date(2027, 1, 13), 2), (group,), {"al"})

    backend.apply(Change(tabs=(tab,)))

    ws = openpyxl.load_workbook(path)[tab.title]
    assert [ws.cell(r, 2).value for r in (1, 2, 3)] == ["Name", "Al", "Maximiliana Featherstone"]
    assert [ws.row_dimensions[r].height for r in (1, 2, 3)] == [None, None, 30]
    assert ws["A1"].font.b
    assert ws["A1"].font.name == ws["A3"].font.name == "Calibri"
