"""What the spreadsheets look like, both ways: session labels and tab titles, the groups tab's
rows, the History's columns and marker, the Lead and Attended words, and how headers, names and
modules typed by staff are read. Imports only `models` and `errors`: the write contract
(`change.py`) and every step share this one vocabulary.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from mixitup.errors import RosterError
from mixitup.models import Cell, Entry, Rows, Session, Snapshot

# -- Text as staff type it ---------------------------------------------------------------------

_MODULE = re.compile(r"^(?:mod(?:ule)?|m)?[\s.#:-]*([0-9]+)(?:\.0+)?$", re.IGNORECASE)


def header_key(text: str) -> str:
    """A header reduced to letters and digits, so `Full Name`, `full_name` and `FULLNAME` match."""
    return re.sub(r"[^0-9a-z#]", "", text.casefold())


def name_key(name: str) -> str:
    """The identity of a student without an email: case and spacing do not count."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def parse_module(text: str) -> int | None:
    """`3`, `Mod 3`, `M3`, `Module 3` -> 3; anything else -> None."""
    match = _MODULE.match(text.strip())
    return int(match.group(1)) if match else None


def module_text(module: int) -> str:
    """A module as the groups tab shows it: 3 -> "Mod 3"."""
    return f"Mod {module}"


# -- Sessions and their tabs ----------------------------------------------------------------------

_LABEL = re.compile(r"^(\d{4}-\d{2}-\d{2}) Week (\d+)$")
_LABEL_ANY_CASE = re.compile(_LABEL.pattern, re.IGNORECASE)
Kind = Literal["groups", "prompts"]
KINDS: tuple[Kind, ...] = ("groups", "prompts")


def label(session: Session) -> str:
    """A session's name in the History and in its tabs' titles: `2027-01-13 Week 2`."""
    return f"{session.date.isoformat()} Week {session.week}"


def parse_label(text: str, *, any_case: bool = False) -> Session | None:
    """`2027-01-13 Week 2` -> that Session; anything else -> None. With `any_case` (a tab's
    title, which Sheets and Excel compare without case), `week` in any case too."""
    match = (_LABEL_ANY_CASE if any_case else _LABEL).match(text.strip())
    if match is None:
        return None
    try:
        return Session(dt.date.fromisoformat(match.group(1)), int(match.group(2)))
    except ValueError:
        return None


def tab_title(session: Session, kind: Kind) -> str:
    """`2027-01-13 Week 2 Groups` or `2027-01-13 Week 2 Prompts`."""
    return f"{label(session)} {kind.capitalize()}"


def groups_title(session: Session) -> str:
    return tab_title(session, "groups")


def prompts_title(session: Session) -> str:
    return tab_title(session, "prompts")


def parse_tab_title(title: str) -> tuple[Session, Kind] | None:
    """(session, kind) of a session's tab, whatever the title's case; None for any other tab."""
    folded = title.casefold()
    for kind in KINDS:
        suffix = f" {kind}"
        if folded.endswith(suffix):
            session = parse_label(title[: -len(suffix)], any_case=True)
            if session is not None:
                return session, kind
    return None


def groups_sessions(titles: Sequence[str]) -> dict[Session, str]:
    """Session -> the title of its groups tab, for every groups tab among `titles`."""
    found: dict[Session, str] = {}
    for title in titles:
        parsed = parse_tab_title(title)
        if parsed is not None and parsed[1] == "groups":
            found.setdefault(parsed[0], title)
    return found


# -- The groups tab ------------------------------------------------------------------------------

GROUPS_HEADER = ("Group", "Name", "Program", "Module", "Role")
LEAD = "Lead"  # the Role of the student who leads a group


def is_lead(role: str) -> bool:
    """Whether a Role cell names the group's lead, however staff typed it (`lead`, ` LEAD`)."""
    return role.strip().casefold() == LEAD.casefold()


def groups_row(group: int, name: str, program: str, module: int, lead: bool) -> tuple[Cell, ...]:
    """One student's row of a groups tab, in GROUPS_HEADER order."""
    return (group, name, program, module_text(module), LEAD if lead else "")


@dataclass(frozen=True)
class GroupsRow:
    """One non-blank row below the header of a groups tab, as staff may have left it."""

    row: int  # as the spreadsheet numbers rows (the header is row 1)
    cells: tuple[str, ...]  # trailing blanks dropped

    @property
    def group(self) -> int | None:
        text = self._cell(0)
        return int(text) if text.isdigit() and int(text) > 0 else None

    @property
    def name(self) -> str:
        return self._cell(1)

    @property
    def program(self) -> str:
        return self._cell(2)

    @property
    def module(self) -> int | None:
        return parse_module(self._cell(3))

    @property
    def lead(self) -> bool:
        return is_lead(self._cell(4))

    @property
    def role(self) -> str:
        return self._cell(4)

    def _cell(self, column: int) -> str:
        return self.cells[column].strip() if column < len(self.cells) else ""


def groups_rows(rows: Rows) -> tuple[GroupsRow, ...]:
    """The student rows of a groups tab (every non-blank row below the header)."""
    found = []
    for number, cells in enumerate(rows[1:], 2):
        trimmed = tuple(cells)
        while trimmed and not trimmed[-1].strip():
            trimmed = trimmed[:-1]
        if trimmed:
            found.append(GroupsRow(number, trimmed))
    return tuple(found)


def has_groups_header(rows: Rows) -> bool:
    """Whether row 1 is the groups header (a tab published before Role existed has four)."""
    header = tuple(c.strip().casefold() for c in (rows[0] if rows else ()))
    while header and not header[-1]:
        header = header[:-1]
    wanted = tuple(h.casefold() for h in GROUPS_HEADER)
    return header in (wanted, wanted[:4])


# -- The History ---------------------------------------------------------------------------------

HISTORY_HEADER = (
    "Session",
    "Date",
    "Week",
    "Group",
    "Student key",
    "Name",
    "Program",
    "Module",
    "Cohort",
    "Role",
    "Attended",
    "Published at",
    "Seed",
    "Zoom minutes",
    "Zoom reports",
)
"""The History's columns as mixitup creates them; staff may reorder them or add others."""
HISTORY_REQUIRED = ("Session", "Group", "Student key")  # a tab whose row 1 has these is History
HISTORY_MARKER = "MixitupHistory"  # the name (prefix, on Google) marking the History tab
# The cells commands change in a published session's rows; every other cell is left as it is.
OWNED = ("Group", "Role", "Attended", "Zoom minutes", "Zoom reports")
ATTENDED, ABSENT = "yes", "no"  # the Attended column's words; blank means not recorded
_HISTORY_KEYS = {header_key(name): name for name in HISTORY_HEADER}
# What staff (or a Google checkbox) may type in Attended, beyond yes and no.
_ATTENDED_WORDS = {
    **dict.fromkeys(("yes", "y", "true", "present", "attended", "x", "✓", "✔", "1"), ATTENDED),
    **dict.fromkeys(("no", "n", "false", "absent", "0"), ABSENT),
    "": "",
}


def owned_cells(entry: Entry) -> tuple[str, ...]:
    """An entry's cells in the History columns commands own, in OWNED order."""
    return (str(entry.group), entry.role, entry.attended, entry.minutes, entry.reports)


def parse_attended(text: str) -> str | None:
    """An Attended cell as `yes`, `no` or blank (not recorded); None when it says neither."""
    return _ATTENDED_WORDS.get(text.strip().casefold())


def history_columns(header: Sequence[str]) -> dict[str, int]:
    """HISTORY_HEADER name -> 0-based column in a History whose first row is `header`."""
    found: dict[str, int] = {}
    for index, text in enumerate(header):
        name = _HISTORY_KEYS.get(header_key(text))
        if name is not None and name not in found:
            found[name] = index
    return found


def find_history_tab(snapshot: Snapshot) -> str | None:
    """The History tab: the one carrying mixitup's marker, else one whose row 1 is the header.

    Raises RosterError when the marked tab has lost the columns mixitup needs.
    """
    if snapshot.marked is not None and snapshot.marked in snapshot.tabs:
        rows = snapshot.tabs[snapshot.marked]
        columns = history_columns(rows[0] if rows else ())
        missing = [n for n in HISTORY_REQUIRED if n not in columns]
        if missing:
            raise RosterError(
                [
                    f'History tab "{snapshot.marked}", row 1: the column'
                    f"{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                    "cannot be found, so mixitup cannot tell who met whom. Put the header back "
                    "(version history of the spreadsheet, or type it: "
                    f"{', '.join(HISTORY_HEADER)})."
                ]
            )
        return snapshot.marked
    candidates = [title for title in snapshot.titles if is_history(snapshot.tabs[title])]
    # Staff may have copied the tab; the one still called History is the original.
    candidates.sort(key=lambda t: t.casefold() != "history")
    return candidates[0] if candidates else None


def is_history(rows: Rows) -> bool:
    """Whether a tab's row 1 is a History header."""
    return bool(rows) and all(n in history_columns(rows[0]) for n in HISTORY_REQUIRED)


def history_entry(cells: Sequence[str], row: int, columns: dict[str, int]) -> Entry | None:
    """The entry a History row records, or None for a row mixitup did not write."""

    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    session, group, key = cell("Session"), cell("Group"), cell("Student key")
    if not session or not key or not group.isdigit():
        return None
    attended = parse_attended(cell("Attended"))
    return Entry(
        row,
        session,
        int(group),
        key,
        cell("Name"),
        cell("Program"),
        cell("Module"),
        cell("Cohort"),
        LEAD if is_lead(cell("Role")) else cell("Role"),
        attended if attended is not None else cell("Attended"),
        cell("Zoom minutes"),
        cell("Zoom reports"),
    )


def history_row(entry: Entry, published_at: dt.datetime, seed: int | str) -> tuple[str, ...]:
    """The History row recording `entry`, in HISTORY_HEADER order."""
    session = parse_label(entry.session)
    return (
        entry.session,
        session.date.isoformat() if session else "",
        str(session.week) if session else "",
        str(entry.group),
        entry.key,
        entry.name,
        entry.program,
        entry.module,
        entry.cohort,
        entry.role,
        entry.attended,
        published_at.isoformat(timespec="seconds"),
        str(seed),
        entry.minutes,
        entry.reports,
    )


# -- Stamps ---------------------------------------------------------------------------------------


def stamp(rows: Sequence[Sequence[Cell]]) -> str:
    """The fingerprint of a tab's cells as a read returns them (text, trailing blanks dropped).

    mixitup stores it with every tab it writes; a tab whose cells no longer give its stamp was
    edited by a person since.
    """
    text = []
    for row in rows:
        cells = [c if isinstance(c, str) else str(c) for c in row]
        while cells and not cells[-1]:
            cells.pop()
        text.append(cells)
    while text and not text[-1]:
        text.pop()
    digest = hashlib.sha256(json.dumps(text, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()[:20]


def record_stamp(entries: Iterable[Entry]) -> str:
    """The fingerprint of one session's record as a groups tab shows it (who by name, which
    group, who leads; not the keys, which the roster may re-match): a groups tab's stamp
    carries it, so an edited tab is known to have been made from the record as it is now, or
    from an older one."""
    shown = sorted((e.name, e.group, is_lead(e.role)) for e in entries)
    return hashlib.sha256(json.dumps(shown).encode("utf-8")).hexdigest()[:20]


def groups_stamp(rows: Sequence[Sequence[Cell]], entries: Iterable[Entry]) -> str:
    """A groups tab's stamp: its cells' fingerprint, then the record's it was rendered from."""
    return f"{stamp(rows)}:{record_stamp(entries)}"


def read_stamp(text: str) -> tuple[str, str]:
    """(the cells' fingerprint, the record's or "") of a stamp as a tab carries it."""
    cells, _, record = text.partition(":")
    return cells, record
