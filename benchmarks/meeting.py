"""Around the meeting at scale: attendance import and the day-of rebalance, 15% absent.

Publishes one session for N students in a local workbook (not timed), writes a Zoom
participants report as Zoom exports it (meeting block, a row per join, renamed people, guests),
then times `attendance --zoom`, the same import again (nothing to write), and `rebalance
--absent` with the same absentees, each on a fresh copy. Example:
python benchmarks/meeting.py --students 1000 --absent 0.15
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import tempfile
import time
from pathlib import Path

import openpyxl

from mixitup.backends.xlsx import XlsxBackend
from mixitup.config import Config
from mixitup.models import Session
from mixitup.pipeline import attendance, publish, rebalance
from mixitup.zoom_report import read_report

SESSION = Session(dt.date(2027, 1, 13), 2)
NOW = dt.datetime(2027, 1, 13, 13, 5, tzinfo=dt.UTC)


def roster(path: Path, students: int, rng: random.Random) -> list[tuple[str, str]]:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Roster"
    sheet.append(["Name", "Email", "Program", "Module", "Cohort"])
    people = []
    for i in range(students):
        module, program = rng.randint(1, 4), rng.choice(("BE", "FE", "DS"))
        name, email = f"Student {i:04d}", f"student{i:04d}@example.edu"
        sheet.append([name, email, program, f"Mod {module}", f"{module}{program}{i % 7}"])
        people.append((name, email))
    book.save(path)
    return people


def report(path: Path, people: list[tuple[str, str]], absent: set[str], rng: random.Random) -> int:
    lines = [
        "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants,",
        '"812 3456 7890",Mix It Up,01/13/2027 11:52 AM,01/13/2027 01:03 PM,staff@school.edu,72,0,',
        "",
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,"
        "Recording Consent,In Waiting Room",
        "Careers Staff,staff@school.edu,a,b,72,No,Y,No",
    ]
    for name, email in people:
        if email in absent:
            continue
        kind = rng.random()
        if kind < 0.1:  # renamed and signed out
            lines.append(f"Nick {name[-4:]} ({name}),,a,b,{rng.randint(20, 60)},Yes,Y,No")
        elif kind < 0.3:  # dropped and rejoined
            lines += [f"{name},{email.upper()},a,b,{rng.randint(5, 30)},No,Y,No"] * 2
        else:
            lines.append(f"{name},{email},a,b,{rng.randint(10, 60)},No,Y,No")
    lines += [f"iPhone {i},,a,b,30,Yes,Y,No" for i in range(5)]
    path.write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    return len(lines) - 4


def timed(label: str, action):  # type: ignore[no-untyped-def]
    started, cpu = time.perf_counter(), time.process_time()
    result = action()
    print(
        f"{label}: {time.perf_counter() - started:.2f} s wall, "
        f"{time.process_time() - cpu:.2f} s CPU"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--absent", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "base.xlsx"
        people = roster(base, args.students, rng)
        config = Config(workbook=base)
        started = time.perf_counter()
        publish(config, XlsxBackend(base), SESSION, now=NOW)
        print(
            f"publish {args.students} students (not part of the figures): "
            f"{time.perf_counter() - started:.1f} s"
        )
        away = set(rng.sample([e for _, e in people], round(args.students * args.absent)))
        csv = Path(folder) / "participants.csv"
        rows = report(csv, people, away, rng)
        print(f"{len(away)} absent; report of {rows} join rows")

        first = Path(folder) / "attendance.xlsx"
        shutil.copy(base, first)
        backend = XlsxBackend(first)
        joins = timed("read the Zoom report", lambda: read_report(csv))
        result = timed(
            "attendance --zoom (read, match, one write)",
            lambda: attendance(Config(workbook=first), backend, SESSION, report=joins, now=NOW),
        )
        print(
            f"  {len(result.attended)} attended, {len(result.absent)} absent, "
            f"{len(result.strangers)} matched nobody, {result.changed} changed"
        )
        again = timed(
            "attendance --zoom again (read, match, nothing to write)",
            lambda: attendance(Config(workbook=first), backend, SESSION, report=joins, now=NOW),
        )
        assert again.changed == 0

        second = Path(folder) / "rebalance.xlsx"
        shutil.copy(base, second)
        names = sorted(f"Student {e[7:11]}" for e in away)
        moved = timed(
            "rebalance --absent (read, decide, one write)",
            lambda: rebalance(
                Config(workbook=second), XlsxBackend(second), SESSION, absent=names, now=NOW
            ),
        )
        print(
            f"  {len(moved.moves)} moved, rooms still short: {len(moved.short)}, "
            f"rooms without a lead: {len(moved.unled)}"
        )
        repeat = timed(
            "rebalance --absent again (nothing to write)",
            lambda: rebalance(
                Config(workbook=second), XlsxBackend(second), SESSION, absent=names, now=NOW
            ),
        )
        assert not repeat.changed


if __name__ == "__main__":
    main()
