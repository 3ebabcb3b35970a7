"""Killed or concurrent publishes never tear the workbook: old state or whole session, only."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from mixitup import layout, pipeline
from mixitup.backends import open_backend
from mixitup.history import read_history
from mixitup.models import Change, Session
from tests.fake_sheets import GoogleSheet
from tests.helpers import HEADER, make_roster, write_workbook

DATE = "2027-01-13"
SESSION = f"{DATE} Week 2"


def start_publish(path: Path, date: str = DATE, week: str = "2") -> subprocess.Popen[str]:
    command = ["--workbook", str(path), "publish", "--date", date, "--week", week]
    return subprocess.Popen(
        [sys.executable, "-m", "mixitup", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def sessions_in(path: Path, students: int) -> set[str]:
    """The sessions the workbook holds whole; fails on any torn or partial state."""
    book = openpyxl.load_workbook(path)
    history = (
        Counter(r[0] for r in list(book["History"].iter_rows(values_only=True))[1:])
        if ("History" in book.sheetnames)
        else Counter()
    )
    found = set()
    for title in book.sheetnames:
        if title.endswith(" Groups"):
            session = title.removesuffix(" Groups")
            assert f"{session} Prompts" in book.sheetnames
            assert history[session] == students, "history rows disagree with the tabs"
            assert book[title].max_row == students + 1
            found.add(session)
    assert set(history) == found
    return found


def test_publish_killed_at_any_instant_leaves_old_or_whole_workbook(tmp_path):
    students = 600
    path = write_workbook(tmp_path / "big.xlsx", {"Roster": [HEADER, *make_roster(students)]})
    original = path.read_bytes()
    started = time.monotonic()
    finished = start_publish(path)
    assert finished.wait(timeout=300) == 0, finished.stderr.read() if finished.stderr else ""
    duration = time.monotonic() - started
    assert sessions_in(path, students) == {SESSION}
    outcomes = Counter()
    for step in range(8):
        path.write_bytes(original)
        process = start_publish(path)
        time.sleep(duration * (0.5 + step / 14))  # the later half: where the save happens
        process.send_signal(signal.SIGKILL)
        process.wait()
        whole = sessions_in(path, students)
        assert whole in (set(), {SESSION})
        assert (path.read_bytes() == original) == (whole == set())
        outcomes["old" if whole == set() else "new"] += 1
    assert outcomes["old"] >= 1  # the kills did land before the rename at least once
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".big.xlsx.tmp-")]
    path.write_bytes(original)
    assert start_publish(path).wait(timeout=300) == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".big.xlsx.tmp-")], leftovers


def test_two_publishes_of_one_session_at_once_write_it_once(tmp_path):
    path = write_workbook(tmp_path / "roster.xlsx", {"Roster": [HEADER, *make_roster(120)]})
    first, second = start_publish(path), start_publish(path)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    assert (first.returncode, second.returncode) == (0, 0), outputs
    said = sorted("already published" in out for out, _ in outputs)
    assert said == [False, True]
    assert sessions_in(path, 120) == {SESSION}


def test_two_sessions_published_at_once_both_land_whole(tmp_path):
    path = write_workbook(tmp_path / "roster.xlsx", {"Roster": [HEADER, *make_roster(120)]})
    processes = [start_publish(path), start_publish(path, "2027-01-27", "4")]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert sessions_in(path, 120) == {SESSION, "2027-01-27 Week 4"}


def test_lock_file_held_elsewhere_makes_the_writer_wait_not_fail(tmp_path):
    import fcntl

    path = write_workbook(tmp_path / "roster.xlsx", {"Roster": [HEADER, *make_roster(30)]})
    lock = (tmp_path / ".roster.xlsx.lock").open("a")
    fcntl.flock(lock, fcntl.LOCK_EX)
    process = start_publish(path)
    time.sleep(1.5)
    assert process.poll() is None  # waiting for the lock
    fcntl.flock(lock, fcntl.LOCK_UN)
    lock.close()
    assert process.wait(timeout=60) == 0
    assert sessions_in(path, 30) == {SESSION}


def test_a_write_leaves_no_lock_file_beside_the_workbook(tmp_path):
    path = write_workbook(tmp_path / "roster.xlsx", {"Roster": [HEADER, *make_roster(30)]})
    assert start_publish(path).wait(timeout=60) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.xlsx"]


def test_a_writer_waiting_on_a_removed_lock_file_waits_for_the_one_there_now(tmp_path):
    """The lock file is removed by its holder after each write: a writer that was waiting on
    it must then lock the file now at that path, or two writers would both hold "the" lock."""
    import fcntl

    path = write_workbook(tmp_path / "roster.xlsx", {"Roster": [HEADER, *make_roster(30)]})
    lock_path = tmp_path / ".roster.xlsx.lock"
    first = lock_path.open("a")
    fcntl.flock(first, fcntl.LOCK_EX)
    process = start_publish(path)
    time.sleep(1.5)  # the publisher waits on the first lock file
    lock_path.unlink()  # its holder leaves, as mixitup does: removed while held...
    second = lock_path.open("a")  # ...and another writer arrives and locks a new one
    fcntl.flock(second, fcntl.LOCK_EX)
    fcntl.flock(first, fcntl.LOCK_UN)
    first.close()
    before = path.read_bytes()
    time.sleep(1.5)
    assert process.poll() is None  # still waiting, now for the new lock file
    assert path.read_bytes() == before
    fcntl.flock(second, fcntl.LOCK_UN)
    second.close()
    assert process.wait(timeout=60) == 0
    assert sessions_in(path, 30) == {SESSION}


@pytest.mark.parametrize("second", ["publish", "force"])
def test_on_google_two_runs_writing_different_sessions_at_once_both_land_whole(
    google_sheet: GoogleSheet, second: str
) -> None:
    """A run that read before another one wrote reads again; no history row is lost."""
    google_sheet.seed("Roster", [list(HEADER), *map(list, make_roster(36))])
    config = google_sheet.config(group_size=4)
    week2, week4 = Session(dt.date(2027, 1, 13), 2), Session(dt.date(2027, 1, 27), 4)
    if second == "force":  # staff replace week 4 by hand while cron publishes week 2
        pipeline.publish(
            config, open_backend(config, google_sheet.session), week4, today=dt.date(2027, 1, 1)
        )
    slow = open_backend(config, google_sheet.session)
    write = slow.apply
    other_done = []

    def apply_after_the_other_run(change: Change) -> None:
        if not other_done:  # the other run writes between this run's read and its write
            other_done.append(
                pipeline.publish(config, open_backend(config, google_sheet.session), week2)
            )
        write(change)

    slow.apply = apply_after_the_other_run  # type: ignore[method-assign]

    outcome = pipeline.publish(
        config, slow, week4, force=second == "force", today=dt.date(2027, 1, 1)
    )

    assert outcome.action == ("replaced" if second == "force" else "published")
    history = read_history(open_backend(config, google_sheet.session).read())
    assert Counter(e.session for e in history.entries) == {
        layout.label(week2): 36,
        layout.label(week4): 36,
    }
    met2 = history.met(before=week4)
    assert not any(
        frozenset((a, b)) in met2
        for keys in history.groups_of(week4).values()
        for a in keys
        for b in keys
        if a < b
    )  # the run that read again also kept week 2's pairs apart


TWO = """\
[spreadsheet]
backend = "xlsx"
path = "staff.xlsx"

[students]
path = "students.xlsx"

[calendar]
module_starts = [2027-01-04]
"""


def _record_and_tabs(folder: Path) -> tuple[dict[str, str], dict[str, str] | None]:
    """(name -> group the staff record holds for the session, the same from the students' tab).

    Fails on a torn workbook: every tab mixitup wrote must be whole.
    """
    staff = openpyxl.load_workbook(folder / "staff.xlsx")
    record = {}
    if "History" in staff.sheetnames:
        rows = list(staff["History"].iter_rows(values_only=True))
        record = {r[5]: str(r[3]) for r in rows[1:] if r[0] == SESSION}
    path = folder / "students.xlsx"
    if not path.exists():
        return record, None
    book = openpyxl.load_workbook(path)
    if f"{SESSION} Groups" not in book.sheetnames:
        return record, None
    assert book.sheetnames[:3] == [
        "How to use this sheet",
        f"{SESSION} Groups",
        f"{SESSION} Prompts",
    ]
    assert all(ws.protection.sheet for ws in book.worksheets)
    rows = list(book[f"{SESSION} Groups"].iter_rows(values_only=True))
    return record, {r[1]: str(r[0]) for r in rows[1:]}


def test_two_spreadsheets_killed_at_any_instant_are_made_whole_and_agreeing_by_run(tmp_path):
    """kill -9 before, during, between and after the two writes; the next run repairs."""
    students = 300
    staff = write_workbook(tmp_path / "staff.xlsx", {"Roster": [HEADER, *make_roster(students)]})
    original = staff.read_bytes()
    config = tmp_path / "mixitup.toml"
    config.write_text(TWO, encoding="utf-8")
    command = [sys.executable, "-m", "mixitup", "--config", str(config)]
    publish = [*command, "publish", "--date", DATE, "--week", "2"]
    started = time.monotonic()
    assert subprocess.run(publish, capture_output=True, check=False).returncode == 0
    duration = time.monotonic() - started
    seen = Counter()
    # Fractions of a publish's time (from the solver to past the last write), and "record":
    # the instant the staff workbook changes, between the two writes.
    instants: list[float | str] = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, "record", "record", "record"]
    for instant in instants:
        staff.write_bytes(original)
        (tmp_path / "students.xlsx").unlink(missing_ok=True)
        process = subprocess.Popen(publish, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if instant == "record":
            deadline = time.monotonic() + 2 * duration
            while staff.read_bytes() == original and time.monotonic() < deadline:
                time.sleep(0.001)
        else:
            time.sleep(duration * float(instant))
        process.send_signal(signal.SIGKILL)
        process.wait()
        record, tab = _record_and_tabs(tmp_path)
        assert len(record) in (0, students)  # the record is whole or absent
        state = "none" if not record else ("record only" if tab is None else "both")
        if tab is not None:
            assert tab == record  # the students' tab is never ahead of the record
        seen[state] += 1

        ran = subprocess.run(
            [*command, "run", "--today", "2027-01-11"], capture_output=True, check=False
        )

        assert ran.returncode == 0, ran.stderr
        record, tab = _record_and_tabs(tmp_path)
        assert len(record) == students
        assert tab == record
    assert seen["record only"] >= 1, seen  # killed between the two writes at least once
    assert len(seen) >= 2, seen  # and at other instants too
