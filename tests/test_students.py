"""Two spreadsheets: the staff one keeps the record, the students' one only groups and prompts.

Every test runs through the CLI on local workbooks and on the fake Google Sheets (two
spreadsheets there, real requests and google-auth).
"""

from __future__ import annotations

import datetime as dt
import itertools

import openpyxl
import pytest

from mixitup import layout
from mixitup.cli import main
from mixitup.config import load_config
from mixitup.history import read_history
from mixitup.models import Session, Snapshot
from mixitup.prompts import load_prompts, meeting_of
from mixitup.render import prompts_tab
from mixitup.students import HOW_TO as HOW_TO_LINES
from tests.fake_sheets import server_error
from tests.fake_sheets.spreadsheet import typed
from tests.helpers import (
    EDITOR,
    HEADER,
    HOW_TO,
    STUDENTS_ID,
    W2,
    W4,
    Two,
    groups_of,
    history_counts,
    make_roster,
    sheet_look,
    workbook_look,
    write_workbook,
)


def test_publish_writes_the_record_to_staff_and_only_groups_and_prompts_to_students(two):
    two.seed(40)

    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 0
    assert two.cli("publish", "--date", "2027-01-27", "--week", "4") == 0

    staff, students = two.staff(), two.students()
    assert [t for t in staff if "Groups" in t or "Prompts" in t] == []
    assert history_counts(staff) == {W2: 40, W4: 40}
    assert list(students) == [
        HOW_TO,
        f"{W4} Groups",
        f"{W4} Prompts",
        f"{W2} Groups",
        f"{W2} Prompts",
    ]
    cells = [v for rows in students.values() for r in rows for v in r]
    assert not [v for v in cells if "@" in v or v.startswith("24")]  # no email, no cohort
    assert students[f"{W2} Groups"][0] == ["Group", "Name", "Program", "Module", "Role"]
    assert len(students[f"{W2} Groups"]) == 41
    assert two.hidden() == []
    protected = two.protected()
    assert set(protected) == set(students)
    if two.google is not None:
        assert all(users == [two.google.client_email, EDITOR] for users in protected.values())


def test_on_google_a_publish_costs_one_read_and_one_write_per_spreadsheet_and_a_rerun_none(
    google_two,
):
    two = google_two
    assert two.google is not None
    two.seed(60)
    two.google.fake.forget_calls()

    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 0
    assert two.counts() == (1, 1, 1, 1)
    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 0
    assert two.counts() == (2, 1, 2, 1)  # the rerun read each once, wrote nothing
    assert two.cli("run", "--today", "2027-01-12") == 0
    assert two.counts() == (3, 1, 3, 1)


def test_a_rerun_writes_nothing_to_either_workbook(tmp_path):
    two = Two("xlsx", tmp_path)
    two.seed(30)
    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 0
    before = two.files()

    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 0
    assert two.cli("run", "--today", "2027-01-12") == 0

    assert two.files() == before


def test_staff_moves_and_typed_in_students_in_the_students_tab_count_as_who_met(two):
    two.seed(30)
    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 0
    rows = two.students()[f"{W2} Groups"]
    moved = rows[1][1]
    other = next(r[0] for r in rows[1:] if r[0] != rows[1][0])
    two.edit_students(f"{W2} Groups", 2, 1, int(other))
    two.edit_students(f"{W2} Groups", len(rows) + 1, 1, int(other))
    two.edit_students(f"{W2} Groups", len(rows) + 1, 2, "Walk In")
    two.edit_students(f"{W2} Groups", len(rows) + 1, 3, "BE")
    two.edit_students(f"{W2} Groups", len(rows) + 1, 4, "Mod 4")

    assert two.cli("publish", "--date", "2027-01-27", "--week", "4") == 0

    staff = two.staff()
    snapshot = Snapshot(tuple(staff), {t: tuple(map(tuple, r)) for t, r in staff.items()})
    history = read_history(snapshot)
    week2 = history.groups_of(
        next(s for s in map(_session, [W2]) if s is not None)
    )  # as the record holds it
    assert any("walk in" in keys for keys in week2.values())  # recorded from the students' tab
    mates = {
        frozenset((a, b))
        for n, keys in history.groups_of(_session(W4)).items()
        for a in keys
        for b in keys
        if a < b
    }
    students_w2 = groups_of(two.students()[f"{W2} Groups"])
    assert students_w2[moved] == other  # the move stays as staff made it
    assert students_w2["Walk In"] == other
    moved_key = next(r[4] for r in staff["History"][1:] if r[5] == moved and r[0] == W2)
    with_moved = [
        k for r in staff["History"][1:] if r[0] == W2 and r[3] == other and (k := r[4]) != moved_key
    ]
    # Week 4 keeps the moved student apart from the group they really met in week 2.
    assert not any(frozenset((moved_key, k)) in mates for k in with_moved)


def _session(label: str):  # type: ignore[no-untyped-def]
    from mixitup.layout import parse_label

    return parse_label(label)


def test_a_tab_deleted_by_hand_is_republished_from_the_record_and_status_says_so(two, capsys):
    two.seed(30)
    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 0
    before = two.students()
    record = two.staff()["History"]
    two.delete_students_tab(f"{W2} Groups")
    capsys.readouterr()

    assert two.cli("status", "--today", "2027-01-11") == 0
    assert f"Out of step: the students' spreadsheet does not show {W2} as the staff record" in (
        capsys.readouterr().out
    )
    assert two.cli("run", "--today", "2027-01-11") == 0

    assert two.students() == before  # the same groups, in the same place
    assert two.staff()["History"] == record  # nothing recomputed
    assert two.cli("status", "--today", "2027-01-11") == 0
    assert "Out of step" not in capsys.readouterr().out


def staff_change(two: Two, title: str, how: str) -> None:
    """Staff unprotect, hide or delete a tab of the students' spreadsheet by hand."""
    if two.google is None:
        path = two.folder / "students.xlsx"
        book = openpyxl.load_workbook(path)
        if how == "unprotect":
            book[title].protection.sheet = False
        elif how == "hide":
            book[title].sheet_state = "hidden"
        else:
            del book[title]
        book.save(path)
        return
    assert two.students_book is not None
    with two.google.fake.lock:
        sheet = two.students_book.sheet(title)
        assert sheet is not None
        if how == "unprotect":
            sheet.protected_ranges = []
        elif how == "hide":
            sheet.hidden = True
        else:
            two.students_book.delete_sheet(sheet)


@pytest.mark.parametrize(
    ("how", "title"),
    [("unprotect", f"{W2} Groups"), ("hide", f"{W2} Prompts"), ("delete", f"{W2} Groups")],
)
def test_on_the_session_day_before_it_starts_run_repairs_a_tab_staff_changed(two, how, title):
    two.seed(30)
    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 0
    before, protected = two.students(), two.protected()
    staff_change(two, title, how)
    assert (two.students(), two.protected(), two.hidden()) != (before, protected, [])

    assert two.cli("run", "--today", "2027-01-13T09:00") == 0  # the rooms open at 12:00

    assert (two.students(), two.protected(), two.hidden()) == (before, protected, [])


def test_the_students_cells_hold_only_groups_roster_names_programs_modules_and_the_texts(two):
    """An allow-list: whatever else staff keep about a student (email, status, cohort, notes,
    keep-apart pairs), no cell of the students' spreadsheet shows it."""
    header = (*HEADER, "Notes")
    rows = [
        (*r[:5], "Active" if i % 2 else "", f"note {i}: call first")
        for i, r in enumerate(make_roster(30))
    ]
    rows[7] = (*rows[7][:5], "Withdrawn", "moved away")
    apart = [("Student 001", "student002@example.edu", "a reason staff keep")]
    if two.google is None:
        write_workbook(two.folder / "staff.xlsx", {"Roster": [header, *rows], "Keep apart": apart})
    else:
        two.google.seed("Roster", [list(header), *map(list, rows)])
        two.google.seed("Keep apart", [list(r) for r in apart])
    two.write_config(with_students=True)
    sessions = [Session(dt.date(2027, 1, 13), 2), Session(dt.date(2027, 1, 27), 4)]
    for session in sessions:
        args = ["--date", session.date.isoformat(), "--week", str(session.week)]
        assert two.cli("publish", *args) == 0

    config = load_config(str(two.config))
    active = [r for r in rows if r[5] != "Withdrawn"]
    allowed = {"", layout.LEAD, *layout.GROUPS_HEADER, *(str(n) for n in range(1, 31))}
    allowed |= {r[0] for r in active} | {r[2] for r in active} | {r[3] for r in active}
    allowed |= {line.format(team=config.team) for line in HOW_TO_LINES}
    for session in sessions:
        prompts = load_prompts(session.week, config.zoom, config.prompts_template)
        tab = prompts_tab(session, prompts, meeting_of(config, session))
        allowed |= {str(cell) for row in tab.rows for cell in row}

    students = two.students()
    assert len(students) == 5
    shown = {(title, cell) for title, tab in students.items() for row in tab for cell in row}
    assert {(title, cell) for title, cell in shown if cell not in allowed} == set()
    assert "Student 007" not in {cell for _, cell in shown}  # withdrawn: not grouped


def test_adding_students_later_publishes_every_session_still_to_come_without_recomputing(two):
    two.seed(30)
    two.write_config(with_students=False)
    for date, week in (("2027-01-13", "2"), ("2027-01-27", "4")):
        assert two.cli("publish", "--date", date, "--week", week) == 0
    single = two.staff()
    two.write_config(with_students=True)

    assert two.cli("run", "--today", "2027-01-20") == 0  # week 2 has taken place

    students = two.students()
    assert list(students) == [HOW_TO, f"{W4} Groups", f"{W4} Prompts"]
    assert groups_of(students[f"{W4} Groups"]) == groups_of(single[f"{W4} Groups"])
    assert two.staff()["History"] == single["History"]


def test_a_late_joiner_lands_in_the_students_tab_and_the_staff_record(two):
    two.seed(30)
    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 0
    if two.google is None:
        book = openpyxl.load_workbook(two.folder / "staff.xlsx")
        book["Roster"].append(["Late Comer", "late@example.edu", "BE", "Mod 4", "x", ""])
        book.save(two.folder / "staff.xlsx")
    else:
        with two.google.fake.lock:
            sheet = two.google.book.sheet("Roster")
            assert sheet is not None
            for c, v in enumerate(["Late Comer", "late@example.edu", "BE", "Mod 4", "x"]):
                sheet.cells[(31, c)] = {"userEnteredValue": typed(v)}
    before = groups_of(two.students()[f"{W2} Groups"])

    assert two.cli("run", "--today", "2027-01-12") == 0

    after = groups_of(two.students()[f"{W2} Groups"])
    assert {k: v for k, v in after.items() if k != "Late Comer"} == before
    assert "Late Comer" in after
    assert history_counts(two.staff()) == {W2: 31}


def test_force_replaces_the_session_in_both_spreadsheets(two, capsys):
    two.seed(30)
    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 0
    first = two.students()[f"{W2} Groups"]
    two.config.write_text(two.config.read_text().replace("size = 5", "size = 3"))

    assert two.cli("publish", "--date", "2027-01-13", "--week", "2", "--force") == 0

    rows = two.students()[f"{W2} Groups"]
    assert rows != first
    assert max(int(r[0]) for r in rows[1:]) == 10
    assert history_counts(two.staff()) == {W2: 30}
    assert list(two.students())[:2] == [HOW_TO, f"{W2} Groups"]


def test_export_zoom_reads_the_groups_from_the_students_spreadsheet(two, tmp_path, capsys):
    two.seed(20)
    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 0
    rows = two.students()[f"{W2} Groups"]
    other = next(r[0] for r in rows[1:] if r[0] != rows[1][0])
    two.edit_students(f"{W2} Groups", 2, 1, int(other))  # staff move a student there
    out = tmp_path / "zoom.csv"

    assert two.cli("export", "zoom", "--date", "2027-01-13", "--week", "2", "-o", str(out)) == 0

    lines = out.read_text().splitlines()
    email = f"{rows[1][1].lower().replace(' ', '')}@example.edu"
    assert f"Group {other},{email}" in lines


def test_one_spreadsheet_says_once_that_everyone_can_read_everything(tmp_path, capsys):
    path = write_workbook(tmp_path / "school.xlsx", {"Roster": [HEADER, *make_roster(12)]})
    for command in (["plan"], ["publish"], ["status"]):
        extra = ["--date", "2027-01-13", "--week", "2"] if command[0] != "status" else []
        assert main(["--workbook", str(path), *command, *extra]) == 0
        out = capsys.readouterr().out
        assert out.count("Anyone who can open") == 1, out
        assert "roster (emails, statuses, notes), the keep-apart pairs and the history" in out
        assert 'path = "students.xlsx"' in out


def test_students_workbook_flag_needs_no_config(tmp_path, capsys):
    staff = write_workbook(tmp_path / "school.xlsx", {"Roster": [HEADER, *make_roster(12)]})
    flags = ["--workbook", str(staff), "--students-workbook", str(tmp_path / "s.xlsx")]

    assert main([*flags, "publish", "--date", "2027-01-13", "--week", "2"]) == 0

    assert "Anyone who can open" not in capsys.readouterr().out
    assert openpyxl.load_workbook(tmp_path / "s.xlsx").sheetnames[:2] == [HOW_TO, f"{W2} Groups"]
    assert openpyxl.load_workbook(staff).sheetnames == ["Roster", "History"]


def test_students_naming_the_staff_spreadsheet_is_a_config_error(two, capsys):
    two.seed(12)
    text = two.config.read_text()
    if two.google is None:
        two.config.write_text(text.replace('path = "students.xlsx"', 'path = "./staff.xlsx"'))
    else:
        two.config.write_text(text.replace(STUDENTS_ID, two.google.sheet_id))
    before = two.staff()

    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 2

    assert "is the staff spreadsheet itself" in capsys.readouterr().err
    assert two.staff() == before


def test_a_students_sheet_not_shared_is_exit_4_naming_it_and_who_to_share_with(
    google_sheet, tmp_path, capsys
):
    google_sheet.fake.create(STUDENTS_ID)  # nobody may edit it
    two = Two("google", tmp_path, google_sheet)
    two.seed(12)

    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 4

    err = capsys.readouterr().err
    assert f"the students' spreadsheet {STUDENTS_ID}" in err
    assert google_sheet.client_email in err
    assert "History" not in google_sheet.titles()  # nothing written to the staff one


def test_a_roster_problem_writes_nothing_to_either(two, capsys):
    two.seed(12)
    if two.google is None:
        book = openpyxl.load_workbook(two.folder / "staff.xlsx")
        book["Roster"].append(["No Module", "nm@example.edu", "BE", "", "c", ""])
        book.save(two.folder / "staff.xlsx")
    else:
        two.google.seed("Roster", [])  # a second tab of that name is impossible; use the fake
        with two.google.fake.lock:
            two.google.book.sheets.pop()
            sheet = two.google.book.sheet("Roster")
            assert sheet is not None
            for c, v in enumerate(["No Module", "nm@example.edu", "BE"]):
                sheet.cells[(13, c)] = {"userEnteredValue": typed(v)}
    staff, students = two.staff(), two.students()

    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 3

    assert (two.staff(), two.students()) == (staff, students)


def test_a_failed_write_to_the_students_sheet_is_repaired_by_the_next_run(google_two, capsys):
    two = google_two
    assert two.google is not None
    two.seed(20)
    outage = [server_error(503, retry_after="0")] * 6  # retried at once: no test waits
    two.google.fake.fail("batchUpdate", *outage, spreadsheet_id=STUDENTS_ID)

    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 4

    assert "the students' spreadsheet" in capsys.readouterr().err
    assert history_counts(two.staff()) == {W2: 20}  # the record landed
    assert f"{W2} Groups" not in two.students()
    assert two.cli("run", "--today", "2027-01-11") == 0
    assert history_counts(two.staff()) == {W2: 20}
    assert list(two.students())[:3] == [HOW_TO, f"{W2} Groups", f"{W2} Prompts"]


def test_a_students_workbook_open_in_excel_fails_the_second_write_and_run_repairs_it(
    tmp_path, capsys
):
    two = Two("xlsx", tmp_path)
    two.seed(20)
    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 0
    lock = tmp_path / "~$students.xlsx"
    lock.write_bytes(b"\x03Ann")  # Excel has the students' workbook open

    assert two.cli("publish", "--date", "2027-01-27", "--week", "4") == 4

    assert "students.xlsx is open in a spreadsheet program" in capsys.readouterr().err
    assert history_counts(two.staff()) == {W2: 20, W4: 20}  # the record landed first
    assert f"{W4} Groups" not in two.students()
    lock.unlink()
    assert two.cli("run", "--today", "2027-01-12") == 0
    assert list(two.students())[:3] == [HOW_TO, f"{W4} Groups", f"{W4} Prompts"]
    assert history_counts(two.staff()) == {W2: 20, W4: 20}


def test_a_students_workbook_in_a_missing_folder_is_exit_4_and_nothing_is_written(tmp_path, capsys):
    staff = write_workbook(tmp_path / "school.xlsx", {"Roster": [HEADER, *make_roster(12)]})
    before = staff.read_bytes()
    flags = ["--workbook", str(staff), "--students-workbook", str(tmp_path / "no" / "s.xlsx")]

    assert main([*flags, "publish", "--date", "2027-01-13", "--week", "2"]) == 4

    assert f"Cannot create the students' workbook {tmp_path / 'no' / 's.xlsx'}" in (
        capsys.readouterr().err
    )
    assert staff.read_bytes() == before


def test_rebalance_and_attendance_write_the_record_then_the_students_groups_tab(two):
    """On the day, the rooms students read move with the record; attendance stays staff-only."""
    two.seed(40)  # 8 rooms of 5
    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 0
    room = groups_of(two.students()[f"{W2} Groups"])
    away = sorted(n for n, g in room.items() if g == "1")[:3]  # room 1 keeps 2 present
    day = ["--date", "2027-01-13", "--week", "2"]

    assert two.cli("rebalance", *day, "--absent", *away) == 0

    after = groups_of(two.students()[f"{W2} Groups"])
    moved = {n for n in room if room[n] != after[n]}
    assert moved  # the students' tab shows the move ...
    staff = two.staff()["History"]
    column = {name: i for i, name in enumerate(staff[0])}
    recorded = {r[column["Name"]]: r[column["Group"]] for r in staff[1:] if r and r[0] == W2}
    assert recorded == after  # ... exactly as the record has it
    assert "History" not in two.students()
    assert not any("no" in row for row in two.students()[f"{W2} Groups"])  # no attendance shown
    before = two.files() if two.google is None else two.counts()
    assert two.cli("rebalance", *day, "--absent", *away) == 0  # the same absentees again
    if two.google is None:
        assert two.files() == before
    else:
        assert two.counts()[1::2] == before[1::2]  # no write to either spreadsheet


def test_the_groups_tab_goes_group_by_group_lead_first_shaded_and_ruled_by_group(two):
    two.seed(40)
    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 0

    rows = two.students()[f"{W2} Groups"]
    body = rows[1:]
    groups = [int(r[0]) for r in body]
    assert groups == sorted(groups)
    for number in set(groups):
        members = [r for r in body if int(r[0]) == number]
        roles = [r[4] if len(r) > 4 else "" for r in members]  # Google drops trailing blanks
        assert roles == ["Lead"] + [""] * (len(members) - 1)
        names = [r[1] for r in members[1:]]
        assert names == sorted(names, key=str.casefold)
    look = two.look(f"{W2} Groups")
    assert len(look) == len(rows)
    assert look[0].bold
    assert not look[0].ruled
    # A rule above each group's first row, and above no other row.
    assert [row.ruled for row in look[1:]] == [
        i == 0 or groups[i] != groups[i - 1] for i in range(len(groups))
    ]
    # One fill per group, two fills in all, neighbouring groups never alike.
    fills = {
        n: {row.fill for row, g in zip(look[1:], groups, strict=True) if g == n} for n in groups
    }
    assert all(len(f) == 1 for f in fills.values())
    order = [fills[n].pop() for n in sorted(fills)]
    assert len(set(order)) == 2
    assert all(a != b for a, b in itertools.pairwise(order))
    # The lead's row is bold.
    assert [row.bold for row in look[1:]] == [r[4:5] == ["Lead"] for r in body]


def test_students_may_filter_and_sort_the_groups_tab_but_change_no_cell(tmp_path):
    two = Two("xlsx", tmp_path)
    two.seed(30)
    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 0
    # A second session: the workbook is loaded and saved again around the first one's tabs.
    assert two.cli("publish", "--date", "2027-01-27", "--week", "4") == 0

    book = openpyxl.load_workbook(tmp_path / "students.xlsx")
    for label in (W2, W4):
        groups = book[f"{label} Groups"]
        assert groups.protection.sheet
        # openpyxl's flags say what is protected: False allows sorting and the filter's arrows.
        assert (groups.protection.sort, groups.protection.autoFilter) == (False, False)
        assert groups.protection.formatCells  # still protected, as is every other change
        assert groups.auto_filter.ref == "A1:E31"
        assert all(cell.protection.locked for row in groups.iter_rows() for cell in row)
        assert groups.freeze_panes == "A2"
        prompts = book[f"{label} Prompts"]
        assert prompts.protection.sheet
        assert (prompts.protection.sort, prompts.protection.autoFilter) == (True, True)
        assert prompts.auto_filter.ref is None


def test_the_how_to_names_the_team_and_the_prompts_say_when_and_where_and_a_rerun_writes_nothing(
    two,
):
    two.seed(20)
    school = two.config.read_text().replace(
        "[calendar]\n", '[calendar]\nstart = "18:30"\ntimezone = "America/Denver"\n'
    )
    two.config.write_text(
        school + '[meeting]\nteam = "the Careers Team"\nurl = "https://zoom.example/j/42"\n'
    )
    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 0

    students = two.students()
    how_to = " ".join(c for r in students[HOW_TO] for c in r)
    assert "Tell the Careers Team before the session." in how_to
    assert "Career Development" not in how_to
    prompts = [r[0] for r in students[f"{W2} Prompts"] if r]
    assert prompts[:4] == [
        "Mix It Up: Networking",
        "Wednesday 13 January 2027",
        "Starts 18:30 MST (America/Denver)",
        "Join: https://zoom.example/j/42",
    ]

    before = two.files() if two.google is None else two.counts()[1::2]
    assert two.cli("run", "--today", "2027-01-12") == 0
    assert two.cli("publish", "--date", "2027-01-13", "--week", "2") == 0
    assert (two.files() if two.google is None else two.counts()[1::2]) == before


def test_one_spreadsheet_gets_the_same_groups_tab_unprotected(any_spreadsheet):
    """Without [students], the staff spreadsheet shows the session tabs drawn the same way."""
    any_spreadsheet.seed({"Roster": [HEADER, *make_roster(20)]})
    any_spreadsheet.write_config()
    argv = [*any_spreadsheet.args, "publish", "--date", "2027-01-13", "--week", "2"]
    assert main(argv, session=any_spreadsheet.session) == 0

    title = f"{W2} Groups"
    rows = any_spreadsheet.rows(title)
    groups = [int(r[0]) for r in rows[1:]]
    assert groups == sorted(groups)
    if any_spreadsheet.google is None:
        look = workbook_look(any_spreadsheet.workbook, title)
        assert not openpyxl.load_workbook(any_spreadsheet.workbook)[title].protection.sheet
    else:
        tab = any_spreadsheet.google.tab(title)
        look = sheet_look(tab.cells, tab.row_count)
        assert tab.protected_ranges == []
    assert [row.ruled for row in look[1:]] == [
        i == 0 or groups[i] != groups[i - 1] for i in range(len(groups))
    ]
    assert len({row.fill for row in look[1:]}) == 2
