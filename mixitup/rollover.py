"""The module boundary. Pure: at a rollover every active student moves up one module in the
roster and those leaving the top module graduate (the roster's rows in, the cells to set out),
and `modules_since` tells whether the roster's modules moved since the record's sessions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from mixitup import layout
from mixitup.config import Config
from mixitup.errors import ConfigError
from mixitup.history import History
from mixitup.models import Cell, Rows, Student, TabCells, column_letter
from mixitup.roster import Roster, header_columns

GRADUATED = "Graduated"  # the Status a student leaving the top module gets
STATUS = "Status"  # the header of a Status column a rollover adds
_WHOLE = re.compile(r"[0-9]+(?:\.0+)?")
_NUMBER = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Move:
    """One active student's step at the rollover: up one module, or out of the top one."""

    name: str
    row: int  # the roster row, as the spreadsheet numbers rows
    before: str  # the Module cell as staff wrote it
    after: str  # the Module cell written; "" when the student graduates (it stays as it was)

    @property
    def graduated(self) -> bool:
        return not self.after


@dataclass(frozen=True)
class Rollover:
    """What a rollover does to the roster: each move, and the one edit of the roster tab."""

    moves: tuple[Move, ...]
    cells: TabCells
    status_added: str = ""  # the column letter of a Status column the edit adds; "" for none
    sitting_out: int = 0  # students whose Status keeps them out: left as they are
    identity: tuple[tuple[int, int, str], ...] = ()  # (row, column, text) naming each mover

    def mismatches(self, rows: Rows) -> tuple[int, ...]:
        """Rows of the roster as read after the write that do not show what was written for
        the student it was meant for (another edit landed in between): the rows to check."""

        def cell(row: int, column: int) -> str:
            cells = rows[row - 1] if row <= len(rows) else ()
            return cells[column - 1].strip() if column <= len(cells) else ""

        wrong = {r for r, c, value in self.cells.update if cell(r, c) != str(value).strip()}
        wrong |= {r for r, c, text in self.identity if cell(r, c) != text}
        return tuple(sorted(wrong))


def plan_rollover(rows: Rows, roster: Roster, config: Config) -> Rollover:
    """Every active student of `roster` (read from the roster tab `rows`) one module up, in the
    spelling of their Module cell (`Mod 3` -> `Mod 4`, `M3` -> `M4`, `3` -> 4), and those in
    the top module ([roster] modules) marked graduated in the Status column, which is added
    right of the table when the roster has none. Nothing else changes.

    Raises ConfigError when `Graduated` would not make a student sit out.
    """
    header, columns = header_columns(rows)
    module_column = columns["module"] + 1
    who_column = columns.get("email", columns["name"]) + 1
    moves: list[Move] = []
    update: list[tuple[int, int, Cell]] = []
    identity: list[tuple[int, int, str]] = []
    graduates: list[int] = []
    for student in sorted(roster.students, key=lambda s: s.row):
        cells = rows[student.row - 1]
        before = cells[module_column - 1].strip() if module_column <= len(cells) else ""
        identity.append((student.row, who_column, _cell(cells, who_column)))
        if student.module >= config.modules:
            graduates.append(student.row)
            moves.append(Move(student.name, student.row, before, ""))
            continue
        after = respelled(before, student.module + 1)
        update.append((student.row, module_column, after))
        moves.append(Move(student.name, student.row, before, str(after)))
    added = ""
    if graduates:
        if GRADUATED.casefold() not in config.exclude_statuses:
            where = config.source or "mixitup.toml"
            raise ConfigError(
                f'A rollover marks students leaving Mod {config.modules} "{GRADUATED}", but '
                f"[roster] exclude_statuses in {where} does not list it, so they would take part "
                'again. Add "graduated" to it, and run again. Nothing was written.'
            )
        if "status" in columns:
            status_column = columns["status"] + 1
        else:
            status_column = _free_column(rows, header)
            update.append((header, status_column, STATUS))
            added = column_letter(status_column)
        update += [(row, status_column, GRADUATED) for row in graduates]
    return Rollover(
        tuple(moves),
        TabCells(config.roster_tab, tuple(update)),
        added,
        len(roster.keys) - len(roster.students),
        tuple(identity),
    )


def respelled(text: str, module: int) -> Cell:
    """`module` written the way `text` writes a module: `Mod 3` -> `Mod 4`, `M3` -> `M4`,
    a plain number as a number."""
    if _WHOLE.fullmatch(text):
        return module
    return _NUMBER.sub(str(module), text, count=1)


def _cell(cells: Sequence[str], column: int) -> str:
    return cells[column - 1].strip() if column <= len(cells) else ""


def _free_column(rows: Rows, header: int) -> int:
    """The first column right of the header's last one that is blank in every row (1-based),
    so a Status column added there covers no note of staff's."""
    column = len(rows[header - 1]) + 1
    while any(_cell(cells, column) for cells in rows):
        column += 1
    return column


@dataclass(frozen=True)
class Since:
    """The roster's modules against each active student's module as the record last has it."""

    compared: int  # active students the record has a session for
    moved_up: int  # of them, those in a higher module now
    session: str  # the latest session compared with; "" when none

    @property
    def unchanged(self) -> bool:
        """Nobody the record knows has moved up: the roster was not rolled over."""
        return self.compared > 0 and self.moved_up == 0

    @property
    def rolled_over(self) -> bool:
        """Most students the record knows are a module higher than it has them."""
        return self.compared > 0 and 2 * self.moved_up > self.compared


def modules_since(
    history: History, students: Sequence[Student], before: dt.date | None = None
) -> Since:
    """Each active student's module now against the one recorded in their latest session
    dated before `before` (every session when None)."""
    latest: dict[str, tuple[dt.date, str]] = {}
    session = ""
    for entry in history.entries:
        parsed = layout.parse_label(entry.session)
        if parsed is None or (before is not None and parsed.date >= before):
            continue
        if entry.key not in latest or latest[entry.key][0] < parsed.date:
            latest[entry.key] = (parsed.date, entry.module)
        if entry.session > session:
            session = entry.session
    compared = moved = 0
    for student in students:
        if student.key not in latest:
            continue
        recorded = layout.parse_module(latest[student.key][1])
        if recorded is None:
            continue
        compared += 1
        moved += student.module > recorded
    return Since(compared, moved, session)
