"""The pipeline on in-memory spreadsheets (`MemoryBackend`): fast checks of how every command
reads, decides and writes: the record first, then the students' tabs; conflicts read again;
a failed second write carries the result; time and the calendar guard the record."""

from __future__ import annotations

import datetime as dt

import pytest

from mixitup import layout, pipeline
from mixitup.backends.memory import MemoryBackend
from mixitup.config import Calendar, Config, Students
from mixitup.errors import BackendError, ConfigError, ConflictError, StudentsWriteError
from mixitup.history import read_history
from mixitup.models import Change, Session, Tab
from tests.conftest import HEADER, make_roster

W2 = Session(dt.date(2027, 1, 13), 2)
W4 = Session(dt.date(2027, 1, 27), 4)
BEFORE = dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.UTC)
CONFIG = Config(
    group_size=5,
    students=Students(sheet_id="students"),
    calendar=Calendar(module_starts=(dt.date(2027, 1, 4),), timezone="UTC"),
)


def staff(students: int = 20) -> MemoryBackend:
    return MemoryBackend({"Roster": [HEADER, *make_roster(students)]}, location="staff")


class Failing(MemoryBackend):
    """A spreadsheet that refuses every write (open in Excel, Google down)."""

    def apply(self, change: Change) -> None:
        raise BackendError("the students' spreadsheet refused the write.")


class RacedOnce(MemoryBackend):
    """A spreadsheet another run writes to once, between this run's read and its write."""

    raced = False

    def apply(self, change: Change) -> None:
        if not self.raced:
            self.raced = True
            other = self.another()
            other.read()
            other.apply(Change(tabs=(Tab("Notes", (("a staff note",),)),)))
        super().apply(change)  # refuses the first time: the spreadsheet changed since read


def staff_types(backend: MemoryBackend, title: str, row: list[str]) -> None:
    """Staff add a row to a tab, as another person editing the spreadsheet."""
    other = backend.another()
    rows = [*other.read().tabs[title], tuple(row)]
    other.apply(Change(tabs=(Tab(title, tuple(rows)),)))


def test_publish_writes_the_record_then_only_session_tabs_where_students_look():
    record, students = staff(), MemoryBackend(location="students")
    outcome = pipeline.publish(CONFIG, record, W2, now=BEFORE, students_backend=students)
    assert outcome.action == "published"
    assert {e.session for e in read_history(record.snapshot).entries} == {layout.label(W2)}
    assert students.snapshot.titles[:3] == (
        "How to use this sheet",
        layout.groups_title(W2),
        layout.prompts_title(W2),
    )
    assert all(students.snapshot.stamps.get(t) for t in students.snapshot.titles)
    assert layout.groups_title(W2) not in record.snapshot.titles


def test_a_failed_students_write_carries_the_result_and_the_record_stands():
    record = staff()
    with pytest.raises(StudentsWriteError) as raised:
        pipeline.publish(CONFIG, record, W2, now=BEFORE, students_backend=Failing())
    assert isinstance(raised.value.result, pipeline.Outcome)
    assert "was written, but the students' spreadsheet" in str(raised.value)
    assert read_history(record.snapshot).sessions() == {layout.label(W2)}


def test_a_run_that_loses_a_race_reads_again_and_writes_once():
    record = RacedOnce({"Roster": [HEADER, *make_roster(20)]})
    outcome = pipeline.publish(CONFIG, record, W2, now=BEFORE, students_backend=MemoryBackend())
    assert outcome.action == "published"
    assert record.raced


def test_the_same_publish_again_changes_nothing_anywhere():
    record, students = staff(), MemoryBackend()
    pipeline.publish(CONFIG, record, W2, now=BEFORE, students_backend=students)
    before = (record.snapshot, students.snapshot)
    outcome = pipeline.publish(CONFIG, record, W2, now=BEFORE, students_backend=students)
    assert outcome.action == "unchanged"
    assert (record.snapshot, students.snapshot) == before


def test_replacing_a_started_session_needs_force_past():
    record, students = staff(), MemoryBackend()
    pipeline.publish(CONFIG, record, W2, now=BEFORE, students_backend=students)
    started = dt.datetime(2027, 1, 13, 12, 1, tzinfo=dt.UTC)
    with pytest.raises(ConfigError, match="--force-past"):
        pipeline.publish(CONFIG, record, W2, force=True, now=started, students_backend=students)
    replaced = pipeline.publish(
        CONFIG, record, W2, force=True, force_past=True, now=started, students_backend=students
    )
    assert replaced.action == "replaced"


def test_run_places_a_late_joiner_in_the_record_and_the_students_tab():
    record, students = staff(), MemoryBackend()
    pipeline.run(CONFIG, record, today=dt.date(2027, 1, 11), students_backend=students)
    staff_types(record, "Roster", ["Zed Late", "zed@example.edu", "BE", "Mod 4", "late", ""])
    outcome = pipeline.run(CONFIG, record, today=dt.date(2027, 1, 12), students_backend=students)
    assert [p.student.name for j in outcome.joined for p in j.placements] == ["Zed Late"]
    history = read_history(record.snapshot, students.snapshot)
    assert "zed@example.edu" in {e.key for e in history.session(layout.label(W2))}
    assert "Zed Late" in str(students.snapshot.tabs[layout.groups_title(W2)])


def test_attendance_sets_only_the_attended_cells():
    record, students = staff(), MemoryBackend()
    pipeline.publish(CONFIG, record, W2, now=BEFORE, students_backend=students)
    before = record.snapshot.tabs["History"]
    outcome = pipeline.attendance(
        CONFIG, record, W2, absent=["Student 003"], now=BEFORE, students_backend=students
    )
    assert outcome.absent == ("Student 003",)
    after = record.snapshot.tabs["History"]
    changed = [(b, a) for b, a in zip(before, after, strict=True) if a != b]
    assert len(changed) == 1
    column = after[0].index("Attended")
    assert changed[0][1][column] == "no"


def test_unpublish_takes_back_the_record_and_the_tabs():
    record, students = staff(), MemoryBackend()
    pipeline.publish(CONFIG, record, W2, now=BEFORE, students_backend=students)
    pipeline.publish(CONFIG, record, W4, now=BEFORE, students_backend=students)
    done = pipeline.unpublish(CONFIG, record, W4, now=BEFORE, students_backend=students)
    assert done.rows == 20
    assert read_history(record.snapshot).sessions() == {layout.label(W2)}
    assert layout.groups_title(W4) not in students.snapshot.titles
    again = pipeline.unpublish(CONFIG, record, W4, now=BEFORE, students_backend=students)
    assert not again.changed


def test_read_decide_write_gives_up_after_three_conflicts():
    class Always(MemoryBackend):
        def apply(self, change: Change) -> None:
            raise ConflictError("changed since it was read.")

    with pytest.raises(ConflictError):
        pipeline.read_decide_write(Always(), lambda s: (None, Change(delete_tabs=("x",))))
