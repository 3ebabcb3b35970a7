"""The day-of rebalance: with some students absent, move the fewest present ones so every room
has enough people and a lead. Pure: groups + absentees + rules -> groups, leads and moves.

A room short of `min_present` is either filled (people come in) or emptied (its people go to
other rooms), whichever moves fewest people in all; nobody else changes room and no room is
renumbered. Who goes where avoids keep-apart pairs first, then people already met and
cohort-mates, and brings a lead to rooms without one. A room nobody moves into keeps its
present lead, even one staff chose outside the rule.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from mixitup.latejoin import Groups
from mixitup.leads import Led, candidates, choose_leads
from mixitup.models import Student
from mixitup.optimizer import Leading, Met


@dataclass(frozen=True)
class Move:
    """One present student sent to another room."""

    student: Student
    room: int  # where they were (1-based)
    to: int


@dataclass(frozen=True)
class Rebalanced:
    """The rooms after the moves, who leads each, and what is still short."""

    groups: Groups
    leads: frozenset[str]
    moves: tuple[Move, ...]
    short: tuple[int, ...]  # rooms with people present but fewer than min_present
    unled: tuple[int, ...]  # rooms with people present but nobody who can lead


def rebalance(
    groups: Groups,
    absent: Collection[str],
    leads: Collection[str],
    *,
    met: Met,
    keep_apart: Collection[frozenset[str]],
    week: int | Leading,
    min_present: int,
    led: Led,
) -> Rebalanced:
    """Rooms where each holds at least `min_present` present students where the numbers allow,
    moving the fewest present students; see the module's docstring."""
    rooms = [list(g) for g in groups]
    present = [[s for s in g if s.key not in absent] for g in rooms]
    emptied = _rooms_to_empty(present, min_present)
    kept = [r for r in range(len(rooms)) if r not in emptied and present[r]]
    moves: list[Move] = []

    def cost(student: Student, to: int) -> tuple[int, int]:
        """(keep-apart partners, people met before + cohort-mates) in room `to` for `student`."""
        others = present[to]
        keep = sum(frozenset((student.key, m.key)) in keep_apart for m in others)
        repeats = sum(met.get(frozenset((student.key, m.key)), 0) > 0 for m in others)
        mates = sum(bool(m.cohort) and m.cohort == student.cohort for m in others)
        return keep, repeats + mates

    def unled(room: int) -> bool:
        return not candidates(present[room], week)

    def move(student: Student, room: int, to: int) -> None:
        rooms[room].remove(student)
        present[room].remove(student)
        rooms[to].append(student)
        present[to].append(student)
        moves.append(Move(student, room + 1, to + 1))

    # People of emptied rooms: leads first, so rooms without a lead get one.
    leavers = sorted(
        ((s, r) for r in sorted(emptied) for s in present[r]),
        key=lambda item: (not candidates([item[0]], week), item[1], item[0].name.casefold()),
    )
    for student, room in leavers:
        if not kept:
            break

        def score(to: int, student: Student = student) -> tuple[int, ...]:
            keep, known = cost(student, to)
            needs = len(present[to]) < min_present
            leads_it = unled(to) and bool(candidates([student], week))
            return (keep, not needs, not leads_it, known, len(present[to]), to)

        move(student, room, min(kept, key=score))

    # Rooms still short take one person at a time from rooms with more than enough.
    while True:
        needy = [r for r in kept if len(present[r]) < min_present]
        donors = [(s, r) for r in kept if len(present[r]) > min_present for s in present[r]]
        if not needy or not donors:
            break
        to = min(needy, key=lambda r: (len(present[r]), r))

        def pick(item: tuple[Student, int], to: int = to) -> tuple[object, ...]:
            student, room = item
            keep, known = cost(student, to)
            can = bool(candidates([student], week))
            strips = can and len(candidates(present[room], week)) == 1
            return (
                keep,
                strips,  # would leave their room without a lead
                not (unled(to) and can),
                known,
                -len(present[room]),
                room,
                _order(student),
            )

        student, room = min(donors, key=pick)
        move(student, room, to)

    # A room without anyone who can lead gets one from a room that has two and people to spare.
    for to in kept:
        if not present[to] or not unled(to):
            continue
        spare = [
            (s, r)
            for r in kept
            if len(present[r]) > min_present and len(candidates(present[r], week)) > 1
            for s in candidates(present[r], week)
            if cost(s, to)[0] == 0
        ]
        if spare:

            def nearest(item: tuple[Student, int], to: int = to) -> tuple[object, ...]:
                return (cost(item[0], to), item[1], _order(item[0]))

            student, room = min(spare, key=nearest)
            move(student, room, to)

    moved = {m.student.key for m in moves}
    new_groups = tuple(tuple(g) for g in rooms)
    chosen = set(
        choose_leads(
            new_groups, week, led, keep=[k for k in leads if k not in moved], absent=absent
        )
    )
    # A room nobody moved into keeps its present lead, whoever staff made lead.
    entered = {m.to - 1 for m in moves}
    for r in set(range(len(rooms))) - entered:
        own = [s.key for s in present[r] if s.key in leads]
        if own:
            chosen = (chosen - {s.key for s in rooms[r]}) | {own[0]}
    return Rebalanced(
        new_groups,
        frozenset(chosen),
        tuple(moves),
        tuple(r + 1 for r in range(len(rooms)) if 0 < len(present[r]) < min_present),
        tuple(
            r + 1
            for r in range(len(rooms))
            if present[r] and not any(s.key in chosen for s in present[r])
        ),
    )


def _rooms_to_empty(present: Sequence[Sequence[Student]], least: int) -> set[int]:
    """The short rooms whose people should move out rather than others move in.

    Emptying the k short rooms with fewest present is best for each k (it moves fewest and
    leaves least to fill); the k chosen moves fewest people in all, and can be done with the
    people to spare: emptied rooms' people fill short rooms first, then rooms above `least`
    give theirs.
    """
    short = sorted(
        (r for r, p in enumerate(present) if 0 < len(p) < least),
        key=lambda r: (len(present[r]), -r),
    )
    spare = sum(len(p) - least for p in present if len(p) > least)
    full = any(len(p) >= least for p in present)
    best: tuple[tuple[int, int, int], set[int]] | None = None
    for k in range(len(short) + 1):
        emptied = set(short[:k])
        if not full and len(emptied) == len(short):
            continue  # somewhere must stay open
        leaving = sum(len(present[r]) for r in emptied)
        need = sum(least - len(present[r]) for r in short[k:])
        missing = max(0, need - leaving - spare)
        key = (missing, max(leaving, need - missing), k)
        if best is None or key < best[0]:
            best = (key, emptied)
    return best[1] if best else set()


def _order(student: Student) -> tuple[str, str]:
    return student.name.casefold(), student.key
