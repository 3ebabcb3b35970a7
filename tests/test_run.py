"""`mixitup run` and `status` on real workbooks: the calendar walked day by day, late joiners."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from mixitup import pipeline
from mixitup.backends import open_backend
from mixitup.backends.xlsx import XlsxBackend
from mixitup.cli import main
from mixitup.config import Config, load_config
from mixitup.models import Change, Snapshot
from tests.fake_sheets import GoogleSheet
from tests.fake_sheets.spreadsheet import typed
from tests.helpers import HEADER, make_roster, read_tab

SCHOOL = """\
[groups]
size = 5

[calendar]
module_starts = [2027-01-04, 2027-02-01]
skip = [2027-02-10]
"""
CONFIG = '[spreadsheet]\nbackend = "xlsx"\npath = "roster.xlsx"\n\n' + SCHOOL
W2, W4 = "2027-01-13 Week 2", "2027-01-27 Week 4"
LATER_W4 = "2027-02-24 Week 4"


@pytest.fixture
def project(make_workbook, tmp_path: Path) -> Path:
    """A folder with mixitup.toml and roster.xlsx (40 students, 4 modules, 2 programs)."""
    make_workbook(students=40)
    (tmp_path / "mixitup.toml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


def status_lines(out: str) -> list[str]:
    """What status prints, without the single-spreadsheet note at its end."""
    return out.split("Note: one spreadsheet for staff and students.")[0].splitlines()


def run(project: Path, today: str, *extra: str) -> int:
    return main(["--config", str(project / "mixitup.toml"), *extra, "run", "--today", today])


def join(project: Path, name: str, program: str = "BE", module: int = 4) -> None:
    """Staff add a student to the roster, as they would in a spreadsheet program."""
    path = project / "roster.xlsx"
    book = openpyxl.load_workbook(path)
    email = f"{name.lower().replace(' ', '.')}@example.edu"
    book["Roster"].append([name, email, program, f"Mod {module}", f"late-{program}", ""])
    book.save(path)


def groups(project: Path, label: str) -> dict[str, int]:
    """Name -> group number, as the session's groups tab shows it."""
    return {row[1]: row[0] for row in read_tab(project / "roster.xlsx", f"{label} Groups")[1:]}


def history(project: Path, label: str) -> list[tuple[object, ...]]:
    return [r for r in read_tab(project / "roster.xlsx", "History")[1:] if r[0] == label]


def test_a_term_walked_day_by_day_publishes_on_time_adds_late_joiners_and_never_rewrites(
    project: Path,
):
    joiners = {"2027-01-12": "Ada Early", "2027-01-20": "Ben Between", "2027-01-26": "Cy Close"}
    changed, snapshots = [], {}
    day = dt.date(2027, 1, 1)
    while day <= dt.date(2027, 3, 1):
        if day.isoformat() in joiners:
            join(project, joiners[day.isoformat()])
        before = (project / "roster.xlsx").read_bytes()
        assert run(project, day.isoformat()) == 0
        if (project / "roster.xlsx").read_bytes() != before:
            changed.append(day.isoformat())
            snapshots[day.isoformat()] = {
                label: groups(project, label)
                for label in (W2, W4, LATER_W4)
                if f"{label} Groups" in openpyxl.load_workbook(project / "roster.xlsx").sheetnames
            }
        day += dt.timedelta(days=1)

    # Publish days (two days ahead), plus the two days a late joiner met a published session.
    assert changed == ["2027-01-11", "2027-01-12", "2027-01-25", "2027-01-26", "2027-02-22"]
    first, with_ada = snapshots["2027-01-11"][W2], snapshots["2027-01-12"][W2]
    assert len(first) == 40
    assert {n: g for n, g in with_ada.items() if n != "Ada Early"} == first  # nobody moved
    assert "Ada Early" in with_ada
    ada_rows = [r for r in history(project, W2) if r[5] == "Ada Early"]
    assert [r[3] for r in ada_rows] == [str(with_ada["Ada Early"])]
    # Ben joined when no upcoming session was published: he is simply in the next one.
    assert "Ben Between" in snapshots["2027-01-25"][W4]
    # Cy joined after week 2 passed: only week 4 got him, week 2 kept its cells exactly.
    final = snapshots["2027-01-26"]
    assert final[W2] == with_ada
    assert "Cy Close" not in final[W2]
    assert {n: g for n, g in final[W4].items() if n != "Cy Close"} == snapshots["2027-01-25"][W4]
    assert len(final[W4]) == 43
    names = openpyxl.load_workbook(project / "roster.xlsx").sheetnames
    assert "2027-02-10 Week 2 Groups" not in names  # a skip date is never published
    assert names.count(f"{LATER_W4} Groups") == 1
    # History: one row per student per session, the late joiners included, nobody twice.
    for label, count in ((W2, 41), (W4, 43), (LATER_W4, 43)):
        keys = [r[4] for r in history(project, label)]
        assert len(keys) == count
        assert len(set(keys)) == count


def test_late_joiner_keeps_sizes_within_one_and_every_other_cell(project: Path):
    assert run(project, "2027-01-11") == 0
    before = read_tab(project / "roster.xlsx", f"{W2} Groups")
    join(project, "Zed Late", program="FE", module=3)
    assert run(project, "2027-01-12") == 0
    after = read_tab(project / "roster.xlsx", f"{W2} Groups")
    names = openpyxl.load_workbook(project / "roster.xlsx").sheetnames
    assert names == ["Roster", f"{W2} Groups", f"{W2} Prompts", "History"]  # kept its place
    added = [row for row in after if row[1] == "Zed Late"]
    assert len(added) == 1
    assert [row for row in after if row[1] != "Zed Late"] == before
    sizes = Counter(row[0] for row in after[1:])
    assert max(sizes.values()) - min(sizes.values()) <= 1
    prompts = read_tab(project / "roster.xlsx", f"{W2} Prompts")
    assert prompts[0][0].startswith("Mix It Up")


def test_run_logs_one_line_per_step_and_quiet_logs_nothing(project: Path, capsys):
    assert run(project, "2027-01-11") == 0
    err = capsys.readouterr().err.splitlines()
    assert not any(line.startswith("mixitup: read ") for line in err)  # internal: only with -v
    assert err[0] == (
        "mixitup: calendar on 2027-01-11: 1 due (2027-01-13 Week 2), 0 published still to come"
    )
    assert f"mixitup: published {W2} in {project / 'roster.xlsx'}: 40 students in 8 groups" in err
    quality = next(line for line in err if line.startswith(f"mixitup: quality of {W2}: "))
    assert quality.startswith(
        f"mixitup: quality of {W2}: 8 groups of 5; keep-apart pairs together: 0 (least possible 0)"
        " ok; groups with an upper-module lead: 8 (most possible 8) ok; repeat pairs: 0 (least "
        "possible 0) ok; cohort-mate pairs: 0 (least possible 0) ok"
    )
    assert "NOT MET" not in quality
    assert err[-1] == (
        f"mixitup: recorded in the History of the spreadsheet {project / 'roster.xlsx'}, in one "
        "write: 1 session published, 0 late joiners added"
    )
    assert len(err) == 4
    assert run(project, "2027-01-12", "-q") == 0
    assert capsys.readouterr() == ("", "")


def test_run_with_two_spreadsheets_names_each_for_what_was_written_there(project: Path, capsys):
    """The groups are in the students' workbook, the record in the staff one; the students'
    write is reported once, by the publish line, not again as an internal step."""
    config = project / "mixitup.toml"
    config.write_text(CONFIG + '\n[students]\npath = "students.xlsx"\n', encoding="utf-8")
    assert run(project, "2027-01-11") == 0
    err = capsys.readouterr().err.splitlines()
    students, staff = project / "students.xlsx", project / "roster.xlsx"
    assert f"mixitup: published {W2} in {students}: 40 students in 8 groups" in err
    assert err[-1] == (
        f"mixitup: recorded in the History of the staff spreadsheet {staff}, in one write: "
        "1 session published, 0 late joiners added"
    )
    assert len(err) == 4
    assert not any("wrote the tabs" in line for line in err)
    assert sorted(p.name for p in project.iterdir()) == [
        "mixitup.toml",
        "roster.xlsx",
        "students.xlsx",
    ]
    # Tabs out of step with the record (deleted by hand) are brought back, and that is said.
    book = openpyxl.load_workbook(students)
    del book[f"{W2} Prompts"]
    book.save(students)
    assert run(project, "2027-01-12") == 0
    err = capsys.readouterr().err.splitlines()
    assert f"mixitup: wrote the tabs of {W2} to the students' spreadsheet {students}" in err


def test_run_without_a_calendar_stops_with_exit_2(make_workbook, capsys):
    path = make_workbook()
    before = path.read_bytes()
    assert main(["--workbook", str(path), "run", "--today", "2027-01-11"]) == 2
    assert "[calendar] module_starts" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_run_with_a_roster_problem_exits_3_and_writes_nothing(project: Path, capsys):
    path = project / "roster.xlsx"
    book = openpyxl.load_workbook(path)
    book["Roster"].append(["No Module", "nm@example.edu", "BE", "", "x", ""])
    book.save(path)
    before = path.read_bytes()
    assert run(project, "2027-01-11") == 3
    assert 'Roster tab "Roster", row 42, column D (module)' in capsys.readouterr().err
    assert path.read_bytes() == before


def test_run_leaves_a_staff_edited_groups_tab_alone_and_exits_3_naming_the_joiner(
    project: Path, capsys
):
    assert run(project, "2027-01-11") == 0
    path = project / "roster.xlsx"
    book = openpyxl.load_workbook(path)
    book[f"{W2} Groups"]["E2"] = "note: mic broken"  # a column mixitup would not write back
    book.save(path)
    join(project, "Zed Late")
    before = path.read_bytes()
    assert run(project, "2027-01-12") == 3  # cron hears of it: a joiner was left out
    assert path.read_bytes() == before
    err = capsys.readouterr().err
    assert f'Groups tab "{W2} Groups", row 2' in err
    assert "Late joiners not added (everyone else was): Zed Late to 2027-01-13 Week 2" in err
    assert "Place them by hand in the groups tab" in err


def test_two_runs_at_once_publish_one_whole_session(project: Path):
    command = [
        sys.executable,
        "-m",
        "mixitup",
        "--config",
        str(project / "mixitup.toml"),
        "run",
        "--today",
        "2027-01-11",
    ]
    runs = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(timeout=60), p.stderr.read() if p.stderr else "") for p in runs]
    assert [code for code, _ in results] == [0, 0], results
    assert sum(f"published {W2}" in err for _, err in results) == 1
    names = openpyxl.load_workbook(project / "roster.xlsx").sheetnames
    assert Counter(names)[f"{W2} Groups"] == 1
    assert Counter(names)[f"{W2} Prompts"] == 1
    keys = [r[4] for r in history(project, W2)]
    assert len(keys) == 40
    assert len(set(keys)) == 40


def test_status_shows_each_session_state_and_the_next(project: Path, capsys):
    assert run(project, "2027-01-11") == 0
    capsys.readouterr()
    config = project / "mixitup.toml"
    assert main(["--config", str(config), "status", "--today", "2027-01-24"]) == 0
    assert status_lines(capsys.readouterr().out) == [
        f"Today is Sun 2027-01-24. Calendar: {config}",
        f"Spreadsheet: {project / 'roster.xlsx'}",
        "Notices: off (set [notify] webhook in mixitup.toml to hear of each publish and failure)",
        "Module starting Mon 2027-01-04:",
        "  Wed 2027-01-13  Week 2  published: 40 students in 8 groups",
        "  Wed 2027-01-27  Week 4  due on Mon 2027-01-25",
        "Module starting Mon 2027-02-01:",
        "  Wed 2027-02-10  Week 2  skipped (a [calendar] skip date)",
        "  Wed 2027-02-24  Week 4  due on Mon 2027-02-22",
        "Next: Wed 2027-01-27  Week 4, due on Mon 2027-01-25",
    ]
    assert main(["--config", str(config), "status", "--today", "2027-02-23"]) == 0
    lines = status_lines(capsys.readouterr().out)
    assert "  Wed 2027-01-27  Week 4  past, not published" in lines
    assert "Next: Wed 2027-02-24  Week 4, due now: `mixitup run` publishes it" in lines
    # A new module, the roster as it was at module 1's session: the rollover was forgotten.
    assert lines[-1].startswith("Module boundary: The next session, 2027-02-24 Week 4, is in")


SCRIPT = Path(__file__).parent.parent / "scripts" / "mixitup-cron"


def cron(
    project: Path, *args: str, script: Path = SCRIPT, path: str | None = None
) -> subprocess.CompletedProcess[str]:
    """scripts/mixitup-cron as cron starts it: another folder, cron's PATH plus (by default)
    the folder of the installed `mixitup`; the school folder holds no .venv."""
    bin_folder = Path(sys.executable).parent
    return subprocess.run(
        [str(script), *args],
        cwd="/",
        env={
            "MIXITUP_HOME": str(project),
            "PATH": path if path is not None else f"{bin_folder}:/usr/bin:/bin",
            "HOME": str(project / "home"),
        },
        capture_output=True,
        text=True,
        check=False,
    )


def test_cron_script_logs_to_the_school_folder_and_prints_nothing_on_success(project: Path):
    done = cron(project, "--today", "2027-01-11")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert not (project / ".venv").exists()
    log = (project / "logs" / "mixitup.log").read_text(encoding="utf-8")
    assert log.startswith("--- 20")
    assert f"mixitup: published {W2}" in log
    assert cron(project, "--today", "2027-01-11").returncode == 0
    later = (project / "logs" / "mixitup.log").read_text(encoding="utf-8")
    assert "nothing to do on 2027-01-11" in later


def test_cron_script_prints_the_failure_so_cron_mails_it(project: Path):
    (project / "mixitup.toml").write_text(CONFIG.replace("size = 5", "size = 1"), "utf-8")
    done = cron(project, "--today", "2027-01-11")
    assert done.returncode == 2
    assert done.stdout == ""
    assert f"mixitup run failed (exit 2) in {project}" in done.stderr
    assert "[groups] size must be 2 or more" in done.stderr
    assert f"mixitup --config {project / 'mixitup.toml'} check` to see everything" in done.stderr


def test_cron_script_installed_beside_mixitup_runs_that_one_without_path(
    project: Path, tmp_path: Path
):
    """As `make install` lays it out: the wrapper and `mixitup` in one bin folder, linked from
    another; cron's PATH has neither."""
    install = tmp_path / "install" / "bin"
    install.mkdir(parents=True)
    (install / "mixitup").symlink_to(Path(sys.executable).parent / "mixitup")
    shutil.copy(SCRIPT, install / "mixitup-cron")
    links = tmp_path / "links"
    links.mkdir()
    (links / "mixitup-cron").symlink_to(install / "mixitup-cron")
    done = cron(
        project, "--today", "2027-01-11", script=links / "mixitup-cron", path="/usr/bin:/bin"
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert f"mixitup: published {W2}" in (project / "logs" / "mixitup.log").read_text("utf-8")


def test_cron_script_without_any_mixitup_says_how_to_install_it(project: Path, tmp_path: Path):
    alone = tmp_path / "alone" / "scripts"  # no mixitup beside it, no clone's .venv above it
    alone.mkdir(parents=True)
    shutil.copy(SCRIPT, alone / "mixitup-cron")
    done = cron(
        project, "--today", "2027-01-11", script=alone / "mixitup-cron", path="/usr/bin:/bin"
    )
    assert done.returncode == 2
    assert "no mixitup found" in done.stderr
    assert "make install" in done.stderr


@pytest.mark.parametrize("recipe", ["crontab.example", "mixitup.service"])
def test_the_recipes_run_the_installed_wrapper_in_a_school_folder_outside_the_clone(recipe: str):
    """They name what `make install` lays out (~/.local/share/mixitup/venv/bin/mixitup-cron)
    and a school folder of its own: nothing inside mixitup's code folder, no .venv there."""
    text = (SCRIPT.parent / recipe).read_text(encoding="utf-8")
    commands = [line for line in text.splitlines() if not line.startswith("#")]
    assert any("/.local/share/mixitup/venv/bin/mixitup-cron" in line for line in commands)
    assert any("MIXITUP_HOME=/home/careers/school" in line for line in commands)
    assert ".venv" not in "\n".join(commands)
    assert "/srv/mixitup" not in text


class LosesTheRace(XlsxBackend):
    """A workbook another run publishes to between this run's read and its write."""

    def __init__(self, path: Path, config: Config) -> None:
        super().__init__(path)
        self.config = config
        self.applied = 0

    def apply(self, change: Change) -> None:
        if self.applied == 0:
            pipeline.run(self.config, XlsxBackend(self.path), today=dt.date(2027, 1, 11))
        self.applied += 1
        super().apply(change)


def test_run_that_loses_the_race_reads_again_and_writes_nothing(project: Path):
    config = load_config(str(project / "mixitup.toml"), env={})
    backend = LosesTheRace(project / "roster.xlsx", config)
    outcome = pipeline.run(config, backend, today=dt.date(2027, 1, 11))
    assert not outcome.changed  # the second read found the session published by the other run
    assert backend.applied == 1
    assert len(history(project, W2)) == 40


def test_two_sessions_due_at_once_land_in_one_write_and_do_not_repeat_pairs(project: Path):
    config = project / "mixitup.toml"
    config.write_text(CONFIG.replace("[calendar]", "[calendar]\npublish_days_ahead = 30"), "utf-8")
    assert run(project, "2027-01-04") == 0
    names = openpyxl.load_workbook(project / "roster.xlsx").sheetnames
    assert names == [
        "Roster",
        f"{W2} Groups",
        f"{W2} Prompts",
        f"{W4} Groups",
        f"{W4} Prompts",
        "History",
    ]
    met = set()
    for label in (W2, W4):
        by_group: dict[object, set[str]] = {}
        for row in history(project, label):
            by_group.setdefault(row[3], set()).add(str(row[4]))
        pairs = {frozenset((a, b)) for g in by_group.values() for a in g for b in g if a < b}
        assert not pairs & met, f"{label} repeats a pair of the session published with it"
        met |= pairs


def test_a_student_whose_email_was_added_after_publishing_is_not_a_late_joiner(make_workbook):
    rows = [list(r) for r in make_roster(40)]
    rows[3][1] = ""  # published without an email: their key is their name
    path = make_workbook(rows=rows)
    (path.parent / "mixitup.toml").write_text(CONFIG, "utf-8")
    assert run(path.parent, "2027-01-11") == 0
    book = openpyxl.load_workbook(path)
    book["Roster"]["B5"] = "student003@example.edu"  # staff fill the email in later
    book.save(path)
    before = path.read_bytes()
    assert run(path.parent, "2027-01-12") == 0
    assert path.read_bytes() == before


def test_a_late_joiner_who_cannot_be_placed_exits_3_after_the_others_are_placed(
    make_workbook, capsys
):
    path = make_workbook(students=10)
    config = path.parent / "mixitup.toml"
    config.write_text(CONFIG.replace("size = 5", "size = 5\nseconds = 1"), "utf-8")
    assert run(path.parent, "2027-01-11") == 0
    tab = groups(path.parent, W2)
    firsts = [min(n for n, g in tab.items() if g == number) for number in (1, 2)]
    book = openpyxl.load_workbook(path)
    book["Roster"].append(["Zed Late", "zed@example.edu", "BE", "Mod 4", "late", ""])
    book["Roster"].append(["Amy Late", "amy@example.edu", "FE", "Mod 3", "late2", ""])
    apart = book.create_sheet("Keep apart")
    apart.append(["Student", "Student"])
    for name in firsts:
        apart.append(["Zed Late", name])
    book.save(path)
    assert run(path.parent, "2027-01-12") == 3
    err = capsys.readouterr().err
    assert f"Zed Late to {W2}: Cannot add late joiner Zed Late: every group has someone" in err
    assert "Amy Late" in groups(path.parent, W2)  # placed, and written, all the same
    assert "Zed Late" not in groups(path.parent, W2)


def test_status_lists_sessions_published_off_the_calendar(project: Path, capsys):
    path = project / "roster.xlsx"
    assert main(["--workbook", str(path), "publish", "--date", "2027-01-15", "--week", "2"]) == 0
    capsys.readouterr()
    assert main(["--config", str(project / "mixitup.toml"), "status", "--today", "2027-01-14"]) == 0
    lines = status_lines(capsys.readouterr().out)
    assert lines[-3:-1] == [
        "Published, not on the calendar:",
        "  Fri 2027-01-15  Week 2  published: 40 students in 7 groups",  # --workbook: size 6
    ]


def test_a_student_staff_moved_stays_moved_when_a_late_joiner_comes(project: Path):
    assert run(project, "2027-01-11") == 0
    path = project / "roster.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book[f"{W2} Groups"]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 2).value == "Student 007")
    moved_to = 1 if sheet.cell(row, 1).value != 1 else 2
    sheet.cell(row, 1).value = moved_to
    book.save(path)
    before = groups(project, W2)
    join(project, "Zed Late")
    assert run(project, "2027-01-12") == 0
    after = groups(project, W2)
    assert after["Student 007"] == moved_to
    assert {n: g for n, g in after.items() if n != "Zed Late"} == before


def test_a_late_joiner_sharing_a_name_is_added_once_and_a_hand_typed_row_is_kept(project: Path):
    assert run(project, "2027-01-11") == 0
    path = project / "roster.xlsx"
    book = openpyxl.load_workbook(path)
    book[f"{W2} Groups"].append([3, "Walk In", "BE", "Mod 2"])  # staff placed them by hand
    book["Roster"].append(["Walk In", "walk.in@example.edu", "BE", "Mod 2", "x", ""])
    book["Roster"].append(["Student 004", "other004@example.edu", "FE", "Mod 1", "y", ""])
    book.save(path)
    assert run(project, "2027-01-12") == 0
    rows = read_tab(path, f"{W2} Groups")[1:]
    assert [r[1] for r in rows].count("Student 004") == 2
    assert [r[:4] for r in rows if r[1] == "Walk In"] == [(3, "Walk In", "BE", "Mod 2")]
    keys = [r[4] for r in history(project, W2)]
    assert "other004@example.edu" in keys
    # The student staff typed in met group 3: the history records it (issue 9, item 4).
    assert [(r[3], r[5]) for r in history(project, W2) if r[4] == "walk.in@example.edu"] == [
        ("3", "Walk In")
    ]
    before = path.read_bytes()
    assert run(project, "2027-01-12") == 0
    assert path.read_bytes() == before


def test_verbose_run_lists_each_session_state(project: Path, capsys):
    assert run(project, "2027-01-12", "-v") == 0
    err = capsys.readouterr().err
    assert "mixitup:   2027-01-13 Week 2: due" in err
    assert "mixitup:   2027-02-10 Week 2: skipped" in err
    assert "mixitup:   2027-02-24 Week 4: upcoming" in err


def test_status_without_a_calendar_says_how_to_add_one(make_workbook, capsys):
    path = make_workbook()
    assert main(["--workbook", str(path), "status", "--today", "2027-01-12"]) == 0
    assert status_lines(capsys.readouterr().out)[3:] == [
        "No sessions on the calendar: set [calendar] module_starts in mixitup.toml."
    ]


def test_on_google_run_status_and_export_cost_one_read_each_and_at_most_one_write(
    google_sheet: GoogleSheet, tmp_path: Path
):
    google_sheet.seed("Roster", [list(HEADER), *map(list, make_roster(40))])
    config = tmp_path / "mixitup.toml"
    config.write_text(google_sheet.toml() + SCHOOL, encoding="utf-8")
    args = ["--config", str(config), "run", "--today"]
    assert main([*args, "2027-01-11"], session=google_sheet.session) == 0
    assert (google_sheet.reads(), google_sheet.writes()) == (1, 1)
    before = google_sheet.rows(f"{W2} Groups")
    roster = google_sheet.tab("Roster")
    with google_sheet.fake.lock:  # staff type a new student into row 42
        for column, value in enumerate(["Zed Late", "zed@example.edu", "BE", "Mod 4", "z"]):
            roster.cells[(41, column)] = {"userEnteredValue": typed(value)}
    assert main([*args, "2027-01-12"], session=google_sheet.session) == 0
    assert (google_sheet.reads(), google_sheet.writes()) == (2, 2)
    after = google_sheet.rows(f"{W2} Groups") or []
    assert [row for row in after if row[1] != "Zed Late"] == before
    assert len([row for row in after if row[1] == "Zed Late"]) == 1
    assert google_sheet.titles().count(f"{W2} Groups") == 1
    assert len(google_sheet.rows("History") or []) == 1 + 41
    assert main([*args, "2027-01-12"], session=google_sheet.session) == 0
    assert (google_sheet.reads(), google_sheet.writes()) == (3, 2)
    assert (
        main(
            ["--config", str(config), "status", "--today", "2027-01-12"],
            session=google_sheet.session,
        )
        == 0
    )
    out = tmp_path / "zoom.csv"
    zoom = ["export", "zoom", "--date", "2027-01-13", "--week", "2", "-o", str(out)]
    assert main(["--config", str(config), *zoom], session=google_sheet.session) == 0
    assert (google_sheet.reads(), google_sheet.writes()) == (5, 2)
    assert "zed@example.edu" in out.read_text(encoding="utf-8")


def test_on_google_two_runs_adding_the_same_late_joiner_add_them_once(
    google_sheet: GoogleSheet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    google_sheet.seed("Roster", [list(HEADER), *map(list, make_roster(40))])
    (tmp_path / "mixitup.toml").write_text(google_sheet.toml() + SCHOOL, encoding="utf-8")
    config = load_config(str(tmp_path / "mixitup.toml"), env={})
    pipeline.run(config, open_backend(config, google_sheet.session), today=dt.date(2027, 1, 11))
    roster = google_sheet.tab("Roster")
    with google_sheet.fake.lock:
        for column, value in enumerate(["Zed Late", "zed@example.edu", "BE", "Mod 4", "z"]):
            roster.cells[(41, column)] = {"userEnteredValue": typed(value)}
    ours, theirs = (
        open_backend(config, google_sheet.session),
        open_backend(config, google_sheet.session),
    )
    real_read, reads = ours.read, []

    def read_then_lose_the_race() -> Snapshot:
        snapshot = real_read()
        reads.append(snapshot)
        if len(reads) == 1:  # the other run adds the joiner between our read and our write
            assert pipeline.run(config, theirs, today=dt.date(2027, 1, 12)).joined
        return snapshot

    monkeypatch.setattr(ours, "read", read_then_lose_the_race)
    outcome = pipeline.run(config, ours, today=dt.date(2027, 1, 12))
    assert not outcome.changed
    assert len(reads) == 2
    assert [r[1] for r in google_sheet.rows(f"{W2} Groups") or []].count("Zed Late") == 1
    assert [r[4] for r in google_sheet.rows("History") or []].count("zed@example.edu") == 1


@pytest.mark.parametrize(
    ("when", "placed"),
    [
        ("2027-01-13T11:30", True),  # the morning of the session: still placed
        ("2027-01-13T12:00", False),  # the session has started at [calendar] start
        ("2027-01-13T15:00", False),
    ],
)
def test_late_joiners_are_placed_until_the_session_starts_never_after(
    project: Path, capsys, when: str, placed: bool
):
    config = project / "mixitup.toml"
    config.write_text(CONFIG + 'start = "12:00"\ntimezone = "America/Denver"\n', encoding="utf-8")
    assert run(project, "2027-01-11") == 0
    join(project, "Rosa Late")
    capsys.readouterr()

    assert run(project, when) == 0

    assert ("Rosa Late" in groups(project, W2)) is placed
    if not placed:
        assert f"{W2} has started; late joiners are no longer added" in capsys.readouterr().err


def test_on_google_a_late_joiner_keeps_the_groups_tab_its_id_place_and_staff_formatting(
    google_sheet: GoogleSheet, tmp_path: Path
):
    google_sheet.seed("Roster", [list(HEADER), *map(list, make_roster(40))])
    config = tmp_path / "mixitup.toml"
    config.write_text(google_sheet.toml() + SCHOOL, encoding="utf-8")
    args = ["--config", str(config), "run", "--today"]
    assert main([*args, "2027-01-11"], session=google_sheet.session) == 0
    tab = google_sheet.tab(f"{W2} Groups")
    sheet_id, place = tab.sheet_id, google_sheet.titles().index(tab.title)
    tab.cells[(0, 1)]["userEnteredFormat"]["textFormat"]["italic"] = True  # staff's touch
    google_sheet.tab("Roster").cells[(41, 0)] = {"userEnteredValue": typed("Rosa Late")}
    for column, value in enumerate(["rosa@example.edu", "BE", "Mod 4", "late-BE"], 1):
        google_sheet.tab("Roster").cells[(41, column)] = {"userEnteredValue": typed(value)}

    assert main([*args, "2027-01-12"], session=google_sheet.session) == 0

    tab = google_sheet.tab(f"{W2} Groups")
    assert "Rosa Late" in [row[1] for row in google_sheet.rows(tab.title) or []]
    assert (tab.sheet_id, google_sheet.titles().index(tab.title)) == (sheet_id, place)
    assert tab.cells[(0, 1)]["userEnteredFormat"]["textFormat"] == {"bold": True, "italic": True}
