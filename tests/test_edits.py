"""Staff edits to a published groups tab read back into the record, or refused naming the row."""

from __future__ import annotations

import datetime as dt

import pytest

from mixitup import layout
from mixitup.edits import read_groups_tab
from mixitup.models import Entry, Session, Student
from mixitup.render import groups_tab

SESSION = Session(dt.date(2027, 1, 13), 2)
LABEL = layout.label(SESSION)


def student(key: str, module: int = 1, program: str = "BE") -> Student:
    return Student(key, key.title(), program, module, f"{program}{module}")


GROUPS = (
    (student("a", 3), student("b", 1, "FE")),
    (student("c", 3), student("d", 1, "FE")),
)
LEADS = frozenset({"a", "c"})
ENTRIES = tuple(
    Entry(
        row,
        LABEL,
        n,
        s.key,
        s.name,
        s.program,
        str(s.module),
        role="Lead" if s.key in LEADS else "",
    )
    for row, (n, s) in enumerate(((n, s) for n, g in enumerate(GROUPS, 1) for s in g), 2)
)


def rows(groups=GROUPS, leads=LEADS) -> tuple[tuple[str, ...], ...]:
    """The groups tab as a read returns it: every cell as text."""
    return tuple(tuple(str(c) for c in row) for row in groups_tab(SESSION, groups, leads).rows)


def edit(table, name: str, column: int, value: str):
    return tuple(
        tuple(value if i == column and r[1] == name else c for i, c in enumerate(r)) for r in table
    )


def test_an_unedited_tab_gives_back_the_recorded_entries():
    found = read_groups_tab(SESSION, rows(), ENTRIES)
    assert found.problem == ""
    assert sorted(found.entries, key=lambda e: e.row) == list(ENTRIES)


def test_a_move_and_a_lead_change_keep_the_key_and_history_row():
    table = edit(edit(rows(), "B", 0, "2"), "C", 4, "")
    table = edit(table, "D", 4, "lead")  # staff type it in any case
    found = {e.key: e for e in read_groups_tab(SESSION, table, ENTRIES).entries}
    assert (found["b"].group, found["b"].row) == (2, 3)
    assert (found["c"].role, found["d"].role) == ("", "Lead")


def test_a_student_typed_in_is_a_new_entry_keyed_by_name():
    table = (*rows(), ("2", "Walk  In", "BE", "Mod 2"))
    found = read_groups_tab(SESSION, table, ENTRIES)
    new = [e for e in found.entries if not e.recorded]
    assert [(e.key, e.group, e.module, e.session) for e in new] == [("walk in", 2, "2", LABEL)]


def test_namesakes_as_published_are_kept_and_a_changed_one_is_refused():
    twins = (
        (Student("x1", "Sam Lee", "BE", 1, "c"), student("a", 3)),
        (Student("x2", "Sam Lee", "FE", 1, "c"), student("c", 3)),
    )
    entries = tuple(
        Entry(row, LABEL, n, s.key, s.name, s.program, str(s.module))
        for row, (n, s) in enumerate(((n, s) for n, g in enumerate(twins, 1) for s in g), 2)
    )
    table = rows(twins, frozenset())
    assert read_groups_tab(SESSION, table, entries).problem == ""
    moved = tuple(r if r[1] != "Sam Lee" or r[2] != "FE" else ("1", *r[1:]) for r in table)
    problem = read_groups_tab(SESSION, moved, entries).problem
    assert "2 students are named Sam Lee" in problem


@pytest.mark.parametrize(
    ("change", "row", "says"),
    [
        (lambda t: (*t[:2], (*t[2], "", "note"), *t[3:]), 3, "right of the last column"),
        (lambda t: edit(t, "A", 3, "Mod three"), 2, "Module must read like Mod 3"),
        (lambda t: edit(t, "A", 0, "first"), 2, "Group must be a group number"),
        (lambda t: edit(t, "A", 4, "co-lead"), 2, "Role must be Lead or blank"),
        (lambda t: edit(t, "B", 2, "BE"), 3, "the Program was 'FE'"),
        (lambda t: edit(t, "B", 3, "Mod 2"), 3, "the Module was Mod 1"),
        (lambda t: (*t, t[1]), 6, "A is typed twice"),
        (lambda t: (("Room", "Name", "Program", "Module"), *t[1:]), 1, "is not the header"),
    ],
)
def test_an_edit_mixitup_cannot_keep_names_the_row(change, row, says):
    problem = read_groups_tab(SESSION, change(rows()), ENTRIES).problem
    assert problem.startswith(f'Groups tab "{layout.groups_title(SESSION)}", row {row} (')
    assert says in problem


def test_a_removed_row_is_refused_naming_the_student():
    table = tuple(r for r in rows() if r[1] != "D")
    problem = read_groups_tab(SESSION, table, ENTRIES).problem
    assert "D (group 2) is no longer in it" in problem


def test_a_tab_published_before_the_role_column_keeps_the_recorded_leads():
    legacy = tuple(r[:4] for r in rows())
    found = read_groups_tab(SESSION, legacy, ENTRIES)
    assert found.problem == ""
    assert {e.key for e in found.entries if e.role == "Lead"} == LEADS
