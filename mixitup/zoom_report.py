"""Zoom's meeting participants report (CSV), read as Zoom exports it. Pure: text in, rows out.

Zoom may put a meeting block (meeting id, topic, times) and a blank line above the
participants table, writes a byte-order mark, one row per join (people who rejoin appear
several times), renamed people as `New name (Original name)`, and guests without email.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
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
_JOINED = ("jointime", "joined", "jointimeutc")
# Join times as Zoom writes them in its CSV exports (US order first), and ISO.
_TIMES = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
)
_RENAMED = re.compile(r"^(?P<new>.*\S)\s*\((?P<original>[^()]*)\)\s*$")


@dataclass(frozen=True)
class Join:
    """One row of the participants table: one join of one person."""

    row: int  # the file's line number, as an editor shows it
    name: str  # as shown in the meeting (the new name when renamed)
    original: str  # the name before renaming, else ""
    email: str  # lower-cased; "" for guests and signed-out people
    minutes: float
    joined: dt.datetime | None = None  # the join time as the report shows it (no time zone)


@dataclass(frozen=True)
class ZoomReport:
    """One participants report: where it came from, its joins, and what identifies it."""

    where: str
    joins: tuple[Join, ...]

    @property
    def fingerprint(self) -> str:
        """The same for the same joins, however the file was saved: imported twice, it counts
        once."""
        digest = hashlib.sha256()
        for j in sorted(
            (j.name, j.original, j.email, j.minutes, str(j.joined)) for j in self.joins
        ):
            digest.update(repr(j).encode("utf-8"))
        return digest.hexdigest()[:12]

    @property
    def dates(self) -> tuple[dt.date, ...]:
        """The dates its joins fall on, as the report shows them."""
        return tuple(sorted({j.joined.date() for j in self.joins if j.joined is not None}))


def read_report(path: Path) -> ZoomReport:
    """The participants report at `path`: every join in it.

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
    return ZoomReport(str(path), parse_report(text, str(path)))


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
            joined = _column(columns, _JOINED)
            return _joins(rows, index, name, _column(columns, _EMAIL), minutes, joined, where)
    first = ", ".join(found)[:300] or "nothing"
    raise DataError(
        f"{where} is not a Zoom meeting participants report: expected a table with the columns "
        f"{', '.join(EXPECTED)}; the first row holds {first}. In Zoom, "
        "open Reports > Usage, click the meeting's Participants number and Export."
    )


def _joins(
    rows: list[list[str]],
    header: int,
    name: int,
    email: int | None,
    minutes: int,
    joined: int | None,
    where: str,
) -> tuple[Join, ...]:
    joins = []
    problems = []
    for number, cells in enumerate(rows[header + 1 :], header + 2):
        if not any(c.strip() for c in cells):
            continue
        cells = [*cells, *[""] * (max(name, minutes, email or 0, joined or 0) + 1 - len(cells))]
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
        when = _time(cells[joined]) if joined is not None else None
        joins.append(Join(number, new, original, address, spent, when))
    if problems:
        raise DataError(
            f"{where}: {'; '.join(problems)}. Export the report from Zoom again, unedited."
        )
    return tuple(joins)


def _time(text: str) -> dt.datetime | None:
    text = " ".join(text.split())
    for form in _TIMES:
        try:
            return dt.datetime.strptime(text, form)
        except ValueError:
            continue
    return None


def _key(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.casefold())


def _column(columns: dict[str, int], names: tuple[str, ...]) -> int | None:
    return next((columns[n] for n in names if n in columns), None)
