"""`plan` of a published session shows what students see, and says so; `--fresh` previews a
recomputation. On both backends, through the CLI."""

from __future__ import annotations

import re

from tests.helpers import W2, Two, table


def shown(out: str) -> dict[str, tuple[int, bool]]:
    """Name -> (group, leads) as `plan` prints the groups."""
    found = {}
    for number, members in re.findall(r"^  Group (\d+): (.*)$", out, re.MULTILINE):
        for name, lead in re.findall(r"([^,(]+?) \([A-Z]+ Mod \d(, lead)?\)", members):
            found[name.strip()] = (int(number), bool(lead))
    return found


def test_plan_of_a_published_session_shows_the_published_groups_and_fresh_differs(two: Two, capsys):
    two.seed(40)
    assert two.cli("publish", "--date", "2027-01-13") == 0
    # Staff move a student in the groups tab students open: the record follows it.
    tab = table(two.students()[f"{W2} Groups"])
    moved = next(i for i, r in enumerate(tab) if r["Group"] == "1" and r["Role"] != "Lead")
    two.edit_students(f"{W2} Groups", moved + 2, 1, 2)
    capsys.readouterr()

    assert two.cli("plan", "--date", "2027-01-13") == 0

    out = capsys.readouterr().out
    assert f"{W2}: published, 40 students in 8 groups. These are the groups students see" in out
    assert "`plan --fresh` previews new groups" in out
    published = {r["Name"]: (int(r["Group"]), r["Role"] == "Lead") for r in tab}
    published[tab[moved]["Name"]] = (2, False)
    assert shown(out) == published

    assert two.cli("plan", "--date", "2027-01-13", "--fresh") == 0

    fresh = capsys.readouterr().out
    assert "(already published; new groups as `publish --force` would make them" in fresh
    assert "These are the groups students see" not in fresh
    assert shown(fresh) != published  # the pairs of the published session are avoided now
    assert sum(lead for _, lead in shown(fresh).values()) == 8  # every group's lead marked


def test_plan_lists_who_sits_a_published_session_out_and_why(two: Two, capsys):
    two.seed(40)
    assert two.cli("publish", "--date", "2027-01-13") == 0
    # A student added to the roster since: not in the published groups yet.
    roster = two.staff()["Roster"]
    row = len(roster) + 1
    for column, value in enumerate(["Late Joiner", "late@example.edu", "BE", "Mod 2"], 1):
        two.edit_staff("Roster", row, column, value)
    capsys.readouterr()

    assert two.cli("plan", "--date", "2027-01-13") == 0

    out = capsys.readouterr().out
    assert "Sitting out (1):\n  Late Joiner: on the roster since it was published" in out
