"""Each error is one exit code staff and cron can act on, and a roster error lists every
problem under one heading."""

from __future__ import annotations

import pytest

from mixitup import errors


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.MixitupError("x"), 2),
        (errors.ConfigError("x"), 2),  # bad usage or configuration
        (errors.RosterError(["x"]), 3),  # the spreadsheet's data
        (errors.DataError("x"), 3),  # a report, a name given, a session not published
        (errors.BackendError("x"), 4),  # the spreadsheet unreachable or refusing
        (errors.ConflictError("x"), 4),
        (errors.StudentsWriteError("x", None), 4),
        (errors.ZoomError("x", status=401, code=124), 4),
        (errors.InfeasibleGroupingError("x"), 5),
    ],
)
def test_every_error_has_the_exit_code_the_contract_gives_it(error, code):
    assert isinstance(error, errors.MixitupError)
    assert error.exit_code == code


def test_a_roster_error_lists_every_problem_under_one_heading():
    one = errors.RosterError(['Roster tab "Roster", row 4: email is empty.'])
    assert str(one) == (
        "1 problem in the spreadsheet; nothing was written:\n"
        '  - Roster tab "Roster", row 4: email is empty.'
    )
    two = errors.RosterError(["row 4: a", "row 9: b"])
    assert str(two).splitlines() == [
        "2 problems in the spreadsheet; nothing was written:",
        "  - row 4: a",
        "  - row 9: b",
    ]
    assert two.problems == ("row 4: a", "row 9: b")


def test_a_failed_second_write_carries_what_the_command_did_and_zoom_its_answer():
    done = object()
    assert errors.StudentsWriteError("students' sheet refused", done).result is done
    refused = errors.ZoomError("Zoom refused the app", status=401, code=124)
    assert (refused.status, refused.code, str(refused)) == (401, 124, "Zoom refused the app")
