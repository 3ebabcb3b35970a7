"""A year-long record: attendance and the day-of rebalance against publishing the next session.

Builds a staff workbook whose History holds SESSIONS past sessions of STUDENTS students (not
timed), then times, each on a fresh copy and REPEAT times (medians): `publish` of the next
session, `attendance --absent` of one student, and `rebalance --absent` of a few. All three
read the whole workbook and write it once; issue 19 asks that the day-of commands take no longer
than a publish (within 1.5x). Example:

    python benchmarks/year.py --sessions 40 --students 250 --repeat 5
    python benchmarks/year.py --backend google   # the same through the Google backend and the fake
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

from mixitup import layout
from mixitup.backends.xlsx import XlsxBackend
from mixitup.config import Config
from mixitup.models import Entry, Session
from mixitup.pipeline import attendance, publish, rebalance

FIRST = dt.date(2025, 1, 8)  # a Wednesday
NOW = dt.datetime(2027, 1, 13, 11, 0, tzinfo=dt.UTC)  # the History's "Published at"


def before(day: dt.date, hour: int) -> dt.datetime:
    """`hour` o'clock on `day`, this machine's time: the sessions start at 12:00 there."""
    return dt.datetime.combine(day, dt.time(hour)).astimezone()


def build(path: Path, sessions: int, students: int, rng: random.Random) -> Session:
    """A staff workbook with a roster and a History of `sessions` past sessions; returns the
    last one (the day-of commands work on it)."""
    book = openpyxl.Workbook()
    roster = book.active
    roster.title = "Roster"
    roster.append(["Name", "Email", "Program", "Module", "Cohort"])
    people = []
    for i in range(students):
        module, program = rng.randint(1, 4), rng.choice(("BE", "FE"))
        person = (f"Student {i:04d}", f"s{i:04d}@example.edu", program, module)
        roster.append([*person[:3], f"Mod {module}", f"{program}{module}"])
        people.append(person)
    history = book.create_sheet("History")
    history.append(list(layout.HISTORY_HEADER))
    session = Session(FIRST, 2)
    for number in range(sessions):
        session = Session(FIRST + dt.timedelta(weeks=2 * number), 2 if number % 2 == 0 else 4)
        order = rng.sample(people, len(people))
        for index, (name, email, program, module) in enumerate(order):
            entry = Entry(
                0,
                layout.label(session),
                index % (students // 6) + 1,
                email,
                name,
                program,
                str(module),
                f"{program}{module}",
                layout.LEAD if index < students // 6 else "",
            )
            history.append(list(layout.history_row(entry, NOW, 2027)))
    history.sheet_state = "hidden"
    book.save(path)
    return session


def google_runner(base: Path) -> Callable[[Callable[[Config, object], object]], object]:
    """Runs an action against a fresh copy, on the fake Google Sheets API (tests/fake_sheets),
    of the workbook `base`: real requests and google-auth, the fake's own work included."""
    import copy
    import itertools
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.fake_sheets import FakeSheets, GoogleSheet, service_account_key, write_key

    fake = FakeSheets().start()
    key = service_account_key(fake)
    key_file = write_key(base.parent / "key.json", key)
    key_file.chmod(0o600)
    book = openpyxl.load_workbook(base)
    seeded = fake.create("1Seed", editors=(key["client_email"],))
    for sheet in book.worksheets:
        rows = [["" if v is None else v for v in r] for r in sheet.iter_rows(values_only=True)]
        seeded.add(sheet.title, rows, hidden=sheet.sheet_state != "visible")
    numbers = itertools.count()

    def run(action: Callable[[Config, object], object]) -> object:
        sheet_id = f"1Copy{next(numbers)}"
        copied = copy.deepcopy(seeded)
        copied.spreadsheet_id = sheet_id
        with fake.lock:
            fake.spreadsheets[sheet_id] = copied
        google = GoogleSheet(fake, copied, key_file, client_email=key["client_email"])
        return action(google.config(), google.backend())

    return run


def median_of(repeat: int, base: Path, folder: Path, action: Callable[[Path], object]) -> float:
    times = []
    for attempt in range(repeat):
        copy = folder / f"copy{attempt}.xlsx"
        shutil.copy(base, copy)
        started = time.perf_counter()
        action(copy)
        times.append(time.perf_counter() - started)
        copy.unlink()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--students", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=("xlsx", "google"), default="xlsx")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        base = folder / "base.xlsx"
        last = build(base, args.sessions, args.students, rng)
        rows = args.sessions * args.students
        print(
            f"{args.backend}: History of {args.sessions} sessions x {args.students} students "
            f"= {rows} rows"
        )
        upcoming = Session(last.date + dt.timedelta(weeks=2), 4 if last.week == 2 else 2)

        def do_publish(path: Path) -> object:
            return publish(
                Config(workbook=path), XlsxBackend(path), upcoming, now=before(last.date, 13)
            )

        def do_attendance(path: Path) -> object:
            return attendance(
                Config(workbook=path),
                XlsxBackend(path),
                last,
                absent=["Student 0007"],
                now=before(last.date, 15),
            )

        def do_rebalance(path: Path) -> object:
            away = [f"Student {i:04d}" for i in range(0, 60, 3)]
            return rebalance(
                Config(workbook=path),
                XlsxBackend(path),
                last,
                absent=away,
                now=before(last.date, 11),
            )

        if args.backend == "google":
            run = google_runner(base)
            away = [f"Student {i:04d}" for i in range(0, 60, 3)]
            actions: dict[str, Callable[[Config, Any], object]] = {
                "publish the next session": lambda c, b: publish(
                    c, b, upcoming, now=before(last.date, 13)
                ),
                "attendance --absent (1 student)": lambda c, b: attendance(
                    c, b, last, absent=["Student 0007"], now=before(last.date, 15)
                ),
                "rebalance --absent (20 students)": lambda c, b: rebalance(
                    c, b, last, absent=away, now=before(last.date, 11)
                ),
            }
            figures = {}
            for label, action in actions.items():
                times = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    run(action)
                    times.append(time.perf_counter() - started)
                figures[label] = statistics.median(times)
        else:
            figures = {
                "publish the next session": median_of(args.repeat, base, folder, do_publish),
                "attendance --absent (1 student)": median_of(
                    args.repeat, base, folder, do_attendance
                ),
                "rebalance --absent (20 students)": median_of(
                    args.repeat, base, folder, do_rebalance
                ),
            }
        baseline = figures["publish the next session"]
        for label, seconds in figures.items():
            print(f"{label:34} {seconds:6.2f} s median  ({seconds / baseline:.2f}x publish)")


if __name__ == "__main__":
    main()
