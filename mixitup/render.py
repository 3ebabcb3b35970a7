"""Session + groups + prompts -> the tabs students read: cells and light formatting. Pure."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from mixitup import layout
from mixitup.layout import GROUPS_HEADER, groups_row
from mixitup.models import Cell, Session, Student, Tab
from mixitup.prompts import Prompts

HEADER_FILL = "#D9E2F3"
# Soft colours that stay readable on a phone; a group keeps its colour across the tab.
BANDS = ("#FFFFFF", "#EEF3FB", "#FDF3E7", "#EDF7EE", "#F6EEF8", "#FFF9E0")
MAX_WIDTH = 60


def groups_tab(
    session: Session, groups: Sequence[Sequence[Student]], leads: Collection[str] = frozenset()
) -> Tab:
    """One row per student, sorted by name, with the group number (= breakout room) first;
    Role says `Lead` for the students whose keys are in `leads`."""
    placed = sorted(
        ((number, s) for number, group in enumerate(groups, 1) for s in group),
        key=lambda item: (item[1].name.casefold(), item[1].name, item[0]),
    )
    rows: list[tuple[Cell, ...]] = [GROUPS_HEADER]
    rows += [
        groups_row(number, s.name, s.program, s.module, s.key in leads) for number, s in placed
    ]
    fills = {0: HEADER_FILL}
    fills.update({i: BANDS[(number - 1) % len(BANDS)] for i, (number, _) in enumerate(placed, 1)})
    return Tab(
        title=layout.groups_title(session),
        rows=tuple(rows),
        widths=_widths(rows),
        frozen_rows=1,
        bold_rows=frozenset({0}),
        fills=fills,
    )


def prompts_tab(session: Session, prompts: Prompts) -> Tab:
    """The week's title, how to meet, norms, prompts and agenda, one paragraph per row."""
    rows: list[tuple[Cell, ...]] = [(f"{prompts.title}, {session.date:%A %B} {session.date.day}",)]
    bold = {0}
    for heading, lines in (
        ("How to meet", prompts.how_to_meet),
        ("Norms", prompts.norms),
        ("If you lead your group (Role: Lead on the Groups tab)", prompts.leads),
        ("Prompts", prompts.prompts),
        ("Agenda (one hour)", prompts.agenda),
    ):
        rows.append(("",))
        bold.add(len(rows))
        rows.append((heading,))
        rows += [(line,) for line in lines]
    return Tab(
        title=layout.prompts_title(session),
        rows=tuple(rows),
        widths=(72,),
        bold_rows=frozenset(bold),
        fills={0: HEADER_FILL},
        wrap=True,
    )


def _widths(rows: Sequence[Sequence[Cell]]) -> tuple[int, ...]:
    """Each column as wide as its longest text, with a little air, within reason."""
    columns = max(len(r) for r in rows)
    return tuple(
        min(MAX_WIDTH, max(len(str(r[c])) for r in rows if c < len(r)) + 2) for c in range(columns)
    )
