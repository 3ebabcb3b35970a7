"""Around the meeting, through the CLI on a local workbook and on the fake Google Sheet:
attendance from Zoom's report or by name, met means both attended, status, and the rebalance."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl

from mixitup.cli import main
from tests.helpers import HEADER, make_roster

DATE, W4_DATE = "2027-01-13", "2027-01-27"
LABEL = f"{DATE} Week 2"
GROUPS = f"{LABEL} Groups"
REPORT = Path(__file__).parent / "data" / "zoom-participants.csv"
ZOOM_COLUMNS = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest"


def published(sheet, students: int = 24, config: str = ""):
    sheet.seed({"Roster": [HEADER, *make_roster(students)]})
    sheet.write_config(config)
    assert main([*sheet.args, "publish", "--date", DATE, "--week", "2"], session=sheet.session) == 0
    return sheet


def history(sheet, label: str = LABEL) -> dict[str, dict[str, str]]:
    """Student key -> that student's History row for `label`, by column name."""
    rows = sheet.rows("History") or []
    header = rows[0]
    found = {}
    for row in rows[1:]:
        cells = dict(zip(header, [*row, *[""] * len(header)], strict=False))
        if cells["Session"] == label:
            found[cells["Student key"]] = cells
    return found


def everything(sheet) -> dict[str, list[list[str]] | None]:
    return {title: sheet.rows(title) for title in sheet.titles()}


def writes(sheet) -> int:
    return sheet.google.writes() if sheet.google is not None else sheet.workbook.stat().st_mtime_ns


def attendance(sheet, *extra: str) -> int:
    return main(
        [*sheet.args, "attendance", "--date", DATE, "--week", "2", *extra], session=sheet.session
    )


def rebalance(sheet, *extra: str) -> int:
    return main(
        [*sheet.args, "rebalance", "--date", DATE, "--week", "2", *extra], session=sheet.session
    )


def test_a_zoom_report_records_who_attended_once_and_lists_who_matched_nobody(
    any_spreadsheet, tmp_path, capsys
):
    sheet = published(any_spreadsheet)
    report = tmp_path / "participants.csv"
    shutil.copy(REPORT, report)
    capsys.readouterr()
    assert attendance(sheet, "--zoom", str(report)) == 0
    rows = history(sheet)
    attended = {key for key, row in rows.items() if row["Attended"] == "yes"}
    absent = {key for key, row in rows.items() if row["Attended"] == "no"}
    # 000 rejoined (6 + 7 minutes), 002 renamed and signed out, 003 emails in capitals, 004
    # signed out in lower case; 001 stayed 8 minutes; 020-023 never came.
    assert attended == {f"student{i:03d}@example.edu" for i in (0, *range(2, 20))}
    assert absent == {f"student{i:03d}@example.edu" for i in (1, 20, 21, 22, 23)}
    out = capsys.readouterr().out
    assert f"{LABEL}: 19 attended (at least 10 minutes), 5 absent, 0 not recorded." in out
    assert "Recorded in the History" in out
    assert "24 changed" in out
    assert "  Careers Staff <careers@school.example>, 72 min" in out
    assert "  iPhone de Ana, 35 min" in out
    assert "  Visiting Mentor (Jo Park) <jo.park@mentors.example>, 47 min" in out
    assert "Student 0" not in out.split("matched")[-1].split("host")[-1]  # no student listed
    before, stamp = everything(sheet), writes(sheet)
    assert attendance(sheet, "--zoom", str(report)) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert (everything(sheet), writes(sheet)) == (before, stamp)


def test_staff_mark_by_name_or_email_and_a_hand_edit_of_attended_is_kept(any_spreadsheet, capsys):
    sheet = published(any_spreadsheet)
    assert attendance(sheet, "--absent", "student 005", "STUDENT006@example.edu") == 0
    rows = history(sheet)
    assert rows["student005@example.edu"]["Attended"] == "no"
    assert rows["student006@example.edu"]["Attended"] == "no"
    assert rows["student007@example.edu"]["Attended"] == ""  # nobody else is touched
    assert attendance(sheet, "--present", "Student 005") == 0
    rows = history(sheet)
    assert rows["student005@example.edu"]["Attended"] == "yes"
    assert rows["student006@example.edu"]["Attended"] == "no"
    # The published-at stamp and seed of the rewritten rows are kept.
    assert {r["Seed"] for r in rows.values()} == {"2027"}
    assert len({r["Published at"] for r in rows.values()}) == 1


def test_unknown_names_are_all_listed_and_nothing_is_written(any_spreadsheet, capsys):
    sheet = published(any_spreadsheet)
    before = everything(sheet)
    capsys.readouterr()
    assert attendance(sheet, "--absent", "Student 001", "Nobody Here", "who@else.edu") == 3
    err = capsys.readouterr().err
    assert "not grouped in 2027-01-13 Week 2: Nobody Here, who@else.edu" in err
    assert rebalance(sheet, "--absent", "Ghost Person") == 3
    assert "Ghost Person" in capsys.readouterr().err
    assert everything(sheet) == before


def test_a_file_that_is_not_a_report_and_an_unpublished_session_are_exit_3(
    any_spreadsheet, tmp_path, capsys
):
    sheet = published(any_spreadsheet)
    before = everything(sheet)
    wrong = tmp_path / "zoom.csv"
    export = ["export", "zoom", "--date", DATE, "--week", "2", "-o", str(wrong)]
    assert main([*sheet.args, *export], session=sheet.session) == 0
    capsys.readouterr()
    assert attendance(sheet, "--zoom", str(wrong)) == 3
    err = capsys.readouterr().err
    assert "is not a Zoom meeting participants report" in err
    assert "Pre-assign Room Name, Email Address" in err  # what it found
    assert "Duration (Minutes)" in err  # what it expected
    code = main(
        [*sheet.args, "attendance", "--date", "2027-02-03", "--week", "2", "--absent", "x"],
        session=sheet.session,
    )
    assert code == 3
    assert "2027-02-03 Week 2 is not published" in capsys.readouterr().err
    assert everything(sheet) == before


def test_status_names_students_absent_from_their_last_two_sessions(any_spreadsheet, capsys):
    sheet = published(any_spreadsheet)
    assert (
        main([*sheet.args, "publish", "--date", W4_DATE, "--week", "4"], session=sheet.session) == 0
    )
    assert attendance(sheet, "--absent", "Student 003", "Student 009") == 0
    w4 = ["attendance", "--date", W4_DATE, "--week", "4"]
    assert (
        main([*sheet.args, *w4, "--absent", "Student 003", "Student 011"], session=sheet.session)
        == 0
    )
    capsys.readouterr()
    assert main([*sheet.args, "status", "--today", "2027-01-28"], session=sheet.session) == 0
    out = capsys.readouterr().out
    assert "Absent from their last two sessions: Student 003\n" in out


def test_rebalance_fills_a_short_room_moving_one_person_and_prints_it_for_the_chat(
    any_spreadsheet, capsys
):
    sheet = published(any_spreadsheet, students=36)  # 6 rooms of 6
    tab = sheet.rows(GROUPS)
    room = {r[1]: int(r[0]) for r in tab[1:]}
    first = sorted(n for n, g in room.items() if g == 1)
    away = first[:4]  # room 1 keeps 2 present
    capsys.readouterr()
    assert rebalance(sheet, "--absent", *away) == 0
    out = capsys.readouterr().out
    after = {r[1]: int(r[0]) for r in sheet.rows(GROUPS)[1:]}
    moved = {n for n in room if room[n] != after[n]}
    assert len(moved) == 1  # one move: filling room 1 beats emptying it (two moves)
    (name,) = moved
    assert after[name] == 1
    assert f"Room {room[name]} -> join room 1: {name}" in out
    assert "Paste into the Zoom chat:" in out
    rows = history(sheet)
    by_name = {r["Name"]: r for r in rows.values()}
    assert by_name[name]["Group"] == "1"
    assert {n for n, r in by_name.items() if r["Attended"] == "no"} == set(away)
    present_in_1 = [n for n, g in after.items() if g == 1 and n not in away]
    assert len(present_in_1) == 3
    # Room 1 has a present lead, and every room has exactly one.
    leads = [r for r in sheet.rows(GROUPS)[1:] if r[4:] == ["Lead"]]
    assert sorted(int(r[0]) for r in leads) == list(range(1, 7))
    assert not {r[1] for r in leads} & set(away)
    assert {r["Name"] for r in rows.values() if r["Role"] == "Lead"} == {r[1] for r in leads}
    before, stamp = everything(sheet), writes(sheet)
    assert rebalance(sheet, "--absent", *away) == 0
    assert "0 moved" in capsys.readouterr().out
    assert (everything(sheet), writes(sheet)) == (before, stamp)


def write_tab(sheet, title: str, rows: list[tuple[str, ...]]) -> None:
    """Staff add a whole tab by hand (a Keep apart tab after publishing, say)."""
    if sheet.google is not None:
        sheet.google.seed(title, rows)
        return
    book = openpyxl.load_workbook(sheet.workbook)
    tab = book.create_sheet(title)
    for row in rows:
        tab.append(row)
    book.save(sheet.workbook)


def zoom_report(path: Path, rows: list[tuple[str, str, str, str, float]]) -> Path:
    """A participants report as Zoom exports it: (name, email, join, leave, minutes) rows."""
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(ZOOM_COLUMNS.split(","))
        writer.writerows([*row, "No"] for row in rows)
    return path


def test_rebalance_through_the_cli_never_brings_keep_apart_partners_together(any_spreadsheet):
    """Staff keep the two people left in room 1 apart from everyone in rooms 2-6 but one:
    that one is the only person who can come in, so it is them."""
    sheet = published(any_spreadsheet, students=30, config="[groups]\nsize = 5\n")  # 6 rooms
    tab = sheet.rows(GROUPS)
    room = {r[1]: int(r[0]) for r in tab[1:]}
    leads = {r[1] for r in tab[1:] if r[4:] == ["Lead"]}
    away = sorted(n for n, g in room.items() if g == 1 and n not in leads)[:3]
    present = [n for n, g in room.items() if g == 1 and n not in away]
    others = sorted(n for n, g in room.items() if g != 1)
    allowed = max(n for n in others if room[n] == 6 and n not in leads)
    apart = [(p, n) for p in present for n in others if n != allowed]
    write_tab(sheet, "Keep apart", [("Student", "Kept apart from"), *apart])

    assert rebalance(sheet, "--absent", *away) == 0

    after = {r[1]: int(r[0]) for r in sheet.rows(GROUPS)[1:]}
    assert {n for n in room if room[n] != after[n]} == {allowed}
    assert after[allowed] == 1
    assert [(a, b) for a, b in apart if after[a] == after[b]] == []


def test_rebalance_with_a_report_taken_minutes_into_the_meeting_counts_everyone_in_it(
    any_spreadsheet, tmp_path, capsys
):
    """Minutes in, nobody has spent [attendance] min_minutes yet: being in the report at all
    means present; its joins fall on the session's date, so it is not refused."""
    sheet = published(any_spreadsheet, students=36)  # six rooms of six
    tab = sheet.rows(GROUPS)
    room = {r[1]: int(r[0]) for r in tab[1:]}
    away = sorted(n for n, g in room.items() if g == 1)[:4]  # room 1 keeps two
    came = [n for n in sorted(room) if n not in away]
    rows = [
        (
            name,
            f"student{name[-3:]}@example.edu",
            f"01/13/2027 11:5{i % 10}:0{i % 7} AM",
            "01/13/2027 12:02:00 PM",
            i % 4,  # 0 to 3 minutes so far
        )
        for i, name in enumerate(came)
    ]
    report = zoom_report(tmp_path / "participants_so_far.csv", rows)
    capsys.readouterr()

    assert rebalance(sheet, "--zoom", str(report)) == 0

    assert f"{LABEL}: 4 absent, 1 moved." in capsys.readouterr().out
    assert {k for k, r in history(sheet).items() if r["Attended"] == "no"} == {
        f"student{n[-3:]}@example.edu" for n in away
    }
    after = {r[1]: int(r[0]) for r in sheet.rows(GROUPS)[1:]}
    assert len([n for n, g in after.items() if g == 1 and n not in away]) == 3


def test_attendance_follows_a_configured_min_minutes_to_the_minute(
    any_spreadsheet, tmp_path, capsys
):
    sheet = published(any_spreadsheet)
    sheet.write_config("[attendance]\nmin_minutes = 15\n")
    at = "01/13/2027 12:00:00 PM"
    rows = [
        ("Student 000", "student000@example.edu", at, at, 15),
        ("Student 001", "student001@example.edu", at, at, 14.99),
        ("Student 002", "student002@example.edu", at, at, 10),  # enough at the default only
    ]
    report = zoom_report(tmp_path / "participants.csv", rows)
    capsys.readouterr()

    assert attendance(sheet, "--zoom", str(report)) == 0

    assert "1 attended (at least 15 minutes)" in capsys.readouterr().out
    rows = history(sheet)
    marks = [rows[f"student00{i}@example.edu"]["Attended"] for i in range(3)]
    assert marks == ["yes", "no", "no"]
