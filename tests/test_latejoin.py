"""Late joiners placed by the rules without moving anyone, counting only who is present."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mixitup.errors import InfeasibleGroupingError
from mixitup.latejoin import newcomers, place
from mixitup.models import Entry, Session, Student
from mixitup.optimizer import Rules

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


def test_sizes_count_only_who_is_present_and_an_emptied_room_is_never_chosen():
    """After a rebalance: group 3's only member is absent (room emptied), group 1 lost two."""
    groups = (
        (student("a", 3), student("b"), student("c")),
        (student("d", 3), student("e")),
        (student("f", 3),),
    )
    joiner = student("j", 2, cohort="new")
    _, placed = place([joiner], groups, {}, Rules(size=3, week=2), absent={"b", "c", "f"})
    assert [p.group for p in placed] == [1]  # one present in room 1, two in room 2, none in 3
    with pytest.raises(InfeasibleGroupingError, match="no group of the session has anyone"):
        place([joiner], groups, {}, Rules(), absent={"a", "b", "c", "d", "e", "f"})


def test_newcomers_are_the_active_students_whose_key_the_session_lacks():
    roster = [
        student("a@x.edu"),  # recorded by email
        Student("d2@x.edu", "D", "BE", 1, "c"),  # shares a name with recorded d@x.edu
        student("e@x.edu"),
    ]
    entries = [Entry(2, "s", 1, "a@x.edu", "A"), Entry(3, "s", 1, "d@x.edu", "D")]
    assert [s.key for s in newcomers(roster, entries)] == ["d2@x.edu", "e@x.edu"]


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
