"""Late joiners: students new on the roster added to a published session's groups, nobody else
moving. Pure: the session's entries (the record) + the roster -> placements.

Each newcomer goes to the existing group that suits the grouping rules best, one at a time;
group sizes count only the members not marked absent, and a room nobody present is in (emptied
by a rebalance) is never chosen.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from mixitup.errors import InfeasibleGroupingError
from mixitup.layout import ABSENT, LEAD, parse_module
from mixitup.models import Entry, Student
from mixitup.optimizer import Rules, lead_modules

Groups = tuple[tuple[Student, ...], ...]
"""Group 1 first; a group may be empty when staff moved everyone out of it."""


@dataclass(frozen=True)
class Placement:
    """Where one late joiner went, and what that group costs them."""

    student: Student
    group: int  # 1-based, the breakout room number
    repeats: int  # members present they already met in an earlier session
    mates: int  # members present of their own cohort
    uneven: bool  # sizes now differ by two: every smaller group held a keep-apart partner


def recorded_groups(entries: Sequence[Entry], students: Sequence[Student]) -> Groups:
    """A session's groups as the record holds them, each member as a Student.

    Program, module and cohort are those recorded (the roster's cohort when none was); the
    email is the roster's, found by key.
    """
    roster = {s.key: s for s in students}
    found: dict[int, list[Student]] = {}
    for entry in sorted(entries, key=lambda e: (e.group, e.name.casefold(), e.key)):
        known = roster.get(entry.key)
        module = parse_module(entry.module) if entry.module else None
        found.setdefault(entry.group, []).append(
            Student(
                entry.key,
                entry.name,
                entry.program or (known.program if known else ""),
                module if module is not None else (known.module if known else 0),
                entry.cohort or (known.cohort if known else ""),
                known.email if known else "",
            )
        )
    return tuple(tuple(found.get(n, ())) for n in range(1, max(found, default=0) + 1))


def recorded_leads(entries: Sequence[Entry]) -> frozenset[str]:
    return frozenset(e.key for e in entries if e.role == LEAD)


def absentees(entries: Sequence[Entry]) -> frozenset[str]:
    return frozenset(e.key for e in entries if e.attended == ABSENT)


def newcomers(students: Sequence[Student], entries: Sequence[Entry]) -> tuple[Student, ...]:
    """Active students the session does not have yet (by key, as `History.matched_to` keyed
    the entries), in name order. Two people may share a name: only keys count."""
    there = {e.key for e in entries}
    return tuple(
        sorted(
            (s for s in students if s.key not in there),
            key=lambda s: (s.name.casefold(), s.key),
        )
    )


def place(
    joiners: Sequence[Student],
    groups: Groups,
    met: Mapping[frozenset[str], int],
    rules: Rules,
    absent: Collection[str] = (),
) -> tuple[Groups, tuple[Placement, ...]]:
    """Add each joiner to a group with someone present in it; nobody already placed moves.

    Preference, in the order of the grouping rules: no keep-apart partner, a smallest group
    counting those present (so sizes stay within one), a group without an upper-module lead
    present when the joiner can lead, fewest people already met plus cohort-mates, fewest of
    the same module and program, lowest group number. Raises InfeasibleGroupingError naming
    the joiner when no group can take them.
    """
    current = [list(g) for g in groups]
    leads = lead_modules(rules.leading)
    placements: list[Placement] = []
    for joiner in joiners:
        present = [[m for m in g if m.key not in absent] for g in current]
        candidates = [i for i, g in enumerate(present) if g]
        if not candidates:
            raise InfeasibleGroupingError(
                f"Cannot add late joiner {joiner.name}: no group of the session has anyone "
                "present. Place them by hand in the groups tab."
            )
        smallest = min(len(present[i]) for i in candidates)

        def score(
            i: int,
            joiner: Student = joiner,
            smallest: int = smallest,
            present: list[list[Student]] = present,
        ) -> tuple[int, ...]:
            group = present[i]
            keep = sum(frozenset((joiner.key, m.key)) in rules.keep_apart for m in current[i])
            repeats = sum(met.get(frozenset((joiner.key, m.key)), 0) for m in group)
            mates = sum(bool(m.cohort) and m.cohort == joiner.cohort for m in group)
            leads_it = joiner.module in leads and not any(m.module in leads for m in group)
            spread = sum(m.module == joiner.module for m in group)
            spread += sum(m.program == joiner.program for m in group)
            return (keep, len(group) - smallest, not leads_it, repeats + mates, spread, i)

        best = min(candidates, key=score)
        keep, over, _, _, _, _ = score(best)
        if keep:
            raise InfeasibleGroupingError(
                f"Cannot add late joiner {joiner.name}: every group has someone they are to be "
                "kept apart from. Place them by hand in the groups tab, or edit the Keep apart tab."
            )
        group = present[best]
        placements.append(
            Placement(
                joiner,
                best + 1,
                repeats=sum(frozenset((joiner.key, m.key)) in met for m in group),
                mates=sum(bool(m.cohort) and m.cohort == joiner.cohort for m in group),
                uneven=over > 0,
            )
        )
        current[best].append(joiner)
    return tuple(tuple(g) for g in current), tuple(placements)
