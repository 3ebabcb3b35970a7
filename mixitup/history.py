"""The record of who met whom: the History's entries with the staff edits made in published
groups tabs folded in, the one definition of who met (grouping, report, status and rebalance
all use `History.met`), and the History edit that brings the tab in line with changed entries.

Commands change a `History` (a new value) and write `History.edit()`: the cells they own set
in place, new entries appended, sessions taken back removed; every other cell, column and row
of the tab stays as staff left it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations

from mixitup import edits, layout
from mixitup.errors import RosterError
from mixitup.layout import (
    ABSENT,
    LEAD,
    history_columns,
    history_entry,
    name_key,
    owned_cells,
)
from mixitup.models import (
    Entry,
    HistoryEdit,
    PairCounts,
    Rows,
    Session,
    Snapshot,
    Student,
    column_letter,
)
from mixitup.roster import Roster


@dataclass(frozen=True)
class History:
    """Who was in which group of each published session, and how the History tab holds it.

    `read` keeps each History row's entry as read, so `edit()` writes only what changed.
    `kept` names the sessions whose groups tab holds a staff edit mixitup cannot keep: their
    tab is left as it is, and their entries are the History's.
    """

    entries: tuple[Entry, ...]
    title: str | None = None  # the History tab; None when the spreadsheet has none
    read: Mapping[int, Entry] = field(default_factory=dict)
    kept: Mapping[str, str] = field(default_factory=dict)  # session label -> the problem
    tabs: frozenset[str] = frozenset()  # labels of the sessions that have a groups tab
    # Sessions whose tabs mixitup wrote but the record no longer holds (taken back while the
    # students' spreadsheet could not be written, or their History rows deleted): their tabs go.
    orphans: frozenset[Session] = frozenset()
    notes: tuple[str, ...] = ()  # what staff should know of the tabs read (logged)

    # -- what the record says ---------------------------------------------------------------

    def sessions(self) -> set[str]:
        """Labels of the published sessions: in the History, or with a groups tab."""
        return {e.session for e in self.entries} | set(self.tabs)

    def session(self, label: str) -> tuple[Entry, ...]:
        """One session's entries, by group then key."""
        return tuple(
            sorted((e for e in self.entries if e.session == label), key=lambda e: (e.group, e.key))
        )

    def groups_of(self, session: Session) -> dict[int, list[str]]:
        """Group number -> student keys, for one published session."""
        groups: dict[int, list[str]] = defaultdict(list)
        for entry in self.session(layout.label(session)):
            groups[entry.group].append(entry.key)
        return dict(groups)

    def met(self, before: Session | None = None) -> PairCounts:
        """How many sessions each pair shared a group in (sessions other than `before`).

        A student marked absent (Attended `no`) met nobody in that session; blank counts as
        attended, so records from before attendance was taken keep their meaning.
        """
        counts: dict[frozenset[str], int] = defaultdict(int)
        for keys in self._groups(before):
            for a, b in combinations(sorted(keys), 2):
                counts[frozenset((a, b))] += 1
        return dict(counts)

    def earlier_groups(self, before: Session) -> list[list[frozenset[str]]]:
        """Per session other than `before`, its groups as sets of the keys who attended."""
        by_session: dict[str, list[frozenset[str]]] = defaultdict(list)
        for (label, _), keys in self._by_group(before).items():
            by_session[label].append(frozenset(keys))
        return list(by_session.values())

    def _groups(self, before: Session | None) -> Iterable[set[str]]:
        return self._by_group(before).values()

    def _by_group(self, before: Session | None) -> dict[tuple[str, int], set[str]]:
        skip = layout.label(before) if before is not None else None
        groups: dict[tuple[str, int], set[str]] = defaultdict(set)
        for entry in self.entries:
            if entry.attended != ABSENT and entry.session != skip:
                groups[(entry.session, entry.group)].add(entry.key)
        return groups

    # -- changing it ------------------------------------------------------------------------

    def matched_to(self, roster: Roster) -> History:
        """This history with each student keyed as the roster knows them now.

        A key the roster no longer has (an email fixed, or emails added to a roster that had
        none) is matched by name to the one active student of that name, unless that student
        is already in the same session under their own key. Only in memory: the History keeps
        the keys it recorded.
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
        return replace(self, entries=tuple(entries))

    def with_session(self, label: str, entries: Sequence[Entry]) -> History:
        """This history with `label`'s entries replaced by `entries` (appended when new)."""
        others = tuple(e for e in self.entries if e.session != label)
        return replace(self, entries=others + tuple(entries))

    def without_session(self, label: str) -> History:
        """This history with the session `label` taken back: its entries and its tab gone."""
        return replace(
            self,
            entries=tuple(e for e in self.entries if e.session != label),
            tabs=self.tabs - {label},
        )

    def edit(self, now: dt.datetime, seed: int, title: str = "History") -> HistoryEdit:
        """The History edit that makes the tab hold these entries, as little as it takes.

        Rows kept change only in the cells commands own (`layout.OWNED`); entries the
        tab lacks are appended, stamped `now` and `seed`; a session none of whose rows remain
        is removed whole.
        """
        now_rows = {e.row: e for e in self.entries if e.row}
        update: list[tuple[int, str, str]] = []
        for row, old in sorted(self.read.items()):
            new = now_rows.get(row)
            if new is None:
                continue
            cells = zip(layout.OWNED, owned_cells(old), owned_cells(new), strict=True)
            for name, before, after in cells:
                if before != after:
                    update.append((row, name, after))
        gone = {e.session for row, e in self.read.items() if row not in now_rows}
        kept = {e.session for row, e in self.read.items() if row in now_rows}
        if gone & kept:
            raise AssertionError(f"rows of {sorted(gone & kept)} removed one by one")
        append = tuple(layout.history_row(e, now, seed) for e in self.entries if not e.row)
        return HistoryEdit(
            remove_sessions=tuple(sorted(gone)), update=tuple(update), append=append, title=title
        )


def session_entries(
    session: Session, groups: Sequence[Sequence[Student]], leads: Collection[str] = ()
) -> tuple[Entry, ...]:
    """New entries recording `groups` for `session` (group 1 first), leads marked."""
    return tuple(
        new_entry(session, number, s, s.key in leads)
        for number, group in enumerate(groups, 1)
        for s in sorted(group, key=lambda s: s.key)
    )


def new_entry(session: Session, group: int, student: Student, lead: bool) -> Entry:
    """A new entry: `student` in `group` of `session` (not in the History yet)."""
    return Entry(
        0,
        layout.label(session),
        group,
        student.key,
        student.name,
        student.program,
        str(student.module),
        student.cohort,
        LEAD if lead else "",
    )


def read_history(staff: Snapshot, shown: Snapshot | None = None) -> History:
    """The record: the History's entries, with the staff edits of published groups tabs.

    Groups tabs are read from `shown` (the students' spreadsheet) and, for sessions it lacks,
    from `staff`. A tab whose cells still give the stamp mixitup wrote with it is mixitup's own
    rendering and says nothing the History does not. Any other tab is read as staff left it:
    moves, lead changes and students typed in become entries (`edits.read_groups_tab`); a tab
    mixitup cannot read back is left alone (`kept`). Raises RosterError naming every History
    cell whose Attended value is neither yes nor no.
    """
    title = layout.find_history_tab(staff)
    recorded = _entries(staff.tabs[title] if title is not None else (), title or "")
    tabs = layout.groups_sessions(staff.titles)
    where = dict.fromkeys(tabs, staff)
    if shown is not None and shown is not staff:
        found = layout.groups_sessions(shown.titles)
        tabs.update(found)
        where.update(dict.fromkeys(found, shown))
    labels = {layout.label(s): s for s in tabs}
    entries: list[Entry] = [e for e in recorded if e.session not in labels]
    kept: dict[str, str] = {}
    orphans: set[Session] = set()
    notes = _staff_copies(staff, shown, tabs, recorded)
    for label, session in sorted(labels.items()):
        own = [e for e in recorded if e.session == label]
        snapshot = where[session]
        rows = snapshot.tabs[tabs[session]]
        cells, rendered = layout.read_stamp(snapshot.stamps.get(tabs[session], ""))
        if cells == layout.stamp(rows):  # mixitup's rendering, unedited
            if own:
                entries += own  # maybe behind the record: the record wins
            elif title is not None:
                orphans.add(session)  # the record no longer holds it
            else:
                entries += edits.read_groups_tab(session, rows, ()).entries  # History gone
            continue
        if own and rendered and rendered != layout.record_stamp(own):
            if _agrees(edits.read_groups_tab(session, rows, own), own):
                entries += own  # an edit recorded since: a past session's tab keeps its stamp
                continue
            kept[label] = (
                f'Groups tab "{tabs[session]}" was edited, but it shows the record as it was '
                "before a later change (a rebalance, a late joiner) that never reached it, so "
                "the edit cannot be told from what it would undo"
            )
            entries += own
            continue
        read = edits.read_groups_tab(session, rows, own)
        if read.problem:
            kept[label] = read.problem
            entries += own
        else:
            entries += read.entries
    return History(
        tuple(entries),
        title,
        {e.row: e for e in recorded},
        kept,
        frozenset(layout.label(s) for s in tabs if s not in orphans),
        frozenset(orphans),
        notes,
    )


def _agrees(read: edits.Read, own: Sequence[Entry]) -> bool:
    """Whether a groups tab read back shows the record: every student in their group and
    role, nobody more or less."""

    def places(entries: Sequence[Entry]) -> set[tuple[str, int, str]]:
        return {(e.key, e.group, e.role) for e in entries}

    return not read.problem and places(read.entries) == places(own)


def _staff_copies(
    staff: Snapshot,
    shown: Snapshot | None,
    tabs: Mapping[Session, str],
    recorded: Sequence[Entry],
) -> tuple[str, ...]:
    """Warnings for groups tabs mixitup wrote in the staff spreadsheet, edited there since,
    whose session the students' spreadsheet holds: edits there are not read."""
    if shown is None or shown is staff:
        return ()
    notes = []
    for session, title in layout.groups_sessions(staff.titles).items():
        stamp = staff.stamps.get(title)
        held = tabs.get(session) not in (None, title) or session in layout.groups_sessions(
            shown.titles
        )
        if stamp and held and layout.read_stamp(stamp)[0] != layout.stamp(staff.tabs[title]):
            notes.append(
                f'Groups tab "{title}" in the staff spreadsheet was edited, but its session is '
                "published in the students' spreadsheet, whose tab is the one mixitup reads: "
                "make the edit there (or delete the staff copy)"
            )
    return tuple(notes)


def _entries(rows: Rows, title: str) -> list[Entry]:
    """The History's entries; RosterError for Attended cells that say neither yes nor no."""
    columns = history_columns(rows[0]) if rows else {}
    entries = []
    problems = []
    for number, cells in enumerate(rows[1:], 2):
        entry = history_entry(cells, number, columns)
        if entry is None:
            problem = _unreadable_group(cells, number, columns, title)
            if problem:
                problems.append(problem)
            continue  # else not a row mixitup wrote (a note, a blank row): staff's own
        if entry.attended not in ("", "yes", "no"):
            column = column_letter(columns["Attended"] + 1)
            problems.append(
                f'History tab "{title}", row {number}, column {column} (Attended): '
                f"{entry.attended!r} says neither yes nor no. Type yes, no or leave it blank "
                "(y/n, true/false, present/absent, x and a ticked checkbox are understood too)."
            )
            continue
        entries.append(entry)
    if problems:
        raise RosterError(problems)
    return entries


def _unreadable_group(
    cells: Sequence[str], row: int, columns: Mapping[str, int], title: str
) -> str:
    """The problem of a History row that names a session and a student but no group number:
    a row of the record that would otherwise be lost without a word ("" for any other row)."""

    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    if not cell("Session") or not cell("Student key") or "Group" not in columns:
        return ""
    column = column_letter(columns["Group"] + 1)
    return (
        f'History tab "{title}", row {row}, column {column} (Group): {cell("Group")!r} is not '
        f"a group number, so {cell('Name') or cell('Student key')} would drop out of the record "
        f"of {cell('Session')}. Type the group number (1, 2, ...)."
    )
