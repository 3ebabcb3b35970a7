"""(c) Who is in the meeting now, for `rebalance --zoom-live`: the Dashboard's live
participants, every page; present are the rows without a `leave_time` (someone who left and
came back has a closed row and an open one).

The Dashboard's rows name people `user_name` and `email` (the report's say `name` and
`user_email`): Zoom's Rivet SDK types, DashboardsListMeetingParticipantsResponse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mixitup.zoom.answers import Purpose
from mixitup.zoom.client import Json
from mixitup.zoom.report import parse_time
from mixitup.zoom_report import Join

if TYPE_CHECKING:
    from mixitup.zoom.client import ZoomClient

LIVE = Purpose(
    doing="read who is in the meeting now",
    granular="dashboard:read:list_meeting_participants:admin",
    classic="dashboard_meetings:read:admin",
    plan="Business",
    by_hand="`mixitup rebalance --date D --absent NAME...` (or --zoom REPORT.csv)",
    missing=(
        "Zoom shows no meeting in progress with the ID in [zoom] meeting_id: start the meeting "
        "(students in it or in its waiting room count as present), or check meeting_id"
    ),
)


@dataclass(frozen=True)
class LiveParticipants:
    """Who is in the meeting now, as Joins `attendance.match_report` matches (minutes since
    each joined), and how many rows were of people who had left."""

    joins: tuple[Join, ...]
    left: int

    @property
    def emails(self) -> frozenset[str]:
        return frozenset(j.email for j in self.joins if j.email)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(j.name for j in self.joins)


def live_joins(rows: Iterable[Json], now: dt.datetime) -> LiveParticipants:
    """The Dashboard's rows as LiveParticipants: open rows become Joins, closed ones count."""
    joins = []
    left = 0
    for number, row in enumerate(rows, 1):
        if row.get("leave_time"):
            left += 1
            continue
        joined = parse_time(row.get("join_time"))
        minutes = max(0.0, (now - joined).total_seconds() / 60) if joined else 0.0
        name = str(row.get("user_name") or "").strip()
        email = str(row.get("email") or "").strip().lower()
        joins.append(Join(number, name, "", email, minutes))
    return LiveParticipants(tuple(joins), left)


def live_participants(client: ZoomClient, now: dt.datetime | None = None) -> LiveParticipants:
    """Everyone in the meeting now (every page of the Dashboard's live participants). Raises
    ZoomError when Zoom refuses, or when the meeting is not in progress."""
    path = f"/metrics/meetings/{client.app.meeting_id}/participants"
    rows = list(client.pages(path, LIVE, "participants", {"type": "live"}))
    return live_joins(rows, now or client.clock())
