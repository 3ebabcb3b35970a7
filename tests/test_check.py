"""`mixitup check`: "ready" or every missing piece, by kind (2 config, 3 roster, 4 unreachable);
the crontab line for this install; never a secret; and it writes nothing, on either backend."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from mixitup.cli import main
from tests.helpers import HEADER, STUDENTS_ID, Two, make_roster, write_workbook
from tests.webhook_receiver import HOST, SECRET_PATH, Receiver

CALENDAR = '\n[calendar]\nmodule_starts = [2027-01-04, 2027-02-22]\ntimezone = "America/Denver"\n'
XLSX = '[spreadsheet]\nbackend = "xlsx"\npath = "staff.xlsx"\n[students]\npath = "students.xlsx"\n'
TODAY = ["--today", "2027-01-05"]


@pytest.fixture
def school(tmp_path: Path) -> Path:
    """A school folder: mixitup.toml and a staff workbook with 30 students."""
    folder = tmp_path / "school"
    folder.mkdir()
    write_workbook(folder / "staff.xlsx", {"Roster": [HEADER, *make_roster(30)]})
    (folder / "mixitup.toml").write_text(XLSX + CALENDAR, encoding="utf-8")
    return folder


def check(folder: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["--config", str(folder / "mixitup.toml"), "check", *TODAY, *extra])
    return code, capsys.readouterr().out


def flat(out: str) -> str:
    """The output with its wrapped lines joined: what a finding says, whatever the width."""
    return " ".join(out.split())


def contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_ready_school_says_ready_with_its_next_sessions_and_the_crontab_line(
    school: Path, capsys
):
    before = contents(school)
    code, out = check(school, capsys)
    assert code == 0, out
    assert contents(school) == before  # nothing written, no file made (no lock file either)
    assert "next sessions (12:00, America/Denver): Wed 2027-01-13 Week 2" in flat(out)
    assert "Wed 2027-01-27 Week 4" in flat(out)
    assert "Wed 2027-03-03 Week 2" in flat(out)
    assert "Wed 2027-03-17" not in flat(out)  # three, not more
    assert "30 students take part" in flat(out)
    assert "students.xlsx: not there yet; the first publish makes it" in flat(out)
    assert "Ready." in flat(out)
    cron = out.splitlines()[-1].strip()
    fields = shlex.split(cron)
    assert fields[:5] == ["17", "*", "*", "*", "*"]
    assert fields[5] == f"MIXITUP_HOME={school}"
    wrapper = Path(fields[6])
    assert wrapper.is_absolute()
    assert wrapper.name == "mixitup-cron"
    assert wrapper.is_file()


def test_the_crontab_line_runs_as_printed_and_publishes_into_the_school_folder(
    school: Path, capsys
):
    code, out = check(school, capsys)
    assert code == 0
    command = out.splitlines()[-1].strip().split(" ", 5)[5]  # what cron hands to /bin/sh
    done = subprocess.run(  # noqa: S602 - as cron runs it: through /bin/sh
        f"{command} --today 2027-01-11",
        shell=True,
        cwd="/",
        env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(school)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    log = (school / "logs" / "mixitup.log").read_text(encoding="utf-8")
    assert "published 2027-01-13 Week 2" in log


def test_every_roster_problem_and_the_example_rows_are_listed_with_exit_3(school: Path, capsys):
    path = school / "staff.xlsx"
    book = openpyxl.load_workbook(path)
    roster = book["Roster"]
    roster.cell(3, 3, "")  # a program left out
    roster.cell(5, 4, "Mod 9")  # no such module
    roster.append(["Ada Example", "ada@example.invalid", "BE", "Mod 1", "2701-BE", "Active"])
    book.save(path)
    before = contents(school)
    code, out = check(school, capsys)
    assert code == 3
    assert contents(school) == before
    problems = [line for line in out.splitlines() if "PROBLEM:" in line]
    assert len(problems) == 3, out
    assert "row 3" in problems[0]
    assert "row 5" in problems[1]
    assert 'Roster tab "Roster", row 32: the example rows mixitup init wrote' in problems[2]
    assert "Not ready: 3 problems" in flat(out)
    assert "Ready." not in flat(out)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # a value the configuration refuses
        (XLSX + CALENDAR + "\n[groups]\nsize = 1\n", "[groups] size must be 2 or more"),
        # no calendar: cron would never publish
        (XLSX, "no sessions: set [calendar] module_starts"),
        # a calendar that has ended
        (XLSX + "\n[calendar]\nmodule_starts = [2026-01-05]\n", "no sessions after 2027-01-05"),
    ],
)
def test_a_configuration_problem_exits_2(school: Path, capsys, text: str, said: str):
    (school / "mixitup.toml").write_text(text, encoding="utf-8")
    code, out = check(school, capsys)
    assert code == 2
    assert said in flat(out)


def test_without_a_configuration_file_check_says_how_to_make_one(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 2
    out = capsys.readouterr().out
    assert "config PROBLEM: No spreadsheet given" in flat(out)
    assert "mixitup init" in flat(out)


def test_a_missing_staff_workbook_is_a_configuration_problem(school: Path, capsys):
    (school / "staff.xlsx").unlink()
    code, out = check(school, capsys)
    assert code == 2
    assert "staff.xlsx does not exist" in flat(out)


def test_settings_are_named_but_secrets_never_shown(school: Path, capsys, monkeypatch):
    token, password, secret = "xoxb-111-222-s3cr3tSlackT0ken", "sm7p-pa55", "z00m-s3cr3t"
    webhook = f"https://{HOST}{SECRET_PATH}"
    (school / "mixitup.toml").write_text(
        XLSX
        + CALENDAR
        + f'\n[notify]\nwebhook = "{webhook}"\n'
        + f'\n[slack]\ntoken = "{token}"\n'
        + '\n[email]\nhost = "smtp.school.example"\nsender = "careers@school.example"\n'
        + 'username = "careers@school.example"\n'
        + f'\n[zoom]\naccount_id = "acc"\nclient_id = "cli"\nclient_secret = "{secret}"\n'
        + "meeting_id = 81234567890\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("MIXITUP_SMTP_PASSWORD", password)
    code, out = check(school, capsys, "-v")
    assert code == 0, out
    assert f"notices go to the webhook at {HOST} (address not shown)" in flat(out)
    assert "Slack: a bot token is set" in flat(out)
    assert "email: smtp.school.example:587 (starttls) from careers@school.example" in flat(out)
    assert "Zoom app set, meeting 812 3456 7890" in flat(out)
    for hidden in (SECRET_PATH, "s3cr3t", token, password, secret):
        assert hidden not in flat(out)


# -- Google -----------------------------------------------------------------------------------


@pytest.fixture
def google(google_two: Two) -> Two:
    google_two.seed(30)
    text = google_two.config.read_text(encoding="utf-8").replace(
        "module_starts = [2027-01-04]", "module_starts = [2027-01-04, 2027-02-22]"
    )
    google_two.config.write_text(text, encoding="utf-8")
    return google_two


def google_check(two: Two, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    assert two.google is not None
    code = two.cli("check", *TODAY)
    return code, capsys.readouterr().out


def test_on_google_check_names_the_identity_and_reads_each_spreadsheet_once(google: Two, capsys):
    assert google.google is not None
    code, out = google_check(google, capsys)
    assert code == 0, out
    email = google.google.client_email
    assert f"mixitup acts as the service account {email}" in flat(out)
    assert "write not checked: a read cannot tell an Editor from a Viewer" in flat(out)
    fake = google.google.fake
    assert fake.count("get", google.google.sheet_id) == 1
    assert fake.count("get", STUDENTS_ID) == 1
    assert fake.count("batchUpdate") == 0


def test_on_google_after_a_publish_check_sees_it_may_write_the_protected_tabs(google: Two, capsys):
    assert google.cli("run", "--today", "2027-01-11") == 0
    assert google.google is not None
    google.google.fake.forget_calls()
    capsys.readouterr()
    code, out = google_check(google, capsys)
    assert code == 0, out
    assert "Students' spreadsheet" in flat(out)
    assert "read and write (it may edit the tabs mixitup protects)" in flat(out)
    assert google.google.fake.count("batchUpdate") == 0
    assert "1 session published, the latest 2027-01-13 Week 2" in flat(out)


def test_on_google_a_students_sheet_shared_as_viewer_is_found_out_after_a_publish(
    google: Two, capsys
):
    assert google.cli("run", "--today", "2027-01-11") == 0
    assert google.google is not None
    assert google.students_book is not None
    email = google.google.client_email
    google.students_book.editors.discard(email)  # staff changed mixitup's access to Viewer
    google.students_book.readers.add(email)
    capsys.readouterr()
    code, out = google_check(google, capsys)
    assert code == 4
    assert "but not write: the tabs mixitup wrote there are protected against it" in flat(out)


def test_on_google_a_sheet_not_shared_exits_4_saying_whom_to_share_it_with(google: Two, capsys):
    assert google.google is not None
    assert google.students_book is not None
    google.students_book.editors.clear()
    code, out = google_check(google, capsys)
    assert code == 4
    assert google.google.client_email in flat(out)
    assert "Share" in flat(out)
    assert "30 students take part" in flat(out)  # the staff spreadsheet was still checked


def test_a_failed_run_points_to_check_in_its_message_and_its_notice(
    school: Path, capsys, monkeypatch
):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    receiver = Receiver()
    try:
        text = XLSX + CALENDAR + f'\n[notify]\nwebhook = "{receiver.url}"\n'
        (school / "mixitup.toml").write_text(text, encoding="utf-8")
        book = openpyxl.load_workbook(school / "staff.xlsx")
        book["Roster"].cell(3, 3, "")
        book.save(school / "staff.xlsx")
        config = school / "mixitup.toml"
        assert main(["--config", str(config), "run", "--today", "2027-01-11"]) == 3
        hint = f"Run `mixitup --config {config} check` to see everything that needs fixing."
        err = capsys.readouterr().err
        assert err.rstrip().endswith(hint)
        assert err.count("check` to see everything") == 1
        (notice,) = receiver.texts()
        assert notice.endswith(hint)
    finally:
        receiver.stop()


def test_each_finding_starts_with_its_topic(school: Path, capsys):
    """So staff can scan the left column."""
    code, out = check(school, capsys)
    assert code == 0
    topics = {line.split()[0] for line in out.splitlines() if line and not line[0].isspace()}
    assert {"config", "calendar", "spreadsheets", "roster", "notify"} <= topics
