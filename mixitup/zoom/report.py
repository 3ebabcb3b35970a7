"""(b) Attendance from Zoom: the meeting's instances that started on a session's date (in the
school's time zone) and each one's participants report, as `zoom_report.Join`s, so
`attendance.match_report` matches them exactly as it matches the CSV export.

Never "the latest instance": before a session ends, that is the previous session. The report's
`duration` is in seconds ("Participant duration, in seconds", Zoom's OpenAPI document,
reportMeetingParticipants), the CSV's in minutes; a `Join` holds minutes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mixitup.errors import ZoomError
from mixitup.zoom.answers import Purpose
from mixitup.zoom.client import Json, uuid_segment
from mixitup.zoom_report import Join

if TYPE_CHECKING:
    from mixitup.zoom.client import ZoomClient

WINDOW = dt.timedelta(days=7)  # a session's attendance is read from Zoom until a week after it
BY_HAND = (
    "downloading the participants report from Zoom (Reports > Usage) for "
    "`mixitup attendance --date D --week N --zoom REPORT.csv`"
)
OCCURRENCES = Purpose(
    doing="read when the meeting's sessions end",
    granular="meeting:read:meeting:admin",
    classic="meeting:read:admin",
)
INSTANCES = Purpose(
    doing="list the meeting's past sessions",
    granular="meeting:read:list_past_instances:admin",
    classic="meeting:read:admin",
)
REPORT = Purpose(
    doing="read the meeting's participants report",
    granular="report:read:list_meeting_participants:admin",
    classic="report:read:admin",
    plan="Pro",
    by_hand=BY_HAND,
)


@dataclass(frozen=True)
class Instance:
    """One past (ended) instance of the meeting: its UUID and when it started."""

    uuid: str
    start: dt.datetime  # aware


@dataclass(frozen=True)
class ZoomAttendance:
    """Every join in the participants reports of the instances held on `day`."""

    day: dt.date
    instances: tuple[Instance, ...]
    joins: tuple[Join, ...]  # minutes, one per join, as `zoom_report.read_report` returns them


@dataclass(frozen=True)
class NoInstanceYet:
    """Zoom has no ended instance on `day` yet, or not its report yet: try at the next run."""

    day: dt.date
    reason: str  # one line for staff


def parse_time(text: object) -> dt.datetime | None:
    """Zoom's "2022-03-26T05:37:59Z" as an aware datetime; None when absent or unreadable."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def instances_on(
    listed: Iterable[Json], day: dt.date, zone: dt.tzinfo | None
) -> tuple[Instance, ...]:
    """The instances in a past-instances answer that started on `day` in `zone` (None: this
    machine's time zone), by start time, each UUID once."""
    found: dict[str, Instance] = {}
    for item in listed:
        uuid = item.get("uuid")
        start = parse_time(item.get("start_time"))
        if not isinstance(uuid, str) or not uuid or start is None:
            continue
        local = start.astimezone(zone) if zone is not None else start.astimezone()
        if local.date() == day:
            found.setdefault(uuid, Instance(uuid, start))
    return tuple(sorted(found.values(), key=lambda i: (i.start, i.uuid)))


def occurrence_end(meeting: Json, day: dt.date, zone: dt.tzinfo | None) -> dt.datetime | None:
    """When the occurrence held on `day` (in `zone`) ends, from a GET /meetings/{meetingId}
    answer: its start plus its duration in minutes; None when the answer has none that day
    (Zoom lists past occurrences only with `show_previous_occurrences=true`)."""
    for occurrence in meeting.get("occurrences") or []:
        if not isinstance(occurrence, dict) or occurrence.get("status") == "deleted":
            continue
        start = parse_time(occurrence.get("start_time"))
        minutes = occurrence.get("duration", meeting.get("duration"))
        if start is None or not isinstance(minutes, int):
            continue
        local = start.astimezone(zone) if zone is not None else start.astimezone()
        if local.date() == day:
            return start + dt.timedelta(minutes=minutes)
    return None


def attendance_due(now: dt.datetime, end: dt.datetime, recorded: bool) -> bool:
    """Whether `run` should read a session's attendance from Zoom now: it has ended, ended less
    than a week ago, and its attendance is not recorded yet (once recorded, never again, so
    staff corrections stand)."""
    return not recorded and end <= now <= end + WINDOW


def session_end(
    client: ZoomClient, day: dt.date, zone: dt.tzinfo | None, fallback: dt.datetime
) -> dt.datetime:
    """When the session on `day` ends: its occurrence's start plus duration as Zoom schedules
    it, else `fallback` (the pipeline's [calendar] start + 60 minutes). One GET; raises
    ZoomError when Zoom refuses."""
    meeting = client.get(
        f"/meetings/{client.app.meeting_id}", OCCURRENCES, {"show_previous_occurrences": "true"}
    )
    return occurrence_end(meeting, day, zone) or fallback


def report_joins(rows: Iterable[Json], first: int = 1) -> tuple[Join, ...]:
    """A participants report's rows as Joins: `duration` seconds become minutes; `row` numbers
    the rows from `first`, in the order Zoom listed them."""
    joins = []
    for number, row in enumerate(rows, first):
        seconds = row.get("duration")
        spent = float(seconds) / 60 if isinstance(seconds, int | float) else 0.0
        name = str(row.get("name") or "").strip()
        email = str(row.get("user_email") or "").strip().lower()
        joins.append(Join(number, name, "", email, spent))
    return tuple(joins)


def meeting_joins(
    client: ZoomClient, day: dt.date, zone: dt.tzinfo | None
) -> ZoomAttendance | NoInstanceYet:
    """The joins of every instance of the meeting that started on `day` in `zone`, all pages of
    each report; NoInstanceYet when Zoom lists none (it lists ended instances only) or has not
    finished a report. Raises ZoomError when Zoom refuses."""
    meeting = client.app.meeting_id
    listed = client.get(f"/past_meetings/{meeting}/instances", INSTANCES).get("meetings") or []
    instances = instances_on((i for i in listed if isinstance(i, dict)), day, zone)
    if not instances:
        return NoInstanceYet(
            day,
            f"Zoom lists no ended session of {client.meeting} on {day.isoformat()} yet; "
            "mixitup reads its participants report at a run after it ends.",
        )
    joins: list[Join] = []
    for instance in instances:
        path = f"/report/meetings/{uuid_segment(instance.uuid)}/participants"
        try:
            rows = list(client.pages(path, REPORT, "participants"))
        except ZoomError as error:
            if error.code != 3001:
                raise
            # Zoom needs a few minutes after a meeting ends before its report exists (developer
            # forum, "Availability of dashboard API meeting ends"); it then says 3001.
            return NoInstanceYet(
                day,
                f"Zoom has not finished the participants report of {client.meeting} on "
                f"{day.isoformat()} yet; mixitup reads it at a later run.",
            )
        joins.extend(report_joins(rows, len(joins) + 1))
    return ZoomAttendance(day, instances, tuple(joins))
