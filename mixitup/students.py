"""The students' spreadsheet, derived from the staff record: what it should hold, and the change
that brings it there. Pure: the record decides, nothing is recomputed.

It holds, newest session first, each session's groups and prompts tabs, after one short
how-to tab; every tab protected, none hidden. History, roster and keep-apart pairs stay in the
staff spreadsheet. Staff may still edit a groups tab there (move or type in a student): the
record is read together with those tabs (`combined`), so the edit counts as who met.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace

from mixitup import layout
from mixitup.change import apply_change, trimmed
from mixitup.history import History
from mixitup.layout import LEAD, parse_label, parse_module
from mixitup.models import Cell, Change, Session, Snapshot, Student, Tab
from mixitup.prompts import Prompts
from mixitup.render import HEADER_FILL, groups_tab, prompts_tab

HOW_TO_TITLE = "How to use this sheet"
HOW_TO = (
    "Mix It Up: how to use this sheet",
    "",
    "1. Open the newest Groups tab: tabs are newest first, from the left.",
    "2. Find your name (Ctrl+F, or ⌘+F on a Mac; on a phone, the ⋮ menu > Find and replace).",
    "3. Your group number is your Zoom breakout room: join the room with that number.",
    "4. The Prompts tab beside it says how to meet, the norms, what to talk about and when.",
    "",
    "Your name is missing or looks wrong? Tell Career Development staff before the session.",
)
# Empty tabs a new spreadsheet comes with; removed once mixitup writes its own tabs.
DEFAULT_TAB = re.compile(r"Sheet\d*")
_SUFFIXES = (" groups", " prompts")


def session_tab(title: str) -> tuple[Session, int] | None:
    """(session, 0 for its groups tab or 1 for its prompts tab) from a tab title, if it is one."""
    folded = title.casefold()
    for kind, suffix in enumerate(_SUFFIXES):
        if folded.endswith(suffix):
            session = parse_label(title[: -len(suffix)])
            if session is not None:
                return session, kind
    return None


def combined(staff: Snapshot, students: Snapshot, but: Collection[str] = ()) -> Snapshot:
    """The staff spreadsheet with the students' groups tabs in it: what history is read from.

    A groups tab in both (a school that adopted a students' spreadsheet later) is taken from
    the students' spreadsheet, where staff now see and edit it. The tabs of sessions labelled
    in `but` are left out: the record was just replaced (publish --force).
    """
    groups = [
        t
        for t in students.titles
        if (found := session_tab(t)) and found[1] == 0 and layout.label(found[0]) not in but
    ]
    taken = {t.casefold() for t in groups}
    titles = [t for t in staff.titles if t.casefold() not in taken]
    tabs = {t: staff.tabs[t] for t in titles} | {t: students.tabs[t] for t in groups}
    return Snapshot(
        (*titles, *groups),
        tabs,
        staff.hidden & set(titles),
        staff.marked if staff.marked in titles else None,
        staff.uncomputed,
    )


def held(history: History, today: dt.date) -> tuple[Session, ...]:
    """The recorded sessions the students' spreadsheet must hold: today's and later ones."""
    found = (parse_label(label) for label in history.sessions())
    return tuple(sorted(s for s in found if s is not None and s.date >= today))


def session_tabs(session: Session, history: History, prompts: Prompts) -> tuple[Tab, Tab]:
    """A session's groups and prompts tabs, rendered from the record alone, protected."""
    members: dict[int, list[Student]] = defaultdict(list)
    leads: set[str] = set()
    for entry in history.entries:
        if entry.session == layout.label(session):
            module = parse_module(entry.module) or 0
            student = Student(entry.key, entry.name, entry.program, module, entry.cohort)
            members[entry.group].append(student)
            if entry.role == LEAD:
                leads.add(entry.key)
    groups = [members.get(n, []) for n in range(1, max(members, default=0) + 1)]
    return (
        _protected(groups_tab(session, groups, leads)),
        _protected(prompts_tab(session, prompts)),
    )


def how_to_tab() -> Tab:
    rows: tuple[tuple[Cell, ...], ...] = tuple((line,) for line in HOW_TO)
    return Tab(
        HOW_TO_TITLE,
        rows,
        widths=(80,),
        bold_rows=frozenset({0}),
        fills={0: HEADER_FILL},
        wrap=True,
        protected=True,
    )


def _protected(tab: Tab) -> Tab:
    return replace(tab, protected=True)


@dataclass(frozen=True)
class Update:
    """What the students' spreadsheet lacks: the sessions to (re)publish there, and the change."""

    sessions: tuple[Session, ...]  # newest first
    change: Change


def update(
    history: History,
    students: Snapshot,
    sessions: Iterable[Session],
    prompts_for: Callable[[Session], Prompts],
    force: Collection[str] = (),
) -> Update:
    """The change that makes the students' spreadsheet show `sessions` as the record has them.

    A tab is written when it is missing, differs from the record, is hidden or unprotected, or
    its session's label is in `force`; new tabs go in place, newest session first, after the
    how-to tab. Nothing else there is touched. An empty change means the two agree.
    """
    wanted: list[tuple[Session | None, Tab]] = [(None, how_to_tab())]
    for session in sorted(set(sessions), reverse=True):
        for tab in session_tabs(session, history, prompts_for(session)):
            wanted.append((session, tab))
    stale = [
        (session, tab)
        for session, tab in wanted
        if (session is not None and layout.label(session) in force) or not _current(students, tab)
    ]
    if not stale:
        return Update((), Change())
    order = list(students.titles)
    tabs = []
    for _, tab in stale:
        if students.title(tab.title) is None:
            at = next((i for i, t in enumerate(order) if _rank(t) > _rank(tab.title)), len(order))
            order.insert(at, tab.title)
            tab = replace(tab, position=at)
        tabs.append(tab)
    empty_defaults = tuple(
        t for t in students.titles if DEFAULT_TAB.fullmatch(t) and not students.tabs[t]
    )
    republished = tuple(dict.fromkeys(s for s, _ in stale if s is not None))
    return Update(republished, Change(tabs=tuple(tabs), delete_tabs=empty_defaults))


def _current(students: Snapshot, tab: Tab) -> bool:
    """Whether the students' spreadsheet shows `tab` as written: same cells, protected, shown."""
    title = students.title(tab.title)
    if title is None or title in students.hidden or title not in students.protected:
        return False
    written = apply_change(Snapshot((), {}), Change(tabs=(tab,)))
    return trimmed(students.tabs[title]) == written.tabs[tab.title]


def _rank(title: str) -> tuple[int, ...]:
    """Where a tab belongs: the how-to tab, then sessions newest first, then anything else."""
    if title.casefold() == HOW_TO_TITLE.casefold():
        return (0,)
    found = session_tab(title)
    if found is None:
        return (2,)
    session, kind = found
    return (1, -session.date.toordinal(), -session.week, kind)
