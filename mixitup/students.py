"""The tabs students read, derived from the record: which sessions' groups and prompts tabs a
spreadsheet must show, and the change that brings it there. Pure: the record decides, nothing
is recomputed.

The students' spreadsheet holds, newest session first, each session's groups and prompts tabs
after one short how-to tab; every tab protected, none hidden; never a roster, History or
keep-apart tab. Without one (a single spreadsheet for staff and students), the staff
spreadsheet holds the same session tabs, unprotected. Every tab carries the stamp of what was
written (`layout.stamp`): a tab still matching its stamp but not the record fell behind and is
written again; a tab staff edited is read into the record (`history.read_history`) or, when
mixitup cannot keep the edit, left alone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace

from mixitup import layout
from mixitup.change import trimmed
from mixitup.config import DEFAULT_TEAM, Config
from mixitup.errors import ConfigError
from mixitup.history import History
from mixitup.latejoin import recorded_groups, recorded_leads
from mixitup.models import Cell, Change, Entry, Session, Snapshot, Tab
from mixitup.prompts import Meeting, Prompts
from mixitup.render import HEADER_FILL, PROMPTS_WIDTH, groups_tab, prompts_tab
from mixitup.roster import is_roster

HOW_TO_TITLE = "How to use this sheet"
HOW_TO = (
    "Mix It Up: how to use this sheet",
    "",
    "1. Open the newest Groups tab: tabs are newest first, from the left.",
    "2. Find your name. The rows go group by group, each group's lead first, in one colour "
    "with a line above it. To jump to your name:",
    "- search: Ctrl+F (⌘+F on a Mac); in the Google Sheets app, ⋮ > Find and replace;",
    "- or filter on Name: in Excel or LibreOffice, the arrow beside Name; in Google Sheets, "
    "a filter view of your own (Data > Filter views), which only you see.",
    "3. The rows around yours with the same group number are your group; Role: Lead opens "
    "the room.",
    "4. Your group number is your Zoom breakout room: join the room with that number.",
    "5. The Prompts tab beside it says when it starts, how to join, the norms, what to talk "
    "about and when.",
    "",
    "Your name is missing or looks wrong? Tell {team} before the session.",
)
# Empty tabs a new spreadsheet comes with; removed once mixitup writes its own tabs.
DEFAULT_TAB = re.compile(r"Sheet\d*")


def held(history: History, today: dt.date) -> tuple[Session, ...]:
    """The recorded sessions whose tabs are kept in line with the record: today's and later."""
    found = (layout.parse_label(label) for label in history.sessions())
    return tuple(sorted(s for s in found if s is not None and s.date >= today))


def session_tabs(
    session: Session,
    history: History,
    prompts: Prompts,
    *,
    protected: bool,
    meeting: Meeting | None = None,
) -> tuple[Tab, Tab]:
    """A session's groups and prompts tabs, rendered from the record (and, for the prompts
    tab, when and where it meets) alone, stamped."""
    entries = history.session(layout.label(session))
    groups = recorded_groups(entries, ())
    return (
        _stamped(groups_tab(session, groups, recorded_leads(entries)), protected, entries),
        _stamped(prompts_tab(session, prompts, meeting), protected),
    )


def how_to_tab(team: str = DEFAULT_TEAM) -> Tab:
    """The first tab of the students' spreadsheet: how to find one's group, whom to ask."""
    rows: tuple[tuple[Cell, ...], ...] = tuple((line.format(team=team),) for line in HOW_TO)
    tab = Tab(
        HOW_TO_TITLE,
        rows,
        widths=(PROMPTS_WIDTH,),
        bold_rows=frozenset({0}),
        fills={0: HEADER_FILL},
        wrap=True,
    )
    return _stamped(tab, protected=True)


def _stamped(tab: Tab, protected: bool, entries: Sequence[Entry] | None = None) -> Tab:
    """`tab` protected as asked, with its stamp: its cells' fingerprint, and for a groups tab
    the fingerprint of the record it was rendered from (`entries`)."""
    found = layout.stamp(tab.rows) if entries is None else layout.groups_stamp(tab.rows, entries)
    return replace(tab, protected=protected, stamp=found)


@dataclass(frozen=True)
class Update:
    """What a spreadsheet lacks: the sessions to (re)write there, and the change."""

    sessions: tuple[Session, ...]  # newest first
    change: Change


def update(
    history: History,
    target: Snapshot,
    sessions: Iterable[Session],
    prompts_for: Callable[[Session], Prompts],
    *,
    students: bool,
    force: Collection[Session] = (),
    remove: Collection[Session] = (),
    keep_edited: bool = False,
    meeting_for: Callable[[Session], Meeting] | None = None,
    team: str = DEFAULT_TEAM,
) -> Update:
    """The change that makes `target` show `sessions` as the record has them, and no tab of
    the sessions in `remove`.

    With `students`, `target` is the students' spreadsheet: tabs are protected, placed newest
    first after the how-to tab, and empty default tabs go. A tab is written when it is
    missing, differs from the record, lacks its stamp, or (students') is hidden or
    unprotected. A tab staff edited in a way mixitup cannot keep (`History.kept`, or a
    prompts tab no longer matching its stamp) is left alone unless its session is in `force`.
    An empty change means the spreadsheet is in line with the record.

    `meeting_for` gives when and where a session meets, for its prompts tab (without it, the
    tab gives the date alone); `team` is whom the how-to tab tells students to ask.
    """
    wanted: list[tuple[Session | None, Tab]] = [(None, how_to_tab(team))] if students else []
    # Students' tabs go newest first; a shared spreadsheet gets each new session's tabs last.
    for session in sorted(set(sessions) - set(remove), reverse=students):
        prompts = prompts_for(session)
        meeting = meeting_for(session) if meeting_for is not None else None
        for tab in session_tabs(session, history, prompts, protected=students, meeting=meeting):
            wanted.append((session, tab))
    stale = [
        (session, tab)
        for session, tab in wanted
        if session in force or not _current(target, tab, students, history, keep_edited)
    ]
    gone = tuple(
        title
        for title in target.titles
        if (found := layout.parse_tab_title(title)) is not None and found[0] in remove
    )
    if not stale and not gone:
        return Update((), Change())
    order = [t for t in target.titles if t not in gone]
    tabs = []
    for _, tab in stale:
        if students and target.title(tab.title) is None:
            at = next((i for i, t in enumerate(order) if _rank(t) > _rank(tab.title)), len(order))
            order.insert(at, tab.title)
            tab = replace(tab, position=at)
        tabs.append(tab)
    empty_defaults = (
        tuple(t for t in target.titles if DEFAULT_TAB.fullmatch(t) and not target.tabs[t])
        if students and tabs
        else ()
    )
    written = tuple(dict.fromkeys(s for s, _ in stale if s is not None))
    return Update(written, Change(tabs=tuple(tabs), delete_tabs=gone + empty_defaults))


def _current(
    target: Snapshot, tab: Tab, students: bool, history: History, keep_edited: bool = False
) -> bool:
    """Whether `target` shows `tab` as written (or holds a staff edit that must stay: one
    mixitup cannot keep, or, with `keep_edited`, any edit the record has not read yet)."""
    title = target.title(tab.title)
    if title is None:
        return False
    rows = target.tabs[title]
    stamp = target.stamps.get(title)
    edited = stamp is None or layout.read_stamp(stamp)[0] != layout.stamp(rows)
    found = layout.parse_tab_title(title)
    if found is not None and edited:
        session, kind = found
        if kind == "groups" and (keep_edited or layout.label(session) in history.kept):
            return True  # a staff edit mixitup cannot keep, or not read yet: never reverted
        if kind == "prompts" and stamp is not None:
            return True  # staff rewrote the prompts there: theirs stay
    if students and (title in target.hidden or title not in target.protected):
        return False
    return stamp == tab.stamp and trimmed(rows) == trimmed(
        [[c if isinstance(c, str) else str(c) for c in r] for r in tab.rows]
    )


def _rank(title: str) -> tuple[int, ...]:
    """Where a tab belongs: the how-to tab, then sessions newest first, then anything else."""
    if title.casefold() == HOW_TO_TITLE.casefold():
        return (0,)
    found = layout.parse_tab_title(title)
    if found is None:
        return (2,)
    session, kind = found
    return (1, -session.date.toordinal(), -session.week, layout.KINDS.index(kind))


def check_students_sheet(snapshot: Snapshot, config: Config, location: str) -> None:
    """Refuse a students' spreadsheet that holds what staff keep (a copied staff file).

    Raises ConfigError naming each tab that looks like a roster, a History or a keep-apart tab.
    """
    found = []
    for title in snapshot.titles:
        rows = snapshot.tabs[title]
        if title == snapshot.marked or layout.is_history(rows):
            found.append(f'"{title}" (the History: who met whom)')
        elif is_roster(rows):
            found.append(f'"{title}" (a roster: names with emails or modules)')
        elif title.casefold() in (config.keep_apart_tab.casefold(), config.roster_tab.casefold()):
            found.append(f'"{title}" (named like the staff tab)')
    if found:
        raise ConfigError(
            f"The students' spreadsheet {location} holds tabs only staff may see: "
            f"{', '.join(found)}. Students can open every tab of it. Point [students] at a new, "
            "empty spreadsheet (or --students-workbook at a new file), or delete those tabs "
            "there. Nothing was written."
        )
