"""The module boundary, pure: the roster's cells a rollover sets, and whether the roster's
modules moved since the record's sessions."""

from __future__ import annotations

import datetime as dt

import pytest

from mixitup.config import Config
from mixitup.errors import ConfigError
from mixitup.history import History
from mixitup.models import Entry, Student
from mixitup.rollover import modules_since, plan_rollover, respelled
from mixitup.roster import read_roster


@pytest.mark.parametrize(
    ("text", "after"),
    [
        ("Mod 3", "Mod 4"),  # the school's way, kept
        ("M3", "M4"),
        ("mod3", "mod4"),
        ("Module 3", "Module 4"),
        ("3", 4),  # a plain number is written as a number
        ("3.0", 4),
    ],
)
def test_a_module_is_respelled_the_way_staff_wrote_it(text, after):
    assert respelled(text, 4) == after


def test_graduating_students_must_sit_out_by_the_configured_statuses():
    rows = (("Name", "Program", "Module"), ("Ada", "BE", "Mod 4"))
    config = Config(exclude_statuses=("withdrawn",))
    roster = read_roster({"Roster": rows}, ("Roster",), config)

    with pytest.raises(ConfigError, match='Add "graduated" to it'):
        plan_rollover(rows, roster, config)


def student(key: str, module: int) -> Student:
    return Student(key, key, "BE", module, "c")


def entry(session: str, key: str, module: str) -> Entry:
    return Entry(2, session, 1, key, key, module=module)


@pytest.mark.parametrize(
    ("now", "unchanged", "rolled_over"),
    [
        ((3, 2, 1), True, False),  # nobody moved: the roster was not rolled over
        ((4, 3, 2), False, True),  # everyone moved up since
        ((4, 2, 1), False, False),  # one moved: staff edited by hand; neither
    ],
)
def test_modules_are_compared_with_each_students_latest_recorded_session(
    now, unchanged, rolled_over
):
    history = History(
        (
            entry("2027-01-13 Week 2", "a", "2"),
            entry("2027-01-27 Week 4", "a", "3"),  # the latest counts
            entry("2027-01-27 Week 4", "b", "2"),
            entry("2027-01-27 Week 4", "c", "Mod 1"),
            entry("2027-02-10 Week 2", "c", "Mod 9"),  # on or after `before`: not compared
        )
    )
    students = [student(k, m) for k, m in zip("abc", now, strict=True)] + [student("new", 1)]
    since = modules_since(history, students, before=dt.date(2027, 2, 1))

    assert (since.compared, since.session) == (3, "2027-01-27 Week 4")
    assert (since.unchanged, since.rolled_over) == (unchanged, rolled_over)
