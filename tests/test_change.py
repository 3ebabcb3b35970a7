"""What applying a Change means, case by case (`plan_change`, `apply_change`): every backend is
held to these results by tests/test_backend_contract.py; here they are stated."""

from __future__ import annotations

from mixitup.change import apply_change, plan_change, trimmed
from mixitup.layout import HISTORY_HEADER, HISTORY_MARKER
from mixitup.models import Change, HistoryEdit, Snapshot, Tab

W2, W4 = "2027-01-13 Week 2", "2027-01-27 Week 4"


def sheet(**tabs: tuple[tuple[str, ...], ...]) -> Snapshot:
    """A spreadsheet of these tabs, in this order (underscores read as spaces in titles)."""
    named = {title.replace("_", " "): rows for title, rows in tabs.items()}
    return Snapshot(tuple(named), named)


def row(session: str, group: int, key: str) -> tuple[str, ...]:
    """A History row in HISTORY_HEADER order."""
    return (session, session[:10], session[-1], str(group), key, key.title())


RECORD = (HISTORY_HEADER, row(W2, 1, "ana"), row(W2, 2, "bo"), row(W4, 1, "cy"))


def test_the_steps_name_tabs_as_the_spreadsheet_spells_them():
    before = sheet(Roster=(("Name",),), Old_Notes=(("x",),), Groups=(("old",),))
    steps = plan_change(
        before,
        Change(
            tabs=(Tab("groups", (("new",),)), Tab("Fresh", ())),
            delete_tabs=("old notes", "never there", "OLD NOTES"),
        ),
    )
    assert steps.delete == ("Old Notes",)
    assert [(old, tab.title) for old, tab in steps.replace] == [("Groups", "groups")]
    assert [tab.title for tab in steps.add] == ["Fresh"]
    assert steps.history is None


def test_a_tab_replaces_the_one_of_its_title_whatever_the_case_in_its_place():
    before = sheet(Roster=(("Name",),), Week_groups=(("old", "rows"), ("two",)), Notes=(("n",),))
    after = apply_change(before, Change(tabs=(Tab("Week Groups", (("Group", 1), (2,))),)))
    assert after.titles == ("Roster", "Week Groups", "Notes")
    assert after.tabs["Week Groups"] == (("Group", "1"), ("2",))  # numbers read back as text
    assert "Week groups" not in after.tabs


def test_new_tabs_go_where_position_says_clamped_else_last():
    before = sheet(A=(), B=())
    change = Change(tabs=(Tab("First", (), position=0), Tab("Far", (), position=99), Tab("Z", ())))
    assert apply_change(before, change).titles == ("First", "A", "B", "Far", "Z")


def test_a_deleted_title_may_be_written_again_in_the_same_change_as_a_new_tab():
    before = sheet(A=(("a",),), Groups=(("old",),), C=())
    after = apply_change(
        before, Change(tabs=(Tab("groups", (("new",),)),), delete_tabs=("GROUPS", "missing"))
    )
    assert after.titles == ("A", "C", "groups")  # added, so last
    assert after.tabs["groups"] == (("new",),)


def test_a_written_tab_is_protected_and_stamped_exactly_as_it_says_and_others_keep_theirs():
    before = Snapshot(
        ("Kept", "Was"),
        {"Kept": (("k",),), "Was": (("w",),)},
        protected=frozenset({"Kept", "Was"}),
        stamps={"Kept": "s-kept", "Was": "s-was"},
        hidden=frozenset({"Was"}),
    )
    after = apply_change(before, Change(tabs=(Tab("Was", (("new",),)),)))
    assert after.protected == {"Kept"}
    assert after.stamps == {"Kept": "s-kept"}
    assert after.hidden == frozenset()
    again = apply_change(after, Change(tabs=(Tab("Was", (), protected=True, stamp="s2"),)))
    assert again.protected == {"Kept", "Was"}
    assert again.stamps == {"Kept": "s-kept", "Was": "s2"}


def test_without_a_history_one_is_created_hidden_and_marked_under_a_title_staff_do_not_use():
    before = sheet(Roster=(("Name",),), History=(("staff's own notes",),))
    after = apply_change(before, Change(history=HistoryEdit(append=(row(W2, 1, "ana"),))))
    title = "History (mixitup)"
    assert after.titles == ("Roster", "History", title)
    assert after.tabs[title] == (HISTORY_HEADER, row(W2, 1, "ana"))
    assert after.marked == title
    assert title in after.hidden
    assert after.tabs["History"] == (("staff's own notes",),)
    assert HISTORY_MARKER == "MixitupHistory"  # the name a backend marks it with


def test_a_history_staff_reordered_gets_its_missing_columns_at_the_right_and_rows_in_its_order():
    header = ("Notes", "Student key", "Group", "Session")  # staff's order, columns missing
    before = sheet(Record=(header, ("", "ana", "1", W2)))
    after = apply_change(before, Change(history=HistoryEdit(append=(row(W4, 3, "bo"),))))
    rows = after.tabs["Record"]
    missing = tuple(n for n in HISTORY_HEADER if n not in header)
    assert rows[0] == (*header, *missing)
    assert rows[1] == ("", "ana", "1", W2)
    new = dict(zip(rows[0], rows[2], strict=False))
    assert (new["Session"], new["Group"], new["Student key"], new["Name"]) == (W4, "3", "bo", "Bo")
    assert new["Notes"] == ""
    assert after.marked == "Record"  # found by its header, marked from now on


def test_cells_are_set_in_the_rows_as_read_then_sessions_removed_then_rows_added():
    before = Snapshot(("History",), {"History": RECORD}, marked="History")
    edit = HistoryEdit(
        remove_sessions=(W2,),
        update=((4, "Attended", "no"), (4, "Role", "Lead")),  # row 4 holds cy, as read
        append=(row(W2, 2, "dee"),),
    )
    rows = apply_change(before, Change(history=edit)).tabs["History"]
    attended, role = HISTORY_HEADER.index("Attended"), HISTORY_HEADER.index("Role")
    assert [r[4] for r in rows[1:]] == ["cy", "dee"]
    assert (rows[1][role], rows[1][attended]) == ("Lead", "no")


def test_an_empty_change_changes_nothing():
    before = Snapshot(("History",), {"History": RECORD}, marked="History")
    assert not Change(history=HistoryEdit())
    assert apply_change(before, Change()) == before


def test_trimmed_rows_are_what_a_read_returns():
    assert trimmed([["a", "", ""], [], ["", "b"], ["", ""], []]) == (("a",), (), ("", "b"))
