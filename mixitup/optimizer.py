"""Pure grouping: students + who already met + rules + seed -> groups and a quality report.

The rules become pair weights of a maximally diverse grouping problem (`mixitup.mdgp`), plus a
per-group lead requirement. No I/O; deterministic for a given seed on any machine.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from mixitup.errors import InfeasibleGroupingError
from mixitup.instance import Floats, Ints
from mixitup.mdgp import Problem, Solution, solve
from mixitup.models import Student

MAX_GROUPS = 100  # Zoom's breakout-room limit
Met = Mapping[frozenset[str], int]
"""For each pair of student keys that already shared a group, how many times."""

# A fixed amount of search, never a clock, so results do not depend on the machine's speed:
# about this many pair evaluations in all (rounds x tabu steps x pairs per step).
_WORK = 2e8
_PATIENCE = 2.0  # tabu walks end after 2n steps without progress: rules reach bounds early
_WALK = 20.0  # no tabu walk takes more than 20n steps, even while it still creeps up
_LOOKAHEAD = 400  # up to this many students, groupings also look ahead to later sessions
_LOOKAHEAD_ROUNDS = 2  # ... and the search then runs this many rounds at most


@dataclass(frozen=True)
class Leading:
    """Who leads a session's groups (grouping rule 3). In a module's last session week
    (interview prep: week 4 by default) the top module leads, the module below it only where
    the top one has too few students; in its other session weeks either of them, the one below
    first. `top` is the school's last module ([roster] modules), `last_week` the last of
    [calendar] session_weeks."""

    week: int
    top: int = 4
    last_week: int = 4

    @property
    def top_first(self) -> bool:
        return self.week == self.last_week

    def modules(self) -> tuple[int, ...]:
        """The modules that may lead, best first."""
        below = self.top - 1
        return (self.top, below) if self.top_first else (below, self.top)


def as_leading(week: int | Leading) -> Leading:
    """A session week as the default school's rule (Mod 4 on top, weeks 2 and 4), or the rule."""
    return week if isinstance(week, Leading) else Leading(week)


@dataclass(frozen=True)
class Rules:
    """What the grouping must respect, from the configuration and the session."""

    size: int = 6
    week: int = 2
    keep_apart: frozenset[frozenset[str]] = frozenset()
    seed: int = 2027
    seconds: float = 20.0  # a safety cap only: normally the search stops on its own, earlier
    # Students whose turn it is to lead (mixitup.leads.due_to_lead): when at least one per
    # group, every group gets one of them rather than just any upper-module student.
    next_leads: frozenset[str] = frozenset()
    top_module: int = 4  # [roster] modules: the module that leads the last session week
    last_week: int = 4  # the last of [calendar] session_weeks

    @property
    def leading(self) -> Leading:
        return Leading(self.week, self.top_module, self.last_week)


@dataclass(frozen=True)
class Figure:
    """One rule's result next to the best the numbers allow."""

    rule: str
    value: int
    best: int
    lower_is_better: bool = True
    # How `best` is known: the least (or most) possible, or only a floor nothing can go under.
    bound: str = "possible"

    @property
    def met(self) -> bool:
        return self.value <= self.best if self.lower_is_better else self.value >= self.best

    def __str__(self) -> str:
        mark = "ok" if self.met else "NOT MET"
        if self.bound == "unavoidable":
            return f"{self.rule}: {self.value} (at least {self.best} unavoidable) {mark}"
        bound = "least possible" if self.lower_is_better else "most possible"
        return f"{self.rule}: {self.value} ({bound} {self.best}) {mark}"


@dataclass(frozen=True)
class Report:
    """How well a grouping meets every rule."""

    groups: int
    smallest: int
    largest: int
    figures: tuple[Figure, ...]
    seed: int
    seconds: float = 0.0  # time the solver took; 0 when the report only measured groups
    cut_short: float | None = None  # the safety cap (seconds) when it stopped the search

    def lines(self) -> list[str]:
        sizes = (
            f"{self.smallest}"
            if self.smallest == self.largest
            else f"{self.smallest}-{self.largest}"
        )
        lines = [f"{self.groups} groups of {sizes}", *(str(f) for f in self.figures)]
        if self.cut_short is not None:
            lines.append(
                f"search cut short by the {self.cut_short:g} s safety cap ([groups] seconds): "
                "these groups may differ on a faster or slower machine; raise the cap"
            )
        return lines


@dataclass(frozen=True)
class Grouping:
    groups: tuple[tuple[Student, ...], ...]  # group 1 first
    report: Report


def group_count(students: int, size: int) -> int:
    """How many groups: average size nearest `size` (smaller on a tie), at most MAX_GROUPS."""
    if students <= size:
        return 1
    fewer = students // size
    count = min((fewer, fewer + 1), key=lambda g: (abs(students / g - size), -g))
    return max(1, min(MAX_GROUPS, count))


def lead_modules(week: int | Leading) -> tuple[int, ...]:
    """Modules that can lead a group, best first: week 4 wants Mod 4, week 2 Mod 3 or 4 (for
    the default school; `Leading` says it for others)."""
    return as_leading(week).modules()


def optimize(
    students: Sequence[Student],
    met: Met,
    rules: Rules,
    earlier: Sequence[Sequence[frozenset[str]]] = (),
) -> Grouping:
    """Split `students` into groups that meet `rules` as well as the numbers allow.

    `earlier` are the groups of earlier sessions (per session, each group's keys), for the
    report's bound on repeat pairs.

    Raises InfeasibleGroupingError when nobody takes part or keep-apart pairs cannot all be
    separated. Lower rules that cannot all hold are relaxed in priority order, and the
    report says by how much.
    """
    if not students:
        raise InfeasibleGroupingError(
            "Nobody takes part in this session: the roster has no active students."
        )
    started = time.process_time()
    # Sorting by key makes the result independent of the roster's row order.
    people = sorted(students, key=lambda s: s.key)
    solution, count = _search(people, met, rules, soft_leads=False)
    groups = _number(people, solution.groups, count)
    if _keep_apart_together(groups, rules.keep_apart):
        # Keep-apart outranks the lead rule (SPEC): search again with leads spread as a
        # penalty below keep-apart instead of required in every group.
        solution, count = _search(people, met, rules, soft_leads=True)
        groups = _number(people, solution.groups, count)
    together = _keep_apart_together(groups, rules.keep_apart)
    if together:
        names = "; ".join(f"{a.name} and {b.name}" for a, b in together)
        raise InfeasibleGroupingError(
            f"Cannot keep these students apart in {len(groups)} groups: {names}. "
            "Remove some pairs from the keep-apart tab or change the group size."
        )
    report = measure(groups, met, rules, earlier)
    seconds = time.process_time() - started
    return Grouping(
        groups,
        dataclasses.replace(
            report, seconds=seconds, cut_short=rules.seconds if solution.cut_short else None
        ),
    )


def _search(
    people: Sequence[Student], met: Met, rules: Rules, *, soft_leads: bool
) -> tuple[Solution, int]:
    """The best grouping the fixed amount of search finds, and the number of groups."""
    problem, bound = _problem(people, met, rules, soft_leads=soft_leads)
    rounds = max(2, round(_WORK / len(people) ** 3))
    if len(people) <= _LOOKAHEAD:
        # Reaching the rules' bound is not the end: the look-ahead bonus can still improve.
        bound, rounds = np.inf, min(rounds, _LOOKAHEAD_ROUNDS)
    solution = solve(
        problem,
        seed=rules.seed,
        rounds=rounds,
        seconds=rules.seconds,
        bound=bound,
        patience=_PATIENCE,
        walk=_WALK,
    )
    return solution, problem.groups


def measure(
    groups: Sequence[Sequence[Student]],
    met: Met,
    rules: Rules,
    earlier: Sequence[Sequence[frozenset[str]]] = (),
) -> Report:
    """The report of a grouping: each rule's figure and the bound the numbers allow.

    The bound on repeat pairs is the pigeonhole one: the people of each earlier group who take
    part now, spread over this session's groups, must share at least so many pairs; groups of
    one session are disjoint, so their pairs add up, and the largest sum over the earlier
    sessions is a true lower bound.
    """
    everyone = [s for g in groups for s in g]
    count = len(groups)
    pairs = [(a.key, b.key) for g in groups for a, b in combinations(g, 2)]
    mates = sum(a.cohort == b.cohort for g in groups for a, b in combinations(g, 2))
    leads = lead_modules(rules.leading)
    leaders = sum(s.module in leads for s in everyone)
    led = sum(any(s.module in leads for s in g) for g in groups)
    programs = Counter(s.program for s in everyone)
    mixable = min(count, len(everyone) - max(programs.values(), default=0))
    figures = [
        Figure("keep-apart pairs together", _count_in(pairs, rules.keep_apart), 0),
        Figure("groups with an upper-module lead", led, min(count, leaders), lower_is_better=False),
    ]
    if rules.leading.top_first:
        top = rules.top_module
        fours = sum(s.module == top for s in everyone)
        with_four = sum(any(s.module == top for s in g) for g in groups)
        figures.append(
            Figure(
                f"groups with a Mod {top} student",
                with_four,
                min(count, fours),
                lower_is_better=False,
            )
        )
    figures += [
        Figure(
            "repeat pairs",
            _count_in(pairs, met),
            _forced_repeats(everyone, count, earlier),
            bound="unavoidable" if met else "possible",
        ),
        Figure(
            "cohort-mate pairs",
            mates,
            # Cohort-mates must share a group only when a cohort has more members than groups.
            sum(_forced_pairs(n, count) for n in Counter(s.cohort for s in everyone).values()),
        ),
        Figure("groups with an uneven module mix", _uneven(groups, everyone), 0),
        Figure(
            "groups mixing programs",
            sum(len({s.program for s in g}) > 1 for g in groups),
            mixable,
            lower_is_better=False,
        ),
    ]
    sizes = [len(g) for g in groups]
    return Report(count, min(sizes), max(sizes), tuple(figures), rules.seed)


def _problem(
    people: Sequence[Student], met: Met, rules: Rules, *, soft_leads: bool
) -> tuple[Problem, float]:
    """The rules as an MDGP instance, and the best objective the numbers could allow.

    Every rule's weight is a penalty (negative). A keep-apart pair outweighs all else; one
    repeat or cohort-mate pair outweighs any change in module or program spread a swap can
    make; spreading modules and programs evenly minimises same-module and same-program pairs.
    For up to _LOOKAHEAD students, a bonus worth less than one unit in all looks ahead.
    Leads are a per-group bound on marked items; with `soft_leads`, they are instead spread
    by a penalty on two leads sharing a group, which outweighs every rule but keep-apart
    (fewest such pairs: the most groups led).
    """
    n = len(people)
    groups = group_count(n, rules.size)
    small, extra = divmod(n, groups)
    upper = small + (extra > 0)
    spread = 4.0 * upper + 1.0  # weight of one repeat or cohort-mate pair
    keep_apart = spread * n * upper + 1.0  # more than all lower rules' pairs together
    lead_pair = keep_apart
    if soft_leads:
        keep_apart = lead_pair * n * upper + 1.0

    index = {s.key: i for i, s in enumerate(people)}
    # Histories hold millions of pairs at scale: read them straight into arrays.
    known = [(met, spread), (dict.fromkeys(rules.keep_apart, 1), keep_apart)]
    ends = np.concatenate(
        [np.fromiter((index.get(k, -1) for p in table for k in p), np.int64) for table, _ in known]
    ).reshape(-1, 2)
    weights = np.concatenate(
        [-weight * np.fromiter(table.values(), np.float64, len(table)) for table, weight in known]
    )
    present = (ends >= 0).all(axis=1)
    pairs = (ends[present, 0], ends[present, 1], weights[present])
    if n <= _LOOKAHEAD:
        cohorts = np.unique([s.cohort for s in people], return_inverse=True)[1]
        pairs = _with_lookahead(pairs, cohorts, n * upper)

    leads = _lead_set(people, groups, rules.leading)
    marked = np.array([s.module in leads for s in people])
    features = [
        ([s.cohort for s in people], spread),
        ([str(s.module) for s in people], 1.0),
        ([s.program for s in people], 1.0),
    ]
    due = np.array([s.key in rules.next_leads for s in people])
    if int(due.sum()) >= groups:
        marked = due  # enough students whose turn it is: they are the ones who must lead
    if rules.next_leads:
        # Spread whose turn it is to lead over the groups, ahead of modules and programs.
        features.append(([str(s.key in rules.next_leads) for s in people], 2.0))
    if soft_leads:
        # Leads share one label; everyone else has a label of their own (never shared).
        lead_labels = ["\0lead" if m else s.key for s, m in zip(people, marked, strict=True)]
        features.append((lead_labels, lead_pair))
    labels = np.zeros((n, len(features)), np.int64)
    label_weight: list[float] = []
    for f, (values, weight) in enumerate(features):
        ids: dict[str, int] = {}
        for i, v in enumerate(values):
            labels[i, f] = ids.setdefault(v, len(label_weight) + len(ids))
        label_weight += [-weight] * len(ids)

    enough = int(marked.sum()) >= groups
    bounds = (np.full(groups, 1 if enough else 0, np.int64), np.full(groups, n if enough else 1))
    if soft_leads:
        bounds = (np.zeros(groups, np.int64), np.full(groups, n, np.int64))
    problem = Problem(
        n,
        np.full(groups, small, np.int64),
        np.full(groups, upper, np.int64),
        pairs,
        labels,
        np.array(label_weight),
        marked,
        # With too few leads, the most groups are led when no group has two.
        *bounds,
    )
    penalty = sum(
        weight * sum(_forced_pairs(c, groups) for c in Counter(values).values())
        for values, weight in features
    )
    return problem, -penalty


def _with_lookahead(
    pairs: tuple[Ints, Ints, Floats], cohorts: Ints, scale: int
) -> tuple[Ints, Ints, Floats]:
    """Add a small bonus for grouping two students who have not met and share few partners
    they have not met either. Such a pair is the hardest to place in a later session
    without a repeat, so meeting now keeps later sessions repeat-free for longer. Each
    bonus is below 1 / `scale`; `scale` must exceed the pairs any grouping holds, so the
    bonuses together never outweigh one unit of any rule.
    """
    n = len(cohorts)
    i, j, weight = pairs
    free = cohorts[:, None] != cohorts[None, :]  # cohort-mates (and oneself) cannot meet
    known = weight < 0
    free[i[known], j[known]] = free[j[known], i[known]] = False
    shared = free.astype(np.float32) @ free.astype(np.float32)
    upper_i, upper_j = np.triu_indices(n, k=1)
    open_pair = free[upper_i, upper_j]
    a, b = upper_i[open_pair], upper_j[open_pair]
    bonus = (1.0 - shared[a, b] / max(1.0, float(shared.max()))) / (2 * scale)
    return np.concatenate([i, a]), np.concatenate([j, b]), np.concatenate([weight, bonus])


def _lead_set(people: Sequence[Student], groups: int, leading: Leading) -> frozenset[int]:
    """Modules whose students lead: week 4 takes Mod 4, adding Mod 3 only when Mod 4s are
    fewer than groups; week 2 takes Mod 3 and Mod 4 alike (the top two modules, generally)."""
    if not leading.top_first:
        return frozenset(leading.modules())
    modules: set[int] = set()
    for module in leading.modules():
        modules.add(module)
        if sum(s.module in modules for s in people) >= groups:
            break
    return frozenset(modules)


def _number(
    people: Sequence[Student], assignment: Ints, count: int
) -> tuple[tuple[Student, ...], ...]:
    """Groups as tuples of students sorted by name, numbered by their first member's name."""
    members: list[list[Student]] = [[] for _ in range(count)]
    for student, g in zip(people, assignment, strict=True):
        members[int(g)].append(student)
    ordered = [tuple(sorted(g, key=lambda s: (s.name.casefold(), s.key))) for g in members]
    return tuple(sorted(ordered, key=lambda g: [(s.name.casefold(), s.key) for s in g]))


def _keep_apart_together(
    groups: Sequence[Sequence[Student]], keep_apart: frozenset[frozenset[str]]
) -> list[tuple[Student, Student]]:
    return [
        (a, b)
        for g in groups
        for a, b in combinations(g, 2)
        if frozenset((a.key, b.key)) in keep_apart
    ]


def _count_in(
    pairs: Sequence[tuple[str, str]],
    known: Mapping[frozenset[str], int] | frozenset[frozenset[str]],
) -> int:
    return sum(frozenset(pair) in known for pair in pairs)


def _uneven(groups: Sequence[Sequence[Student]], everyone: Sequence[Student]) -> int:
    """Groups in which some module's count is neither the floor nor the ceiling of its even
    share (its number of students over the number of groups)."""
    totals = Counter(s.module for s in everyone)
    count = len(groups)
    uneven = 0
    for g in groups:
        here = Counter(s.module for s in g)
        uneven += any(
            not total // count <= here[m] <= -(-total // count) for m, total in totals.items()
        )
    return uneven


def _forced_repeats(
    everyone: Sequence[Student], count: int, earlier: Sequence[Sequence[frozenset[str]]]
) -> int:
    """Fewest repeat pairs any grouping of `everyone` into `count` groups holds (pigeonhole)."""
    keys = {s.key for s in everyone}
    return max(
        (sum(_forced_pairs(len(group & keys), count) for group in groups) for groups in earlier),
        default=0,
    )


def _forced_pairs(members: int, groups: int) -> int:
    """Fewest pairs among `members` people spread over `groups` groups."""
    base, extra = divmod(members, groups)
    return extra * (base + 1) * base // 2 + (groups - extra) * base * (base - 1) // 2
