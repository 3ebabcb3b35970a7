"""Who came to a session: a Zoom participants report or names given by staff, matched to the
students grouped in it. Pure.

A report row matches a grouped student by email, else by name (the name shown or the original
name of someone who renamed themselves); a student attended with at least `min_minutes` in all
their joins. Names given on the command line match by email or name the same way.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from mixitup.errors import DataError
from mixitup.layout import ABSENT, ATTENDED, name_key, parse_label
from mixitup.models import Entry, Student
from mixitup.zoom_report import Join, ZoomReport


@dataclass(frozen=True)
class Stranger:
    """A person in the report who matches no grouped student (the host, a guest)."""

    name: str
    email: str
    minutes: float


@dataclass(frozen=True)
class Attendance:
    """What a report says about one session's students."""

    minutes: dict[str, float]  # student key -> minutes in all their joins (matched students)
    strangers: tuple[Stranger, ...]
    # Students a row named but could not tell apart (two of one name, no email): neither is
    # known to have come or not.
    unsure: frozenset[str] = frozenset()


class Directory:
    """A session's students found by email or name."""

    def __init__(
        self,
        entries: Sequence[Entry],
        students: Sequence[Student],
        keep_apart: frozenset[frozenset[str]] = frozenset(),
    ) -> None:
        self.keep_apart = keep_apart  # from the roster, for the rebalance
        self.students = tuple(students)  # the roster's, for emails and cohorts by key
        self.names = {e.key: e.name for e in entries}
        emails: dict[str, str] = {}
        names: dict[str, list[str]] = defaultdict(list)
        roster = {s.key: s for s in students}
        for e in entries:
            if "@" in e.key:
                emails[e.key.casefold()] = e.key
            known = roster.get(e.key)
            if known is not None and known.email:
                emails[known.email.casefold()] = e.key
            for name in {name_key(e.name), name_key(known.name) if known else ""} - {""}:
                names[name].append(e.key)
        self.emails = emails
        self.by_name = {n: sorted(set(keys)) for n, keys in names.items()}

    def find(self, email: str, *names: str) -> list[str]:
        """The keys `email` or else one of `names` identify: one, or several when two share it."""
        if email and email.casefold() in self.emails:
            return [self.emails[email.casefold()]]
        for name in names:
            keys = self.by_name.get(name_key(name), []) if name.strip() else []
            if keys:
                return keys
        return []


def match_report(joins: Sequence[Join], directory: Directory) -> Attendance:
    """Minutes per grouped student in all their joins, and the rows that matched nobody."""
    minutes: dict[str, float] = defaultdict(float)
    strangers: dict[tuple[str, str], float] = defaultdict(float)
    unsure: set[str] = set()
    for join in joins:
        keys = directory.find(join.email, join.name, join.original)
        if len(keys) == 1:
            minutes[keys[0]] += join.minutes
        else:
            unsure.update(keys)  # two of that name: which one came is not known
            shown = f"{join.name} ({join.original})" if join.original else join.name
            strangers[(shown, join.email)] += join.minutes
    return Attendance(
        dict(minutes),
        tuple(Stranger(n, e, m) for (n, e), m in sorted(strangers.items())),
        frozenset(unsure - set(minutes)),
    )


def check_dates(reports: Sequence[ZoomReport], day: dt.date) -> None:
    """Refuse a report none of whose joins fall on the session's `day` (DataError, exit 3)."""
    for report in reports:
        if day in report.dates:
            continue
        if report.dates:
            held = ", ".join(str(d) for d in report.dates)
            what = f"holds joins on {held}, none on {day}, the session's date"
        else:
            what = "has no join time mixitup can read, so its date cannot be checked"
        raise DataError(
            f"The Zoom report {report.where} {what}: it looks like another meeting's report. "
            f"Export the participants report of the {day} meeting (Zoom: Reports > Usage), or "
            "add --any-date if this report is the right one. Nothing was written."
        )


@dataclass(frozen=True)
class Imported:
    """A session's entries after Zoom reports were imported, and who matched nobody."""

    entries: tuple[Entry, ...]
    strangers: tuple[Stranger, ...]
    fresh: int  # reports not imported before


def import_reports(
    entries: Sequence[Entry],
    reports: Sequence[ZoomReport],
    directory: Directory,
    min_minutes: float,
) -> Imported:
    """The entries with the minutes of `reports` added and Attended set from them.

    Zoom writes one report per meeting instance (a host who restarts makes two): each report
    adds its minutes once, recognised by its fingerprint in the entries' `reports`, so the
    same report imported again changes nothing. A student's Attended follows their minutes
    when those changed, or when nothing was recorded; a mark staff set stays otherwise.
    """
    done = {fingerprint for e in entries for fingerprint in e.reports.split()}
    fresh = list({r.fingerprint: r for r in reports if r.fingerprint not in done}.values())
    if not fresh:
        return Imported(tuple(entries), (), 0)
    found = match_report([j for r in fresh for j in r.joins], directory)
    prints = " ".join(sorted(done | {r.fingerprint for r in fresh}))
    first = not done
    out = []
    for entry in entries:
        added = found.minutes.get(entry.key, 0.0)
        total = (float(entry.minutes) if _number(entry.minutes) else 0.0) + added
        attended = entry.attended
        if entry.key in found.unsure and not total:
            pass  # a namesake without email came: staff mark which one (--present)
        elif added or first or not attended:
            attended = ATTENDED if total >= min_minutes else ABSENT
        out.append(replace(entry, minutes=f"{total:g}", reports=prints, attended=attended))
    return Imported(tuple(out), found.strangers, len(fresh))


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def resolve(people: Sequence[str], directory: Directory, session: str) -> list[str]:
    """The keys of the students named (by email or name) in `people`.

    Raises DataError listing every name or email that matches nobody in `session`, or
    several people, so staff fix them all in one go.
    """
    keys: list[str] = []
    unknown: list[str] = []
    ambiguous: list[str] = []
    for who in people:
        found = directory.find(who if "@" in who else "", who)
        if len(found) == 1:
            keys.append(found[0])
        elif found:
            ambiguous.append(f"{who} (give their email)")
        else:
            unknown.append(who)
    problems = []
    if unknown:
        problems.append(f"not grouped in {session}: {', '.join(unknown)}")
    if ambiguous:
        problems.append(f"names shared by several students: {', '.join(ambiguous)}")
    if problems:
        raise DataError(
            f"{'; '.join(problems)}. Nothing was written. Check the spelling against the "
            f"{session} Groups tab, or give the student's email."
        )
    return keys


def absent_lately(entries: Sequence[Entry], today: dt.date) -> list[tuple[str, str]]:
    """(key, name) of students marked absent from both of their last two sessions by `today`."""
    by_key: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        session = parse_label(entry.session)
        if session is not None and session.date <= today:
            by_key[entry.key].append(entry)
    found = []
    for key, own in by_key.items():
        last = sorted(own, key=lambda e: e.session)[-2:]
        if len(last) == 2 and all(e.attended == ABSENT for e in last):
            found.append((key, last[-1].name))
    return sorted(found, key=lambda item: (item[1].casefold(), item[0]))
