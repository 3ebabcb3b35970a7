"""Staff edits to a published groups tab, read back into the record. Pure.

Staff may move a student to another group (change the Group cell), change who leads (the Role
cell), or type a student into a new row. Those edits become the session's entries. An edit
mixitup cannot keep exactly (a cell right of Role, a student typed twice, a row removed, a
Program or Module changed) is a problem naming the row: the tab is then left as it is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from mixitup import layout
from mixitup.layout import LEAD, GroupsRow, groups_rows, name_key, parse_module
from mixitup.models import Entry, Rows, Session


@dataclass(frozen=True)
class Read:
    """A groups tab read back: the session's entries as the tab shows them, or the problem."""

    entries: tuple[Entry, ...] = ()
    problem: str = ""


def read_groups_tab(session: Session, rows: Rows, recorded: Sequence[Entry]) -> Read:
    """The entries of `session` as its groups tab `rows` shows them.

    `recorded` are the session's History entries: a row naming one of them keeps its key
    and History row, with the group and role the tab shows; a row naming nobody recorded is
    a new entry (not yet in the History) keyed by its name until the roster matches it.
    """
    title = layout.groups_title(session)
    if not layout.has_groups_header(rows):
        header = ", ".join(c for c in (rows[0] if rows else ()) if c) or "nothing"
        return Read(
            problem=f'Groups tab "{title}", row 1 ({header}) is not the header '
            f"{' | '.join(layout.GROUPS_HEADER)}"
        )
    with_role = len([c for c in rows[0] if c.strip()]) > 4
    found = groups_rows(rows)
    for row in found:
        problem = _row_problem(row, with_role)
        if problem:
            return Read(problem=_where(title, row, problem))
    by_name: dict[str, list[Entry]] = defaultdict(list)
    for entry in recorded:
        by_name[name_key(entry.name)].append(entry)
    shown: dict[str, list[GroupsRow]] = defaultdict(list)
    for row in found:
        shown[name_key(row.name)].append(row)
    entries: list[Entry] = []
    for key, named in shown.items():
        own = by_name.get(key, [])
        if len(named) == 1 and len(own) <= 1:
            row = named[0]
            if not own:
                entries.append(_typed_in(session, row))
                continue
            entry = own[0]
            changed = _changed(entry, row)
            if changed:
                return Read(problem=_where(title, row, changed))
            role = (LEAD if row.lead else "") if with_role else entry.role
            entries.append(replace(entry, group=row.group or entry.group, role=role))
        elif len(named) == len(own) and sorted(_place(r, with_role) for r in named) == sorted(
            (e.group, e.role == LEAD or not with_role) for e in own
        ):
            entries += own  # namesakes as published: nothing to tell apart
        elif len(own) > 1:
            return Read(
                problem=_where(
                    title,
                    named[-1],
                    f"{len(own)} students are named {own[0].name}, and a row of theirs changed: "
                    "mixitup cannot tell whose",
                )
            )
        else:
            return Read(problem=_where(title, named[-1], f"{named[0].name} is typed twice"))
    missing = [e for e in recorded if name_key(e.name) not in shown]
    if missing:
        entry = missing[0]
        return Read(
            problem=f'Groups tab "{title}": {entry.name} (group {entry.group}) is no longer in '
            "it; mixitup keeps a student out of a session only when staff mark them absent "
            "(`mixitup attendance --absent`)"
        )
    return Read(tuple(entries))


def _row_problem(row: GroupsRow, with_role: bool) -> str:
    if len(row.cells) > (5 if with_role else 4):
        return "a cell right of the last column, which mixitup would not write back"
    if row.group is None:
        return f"Group must be a group number (1 or more), not {row.cells[0].strip()!r}"
    if not row.name:
        return "the Name is blank"
    if row.module is None:
        typed = row.cells[3].strip() if len(row.cells) > 3 else ""
        return f"Module must read like Mod 3, not {typed!r}"
    if with_role and row.role and not row.lead:
        return f"Role must be {LEAD} or blank, not {row.role!r}"
    return ""


def _changed(entry: Entry, row: GroupsRow) -> str:
    """What a row changed that the record cannot take from a groups tab: program or module."""
    if entry.program and row.program != entry.program:
        return f"the Program was {entry.program!r} (change programs in the Roster)"
    module = parse_module(entry.module) if entry.module else None
    if module is not None and row.module != module:
        return f"the Module was Mod {module} (change modules in the Roster)"
    return ""


def _place(row: GroupsRow, with_role: bool) -> tuple[int, bool]:
    return (row.group or 0, row.lead or not with_role)


def _typed_in(session: Session, row: GroupsRow) -> Entry:
    """A student staff typed into the tab: keyed by name until the roster matches them."""
    return Entry(
        0,
        layout.label(session),
        row.group or 0,
        name_key(row.name),
        row.name,
        row.program,
        str(row.module),
        role=LEAD if row.lead else "",
    )


def _where(title: str, row: GroupsRow, problem: str) -> str:
    return f'Groups tab "{title}", row {row.row} ({", ".join(row.cells)}): {problem}'
