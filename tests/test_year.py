"""Running the whole year: `mixitup rollover` at a module boundary, the warning when it was
forgotten, graduates who never lead, and schools with other modules and session weeks. CLI
tests run on both backends (a workbook, and the fake Google Sheets)."""

from __future__ import annotations

import openpyxl
import pytest

from mixitup.backends import open_backend
from mixitup.backends.memory import MemoryBackend
from mixitup.config import Config
from mixitup.errors import ConflictError, DataError
from mixitup.models import Change, Snapshot, TabCells
from mixitup.pipeline import rollover
from tests.fake_sheets import GoogleSheet
from tests.helpers import HEADER, SCHOOL, Two, make_roster, table, write_workbook
from tests.webhook_receiver import Receiver

# Two modules: sessions on Jan 13 and 27 (module 1), Feb 10 and 24 (module 2).
CALENDAR = """
[groups]
size = 5

[calendar]
module_starts = [2027-01-04, 2027-02-01]
"""
M1W4, M2W2, M2W4 = "2027-01-27 Week 4", "2027-02-10 Week 2", "2027-02-24 Week 4"


def school(two: Two, rows: list[tuple[object, ...]], extra: str = "") -> None:
    """The staff spreadsheet holds `rows` as its Roster; mixitup.toml names both spreadsheets
    and the two-module calendar, plus `extra` TOML."""
    if two.google is None:
        write_workbook(two.folder / "staff.xlsx", {"Roster": rows})
    else:
        two.google.seed("Roster", [list(r) for r in rows])
    two.write_config(with_students=True)
    two.config.write_text(two.config.read_text().replace(SCHOOL, CALENDAR + extra))


def staff_roster() -> list[tuple[object, ...]]:
    """40 students as staff keep them: modules in several spellings, one on leave, a Notes
    column of staff's own."""
    rows: list[tuple[object, ...]] = [(*HEADER, "Notes")]
    for index, row in enumerate(make_roster(40)):
        cells: list[object] = [*row, f"note {index}" if index % 3 == 0 else ""]
        if index == 0:
            cells[3] = "M1"
        if index == 2:
            cells[3] = 2  # a number, as typed into the cell
        if index == 4:
            cells[3] = "Module 3"
        if index == 1:
            cells[5] = "On leave"
        rows.append(tuple(cells))
    return rows


def trimmed(rows: list[list[str]]) -> list[list[str]]:
    """Rows without their trailing blank cells, as both backends read them alike."""
    out = [list(r) for r in rows]
    for r in out:
        while r and not r[-1]:
            r.pop()
    return out


def written(two: Two) -> dict[str, int]:
    """How many writes each spreadsheet got (Google), or its bytes' fingerprint (xlsx)."""
    if two.google is None:
        staff, students = two.files()
        return {"staff": hash(staff), "students": hash(students)}
    _, staff_writes, _, students_writes = two.counts()
    return {"staff": staff_writes, "students": students_writes}


def test_a_dry_run_shows_every_move_and_graduation_and_writes_nothing(two, capsys):
    school(two, staff_roster())
    before = written(two)

    assert two.cli("rollover") == 0

    out = capsys.readouterr().out
    assert "a dry run: nothing written; add --write" in out
    assert "  Student 000 (row 2): M1 -> M2\n" in out  # the staff's spelling kept
    assert "  Student 002 (row 4): 2 -> 3\n" in out
    assert "  Student 004 (row 6): Module 3 -> Module 4\n" in out
    assert "  Student 006 (row 8): Mod 4 -> graduated\n" in out
    assert "Student 001" not in out  # on leave: left as they are
    assert "29 moved up one module, 10 graduated (Status: Graduated)." in out
    assert "1 students sitting out (their Status) are left as they are." in out
    assert written(two) == before


def test_write_moves_everyone_up_in_one_write_and_keeps_every_other_cell(two, capsys):
    rows = staff_roster()
    school(two, rows)
    if two.google is not None:
        two.google.fake.forget_calls()

    assert two.cli("rollover", "--write") == 0

    assert "Rolled over the roster tab" in capsys.readouterr().out
    expected = [["" if c is None else str(c) for c in row] for row in rows]
    for cells in expected[1:]:
        if cells[5]:
            continue  # on leave
        if cells[3] in ("Mod 4",):
            cells[5] = "Graduated"
        else:
            cells[3] = {"M1": "M2", "2": "3", "Module 3": "Module 4"}.get(
                cells[3], f"Mod {int(cells[3][-1]) + 1}"
            )
    assert trimmed(two.staff()["Roster"]) == trimmed(expected)
    if two.google is None:
        roster = openpyxl.load_workbook(two.folder / "staff.xlsx")["Roster"]
        assert roster.cell(4, 4).value == 3  # a number stays a number
    else:
        cell = two.google.book.sheet("Roster").cells[(3, 3)]  # type: ignore[union-attr]
        assert cell["userEnteredValue"] == {"numberValue": 3}
        assert two.counts() == (2, 1, 0, 0)  # one read, one write, one read to check it
    assert written(two)["students"] == (0 if two.google is not None else hash(b""))


def test_a_roster_without_a_status_column_gets_one_clear_of_staff_notes(two, capsys):
    header = ("Name", "Email", "Program", "Module", "Cohort")
    rows: list[tuple[object, ...]] = [header, *(r[:5] for r in make_roster(8))]
    rows[3] = (*rows[3], "a note beyond the table")  # column F holds a note: not there
    school(two, rows)

    assert two.cli("rollover", "--write") == 0

    assert "in a Status column added as column G" in capsys.readouterr().out
    tab = table(two.staff()["Roster"])
    assert [(r["Module"], r.get("Status", "")) for r in tab] == [
        ("Mod 2", ""),
        ("Mod 2", ""),
        ("Mod 3", ""),
        ("Mod 3", ""),
        ("Mod 4", ""),
        ("Mod 4", ""),
        ("Mod 4", "Graduated"),
        ("Mod 4", "Graduated"),
    ]
    assert two.staff()["Roster"][3][5] == "a note beyond the table"
    assert two.staff()["Roster"][0][6] == "Status"


def test_a_roster_with_problems_is_refused_whole(two, capsys):
    rows = staff_roster()
    rows[5] = (*rows[5][:3], "Mod 7", *rows[5][4:])
    school(two, rows)
    before = written(two)

    assert two.cli("rollover", "--write") == 3

    assert '"Mod 7" is not a module of this school' in capsys.readouterr().err
    assert written(two) == before


def test_the_boundary_warns_until_the_roster_is_rolled_over_and_run_notifies(two, capsys):
    """Status and run warn once the next session is in a new module and the roster's
    modules are those of the sessions before it; run's publish posts a notice saying so."""
    receiver = Receiver()
    try:
        school(two, staff_roster(), f'\n[notify]\nwebhook = "{receiver.url}"\n')
        assert two.cli("run", "--today", "2027-01-25") == 0  # publishes module 1's week 4
        receiver.received.clear()
        capsys.readouterr()

        assert two.cli("status", "--today", "2027-01-26") == 0  # module 1's week 4 is next
        assert "Module boundary" not in capsys.readouterr().out
        assert two.cli("status", "--today", "2027-01-28") == 0
        out = capsys.readouterr().out
        assert f"Module boundary: The next session, {M2W2}, is in the module that starts " in out
        assert "unchanged since 2027-01-27 Week 4" in out
        assert "Run `mixitup rollover`" in out

        assert two.cli("run", "--today", "2027-02-08") == 0  # publishes module 2's week 2
        assert "Run `mixitup rollover`" in capsys.readouterr().err
        notices = [r["text"] for r in receiver.received]
        assert any(
            "check the roster's modules" in n and "`mixitup publish --date 2027-02-10 --force`" in n
            for n in notices
        )

        assert two.cli("rollover", "--write") == 0
        assert two.cli("status", "--today", "2027-02-09") == 0
        assert "Module boundary" not in capsys.readouterr().out
    finally:
        receiver.stop()


def test_plan_and_publish_of_a_new_modules_session_warn_like_run(two, capsys):
    school(two, staff_roster())
    assert two.cli("run", "--today", "2027-01-25") == 0  # module 1's two sessions
    capsys.readouterr()

    assert two.cli("plan", "--date", "2027-02-10") == 0
    assert f"{M2W2} is in the module that starts 2027-02-01, but" in capsys.readouterr().err
    assert two.cli("plan", "--date", "2027-01-27") == 0  # module 1: no boundary
    assert "rollover" not in capsys.readouterr().err
    assert two.cli("publish", "--date", "2027-02-10") == 0
    err = capsys.readouterr().err
    assert "Run `mixitup rollover`" in err
    assert "after the rollover, `mixitup publish --date 2027-02-10 --force`" not in err


def test_graduates_are_never_grouped_and_the_new_top_module_leads(two):
    school(two, staff_roster())
    assert two.cli("run", "--today", "2027-01-25") == 0
    first = table(two.students()[f"{M1W4} Groups"])
    fours = {r["Name"] for r in first if r["Module"] == "Mod 4"}
    threes = {r["Name"] for r in first if r["Module"] == "Mod 3"}
    assert {r["Name"] for r in first if r["Role"] == "Lead"} <= fours

    assert two.cli("rollover", "--write") == 0
    assert two.cli("rollover", "--write") == 3  # never twice in a row
    assert two.cli("run", "--today", "2027-02-22") == 0

    later = table(two.students()[f"{M2W4} Groups"])
    names = {r["Name"] for r in later}
    leads = {r["Name"] for r in later if r["Role"] == "Lead"}
    assert not names & fours  # graduated: not grouped, so never lead
    assert leads
    assert leads <= threes  # last module's Mod 3s are the Mod 4s who lead now
    assert {r["Module"] for r in later if r["Name"] in leads} == {"Mod 4"}


def test_a_five_module_school_with_weeks_3_and_6_has_its_leads_and_prompts(two):
    rows: list[tuple[object, ...]] = [HEADER, *make_roster(50, modules=(1, 2, 3, 4, 5))]
    school(
        two,
        rows,
        "session_weeks = [3, 6]\n\n[roster]\nmodules = 5\n\n[meeting]\nminutes = 90\n",
    )
    assert two.cli("run", "--today", "2027-01-18") == 0  # week 3: Wed Jan 20
    assert two.cli("run", "--today", "2027-02-08") == 0  # week 6: Wed Feb 10

    shown = two.students()
    networking = table(shown["2027-01-20 Week 3 Groups"])
    prep = table(shown["2027-02-10 Week 6 Groups"])
    assert {r["Module"] for r in networking if r["Role"] == "Lead"} <= {"Mod 4", "Mod 5"}
    assert {r["Module"] for r in prep if r["Role"] == "Lead"} == {"Mod 5"}
    assert sum(r["Role"] == "Lead" for r in prep) == len({r["Group"] for r in prep})
    week3 = [r[0] if r else "" for r in shown["2027-01-20 Week 3 Prompts"]]
    week6 = [r[0] if r else "" for r in shown["2027-02-10 Week 6 Prompts"]]
    assert week3[0] == "Mix It Up: Networking"
    assert week6[0] == "Mix It Up: Interview Prep"
    assert any(t.startswith("Mod 5 students: share what your mock interviews") for t in week6)
    assert "Agenda (90 minutes)" in week6


# -- the stale read, on the write contract's own stand-in ----------------------------------

ROSTER = {
    "Roster": [
        ["Name", "Email", "Program", "Module"],
        ["Ada", "ada@x.edu", "BE", "Mod 3"],
        ["Bo", "bo@x.edu", "FE", "Mod 2"],
    ]
}


class Racing(MemoryBackend):
    """The roster as another writer changes it: `before` lands between this backend's read and
    its write (a second rollover), `after` right behind its write (a person in the browser)."""

    def __init__(self, before: Change | None = None, after: Change | None = None) -> None:
        super().__init__(ROSTER)
        self.before, self.after = before, after

    def apply(self, change: Change) -> None:
        if self.before is not None:
            self._other(self.before)
        super().apply(change)
        if self.after is not None:
            self._other(self.after)

    def _other(self, change: Change) -> None:
        other = self.another()
        other.read()
        other.apply(change)


def test_a_rollover_planned_on_a_stale_read_writes_nothing():
    backend = Racing(before=Change(cells=(TabCells("Roster", ((3, 4, "Mod 3"),)),)))

    with pytest.raises(ConflictError, match="run `mixitup rollover` again"):
        rollover(Config(), backend, write=True)

    assert backend.snapshot.rows("Roster")[1][3] == "Mod 3"  # type: ignore[index]


def test_an_edit_landing_right_behind_the_write_names_the_rows_to_check():
    """A person sorts the roster by name, descending, as the write lands: the check after it
    cannot tell that from a write gone astray, so it names both rows."""
    swap = ((2, 1, "Bo"), (2, 2, "bo@x.edu"), (3, 1, "Ada"), (3, 2, "ada@x.edu"))
    backend = Racing(after=Change(cells=(TabCells("Roster", swap),)))

    with pytest.raises(DataError, match=r"rows 2, 3 of its tab \"Roster\" do not show it"):
        rollover(Config(), backend, write=True)


class PersonFirst:
    """A Google Sheet where a person sorts the roster between mixitup's read and its write:
    no marker moves, so Google takes the write (the Sheets API has no conditional write)."""

    def __init__(self, sheet: GoogleSheet) -> None:
        self.sheet = sheet
        self.inner = open_backend(sheet.config(), sheet.session)

    @property
    def location(self) -> str:
        return self.inner.location

    def read(self) -> Snapshot:
        return self.inner.read()

    def apply(self, change: Change) -> None:
        with self.sheet.fake.lock:
            tab = self.sheet.book.sheet("Roster")
            assert tab is not None
            tab.cells = {((3 - r if r in (1, 2) else r), c): v for (r, c), v in tab.cells.items()}
        self.inner.apply(change)


def test_on_google_a_sort_between_read_and_write_is_caught_by_the_check_after(google_sheet):
    google_sheet.seed("Roster", ROSTER["Roster"])
    backend = PersonFirst(google_sheet)

    with pytest.raises(DataError, match=r"rows 2, 3 of its tab \"Roster\" do not show it"):
        rollover(Config(), backend, write=True)  # type: ignore[arg-type]

    # What landed: Bo, now in row 2, got Ada's Mod 4; the check said which rows to look at.
    assert google_sheet.rows("Roster")[1] == ["Bo", "bo@x.edu", "FE", "Mod 4"]
