"""The history tab -> which sessions are published and who has already met whom.

A staff edit to a published groups tab (a student moved to another group) wins over the
group recorded in history, so later sessions avoid the pairs that really met.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import combinations

from mixitup.models import Rows, Session, Snapshot, Student
from mixitup.roster import Roster, name_key

HEADER = (
    "Session",
    "Date",
    "Week",
    "Group",
    "Student key",
    "Name",
    "Program",
    "Module",
    "Cohort",
    "Published at",
    "Seed",
)


@dataclass(frozen=True)
class Entry:
    """One student's place in one published session."""

    row: int  # spreadsheet row in the history tab
    session: str  # the session's label, e.g. "2027-01-13 Week 2"
    group: int
    key: str
    name: str


@dataclass(frozen=True)
class History:
    entries: tuple[Entry, ...]

    def matched_to(self, roster: Roster) -> History:
        """This history with each student keyed as the roster knows them now.

        A key the roster no longer has (an email fixed, or emails added to a roster that had
        none) is matched by name to the one active student of that name, unless that student
        is already in the same session under their own key.
        """
        by_name: dict[str, list[str]] = defaultdict(list)
        for student in roster.students:
            by_name[name_key(student.name)].append(student.key)
        in_session = {(e.session, e.key) for e in self.entries}
        entries = []
        for entry in self.entries:
            same_name = by_name.get(name_key(entry.name), [])
            if (
                entry.key not in roster.keys
                and len(same_name) == 1
                and (entry.session, same_name[0]) not in in_session
            ):
                entry = replace(entry, key=same_name[0])
            entries.append(entry)
        return History(tuple(entries))

    def sessions(self) -> set[str]:
        return {e.session for e in self.entries}

    def rows_of(self, session: Session) -> tuple[int, ...]:
        return tuple(e.row for e in self.entries if e.session == session.label)

    def groups_of(self, session: Session) -> dict[int, list[str]]:
        """Group number -> student keys, for one published session."""
        groups: dict[int, list[str]] = defaultdict(list)
        for entry in self.entries:
            if entry.session == session.label:
                groups[entry.group].append(entry.key)
        return dict(groups)

    def met(self, before: Session | None = None) -> dict[frozenset[str], int]:
        """How many sessions each pair shared a group in (only sessions other than `before`)."""
        groups: dict[tuple[str, int], list[str]] = defaultdict(list)
        for entry in self.entries:
            if before is None or entry.session != before.label:
                groups[(entry.session, entry.group)].append(entry.key)
        counts: dict[frozenset[str], int] = defaultdict(int)
        for keys in groups.values():
            for a, b in combinations(sorted(set(keys)), 2):
                counts[frozenset((a, b))] += 1
        return dict(counts)


def read_history(snapshot: Snapshot, title: str) -> History:
    """Entries of the history tab, with groups as the published groups tabs show them now."""
    rows = snapshot.rows(title) or ()
    entries = [e for e in (_entry(cells, row) for row, cells in enumerate(rows[1:], 2)) if e]
    edited = {
        label: _groups_tab(snapshot.rows(f"{label} Groups"))
        for label in {e.session for e in entries}
        if snapshot.rows(f"{label} Groups") is not None
    }
    return History(tuple(_as_published(e, edited.get(e.session)) for e in entries))


def history_rows(
    session: Session, groups: Sequence[Sequence[Student]], published_at: dt.datetime, seed: int
) -> tuple[tuple[str, ...], ...]:
    """The history rows recording `groups` for `session`, one per student."""
    stamp = published_at.isoformat(timespec="seconds")
    return tuple(
        (
            session.label,
            session.date.isoformat(),
            str(session.week),
            str(number),
            s.key,
            s.name,
            s.program,
            str(s.module),
            s.cohort,
            stamp,
            str(seed),
        )
        for number, group in enumerate(groups, 1)
        for s in sorted(group, key=lambda s: s.key)
    )


def _entry(cells: tuple[str, ...], row: int) -> Entry | None:
    cells = tuple(cells) + ("",) * (len(HEADER) - len(cells))
    session, group, key, name = cells[0].strip(), cells[3].strip(), cells[4].strip(), cells[5]
    if not session or not key or not group.isdigit():
        return None  # not a row this tool wrote; history is ours, so skip rather than fail
    return Entry(row, session, int(group), key, name.strip())


def _groups_tab(rows: Rows | None) -> dict[str, list[int]]:
    """name_key -> group numbers, as the groups tab shows them now."""
    found: dict[str, list[int]] = defaultdict(list)
    for cells in (rows or ())[1:]:
        if len(cells) >= 2 and cells[0].strip().isdigit():
            found[name_key(cells[1])].append(int(cells[0].strip()))
    return found


def _as_published(entry: Entry, tab: dict[str, list[int]] | None) -> Entry:
    """The entry with the group the groups tab shows, when exactly one row there names it."""
    if tab is None:
        return entry
    shown = tab.get(name_key(entry.name), [])
    if len(shown) == 1 and shown[0] != entry.group:
        return Entry(entry.row, entry.session, shown[0], entry.key, entry.name)
    return entry


def published_sessions(snapshot: Snapshot, history: History) -> set[str]:
    """Labels of sessions published: a groups tab exists, or history records them."""
    suffix = " Groups"
    tabs = {t.removesuffix(suffix) for t in snapshot.titles if t.endswith(suffix)}
    return tabs | history.sessions()
