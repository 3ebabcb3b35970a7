"""Zoom's meeting participants report (CSV), read as Zoom exports it. Pure: text in, rows out.

Zoom may put a meeting block (meeting id, topic, times) and a blank line above the
participants table, writes a byte-order mark, one row per join (people who rejoin appear
several times), renamed people as `New name (Original name)`, and guests without email.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from mixitup.errors import DataError

EXPECTED = (
    "Name (Original Name)",
    "User Email",
    "Join Time",
    "Leave Time",
    "Duration (Minutes)",
    "Guest",
)
# Header spellings Zoom has used, compared without case, spaces or punctuation.
_NAME = ("nameoriginalname", "name", "participant", "participantname", "username")
_EMAIL = ("useremail", "email", "participantemail")
_MINUTES = ("durationminutes", "durationmins", "totaldurationminutes", "duration")
_RENAMED = re.compile(r"^(?P<new>.*\S)\s*\((?P<original>[^()]*)\)\s*$")


@dataclass(frozen=True)
class Join:
    """One row of the participants table: one join of one person."""

    row: int  # the file's line number, as an editor shows it
    name: str  # as shown in the meeting (the new name when renamed)
    original: str  # the name before renaming, else ""
    email: str  # lower-cased; "" for guests and signed-out people
    minutes: float


def read_report(path: Path) -> tuple[Join, ...]:
    """Every join in the participants report at `path`.

    Raises DataError when the file cannot be read or is not a participants report, naming the
    columns expected and the ones found.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DataError(f"Cannot read the Zoom report {path}: {error.strerror}.") from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # an export re-saved by Excel on Windows
    return parse_report(text, str(path))


def parse_report(text: str, where: str = "the Zoom report") -> tuple[Join, ...]:
    """Every join in a participants report's text; see `read_report`."""
    rows: list[list[str]] = []
    if "\x00" not in text:  # a binary file (a workbook, say) holds no table to read
        try:
            rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
        except csv.Error:
            rows = []
    found: tuple[str, ...] = () if rows or not text else ("binary data, not CSV text",)
    for index, cells in enumerate(rows):
        columns = {_key(c): i for i, c in reversed(list(enumerate(cells))) if c.strip()}
        name = _column(columns, _NAME)
        minutes = _column(columns, _MINUTES)
        if not found and any(c.strip() for c in cells):
            found = tuple(c.strip() for c in cells if c.strip())
        if name is not None and minutes is not None and _column(columns, ("topic",)) is None:
            return _joins(rows, index, name, _column(columns, _EMAIL), minutes, where)
    first = ", ".join(found)[:300] or "nothing"
    raise DataError(
        f"{where} is not a Zoom meeting participants report: expected a table with the columns "
        f"{', '.join(EXPECTED)}; the first row holds {first}. In Zoom, "
        "open Reports > Usage, click the meeting's Participants number and Export."
    )


def _joins(
    rows: list[list[str]], header: int, name: int, email: int | None, minutes: int, where: str
) -> tuple[Join, ...]:
    joins = []
    problems = []
    for number, cells in enumerate(rows[header + 1 :], header + 2):
        if not any(c.strip() for c in cells):
            continue
        cells = [*cells, *[""] * (max(name, minutes, email or 0) + 1 - len(cells))]
        shown = cells[name].strip()
        renamed = _RENAMED.match(shown)
        new, original = (
            (renamed["new"].strip(), renamed["original"].strip()) if renamed else (shown, "")
        )
        text = cells[minutes].strip()
        try:
            spent = float(text) if text else 0.0
        except ValueError:
            problems.append(f"line {number}: duration {text!r} is not a number of minutes")
            continue
        address = cells[email].strip().lower() if email is not None else ""
        joins.append(Join(number, new, original, address, spent))
    if problems:
        raise DataError(
            f"{where}: {'; '.join(problems)}. Export the report from Zoom again, unedited."
        )
    return tuple(joins)


def _key(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.casefold())


def _column(columns: dict[str, int], names: tuple[str, ...]) -> int | None:
    return next((columns[n] for n in names if n in columns), None)
