"""Pure grouping: students + who already met + rules + seed -> groups and a quality report.

No I/O. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from mixitup.errors import InfeasibleGroupingError
from mixitup.models import Student

MAX_GROUPS = 100  # Zoom's breakout-room limit
Met = Mapping[frozenset[str], int]
"""For each pair of student keys that already shared a group, how many times."""


@dataclass(frozen=True)
class Rules:
    """What the grouping must respect, from the configuration and the session."""

    size: int = 6
    week: int = 2
    keep_apart: frozenset[frozenset[str]] = frozenset()
    seed: int = 2027
    seconds: float = 20.0


@dataclass(frozen=True)
class Figure:
    """One rule's result next to the best the numbers allow."""

    rule: str
    value: int
    best: int
    lower_is_better: bool = True

    @property
    def met(self) -> bool:
        return self.value <= self.best if self.lower_is_better else self.value >= self.best

    def __str__(self) -> str:
        bound = "least possible" if self.lower_is_better else "most possible"
        mark = "ok" if self.met else "NOT MET"
        return f"{self.rule}: {self.value} ({bound} {self.best}) {mark}"


@dataclass(frozen=True)
class Report:
    """How well a grouping meets every rule."""

    groups: int
    smallest: int
    largest: int
    figures: tuple[Figure, ...]
    seed: int

    def lines(self) -> list[str]:
        sizes = (
            f"{self.smallest}"
            if self.smallest == self.largest
            else f"{self.smallest}-{self.largest}"
        )
        return [f"{self.groups} groups of {sizes}", *(str(f) for f in self.figures)]


@dataclass(frozen=True)
class Grouping:
    groups: tuple[tuple[Student, ...], ...]  # group 1 first
    report: Report


def group_count(students: int, size: int) -> int:
    """How many groups: sizes as close to `size` as possible, at most MAX_GROUPS."""
    return max(1, min(MAX_GROUPS, round(students / size)))


def lead_modules(week: int) -> tuple[int, ...]:
    """Modules that can lead a group, best first: week 4 wants Mod 4, week 2 Mod 3 or 4."""
    return (4, 3) if week == 4 else (3, 4)


def optimize(students: Sequence[Student], met: Met, rules: Rules) -> Grouping:
    """Split `students` into groups that meet `rules` as well as the numbers allow."""
    if not students:
        raise InfeasibleGroupingError(
            "Nobody takes part in this session: the roster has no active students."
        )
    count = group_count(len(students), rules.size)
    rng = random.Random(rules.seed)
    order = sorted(students, key=lambda s: (-s.module, s.program, s.cohort, s.key))
    groups: list[list[Student]] = [[] for _ in range(count)]
    for index, student in enumerate(order):
        lap, place = divmod(index, count)
        groups[place if lap % 2 == 0 else count - 1 - place].append(student)
    leads = lead_modules(rules.week)

    def cost(group: list[Student]) -> int:
        pairs = list(combinations(group, 2))
        keep = sum(frozenset((a.key, b.key)) in rules.keep_apart for a, b in pairs)
        repeats = sum(met.get(frozenset((a.key, b.key)), 0) for a, b in pairs)
        mates = sum(a.cohort == b.cohort for a, b in pairs)
        unled = not any(s.module in leads for s in group)
        spread = sum(c * c for c in Counter(s.module for s in group).values())
        spread += sum(c * c for c in Counter(s.program for s in group).values())
        return 10**6 * keep + 10**4 * unled + 100 * repeats + 100 * mates + spread

    costs = [cost(g) for g in groups]
    for _ in range(200 * len(students)):
        a, b = rng.sample(range(count), 2) if count > 1 else (0, 0)
        if a == b:
            break
        i, j = rng.randrange(len(groups[a])), rng.randrange(len(groups[b]))
        groups[a][i], groups[b][j] = groups[b][j], groups[a][i]
        new_a, new_b = cost(groups[a]), cost(groups[b])
        if new_a + new_b <= costs[a] + costs[b]:
            costs[a], costs[b] = new_a, new_b
        else:
            groups[a][i], groups[b][j] = groups[b][j], groups[a][i]
    final = tuple(tuple(sorted(g, key=lambda s: (s.name.casefold(), s.key))) for g in groups)
    return Grouping(final, measure(final, met, rules))


def measure(groups: Sequence[Sequence[Student]], met: Met, rules: Rules) -> Report:
    """The report of a grouping: each rule's figure and the bound the numbers allow."""
    everyone = [s for g in groups for s in g]
    pairs = [(a, b) for g in groups for a, b in combinations(g, 2)]
    leads = lead_modules(rules.week)
    leaders = sum(s.module in leads for s in everyone)
    led = sum(any(s.module in leads for s in g) for g in groups)
    cohorts = Counter(s.cohort for s in everyone)
    count = len(groups)
    # Cohort-mates must share a group only when a cohort has more members than groups.
    mates_bound = sum(_forced_pairs(n, count) for n in cohorts.values())
    figures = (
        Figure(
            "keep-apart pairs together",
            sum(frozenset((a.key, b.key)) in rules.keep_apart for a, b in pairs),
            0,
        ),
        Figure("groups with an upper-module lead", led, min(count, leaders), lower_is_better=False),
        Figure("repeat pairs", sum(frozenset((a.key, b.key)) in met for a, b in pairs), 0),
        Figure("cohort-mate pairs", sum(a.cohort == b.cohort for a, b in pairs), mates_bound),
    )
    sizes = [len(g) for g in groups]
    return Report(count, min(sizes), max(sizes), figures, rules.seed)


def _forced_pairs(members: int, groups: int) -> int:
    """Fewest pairs among `members` people spread over `groups` groups."""
    base, extra = divmod(members, groups)
    return extra * (base + 1) * base // 2 + (groups - extra) * base * (base - 1) // 2
