"""A form's response tab as Google Forms writes it (or staff type it): columns found by header,
timestamps and dates in the forms Forms and people write, and every unreadable cell named. Pure.

Dates: `2027-01-13` always reads as itself. A date written with slashes (`1/13/2027`, as Forms
writes dates in a United States spreadsheet, or `13/01/2027` in a British one) is read
month-first or day-first as the whole tab shows: Forms writes every cell of a spreadsheet in
its one locale, so a cell that only reads one way (`13/01/2027`, or the timestamp
`1/27/2027 9:41:07`) settles the order for the others. A tab with no such cell reads month
first, the order of Google Sheets' default locale. A tab showing both orders (typed by hand)
has no order: a slashed date that reads both ways there is reported, not guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from mixitup.layout import header_key
from mixitup.models import Rows, column_letter

Order = Literal["month first", "day first", "unknown"]

_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_SLASHED = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
# A date, then a time: `1/13/2027 9:41:07`, `2027-01-13T09:41:07.5`, `13/01/2027 9:41 PM`.
_STAMP = re.compile(
    r"(.+?)(?:T|,?\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:\s*([AaPp])\.?[Mm]\.?)?"
)
_WORDS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%A, %B %d, %Y")
EXAMPLE_DATE = "2027-01-13"
EXAMPLE_TIME = "2027-01-13 09:41:07"


@dataclass(frozen=True)
class Problem:
    """A row mixitup could not read, for staff: where it is and what is wrong with it."""

    tab: str
    row: int  # as the spreadsheet numbers rows (the header is row 1)
    column: int  # 1-based; 0 when the whole row is concerned
    header: str  # the column's header, "" when the whole row is concerned
    what: str  # what is wrong and what to do, in staff language

    def __str__(self) -> str:
        where = f'Tab "{self.tab}", row {self.row}'
        if self.column:
            where += f", column {column_letter(self.column)} ({self.header})"
        return f"{where}: {self.what}"


@dataclass(frozen=True)
class Stranger:
    """A response whose email matches no student on the roster."""

    tab: str
    row: int
    email: str

    def __str__(self) -> str:
        return (
            f'Tab "{self.tab}", row {self.row}: {self.email} is on no roster row. Check the '
            "roster's Email column (a student may use another address), or ignore the row."
        )


class ResponseTab:
    """One response tab: its header in row 1, the columns asked for, and its date order."""

    def __init__(
        self, title: str, rows: Rows, headers: Mapping[str, str], section: str = ""
    ) -> None:
        """`headers` maps a field name (its key in mixitup.toml's `section`) to the header
        text that names its column."""
        self.title = title
        self.section = section
        self.rows = rows
        self.headers = dict(headers)
        wanted = {header_key(text): name for name, text in headers.items()}
        self.columns: dict[str, int] = {}
        for index, text in enumerate(rows[0] if rows else ()):
            name = wanted.get(header_key(text))
            if name is not None and name not in self.columns:
                self.columns[name] = index
        self.order = date_order(
            cells[index]
            for cells in rows[1:]
            for index in self.columns.values()
            if index < len(cells)
        )

    def missing(self, required: Iterable[str]) -> list[Problem]:
        """A problem for each required column the header lacks (none when the tab is empty)."""
        found = ", ".join(f'"{h.strip()}"' for h in (self.rows[0] if self.rows else ()) if h)
        return [
            Problem(
                self.title,
                1,
                0,
                "",
                f'no "{self.headers[name]}" column (headers found: {found or "none"}). '
                + self.where_set(name),
            )
            for name in required
            if self.rows and name not in self.columns
        ]

    def where_set(self, name: str) -> str:
        """How staff make the column of `name` found: rename it, or set its header."""
        setting = f"[{self.section}] {name}" if self.section else "its header"
        return (
            f'Name the column "{self.headers[name]}", or set {setting} in mixitup.toml to the '
            "header it has (the form's question text)."
        )

    def body(self) -> Iterable[tuple[int, tuple[str, ...]]]:
        """(row number, cells) of each row below the header with anything in it."""
        for number, cells in enumerate(self.rows[1:], 2):
            if any(c.strip() for c in cells):
                yield number, cells

    def cell(self, cells: Sequence[str], name: str) -> str:
        index = self.columns.get(name)
        return " ".join(cells[index].split()) if index is not None and index < len(cells) else ""

    def problem(self, row: int, name: str, what: str) -> Problem:
        """A problem in the named column of `row`."""
        index = self.columns.get(name)
        column = index + 1 if index is not None else 0
        return Problem(self.title, row, column, self.headers[name] if column else "", what)

    def date(self, text: str) -> dt.date | str:
        """The date `text` names, or what is wrong with it."""
        return read_date(text, self.order)

    def timestamp(self, text: str) -> dt.datetime | str:
        """The date and time `text` names (a date alone is its midnight), or what is wrong."""
        return read_timestamp(text, self.order)


def read_date(text: str, order: Order = "month first") -> dt.date | str:
    """The date `text` names, or a sentence saying what is wrong with it."""
    text = text.strip()
    if not text:
        return "the date is empty."
    iso = _ISO.fullmatch(text)
    if iso is not None:
        return _date(text, int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    slashed = _SLASHED.fullmatch(text)
    if slashed is not None:
        first, second, year = (int(g) for g in slashed.groups())
        if first > 12 or (order == "day first" and second <= 12):
            return _date(text, year, second, first)
        if second > 12 or order == "month first" or first == second:
            return _date(text, year, first, second)
        return (
            f'"{text}" could be day/month or month/day, and this tab has dates written both '
            f"ways. Write it as year-month-day, like {EXAMPLE_DATE}."
        )
    for pattern in _WORDS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return f'"{text}" is not a date. Write it as year-month-day, like {EXAMPLE_DATE}.'


def read_timestamp(text: str, order: Order = "month first") -> dt.datetime | str:
    """The date and time `text` names (a date alone is its midnight), or what is wrong."""
    text = text.strip()
    if not text:
        return f"the timestamp is empty. Write when it was asked, like {EXAMPLE_TIME}."
    day = read_date(text, order)
    if isinstance(day, dt.date):
        return dt.datetime.combine(day, dt.time())
    wrong = f'"{text}" is not a date and time. Write it like {EXAMPLE_TIME}.'
    parts = _STAMP.fullmatch(text)
    if parts is None:
        return wrong
    day = read_date(parts.group(1), order)
    if isinstance(day, str):
        return day if "both ways" in day else wrong
    hour, minute, second = (int(parts.group(i) or 0) for i in (2, 3, 4))
    meridiem = (parts.group(5) or "").casefold()
    if meridiem:
        if not 1 <= hour <= 12:
            return wrong
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    try:
        return dt.datetime.combine(day, dt.time(hour, minute, second))
    except ValueError:
        return wrong


def date_order(texts: Iterable[str]) -> Order:
    """How the tab writes slashed dates, from the cells that read only one way."""
    day_first = month_first = False
    for text in texts:
        match = _SLASHED.match(text.strip())
        if match is None:
            continue
        first, second = int(match.group(1)), int(match.group(2))
        day_first |= first > 12 >= second
        month_first |= second > 12 >= first
    if day_first and month_first:
        return "unknown"
    return "day first" if day_first else "month first"


def _date(text: str, year: int, month: int, day: int) -> dt.date | str:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return f'"{text}" is not a date. Write it as year-month-day, like {EXAMPLE_DATE}.'


def email_problem(text: str) -> str | None:
    """What is wrong with an email cell, or None when it looks like an address."""
    if not text:
        return "the email is empty. Turn on collecting email addresses in the form's settings."
    if "@" not in text or " " in text:
        return f'"{text}" is not an email address.'
    return None
