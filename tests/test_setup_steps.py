"""docs/setup.md's "set up your school" steps on workbooks, walked end to end as staff would
type them: init with flags, fill the roster, check says ready, run publishes; every "next"
command mixitup prints works as printed, and every transcript in the page is what the commands
print today."""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import shlex
import subprocess
import sys
from pathlib import Path

import openpyxl

from mixitup.demo import FIRST, LAST

DOCS = Path(__file__).parent.parent / "docs" / "setup.md"
COHORTS = (
    (1, "BE", "2701-BE"),
    (1, "FE", "2701-FE"),
    (2, "BE", "2611-BE"),
    (2, "FE", "2611-FE"),
    (3, "BE", "2609-BE"),
    (3, "FE", "2609-FE"),
    (4, "BE", "2607-BE"),
    (4, "FE", "2607-FE"),
)
FIRST_MONDAY = dt.date(2027, 1, 4)  # the page's first module start
DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def fill_roster(path: Path) -> None:
    """Type 40 students over init's example rows, and one keep-apart pair, as staff would."""
    rng = random.Random(7)
    names = rng.sample([f"{first} {last}" for first in FIRST for last in LAST], 40)
    book = openpyxl.load_workbook(path)
    roster = book["Roster"]
    roster.delete_rows(2, roster.max_row)
    for index, name in enumerate(names):
        module, program, cohort = COHORTS[index % len(COHORTS)]
        email = name.lower().replace(" ", ".").replace("'", "") + "@students.example.edu"
        roster.append([name, email, program, f"Mod {module}", cohort, ""])
    book["Keep apart"].append([names[0], names[9], "siblings"])
    book.save(path)


def shifted(text: str, weeks: int) -> str:
    """Every date in `text` moved by whole weeks (weekdays stay the same)."""
    return DATE.sub(
        lambda m: (dt.date.fromisoformat(m.group(1)) + dt.timedelta(weeks=weeks)).isoformat(),
        text,
    )


def wrapper(text: str) -> list[str]:
    """Lines of output, the cron wrapper's folder (this install's) left out."""
    return re.sub(r"\S+/mixitup-cron$", "<install>/mixitup-cron", text, flags=re.M).splitlines()


def steps() -> list[tuple[str, str]]:
    """The walkthrough's steps in order: ("command", "$ ..." with its transcript) or ("fill",
    "")."""
    page = DOCS.read_text(encoding="utf-8")
    section = page.split("<!-- walkthrough: xlsx -->")[1].split("<!-- /walkthrough -->")[0]
    found: list[tuple[str, str]] = []
    for match in re.finditer(r"```console\n(.*?)```|<!-- fill the roster -->", section, re.S):
        if match.group(1) is None:
            found.append(("fill", ""))
            continue
        lines = [line.removeprefix("   ") for line in match.group(1).splitlines()]
        found.append(("command", "\n".join(lines).strip("\n")))
    return found


def test_the_set_up_steps_work_as_written_and_print_what_the_page_shows(tmp_path):
    # The page's term, moved to start after today, so "next sessions" are still to come.
    weeks = max(0, (dt.date.today() - FIRST_MONDAY).days // 7 + 1)
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
    }

    def sh(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S602 - as staff type it, in a shell
            command,
            shell=True,
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    ran: list[str] = []
    printed_next: list[str] = []
    cron: str | None = None
    for kind, block in steps():
        if kind == "fill":
            fill_roster(tmp_path / "school" / "mixitup.xlsx")
            continue
        command, *shown = block.splitlines()
        assert command.startswith("$ ")
        command = command[2:]
        if command == "make install":
            continue  # tests/test_install.py installs for real; here the test run's mixitup
        expected = 0
        if shown and (code := re.fullmatch(r"\(exit (\d)\)", shown[-1])):
            expected = int(code.group(1))
            shown = shown[:-1]
        if printed_next:  # the command mixitup said to run next is the one the page runs next
            assert command == printed_next.pop(0)
        done = sh(shifted(command, weeks))
        assert done.returncode == expected, done.stdout + done.stderr
        out = (done.stdout + done.stderr).replace(str(tmp_path), "~")
        assert wrapper(shifted(out, -weeks)) == wrapper("\n".join(shown)), f"{command} differs"
        ran.append(command)
        lines = done.stdout.splitlines()
        if any(line.startswith("Next") for line in lines):
            at = next(i for i, line in enumerate(lines) if line.startswith("Next"))
            printed_next = [line.strip() for line in lines[at + 1 :] if line.startswith("  ")]
        if lines and lines[-1].startswith("  17 * * * * "):
            cron = lines[-1].strip()

    assert ran[0].startswith("mixitup init school --module-start")
    assert any(c.endswith("check") for c in ran)
    assert any(" run --today " in c for c in ran)
    students = openpyxl.load_workbook(tmp_path / "school" / "students.xlsx")
    first = (FIRST_MONDAY + dt.timedelta(weeks=weeks, days=9)).isoformat()
    assert f"{first} Week 2 Groups" in students.sheetnames

    # The crontab line `check` printed, as cron runs it on the next publish day.
    assert cron is not None
    publish_day = FIRST_MONDAY + dt.timedelta(weeks=weeks + 3)
    line = shlex.split(cron)
    assert line[5].startswith("MIXITUP_HOME=")
    done = sh(f"{cron.split(' ', 5)[5]} --today {publish_day}")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    log = (tmp_path / "school" / "logs" / "mixitup.log").read_text(encoding="utf-8")
    fourth = (FIRST_MONDAY + dt.timedelta(weeks=weeks + 3, days=2)).isoformat()
    assert f"published {fourth} Week 4" in log
