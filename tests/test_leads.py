"""One lead per group, an upper-module student; whoever has led least leads next."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from mixitup import layout
from mixitup.backends.memory import MemoryBackend
from mixitup.config import Config
from mixitup.history import read_history
from mixitup.leads import Led, candidates, choose_leads, due_to_lead
from mixitup.models import Entry, Session, Student
from mixitup.optimizer import Leading, lead_modules
from mixitup.pipeline import publish
from tests.helpers import HEADER, make_roster


def student(key: str, module: int) -> Student:
    return Student(key, key.upper(), "BE", module, f"c{key}")


def test_the_lead_is_an_upper_module_student_who_has_led_least():
    groups = [
        [student("a", 4), student("b", 4), student("c", 1)],
        [student("d", 3), student("e", 2)],  # week 4, no Mod 4: a Mod 3 leads
        [student("f", 1), student("g", 2)],  # nobody can lead
    ]
    led = Led.count([Entry(2, "2026-11-11 Week 4", 1, "a", "A", module="4", role="Lead")])
    assert choose_leads(groups, 4, led) == {"b", "d"}
    # Led as Mod 3 counts less than led in the current module: still a's turn after b's.
    older = Led.count(
        [
            Entry(2, "2026-10-14 Week 2", 1, "a", "A", module="3", role="Lead"),
            Entry(3, "2026-10-14 Week 2", 2, "b", "B", module="3", role="Lead"),
            Entry(4, "2026-10-14 Week 2", 2, "b", "B", module="3", role="Lead"),
        ]
    )
    assert "a" in choose_leads(groups, 4, older)
    # Week 2: Mod 3 and Mod 4 alike, Mod 3 first on a tie; an absent lead is replaced.
    week2 = [[student("h", 4), student("i", 3)], [student("j", 4), student("k", 3)]]
    assert choose_leads(week2, 2, Led()) == {"i", "k"}
    assert choose_leads(week2, 2, Led(), keep={"h"}, absent={"k"}) == {"h", "j"}


@pytest.mark.parametrize(
    ("modules", "groups"),
    [
        ((1, 2, 3, 4), 11),  # 64 students: 16 Mod 3, 16 Mod 4
        ((1, 2, 4), 11),  # no Mod 3: Mod 4 students lead both weeks
        ((1, 2, 3), 11),  # no Mod 4: Mod 3 students lead both weeks (week 4's fallback)
    ],
)
def test_over_a_module_leading_rotates_through_the_upper_module_students(modules, groups):
    """Week 2 then week 4 of one module: Mod 4 students' times led differ by at most one, and
    no Mod 3 student leads twice while another has not led."""
    roster = [HEADER, *make_roster(64, modules=modules)]
    backend = MemoryBackend({"Roster": roster})
    config = Config()
    sessions = [Session(dt.date(2027, 1, 13), 2), Session(dt.date(2027, 1, 27), 4)]
    now = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    for session in sessions:
        publish(config, backend, session, now=now)
    history = read_history(backend.snapshot)
    for session in sessions:
        entries = [e for e in history.entries if e.session == layout.label(session)]
        leads = Counter(e.group for e in entries if e.role == "Lead")
        assert set(leads) == {e.group for e in entries}
        assert set(leads.values()) == {1}
    times: Counter[str] = Counter()
    module = {}
    for e in history.entries:
        module[e.key] = e.module
        times[e.key] += e.role == "Lead"
    fours = [times[k] for k, m in module.items() if m == "4"]
    threes = [times[k] for k, m in module.items() if m == "3"]
    if fours:
        assert max(fours) - min(fours) <= 1
    if threes:
        assert not (max(threes) >= 2 and min(threes) == 0)
    assert sum(fours) + sum(threes) == 2 * groups


@pytest.mark.parametrize(
    ("rule", "modules"),
    [
        (Leading(4), (4, 3)),  # the default school: week 4 wants Mod 4
        (Leading(2), (3, 4)),  # week 2: Mod 3 or Mod 4, Mod 3 first
        (Leading(6, top=5, last_week=6), (5, 4)),  # five modules, weeks 3 and 6
        (Leading(3, top=5, last_week=6), (4, 5)),
        (Leading(4, top=5, last_week=6), (4, 5)),  # week 4 is no longer the top module's
    ],
)
def test_the_top_module_and_the_one_below_lead_the_top_first_in_the_last_week(rule, modules):
    assert lead_modules(rule) == modules


def test_in_a_five_module_school_mod_5_leads_the_last_week_and_mod_4_stands_in():
    rule = Leading(6, top=5, last_week=6)
    group = [student("a", 4), student("b", 5), student("c", 3)]
    assert candidates(group, rule) == [group[1]]
    assert candidates(group[::2], rule) == [group[0]]  # no Mod 5: the Mod 4 leads
    assert candidates([student("d", 3)], rule) == []  # Mod 3 is no upper module there
    assert choose_leads([group, group[::2]], rule, Led()) == {"b", "a"}
    everyone = [student(k, m) for k, m in zip("pqrst", (5, 5, 4, 3, 2), strict=True)]
    assert due_to_lead(everyone, rule, 2, Led()) == {"p", "q"}
    assert due_to_lead(everyone, rule, 3, Led()) == {"p", "q", "r"}  # too few Mod 5s
    assert due_to_lead(everyone, Leading(3, top=5, last_week=6), 2, Led()) == {"p", "q", "r"}


def test_in_week_4_a_mod_4_leads_wherever_one_is_present_however_often_they_led():
    many = Led.count(
        [
            Entry(n, f"2026-11-{n:02d} Week 4", 1, "four", "FOUR", module="4", role="Lead")
            for n in (2, 3, 4)
        ]
    )
    group = [student("three", 3), student("four", 4), student("one", 1)]
    assert choose_leads([group], 4, many) == {"four"}  # the Mod 3 has never led: still not them
    assert choose_leads([group], 4, many, absent={"four"}) == {"three"}  # the fallback
    assert choose_leads([group], 2, many) == {"three"}  # week 2: whoever of Mod 3-4 led least


def test_times_led_in_the_current_module_count_before_times_led_in_all():
    led = Led.count(
        [
            # `early` led three times back in Mod 3, never yet in Mod 4; `late` once, in Mod 4.
            *(
                Entry(n, f"2026-10-{n:02d} Week 2", 1, "early", "EARLY", module="3", role="Lead")
                for n in (2, 3, 4)
            ),
            Entry(5, "2026-12-02 Week 2", 1, "late", "LATE", module="4", role="lead"),
        ]
    )
    assert (led.in_module[("early", "4")], led.total["early"]) == (0, 3)
    group = [student("late", 4), student("early", 4)]
    assert choose_leads([group], 4, led) == {"early"}
    assert due_to_lead(group, 4, 1, led) == {"early"}


def test_a_week_4_publish_gives_every_group_holding_a_mod_4_a_mod_4_lead():
    """Fewer Mod 4 students than groups: the groups without one are led by Mod 3 students."""
    rows = make_roster(40, modules=(1, 2, 3))
    rows += [(f"Four {i}", f"four{i}@example.edu", "BE", "Mod 4", "2404-BE", "") for i in range(4)]
    backend = MemoryBackend({"Roster": [HEADER, *rows]})
    session = Session(dt.date(2027, 1, 27), 4)
    publish(Config(), backend, session, now=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    entries = read_history(backend.snapshot).session(layout.label(session))
    groups = {e.group for e in entries}
    assert len(groups) == 7
    for group in groups:
        members = [e for e in entries if e.group == group]
        (lead,) = [e for e in members if e.role == "Lead"]
        has_four = any(e.module == "4" for e in members)
        assert lead.module == ("4" if has_four else "3"), (group, lead)
    assert sum(e.module == "4" and e.role == "Lead" for e in entries) == 4
