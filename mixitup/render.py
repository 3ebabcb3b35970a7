"""Session + groups + prompts -> the tabs students read: cells and light formatting. Pure.

Both tabs are drawn for a phone first: at 360 px a student sees their whole group without
scrolling sideways.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from mixitup import layout
from mixitup.layout import GROUPS_HEADER, groups_row
from mixitup.models import Cell, Session, Student, Tab
from mixitup.prompts import Meeting, Prompts

HEADER_FILL = "#D9E2F3"
# Two fills, alternating by group, so the rows of one group read as one block and the next
# group plainly starts; a thin rule above each group's first row says the same in grey-scale.
BANDS = ("#FFFFFF", "#E2EFDA")
# Column widths in characters (Google Sheets draws about 7 px a character plus padding): the
# header's words fit, and the five columns stay within a phone's 360 px beside the row
# numbers. A longer name or program wraps onto a second line instead of widening the tab.
GROUPS_WIDTHS = (6, 12, 8, 7, 5)  # Group, Name, Program, Module, Role
MIN_NAME_WIDTH = 8
PROMPTS_WIDTH = 42  # characters: one column that fits a phone, every paragraph wrapped


def groups_tab(
    session: Session, groups: Sequence[Sequence[Student]], leads: Collection[str] = frozenset()
) -> Tab:
    """One row per student, group after group (group 1 first), the group's lead first and
    then its members by name, the group number (= breakout room) on every row; Role says
    `Lead` for the students whose keys are in `leads`.

    Groups alternate between two fills with a rule above each group's first row, the lead's
    row is bold, and students may filter the tab (on Name, to find themselves).
    """
    placed = [
        (number, s)
        for number, group in enumerate(groups, 1)
        for s in sorted(group, key=lambda s: (s.key not in leads, s.name.casefold(), s.name))
    ]
    rows: list[tuple[Cell, ...]] = [GROUPS_HEADER]
    rows += [
        groups_row(number, s.name, s.program, s.module, s.key in leads) for number, s in placed
    ]
    firsts = {i for i, (number, _) in enumerate(placed, 1) if i == 1 or placed[i - 2][0] != number}
    # By the groups shown, not their numbers: groups either side of one left empty still differ.
    fills = {0: HEADER_FILL}
    shown = 0
    for i in range(1, len(rows)):
        shown += i in firsts
        fills[i] = BANDS[(shown - 1) % len(BANDS)]
    bold = {0} | {i for i, (_, s) in enumerate(placed, 1) if s.key in leads}
    return Tab(
        title=layout.groups_title(session),
        rows=tuple(rows),
        widths=_groups_widths(placed),
        frozen_rows=1,
        bold_rows=frozenset(bold),
        fills=fills,
        wrap=True,
        rules=frozenset(firsts),
        autofilter=True,
    )


def _groups_widths(placed: Sequence[tuple[int, Student]]) -> tuple[int, ...]:
    """GROUPS_WIDTHS, the Name column narrower when every name is short."""
    longest = max((len(s.name) for _, s in placed), default=0) + 1
    name = min(GROUPS_WIDTHS[1], max(MIN_NAME_WIDTH, longest))
    return (GROUPS_WIDTHS[0], name, *GROUPS_WIDTHS[2:])


def when_lines(session: Session, meeting: Meeting | None) -> tuple[str, ...]:
    """The session's date, its start where the school is, and the link to join:
    `Wednesday 13 January 2027`, `Starts 12:00 MST (America/Denver)`, `Join: https://...`.
    Without a `meeting`, the date alone."""
    day = session.date
    lines = [f"{day:%A} {day.day} {day:%B %Y}"]
    if meeting is not None:
        start = meeting.start
        abbreviation = start.tzname() or ""
        zone = f" ({meeting.zone})" if meeting.zone and meeting.zone != abbreviation else ""
        lines.append(f"Starts {start:%H:%M} {abbreviation}{zone}".rstrip())
        if meeting.url:
            lines.append(f"Join: {meeting.url}")
    return tuple(lines)


def duration(minutes: int) -> str:
    """A session's length in words: 60 -> "one hour", 120 -> "two hours", 90 -> "90 minutes"."""
    hours, rest = divmod(minutes, 60)
    words = {1: "one hour", 2: "two hours", 3: "three hours"}
    if not rest and hours in words:
        return words[hours]
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def prompts_tab(session: Session, prompts: Prompts, meeting: Meeting | None = None) -> Tab:
    """The week's title, when it starts and how to join, how to meet, norms, the note for
    leads, prompts and agenda: one paragraph per row, in one column as wide as a phone."""
    rows: list[tuple[Cell, ...]] = [(prompts.title,)]
    rows += [(line,) for line in when_lines(session, meeting)]
    top = dict.fromkeys(range(len(rows)), HEADER_FILL)  # the title and when: one block
    bold = {0}
    for heading, lines in (
        ("How to meet", prompts.how_to_meet),
        ("Norms", prompts.norms),
        ("If you lead your group (Role: Lead on the Groups tab)", prompts.leads),
        ("Prompts", prompts.prompts),
        (f"Agenda ({duration(prompts.minutes)})", prompts.agenda),
    ):
        rows.append(("",))
        bold.add(len(rows))
        rows.append((heading,))
        rows += [(line,) for line in lines]
    return Tab(
        title=layout.prompts_title(session),
        rows=tuple(rows),
        widths=(PROMPTS_WIDTH,),
        bold_rows=frozenset(bold),
        fills=top,
        wrap=True,
    )
