"""The day-of rebalance moves the fewest present students, keeps rooms and leads, avoids pairs."""

from __future__ import annotations

import random

import pytest

from mixitup.leads import Led, candidates
from mixitup.models import Student
from mixitup.rebalance import rebalance


def student(n: int, module: int = 1, cohort: str = "") -> Student:
    return Student(f"s{n:03d}", f"Student {n:03d}", "BE", module, cohort or f"c{n}")


def rooms(*sizes: int, lead_every: int = 0) -> tuple[tuple[Student, ...], ...]:
    """Rooms of these sizes; the first member of each is Mod 4 (a lead), others Mod 1."""
    out, n = [], 0
    for size in sizes:
        room = []
        for i in range(size):
            room.append(student(n, 4 if i == 0 or (lead_every and i % lead_every == 0) else 1))
            n += 1
        out.append(tuple(room))
    return tuple(out)


def run(groups, absent, *, met=None, keep_apart=(), least=3, week=4):
    leads = {g[0].key for g in groups if g}
    return rebalance(
        groups,
        set(absent),
        leads,
        met=met or {},
        keep_apart=frozenset(keep_apart),
        week=week,
        min_present=least,
        led=Led(),
    )


@pytest.mark.parametrize(
    ("sizes", "absent", "moves"),
    [
        ((6, 6, 6), [], 0),  # nobody absent: nothing moves
        ((6, 6, 6), ["s001", "s002", "s003", "s004"], 1),  # room 1 keeps 2: one comes in
        ((6, 6, 6), ["s001", "s002", "s003", "s004", "s005"], 1),  # room 1 keeps 1: it leaves
        # rooms 1 and 2 keep 1 each: both leave (2), cheaper than filling both (4)
        ((6, 6, 6, 6), [f"s{i:03d}" for i in (1, 2, 3, 4, 5, 7, 8, 9, 10, 11)], 2),
        # rooms 1 and 2 keep 2 and 1: the 1 fills room 1, no one else moves
        ((6, 6, 6), [f"s{i:03d}" for i in (1, 2, 3, 4, 7, 8, 9, 10, 11)], 1),
    ],
)
def test_the_fewest_present_students_move(sizes, absent, moves):
    groups = rooms(*sizes)
    result = run(groups, absent)
    assert len(result.moves) == moves
    present = [[s for s in g if s.key not in absent] for g in result.groups]
    assert all(len(p) >= 3 or not p for p in present)
    assert not result.short


def test_nobody_else_moves_absentees_stay_and_rooms_keep_their_numbers():
    groups = rooms(6, 6, 6, 6, 6)
    absent = {"s001", "s002", "s003", "s004", "s013", "s014", "s015"}
    result = run(groups, absent)
    moved = {m.student.key for m in result.moves}
    assert not moved & absent
    assert len(result.groups) == 5
    for before, after in zip(groups, result.groups, strict=True):
        for s in before:
            assert s in after or s.key in moved
    for m in result.moves:
        assert m.student in groups[m.room - 1]
        assert m.student in result.groups[m.to - 1]


def test_a_keep_apart_partner_or_someone_already_met_is_not_brought_in_when_avoidable():
    groups = rooms(6, 6, 6)
    absent = {"s001", "s002", "s003", "s004"}  # room 1 keeps s000 (lead) and s005
    # Every Mod 1 student of room 2 is kept apart from s005; room 3's s013 met s000 before.
    keep = [frozenset(("s005", f"s{i:03d}")) for i in range(7, 12)]
    met = {frozenset(("s000", "s013")): 1}
    result = run(groups, absent, met=met, keep_apart=keep)
    (move,) = result.moves
    assert move.to == 1
    assert move.student.key in {"s014", "s015", "s016", "s017"}


def test_a_room_left_without_a_lead_names_a_present_one_or_gets_one():
    groups = rooms(6, 6, 6, lead_every=2)  # rooms have Mod 4 at places 0, 2, 4
    # Room 1 loses every Mod 4 but keeps three Mod 1 students: a Mod 4 comes from a room of two.
    absent = {"s000", "s002", "s004"}
    result = run(groups, absent)
    assert len(result.moves) == 1
    assert result.moves[0].to == 1
    assert result.moves[0].student.module == 4
    for g in result.groups:
        (lead,) = [s for s in g if s.key in result.leads]
        assert lead.key not in absent
    assert not result.unled


def test_too_few_people_in_all_still_gathers_everyone_present_in_one_room():
    groups = rooms(6, 6)
    absent = {f"s{i:03d}" for i in range(12)} - {"s000", "s006"}
    result = run(groups, absent)
    assert len(result.moves) == 1
    assert result.short  # two people cannot make three
    assert len({m.to for m in result.moves}) == 1


@pytest.mark.parametrize("seed", range(20))
def test_random_days_leave_every_open_room_full_enough_and_a_second_run_moves_nobody(seed):
    rng = random.Random(seed)
    sizes = [rng.choice((5, 6)) for _ in range(rng.randint(3, 20))]
    groups = rooms(*sizes, lead_every=3)
    everyone = [s.key for g in groups for s in g]
    absent = set(rng.sample(everyone, len(everyone) * rng.randint(5, 30) // 100))
    result = run(groups, absent)
    present = [[s for s in g if s.key not in absent] for g in result.groups]
    if sum(map(len, present)) >= 3:
        assert all(len(p) >= 3 or not p for p in present)
    # At most the moves the simplest fix takes: fill every short room from elsewhere, and
    # bring one lead to each room left with nobody present who can lead.
    before = [[s for s in g if s.key not in absent] for g in groups]
    short = sum(3 - len(p) for p in before if 0 < len(p) < 3)
    unled = sum(bool(p) and not candidates(p, 4) for p in before)
    assert len(result.moves) <= short + unled
    for g, p in zip(result.groups, present, strict=True):
        named = [s for s in g if s.key in result.leads]
        assert len(named) == (1 if candidates(p, 4) else 0)
    again = rebalance(
        result.groups,
        absent,
        result.leads,
        met={},
        keep_apart=frozenset(),
        week=4,
        min_present=3,
        led=Led(),
    )
    assert (again.moves, again.groups, again.leads) == ((), result.groups, result.leads)


def test_a_room_the_rebalance_empties_keeps_its_number_and_no_other_room_is_renumbered():
    groups = rooms(6, 6, 6, 6)
    absent = {f"s{i:03d}" for i in range(7, 12)}  # room 2 keeps only its lead, s006: it empties
    result = run(groups, absent)
    (move,) = result.moves
    assert (move.student.key, move.room) == ("s006", 2)
    assert len(result.groups) == 4  # room 2 is still there, holding its absentees
    assert {s.key for s in result.groups[1]} == absent
    for number in (1, 3, 4):  # every other room keeps its number and its people
        before = {s.key for s in groups[number - 1]}
        after = {s.key for s in result.groups[number - 1]}
        assert before <= after
        assert after - before == ({"s006"} if move.to == number else set())
    assert not result.leads & absent


def test_people_leaving_an_emptied_room_avoid_a_room_holding_a_keep_apart_partner():
    groups = rooms(6, 6, 6)
    absent = {f"s{i:03d}" for i in range(1, 6)}  # room 1 keeps only s000: it empties
    # Rooms 2 and 3 look alike; without the pair, s000 would go to room 2, the first of them.
    assert run(groups, absent).moves[0].to == 2
    result = run(groups, absent, keep_apart=[frozenset(("s000", "s009"))])
    (move,) = result.moves
    assert (move.student.key, move.to) == ("s000", 3)


def test_in_week_4_a_mod_4_moved_into_a_room_a_mod_3_leads_takes_the_lead():
    three = student(0, 3)
    room1 = (three, student(1), student(2), student(3))  # no Mod 4: its Mod 3 leads
    room2 = (student(4, 4), *(student(n) for n in range(5, 9)))
    room3 = (student(9, 4), *(student(n) for n in range(10, 14)))
    absent = {"s005", "s006", "s007", "s008"}  # room 2 keeps only its Mod 4: they move
    result = rebalance(
        (room1, room2, room3),
        absent,
        {"s000", "s004", "s009"},
        met={},
        keep_apart=frozenset(),
        week=4,
        min_present=3,
        led=Led(),
    )
    (move,) = result.moves
    assert (move.student.key, move.to) == ("s004", 1)
    assert result.leads == {"s004", "s009"}


def test_a_lead_staff_chose_stays_in_a_room_nobody_moved_into():
    """Staff made a Mod 2 lead room 1 (a change the record keeps); an absence in room 2 moves
    nobody into room 1, so its lead stays whoever the rule would pick."""
    chosen = student(1, 2)
    room1 = (student(0, 4), chosen, student(2), student(3))
    room2 = (student(4, 4), *(student(n) for n in range(5, 9)))
    result = rebalance(
        (room1, room2),
        {"s005"},
        {"s001", "s004"},
        met={},
        keep_apart=frozenset(),
        week=2,
        min_present=3,
        led=Led(),
    )
    assert result.moves == ()
    assert result.leads == {"s001", "s004"}
    assert result.unled == ()
