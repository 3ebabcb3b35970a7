"""Zoom breakout-room pre-assignment CSV from a published session's groups. Pure.

Cells are neutralised against CSV injection (OWASP): a leading = + - @ tab or CR gets a quote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from mixitup.models import Student

ZOOM_HEADER = ("Pre-assign Room Name", "Email Address")
ZOOM_MAX_ROOMS = 100
ZOOM_MAX_PARTICIPANTS = 1000
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Member:
    """One student in the session's groups, with the email Zoom knows them by (maybe empty)."""

    group: int
    name: str
    email: str


@dataclass(frozen=True)
class ZoomExport:
    """The CSV text and what staff should know before uploading it."""

    text: str
    rooms: int
    participants: int
    warnings: tuple[str, ...]


def zoom_members(groups: Sequence[Sequence[Student]]) -> list[Member]:
    """Everyone in `groups` with their room; the key is the email when the roster has none."""
    return [
        Member(number, s.name, s.email or (s.key if "@" in s.key else ""))
        for number, group in enumerate(groups, 1)
        for s in group
    ]


def neutralise(cell: str) -> str:
    """The cell prefixed with a single quote when a spreadsheet would run it as a formula."""
    return f"'{cell}" if cell.startswith(_DANGEROUS) else cell


def room_name(group: int) -> str:
    return f"Group {group}"


def zoom_csv(label: str, members: Sequence[Member]) -> ZoomExport:
    """One row per member with an email, by room then email; warnings for what Zoom will refuse."""
    placed = sorted((m for m in members if m.email), key=lambda m: (m.group, m.email))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ZOOM_HEADER)
    writer.writerows((neutralise(room_name(m.group)), neutralise(m.email)) for m in placed)
    rooms = len({m.group for m in members})
    warnings = []
    missing = sorted((m for m in members if not m.email), key=lambda m: (m.group, m.name))
    if missing:
        listed = "; ".join(f"{m.name} ({room_name(m.group)})" for m in missing)
        warnings.append(
            f"{_count(len(missing), 'student')} of {label} "
            f"{'has' if len(missing) == 1 else 'have'} no email on the roster, so the file leaves "
            f"them out: {listed}. Add their emails to the roster, or tell them their room number."
        )
    if rooms > ZOOM_MAX_ROOMS:
        warnings.append(
            f"{label} has {rooms} groups; Zoom allows at most {ZOOM_MAX_ROOMS} breakout rooms, "
            "so it may refuse this file. Students can still pick the room with their number."
        )
    if len(placed) > ZOOM_MAX_PARTICIPANTS:
        warnings.append(
            f"{label} has {len(placed)} students with an email; Zoom pre-assigns at most "
            f"{ZOOM_MAX_PARTICIPANTS} participants, so it may refuse this file. Students can "
            "still pick the room with their group number."
        )
    return ZoomExport(out.getvalue(), rooms, len(placed), tuple(warnings))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
