"""Students' voice through the CLI on both backends (issue 23): a skip, a pause and a come-back
change who is grouped; a request after publishing marks the student absent; repeated no-shows
with `pause_after`; the Feedback tab summarised by `report` (a tab with a chart, and CSV); rows
that cannot be read listed for staff, never fatal."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import HEADER, STUDENTS_ID, cli, make_roster, table

ASK = ("Timestamp", "Email Address", "Request", "Session date", "Until")
FEEDBACK = (
    "Timestamp",
    "Email Address",
    "Session date",
    "Did your group meet?",
    "How useful was it? (1-5)",
    "Comment",
)
SCHOOL = "[groups]\nsize = 5\n\n[calendar]\nmodule_starts = [2027-01-04, 2027-02-08]\n"
W2, W4 = "2027-01-13 Week 2", "2027-01-27 Week 4"


def email(i: int) -> str:
    return f"student{i:03d}@example.edu"


def school(sheet, requests=(), feedback=None, extra: str = ""):  # type: ignore[no-untyped-def]
    tabs: dict[str, list[tuple[object, ...]]] = {
        "Roster": [HEADER, *make_roster(20)],
        "Requests": [ASK, *requests],
    }
    if feedback is not None:
        tabs["Feedback"] = [FEEDBACK, *feedback]
    sheet.seed(tabs)
    if sheet.google is not None:
        sheet.google.fake.create(STUDENTS_ID, editors=(sheet.google.client_email,))
        students = f'[students]\nid = "{STUDENTS_ID}"\n'
    else:
        students = '[students]\npath = "students.xlsx"\n'
    sheet.write_config(students + SCHOOL + extra)
    return sheet


def grouped(sheet, label: str = W2) -> set[str]:  # type: ignore[no-untyped-def]
    return {r["Student key"] for r in table(sheet.rows("History")) if r["Session"] == label}


def test_a_skip_a_pause_and_a_come_back_change_who_is_grouped(any_spreadsheet, capsys):
    sheet = school(
        any_spreadsheet,
        [
            ("1/10/2027 9:00:00", email(1), "Skip one session", "1/13/2027", ""),
            ("1/10/2027 9:05:00", email(2), "Pause", "", "1/30/2027"),
            ("1/10/2027 9:10:00", email(3), "Pause", "", ""),
            ("1/11/2027 8:00:00", email(3), "Come back", "", ""),
            ("not a date", email(4), "Skip one session", "1/13/2027", ""),  # listed, ignored
            ("1/10/2027 9:20:00", "nobody@example.edu", "Pause", "", ""),  # listed, ignored
            ("1/10/2027 9:30:00", email(6), "Skip one session", "1/14/2027", ""),  # no session
        ],
    )
    assert cli(sheet, "plan", "--date", "2027-01-13") == 0
    out, err = capsys.readouterr()
    assert f"{W2}: 18 students\n" in out  # 20 on the roster, the 2 sitting out not counted
    assert "Sitting out (2):" in out
    assert "Student 001: asked on 2027-01-10 to skip this session" in out
    assert "Student 002: asked on 2027-01-10 to pause until 2027-01-30" in out
    assert 'Tab "Requests", row 6' in err
    assert "nobody@example.edu" in err
    assert 'Tab "Requests", row 8' in err
    assert "2027-01-14 is no session date (the nearest is 2027-01-13)" in err

    assert cli(sheet, "publish", "--date", "2027-01-13") == 0
    assert f"{W2}: 18 students in 4 groups" in capsys.readouterr().err
    assert cli(sheet, "publish", "--date", "2027-01-27") == 0
    week2, week4 = grouped(sheet, W2), grouped(sheet, W4)
    assert {email(1), email(2)}.isdisjoint(week2)
    assert {email(3), email(4)} <= week2  # came back; an unreadable row asks nothing
    assert email(1) in week4  # a skip is one session
    assert email(2) not in week4  # paused until the 30th


def test_a_request_after_publishing_marks_the_student_absent(any_spreadsheet):
    sheet = school(any_spreadsheet)
    assert cli(sheet, "run", "--today", "2027-01-11") == 0
    assert email(5) in grouped(sheet)
    rows = sheet.rows("Requests") or []
    for column, value in enumerate(
        ("1/12/2027 10:00:00", email(5), "Skip one session", "1/13/2027", ""), 1
    ):
        type_cell(sheet, "Requests", len(rows) + 1, column, value)

    assert cli(sheet, "run", "--today", "2027-01-12") == 0

    marks = {r["Student key"]: r["Attended"] for r in table(sheet.rows("History"))}
    assert marks[email(5)] == "no"
    assert list(marks.values()).count("no") == 1


def test_a_lead_who_asks_to_skip_after_publishing_hands_the_lead_to_one_present(
    any_spreadsheet, capsys
):
    sheet = school(any_spreadsheet)
    assert cli(sheet, "run", "--today", "2027-01-11") == 0
    history = table(sheet.rows("History"))
    lead = next(r for r in history if r["Session"] == W2 and r["Role"] == "Lead")
    group = {
        r["Student key"] for r in history if r["Session"] == W2 and r["Group"] == lead["Group"]
    }
    rows = sheet.rows("Requests") or []
    asked = ("1/12/2027 10:00:00", lead["Student key"], "Skip one session", "1/13/2027", "")
    for column, value in enumerate(asked, 1):
        type_cell(sheet, "Requests", len(rows) + 1, column, value)
    capsys.readouterr()

    assert cli(sheet, "run", "--today", "2027-01-12") == 0

    err = capsys.readouterr().err
    assert f"{W2}: {lead['Name']} asked to be out after publishing: marked absent" in err
    assert "nothing to do" not in err
    after = {r["Student key"]: r for r in table(sheet.rows("History")) if r["Session"] == W2}
    assert after[lead["Student key"]]["Role"] == ""
    (heir,) = [k for k in group if after[k]["Role"] == "Lead"]
    assert f"group {lead['Group']} is led by {after[heir]['Name']} instead" in err


def test_a_request_made_before_the_start_counts_when_the_next_run_comes_after_it(
    any_spreadsheet, capsys
):
    """Asked at 11:55 for the 12:00 session; cron runs at 12:17: still marked absent."""
    sheet = school(any_spreadsheet)
    assert cli(sheet, "run", "--today", "2027-01-11") == 0
    rows = sheet.rows("Requests") or []
    asked = ("1/13/2027 11:55:00", email(5), "Skip one session", "1/13/2027", "")
    for column, value in enumerate(asked, 1):
        type_cell(sheet, "Requests", len(rows) + 1, column, value)

    assert cli(sheet, "run", "--today", "2027-01-13T12:17") == 0

    marks = {r["Student key"]: r["Attended"] for r in table(sheet.rows("History"))}
    assert marks[email(5)] == "no"
    assert "asked to be out after publishing: marked absent" in capsys.readouterr().err


def test_students_absent_from_pause_after_sessions_in_a_row_sit_the_next_one_out(
    any_spreadsheet, capsys
):
    sheet = school(any_spreadsheet, extra="\n[attendance]\npause_after = 2\n")
    for date in ("2027-01-13", "2027-01-27"):
        assert cli(sheet, "publish", "--date", date) == 0
        assert cli(sheet, "attendance", "--date", date, "--absent", "Student 007") == 0
    capsys.readouterr()
    assert cli(sheet, "status", "--today", "2027-02-01") == 0
    out = capsys.readouterr().out
    assert "Sitting the next session out (1):" in out
    assert "Student 007: absent from their last 2 sessions" in out


def test_report_summarises_the_feedback_with_a_chart_and_csv_and_no_comment(
    any_spreadsheet, tmp_path: Path, capsys
):
    answers = [
        ("1/13/2027 14:00:00", email(i), "1/13/2027", "Yes", str(3 + i % 3), f"secret {i}")
        for i in range(6)
    ]
    answers.append(("1/13/2027 14:00:00", email(7), "1/13/2027", "Maybe", "9", ""))  # bad row
    sheet = school(any_spreadsheet, feedback=answers)
    assert cli(sheet, "publish", "--date", "2027-01-13") == 0
    capsys.readouterr()

    assert cli(sheet, "report", "--today", "2027-03-01", "--csv", str(tmp_path / "out")) == 0

    out, err = capsys.readouterr()
    assert "Feedback: 6 responses about 1 session" in out
    assert 'Tab "Feedback", row 8' in err
    summary = sheet.rows("Feedback report") or []
    assert summary
    assert not any("secret" in cell for row in summary for cell in row)
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "feedback_sessions.csv" in files
    assert not any("secret" in (tmp_path / "out" / f).read_text() for f in files)
    if sheet.google is not None:
        assert sheet.google.tab("Feedback report").charts
    else:
        import zipfile

        with zipfile.ZipFile(sheet.workbook) as book:
            assert sum(n.startswith("xl/charts/chart") for n in book.namelist()) == 2


def type_cell(sheet, title: str, row: int, column: int, value: str) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import type_in

    if sheet.rows(title) is None and sheet.google is None:
        import openpyxl

        book = openpyxl.load_workbook(sheet.workbook)
        book.create_sheet(title)
        book.save(sheet.workbook)
    elif sheet.rows(title) is None:
        sheet.google.seed(title, [[""]])
    type_in(sheet, title, row, column, value)


def test_a_rebalance_never_counts_present_a_student_who_asked_to_skip(any_spreadsheet):
    sheet = school(any_spreadsheet)
    assert cli(sheet, "run", "--today", "2027-01-11") == 0
    rows = sheet.rows("Requests") or []
    for column, value in enumerate(
        ("1/12/2027 10:00:00", email(5), "Skip one session", "1/13/2027", ""), 1
    ):
        type_cell(sheet, "Requests", len(rows) + 1, column, value)
    assert cli(sheet, "run", "--today", "2027-01-12") == 0  # marks the late request absent

    assert cli(sheet, "rebalance", "--date", "2027-01-13", "--absent", "Student 009") == 0

    marks = {r["Student key"]: r["Attended"] for r in table(sheet.rows("History"))}
    assert marks[email(5)] == "no"
    assert marks[email(9)] == "no"
