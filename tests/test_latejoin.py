"""Late joiners placed by the rules without moving anyone; published tabs read back exactly."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mixitup import layout
from mixitup.errors import InfeasibleGroupingError
from mixitup.latejoin import newcomers, place, read_groups
from mixitup.models import Entry, Session, Student
from mixitup.optimizer import Rules
from mixitup.render import groups_tab

SESSION = Session(dt.date(2027, 1, 13), 2)


def student(key: str, module: int = 1, program: str = "BE", cohort: str = "") -> Student:
    return Student(key, key.title(), program, module, cohort or f"{program}{module}")


GROUPS = (
    (student("a", 3), student("b", 1, "FE"), student("x", 2)),
    (student("c", 3), student("d", 1, "FE")),
    (student("e", 1), student("f", 2)),  # no Mod 3 or 4: no lead in week 2
)


@pytest.mark.parametrize(
    ("joiner", "met", "keep_apart", "expected"),
    [
        # A smallest group (2 or 3), and of those the one with fewer of the same module/program.
        (student("j", 2, cohort="new"), {}, frozenset(), 2),
        # Someone already met outweighs the module and program spread.
        (student("j", 2, cohort="new"), {frozenset(("j", "c")): 1}, frozenset(), 3),
        # A cohort-mate counts like a repeat.
        (student("j", 2, cohort="BE3"), {}, frozenset(), 3),
        # Keep-apart partners in both small groups outweigh size: the bigger group 1 it is.
        (student("j", 2), {}, frozenset({frozenset(("j", "c")), frozenset(("j", "e"))}), 1),
        # A Mod 4 joiner leads the group that has no upper-module student yet.
        (student("j", 4, "FE"), {}, frozenset(), 3),
    ],
)
def test_place_picks_the_group_that_suits_the_rules_best(joiner, met, keep_apart, expected):
    new, placements = place([joiner], GROUPS, met, Rules(size=3, week=2, keep_apart=keep_apart))
    assert [p.group for p in placements] == [expected]
    assert [p.uneven for p in placements] == [expected == 1]
    for number, (old, now) in enumerate(zip(GROUPS, new, strict=True), 1):
        assert now == (*old, joiner) if number == expected else now == old  # nobody moved


def test_place_refuses_when_every_group_holds_a_keep_apart_partner():
    groups = ((student("a"), student("b")), (student("c"), student("d")))
    keep = frozenset({frozenset(("j", "a")), frozenset(("j", "c"))})
    with pytest.raises(InfeasibleGroupingError, match="late joiner J: every group"):
        place([student("j")], groups, {}, Rules(keep_apart=keep))


def as_text(groups):
    """The groups tab as the backend reads it back: every cell as text."""
    return tuple(tuple(str(c) for c in row) for row in groups_tab(SESSION, groups).rows)


def test_read_groups_gives_back_the_published_groups_with_history_keys():
    published = GROUPS
    rows = as_text(published)
    entries = [
        Entry(i + 2, layout.label(SESSION), n, s.key, s.name)
        for i, (n, s) in enumerate((n, s) for n, g in enumerate(published, 1) for s in g)
    ]
    found = read_groups(SESSION, rows, entries, [s for g in published for s in g])
    assert found.problem == ""
    assert [[s.key for s in g] for g in found.groups] == [
        sorted((s.key for s in g), key=lambda k: k.title()) for g in published
    ]
    assert found.added_by_hand == frozenset()
    typed = (*rows, ("2", "Walk In", "BE", "Mod 2"))
    assert read_groups(SESSION, typed, entries, []).added_by_hand == {"walk in"}


@pytest.mark.parametrize(
    ("edit", "row"),
    [
        (lambda rows: (*rows[:2], (*rows[2], "note"), *rows[3:]), 3),  # an extra column
        (lambda rows: (*rows[:1], ("1", "A", "BE", "Mod three"), *rows[2:]), 2),  # a typed module
        (lambda rows: (("Room", "Name", "Program", "Module"), *rows[1:]), 1),  # a new header
    ],
)
def test_read_groups_names_the_row_it_could_not_write_back(edit, row):
    found = read_groups(SESSION, edit(as_text(GROUPS)), [], [])
    assert found.problem.startswith(f'Groups tab "{layout.groups_title(SESSION)}", row {row} (')


def test_newcomers_are_neither_in_history_nor_typed_in_by_hand():
    roster = [
        student("a@x.edu"),  # recorded by email
        Student("b@x.edu", "B", "BE", 1, "c"),  # recorded by name, before the email was known
        Student("c@x.edu", "C", "BE", 1, "c"),  # typed into the tab by staff
        Student("d2@x.edu", "D", "BE", 1, "c"),  # shares a name with recorded d@x.edu
        student("e@x.edu"),
    ]
    found = newcomers(roster, {"a@x.edu", "b", "d@x.edu"}, {"c"})
    assert [s.key for s in found] == ["d2@x.edu", "e@x.edu"]


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(2, 7),
    count=st.integers(1, 12),
    bigger=st.integers(0, 11),
    joiners=st.integers(1, 15),
    seed=st.integers(0, 10**6),
)
def test_place_never_moves_anyone_and_keeps_sizes_within_one(size, count, bigger, joiners, seed):
    rng = random.Random(seed)
    groups = tuple(
        tuple(
            student(f"g{g}m{m}", rng.randint(1, 4), rng.choice(["BE", "FE"]))
            for m in range(size + (g < bigger))
        )
        for g in range(count)
    )
    late = [
        student(f"late{i}", rng.randint(1, 4), rng.choice(["BE", "FE"])) for i in range(joiners)
    ]
    new, placements = place(late, groups, {}, Rules(week=rng.choice([2, 4])))
    assert all(now[: len(old)] == old for old, now in zip(groups, new, strict=True))
    assert sorted(s.key for g in new for s in g if s.key.startswith("late")) == sorted(
        s.key for s in late
    )
    assert [p.student for p in placements] == late
    assert all(j in new[p.group - 1] for p, j in zip(placements, late, strict=True))
    lengths = [len(g) for g in new]
    assert max(lengths) - min(lengths) <= 1


def test_read_groups_reads_the_lead_and_a_tab_published_before_the_role_column():
    leads = frozenset({"a", "c"})
    rows = tuple(tuple(str(c) for c in row) for row in groups_tab(SESSION, GROUPS, leads).rows)
    assert rows[0] == ("Group", "Name", "Program", "Module", "Role")
    found = read_groups(SESSION, rows, [], [s for g in GROUPS for s in g])
    assert (found.problem, found.leads) == ("", leads)
    # The same tab as published before Role existed: four columns, no leads, still kept.
    legacy = tuple(row[:4] for row in as_text(GROUPS))
    old = read_groups(SESSION, legacy, [], [s for g in GROUPS for s in g])
    assert (old.problem, old.leads) == ("", frozenset())
    assert [[s.key for s in g] for g in old.groups] == [[s.key for s in g] for g in found.groups]
