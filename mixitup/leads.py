"""Who leads each group: one upper-module student per group, whoever has led least. Pure.

Week 4 groups are led by a Mod 4 student (a Mod 3 one when the group has no Mod 4), week 2
groups by a Mod 3 or Mod 4 student: for other schools, the top module and the one below it,
the top one first in the module's last session week (`optimizer.Leading`). A student's module
is the roster's now, so a student who graduated (no longer active) never leads. Times led are
counted first over the sessions a student spent in their current module, then over all
sessions, so over one module's sessions the students' times led stay within one of each other
wherever the groups allow it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from mixitup.layout import LEAD
from mixitup.models import Entry, Student
from mixitup.optimizer import Leading, as_leading


@dataclass(frozen=True)
class Led:
    """How many times each student led: per (key, module as recorded), and in all."""

    in_module: Counter[tuple[str, str]] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)

    @classmethod
    def count(cls, entries: Iterable[Entry], but: str = "") -> Led:
        """Times led in the history `entries`, leaving out session `but`."""
        in_module: Counter[tuple[str, str]] = Counter()
        total: Counter[str] = Counter()
        for entry in entries:
            if entry.session != but and entry.role.casefold() == LEAD.casefold():
                in_module[(entry.key, entry.module)] += 1
                total[entry.key] += 1
        return cls(in_module, total)


def candidates(group: Sequence[Student], week: int | Leading) -> list[Student]:
    """The members who may lead `group` in `week`, as grouping rule 3 says."""
    rule = as_leading(week)
    if rule.top_first:
        tops = [s for s in group if s.module == rule.top]
        return tops or [s for s in group if s.module == rule.top - 1]
    return [s for s in group if s.module in rule.modules()]


def choose_leads(
    groups: Sequence[Sequence[Student]],
    week: int | Leading,
    led: Led,
    *,
    keep: Collection[str] = (),
    absent: Collection[str] = (),
) -> frozenset[str]:
    """The key of each group's lead: a member of `keep` present and still one who may lead
    (in week 4 a Mod 3 gives way to a Mod 4 who moved in) stays lead; else the candidate
    present who has led least (in their module, then in all), on a tie the module
    `lead_modules` names first, then by name. A group without a candidate present has none.
    """
    rank = as_leading(week).modules()
    chosen: set[str] = set()
    for group in groups:
        present = [s for s in group if s.key not in absent]
        pool = candidates(present, week)
        kept = [s for s in pool if s.key in keep]
        if kept:
            chosen.add(kept[0].key)
            continue
        if pool:
            best = min(
                pool,
                key=lambda s: (
                    led.in_module[(s.key, str(s.module))],
                    led.total[s.key],
                    rank.index(s.module),
                    s.name.casefold(),
                    s.key,
                ),
            )
            chosen.add(best.key)
    return frozenset(chosen)


def due_to_lead(
    students: Sequence[Student], week: int | Leading, groups: int, led: Led
) -> frozenset[str]:
    """The upper-module students who have led least: the optimizer spreads them over the
    groups (one in every group when there are enough), so whoever has led least leads next."""
    rule = as_leading(week)
    tops = [s for s in students if s.module == rule.top]
    if rule.top_first and len(tops) >= groups:
        pool = tops
    else:
        pool = [s for s in students if s.module in rule.modules()]
    least = min((_times(s, led) for s in pool), default=None)
    return frozenset(s.key for s in pool if _times(s, led) == least)


def _times(student: Student, led: Led) -> tuple[int, int]:
    return led.in_module[(student.key, str(student.module))], led.total[student.key]
