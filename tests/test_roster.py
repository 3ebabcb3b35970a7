"""Roster validation, case by case: what is accepted, and every problem with tab, row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from mixitup.config import Config
from mixitup.errors import RosterError
from mixitup.layout import parse_module
from mixitup.roster import read_roster

CONFIG = Config()


def roster(
    *rows: tuple[str, ...],
    header=("Name", "Email", "Program", "Module", "Cohort", "Status"),
    **tabs,
):
    all_tabs = {"Roster": (tuple(header), *rows), **tabs}
    return read_roster(all_tabs, tuple(all_tabs), CONFIG)


def problems(*rows: tuple[str, ...], **kwargs) -> list[str]:
    with pytest.raises(RosterError) as caught:
        roster(*rows, **kwargs)
    return list(caught.value.problems)


ANN = ("Ann Lee", "ann@x.edu", "BE", "4", "2408-BE", "")
BO = ("Bo Diaz", "bo@x.edu", "FE", "3", "2410-FE", "")


@pytest.mark.parametrize(
    ("text", "module"),
    [
        ("3", 3),  # a plain number
        ("Mod 3", 3),  # the school's way of writing it
        ("M3", 3),  # short form
        ("mod3", 3),  # no space, lower case
        (" Module 3 ", 3),  # long form with stray spaces
        ("3.0", 3),  # a number cell read back as text
        ("Mod", None),  # no number
        ("three", None),  # words are not parsed
    ],
)
def test_module_forms(text, module):
    assert parse_module(text) == module


@pytest.mark.parametrize(
    "header",
    [
        ("Name", "Email", "Program", "Module", "Cohort", "Status"),  # the documented headers
        ("full name", "E-mail", "Track", "Mod", "cohort", "STATUS"),  # synonyms, any case
        (" Full  Name ", "Email Address", "program", "Current Module", "Class", "Status "),
    ],
)
def test_header_synonyms_are_accepted(header):
    found = roster(ANN, BO, header=header)
    assert [s.name for s in found.students] == ["Ann Lee", "Bo Diaz"]
    assert found.students[0].module == 4


def test_blank_rows_whitespace_and_case_are_tidied():
    found = roster(
        ("  Ann   Lee ", " ANN@X.EDU ", " BE ", "mod 4", "", "active"),
        ("", "", "", "", "", ""),
        ("Bo Diaz", "bo@x.edu", "fe", "M3", "2410-FE", ""),
        ("Cy Ito", "cy@x.edu", "FE", "2", "", "Active"),
    )
    ann, bo, cy = found.students
    assert (ann.name, ann.key, ann.program, ann.cohort) == (
        "Ann Lee",
        "ann@x.edu",
        "BE",
        "BE Mod 4",
    )
    assert (bo.program, cy.program) == ("fe", "fe")  # one program, first spelling wins
    assert (ann.row, bo.row, cy.row) == (2, 4, 5)


@pytest.mark.parametrize(
    "status", ["Withdrawn", "on leave", "GRADUATED", "Opted out", " inactive "]
)
def test_excluded_statuses_sit_out(status):
    found = roster(ANN, (*BO[:5], status))
    assert [s.name for s in found.students] == ["Ann Lee"]


def test_without_email_column_students_are_keyed_by_name_with_a_warning():
    found = roster(("Ann  Lee", "BE", "4"), header=("Name", "Program", "Module"))
    assert found.students[0].key == "ann lee"
    assert "no Email column" in found.warnings[0]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # a blank name on an otherwise filled row
        ([("", "x@x.edu", "BE", "4", "", "")], "row 2, column A (name): the name is empty"),
        # a module outside 1-4
        ([(*ANN[:3], "Mod 7", "", "")], 'row 2, column D (module): "Mod 7" is not a module'),
        # an empty module
        ([(*ANN[:3], "", "", "")], "row 2, column D (module): the module is empty"),
        # an empty program
        ([(ANN[0], ANN[1], "", "4", "", "")], "row 2, column C (program): the program is empty"),
        # a status nobody configured
        ([(*ANN[:5], "Activ")], 'row 2, column F (status): unknown status "Activ"'),
        # the same email twice, case-insensitively: both rows named
        (
            [ANN, ("Ann Other", "ANN@x.edu", "FE", "2", "", "")],
            "rows 2 and 3, column B (email): the same email",
        ),
        # the same name twice without emails to tell them apart
        (
            [(ANN[0], "", *ANN[2:]), (ANN[0], "", "FE", "1", "", "")],
            "rows 2, 3, column A (name): the same name",
        ),
        # ... even when the name itself has an @ in it (found by the property test)
        (
            [("@", "", *ANN[2:]), ("@", "", "FE", "1", "", "")],
            "rows 2, 3, column A (name): the same name",
        ),
    ],
)
def test_each_problem_names_tab_row_and_column(rows, expected):
    found = problems(*rows)
    assert any(expected in p for p in found), found
    assert all(p.startswith('Roster tab "Roster"') for p in found)


def test_all_problems_are_reported_at_once():
    found = problems(("", "a@x.edu", "BE", "4", "", ""), (*BO[:3], "9", "", ""), (*ANN[:5], "?"))
    assert len(found) == 3


def test_missing_required_column_lists_headers_found_and_synonyms():
    (found,) = problems(("Ann", "4"), header=("Name", "Mod"))
    assert 'no Program column (headers found: "Name", "Mod")' in found
    assert '"Track"' in found


def test_missing_roster_tab_lists_the_tabs_found():
    with pytest.raises(RosterError) as caught:
        read_roster({"Sheet1": ()}, ("Sheet1",), CONFIG)
    assert 'No roster tab "Roster"' in str(caught.value)
    assert '"Sheet1"' in str(caught.value)


@pytest.mark.parametrize(
    "rows",
    [
        (),  # a tab with nothing at all
        (("", ""),),  # only blank cells
    ],
)
def test_empty_roster_tab_says_what_to_put_there(rows):
    with pytest.raises(RosterError) as caught:
        read_roster({"Roster": rows}, ("Roster",), CONFIG)
    assert "is empty" in str(caught.value)


def test_roster_with_only_leavers_has_no_active_students():
    with pytest.raises(RosterError, match="no active students"):
        roster((*ANN[:5], "Withdrawn"))


def test_unknown_program_when_programs_are_configured():
    config = Config(programs=("BE", "FE"))
    with pytest.raises(RosterError) as caught:
        read_roster({"Roster": (("Name", "Program", "Module"), ("Ann", "DS", "4"))}, (), config)
    assert 'column B (program): unknown program "DS"' in str(caught.value)


def test_control_characters_are_stripped_with_a_warning():
    found = roster(("Ann\x07 Lee\u200b", "ann@x.edu", "BE", "4", "", ""))
    assert found.students[0].name == "Ann Lee"
    assert "control characters" in found.warnings[0]


def test_keep_apart_pairs_match_by_name_or_email():
    found = roster(ANN, BO, **{"Keep apart": (("Student", "Student"), ("ann lee", "BO@x.edu"))})
    assert found.keep_apart == {frozenset({"ann@x.edu", "bo@x.edu"})}


def test_keep_apart_entry_matching_nobody_is_a_problem():
    with pytest.raises(RosterError) as caught:
        roster(ANN, BO, **{"Keep apart": (("A", "B"), ("Ann Lee", "Nobody Here"))})
    assert 'Keep apart tab "Keep apart", row 2, column B: "Nobody Here" matches no student' in str(
        caught.value
    )


def test_a_leaver_row_needs_no_module_or_program():
    found = roster(ANN, ("Old Grad", "grad@x.edu", "", "", "", "Graduated"))
    assert [s.name for s in found.students] == ["Ann Lee"]


def test_a_state_column_is_not_mistaken_for_status():
    found = roster(("Ann Lee", "BE", "4", "CO"), header=("Name", "Program", "Module", "State"))
    assert [s.name for s in found.students] == ["Ann Lee"]


def test_a_line_break_inside_a_name_separates_words():
    found = roster(("Ana\nLopez", "ana@x.edu", "BE", "4", "", ""))
    assert found.students[0].name == "Ana Lopez"
    assert found.warnings == ()


@pytest.mark.parametrize(
    "tab",
    [
        (("Ann Lee", "Bo Diaz"),),  # no header row: row 1 is a pair already
        (("Student", "Student", "Reason"), ("Ann Lee", "bo@x.edu", "siblings")),  # a notes column
    ],
)
def test_keep_apart_without_header_or_with_notes(tab):
    found = roster(ANN, BO, **{"Keep apart": tab})
    assert found.keep_apart == {frozenset({"ann@x.edu", "bo@x.edu"})}


def test_keep_apart_name_shared_by_two_students_asks_for_an_email():
    other_ann = ("Ann Lee", "ann2@x.edu", "FE", "1", "", "")
    with pytest.raises(RosterError) as caught:
        roster(ANN, BO, other_ann, **{"Keep apart": (("A", "B"), ("Ann Lee", "Bo Diaz"))})
    assert 'column A: "Ann Lee" matches 2 students on the roster. Use their email' in str(
        caught.value
    )


HEADER_E = ("Name", "Email", "Program", "Module", "Status")
TWO = (
    HEADER_E,
    ("Ann Lee", "ann@x.edu", "BE", "4", ""),
    ("Bo Diaz", "bo@x.edu", "FE", "3", ""),
)
PAIR = (("A", "B"), ("Ann Lee", "Bo Diaz"))


@pytest.mark.parametrize(
    ("roster_rows", "uncomputed", "expected"),
    [
        # a status never computed: only that is said; the keep-apart pair naming her is fine
        (
            TWO,
            {"Roster": {(2, 5)}},
            ['Roster tab "Roster", row 2, column E (status): the cell holds a formula'],
        ),
        # cells below the last row read (trailing blank rows are dropped) are still named
        (
            TWO,
            {"Roster": {(9, 1), (10, 1), (12, 1)}},
            ['Roster tab "Roster", rows 9-10, 12, column A (name): each cell holds a formula'],
        ),
        # a column the roster does not read is ignored, like its values; keep-apart A and B count
        (
            TWO,
            {"Roster": {(2, 6)}, "Keep apart": {(2, 1), (3, 3)}},
            ['Keep apart tab "Keep apart", row 2, column A: the cell holds a formula'],
        ),
        # no header row yet: every such cell is named, rather than "the tab is empty"
        (
            (),
            {"Roster": {(1, 1), (1, 2)}},
            [
                'Roster tab "Roster", row 1, column A: the cell',
                'Roster tab "Roster", row 1, column B:',
            ],
        ),
    ],
)
def test_a_formula_never_computed_is_named_instead_of_read_as_blank(
    roster_rows, uncomputed, expected
):
    tabs = {"Roster": roster_rows, "Keep apart": PAIR if roster_rows else ()}
    cells = {title: frozenset(positions) for title, positions in uncomputed.items()}
    with pytest.raises(RosterError) as caught:
        read_roster(tabs, tuple(tabs), CONFIG, cells)
    found = caught.value.problems
    assert len(found) == len(expected), found
    for problem, start in zip(found, expected, strict=True):
        assert problem.startswith(start)
        assert problem.endswith(
            "Open the workbook in Excel or LibreOffice, save it, and run again."
        )


def test_a_module_above_the_schools_last_is_a_problem_naming_the_setting():
    five = ("Cy Moe", "cy@x.edu", "BE", "Mod 5", "2405-BE", "")
    tabs = {"Roster": (("Name", "Email", "Program", "Module"), ANN[:4], five[:4])}
    named = Config(source=Path("school/mixitup.toml"))
    with pytest.raises(RosterError) as caught:
        read_roster(tabs, ("Roster",), named)
    assert list(caught.value.problems) == [
        'Roster tab "Roster", row 3, column D (module): "Mod 5" is not a module of this school '
        "([roster] modules = 4 in school/mixitup.toml). Write 1 to 4, like 3, Mod 3 or M3."
    ]
    # With --workbook alone there is no file to name: the message says how to get one.
    assert problems(ANN, five) == [
        'Roster tab "Roster", row 3, column D (module): "Mod 5" is not a module of this school '
        "(4 modules unless a mixitup.toml sets [roster] modules). Write 1 to 4, like 3, Mod 3 "
        "or M3."
    ]
    found = read_roster(tabs, ("Roster",), Config(modules=5))
    assert [s.module for s in found.students] == [4, 5]
