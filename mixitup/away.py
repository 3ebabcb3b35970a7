"""Who is away from a session, and why: students' requests in the Requests tab (skip one session,
pause until a date, come back) and repeated no-shows in the History. Pure.

What students can expect, and staff read in `plan`, `status` and the notice:
- **Skip one session**: out of the session on that date, and only that one.
- **Pause**: out of every session from the day they ask up to and including the `Until` date
  (the last day they are away); with no `Until`, until they ask to come back.
- **Come back**: cancels every skip and pause they asked for before it, and clears a pause
  for missed sessions. To skip again later, they ask again.
- The latest request wins; several skips add up. Rows that cannot be read and emails that
  match no roster student are listed for staff, never fatal.
- **Repeated no-shows** (`[attendance] pause_after` = N): a student marked absent from their
  N most recent sessions is out of the next one, until they ask to come back (or staff type
  a Come back row for them). Sessions they had asked to be out of do not count, and nor does
  a session on or before the day of their latest Come back.
- **Late requests**: a request that arrives after a session was published, for that session,
  marks the student absent from it (when no attendance is recorded for them yet), as
  `mixitup attendance --absent` would. A request that was there when the session was
  published and is in its groups anyway is left alone: staff put that student back by hand.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from mixitup.config import RequestsTab
from mixitup.layout import ABSENT, header_key, history_columns, parse_label
from mixitup.models import Entry, Rows
from mixitup.responses import Problem, ResponseTab, Stranger, email_problem
from mixitup.roster import Roster

Kind = Literal["skip", "pause", "come back"]


@dataclass(frozen=True)
class Request:
    """One readable row of the Requests tab."""

    row: int
    at: dt.datetime  # when it was asked, on the spreadsheet's clock (no time zone)
    key: str  # the student's email, lower-cased
    kind: Kind
    # skip: the session's date; pause: the last day away (None: until they come back)
    date: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        """Whether this request keeps its student out of a session on `day`."""
        if self.kind == "skip":
            return self.date == day
        if self.kind == "pause":
            return self.at.date() <= day and (self.date is None or day <= self.date)
        return False

    def reason(self, tab: str) -> str:
        """Why the student is out, for staff."""
        where = f'tab "{tab}", row {self.row}'
        if self.kind == "skip":
            return f"asked on {self.at:%Y-%m-%d} to skip this session ({where})"
        until = self.date.isoformat() if self.date else "they ask to come back"
        return f"asked on {self.at:%Y-%m-%d} to pause until {until} ({where})"


@dataclass(frozen=True)
class Requests:
    """The Requests tab as read: each roster student's requests, and what staff should check."""

    tab: str
    asked: Mapping[str, tuple[Request, ...]] = field(default_factory=dict)  # key -> oldest first
    problems: tuple[Problem, ...] = ()  # rows that could not be read
    strangers: tuple[Stranger, ...] = ()  # emails on no roster row

    def in_force(self, key: str, by: dt.datetime | None = None) -> tuple[Request, ...]:
        """The student's skips and pauses asked (by `by`) since their latest Come back."""
        asked = [r for r in self.asked.get(key, ()) if by is None or r.at <= by]
        back = max((i for i, r in enumerate(asked) if r.kind == "come back"), default=-1)
        return tuple(asked[back + 1 :])

    def away(self, key: str, day: dt.date, by: dt.datetime | None = None) -> Request | None:
        """The latest request (asked by `by`) keeping the student out of a session on `day`."""
        covering = [r for r in self.in_force(key, by) if r.covers(day)]
        return covering[-1] if covering else None

    def came_back(self, key: str) -> dt.datetime | None:
        """When the student last asked to come back, if ever."""
        times = [r.at for r in self.asked.get(key, ()) if r.kind == "come back"]
        return max(times, default=None)

    def notes(self) -> list[str]:
        """What staff should check in the tab, one line each in row order: unreadable rows and
        emails on no roster row."""
        found: list[Problem | Stranger] = [*self.problems, *self.strangers]
        return [str(n) for n in sorted(found, key=lambda n: n.row)]


def read_requests(
    rows: Rows | None,
    settings: RequestsTab,
    roster: Roster,
    sessions: Collection[dt.date] = (),
) -> Requests:
    """The Requests tab's rows (row 1 the header; None when there is no such tab) as read.

    Headers match whatever their case and spacing. A row that cannot be read is listed, with
    every problem in it, and otherwise ignored; so is a row whose email is on no roster row,
    and, given the calendar's `sessions` (their dates), a skip of a day with no session.
    """
    if not rows:
        return Requests(settings.tab)
    headers = {
        "timestamp": settings.timestamp,
        "email": settings.email,
        "request": settings.request,
        "session_date": settings.session_date,
        "until": settings.until,
    }
    tab = ResponseTab(settings.tab, rows, headers, "requests")
    problems = tab.missing(("timestamp", "email", "request"))
    if problems:
        return Requests(settings.tab, problems=tuple(problems))
    words: dict[str, Kind] = {
        header_key(settings.skip): "skip",
        header_key(settings.pause): "pause",
        header_key(settings.come_back): "come back",
    }
    asked: dict[str, list[Request]] = defaultdict(list)
    strangers = []
    for number, cells in tab.body():
        found = _request(tab, number, cells, words, settings)
        if isinstance(found, Request) and found.kind == "skip" and sessions:
            found = _on_calendar(tab, number, found, sessions)
        if isinstance(found, Request):
            if found.key in roster.keys:
                asked[found.key].append(found)
            else:
                strangers.append(Stranger(settings.tab, number, found.key))
        else:
            problems += found
    return Requests(
        settings.tab,
        {k: tuple(sorted(v, key=lambda r: (r.at, r.row))) for k, v in asked.items()},
        tuple(problems),
        tuple(strangers),
    )


def _on_calendar(
    tab: ResponseTab, row: int, request: Request, sessions: Collection[dt.date]
) -> Request | list[Problem]:
    """A skip of a session date, or the problem: no session that day, and the nearest."""
    day = request.date
    if day is None or day in sessions:
        return request
    nearest = min(sessions, key=lambda d: (abs((d - day).days), d))
    return [
        tab.problem(
            row,
            "session_date",
            f"{day.isoformat()} is no session date (the nearest is {nearest.isoformat()}), so "
            "this skip excuses nothing. Check the date with the student.",
        )
    ]


def _request(
    tab: ResponseTab,
    row: int,
    cells: Sequence[str],
    words: Mapping[str, Kind],
    settings: RequestsTab,
) -> Request | list[Problem]:
    """One row as a request, or every problem in it."""
    problems = []
    email = tab.cell(cells, "email").casefold()
    wrong = email_problem(email)
    if wrong:
        problems.append(tab.problem(row, "email", wrong))
    at = tab.timestamp(tab.cell(cells, "timestamp"))
    if isinstance(at, str):
        problems.append(tab.problem(row, "timestamp", at))
    said = tab.cell(cells, "request")
    kind = words.get(header_key(said))
    if kind is None:
        choices = ", ".join(f'"{w}"' for w in (settings.skip, settings.pause, settings.come_back))
        what = f'"{said}" is not a request' if said else "the request is empty"
        problems.append(tab.problem(row, "request", f"{what}. Write one of {choices}."))
    date: dt.date | None = None
    if kind == "skip":
        date = _date(tab, row, cells, "session_date", "the session to skip", problems)
    elif kind == "pause" and tab.cell(cells, "until"):
        date = _date(tab, row, cells, "until", "the last day away", problems)
        if date is not None and isinstance(at, dt.datetime) and date < at.date():
            problems.append(
                tab.problem(
                    row,
                    "until",
                    f"the pause ends ({date.isoformat()}) before it was asked "
                    f"({at:%Y-%m-%d}). Check the year.",
                )
            )
    if problems or kind is None or isinstance(at, str):
        return problems
    return Request(row, at, email, kind, date)


def _date(
    tab: ResponseTab, row: int, cells: Sequence[str], name: str, what: str, problems: list[Problem]
) -> dt.date | None:
    """The date in column `name`, or None with a problem added."""
    if name not in tab.columns:
        problems.append(
            Problem(
                tab.title,
                row,
                0,
                "",
                f'no "{tab.headers[name]}" column for {what}. Add that question to the form, '
                f"or set [requests] {name} in mixitup.toml to the header of the column that "
                "holds it.",
            )
        )
        return None
    text = tab.cell(cells, name)
    day = tab.date(text) if text else f"{what} is not given."
    if isinstance(day, str):
        problems.append(tab.problem(row, name, day))
        return None
    return day


@dataclass(frozen=True)
class NoShow:
    """A student left out for missing their most recent sessions."""

    key: str
    name: str
    missed: tuple[str, ...]  # the labels of the sessions missed, oldest first

    def reason(self) -> str:
        """Why the student is out, for staff."""
        return (
            f"absent from their last {len(self.missed)} sessions ({', '.join(self.missed)}); "
            "out until they ask to come back (or type a Come back row for them)"
        )


def no_shows(
    entries: Iterable[Entry], pause_after: int, requests: Requests, before: dt.date
) -> dict[str, NoShow]:
    """The students absent from their `pause_after` most recent sessions dated before `before`
    (0: nobody). A session they had asked, by the end of its day, to be out of does not count;
    a session on or before the day of their latest Come back ends the count.
    """
    if pause_after < 1:
        return {}
    by_key: dict[str, list[tuple[dt.date, str, Entry]]] = defaultdict(list)
    for entry in entries:
        session = parse_label(entry.session)
        if session is not None and session.date < before:
            by_key[entry.key].append((session.date, entry.session, entry))
    found = {}
    for key, places in by_key.items():
        back = requests.came_back(key)
        missed: list[Entry] = []
        for day, _, entry in sorted(places, key=lambda p: (p[0], p[1]), reverse=True):
            if back is not None and day <= back.date():
                break
            if requests.away(key, day, by=dt.datetime.combine(day, dt.time.max)):
                continue  # excused: they had asked to be out
            if entry.attended != ABSENT:
                break
            missed.append(entry)
            if len(missed) == pause_after:
                found[key] = NoShow(key, entry.name, tuple(e.session for e in reversed(missed)))
                break
    return found


def out_of(
    session_date: dt.date,
    roster: Roster,
    requests: Requests,
    no_shows: Mapping[str, NoShow],
) -> dict[str, str]:
    """Student key -> why they are out of the session on `session_date`, for every active
    roster student who asked to skip or pause for it, or who is out for missed sessions.

    The pipeline leaves these students out before grouping (and out of late joiners).
    """
    out = {}
    for student in roster.students:
        asked = requests.away(student.key, session_date)
        if asked is not None:
            out[student.key] = asked.reason(requests.tab)
        elif student.key in no_shows:
            out[student.key] = no_shows[student.key].reason()
    return out


def describe(out: Mapping[str, str], roster: Roster) -> list[str]:
    """`Name (email): why`, one line per student out, by name: for plan, status and the notice."""
    names = {s.key: s.name for s in roster.students}
    return [
        f"{names.get(key, key)} ({key}): {why}"
        for key, why in sorted(out.items(), key=lambda kv: names.get(kv[0], kv[0]).casefold())
    ]


def published_times(history: Rows) -> dict[str, dt.datetime]:
    """Session label -> when it was published: the earliest `Published at` among its History
    rows (`history` is the History tab's rows, header first). Unreadable stamps are skipped."""
    columns = history_columns(history[0] if history else ())
    if "Session" not in columns or "Published at" not in columns:
        return {}
    found: dict[str, dt.datetime] = {}
    for cells in history[1:]:
        session_at, stamp_at = columns["Session"], columns["Published at"]
        if max(session_at, stamp_at) >= len(cells):
            continue
        label = cells[session_at].strip()
        try:
            stamp = dt.datetime.fromisoformat(cells[stamp_at].strip())
        except ValueError:
            continue
        if label and (label not in found or _before(stamp, found[label])):
            found[label] = stamp
    return found


def late_absences(
    requests: Requests,
    entries: Iterable[Entry],
    published: Mapping[str, dt.datetime],
    zone: dt.tzinfo | None = None,
) -> tuple[tuple[str, str], ...]:
    """(session label, student key) for each student grouped in a published session who asked,
    after it was published, to be out of it, and has no attendance recorded there yet.

    `published` gives each session's publish time (`published_times`); `zone` is the time zone
    of the spreadsheet's clock, which stamps the requests (None: this machine's).
    """
    marks = []
    for entry in entries:
        session = parse_label(entry.session)
        at = published.get(entry.session)
        if session is None or at is None or entry.attended:
            continue
        if requests.away(entry.key, session.date) is None:
            continue
        if requests.away(entry.key, session.date, by=_wall(at, zone)) is None:
            marks.append((entry.session, entry.key))
    return tuple(sorted(set(marks)))


def _wall(at: dt.datetime, zone: dt.tzinfo | None) -> dt.datetime:
    """`at` on the clock of `zone` (None: this machine's), without a time zone."""
    if at.tzinfo is None:
        return at
    return (at.astimezone(zone) if zone is not None else at.astimezone()).replace(tzinfo=None)


def _before(a: dt.datetime, b: dt.datetime) -> bool:
    """Whether `a` comes before `b`, one of them perhaps without a time zone (read as local)."""
    return _wall(a, None) < _wall(b, None)
