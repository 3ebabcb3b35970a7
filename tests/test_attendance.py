"""Who came to a session: report rows matched to the grouped students by email, else by name;
attended means at least [attendance] min_minutes in all joins; names staff give resolved the
same way; a report of another day refused; absent from the last two sessions named."""

from __future__ import annotations

import datetime as dt

import pytest

from mixitup.attendance import (
    Directory,
    Stranger,
    absent_lately,
    check_dates,
    import_reports,
    match_report,
    resolve,
)
from mixitup.errors import DataError
from mixitup.models import Entry, Student
from mixitup.zoom_report import Join, ZoomReport

LABEL = "2027-01-13 Week 2"
NOON = dt.datetime(2027, 1, 13, 12, 0)
ANA = Entry(2, LABEL, 1, "ana@school.example", "Ana Lima")
BEN = Entry(3, LABEL, 1, "ben@school.example", "Ben Ode")
CAT = Entry(4, LABEL, 2, "cat ng", "Cat Ng")  # no email on the roster: known by name
ENTRIES = (ANA, BEN, CAT)


def join(name: str, email: str = "", minutes: float = 30, original: str = "") -> Join:
    return Join(2, name, original, email, minutes, NOON)


def report(*joins: Join, where: str = "participants.csv") -> ZoomReport:
    return ZoomReport(where, joins)


def marks(entries: tuple[Entry, ...], *joins: Join, least: float = 10) -> dict[str, str]:
    """Student key -> Attended after importing one report of `joins`."""
    imported = import_reports(entries, [report(*joins)], Directory(entries, ()), least)
    return {e.key: e.attended for e in imported.entries}


def test_a_row_matches_by_email_whatever_its_case_else_by_either_name_it_shows():
    directory = Directory(ENTRIES, ())
    found = match_report(
        [
            join("iPhone", "ANA@School.Example", 12),  # a device name, but her email
            join("Ana Lima", "ana@school.example", 3),  # she came back: minutes add up
            join("Benny", original="Ben Ode", minutes=20),  # renamed, signed out
            join("  cat   NG ", minutes=40),  # case and spaces do not count
            join("Visiting Mentor", "mentor@else.example", 50),
            join("Visiting Mentor", "mentor@else.example", 5),
        ],
        directory,
    )
    assert found.minutes == {"ana@school.example": 15, "ben@school.example": 20, "cat ng": 40}
    assert found.strangers == (Stranger("Visiting Mentor", "mentor@else.example", 55),)


def test_a_roster_email_finds_a_student_the_history_keys_by_name():
    roster = [Student("cat ng", "Cat Ng", "BE", 2, "c", email="cat@school.example")]
    found = match_report([join("Cathy", "cat@school.example", 11)], Directory(ENTRIES, roster))
    assert found.minutes == {"cat ng": 11}


@pytest.mark.parametrize(
    ("joins", "least", "attended"),
    [
        ((10,), 10, "yes"),  # exactly the minimum is enough
        ((9.99,), 10, "no"),  # a hundredth short is not
        ((6, 4), 10, "yes"),  # joins add up
        ((15,), 15, "yes"),  # a configured minimum, met exactly
        ((14.99,), 15, "no"),
        ((10,), 15, "no"),  # the default's minutes fall short of a stricter school's
    ],
)
def test_attended_means_at_least_min_minutes_in_all_joins(joins, least, attended):
    rows = [join("Ana Lima", "ana@school.example", m) for m in joins]
    assert marks(ENTRIES, *rows, least=least) == {
        "ana@school.example": attended,
        "ben@school.example": "no",  # not in the report at all
        "cat ng": "no",
    }


def test_the_same_report_twice_counts_once_and_a_second_meeting_adds_its_minutes():
    first = report(join("Ana Lima", "ana@school.example", 6))
    directory = Directory(ENTRIES, ())
    once = import_reports(ENTRIES, [first, first], directory, 10)
    assert (once.fresh, once.entries[0].minutes, once.entries[0].attended) == (1, "6", "no")
    again = import_reports(once.entries, [first], directory, 10)
    assert again.fresh == 0
    assert again.entries == once.entries
    restarted = report(join("Ana Lima", "ana@school.example", 5), where="second.csv")
    both = import_reports(once.entries, [restarted], directory, 10)
    assert (both.entries[0].minutes, both.entries[0].attended) == ("11", "yes")
    assert len(both.entries[0].reports.split()) == 2


def test_a_mark_staff_set_by_hand_stays_when_a_later_report_adds_nothing_for_them():
    first = report(join("Ana Lima", "ana@school.example", 30))
    imported = import_reports(ENTRIES, [first], Directory(ENTRIES, ()), 10)
    by_hand = tuple(
        e if e.key != "ben@school.example" else Entry(**{**e.__dict__, "attended": "yes"})
        for e in imported.entries
    )
    second = report(join("Ana Lima", "ana@school.example", 5), where="second.csv")
    after = import_reports(by_hand, [second], Directory(ENTRIES, ()), 10)
    assert {e.key: e.attended for e in after.entries}["ben@school.example"] == "yes"


def test_two_students_sharing_a_name_are_told_apart_by_their_emails():
    ana2 = Entry(5, LABEL, 2, "ana.lima@school.example", "Ana Lima")
    entries = (*ENTRIES, ana2)
    got = marks(
        entries,
        join("Ana Lima", "ana.lima@school.example", 40),
        join("Ana Lima", "ana@school.example", 4),
    )
    assert got["ana.lima@school.example"] == "yes"
    assert got["ana@school.example"] == "no"


def test_a_shared_name_without_email_marks_neither_student_and_lists_the_row():
    ana2 = Entry(5, LABEL, 2, "ana.lima@school.example", "Ana Lima")
    entries = (*ENTRIES, ana2)
    imported = import_reports(
        entries, [report(join("Ana Lima", "", 40))], Directory(entries, ()), 10
    )
    assert imported.strangers == (Stranger("Ana Lima", "", 40),)
    got = {e.key: e.attended for e in imported.entries}
    assert (got["ana@school.example"], got["ana.lima@school.example"]) == ("", "")


def test_a_shared_name_without_email_gives_minutes_to_neither_and_lists_the_row():
    ana2 = Entry(5, LABEL, 2, "ana.lima@school.example", "Ana Lima")
    found = match_report([join("Ana Lima", "", 40)], Directory((*ENTRIES, ana2), ()))
    assert found.minutes == {}
    assert found.strangers == (Stranger("Ana Lima", "", 40),)


def test_names_staff_give_resolve_by_email_or_name_and_every_problem_is_listed_at_once():
    directory = Directory((*ENTRIES, Entry(5, LABEL, 2, "ana2@school.example", "Ana Lima")), ())
    assert resolve(["BEN@school.example", "cat ng", "Ben Ode"], directory, LABEL) == [
        "ben@school.example",
        "cat ng",
        "ben@school.example",
    ]
    with pytest.raises(DataError) as raised:
        resolve(["Nobody", "Ana Lima", "x@y.z", "Ben Ode"], directory, LABEL)
    message = str(raised.value)
    assert f"not grouped in {LABEL}: Nobody, x@y.z" in message
    assert "names shared by several students: Ana Lima (give their email)" in message
    assert "Nothing was written" in message


def test_a_report_with_no_join_on_the_sessions_date_is_refused_naming_its_dates():
    on_the_day = report(join("Ana Lima", minutes=5))
    check_dates([on_the_day], NOON.date())  # accepted
    last_week = ZoomReport("old.csv", (Join(2, "Ana", "", "", 5, NOON - dt.timedelta(days=7)),))
    with pytest.raises(DataError, match=r"old\.csv holds joins on 2027-01-06, none on 2027-01-13"):
        check_dates([on_the_day, last_week], NOON.date())
    undated = ZoomReport("undated.csv", (Join(2, "Ana", "", "", 5),))
    with pytest.raises(DataError, match="has no join time mixitup can read"):
        check_dates([undated], NOON.date())


def test_status_names_whoever_was_absent_from_both_of_their_last_two_sessions():
    def entry(label: str, key: str, attended: str) -> Entry:
        return Entry(2, label, 1, key, key.title(), attended=attended)

    w2, w4, next_w2 = "2027-01-13 Week 2", "2027-01-27 Week 4", "2027-02-10 Week 2"
    entries = [
        entry(w2, "ana", "no"),
        entry(w4, "ana", "no"),  # absent twice running
        entry(w2, "ben", "no"),
        entry(w4, "ben", ""),  # blank counts as attended
        entry(w4, "cat", "no"),  # one session only
        entry(w2, "dan", "no"),
        entry(w4, "dan", "yes"),
        entry(next_w2, "dan", "no"),  # not held yet by the day asked about
    ]
    assert absent_lately(entries, dt.date(2027, 1, 28)) == [("ana", "Ana")]
    assert absent_lately(entries, dt.date(2027, 1, 20)) == []
