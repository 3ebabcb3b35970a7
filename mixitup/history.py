"""The history tab -> which sessions are published and who has already met whom.

A staff edit to a published groups tab (a student moved to another group) wins over the
group recorded in history, so later sessions avoid the pairs that really met.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from itertools import combinations

from mixitup import layout
from mixitup.layout import (
    ABSENT,
    LEAD,
    find_history_tab,
    history_columns,
    history_entry,
    name_key,
    parse_label,
    parse_module,
)
from mixitup.models import Entry, Rows, Session, Snapshot, Student
from mixitup.roster import Roster


@dataclass(frozen=True)
class History:
    """Who was in which group of each published session.

    Entries the history tab does not hold yet (not `recorded`) come from published groups tabs:
    students staff typed in by hand, or every student when the history tab itself is gone.
    """

    entries: tuple[Entry, ...]
    title: str | None = None  # the history tab, None when the spreadsheet has none

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
        return replace(self, entries=tuple(entries))

    def unrecorded(
        self, students: Sequence[Student], now: dt.datetime, seed: int, but: str = ""
    ) -> tuple[tuple[str, ...], ...]:
        """History rows for the entries the tab lacks, but those of session `but`."""
        cohorts = {s.key: s.cohort for s in students}
        stamp = now.isoformat(timespec="seconds")
        rows = []
        for e in self.entries:
            session = parse_label(e.session)
            if e.recorded or session is None or e.session == but:
                continue
            cohort = e.cohort or cohorts.get(e.key, "")
            rows.append(
                _row(session, e.group, e.key, e.name, e.program, e.module, cohort, "", stamp, seed)
            )
        return tuple(rows)

    def sessions(self) -> set[str]:
        return {e.session for e in self.entries}

    def groups_of(self, session: Session) -> dict[int, list[str]]:
        """Group number -> student keys, for one published session."""
        groups: dict[int, list[str]] = defaultdict(list)
        for entry in self.entries:
            if entry.session == layout.label(session):
                groups[entry.group].append(entry.key)
        return dict(groups)

    def met(self, before: Session | None = None) -> dict[frozenset[str], int]:
        """How many sessions each pair shared a group in (only sessions other than `before`).

        A student marked absent (Attended `no`) met nobody in that session; blank counts as
        attended, so records from before attendance was taken keep their meaning.
        """
        groups: dict[tuple[str, int], list[str]] = defaultdict(list)
        for entry in self.entries:
            if entry.attended == ABSENT:
                continue
            if before is None or entry.session != layout.label(before):
                groups[(entry.session, entry.group)].append(entry.key)
        counts: dict[frozenset[str], int] = defaultdict(int)
        for keys in groups.values():
            for a, b in combinations(sorted(set(keys)), 2):
                counts[frozenset((a, b))] += 1
        return dict(counts)


def read_history(snapshot: Snapshot) -> History:
    """Entries of the history tab, with groups as the published groups tabs show them now.

    Students a groups tab shows but the history lacks (typed in by staff, or all of them when
    the history tab was deleted) are entries not yet `recorded`.
    """
    title = find_history_tab(snapshot)
    rows = snapshot.tabs[title] if title is not None else ()
    columns = history_columns(rows[0]) if rows else {}
    entries = [
        e
        for e in (history_entry(cells, row, columns) for row, cells in enumerate(rows[1:], 2))
        if e
    ]
    labels = {e.session for e in entries} | _groups_labels(snapshot)
    result: list[Entry] = []
    for label in sorted(labels):
        recorded = [e for e in entries if e.session == label]
        tab = snapshot.rows(f"{label} Groups")
        result += _as_published(recorded, tab, label)
    return History(tuple(result), title)


def _groups_labels(snapshot: Snapshot) -> set[str]:
    suffix = " groups"
    return {
        t[: -len(suffix)]
        for t in snapshot.titles
        if t.casefold().endswith(suffix) and parse_label(t[: -len(suffix)]) is not None
    }


def history_rows(
    session: Session,
    groups: Sequence[Sequence[Student]],
    published_at: dt.datetime,
    seed: int,
    leads: Collection[str] = (),
) -> tuple[tuple[str, ...], ...]:
    """The history rows recording `groups` for `session`, one per student, in HISTORY_HEADER order;
    the students whose keys are in `leads` have the Role `Lead`."""
    stamp = published_at.isoformat(timespec="seconds")
    return tuple(
        _row(
            session,
            number,
            s.key,
            s.name,
            s.program,
            str(s.module),
            s.cohort,
            LEAD if s.key in leads else "",
            stamp,
            seed,
        )
        for number, group in enumerate(groups, 1)
        for s in sorted(group, key=lambda s: s.key)
    )


def rewritten_rows(
    snapshot: Snapshot,
    history: History,
    entries: Sequence[Entry],
    now: dt.datetime,
    seed: int,
) -> tuple[tuple[str, ...], ...]:
    """History rows, in HISTORY_HEADER order, recording `entries` (one session's, changed).

    A recorded entry keeps the cells its row holds (published at, seed, cohort, ...) with its
    key, group, role and attended as the entry says; an unrecorded one gets a new row.
    """
    tab = snapshot.tabs[history.title] if history.title is not None else ()
    columns = history_columns(tab[0]) if tab else {}
    stamp = now.isoformat(timespec="seconds")
    out = []
    for e in entries:
        session = parse_label(e.session)
        if e.recorded and 0 < e.row <= len(tab):
            cells = tab[e.row - 1]
            row = [
                cells[columns[n]] if n in columns and columns[n] < len(cells) else ""
                for n in layout.HISTORY_HEADER
            ]
        elif session is not None:
            row = list(_row(session, 0, "", e.name, e.program, e.module, e.cohort, "", stamp, seed))
        else:
            continue
        for name, value in (
            ("Group", str(e.group)),
            ("Student key", e.key),
            ("Role", e.role),
            ("Attended", e.attended),
        ):
            row[layout.HISTORY_HEADER.index(name)] = value
        out.append(tuple(row))
    return tuple(out)


def _row(
    session: Session,
    group: int,
    key: str,
    name: str,
    program: str,
    module: str,
    cohort: str,
    role: str,
    stamp: str,
    seed: int | str,
) -> tuple[str, ...]:
    return (
        layout.label(session),
        session.date.isoformat(),
        str(session.week),
        str(group),
        key,
        name,
        program,
        module,
        cohort,
        role,
        "",
        stamp,
        str(seed),
    )


def _tab_rows(rows: Rows) -> list[tuple[int, str, str, str]]:
    """(group, name, program, module) of each student row of a groups tab."""
    found = []
    for cells in rows[1:]:
        cells = (*cells, "", "", "", "")
        if cells[0].strip().isdigit() and cells[1].strip():
            found.append((int(cells[0].strip()), cells[1].strip(), cells[2].strip(), cells[3]))
    return found


def _as_published(entries: list[Entry], tab: Rows | None, label: str) -> list[Entry]:
    """A session's entries with the groups its tab shows, plus the students only the tab has.

    A recorded student moves to the group the tab shows when exactly one row there names
    them; a name the history does not hold for this session is a new, unrecorded entry.
    """
    if tab is None:
        return entries
    shown: dict[str, list[tuple[int, str, str, str]]] = defaultdict(list)
    for row in _tab_rows(tab):
        shown[name_key(row[1])].append(row)
    out = []
    for entry in entries:
        rows = shown.get(name_key(entry.name), [])
        if len(rows) == 1 and rows[0][0] != entry.group:
            entry = replace(entry, group=rows[0][0])
        out.append(entry)
    recorded = {name_key(e.name) for e in entries}
    for key, rows in shown.items():
        if key not in recorded:
            for group, name, program, module in rows:
                module_number = parse_module(module)
                out.append(
                    Entry(
                        0,
                        label,
                        group,
                        key,
                        name,
                        program,
                        str(module_number) if module_number is not None else "",
                        recorded=False,
                    )
                )
    return out


def published_sessions(snapshot: Snapshot, history: History) -> set[str]:
    """Labels of sessions published: a groups tab exists, or history records them."""
    return _groups_labels(snapshot) | history.sessions()
