"""Late joiners: read a published groups tab back, and add newcomers without moving anyone. Pure.

Each newcomer goes to the existing group that suits the grouping rules best, one at a time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from mixitup import layout
from mixitup.errors import InfeasibleGroupingError
from mixitup.layout import name_key, parse_module
from mixitup.models import Entry, Rows, Session, Student
from mixitup.optimizer import Rules, lead_modules
from mixitup.render import groups_tab

Groups = tuple[tuple[Student, ...], ...]
"""Group 1 first; a group may be empty when staff moved everyone out of it."""


@dataclass(frozen=True)
class Published:
    """A published session's groups as its tab shows them now, or why the tab cannot be kept."""

    groups: Groups
    # name_key of the rows staff typed in by hand: names that history does not record.
    added_by_hand: frozenset[str]
    problem: str = ""  # set when rewriting the tab would change what staff or students wrote
    leads: frozenset[str] = frozenset()  # keys of the students whose Role is Lead


@dataclass(frozen=True)
class Placement:
    """Where one late joiner went, and what that group costs them."""

    student: Student
    group: int  # 1-based, the breakout room number
    repeats: int  # members they already met in an earlier session
    mates: int  # members of their own cohort
    uneven: bool  # sizes now differ by two: every smaller group held a keep-apart partner


def read_groups(
    session: Session, rows: Rows, entries: Sequence[Entry], students: Sequence[Student]
) -> Published:
    """The groups of `session` from its tab `rows`, members keyed as history and roster know them.

    Members keep the program and module the tab shows, so rendering them again gives back the
    same cells; `problem` says which row would change when that is not so (a staff edit).
    """
    by_entry = _unique(
        {name_key(e.name): e.key for e in entries}, [name_key(e.name) for e in entries]
    )
    by_roster = _unique(
        {name_key(s.name): s.key for s in students}, [name_key(s.name) for s in students]
    )
    roster = {s.key: s for s in students}
    members: dict[int, list[Student]] = {}
    leads: set[str] = set()
    role = _role_column(rows)
    recorded = {name_key(e.name) for e in entries}
    by_hand: set[str] = set()
    title = layout.groups_title(session)
    for cells in rows[1:]:
        cells = _trimmed(cells)
        if not cells:
            continue
        group, name, program, module = (*cells, "", "", "", "")[:4]
        if name_key(name) not in recorded:
            by_hand.add(name_key(name))
        number, mod = group.strip(), parse_module(module)
        if not number.isdigit() or int(number) < 1 or mod is None:
            continue  # the round trip below reports the row
        key = by_entry.get(name_key(name)) or by_roster.get(name_key(name)) or name_key(name)
        # Published before their email was known: history has their name, the roster their email.
        known = roster.get(key) or roster.get(by_roster.get(name_key(name), ""))
        cohort = known.cohort if known else ""
        email = known.email if known else ""
        student = Student(key, name, program, mod, cohort, email)
        members.setdefault(int(number), []).append(student)
        if role is not None and role < len(cells) and cells[role].strip().casefold() == "lead":
            leads.add(key)
    count = max(members, default=0)
    groups = tuple(tuple(members.get(n, ())) for n in range(1, count + 1))
    problem = (
        _round_trip(session, rows, groups, frozenset(leads), role is not None)
        if groups
        else f'Groups tab "{title}" is empty.'
    )
    return Published(groups, frozenset(by_hand), problem, frozenset(leads))


def _role_column(rows: Rows) -> int | None:
    """The Role column of a groups tab (the fifth); None for tabs published before it existed."""
    header = _trimmed(rows[0]) if rows else ()
    return 4 if len(header) > 4 and header[4].strip().casefold() == "role" else None


def recorded_groups(entries: Sequence[Entry], students: Sequence[Student]) -> Groups:
    """A session's groups as history records them, for when its tab is gone.

    Only keys, names and emails are known (from the roster by key); program and module are not.
    """
    roster = {s.key: s for s in students}
    found: dict[int, list[Student]] = {}
    for entry in entries:
        known = roster.get(entry.key)
        email = known.email if known else ""
        found.setdefault(entry.group, []).append(Student(entry.key, entry.name, "", 0, "", email))
    return tuple(tuple(found.get(n, ())) for n in range(1, max(found, default=0) + 1))


def newcomers(
    students: Sequence[Student], recorded_keys: Collection[str], added_by_hand: Collection[str]
) -> tuple[Student, ...]:
    """Active students the session does not have yet, in name order.

    A student is there when history records their key, or their name as the key (published
    before their email was filled in), or staff typed their name into the tab by hand. Two
    people may share a name, so a name recorded with another email does not count.
    """
    return tuple(
        sorted(
            (
                s
                for s in students
                if s.key not in recorded_keys
                and name_key(s.name) not in recorded_keys
                and name_key(s.name) not in added_by_hand
            ),
            key=lambda s: (s.name.casefold(), s.key),
        )
    )


def place(
    joiners: Sequence[Student],
    groups: Groups,
    met: Mapping[frozenset[str], int],
    rules: Rules,
) -> tuple[Groups, tuple[Placement, ...]]:
    """Add each joiner to an existing non-empty group; nobody already placed moves.

    Preference, in the order of the grouping rules: no keep-apart partner, a smallest group (so
    sizes stay within one), a group without an upper-module lead when the joiner can lead,
    fewest people already met plus cohort-mates, fewest of the same module and program, lowest
    group number. Raises InfeasibleGroupingError when every group holds a keep-apart partner.
    """
    current = [list(g) for g in groups]
    leads = lead_modules(rules.week)
    placements: list[Placement] = []
    for joiner in joiners:
        candidates = [i for i, g in enumerate(current) if g]
        if not candidates:
            raise InfeasibleGroupingError(
                f"Cannot add {joiner.name}: the published groups tab has no groups."
            )
        smallest = min(len(current[i]) for i in candidates)

        def score(i: int, joiner: Student = joiner, smallest: int = smallest) -> tuple[int, ...]:
            group = current[i]
            keep = sum(frozenset((joiner.key, m.key)) in rules.keep_apart for m in group)
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
        group = current[best]
        placements.append(
            Placement(
                joiner,
                best + 1,
                repeats=sum(frozenset((joiner.key, m.key)) in met for m in group),
                mates=sum(bool(m.cohort) and m.cohort == joiner.cohort for m in group),
                uneven=over > 0,
            )
        )
        group.append(joiner)
    return tuple(tuple(g) for g in current), tuple(placements)


def _unique(mapping: dict[str, str], keys: list[str]) -> dict[str, str]:
    """`mapping` without the keys that occur more than once in `keys` (two people, one name)."""
    counts = Counter(keys)
    return {k: v for k, v in mapping.items() if counts[k] == 1}


def _trimmed(cells: Sequence[str]) -> tuple[str, ...]:
    cells = tuple(cells)
    while cells and not cells[-1].strip():
        cells = cells[:-1]
    return cells


def _round_trip(
    session: Session, rows: Rows, groups: Groups, leads: frozenset[str], role: bool
) -> str:
    """Empty when rendering `groups` gives back every row of `rows`; else the first lost row.

    A tab published before the Role column existed is compared on its four columns.
    """
    width = None if role else 4
    rendered = Counter(
        _trimmed(tuple(str(c) for c in r)[:width]) for r in groups_tab(session, groups, leads).rows
    )
    for index, cells in enumerate(rows):
        cells = _trimmed(cells)
        if not cells:
            continue
        if rendered[cells] > 0:
            rendered[cells] -= 1
            continue
        return (
            f'Groups tab "{layout.groups_title(session)}", row {index + 1} '
            f"({', '.join(cells)}) was edited in a way mixitup cannot keep exactly"
        )
    return ""
