"""Simulated school years: the engine against two naive splits, session after session.

Cohorts advance one module per cycle (two sessions: week 2 then week 4), Mod 4 graduates leave,
a new Mod 1 intake joins, some students repeat a module and some leave. Each session's groups
feed the history of the next. Example: python benchmarks/school.py --students 200 1000
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import combinations

from mixitup.models import Student
from mixitup.optimizer import Report, Rules, group_count, measure, optimize

PROGRAMS = (("BE", 0.5), ("FE", 0.35), ("DS", 0.15))  # uneven, as real programs are
COHORT_SIZE = 30
REPEAT_SHARE = 0.04  # of each module, per cycle, who repeat it with the next cohort
LEAVE_SHARE = 0.03  # of each module, per cycle, who leave the school

Groups = Sequence[Sequence[Student]]


@dataclass
class School:
    """Who is enrolled now; advances one module per cycle."""

    rng: random.Random
    intake: int  # new Mod 1 students per cycle
    students: list[Student]
    cycle: int = 0
    serial: int = 0

    @classmethod
    def start(cls, total: int, seed: int) -> School:
        school = cls(random.Random(seed), max(4, total // 4), [])
        for module in (4, 3, 2, 1):  # the oldest intake joined first
            school.students += [replace(s, module=module) for s in school._intake()]
            school.cycle += 1
        return school

    def _intake(self) -> list[Student]:
        starts = f"{24 + self.cycle // 6:02d}{1 + (self.cycle % 6) * 2:02d}"  # e.g. 2409
        new: list[Student] = []
        for program, share in PROGRAMS:
            count = max(1, round(self.intake * share))
            sections = max(1, round(count / COHORT_SIZE))
            for k in range(count):
                self.serial += 1
                cohort = f"{starts}-{program}" + (f"-{k % sections + 1}" if sections > 1 else "")
                key = f"student{self.serial:05d}@school.example"
                new.append(Student(key, f"Student {self.serial:05d}", program, 1, cohort))
        return new

    def advance(self) -> None:
        """End of a module: graduates leave, some repeat or leave, a new intake joins."""
        kept: list[Student] = []
        for s in self.students:
            roll = self.rng.random()
            if roll < LEAVE_SHARE:
                continue
            if roll < LEAVE_SHARE + REPEAT_SHARE:
                kept.append(replace(s, cohort=f"{s.cohort}-R{self.cycle}"))  # joins a later one
            elif s.module < 4:
                kept.append(replace(s, module=s.module + 1))
        self.students = kept + self._intake()
        self.cycle += 1


def random_split(students: Sequence[Student], size: int, seed: int) -> Groups:
    """Baseline: shuffle and deal into balanced groups."""
    order = list(students)
    random.Random(seed).shuffle(order)
    return _deal(order, group_count(len(order), size))


def stratum_split(students: Sequence[Student], size: int, seed: int) -> Groups:
    """Baseline: sort by module, program and cohort, then deal round-robin."""
    del seed
    order = sorted(students, key=lambda s: (s.module, s.program, s.cohort, s.key))
    return _deal(order, group_count(len(order), size))


def _deal(order: Sequence[Student], count: int) -> Groups:
    groups: list[list[Student]] = [[] for _ in range(count)]
    for index, student in enumerate(order):
        groups[index % count].append(student)
    return groups


def sessions(total: int, count: int, seed: int) -> Iterator[tuple[int, list[Student]]]:
    """(week, students) for `count` sessions: week 2, week 4, then the next module."""
    school = School.start(total, seed)
    for n in range(count):
        if n and n % 2 == 0:
            school.advance()
        yield (2 if n % 2 == 0 else 4), list(school.students)


def summary(report: Report) -> str:
    """The figures in one line, value/bound, in rule order."""
    short = {
        "keep-apart pairs together": "apart",
        "groups with an upper-module lead": "led",
        "groups with a Mod 4 student": "mod4",
        "repeat pairs": "repeats",
        "cohort-mate pairs": "mates",
        "groups with an uneven module mix": "uneven",
        "groups mixing programs": "mixed",
    }
    parts = [f"{short.get(f.rule, f.rule)}={f.value}/{f.best}" for f in report.figures]
    return " ".join(p for p in parts if not p.startswith("apart"))


def run(total: int, count: int, size: int, seed: int) -> None:
    met: dict[frozenset[str], int] = {}
    print(f"\n== about {total} students, {count} sessions, target size {size} ==")
    for n, (week, students) in enumerate(sessions(total, count, seed), 1):
        rules = Rules(size=size, week=week, seed=seed + n, seconds=600)
        tick = time.perf_counter()
        grouping = optimize(students, met, rules)
        wall = time.perf_counter() - tick
        report = grouping.report
        print(
            f"session {n} week {week}: {len(students)} students, {report.groups} groups of "
            f"{report.smallest}-{report.largest}, engine {wall:.2f} s wall "
            f"({report.seconds:.2f} s CPU)"
        )
        print(f"  engine : {summary(report)}")
        baselines: Mapping[str, Callable[[Sequence[Student], int, int], Groups]] = {
            "random ": random_split,
            "stratum": stratum_split,
        }
        for name, split in baselines.items():
            print(f"  {name}: {summary(measure(split(students, size, seed + n), met, rules))}")
        for group in grouping.groups:
            for a, b in combinations(group, 2):
                pair = frozenset((a.key, b.key))
                met[pair] = met.get(pair, 0) + 1
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS so far {peak:.0f} MB; {len(met)} pairs in the history")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[200, 1000, 10_000])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--size", type=int, default=6)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args(argv)
    for total in args.students:
        run(total, args.sessions, args.size, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
