"""End to end: `mixitup.cli.main([...])` and `python -m mixitup` on real .xlsx files."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from mixitup.cli import main, parser
from tests.helpers import make_roster, read_tab

DATE, WEEK = "2027-01-13", "2"
GROUPS, PROMPTS = f"{DATE} Week {WEEK} Groups", f"{DATE} Week {WEEK} Prompts"


def publish(path: Path, *extra: str) -> int:
    return main(["--workbook", str(path), "publish", "--date", DATE, "--week", WEEK, *extra])


def test_publish_writes_groups_prompts_and_history(make_workbook, capsys):
    path = make_workbook(students=50)
    assert publish(path) == 0
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Roster", GROUPS, PROMPTS, "History"]
    groups = book[GROUPS]
    rows = list(groups.iter_rows(values_only=True))
    assert rows[0] == ("Group", "Name", "Program", "Module", "Role")
    # One lead per group, an upper-module student (week 2: Mod 3 or Mod 4).
    leads = [r for r in rows[1:] if r[4] == "Lead"]
    assert sorted(r[0] for r in leads) == list(range(1, 9))
    assert {r[3] for r in leads} <= {"Mod 3", "Mod 4"}
    assert {r[4] for r in rows[1:]} == {"Lead", None}
    # Group after group, each group's lead first and then its members by name.
    names = [r[1] for r in rows[1:]]
    assert rows[1:] == sorted(rows[1:], key=lambda r: (r[0], r[4] != "Lead", r[1].casefold()))
    assert sorted(names) == sorted(r[0] for r in make_roster(50))
    sizes = Counter(r[0] for r in rows[1:])
    assert sorted(sizes) == list(range(1, 9))  # 50 students at size 6 -> 8 groups, numbered 1..8
    assert max(sizes.values()) - min(sizes.values()) <= 1
    assert groups.freeze_panes == "A2"
    assert groups["A2"].fill.fgColor.rgb != groups["A1"].fill.fgColor.rgb
    assert book["History"].sheet_state == "hidden"
    history = list(book["History"].iter_rows(values_only=True))
    assert history[0][:4] == ("Session", "Date", "Week", "Group")
    assert len(history) == 51
    role = history[0].index("Role")
    assert sorted((int(r[3]), r[5]) for r in history[1:] if r[role] == "Lead") == sorted(
        (r[0], r[1]) for r in leads
    )
    assert {r[4] for r in history[1:]} == {f"student{i:03d}@example.edu" for i in range(50)}
    prompts = [r[0] for r in book[PROMPTS].iter_rows(values_only=True)]
    assert "Norms" in prompts
    assert any(str(line).startswith("If you lead your group") for line in prompts)
    assert any("breakout room" in str(line) for line in prompts)
    out = capsys.readouterr().out
    assert f"Published {DATE} Week 2" in out
    assert "repeat pairs: 0" in out


def test_publish_twice_changes_not_one_byte(make_workbook, capsys):
    path = make_workbook()
    assert publish(path) == 0
    before = path.read_bytes()
    assert publish(path) == 0
    assert path.read_bytes() == before
    assert "already published" in capsys.readouterr().out


def test_force_replaces_tabs_and_history_rows_in_one_write(make_workbook):
    path = make_workbook(students=30)
    assert publish(path) == 0
    first = read_tab(path, GROUPS)
    main(["--workbook", str(path), "publish", "--date", "2027-01-27", "--week", "4"])
    assert publish(path, "--force", "--force-past") == 0
    book = openpyxl.load_workbook(path)
    assert book.sheetnames.count(GROUPS) == 1
    assert book.sheetnames.count(PROMPTS) == 1
    sessions = Counter(r[0] for r in list(book["History"].iter_rows(values_only=True))[1:])
    assert sessions == {f"{DATE} Week 2": 30, "2027-01-27 Week 4": 30}
    assert len(read_tab(path, GROUPS)) == len(first)


def test_force_on_a_past_session_needs_force_past(make_workbook, capsys):
    path = make_workbook()
    past = ["--workbook", str(path), "publish", "--date", "2026-01-14", "--week", "2"]
    assert main(past) == 2  # a new session dated in the past: who met whom would be invented
    assert "is in the past" in capsys.readouterr().err
    assert main([*past, "--force-past"]) == 0  # it did take place, without mixitup
    before = path.read_bytes()
    assert main([*past, "--force"]) == 2
    assert "--force-past" in capsys.readouterr().err
    assert path.read_bytes() == before
    assert main([*past, "--force", "--force-past"]) == 0


def test_plan_shows_groups_and_writes_nothing(make_workbook, capsys):
    path = make_workbook(students=24)
    before = path.read_bytes()
    assert main(["--workbook", str(path), "plan", "--date", DATE, "--week", WEEK]) == 0
    out = capsys.readouterr().out
    assert "24 students" in out
    assert "Group 4:" in out
    assert "groups with an upper-module lead: 4" in out
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "name",
    [
        '=HYPERLINK("http://evil.example","click")',  # a formula must stay text
        "+1 555 0100",  # would be a number or formula in a spreadsheet
        "-x",
        "@handle",
        "Zoë 🚀 Nguyễn",
        "מרים כהן",  # right to left
        "A" * 300,
    ],
)
def test_hostile_names_are_published_exactly_as_text(make_workbook, name):
    rows = make_roster(12)
    rows[0] = (name, "hostile@example.edu", *rows[0][2:])
    path = make_workbook(rows=rows)
    assert publish(path) == 0
    book = openpyxl.load_workbook(path)
    cells = [c for row in book[GROUPS].iter_rows() for c in row if c.value == name]
    assert len(cells) == 1
    assert cells[0].data_type == "s"


def test_roster_problems_exit_3_and_leave_the_file_alone(make_workbook, capsys):
    rows = make_roster(12)
    rows[2] = ("", *rows[2][1:])
    rows[5] = (*rows[5][:3], "Mod 7", *rows[5][4:])
    path = make_workbook(rows=rows)
    before = path.read_bytes()
    assert publish(path) == 3
    err = capsys.readouterr().err
    assert 'Roster tab "Roster", row 4, column A (name): the name is empty' in err
    assert 'row 7, column D (module): "Mod 7" is not a module' in err
    assert path.read_bytes() == before


def test_missing_workbook_is_a_usage_error_and_creates_nothing(tmp_path, capsys):
    path = tmp_path / "nowhere.xlsx"
    assert publish(path) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not path.exists()


def test_no_spreadsheet_named_says_how_to_name_one(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIXITUP_CONFIG", raising=False)
    assert main(["plan", "--date", DATE, "--week", WEEK]) == 2
    assert "--workbook" in capsys.readouterr().err


def test_every_subcommand_has_help_text():
    command_line = parser()
    commands = next(a for a in command_line._actions if a.dest == "==SUPPRESS==" and a.choices)
    for choice in commands._choices_actions:
        assert choice.help, choice.dest
    for name, command in commands.choices.items():
        assert "example" in (command.epilog or ""), name  # each command shows one example


def test_python_dash_m_runs_the_cli(make_workbook):
    path = make_workbook()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mixitup",
            "--workbook",
            str(path),
            "publish",
            "--date",
            DATE,
            "--week",
            WEEK,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"Published {DATE} Week 2" in result.stdout
    assert "published 2027-01-13 Week 2: 48 students in 8 groups" in result.stderr


def test_demo_builds_a_staff_workbook_and_a_students_one_with_nothing_private(tmp_path, capsys):
    assert main(["demo", "--dir", str(tmp_path)]) == 0
    staff = openpyxl.load_workbook(tmp_path / "mixitup.xlsx")
    assert staff.sheetnames == ["Roster", "Keep apart", "History"]
    history = list(staff["History"].iter_rows(values_only=True))[1:]
    assert Counter(row[0] for row in history) == {
        "2027-01-13 Week 2": 225,
        "2027-01-27 Week 4": 225,
    }
    book = openpyxl.load_workbook(tmp_path / "students.xlsx")
    assert book.sheetnames == [
        "How to use this sheet",
        "2027-01-27 Week 4 Groups",  # the newest session first
        "2027-01-27 Week 4 Prompts",
        "2027-01-13 Week 2 Groups",
        "2027-01-13 Week 2 Prompts",
    ]
    assert all(ws.sheet_state == "visible" and ws.protection.sheet for ws in book.worksheets)
    text = [str(v) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for v in r]
    roster = list(staff["Roster"].iter_rows(values_only=True))
    private = {v for row in roster[1:] for v in (row[1], row[4], row[5], row[6]) if v}
    assert private >= {"Withdrawn", "On leave", "repeating Mod 2"}  # the demo has them
    assert not [v for v in text if "@" in v or v in private or v in {"History", "Keep apart"}]
    out = capsys.readouterr().out
    assert out.count("repeat pairs: 0") == 2
    assert f"Share {tmp_path / 'students.xlsx'} with students" in out
    assert (tmp_path / "mixitup.toml").is_file()


def test_a_file_that_is_not_a_workbook_exits_3_untouched(tmp_path, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_text("Name,Program,Module\nAnn,BE,4\n")  # a CSV saved with the wrong ending
    assert publish(path) == 3
    assert "is not a readable .xlsx workbook" in capsys.readouterr().err
    assert path.read_text() == "Name,Program,Module\nAnn,BE,4\n"


def test_a_week_the_staff_template_lacks_says_which_weeks_it_has(make_workbook, tmp_path, capsys):
    path = make_workbook()
    (tmp_path / "prompts.toml").write_text(
        'how_to_meet = ["Meet."]\nnorms = ["Be kind."]\n'
        '[week.2]\nprompts = ["Say hi."]\nagenda = ["0:00 Hi"]\n'
        '[week.4]\nprompts = ["Say hi."]\nagenda = ["0:00 Hi"]\n'
    )
    (tmp_path / "mixitup.toml").write_text(
        '[spreadsheet]\npath = "roster.xlsx"\n[prompts]\ntemplate = "prompts.toml"\n'
    )
    before = path.read_bytes()
    config = ["--config", str(tmp_path / "mixitup.toml")]
    assert main([*config, "publish", "--date", DATE, "--week", "3"]) == 2
    assert "no prompts for week 3 (weeks it has: 2, 4)" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_staff_prompts_template_replaces_the_defaults(make_workbook, tmp_path):
    path = make_workbook()
    (tmp_path / "prompts.toml").write_text(
        'how_to_meet = ["Meet in {zoom}."]\nnorms = ["Be kind."]\n'
        '[week.2]\ntitle = "Our networking hour"\nprompts = ["Say hi."]\nagenda = ["0:00 Hi"]\n'
    )
    (tmp_path / "mixitup.toml").write_text(
        '[spreadsheet]\npath = "roster.xlsx"\n'
        '[meeting]\nzoom = "Room 9"\nurl = "https://zoom.example/j/123"\n'
        '[calendar]\nstart = "18:30"\ntimezone = "America/Denver"\n'
        '[prompts]\ntemplate = "prompts.toml"\n'
    )
    assert (
        main(
            ["--config", str(tmp_path / "mixitup.toml"), "publish", "--date", DATE, "--week", WEEK]
        )
        == 0
    )
    cells = [r[0] for r in read_tab(path, PROMPTS)]
    assert cells[:4] == [
        "Our networking hour",
        "Wednesday 13 January 2027",
        "Starts 18:30 MST (America/Denver)",
        "Join: https://zoom.example/j/123",
    ]
    assert "Meet in Room 9." in cells
    assert "Say hi." in cells


def test_demo_will_not_overwrite_a_real_configuration(tmp_path, capsys):
    (tmp_path / "mixitup.toml").write_text('[spreadsheet]\npath = "school.xlsx"\n')
    assert main(["demo", "--dir", str(tmp_path)]) == 2
    assert "is not a demo's" in capsys.readouterr().err
    assert not (tmp_path / "mixitup.xlsx").exists()


def test_demo_runs_again_over_its_own_folder(tmp_path):
    assert main(["-q", "demo", "--dir", str(tmp_path)]) == 0
    assert main(["-q", "demo", "--dir", str(tmp_path)]) == 0


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("week = 3\n", "weeks must be sections like [week.2]"),  # not a table of weeks
        ("[week.2]\ntitle = 5\nprompts = []\nagenda = []\n", "title must be text"),
        (
            'norms = "be kind"\nhow_to_meet = []\n[week.2]\nprompts = []\nagenda = []\n',
            "norms must be a list of texts",
        ),
    ],
)
def test_a_malformed_prompts_template_is_explained(
    make_workbook, tmp_path, capsys, template, message
):
    make_workbook()
    (tmp_path / "prompts.toml").write_text(template)
    (tmp_path / "mixitup.toml").write_text(
        '[spreadsheet]\npath = "roster.xlsx"\n[prompts]\ntemplate = "prompts.toml"\n'
    )
    assert (
        main(["--config", str(tmp_path / "mixitup.toml"), "plan", "--date", DATE, "--week", WEEK])
        == 2
    )
    assert message in capsys.readouterr().err


def test_a_reader_that_stops_reading_gets_no_traceback(make_workbook):
    """`mixitup plan | head -1`: the pipe closes before mixitup writes; its work is done."""
    path = make_workbook()
    plan = [sys.executable, "-m", "mixitup", "--workbook", str(path), "plan"]
    with subprocess.Popen(
        [*plan, "--date", "2027-01-13", "--week", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        process.stdout.close()  # before anything is written: every write finds no reader
        errors = process.stderr.read()
    assert process.returncode == 0
    assert "Traceback" not in errors


def test_the_demos_next_steps_run_as_printed_from_another_folder(tmp_path):
    """Run by its path from elsewhere, the demo names that path in its next steps."""
    script = Path(sys.executable).parent / "mixitup"
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # this install is not on the PATH
    done = subprocess.run(
        [str(script), "-q", "demo", "--dir", "school"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    steps = done.stdout.split("Try next:\n")[1].splitlines()
    assert steps[0].startswith(f"  {script} --config school/mixitup.toml status")
    for step in steps:
        ran = subprocess.run(
            shlex.split(step), cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert ran.returncode == 0, ran.stderr
