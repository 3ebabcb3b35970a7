"""Zoom's participants report is read as Zoom exports it, and anything else is refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from mixitup.errors import DataError
from mixitup.zoom_report import parse_report, read_report

REPORT = Path(__file__).parent / "data" / "zoom-participants.csv"


def test_the_exported_report_with_meeting_block_bom_and_extra_columns_is_read():
    joins = read_report(REPORT).joins
    assert REPORT.read_bytes().startswith(b"\xef\xbb\xbf")  # the file really has the BOM
    assert joins[0].name == "Careers Staff"  # the table, not the meeting block
    assert joins[0].row == 5
    assert joins[0].minutes == 72
    # One row per join: Student 000 left and came back.
    assert [j.minutes for j in joins if j.email == "student000@example.edu"] == [6, 7]
    renamed = next(j for j in joins if j.original == "Student 002")
    assert (renamed.name, renamed.email) == ("Sam Two", "")
    assert next(j for j in joins if j.name == "Stu Three, BE").email == "student003@example.edu"
    guest = next(j for j in joins if j.name == "iPhone de Ana")
    assert (guest.email, guest.original, guest.minutes) == ("", "", 35)


@pytest.mark.parametrize(
    "text",
    [
        # the table alone, as "Export" without meeting data writes it
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
        "Ada Kim,ADA@x.edu,a,b,12,No\n",
        # an older export, headers in another case, rows with fewer cells than the header
        "\ufeffname (original name),user email,duration (minutes)\nAda Kim,ada@x.edu,12\n\n",
    ],
)
def test_variants_zoom_has_written_are_read(text):
    (join,) = parse_report(text)
    assert (join.name, join.email, join.minutes) == ("Ada Kim", "ada@x.edu", 12)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # the breakout pre-assignment CSV, a common mix-up
        ("Pre-assign Room Name,Email Address\nroom1,a@x.edu\n", "Pre-assign Room Name"),
        # the meeting block alone (exported without participants)
        (
            "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes)\n1,T,a,b,c,3\n",
            "Topic",
        ),
        ("", "nothing"),
        # a workbook picked by mistake: binary, not CSV
        ("PK\x03\x04\x00\x00\r\x00\x08\x00abc\x00\n\x00", "binary data, not CSV text"),
    ],
)
def test_a_file_that_is_not_a_participants_report_names_expected_and_found(text, found):
    with pytest.raises(DataError) as error:
        parse_report(text, "report.csv")
    message = str(error.value)
    assert error.value.exit_code == 3
    assert "report.csv is not a Zoom meeting participants report" in message
    assert "Name (Original Name), User Email" in message
    assert "Duration (Minutes)" in message
    assert found in message


def test_a_duration_that_is_not_a_number_names_the_line():
    text = "Name (Original Name),User Email,Duration (Minutes)\nAda,a@x.edu,12\nBo,b@x.edu,lots\n"
    with pytest.raises(DataError, match=r"line 3: duration 'lots'"):
        parse_report(text)


EXPORTED = (
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\r\n"
    "José Núñez,,1/13/2027 12:01,1/13/2027 12:58,57,Yes\r\n"
    "Aoife O’Brien (Zoë Brien),aoife@x.edu,1/13/2027 12:02,1/13/2027 12:40,38,No\r\n"
)


def test_a_report_excel_saved_again_in_windows_1252_reads_its_accented_names(tmp_path):
    """Opened in Excel on Windows and saved as CSV: cp1252, no byte-order mark, CRLF."""
    saved = tmp_path / "participants.csv"
    saved.write_bytes(EXPORTED.encode("cp1252"))
    assert b"Jos\xe9 N\xfa\xf1ez" in saved.read_bytes()  # really not UTF-8
    original = tmp_path / "participants-utf8.csv"
    original.write_bytes(b"\xef\xbb\xbf" + EXPORTED.encode("utf-8"))

    report = read_report(saved)

    assert [(j.name, j.original, j.email, j.minutes) for j in report.joins] == [
        ("José Núñez", "", "", 57),
        ("Aoife O’Brien", "Zoë Brien", "aoife@x.edu", 38),
    ]
    assert [str(d) for d in report.dates] == ["2027-01-13"]
    # The same joins whatever the encoding: importing both copies counts them once.
    assert report.fingerprint == read_report(original).fingerprint
