"""What one group is told about a session, as plain text (email) or Slack mrkdwn; pure.

A first message says when, where, who leads and who is in the group, with the join link and
the students' spreadsheet; a follow-up opens with what changed (who joined, who moved).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from mixitup import layout
from mixitup.config import Config, Students
from mixitup.models import Session

Style = Literal["plain", "slack"]


@dataclass(frozen=True)
class Member:
    """One student of a group, as a message names and reaches them."""

    key: str  # the History's student key: the ledger records who was told by it
    name: str
    email: str = ""  # "" when the roster has none: listed for staff, never an error
    lead: bool = False


@dataclass(frozen=True)
class Details:
    """What every message about one session says, whatever the group."""

    session: Session
    title: str  # the week's title, e.g. "Mix It Up: Networking"
    start: dt.datetime  # aware, in the school's time zone
    zone: str  # the IANA name of that zone; "" when it is the machine's own
    zoom: str  # where to meet, in words ([meeting] zoom)
    join_url: str  # [meeting] url; may be ""
    where: str  # the students' spreadsheet: its address, or a workbook's path
    team: str  # who students contact

    @property
    def prompts_tab(self) -> str:
        return layout.prompts_title(self.session)


@dataclass(frozen=True)
class Moved:
    """Someone who was in the group when it was last told and is no longer."""

    name: str
    group: int | None  # the group they are in now; None when in none


@dataclass(frozen=True)
class Update:
    """What changed in a group since it was last told; empty for a first message."""

    joined: tuple[Member, ...] = ()
    left: tuple[Moved, ...] = ()
    new_lead: str = ""  # the name of a lead who was not the lead before

    def __bool__(self) -> bool:
        return bool(self.joined or self.left or self.new_lead)


@dataclass(frozen=True)
class Text:
    """A message: the subject is for email only; the body is plain text or Slack mrkdwn."""

    subject: str
    body: str


def session_details(config: Config, session: Session, title: str) -> Details:
    """The Details of `session` under `config`; `title` is the week's (Prompts.title)."""
    calendar = config.calendar
    if config.students is not None:
        where = config.students.location()
    elif config.backend == "google":
        where = Students(sheet_id=config.sheet_id).location()
    else:
        where = str(config.workbook)
    return Details(
        session=session,
        title=title,
        start=calendar.at(session.date, calendar.start),
        zone=calendar.timezone,
        zoom=config.zoom,
        join_url=config.meeting_url,
        where=where,
        team=config.team,
    )


def escape(text: str) -> str:
    """`text` safe inside Slack mrkdwn: &, < and > are Slack's control characters.

    https://api.slack.com/reference/surfaces/formatting#escaping: replace exactly these three
    with HTML entities, and nothing else (other entities are shown as typed).
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def when(details: Details) -> str:
    """`Wednesday 13 January 2027, 12:00 MST (America/Denver)`: the start where the school is."""
    start = details.start
    zone = f" ({details.zone})" if details.zone else ""
    return f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M} {start.tzname() or ''}{zone}"


def group_text(
    details: Details,
    group: int,
    members: Sequence[Member],
    update: Update | None = None,
    style: Style = "plain",
) -> Text:
    """The message telling group `group` (its `members`, lead first) about the session; with
    an `update`, the follow-up opening with what changed since the group was last told."""
    e = escape if style == "slack" else _same
    bold = (lambda t: f"*{t}*") if style == "slack" else _same
    day = f"{details.start:%A} {details.start.day} {details.start:%B}"
    ordered = sorted(members, key=lambda m: not m.lead)
    lines: list[str] = []
    if update:
        subject = f"Mix It Up on {day}: group {group} has changed"
        lines += [bold(f"Group {group} has changed."), *(e(c) for c in _changes(update)), ""]
    else:
        subject = f"Mix It Up on {day}: you are group {group}"
    lines += [
        bold(e(details.title)),
        e(when(details)),
        "",
        f"You are {bold(f'group {group}')}: go to breakout room {group} in the {e(details.zoom)}.",
    ]
    if details.join_url:
        lines.append(f"Join: {_link(details.join_url, details.join_url, style)}")
    lead = next((m for m in ordered if m.lead), None)
    if lead is not None:
        lines.append(f"Lead: {e(lead.name)} opens the room and keeps time.")
    bullet = "•" if style == "slack" else "-"
    lines += ["", f"Group {group}:"]
    lines += [f"{bullet} {e(m.name)}{' (lead)' if m.lead else ''}" for m in ordered]
    tab = f'Prompts and agenda: the tab "{e(details.prompts_tab)}" of'
    if style == "slack":
        lines += ["", f"{tab} {_link(details.where, 'the students’ spreadsheet', style)}."]
    else:  # the address on a line of its own, so no mail program takes a full stop into it
        lines += ["", f"{tab} the students' spreadsheet:", details.where]
    lines += ["", f"Questions? Ask {e(details.team)}."]
    return Text(subject, "\n".join(lines) + "\n")


def reminder_text(details: Details, group: int, minutes: int) -> str:
    """The Slack reminder posted `minutes` before the start (mrkdwn)."""
    start = f"{details.start:%H:%M} {details.start.tzname() or ''}".strip()
    join = (
        f" Join: {_link(details.join_url, details.join_url, 'slack')}" if details.join_url else ""
    )
    return (
        f"Reminder: {escape(details.title)} starts in {minutes} minutes ({start}). "
        f"Group {group}: breakout room {group} in the {escape(details.zoom)}.{join}"
    )


def _changes(update: Update) -> list[str]:
    lines = [f"{m.name} joined the group." for m in update.joined]
    for moved in update.left:
        if moved.group is None:
            lines.append(f"{moved.name} is no longer in the group.")
        else:
            lines.append(f"{moved.name} moved to group {moved.group}.")
    if update.new_lead:
        lines.append(f"{update.new_lead} now leads the group.")
    return lines


def _link(target: str, label: str, style: Style) -> str:
    """A link: plain text shows the address itself; Slack gets `<address|label>`."""
    if style == "plain":
        return target
    if not target.lower().startswith(("https://", "http://")):
        return escape(target)  # a workbook's path: not a link Slack could open
    # Inside <...|...> the address must not hold a raw |, < or >; & is escaped as everywhere.
    address = escape(target).replace("|", "%7C")
    return f"<{address}|{escape(label)}>" if label != target else f"<{address}>"


def _same(text: str) -> str:
    return text
