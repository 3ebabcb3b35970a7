"""The in-memory spreadsheet: a Backend whose write is `apply_change`, shared by `another()`
opening, and refusing a write planned on a read that is no longer current."""

from __future__ import annotations

import pytest

from mixitup.backends import Backend
from mixitup.backends.memory import MemoryBackend
from mixitup.errors import ConflictError
from mixitup.models import Change, Tab

NOTE = Change(tabs=(Tab("Notes", (("a note",),)),))


def test_it_is_a_backend_holding_the_tabs_it_was_given_as_text():
    backend: Backend = MemoryBackend(
        {"Roster": [["Name", "Module"], ["Ana", "3"]]}, location="here"
    )
    assert backend.location == "here"
    snapshot = backend.read()
    assert snapshot.titles == ("Roster",)
    assert snapshot.rows("roster") == (("Name", "Module"), ("Ana", "3"))
    assert MemoryBackend().read().titles == ()


def test_a_write_is_apply_change_and_another_opening_sees_it():
    backend = MemoryBackend({"Roster": [["Name"]]})
    other = backend.another()
    backend.read()
    backend.apply(NOTE)
    assert other.read().titles == ("Roster", "Notes")
    assert backend.snapshot.rows("Notes") == (("a note",),)


def test_a_write_planned_on_a_read_another_writer_overtook_is_refused_and_lands_nothing():
    mine = MemoryBackend({"Roster": [["Name"]]})
    theirs = mine.another()
    mine.read()
    theirs.read()
    theirs.apply(Change(tabs=(Tab("Theirs", ()),)))
    with pytest.raises(ConflictError, match="changed since it was read"):
        mine.apply(NOTE)
    assert mine.snapshot.titles == ("Roster", "Theirs")
    mine.read()  # read again, then the write lands
    mine.apply(NOTE)
    assert mine.snapshot.titles == ("Roster", "Theirs", "Notes")


def test_an_empty_change_is_no_write_and_overtakes_nobody():
    mine = MemoryBackend()
    theirs = mine.another()
    theirs.read()
    mine.read()
    mine.apply(Change())
    theirs.apply(NOTE)  # still current: nothing was written in between
    assert mine.snapshot.titles == ("Notes",)


def test_each_read_allows_one_write():
    backend = MemoryBackend()
    backend.read()
    backend.apply(NOTE)
    backend.apply(Change(delete_tabs=("Notes",)))  # without a read: nothing to be stale against
    assert backend.snapshot.titles == ()
