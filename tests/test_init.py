"""`mixitup init [DIR]`: a school folder (settings from flags or asked, a Roster template), every
flag honoured, a "next" line that works as printed; never clobbers, never inside the code."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import select
import shlex
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from mixitup import starter
from mixitup.cli import main, parser
from mixitup.config import KNOWN_KEYS, load_config
from tests.helpers import HEADER, make_roster, write_workbook

REPO = Path(__file__).parent.parent
CALENDAR = ["--module-start", "2027-01-04", "--module-start", "2027-02-22"]


def printed(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command exactly as mixitup printed it, in a shell, with the installed `mixitup` on
    PATH (this test run's)."""
    return subprocess.run(  # noqa: S602 - the point: the line as staff paste it
        command,
        shell=True,
        cwd=cwd,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def next_commands(out: str) -> list[str]:
    """The commands under init's "Next" line, as printed."""
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Next"))
    return [line.strip() for line in lines[at + 1 :] if line.startswith("  ")]


def test_init_dir_with_flags_writes_a_school_folder_with_those_answers(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    args = [*CALENDAR, "--weekday", "thu", "--start", "13:30", "--size", "5"]
    assert main(["init", "school", *args, "--timezone", "America/Denver"]) == 0
    out = capsys.readouterr().out
    config = load_config(str(tmp_path / "school" / "mixitup.toml"), env={})
    assert config.backend == "xlsx"
    assert config.workbook == tmp_path / "school" / "mixitup.xlsx"
    assert config.students is not None
    assert config.students.workbook == tmp_path / "school" / "students.xlsx"
    assert config.calendar.module_starts == (dt.date(2027, 1, 4), dt.date(2027, 2, 22))
    assert config.calendar.weekday == 3
    assert config.calendar.start == dt.time(13, 30)
    assert config.calendar.timezone == "America/Denver"
    assert config.group_size == 5
    assert "school/mixitup.toml" in out
    assert next_commands(out) == ["mixitup --config school/mixitup.toml check"]


def test_the_staff_workbook_has_a_roster_template_and_a_keep_apart_tab(tmp_path):
    assert main(["init", str(tmp_path / "school"), *CALENDAR]) == 0
    book = openpyxl.load_workbook(tmp_path / "school" / "mixitup.xlsx")
    assert book.sheetnames == ["Roster", "Keep apart"]
    rows = [list(r) for r in book["Roster"].iter_rows(values_only=True)]
    assert rows[0] == ["Name", "Email", "Program", "Module", "Cohort", "Status"]
    assert len(rows) == 4
    assert all(row[1].endswith("@example.invalid") for row in rows[1:])
    assert next(book["Keep apart"].iter_rows(values_only=True))[:2] == ("Student", "Student")
    assert not (tmp_path / "school" / "students.xlsx").exists()  # the first publish makes it


def test_the_next_line_works_as_printed_and_check_reports_the_example_rows(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert main(["init", "school", *CALENDAR]) == 0
    (command,) = next_commands(capsys.readouterr().out)
    done = printed(command, tmp_path)
    assert done.returncode == 3, done.stderr
    assert 'Roster tab "Roster", rows 2, 3, 4: the example rows mixitup init wrote' in done.stdout
    assert "Not ready: 1 problem" in done.stdout


def test_init_honours_workbook_and_students_workbook_and_keeps_an_existing_roster(
    tmp_path, monkeypatch, capsys
):
    """`--workbook X --students-workbook Y` used to be silently ignored."""
    monkeypatch.chdir(tmp_path)
    roster = write_workbook(tmp_path / "our-roster.xlsx", {"Roster": [HEADER, *make_roster(12)]})
    before = roster.read_bytes()
    args = ["--workbook", "our-roster.xlsx", "--students-workbook", "school/for-students.xlsx"]
    assert main([*args, "init", "school", *CALENDAR]) == 0
    out = capsys.readouterr().out
    assert roster.read_bytes() == before
    assert not (tmp_path / "school" / "mixitup.xlsx").exists()
    text = (tmp_path / "school" / "mixitup.toml").read_text(encoding="utf-8")
    assert f"path = {json.dumps(str(roster))}" in text  # outside the folder: absolute
    assert 'path = "for-students.xlsx"' in text  # inside it: relative to the file
    config = load_config(str(tmp_path / "school" / "mixitup.toml"), env={})
    assert config.workbook == roster
    assert config.students is not None
    assert config.students.workbook == tmp_path / "school" / "for-students.xlsx"
    assert re.search(r"our-roster.xlsx\s+your staff workbook, kept as it is", out)
    (command,) = next_commands(out)
    done = printed(command, tmp_path)
    assert done.returncode == 0, done.stdout
    assert "Ready." in done.stdout


def test_init_for_google_names_the_service_account_to_share_both_sheets_with(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    key = {"type": "service_account", "client_email": "mix@school-123.iam.gserviceaccount.com"}
    (tmp_path / "key.json").write_text(json.dumps(key), encoding="utf-8")
    staff_id, students_id = "1StaffSheet0123456789", "1StudentsSheet0123456789"
    args = ["--sheet-id", staff_id, "--students-sheet-id", students_id, "--credentials", "key.json"]
    assert main(["init", "school", "--backend", "google", *args, *CALENDAR]) == 0
    out = capsys.readouterr().out
    config = load_config(str(tmp_path / "school" / "mixitup.toml"), env={})
    assert (config.backend, config.sheet_id) == ("google", staff_id)
    assert config.students is not None
    assert config.students.sheet_id == students_id
    assert config.credentials == tmp_path / "key.json"
    assert not (tmp_path / "school" / "mixitup.xlsx").exists()
    assert "mixitup acts as the service account mix@school-123.iam.gserviceaccount.com" in out
    assert f"https://docs.google.com/spreadsheets/d/{staff_id}" in out
    assert f"https://docs.google.com/spreadsheets/d/{students_id}" in out
    assert out.count("add mix@school-123.iam.gserviceaccount.com > Editor") == 2
    assert "Anyone with the link" in out
    assert next_commands(out)[-1] == "mixitup --config school/mixitup.toml check"


def test_init_for_google_without_credentials_says_to_sign_in_with_mixitup_login(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    args = ["--backend", "google", "--sheet-id", "1StaffSheet0123456789"]
    assert main(["init", "school", *args]) == 0
    out = capsys.readouterr().out
    login = tmp_path / "config" / "mixitup" / "google-credentials.json"
    assert "  mixitup login" in out
    text = (tmp_path / "school" / "mixitup.toml").read_text(encoding="utf-8")
    assert f"credentials = {json.dumps(str(login))}" in text
    assert "put their ids in [spreadsheet] id and [students] id" in out


def test_starter_names_and_explains_every_configuration_key(tmp_path):
    assert main(["init", str(tmp_path)]) == 0
    lines = (tmp_path / "mixitup.toml").read_text(encoding="utf-8").splitlines()
    for section, keys in KNOWN_KEYS.items():
        assert f"[{section}]" in lines
        for key in keys:
            at = next(
                (i for i, line in enumerate(lines) if re.match(rf"^#? ?{key} = ", line)), None
            )
            assert at is not None, f"[{section}] {key} is missing"
            assert lines[at - 1].startswith("#"), f"[{section}] {key} has no comment above it"


def test_starter_with_every_commented_key_enabled_still_loads(tmp_path):
    """Uncommenting the examples gives a valid file: the comments show real syntax."""
    text = re.sub(r"^# ((?:[a-z_]+) = .*)$", r"\1", starter.starter_text(), flags=re.MULTILINE)
    text = text.replace('backend = "xlsx"', 'backend = "google"')
    (tmp_path / "mixitup.toml").write_text(text, encoding="utf-8")
    config = load_config(cwd=tmp_path, env={})
    assert config.backend == "google"
    assert config.sheet_id == "1AbC...xyz"
    assert config.credentials == tmp_path / "credentials.json"
    assert config.programs == ("BE", "FE")


def test_init_without_answers_writes_the_defaults_and_check_asks_for_the_calendar(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0  # stdin is no terminal here: nothing is asked
    config = load_config(cwd=tmp_path, env={})
    assert config.group_size == 6
    assert config.calendar.session_weeks == (2, 4)
    assert config.calendar.module_starts == ()
    (command,) = next_commands(capsys.readouterr().out)
    assert command == "mixitup check"
    done = printed(command, tmp_path)
    assert done.returncode == 2
    assert "no sessions: set [calendar] module_starts" in done.stdout


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "mixitup.toml").write_text("# mine\n", encoding="utf-8")
    assert main(["init", str(tmp_path), *CALENDAR]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "mixitup.toml").read_text(encoding="utf-8") == "# mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mixitup.toml"]


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--weekday", "funday"], "not a day of the week"),
        (["--module-start", "2027-13-01"], "not a date"),
        (["--timezone", "Mars/Olympus"], "not a time zone"),
        (["--size", "1"], "2 or more"),
        (["--sheet-id", "1StaffSheet0123456789"], "add --backend google"),
    ],
)
def test_a_wrong_answer_exits_2_and_writes_nothing(tmp_path, capsys, flags, said):
    assert main(["init", str(tmp_path / "school"), *flags]) == 2
    assert said in capsys.readouterr().err
    assert not (tmp_path / "school").exists()


def test_init_refuses_a_folder_inside_the_code_unless_here(tmp_path, capsys):
    clone = tmp_path / "mixitup"
    (clone / "mixitup" / "cli").mkdir(parents=True)
    (clone / "pyproject.toml").write_text("[project]\n", encoding="utf-8")
    assert main(["init", str(clone / "school"), *CALENDAR]) == 2
    assert "inside mixitup's own code folder" in capsys.readouterr().err
    assert not (clone / "school").exists()
    assert main(["init", str(clone / "school"), "--here", *CALENDAR]) == 0
    assert (clone / "school" / "mixitup.toml").is_file()


@pytest.mark.parametrize(
    "path",
    ["mixitup.toml", "school/mixitup.toml", "school/roster.xlsx", "logs/mixitup.log",
     "school/logs/x", "credentials.json", "school/credentials-sa.json",
     "client_secret_123.json", "google-credentials.json"],
)  # fmt: skip
def test_gitignore_keeps_a_school_set_up_inside_the_clone_out_of_git(path):
    git = ["git", "check-ignore", "--no-index", "-q", path]
    done = subprocess.run(git, cwd=REPO, check=False)
    assert done.returncode == 0, f"{path} is not ignored"


def test_gitignore_still_tracks_the_example_credentials():
    git = ["git", "check-ignore", "--no-index", "-q", "credentials.example.json"]
    done = subprocess.run(git, cwd=REPO, check=False)
    assert done.returncode == 1


def test_asking_keeps_defaults_on_enter_and_asks_again_after_a_wrong_answer(tmp_path):
    answers = iter(["2027-01-04 2027-02-22", "someday", "tue", "", "Europe/London", "4", ""])
    told: list[str] = []
    school = starter.ask_school(
        starter.School(tmp_path), frozenset(), lambda _: next(answers), told.append
    )
    assert school.module_starts == (dt.date(2027, 1, 4), dt.date(2027, 2, 22))
    assert school.weekday == "tuesday"
    assert school.start == "12:00"
    assert school.timezone == "Europe/London"
    assert school.size == 4
    assert school.backend == "xlsx"
    assert told == ["  'someday' is not a day of the week (monday ... sunday)."]


def test_asking_skips_what_the_flags_answered(tmp_path):
    asked: list[str] = []

    def ask(question: str) -> str:
        asked.append(question)
        return ""

    given = frozenset({"module_starts", "weekday", "start", "timezone", "size"})
    starter.ask_school(starter.School(tmp_path), given, ask, print)
    assert len(asked) == 1
    assert asked[0].startswith("Spreadsheets: xlsx")


def in_a_terminal(folder: Path, args: list[str], answers: list[str]) -> tuple[int, str, str]:
    """`python -m mixitup ARGS` with a pseudo-terminal for stdin, answers typed into it."""
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "mixitup", *args],
        cwd=folder,
        env={**os.environ, "XDG_CONFIG_HOME": str(folder / "config")},
        stdin=follower,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(follower)
    for answer in answers:
        os.write(leader, f"{answer}\n".encode())
    out, err = process.communicate(timeout=60)
    _drain(leader)
    os.close(leader)
    return process.returncode, out, err


def test_init_in_a_terminal_asks_what_the_flags_left_out(tmp_path):
    """Through a pseudo-terminal, as staff type the answers."""
    answers = ["2027-01-04, 2027-02-22", "friday", "9:15", "America/Chicago", "xlsx"]
    code, out, err = in_a_terminal(tmp_path, ["init", "school", "--size", "5"], answers)
    assert code == 0, err
    config = load_config(str(tmp_path / "school" / "mixitup.toml"), env={})
    assert config.calendar.module_starts == (dt.date(2027, 1, 4), dt.date(2027, 2, 22))
    assert config.calendar.weekday == 4
    assert config.calendar.start == dt.time(9, 15)
    assert config.calendar.timezone == "America/Chicago"
    assert config.group_size == 5
    assert "Students per group" not in out  # given as a flag: not asked
    assert "Session weekday [wednesday]: " in out


def test_init_in_a_terminal_asks_for_both_google_sheets_and_names_the_login_file(tmp_path):
    staff = "https://docs.google.com/spreadsheets/d/1StaffSheet0123456789/edit#gid=0"
    answers = ["2027-01-04", "", "", "", "", "google", staff, "1StudentsSheet0123456789"]
    code, out, err = in_a_terminal(tmp_path, ["init", "school"], answers)
    assert code == 0, err
    config = load_config(str(tmp_path / "school" / "mixitup.toml"), env={})
    assert (config.backend, config.sheet_id) == ("google", "1StaffSheet0123456789")
    assert config.students is not None
    assert config.students.sheet_id == "1StudentsSheet0123456789"
    assert config.credentials == tmp_path / "config" / "mixitup" / "google-credentials.json"
    assert "  mixitup login" in out


def _drain(fd: int) -> None:
    """Read what the terminal echoed, so closing it loses nothing the child still writes."""
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline and select.select([fd], [], [], 0.05)[0]:
        try:
            if not os.read(fd, 4096):
                return
        except OSError:
            return


def test_init_runs_as_python_dash_m(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "mixitup", "init", "school", *CALENDAR],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "school" / "mixitup.toml").is_file()
    assert shlex.split(next_commands(done.stdout)[0])[0] == "mixitup"


@pytest.mark.parametrize(
    "command", [["init"], ["check"], ["run"], ["status"], ["export"], ["export", "zoom"]]
)
def test_unattended_commands_have_help_text(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        parser().parse_args([*command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    description = out.split("\n\n")[1]
    assert len(description.split()) >= 5, out


def test_init_then_run_says_the_calendar_is_missing_and_points_to_check(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "set [calendar] module_starts in" in err
    assert f"Run `mixitup --config {tmp_path / 'mixitup.toml'} check`" in err
