"""What was sent to each group (the staff spreadsheet's `Messages` tab) and, from that record,
what a run must send: a first message to a group never told on a channel, a follow-up to a
group whose members or lead changed since, nothing otherwise. Pure: the senders are
`mixitup.slack` and `mixitup.mail`; the pipeline writes the rows this module makes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from mixitup import layout
from mixitup.errors import DataError
from mixitup.messages import Details, Member, Moved, Update, group_text
from mixitup.models import Entry, Rows, Student, Tab

Channel = Literal["slack", "email"]
Kind = Literal["first", "follow-up"]
FIRST: Kind = "first"
FOLLOW_UP: Kind = "follow-up"
SENT, FAILED = "sent", "failed"  # the Status column's words

LEDGER_TITLE = "Messages"
LEDGER_HEADER = (
    "Session",
    "Group",
    "Channel",
    "Kind",
    "Members",
    "Lead",
    "Sent at",
    "Status",
    "Not reached",
    "Reference",
)
"""The ledger's columns: one row per message (or failed attempt) per group per channel.

`Members` holds the student keys told, sorted, joined by SEPARATOR, so a later run sees who
joined or left; `Lead` the lead's key; `Not reached` names who could not be reached and why;
`Reference` is what the channel needs to follow up (Slack: `channel:scheduled reminder` pairs,
email: the Message-ID). Staff may reorder the columns or add their own."""
LEDGER_REQUIRED = ("Session", "Group", "Channel", "Members", "Status")
SEPARATOR = "; "
_COLUMNS = {layout.header_key(name): name for name in LEDGER_HEADER}


@dataclass(frozen=True)
class Record:
    """One row of the ledger."""

    row: int  # as the spreadsheet numbers rows (the header is row 1)
    session: str
    group: int
    channel: str
    kind: str
    members: str  # the keys told, as the Members cell holds them
    lead: str
    sent_at: str
    status: str
    not_reached: str
    reference: str

    @property
    def sent(self) -> bool:
        return self.status.strip().casefold() == SENT


@dataclass(frozen=True)
class Ledger:
    """Every message the staff spreadsheet records, in row order."""

    records: tuple[Record, ...] = ()
    header: tuple[str, ...] = LEDGER_HEADER  # the tab's row 1, in the tab's own order

    def last(self, session: str, group: int, channel: str, *, sent: bool = False) -> Record | None:
        """The latest record for this group and channel (with `sent`, the latest sent one)."""
        for record in reversed(self.records):
            if (record.session, record.group, record.channel) == (session, group, channel) and (
                record.sent or not sent
            ):
                return record
        return None


@dataclass(frozen=True)
class Outgoing:
    """One message to send: to one group, on one channel."""

    session: str  # the session's label
    group: int
    channel: Channel
    kind: Kind
    members: tuple[Member, ...]  # everyone in the group now, lead first
    update: Update = field(default_factory=Update)  # what changed since last told (follow-ups)
    previous: str = ""  # the Reference of the last message sent to this group on this channel


@dataclass(frozen=True)
class Delivery:
    """What a sender did with one Outgoing."""

    outgoing: Outgoing
    sent: bool
    reason: str = ""  # why it failed: one line for staff, never a secret
    missing: tuple[str, ...] = ()  # `Name (why)` for each member not reached
    reference: str = ""


def session_groups(
    entries: Iterable[Entry], students: Iterable[Student]
) -> dict[int, tuple[Member, ...]]:
    """Group number -> its members (lead first) from one session's History `entries`.

    Emails come from the roster's `students`; a student no longer on it is reached at their
    key when that is an email address (keys are lower-cased emails), else not at all.
    """
    emails = {s.key: s.email for s in students}
    groups: dict[int, list[Member]] = {}
    for entry in entries:
        email = emails.get(entry.key) or (entry.key if "@" in entry.key else "")
        member = Member(entry.key, entry.name, email, layout.is_lead(entry.role))
        groups.setdefault(entry.group, []).append(member)
    return {
        number: tuple(sorted(members, key=lambda m: not m.lead))
        for number, members in sorted(groups.items())
    }


def read_ledger(rows: Rows | None) -> Ledger:
    """The ledger a `Messages` tab holds (None: no such tab, nothing was sent yet).

    The header is found by name, whatever its case, spacing or order. Raises DataError when
    the tab has lost the columns that say what was sent: reading it as empty would send every
    message again.
    """
    if not rows or not any(c.strip() for c in rows[0]):
        if rows and any(any(c.strip() for c in r) for r in rows):
            raise _lost_header(LEDGER_REQUIRED)
        return Ledger()
    columns: dict[str, int] = {}
    for index, text in enumerate(rows[0]):
        name = _COLUMNS.get(layout.header_key(text))
        if name is not None and name not in columns:
            columns[name] = index
    missing = [n for n in LEDGER_REQUIRED if n not in columns]
    if missing:
        raise _lost_header(missing)

    records = []
    for number, cells in enumerate(rows[1:], 2):

        def cell(name: str, cells: Sequence[str] = cells) -> str:
            index = columns.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        group = cell("Group")
        if not cell("Session") or not group.isdigit():
            continue  # a blank row, or a note staff typed
        records.append(
            Record(
                number,
                cell("Session"),
                int(group),
                cell("Channel").casefold(),
                cell("Kind").casefold(),
                cell("Members"),
                cell("Lead"),
                cell("Sent at"),
                cell("Status"),
                cell("Not reached"),
                cell("Reference"),
            )
        )
    return Ledger(tuple(records), tuple(rows[0]))


def plan_messages(
    session: str,
    groups: Mapping[int, Sequence[Member]],
    ledger: Ledger,
    channels: Sequence[Channel],
    *,
    resend: bool = False,
) -> tuple[Outgoing, ...]:
    """What to send for `session` (its label) on each of `channels`, given what `ledger` says
    was sent: a first message to each group never told on that channel, a follow-up to each
    group whose members or lead changed since it was last told, and nothing to the others.
    With `resend`, every group gets a first message again. Empty groups get nothing.
    """
    where_now = {m.key: number for number, members in groups.items() for m in members}
    names = {m.key: m.name for members in groups.values() for m in members}
    todo: list[Outgoing] = []
    for channel in channels:
        for number, found in sorted(groups.items()):
            members = tuple(sorted(found, key=lambda m: not m.lead))
            if not members:
                continue
            last = ledger.last(session, number, channel, sent=True)
            if last is None or resend:
                previous = last.reference if last is not None else ""  # its reminder is replaced
                todo.append(Outgoing(session, number, channel, FIRST, members, previous=previous))
                continue
            if last.members == members_cell(members) and last.lead == _lead_key(members):
                continue
            told = set(last.members.split(SEPARATOR)) if last.members else set()
            joined = tuple(m for m in members if m.key not in told)
            left = tuple(
                Moved(names.get(key, key), where_now.get(key))
                for key in sorted(told - {m.key for m in members})
            )
            lead = _lead_key(members)
            new_lead = next((m.name for m in members if m.lead), "") if lead != last.lead else ""
            update = Update(joined, left, new_lead)
            todo.append(
                Outgoing(session, number, channel, FOLLOW_UP, members, update, last.reference)
            )
    return tuple(todo)


def members_cell(members: Iterable[Member]) -> str:
    """The Members cell recording who was told: their keys, sorted."""
    return SEPARATOR.join(sorted(m.key for m in members))


def ledger_rows(
    deliveries: Iterable[Delivery], now: dt.datetime, ledger: Ledger | None = None
) -> tuple[tuple[str, ...], ...]:
    """The ledger rows recording `deliveries` at `now`, in LEDGER_HEADER order.

    A failure already recorded as the latest row for that group and channel, with the same
    reason and members, is not recorded again: an hourly cron retrying a refused token adds
    one row, not one an hour.
    """
    rows = []
    for done in deliveries:
        out = done.outgoing
        members = members_cell(out.members)
        status = SENT if done.sent else FAILED
        note = "; ".join(done.missing) if done.sent else done.reason
        if not done.sent and ledger is not None:
            last = ledger.last(out.session, out.group, out.channel)
            if (
                last is not None
                and not last.sent
                and (last.members, last.not_reached)
                == (
                    members,
                    note,
                )
            ):
                continue
        rows.append(
            (
                out.session,
                str(out.group),
                out.channel,
                out.kind,
                members,
                _lead_key(out.members),
                now.isoformat(timespec="seconds"),
                status,
                note,
                done.reference,
            )
        )
    return tuple(rows)


def ledger_tab(current: Rows | None, rows: Sequence[Sequence[str]]) -> Tab:
    """The whole `Messages` tab after appending `rows` (in LEDGER_HEADER order) below what
    `current` (the tab as just read; None when there is none) holds, in its column order.

    Every row and column already there is kept as it is. Build it inside the pipeline's
    read-decide-write step, from the snapshot being written over, so a conflicting write by
    another run is read again and merged rather than lost.
    """
    ledger = read_ledger(current)
    header = tuple(ledger.header) if current else LEDGER_HEADER
    order = {layout.header_key(text): index for index, text in enumerate(header)}
    extra = [name for name in LEDGER_HEADER if layout.header_key(name) not in order]
    header = header + tuple(extra)  # a column staff deleted comes back at the right
    order.update(
        {layout.header_key(name): len(header) - len(extra) + i for i, name in enumerate(extra)}
    )
    width = len(header)
    appended = []
    for row in rows:
        cells = [""] * width
        for name, value in zip(LEDGER_HEADER, row, strict=True):
            cells[order[layout.header_key(name)]] = value
        appended.append(tuple(cells))
    kept = [tuple(r) + ("",) * (width - len(r)) for r in (current or ())[1:]]
    return Tab(
        title=LEDGER_TITLE,
        rows=(header, *kept, *appended),
        widths=tuple(_WIDTHS.get(layout.header_key(h), 14) for h in header),
        frozen_rows=1,
        bold_rows=frozenset({0}),
    )


def summary(deliveries: Iterable[Delivery]) -> tuple[str, ...]:
    """One line per group that failed or left someone out, for the log and the staff notice."""
    lines = []
    for done in deliveries:
        out = done.outgoing
        where = f"{out.session}, group {out.group} ({out.channel})"
        if not done.sent:
            lines.append(f"{where}: not sent: {done.reason}")
        elif done.missing:
            lines.append(f"{where}: not reached: {'; '.join(done.missing)}")
    return tuple(lines)


def preview(todo: Iterable[Outgoing], details: Details) -> str:
    """What `plan` and `--dry-run` show instead of sending: each message, under a line saying
    to which group, on which channel, and who it goes to."""
    parts = []
    for out in todo:
        names = ", ".join(m.name for m in out.members)
        style: Literal["plain", "slack"] = "slack" if out.channel == "slack" else "plain"
        text = group_text(details, out.group, out.members, out.update, style)
        subject = f"Subject: {text.subject}\n" if out.channel == "email" else ""
        parts.append(
            f"--- {out.session}, group {out.group}, {out.channel} ({out.kind}) to {names}\n"
            f"{subject}{text.body}"
        )
    return "\n".join(parts)


_WIDTHS = {"session": 18, "members": 40, "notreached": 40, "sentat": 22, "reference": 24}


def _lead_key(members: Iterable[Member]) -> str:
    return next((m.key for m in members if m.lead), "")


def _lost_header(missing: Sequence[str]) -> DataError:
    return DataError(
        f'Staff spreadsheet, tab "{LEDGER_TITLE}", row 1: the column'
        f"{'s' if len(missing) > 1 else ''} {', '.join(missing)} cannot be found, so mixitup "
        "cannot tell which groups were already told. Put the header back (version history, or "
        f"type it: {', '.join(LEDGER_HEADER)}); no message was sent."
    )
