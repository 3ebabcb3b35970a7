"""Which spreadsheet a configuration opens: the local workbook unless Google is configured, the
students' one only when [students] names one; a Google backend's requests go through the
session handed in."""

from __future__ import annotations

from dataclasses import replace

from mixitup.backends import open_backend, open_students_backend
from mixitup.backends.google import GoogleBackend
from mixitup.backends.xlsx import XlsxBackend
from mixitup.config import Config, Students
from mixitup.models import Change, Tab
from tests.fake_sheets import GoogleSheet
from tests.helpers import write_workbook

STUDENTS_ID = "1StudentsSheet0123456789abcdefghijklmnopqrs"
EDITOR = "careers@school.example"


def test_without_google_the_local_workbook_is_opened(tmp_path):
    path = write_workbook(tmp_path / "school.xlsx", {"Roster": [("Name",)]})
    backend = open_backend(Config(workbook=path))
    assert isinstance(backend, XlsxBackend)
    assert backend.location == str(path)
    assert backend.read().titles == ("Roster",)


def test_a_google_backend_reads_through_the_session_handed_in(google_sheet: GoogleSheet):
    google_sheet.seed("Roster", [["Name"], ["Ana"]])
    backend = open_backend(google_sheet.config(), google_sheet.session)
    assert isinstance(backend, GoogleBackend)
    assert google_sheet.sheet_id in backend.location
    assert backend.read().rows("Roster") == (("Name",), ("Ana",))
    assert google_sheet.reads() == 1  # it reached the fake: nothing else could answer


def test_no_students_section_means_one_spreadsheet(tmp_path, google_sheet: GoogleSheet):
    assert open_students_backend(Config(workbook=tmp_path / "school.xlsx")) is None
    assert open_students_backend(google_sheet.config(), google_sheet.session) is None


def test_a_students_workbook_is_made_by_its_first_write(tmp_path):
    path = tmp_path / "students.xlsx"
    config = Config(workbook=tmp_path / "school.xlsx", students=Students(workbook=path))
    backend = open_students_backend(config)
    assert backend is not None
    assert backend.location == str(path)
    assert backend.read().titles == ()
    assert not path.exists()
    backend.apply(Change(tabs=(Tab("How to use this sheet", (("Find your name",),)),)))
    assert backend.read().titles == ("How to use this sheet",)


def test_the_students_sheet_is_opened_with_its_editors_on_the_same_session(
    google_sheet: GoogleSheet,
):
    book = google_sheet.fake.create(STUDENTS_ID, editors=(google_sheet.client_email,))
    students = Students(sheet_id=STUDENTS_ID, editors=(EDITOR,))
    config = replace(google_sheet.config(), students=students)
    backend = open_students_backend(config, google_sheet.session)
    assert isinstance(backend, GoogleBackend)
    assert STUDENTS_ID in backend.location
    backend.read()
    backend.apply(Change(tabs=(Tab("Groups", (("Group",),), protected=True),)))
    (sheet,) = [s for s in book.sheets if s.title == "Groups"]
    (protection,) = sheet.protected_ranges
    assert protection["editors"]["users"] == [google_sheet.client_email, EDITOR]
