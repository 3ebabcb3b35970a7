"""The record stays true through the day of a session (issue 19), through the CLI, on local
workbooks and on the fake Google Sheets: a stale students' tab never wins over the record,
staff edits are kept in it, day-of paths count who is present, History rows change in place,
students are told apart by key, the report counts who met as grouping does."""

from __future__ import annotations

import csv

import openpyxl
import pytest

from mixitup.cli import main
from mixitup.history import read_history
from mixitup.models import Snapshot
from tests.fake_sheets import server_error
from tests.helpers import (
    HEADER,
    STUDENTS_ID,
    W2,
    W4,
    Two,
    append_row,
    cli,
    groups_of,
    make_roster,
    read_tab,
    table,
    type_in,
)

DAY2 = ["--date", "2027-01-13", "--week", "2"]
DAY4 = ["--date", "2027-01-27", "--week", "4"]
CALENDAR = "[groups]\nsize = 5\n\n[calendar]\nmodule_starts = [2027-01-04]\n"


def recorded(rows: list[list[str]], label: str = W2) -> dict[str, dict[str, str]]:
    """Name -> that student's History row of `label`, as header -> cell."""
    return {r["Name"]: r for r in table(rows) if r["Session"] == label and r["Name"]}


def shown(rows: list[list[str]]) -> dict[str, tuple[str, str]]:
    """Name -> (group, role) as a groups tab shows them."""
    return {r["Name"]: (r["Group"], r.get("Role", "")) for r in table(rows) if r["Name"]}


def break_students_sheet(two: Two) -> None:
    """The students' next write fails: open in Excel, or Google answering 503 every time."""
    if two.google is None:
        (two.folder / "~$students.xlsx").write_bytes(b"\x03Ann")
    else:
        two.google.fake.fail(
            "batchUpdate", *[server_error(503, retry_after="0")] * 6, spreadsheet_id=STUDENTS_ID
        )


def mend_students_sheet(two: Two) -> None:
    (two.folder / "~$students.xlsx").unlink(missing_ok=True)


def add_to_roster(two: Two, *cells: str) -> None:
    rows = two.staff()["Roster"]
    for column, value in enumerate(cells, 1):
        two.edit_staff("Roster", len(rows) + 1, column, value)


# -- 1. A stale students' tab never wins over the record -----------------------------------------


def test_a_students_tab_left_behind_by_a_failed_write_is_rewritten_from_the_record(two, capsys):
    two.seed(30)
    assert two.cli("publish", *DAY2) == 0
    old = shown(two.students()[f"{W2} Groups"])
    add_to_roster(two, "Late Comer", "late@example.edu", "BE", "Mod 4", "x")  # new groups, then
    break_students_sheet(two)

    assert two.cli("publish", *DAY2, "--force") == 4

    err = capsys.readouterr().err
    assert "The record in the staff spreadsheet" in err
    assert "was written, but the students' spreadsheet" in err
    assert "The next `mixitup run` writes it there from the record" in err
    record = {n: r["Group"] for n, r in recorded(two.staff()["History"]).items()}
    assert len(record) == 31
    assert shown(two.students()[f"{W2} Groups"]) == old  # what students still see
    break_students_sheet(two)  # still open in Excel: the repair fails too, the record stands
    assert two.cli("run", "--today", "2027-01-11") == 4
    err = capsys.readouterr().err
    assert "could not be written (the record in the staff spreadsheet" in err
    assert "was written" not in err
    mend_students_sheet(two)
    assert two.cli("status", "--today", "2027-01-11") == 0
    assert f"does not show {W2} as the staff record has it" in capsys.readouterr().out

    assert two.cli("run", "--today", "2027-01-11") == 0

    after = {n: r["Group"] for n, r in recorded(two.staff()["History"]).items()}
    assert after == record  # the old tab was not read as staff moves
    assert {n: g for n, (g, _) in shown(two.students()[f"{W2} Groups"]).items()} == record


def test_a_rebalance_whose_students_write_fails_still_prints_the_moves(two, capsys):
    two.seed(40)  # 8 rooms of 5
    assert two.cli("publish", *DAY2) == 0
    room = groups_of(two.students()[f"{W2} Groups"])
    away = sorted(n for n, g in room.items() if g == "1")[:3]
    break_students_sheet(two)
    capsys.readouterr()

    assert two.cli("rebalance", *DAY2, "--absent", *away) == 4

    out, err = capsys.readouterr()
    assert "Paste into the Zoom chat:" in out
    assert "-> join room" in out
    assert "was written, but the students' spreadsheet" in err
    assert "Nothing was written" not in err.split("was not:")[0]
    absent = {n for n, r in recorded(two.staff()["History"]).items() if r["Attended"] == "no"}
    assert absent == set(away)


# -- 2. Staff edits in the students' spreadsheet are kept, once, in the record -------------------


def test_a_move_and_a_lead_change_in_the_students_tab_go_into_the_history(two):
    two.seed(30)
    assert two.cli("publish", *DAY2) == 0
    title = f"{W2} Groups"
    rows = two.students()[title]
    by_name = {r[1]: (i, [*r, "", "", ""]) for i, r in enumerate(rows[1:], 2)}
    mover = next(n for n, (_, r) in by_name.items() if r[0] == "1" and r[4] != "Lead")
    lead = next(n for n, (_, r) in by_name.items() if r[0] == "2" and r[4] == "Lead")
    heir = next(n for n, (_, r) in by_name.items() if r[0] == "2" and r[4] != "Lead")
    two.edit_students(title, by_name[mover][0], 1, 3)
    two.edit_students(title, by_name[lead][0], 5, "")
    two.edit_students(title, by_name[heir][0], 5, "lead")

    assert two.cli("run", "--today", "2027-01-12") == 0

    history = recorded(two.staff()["History"])
    assert history[mover]["Group"] == "3"
    assert (history[lead]["Role"], history[heir]["Role"]) == ("", "Lead")
    expected = shown(two.students()[title])
    assert expected[mover] == ("3", "")
    assert expected[heir] == ("2", "Lead")
    two.delete_students_tab(title)  # the students' file lost: the record has the edits
    assert two.cli("run", "--today", "2027-01-12") == 0
    assert shown(two.students()[title]) == expected


def test_an_edit_of_a_past_sessions_tab_is_recorded_once_and_never_warned_about_after(two, capsys):
    """A past session's tab is not rewritten, so it keeps its old stamp: once its edit is in
    the record, the tab agrees with the record and is no edit to keep apart."""
    two.seed(30)
    assert two.cli("publish", *DAY2) == 0
    title = f"{W2} Groups"
    rows = two.students()[title]
    row, mover = next((i, r[1]) for i, r in enumerate(rows[1:], 2) if r[0] == "1")
    two.edit_students(title, row, 1, 3)
    assert two.cli("run", "--today", "2027-01-20") == 0  # after the session
    assert recorded(two.staff()["History"])[mover]["Group"] == "3"
    capsys.readouterr()

    assert two.cli("run", "--today", "2027-01-20") == 0

    assert "was edited" not in capsys.readouterr().err
    assert recorded(two.staff()["History"])[mover]["Group"] == "3"


# -- 3. Day-of paths count who is present ---------------------------------------------------------


def test_a_late_joiner_after_a_rebalance_never_goes_alone_into_the_emptied_room(any_spreadsheet):
    sheet = any_spreadsheet
    sheet.seed({"Roster": [HEADER, *make_roster(40)]})
    sheet.write_config(CALENDAR)
    assert cli(sheet, "run", "--today", "2027-01-11") == 0
    room = groups_of(sheet.rows(f"{W2} Groups") or [])
    emptied = sorted(n for n, g in room.items() if g == "1")[:4]  # one present left in room 1
    assert cli(sheet, "rebalance", *DAY2, "--absent", *emptied) == 0
    after = groups_of(sheet.rows(f"{W2} Groups") or [])
    assert {after[n] for n in room if room[n] == "1" and n not in emptied} != {"1"}
    append_row(sheet, "Roster", ["Zed Late", "zed@example.edu", "BE", "Mod 4", "z", ""])

    assert cli(sheet, "run", "--today", "2027-01-12") == 0

    rows = shown(sheet.rows(f"{W2} Groups") or [])
    assert rows["Zed Late"][0] != "1"


# -- 4. History rows are changed in place ---------------------------------------------------------


def test_attendance_and_rebalance_keep_staff_columns_and_rows_they_do_not_own(any_spreadsheet):
    sheet = any_spreadsheet
    sheet.seed({"Roster": [HEADER, *make_roster(40)]})
    sheet.write_config("[groups]\nsize = 5\n")
    assert cli(sheet, "publish", *DAY2) == 0
    sheet.edit("History", "insert column")
    type_in(sheet, "History", 1, 1, "Staff note")
    history = sheet.rows("History") or []
    for row in range(2, len(history) + 1):
        type_in(sheet, "History", row, 1, f"note {row}")
    type_in(sheet, "History", len(history) + 1, 1, "called the parents")
    type_in(sheet, "History", len(history) + 1, 2, W2)  # a row of the session, not mixitup's
    room = groups_of(sheet.rows(f"{W2} Groups") or [])
    away = sorted(n for n, g in room.items() if g == "1")[:3]

    assert cli(sheet, "attendance", *DAY2, "--absent", away[0]) == 0
    assert cli(sheet, "rebalance", *DAY2, "--absent", *away) == 0

    after = sheet.rows("History") or []
    assert [r[0] for r in after] == [
        "Staff note",
        *(f"note {row}" for row in range(2, len(history) + 1)),
        "called the parents",
    ]
    assert after[-1][:2] == ["called the parents", W2]
    rows = recorded(after)
    assert {n for n, r in rows.items() if r["Attended"] == "no"} == set(away)
    assert {n: r["Group"] for n, r in rows.items()} == groups_of(sheet.rows(f"{W2} Groups") or [])


def test_a_second_rebalance_keeps_the_first_ones_absentees_and_present_takes_one_back(
    any_spreadsheet, capsys
):
    sheet = any_spreadsheet
    sheet.seed({"Roster": [HEADER, *make_roster(40)]})
    sheet.write_config("[groups]\nsize = 5\n")
    assert cli(sheet, "publish", *DAY2) == 0
    room = groups_of(sheet.rows(f"{W2} Groups") or [])
    away = sorted(n for n, g in room.items() if g == "3")[:2]
    assert cli(sheet, "rebalance", *DAY2, "--absent", *away) == 0
    capsys.readouterr()
    assert cli(sheet, "rebalance", *DAY2, "--absent", away[0]) == 0
    assert f"Still absent, as marked before: {away[1]}" in capsys.readouterr().out
    rows = recorded(sheet.rows("History") or [])
    assert {n for n, r in rows.items() if r["Attended"] == "no"} == set(away)

    assert cli(sheet, "rebalance", *DAY2, "--present", away[1]) == 0
    out = capsys.readouterr().out  # a mark changed, not the tab students see
    assert "Wrote the record in " in out
    assert "groups tab" not in out
    rows = recorded(sheet.rows("History") or [])
    assert {n for n, r in rows.items() if r["Attended"] == "no"} == {away[0]}


def test_a_rebalance_keeps_absences_attendance_recorded_before_it(any_spreadsheet, capsys):
    """A student who sent word ahead of time was marked with `attendance --absent`: the
    day-of rebalance for someone else counts them absent too, and says so."""
    sheet = any_spreadsheet
    sheet.seed({"Roster": [HEADER, *make_roster(40)]})
    sheet.write_config("[groups]\nsize = 5\n")
    assert cli(sheet, "publish", *DAY2) == 0
    room = groups_of(sheet.rows(f"{W2} Groups") or [])
    first, second = sorted(n for n, g in room.items() if g == "3")[:2]
    assert cli(sheet, "attendance", *DAY2, "--absent", first) == 0
    capsys.readouterr()
    assert cli(sheet, "rebalance", *DAY2, "--absent", second) == 0
    out = capsys.readouterr().out
    assert "2 absent" in out
    assert f"Still absent, as marked before: {first}" in out
    rows = recorded(sheet.rows("History") or [])
    assert {n for n, r in rows.items() if r["Attended"] == "no"} == {first, second}


# -- 5. Students are told apart by key ------------------------------------------------------------


def test_two_students_sharing_a_name_are_both_grouped_exported_and_rebalanced(
    any_spreadsheet, tmp_path
):
    sheet = any_spreadsheet
    roster = [list(r) for r in make_roster(30)]
    roster[1][0] = roster[0][0]  # Student 000 twice: two people, two emails
    sheet.seed({"Roster": [HEADER, *roster]})
    sheet.write_config(CALENDAR)
    assert cli(sheet, "run", "--today", "2027-01-11") == 0
    append_row(sheet, "Roster", ["Zed Late", "zed@example.edu", "BE", "Mod 4", "z", ""])

    assert cli(sheet, "run", "--today", "2027-01-12") == 0  # not blocked by namesakes

    assert "Zed Late" in groups_of(sheet.rows(f"{W2} Groups") or [])
    out = tmp_path / "zoom.csv"
    assert cli(sheet, "export", "zoom", *DAY2, "-o", str(out)) == 0
    emails = {r["Email Address"] for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert {"student000@example.edu", "student001@example.edu"} <= emails
    other = next(n for n in groups_of(sheet.rows(f"{W2} Groups") or []) if n.endswith("010"))
    assert cli(sheet, "rebalance", *DAY2, "--absent", other) == 0


# -- 6. The report counts who met as grouping does ------------------------------------------------


def test_the_report_merges_a_changed_email_and_counts_a_staff_move(make_workbook, tmp_path):
    path = make_workbook(students=20)
    args = ["--workbook", str(path)]
    assert main([*args, "publish", *DAY2]) == 0
    book = openpyxl.load_workbook(path)
    book["Roster"]["B2"] = "new.address@example.edu"  # Student 000's email changed
    book.save(path)
    assert main([*args, "publish", *DAY4]) == 0
    assert main([*args, "report", "--today", "2027-03-01", "--csv", str(tmp_path / "out")]) == 0
    with (tmp_path / "out" / "students.csv").open(encoding="utf-8") as handle:
        students = [r for r in csv.DictReader(handle) if r["name"] == "Student 000"]
    assert [(s["student key"], s["sessions grouped"]) for s in students] == [
        ("new.address@example.edu", "2")
    ]
    mates: set[str] = set()
    for label in (W2, W4):
        room = groups_of([[str(c or "") for c in r] for r in read_tab(path, f"{label} Groups")])
        mates |= {n for n, g in room.items() if g == room["Student 000"]}
    assert int(students[0]["distinct people met"]) == len(mates - {"Student 000"})


# -- 7. Honest bounds -----------------------------------------------------------------------------


def test_repeat_pairs_forced_by_few_groups_are_met_not_reported_as_a_failure(make_workbook, capsys):
    path = make_workbook(students=10)  # two groups of five: a second session must repeat 8 pairs
    args = ["--workbook", str(path)]
    (path.parent / "mixitup.toml").write_text("[groups]\nsize = 5\n", encoding="utf-8")
    config = ["--config", str(path.parent / "mixitup.toml"), *args]
    assert main([*config, "publish", *DAY2]) == 0
    capsys.readouterr()
    assert main([*config, "publish", *DAY4]) == 0
    out = capsys.readouterr().out
    assert "repeat pairs: 8 (at least 8 unavoidable) ok" in out
    assert "NOT MET" not in out


# -- 11. A students' spreadsheet holding staff tabs is refused ------------------------------------


def test_a_students_spreadsheet_holding_a_roster_is_refused_and_nothing_is_written(two, capsys):
    two.seed(20)
    if two.google is None:
        book = openpyxl.Workbook()
        book.active.title = "Roster"
        book.active.append(["Name", "Email"])
        book.active.append(["Ann", "ann@example.edu"])
        book.save(two.folder / "students.xlsx")
    else:
        assert two.students_book is not None
        with two.google.fake.lock:
            two.students_book.add("Roster", [["Name", "Email"], ["Ann", "ann@example.edu"]])
    staff = two.staff()

    assert two.cli("publish", *DAY2) == 2

    err = capsys.readouterr().err
    assert 'holds tabs only staff may see: "Roster" (a roster: names with emails' in err
    assert two.staff() == staff


# -- 12. Refuse what would mislead -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "absent"),
    [("n", True), ("FALSE", True), ("Absent", True), ("x", False), ("Present", False)],
)
def test_attended_words_staff_type_are_understood(make_workbook, cell, absent):
    path = make_workbook(students=10)
    args = ["--workbook", str(path)]
    assert main([*args, "publish", *DAY2]) == 0
    book = openpyxl.load_workbook(path)
    history = book["History"]
    column = [c.value for c in history[1]].index("Attended") + 1
    history.cell(2, column, cell)
    book.save(path)
    snapshot = Snapshot(
        ("History",),
        {
            "History": tuple(
                tuple("" if v is None else str(v) for v in r)
                for r in history.iter_rows(values_only=True)
            )
        },
    )
    (entry,) = [e for e in read_history(snapshot).entries if e.row == 2]
    assert entry.attended == ("no" if absent else "yes")


def test_an_attended_cell_that_says_neither_is_a_data_problem_naming_the_cell(
    make_workbook, capsys
):
    path = make_workbook(students=10)
    args = ["--workbook", str(path)]
    assert main([*args, "publish", *DAY2]) == 0
    book = openpyxl.load_workbook(path)
    history = book["History"]
    column = [c.value for c in history[1]].index("Attended") + 1
    history.cell(3, column, "maybe")
    book["Roster"].cell(2, 4, "Mod 9")  # and a roster problem: both are listed at once
    book.save(path)
    assert main([*args, "publish", *DAY4]) == 3
    err = capsys.readouterr().err
    assert "2 problems in the spreadsheet" in err
    assert "History tab \"History\", row 3, column K (Attended): 'maybe' says neither" in err
    assert '"Mod 9" is not a module of this school' in err


def test_status_names_only_active_students_as_absent_lately(make_workbook, capsys):
    path = make_workbook(students=10)
    args = ["--workbook", str(path)]
    assert main([*args, "publish", *DAY2]) == 0
    assert main([*args, "publish", *DAY4]) == 0
    assert main([*args, "attendance", *DAY2, "--absent", "Student 001", "Student 002"]) == 0
    assert main([*args, "attendance", *DAY4, "--absent", "Student 001", "Student 002"]) == 0
    book = openpyxl.load_workbook(path)
    book["Roster"]["F3"] = "Withdrawn"  # Student 001 left the school
    book.save(path)
    capsys.readouterr()
    assert main([*args, "status", "--today", "2027-02-01"]) == 0
    out = capsys.readouterr().out
    assert "Absent from their last two sessions: Student 002" in out
    assert "Student 001" not in out


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        ('[notify]\nwebhook = "https://hooks.example[/abc"\n', "[notify] webhook"),
        ("[groups]\nsize = 4\nmin_present = 5\n", "min_present must be 1 to 4"),
    ],
)
def test_settings_that_would_mislead_later_are_refused_at_once(make_workbook, toml, says, capsys):
    path = make_workbook(students=10)
    config = path.parent / "mixitup.toml"
    config.write_text(f'[spreadsheet]\npath = "{path.name}"\n{toml}', encoding="utf-8")
    assert main(["--config", str(config), "status"]) == 2
    err = capsys.readouterr().err
    assert says in err
    assert "abc" not in err  # a webhook address is a secret, even a broken one


def test_one_spreadsheet_students_open_gets_no_report_tab(make_workbook, tmp_path):
    path = make_workbook(students=10)
    args = ["--workbook", str(path)]
    assert main([*args, "publish", *DAY2]) == 0
    assert main([*args, "report", "--today", "2027-03-01"]) == 0
    assert "Report" not in openpyxl.load_workbook(path).sheetnames


# -- Found in review: the record stays true around a failed second write and stale tabs ---------


def test_an_unpublish_whose_students_write_failed_is_not_undone_by_the_next_run(two, capsys):
    two.seed(20)
    assert two.cli("publish", *DAY2) == 0
    assert two.cli("publish", *DAY4) == 0
    break_students_sheet(two)
    assert two.cli("unpublish", *DAY4) == 4  # the record first; the students' tabs left behind
    assert set(recorded(two.staff()["History"], W4)) == set()
    mend_students_sheet(two)

    assert two.cli("run", "--today", "2027-01-12") == 0

    assert set(recorded(two.staff()["History"], W4)) == set()  # not rebuilt from the tab
    assert f"{W4} Groups" not in two.students()  # the left-behind tabs go
    assert f"{W2} Groups" in two.students()


def test_a_staff_edit_of_a_tab_behind_the_record_is_kept_apart_not_read_over_it(two, capsys):
    two.seed(40)
    assert two.cli("publish", *DAY2) == 0
    room = groups_of(two.students()[f"{W2} Groups"])
    away = sorted(n for n, g in room.items() if g == "1")[:3]
    break_students_sheet(two)
    assert two.cli("rebalance", *DAY2, "--absent", *away) == 4  # the record moved; the tab not
    moved = {n: r["Group"] for n, r in recorded(two.staff()["History"]).items()}
    mend_students_sheet(two)
    title = f"{W2} Groups"
    rows = two.students()[title]
    someone = next(i for i, r in enumerate(rows[1:], 2) if r[1] not in away)
    two.edit_students(title, someone, 5, "Lead")  # staff change a lead in the stale tab
    capsys.readouterr()

    assert two.cli("run", "--today", "2027-01-11") == 0

    assert {n: r["Group"] for n, r in recorded(two.staff()["History"]).items()} == moved
    assert "shows the record as it was before a later change" in capsys.readouterr().err


def test_a_late_joiner_names_a_present_lead_where_the_lead_is_absent(any_spreadsheet):
    sheet = any_spreadsheet
    sheet.seed({"Roster": [HEADER, *make_roster(40)]})
    sheet.write_config(CALENDAR)
    assert cli(sheet, "run", "--today", "2027-01-11") == 0
    leads = {r["Group"]: r["Name"] for r in table(sheet.rows("History")) if r["Role"] == "Lead"}
    assert cli(sheet, "attendance", *DAY2, "--absent", *leads.values()) == 0
    append_row(sheet, "Roster", ["Zed Late", "zed@example.edu", "BE", "Mod 1", "z", ""])

    assert cli(sheet, "run", "--today", "2027-01-12") == 0

    rows = table(sheet.rows("History"))
    zed_group = next(r["Group"] for r in rows if r["Name"] == "Zed Late")
    group_leads = [r for r in rows if r["Group"] == zed_group and r["Role"] == "Lead"]
    assert len(group_leads) == 1
    assert group_leads[0]["Attended"] != "no"


def test_a_broken_prompts_template_stops_before_the_record_is_written(two, capsys):
    two.seed(20)
    assert two.cli("publish", *DAY2) == 0
    history = two.staff()["History"]
    (two.folder / "prompts.toml").write_text("week = 3\n", encoding="utf-8")
    two.config.write_text(
        two.config.read_text() + '\n[prompts]\ntemplate = "prompts.toml"\n', encoding="utf-8"
    )
    someone = next(iter(groups_of(two.students()[f"{W2} Groups"])))
    assert two.cli("rebalance", *DAY2, "--absent", someone) == 2
    assert two.staff()["History"] == history  # nothing written: not the record, then a failure


def test_a_history_row_without_a_group_number_is_a_problem_naming_the_cell(make_workbook, capsys):
    path = make_workbook(students=10)
    args = ["--workbook", str(path)]
    assert main([*args, "publish", *DAY2]) == 0
    book = openpyxl.load_workbook(path)
    history = book["History"]
    column = [c.value for c in history[1]].index("Group") + 1
    history.cell(4, column, "three")
    book.save(path)
    assert main([*args, "publish", *DAY4]) == 3
    assert "History tab \"History\", row 4, column D (Group): 'three'" in capsys.readouterr().err
