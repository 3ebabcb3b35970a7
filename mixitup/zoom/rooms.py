"""(a) The meeting's breakout-room pre-assignment: the rooms a session's groups want (pure),
compared with the meeting's `settings.breakout_room`, and one PATCH only when they differ.

Zoom keeps one pre-assignment per meeting for all its occurrences: `occurrence_id` may change
only "agenda, `start_time`, duration, or settings {`host_video`, `participant_video`,
`join_before_host`, `mute_upon_entry`, `waiting_room`, `watermark`, `auto_recording`}" (Zoom's
OpenAPI document, meetingUpdate), so it is never sent. A PATCH's `rooms` replaces the list, and
a meeting may be updated 100 times a day, hence the GET first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from mixitup.export import ZOOM_MAX_PARTICIPANTS, ZOOM_MAX_ROOMS, Member, room_name
from mixitup.zoom.answers import Purpose
from mixitup.zoom.client import Json

if TYPE_CHECKING:
    from mixitup.zoom.client import ZoomClient

BY_HAND = (
    "`mixitup export zoom` writes the same rooms as a CSV to upload in the meeting's breakout "
    "room pre-assignment"
)
READ_MEETING = Purpose(
    doing="read the meeting's breakout rooms",
    granular="meeting:read:meeting:admin",
    classic="meeting:read:admin",
)
UPDATE_MEETING = Purpose(
    doing="pre-assign the meeting's breakout rooms",
    granular="meeting:update:meeting:admin",
    classic="meeting:write:admin",
    by_hand=BY_HAND,
)


@dataclass(frozen=True)
class Room:
    """One breakout room: its name and the emails Zoom pre-assigns to it (lower-cased)."""

    name: str
    participants: tuple[str, ...]


@dataclass(frozen=True)
class RoomPlan:
    """The rooms a session's groups want, who cannot be pre-assigned, and why Zoom would
    refuse the lot ("" when it would not)."""

    rooms: tuple[Room, ...]
    unreachable: tuple[Member, ...]  # students without an email on the roster
    refusal: str = ""

    @property
    def participants(self) -> int:
        return sum(len(room.participants) for room in self.rooms)


@dataclass(frozen=True)
class RoomsOutcome:
    """What `sync_rooms` did: `updated` (one PATCH), `unchanged` (the rooms already matched),
    `refused` (too many rooms or people: nothing sent) or `in_progress` (the meeting is on:
    nothing sent). `message` is one line for staff; `unreachable` are named for them."""

    status: Literal["updated", "unchanged", "refused", "in_progress"]
    rooms: int
    participants: int
    unreachable: tuple[Member, ...]
    message: str


def plan_rooms(label: str, members: Sequence[Member]) -> RoomPlan:
    """A room per group, named as `export zoom` names it ("Group 3"), holding its members'
    emails; every group gets its room, emailless or not, so room numbers stay group numbers."""
    by_group: dict[int, list[str]] = {}
    placed: set[str] = set()
    unreachable = []
    for member in sorted(members, key=lambda m: (m.group, m.name.casefold())):
        emails = by_group.setdefault(member.group, [])
        email = member.email.strip().lower()
        if "@" not in email:
            unreachable.append(member)
        elif email not in placed:  # Zoom places an address in one room only
            placed.add(email)
            emails.append(email)
    rooms = tuple(
        Room(room_name(group), tuple(sorted(emails))) for group, emails in sorted(by_group.items())
    )
    refusal = ""
    if len(rooms) > ZOOM_MAX_ROOMS:
        refusal = (
            f"{label} has {len(rooms)} groups and Zoom pre-assigns at most {ZOOM_MAX_ROOMS} "
            "breakout rooms, so the meeting's rooms were left as they were; the groups stay "
            "published and students pick the room with their group number."
        )
    elif len(placed) > ZOOM_MAX_PARTICIPANTS:
        refusal = (
            f"{label} has {len(placed)} students with an email and Zoom pre-assigns at most "
            f"{ZOOM_MAX_PARTICIPANTS}, so the meeting's rooms were left as they were; the groups "
            "stay published and students pick the room with their group number."
        )
    return RoomPlan(rooms, tuple(unreachable), refusal)


def current_rooms(meeting: Json) -> tuple[Room, ...] | None:
    """The pre-assignment a GET /meetings/{meetingId} answer holds; None when it is off."""
    settings = meeting.get("settings")
    breakout: Any = settings.get("breakout_room") if isinstance(settings, dict) else None
    if not isinstance(breakout, dict) or not breakout.get("enable"):
        return None
    rooms = []
    for room in breakout.get("rooms") or []:
        if not isinstance(room, dict):
            continue
        people = room.get("participants") or []
        emails = sorted({str(p).strip().lower() for p in people if str(p).strip()})
        rooms.append(Room(str(room.get("name", "")).strip(), tuple(emails)))
    return tuple(rooms)


def same_rooms(current: tuple[Room, ...] | None, wanted: Sequence[Room]) -> bool:
    """Whether the meeting already pre-assigns exactly `wanted` (room order aside)."""
    if current is None:
        return False
    return sorted(current, key=lambda r: r.name) == sorted(wanted, key=lambda r: r.name)


def rooms_body(plan: RoomPlan) -> Json:
    """The PATCH body: pre-assignment on, every room (the list replaces Zoom's)."""
    rooms = [{"name": room.name, "participants": list(room.participants)} for room in plan.rooms]
    return {"settings": {"breakout_room": {"enable": True, "rooms": rooms}}}


def unreachable_text(label: str, unreachable: Sequence[Member]) -> str:
    """One line naming the students Zoom cannot pre-assign, for staff; "" when none."""
    if not unreachable:
        return ""
    listed = "; ".join(f"{m.name} ({room_name(m.group)})" for m in unreachable)
    count = len(unreachable)
    return (
        f"{count} student{'s' if count != 1 else ''} of {label} "
        f"{'has' if count == 1 else 'have'} no email on the roster, so Zoom cannot pre-assign "
        f"them: {listed}. Tell them their room number, or add their emails to the roster."
    )


def sync_rooms(client: ZoomClient, label: str, members: Sequence[Member]) -> RoomsOutcome:
    """Make the meeting's breakout pre-assignment equal the groups of session `label`.

    Sends nothing when Zoom would refuse the rooms (more than 100, or more than 1,000 people),
    when the meeting is in progress, or when its rooms already match; otherwise one PATCH with
    every room and no `occurrence_id`. Raises ZoomError when Zoom refuses.
    """
    plan = plan_rooms(label, members)
    counts = (len(plan.rooms), plan.participants, plan.unreachable)
    if plan.refusal:
        return RoomsOutcome("refused", *counts, plan.refusal)
    path = f"/meetings/{client.app.meeting_id}"
    meeting = client.get(path, READ_MEETING)
    if meeting.get("status") == "started":
        return RoomsOutcome(
            "in_progress",
            *counts,
            f"{client.meeting} is in progress, so its breakout rooms were left as they were; "
            f"mixitup sets {label}'s rooms at its next run after the meeting ends.",
        )
    if same_rooms(current_rooms(meeting), plan.rooms):
        return RoomsOutcome(
            "unchanged",
            *counts,
            f"The breakout rooms of {client.meeting} already match {label}; nothing was sent.",
        )
    client.patch(path, UPDATE_MEETING, rooms_body(plan))
    return RoomsOutcome(
        "updated",
        *counts,
        f"Pre-assigned {len(plan.rooms)} breakout rooms ({plan.participants} students) in "
        f"{client.meeting} for {label}; Zoom places students who join signed in with their "
        "roster email.",
    )
