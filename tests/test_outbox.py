"""The Messages ledger and what a run sends from it: each group told once per channel, a
follow-up only to a group that changed, everything again only with resend."""

from __future__ import annotations

import dataclasses

import pytest

from mixitup import outbox
from mixitup.errors import DataError
from mixitup.messages import Member, Moved
from mixitup.models import Entry, Student
from mixitup.outbox import (
    Delivery,
    Ledger,
    ledger_rows,
    ledger_tab,
    members_cell,
    plan_messages,
    read_ledger,
)
from tests.message_data import LABEL, NOW, details, members

BOTH: tuple[outbox.Channel, ...] = ("slack", "email")


def session_of(*sizes: int) -> dict[int, tuple[Member, ...]]:
    return {group: members(group, size) for group, size in enumerate(sizes, 1)}


def sent_round(
    groups: dict[int, tuple[Member, ...]],
    ledger: Ledger,
    *,
    resend: bool = False,
    fail: frozenset[int] = frozenset(),
) -> tuple[tuple[outbox.Outgoing, ...], Ledger]:
    """One run: plan, 'send' (groups in `fail` fail), record, and read the tab back."""
    todo = plan_messages(LABEL, groups, ledger, BOTH, resend=resend)
    done = [
        Delivery(out, out.group not in fail, "Slack answered fatal_error", (), f"REF{out.group}")
        for out in todo
    ]
    current = ledger_tab(None, ()).rows if not ledger.records else _rows_of(ledger)
    tab = ledger_tab(current, ledger_rows(done, NOW, ledger))
    return todo, read_ledger(tuple(tuple(str(c) for c in row) for row in tab.rows))


def _rows_of(ledger: Ledger) -> tuple[tuple[str, ...], ...]:
    return (
        ledger.header,
        *(
            (
                r.session,
                str(r.group),
                r.channel,
                r.kind,
                r.members,
                r.lead,
                r.sent_at,
                r.status,
                r.not_reached,
                r.reference,
            )
            for r in ledger.records
        ),
    )


def test_a_first_run_tells_every_group_once_on_each_channel() -> None:
    todo, _ = sent_round(session_of(3, 3, 4), Ledger())
    assert [(o.channel, o.group, o.kind) for o in todo] == [
        ("slack", 1, "first"),
        ("slack", 2, "first"),
        ("slack", 3, "first"),
        ("email", 1, "first"),
        ("email", 2, "first"),
        ("email", 3, "first"),
    ]
    assert todo[2].members == members(3, 4)


def test_a_rerun_sends_nothing() -> None:
    groups = session_of(3, 3, 4)
    _, ledger = sent_round(groups, Ledger())
    assert plan_messages(LABEL, groups, ledger, BOTH) == ()


def test_another_session_is_not_covered_by_this_ones_record() -> None:
    groups = session_of(3, 3)
    _, ledger = sent_round(groups, Ledger())
    assert len(plan_messages("2027-03-31 Week 2", groups, ledger, BOTH)) == 4


def test_a_late_joiner_sends_a_follow_up_to_that_group_only() -> None:
    groups = session_of(3, 3, 3)
    _, ledger = sent_round(groups, Ledger())
    joiner = Member("late@school.example", "Late Joiner", "late@school.example")
    groups[2] = (*groups[2], joiner)
    todo = plan_messages(LABEL, groups, ledger, ("slack",))
    assert [(o.group, o.kind) for o in todo] == [(2, "follow-up")]
    assert todo[0].update.joined == (joiner,)
    assert todo[0].update.left == ()
    assert todo[0].members == groups[2]
    assert todo[0].previous == "REF2"  # so Slack can cancel the old reminder, email can thread


def test_a_rebalance_move_tells_both_rooms_who_left_and_who_joined() -> None:
    groups = session_of(4, 3, 3)
    _, ledger = sent_round(groups, Ledger())
    mover = groups[1][3]
    groups[1] = groups[1][:3]
    groups[3] = (*groups[3], mover)
    todo = plan_messages(LABEL, groups, ledger, ("email",))
    assert [(o.group, o.kind) for o in todo] == [(1, "follow-up"), (3, "follow-up")]
    assert todo[0].update.left == (Moved(mover.name, 3),)
    assert todo[1].update.joined == (mover,)
    _, after = sent_round(groups, ledger)
    assert plan_messages(LABEL, groups, after, BOTH) == ()


def test_a_new_lead_alone_is_a_change_worth_telling() -> None:
    groups = session_of(3, 3)
    _, ledger = sent_round(groups, Ledger())
    first, second, third = groups[2]
    groups[2] = (
        dataclasses.replace(second, lead=True),
        dataclasses.replace(first, lead=False),
        third,
    )
    todo = plan_messages(LABEL, groups, ledger, ("slack",))
    assert [(o.group, o.update.new_lead) for o in todo] == [(2, second.name)]


def test_resend_tells_every_group_again_on_purpose() -> None:
    groups = session_of(3, 3)
    _, ledger = sent_round(groups, Ledger())
    todo = plan_messages(LABEL, groups, ledger, BOTH, resend=True)
    assert [(o.group, o.kind) for o in todo] == [(1, "first"), (2, "first")] * 2


def test_a_failed_send_is_retried_by_the_next_run_and_recorded_once() -> None:
    groups = session_of(3, 3)
    _, ledger = sent_round(groups, Ledger(), fail=frozenset({2}))
    assert [(r.group, r.channel, r.status) for r in ledger.records] == [
        (1, "slack", "sent"),
        (2, "slack", "failed"),
        (1, "email", "sent"),
        (2, "email", "failed"),
    ]
    assert ledger.records[1].not_reached == "Slack answered fatal_error"
    todo, again = sent_round(groups, ledger, fail=frozenset({2}))
    assert [(o.group, o.kind) for o in todo] == [(2, "first"), (2, "first")]
    assert again.records == ledger.records  # the same failure twice is one row
    _, fixed = sent_round(groups, again)
    assert [r.status for r in fixed.records[-2:]] == ["sent", "sent"]
    assert plan_messages(LABEL, groups, fixed, BOTH) == ()


def test_the_ledger_rows_say_who_was_told_and_who_was_not_reached() -> None:
    out = plan_messages(LABEL, session_of(3), Ledger(), ("slack",))[0]
    done = Delivery(out, True, missing=("Student 1-3 (no email on the roster)",), reference="G1:Q1")
    assert ledger_rows([done], NOW) == (
        (
            LABEL,
            "1",
            "slack",
            "first",
            "s1-1@school.example; s1-2@school.example; s1-3@school.example",
            "s1-1@school.example",
            "2027-03-15T09:00:00+00:00",
            "sent",
            "Student 1-3 (no email on the roster)",
            "G1:Q1",
        ),
    )


def test_staff_may_reorder_the_columns_and_add_their_own() -> None:
    rows = (
        ("STATUS", "members", "Note", "session", "group", "channel", "Sent At"),
        ("sent", "a@x; b@x", "checked", LABEL, "1", "Slack", "2027-03-15T09:00:00+00:00"),
        ("", "", "a note typed below", "", "", "", ""),
    )
    ledger = read_ledger(rows)
    assert [(r.row, r.group, r.channel, r.members, r.sent) for r in ledger.records] == [
        (2, 1, "slack", "a@x; b@x", True)
    ]
    out = plan_messages(LABEL, session_of(3), ledger, ("email",))[0]
    tab = ledger_tab(rows, ledger_rows([Delivery(out, True, reference="<id@x>")], NOW))
    assert tuple(r[:7] for r in tab.rows[:3]) == rows  # every cell staff left stays put
    assert tab.rows[0] == (*rows[0], "Kind", "Lead", "Not reached", "Reference")
    written = dict(zip(tab.rows[0], tab.rows[3], strict=True))
    assert (written["session"], written["group"], written["channel"], written["STATUS"]) == (
        LABEL,
        "1",
        "email",
        "sent",
    )
    assert (written["Kind"], written["Reference"], written["Note"]) == ("first", "<id@x>", "")


@pytest.mark.parametrize(
    "rows",
    [
        # the header row was cleared but rows remain: reading it as empty would resend all
        (("", "", ""), (LABEL, "1", "slack")),
        # a column mixitup needs was renamed
        (("Session", "Group", "Channel", "Who", "Status"), (LABEL, "1", "slack", "a", "sent")),
    ],
)
def test_a_ledger_that_lost_its_header_stops_the_sending(rows: tuple[tuple[str, ...], ...]) -> None:
    with pytest.raises(DataError, match='tab "Messages", row 1') as raised:
        read_ledger(rows)
    assert "no message was sent" in str(raised.value)


@pytest.mark.parametrize("rows", [None, (), ((),), (("", ""),)])
def test_no_tab_or_an_empty_one_means_nothing_was_sent(rows) -> None:
    assert read_ledger(rows) == Ledger()


def test_a_new_ledger_tab_has_the_header_and_is_a_visible_staff_tab() -> None:
    tab = ledger_tab(None, ())
    assert (tab.title, tab.rows, tab.frozen_rows, tab.hidden, tab.protected) == (
        "Messages",
        (outbox.LEDGER_HEADER,),
        1,
        False,
        False,
    )


def test_groups_come_from_the_history_with_emails_from_the_roster() -> None:
    entries = [
        Entry(2, LABEL, 1, "ana@x.edu", "Ana"),
        Entry(3, LABEL, 1, "ben@x.edu", "Ben", role="Lead"),
        Entry(4, LABEL, 2, "chloé lopez", "Chloé Lopez"),  # no email: keyed by name
        Entry(5, LABEL, 2, "gone@x.edu", "Gone From Roster", role="lead"),
    ]
    students = [
        Student("ana@x.edu", "Ana", "BE", 1, "c", email="Ana@X.edu"),
        Student("ben@x.edu", "Ben", "FE", 4, "c", email="ben@x.edu"),
        Student("chloé lopez", "Chloé Lopez", "BE", 2, "c"),
    ]
    assert outbox.session_groups(entries, students) == {
        1: (Member("ben@x.edu", "Ben", "ben@x.edu", True), Member("ana@x.edu", "Ana", "Ana@X.edu")),
        2: (
            Member("gone@x.edu", "Gone From Roster", "gone@x.edu", True),
            Member("chloé lopez", "Chloé Lopez", ""),
        ),
    }


def test_the_summary_names_failures_and_people_not_reached_for_staff() -> None:
    first, second, third = plan_messages(LABEL, session_of(3, 3, 3), Ledger(), ("slack",))
    lines = outbox.summary(
        [
            Delivery(first, True),
            Delivery(second, True, missing=("Student 2-3 (no Slack account with s2-3@x)",)),
            Delivery(third, False, "Slack refused the token (invalid_auth)"),
        ]
    )
    assert lines == (
        f"{LABEL}, group 2 (slack): not reached: Student 2-3 (no Slack account with s2-3@x)",
        f"{LABEL}, group 3 (slack): not sent: Slack refused the token (invalid_auth)",
    )


def test_a_preview_shows_each_message_and_where_it_would_go() -> None:
    groups = session_of(2)
    todo = plan_messages(LABEL, groups, Ledger(), BOTH)
    shown = outbox.preview(todo, details())
    slack_part, email_part = shown.split("\n--- ")
    assert slack_part.startswith(
        f"--- {LABEL}, group 1, slack (first) to Student 1-1, Student 1-2\n*Mix It Up:"
    )
    assert email_part.startswith(
        f"{LABEL}, group 1, email (first) to Student 1-1, Student 1-2\n"
        "Subject: Mix It Up on Wednesday 17 March: you are group 1\nMix It Up: Interview prep\n"
    )


@pytest.mark.parametrize("kind", ["memory", "xlsx"])
def test_the_ledger_written_through_a_backend_reads_back_the_same(tmp_path, kind) -> None:
    """The pipeline writes `ledger_tab` as one Change to the staff spreadsheet; a later run
    reads it back from the snapshot and sends nothing."""
    from mixitup.backends.memory import MemoryBackend
    from mixitup.backends.xlsx import XlsxBackend
    from mixitup.models import Change

    backend = MemoryBackend() if kind == "memory" else XlsxBackend(tmp_path / "s.xlsx", create=True)
    groups = session_of(3, 4)
    for _ in range(2):  # the second run finds everything sent
        snapshot = backend.read()
        ledger = read_ledger(snapshot.rows(outbox.LEDGER_TITLE))
        todo = plan_messages(LABEL, groups, ledger, BOTH)
        done = [Delivery(out, True, missing=("Kim (no email on the roster)",)) for out in todo]
        rows = ledger_rows(done, NOW, ledger)
        if rows:
            backend.apply(Change(tabs=(ledger_tab(snapshot.rows(outbox.LEDGER_TITLE), rows),)))
    ledger = read_ledger(backend.read().rows("messages"))
    assert len(ledger.records) == 4
    assert ledger.records[0].members == members_cell(groups[1])
    assert ledger.records[0].not_reached == "Kim (no email on the roster)"
    assert plan_messages(LABEL, groups, ledger, BOTH) == ()
