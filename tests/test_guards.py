"""A mistaken command is refused or can be undone (issue 20), through the CLI on both backends:
the calendar decides the week, time decides what is past, `unpublish` takes a session back,
and attendance reads only the report of the session it is given."""

from __future__ import annotations

import shutil
from pathlib import Path

from mixitup.cli import main
from tests.helpers import HEADER, cli, groups_of, make_roster, table

REPORT = Path(__file__).parent / "data" / "zoom-participants.csv"
CALENDAR = "[groups]\nsize = 5\n\n[calendar]\nmodule_starts = [2027-01-04, 2027-02-22]\n"
W2 = "2027-01-13 Week 2"


def calendar_sheet(sheet, students: int = 24):  # type: ignore[no-untyped-def]
    sheet.seed({"Roster": [HEADER, *make_roster(students)]})
    sheet.write_config(CALENDAR)
    return sheet


def everything(sheet) -> dict[str, list[list[str]] | None]:  # type: ignore[no-untyped-def]
    return {title: sheet.rows(title) for title in sheet.titles()}


# -- The calendar decides -------------------------------------------------------------------------


def test_a_typo_d_past_tuesday_is_refused_naming_the_nearest_sessions(any_spreadsheet, capsys):
    sheet = calendar_sheet(any_spreadsheet)
    before = everything(sheet)

    assert cli(sheet, "publish", "--date", "2026-01-13", "--week", "2") == 2

    err = capsys.readouterr().err
    assert "2026-01-13 (Tuesday) is not a session date of the calendar" in err
    assert "Wed 2027-01-13 (Week 2)" in err
    assert "--off-calendar" in err
    assert everything(sheet) == before


def test_a_week_that_disagrees_with_the_calendar_is_refused(any_spreadsheet, capsys):
    sheet = calendar_sheet(any_spreadsheet)
    before = everything(sheet)
    assert cli(sheet, "publish", "--date", "2027-03-03", "--week", "4") == 2
    assert "The calendar says 2027-03-03 is Week 2, not Week 4" in capsys.readouterr().err
    assert everything(sheet) == before


def test_the_calendar_gives_the_week_and_an_extra_session_needs_off_calendar(any_spreadsheet):
    sheet = calendar_sheet(any_spreadsheet)
    assert cli(sheet, "publish", "--date", "2027-03-03") == 0
    assert sheet.rows("2027-03-03 Week 2 Groups")
    extra = ["publish", "--date", "2027-03-05", "--week", "4"]
    assert cli(sheet, *extra) == 2  # a Friday: not on the calendar
    assert cli(sheet, *extra, "--off-calendar") == 0
    assert sheet.rows("2027-03-05 Week 4 Groups")


def test_without_a_calendar_the_week_is_required(make_workbook, capsys):
    path = make_workbook(students=12)
    assert main(["--workbook", str(path), "plan", "--date", "2027-01-13"]) == 2
    assert "Give --week (2 or 4)" in capsys.readouterr().err


# -- Time decides what is past --------------------------------------------------------------------


def test_a_new_session_dated_in_the_past_needs_force_past(any_spreadsheet, capsys):
    sheet = any_spreadsheet
    sheet.seed({"Roster": [HEADER, *make_roster(12)]})
    sheet.write_config("[groups]\nsize = 4\n")
    past = ["publish", "--date", "2025-10-01", "--week", "2"]
    before = everything(sheet)
    assert cli(sheet, *past) == 2
    assert "is in the past" in capsys.readouterr().err
    assert everything(sheet) == before
    assert cli(sheet, *past, "--force-past") == 0


def test_a_started_session_is_rebalanced_replaced_or_taken_back_only_with_force_past(
    any_spreadsheet, capsys
):
    sheet = any_spreadsheet
    sheet.seed({"Roster": [HEADER, *make_roster(20)]})
    sheet.write_config(
        '[groups]\nsize = 5\n\n[calendar]\nstart = "00:00"\ntimezone = "UTC"\n'
    )  # no calendar dates: --week given; a session of 2025 started long ago
    day = ["--date", "2025-10-01", "--week", "2"]
    assert cli(sheet, "publish", *day, "--force-past") == 0
    capsys.readouterr()
    before = everything(sheet)
    someone = next(iter(groups_of(sheet.rows("2025-10-01 Week 2 Groups") or [])))
    for command in (
        ["rebalance", *day, "--absent", someone],
        ["publish", *day, "--force"],
        ["unpublish", *day],
    ):
        assert cli(sheet, *command) == 2, command
        assert "--force-past" in capsys.readouterr().err
    assert everything(sheet) == before
    assert cli(sheet, "attendance", *day, "--absent", someone) == 0  # meant for after
    assert (
        main(
            [*sheet.args, "rebalance", *day, "--absent", someone, "--force-past"],
            session=sheet.session,
        )
        == 0
    )


# -- unpublish ------------------------------------------------------------------------------------


def test_unpublish_removes_exactly_its_rows_and_tabs_and_a_rerun_does_nothing(two, capsys):
    two.seed(20)
    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 0
    assert two.cli("publish", "--date", "2027-01-27", "--week", "4") == 0
    someone = next(iter(groups_of(two.students()[f"{W2} Groups"])))
    assert two.cli("attendance", "--date", "2027-01-13", "--week", "2", "--absent", someone) == 0
    history = two.staff()["History"]
    two.edit_staff("History", 1, len(history[0]) + 1, "Staff note")
    two.edit_staff("History", 2, len(history[0]) + 1, "keep me")
    kept = [r for r in two.staff()["History"] if r and r[0] != "2027-01-27 Week 4"]
    students_before = {t: r for t, r in two.students().items() if "Week 4" not in t}
    capsys.readouterr()

    assert two.cli("unpublish", "--date", "2027-01-27", "--week", "4") == 0

    out = capsys.readouterr().out
    assert "Took back 2027-01-27 Week 4:" in out
    assert "20 History rows" in out
    assert two.staff()["History"] == kept  # the other session, its attendance and staff cells
    assert two.students() == students_before
    files = two.files() if two.google is None else two.counts()
    assert two.cli("unpublish", "--date", "2027-01-27", "--week", "4") == 0
    assert "is not published; nothing to do" in capsys.readouterr().out
    if two.google is None:
        assert two.files() == files
    else:
        assert two.counts()[1::2] == files[1::2]  # no write to either


# -- Attendance reads what it is given ------------------------------------------------------------


def published(sheet):  # type: ignore[no-untyped-def]
    sheet.seed({"Roster": [HEADER, *make_roster(24)]})
    sheet.write_config()
    assert cli(sheet, "publish", "--date", "2027-01-13", "--week", "2") == 0
    return sheet


def attended(sheet) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {
        r["Student key"]: (r["Attended"], r["Zoom minutes"])
        for r in table(sheet.rows("History"))
        if r["Session"] == W2
    }


def halves(tmp_path: Path) -> tuple[Path, Path]:
    """Zoom's two reports of one session whose host restarted the meeting: each half the joins."""
    lines = REPORT.read_text(encoding="utf-8-sig").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Name (Original Name)"))
    rows = lines[header + 1 :]
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text("\n".join([*lines[: header + 1], *rows[::2]]) + "\n", encoding="utf-8")
    second.write_text("\n".join([*lines[: header + 1], *rows[1::2]]) + "\n", encoding="utf-8")
    return first, second


def test_two_partial_reports_make_one_attendance_at_once_or_one_after_another(
    any_spreadsheet, tmp_path
):
    sheet = published(any_spreadsheet)
    whole = tmp_path / "whole.csv"
    shutil.copy(REPORT, whole)
    day = ["attendance", "--date", "2027-01-13", "--week", "2"]
    assert cli(sheet, *day, "--zoom", str(whole)) == 0
    expected = attended(sheet)
    first, second = halves(tmp_path)

    assert (
        main(
            [*sheet.args, "unpublish", "--date", "2027-01-13", "--week", "2"], session=sheet.session
        )
        == 0
    )
    assert cli(sheet, "publish", "--date", "2027-01-13", "--week", "2") == 0
    assert (
        main(
            [*sheet.args, *day, "--zoom", str(first), "--zoom", str(second)], session=sheet.session
        )
        == 0
    )
    assert {k: v[0] for k, v in attended(sheet).items()} == {k: v[0] for k, v in expected.items()}

    assert (
        main(
            [*sheet.args, "unpublish", "--date", "2027-01-13", "--week", "2"], session=sheet.session
        )
        == 0
    )
    assert cli(sheet, "publish", "--date", "2027-01-13", "--week", "2") == 0
    assert cli(sheet, *day, "--zoom", str(first)) == 0
    assert cli(sheet, *day, "--zoom", str(second)) == 0
    assert cli(sheet, *day, "--zoom", str(second)) == 0  # the same report again
    assert {k: v[0] for k, v in attended(sheet).items()} == {k: v[0] for k, v in expected.items()}
    minutes = attended(sheet)["student000@example.edu"][1]
    assert minutes == "13"  # 6 + 7 minutes over its two joins, one in each report


def test_another_week_s_report_is_refused_unless_any_date(any_spreadsheet, tmp_path, capsys):
    sheet = published(any_spreadsheet)
    other = tmp_path / "other-week.csv"
    other.write_text(
        REPORT.read_text(encoding="utf-8-sig").replace("01/13/2027", "01/27/2027"),
        encoding="utf-8",
    )
    before = everything(sheet)
    day = ["attendance", "--date", "2027-01-13", "--week", "2", "--zoom", str(other)]
    assert cli(sheet, *day) == 3
    err = capsys.readouterr().err
    assert "holds joins on 2027-01-27, none on 2027-01-13" in err
    assert everything(sheet) == before
    assert cli(sheet, *day, "--any-date") == 0


def test_repeated_absent_flags_add_up(any_spreadsheet):
    sheet = published(any_spreadsheet)
    names = sorted(groups_of(sheet.rows(f"{W2} Groups") or []))[:2]
    day = ["attendance", "--date", "2027-01-13", "--week", "2"]
    assert cli(sheet, *day, "--absent", names[0], "--absent", names[1]) == 0
    rows = [r for r in table(sheet.rows("History")) if r["Attended"] == "no"]
    assert sorted(r["Name"] for r in rows) == names
