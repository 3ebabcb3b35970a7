"""The report over a big History: time and peak memory of `mixitup report`'s computing part.

A synthetic school of --students students, every one grouped in each of --sessions sessions
(groups of 6, one Lead each, about 5% marked absent, 32 cohorts over 2 programs and 4
modules): --students x --sessions History rows, as text cells the way a backend reads them.
Times (a first pass), separately: the rows -> DataFrame (history_frame), the tables
(build), the Report tab (report_tab) and the two CSV texts. Peak memory (a second pass):
tracemalloc's peak (Python objects and numpy/pandas buffers), and the process's maximum
resident size.

Example: python benchmarks/report.py --students 10000 --sessions 40
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
import resource
import time
import tracemalloc

from mixitup.layout import HISTORY_HEADER as HEADER
from mixitup.models import Student
from mixitup.report import build, csv_text, history_frame, report_tab


def school(students: int, seed: int) -> list[Student]:
    rng = random.Random(seed)
    out = []
    for i in range(students):
        program, module = rng.choice(("BE", "FE")), rng.randint(1, 4)
        cohort = f"24{rng.randint(1, 4):02d}-{program}-M{module}"
        out.append(Student(f"s{i:05d}@example.edu", f"Student {i:05d}", program, module, cohort))
    return out


def history(roster: list[Student], sessions: int, seed: int) -> list[tuple[str, ...]]:
    rng = random.Random(seed)
    rows = [HEADER]
    start = dt.date(2026, 1, 14)
    for n in range(sessions):
        date = start + dt.timedelta(weeks=2 * n)
        week = 2 if n % 2 == 0 else 4
        label = f"{date} Week {week}"
        order = roster[:]
        rng.shuffle(order)
        groups = len(order) // 6
        for i, s in enumerate(order):
            group = i % groups + 1
            role = "Lead" if i < groups else ""
            attended = "no" if rng.random() < 0.05 else rng.choice(("", "yes"))
            where = (label, str(date), str(week), str(group))
            who = (s.key, s.name, s.program, str(s.module), s.cohort)
            rows.append((*where, *who, role, attended, f"{date}T09:00:00-07:00", "2027"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    roster = school(args.students, args.seed)
    rows = tuple(history(roster, args.sessions, args.seed))
    print(f"{len(rows) - 1:,} History rows, {len(roster):,} students, {args.sessions} sessions")

    started = time.perf_counter()
    import pandas  # noqa: F401  # timed apart: a command pays it once, whatever the size

    print(f"  {'import pandas':<14} {time.perf_counter() - started:6.2f} s (not in the total)")
    marks = [("start", time.perf_counter())]
    frame = history_frame(rows)
    marks.append(("history_frame", time.perf_counter()))
    report = build(frame, roster)
    marks.append(("build", time.perf_counter()))
    tab = report_tab(report, "Report", dt.datetime(2027, 6, 1, 9, 0))
    marks.append(("report_tab", time.perf_counter()))
    texts = csv_text(report.students) + csv_text(report.sessions)
    marks.append(("csv_text", time.perf_counter()))
    del frame, report

    # Memory in a second pass, since tracing slows every allocation down.
    tracemalloc.start()
    report = build(history_frame(rows), roster)
    report_tab(report, "Report", dt.datetime(2027, 6, 1, 9, 0))
    csv_text(report.students)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    for (_, before), (step, after) in itertools.pairwise(marks):
        print(f"  {step:<14} {after - before:6.2f} s")
    print(f"  {'total':<14} {marks[-1][1] - marks[0][1]:6.2f} s")
    print(f"peak traced memory {peak / 2**20:,.0f} MiB (tracemalloc, the report's own work)")
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"max resident size  {maxrss:,.0f} MiB (whole process, the input rows included)")
    print(f"Report tab: {len(tab.rows):,} rows; CSV: {len(texts):,} characters")
    for line in report.summary():
        print(f"  {line}")


if __name__ == "__main__":
    main()
