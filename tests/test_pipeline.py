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
from mixitup.models import Change, Session, Snapshot, Tab
from tests.helpers import HEADER, make_roster

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


def rooms_of(backend: MemoryBackend, session: Session) -> dict[str, int]:
    """Student key -> room, as the record holds the session."""
    return {e.key: e.group for e in read_history(backend.snapshot).session(layout.label(session))}


def test_a_rebalance_that_empties_a_room_renumbers_no_room_in_the_record_or_the_tab():
    record, students = staff(20), MemoryBackend()  # four rooms of five
    pipeline.publish(CONFIG, record, W2, now=BEFORE, students_backend=students)
    before = rooms_of(record, W2)
    names = {e.key: e.name for e in read_history(record.snapshot).entries}
    room2 = sorted(k for k, n in before.items() if n == 2)
    away, stays = room2[1:], room2[0]  # room 2 keeps one person present: they move out

    outcome = pipeline.rebalance(
        CONFIG, record, W2, absent=[names[k] for k in away], now=BEFORE, students_backend=students
    )

    (move,) = outcome.moves
    assert (move.student.key, move.room) == (stays, 2)
    after = rooms_of(record, W2)
    assert after == {**before, stays: move.to}  # nobody else changed room, no room renumbered
    assert sorted(k for k, n in after.items() if n == 2) == away
    tab = students.snapshot.tabs[layout.groups_title(W2)]
    shown = {row[1]: int(row[0]) for row in tab[1:]}
    assert shown == {names[k]: n for k, n in after.items()}


def test_a_rebalance_on_the_day_never_brings_keep_apart_partners_together_when_avoidable():
    """Room 1 is short and needs one person: staff then keep whoever would come apart from the
    people there (a Keep apart tab added after publishing), so someone else comes."""
    plain, record = staff(30), staff(30)  # the same six rooms of five in both
    for backend in (plain, record):
        pipeline.publish(CONFIG, backend, W2, now=BEFORE, students_backend=MemoryBackend())
    rooms = rooms_of(record, W2)
    entries = read_history(record.snapshot).session(layout.label(W2))
    room1 = [e for e in entries if e.group == 1]
    away = [e for e in room1 if e.role != layout.LEAD][:3]  # room 1 keeps its lead and one more
    absent = [e.name for e in away]
    present = [e.key for e in room1 if e not in away]
    (first,) = pipeline.rebalance(CONFIG, plain, W2, absent=absent, now=BEFORE).moves
    apart = [(first.student.key, k) for k in present]
    other = record.another()  # staff add the tab by hand
    other.read()
    other.apply(Change(tabs=(Tab("Keep apart", (("Student", "Kept apart from"), *apart)),)))

    (move,) = pipeline.rebalance(CONFIG, record, W2, absent=absent, now=BEFORE).moves

    assert move.to == 1
    assert move.student.key != first.student.key
    after = rooms_of(record, W2)
    assert after == {**rooms, move.student.key: 1}
    assert [(a, b) for a, b in apart if after[a] == after[b]] == []


def test_a_retried_students_write_leaves_a_tab_a_person_edited_since_the_first_read():
    from mixitup import students as students_sheet
    from mixitup.prompts import prompts_for

    record, students = staff(), MemoryBackend()
    pipeline.publish(CONFIG, record, W2, now=BEFORE, students_backend=students)
    title = layout.groups_title(W2)
    rows = [list(r) for r in students.snapshot.tabs[title]]
    rows[2][0] = "9"  # a person moves someone while mixitup is between its two writes
    staff_types_over(students, title, rows)
    history = read_history(record.snapshot)
    args = (history, students.snapshot, (W2,), lambda s: prompts_for(CONFIG, s.week))
    again = students_sheet.update(*args, students=True, keep_edited=True)
    assert title not in {t.title for t in again.change.tabs}
    first = students_sheet.update(*args, students=True)
    assert title in {t.title for t in first.change.tabs}


def test_the_messages_ledger_is_appended_in_place_keeping_rows_another_run_added():
    from mixitup import outbox
    from mixitup.pipeline.follow import _record_sent

    record = staff()
    row = ("2027-01-13 Week 2", "1", "email", "first", "a", "", "2027-01-11T09:00", "sent", "", "")
    _record_sent(pipeline.Sheets(record), [row], hidden=False)
    other = record.another()
    _record_sent(pipeline.Sheets(other), [(*row[:1], "2", *row[2:])], hidden=False)
    _record_sent(pipeline.Sheets(record), [(*row[:1], "3", *row[2:])], hidden=False)
    ledger = outbox.read_ledger(record.snapshot.tabs[outbox.LEDGER_TITLE])
    assert sorted(r.group for r in ledger.records) == [1, 2, 3]


def staff_types_over(backend: MemoryBackend, title: str, rows: list[list[str]]) -> None:
    """A person rewrites a tab's cells (its stamp stays: a person's edit never updates it)."""
    snapshot = backend.snapshot
    backend._store.snapshot = Snapshot(
        snapshot.titles,
        {**snapshot.tabs, title: tuple(tuple(r) for r in rows)},
        snapshot.hidden,
        snapshot.marked,
        protected=snapshot.protected,
        stamps=snapshot.stamps,
    )
    backend._store.version += 1
