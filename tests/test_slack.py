"""Telling groups in Slack: the real slack_sdk WebClient against the local fake of the Web API
(tests/fake_slack.py): one conversation and one message per group, DMs for a group too large
for one, the reminder at the right instant, 429s honoured, people not found listed, exactly
once with the ledger, and the token never shown."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from mixitup import outbox, slack
from mixitup.config import SlackSettings, load_config
from mixitup.messages import Member, group_text
from mixitup.outbox import Ledger, ledger_rows, ledger_tab, plan_messages, read_ledger
from tests.fake_slack import TOKEN, FakeSlack
from tests.message_data import LABEL, NOW, START_UTC, details, members
from tests.webhook_receiver import HOST, Proxy, _self_signed

PROXY_NAMES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk reads HTTPS_PROXY itself when given none: the machine's must not catch us."""
    for name in PROXY_NAMES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    server = FakeSlack()
    server.now = lambda: NOW
    yield server
    server.stop()


def settings(token: str = TOKEN, remind: int = 15) -> SlackSettings:
    return SlackSettings(token=token, remind_minutes=remind)


def enrol(fake: FakeSlack, groups: dict[int, tuple[Member, ...]]) -> None:
    for group in groups.values():
        for member in group:
            if member.email:
                fake.add_user(member.email, member.name)


def first_messages(groups: dict[int, tuple[Member, ...]]) -> tuple[outbox.Outgoing, ...]:
    return plan_messages(LABEL, groups, Ledger(), ("slack",))


def send(fake: FakeSlack, todo, token: str = TOKEN, remind: int = 15, now=NOW):
    client = slack.make_client(settings(token, remind), base_url=fake.url)
    return slack.send(client, todo, details(), remind_minutes=remind, now=now)


def test_each_group_gets_one_conversation_with_its_members_and_one_message(fake) -> None:
    groups = {1: members(1, 3), 2: members(2, 4)}
    enrol(fake, groups)
    done = send(fake, first_messages(groups))
    assert [(d.outgoing.group, d.sent, d.missing) for d in done] == [(1, True, ()), (2, True, ())]
    assert len(fake.conversations) == 2
    for delivery in done:
        channel = delivery.reference.split(":")[0]
        emails = [m.email for m in delivery.outgoing.members]
        assert set(fake.members(channel)) == fake.user_ids(*emails)
        assert [text for posted, text in fake.posts if posted == channel] == [
            group_text(
                details(), delivery.outgoing.group, delivery.outgoing.members, style="slack"
            ).body
        ]
    assert fake.methods().count("chat.postMessage") == 2


def test_the_reminder_is_scheduled_remind_minutes_before_the_start_in_school_time(fake) -> None:
    groups = {1: members(1, 3)}
    enrol(fake, groups)
    (done,) = send(fake, first_messages(groups), remind=20)
    channel, scheduled = done.reference.split(":")
    assert fake.scheduled[scheduled][:2] == (
        channel,
        int((START_UTC - dt.timedelta(minutes=20)).timestamp()),  # 17:40 UTC = 11:40 MDT
    )
    assert "starts in 20 minutes (12:00 MDT)" in fake.scheduled[scheduled][2]


@pytest.mark.parametrize(
    ("now", "remind"),
    [
        # the reminder's instant has passed (published late): no reminder, message still sent
        (START_UTC - dt.timedelta(minutes=10), 15),
        # remind_minutes = 0 turns reminders off
        (NOW, 0),
    ],
)
def test_no_reminder_when_its_time_has_passed_or_reminders_are_off(fake, now, remind) -> None:
    groups = {1: members(1, 3)}
    enrol(fake, groups)
    (done,) = send(fake, first_messages(groups), remind=remind, now=now)
    assert done.sent
    assert ":" not in done.reference
    assert "chat.scheduleMessage" not in fake.methods()


def test_a_group_of_nine_gets_direct_messages_instead_of_one_conversation(fake) -> None:
    groups = {1: members(1, 9), 2: members(2, 8)}
    enrol(fake, groups)
    large, full = send(fake, first_messages(groups))
    large_channels = [r.split(":")[0] for r in large.reference.split()]
    assert len(large_channels) == 9
    assert all(len(fake.members(c)) == 1 and c.startswith("D") for c in large_channels)
    assert {fake.members(c)[0] for c in large_channels} == fake.user_ids(
        *(m.email for m in groups[1])
    )
    assert len(fake.scheduled) == 9 + 1  # each DM gets its reminder
    (eight,) = full.reference.split()
    assert len(fake.members(eight.split(":")[0])) == 8  # eight others: still one group DM
    opened = [
        args["users"].split(",") for method, args in fake.calls if method == "conversations.open"
    ]
    assert sorted(len(users) for users in opened) == [1] * 9 + [8]  # never more than Slack takes


def test_a_rate_limit_is_waited_out_and_the_message_still_sent(fake) -> None:
    groups = {1: members(1, 3)}
    enrol(fake, groups)
    fake.limit("chat.postMessage", 1)
    (done,) = send(fake, first_messages(groups))
    assert done.sent
    assert fake.methods().count("chat.postMessage") == 2  # the 429, then the post
    assert len(fake.posts) == 1


def test_a_rate_limit_that_does_not_end_fails_the_rest_for_the_next_run(fake) -> None:
    groups = {1: members(1, 3), 2: members(2, 3)}
    enrol(fake, groups)
    fake.limit("users.lookupByEmail", 0, 0, 0, 0)  # more 429s than the client retries
    done = send(fake, first_messages(groups))
    assert [(d.sent, d.reason) for d in done] == [
        (False, "Slack kept answering rate limited; the next run tries again")
    ] * 2
    assert fake.methods() == ["users.lookupByEmail"] * 4


def test_slack_stopping_part_way_through_a_groups_dms_records_who_already_has_it(fake) -> None:
    """So the next run does not send the same message twice to the first few."""
    groups = {1: members(1, 10), 2: members(2, 3)}
    enrol(fake, groups)
    fake.limit("chat.postMessage", 0, 0, 0, 0, after=4)  # four DMs, then Slack keeps refusing
    large, other = send(fake, first_messages(groups))
    assert large.sent
    assert len(large.reference.split()) == 4
    assert len(large.missing) == 6
    assert large.missing[0] == (
        "Student 1-5 (not sent: Slack kept answering rate limited; the next run tries again)"
    )
    assert (other.sent, other.reason) == (False, large.missing[0].split("not sent: ")[1][:-1])


def test_people_not_in_slack_or_without_email_are_listed_and_the_rest_still_told(fake) -> None:
    group = (
        *members(1, 3),
        Member("no-mail", "No Mail"),
        Member("x@else.example", "Elsewhere", "x@else.example"),
    )
    enrol(fake, {1: group[:3]})
    (done,) = send(fake, first_messages({1: group}))
    assert done.sent
    assert done.missing == (
        "No Mail (no email on the roster)",
        "Elsewhere (no Slack account with x@else.example)",
    )
    channel = done.reference.split(":")[0]
    assert set(fake.members(channel)) == fake.user_ids(*(m.email for m in group[:3]))
    assert "Elsewhere" in fake.posts[0][1]  # the message still names the whole group


def test_a_group_nobody_in_which_is_in_slack_fails_with_a_reason(fake) -> None:
    (done,) = send(fake, first_messages({1: members(1, 2)}))
    assert not done.sent
    assert done.reason == "nobody in the group could be found in Slack"
    assert len(done.missing) == 2


def test_a_disabled_account_gets_the_others_told_one_by_one(fake) -> None:
    group = members(1, 3)
    enrol(fake, {1: group[:2]})
    fake.add_user(group[2].email, group[2].name, disabled=True)
    (done,) = send(fake, first_messages({1: group}))
    assert done.sent
    assert done.missing == ("Student 1-3 (Slack: user_disabled)",)
    assert len(fake.posts) == 2
    assert all(channel.startswith("D") for channel, _ in fake.posts)


def test_each_student_is_looked_up_once_per_run(fake) -> None:
    groups = {1: members(1, 3), 2: members(2, 3)}
    enrol(fake, groups)
    todo = plan_messages(LABEL, groups, Ledger(), ("slack",), resend=True)
    send(fake, (*todo, *todo))  # the same groups twice in one run
    assert fake.methods().count("users.lookupByEmail") == 6


@pytest.mark.parametrize(
    ("token", "scopes", "reason", "calls"),
    [
        # a wrong token: the first call says so, and nothing else is tried
        (
            "xoxb-not-the-right-one",
            None,
            "Slack refused the token (invalid_auth): set [slack] token or MIXITUP_SLACK_TOKEN",
            ["users.lookupByEmail"],
        ),
        # an app installed without mpim:write: Slack names the scope, staff are told it
        (
            TOKEN,
            {"users:read", "users:read.email", "chat:write"},
            "the Slack app lacks the permission mpim:write: add it under OAuth & Permissions",
            ["users.lookupByEmail"] * 3 + ["conversations.open"],
        ),
    ],
)
def test_a_refused_token_or_scope_fails_every_group_with_one_reason(
    fake, token, scopes, reason, calls
) -> None:
    groups = {1: members(1, 3), 2: members(2, 3), 3: members(3, 3)}
    enrol(fake, groups)
    if scopes is not None:
        fake.scopes = scopes
    done = send(fake, first_messages(groups), token=token)
    assert [d.sent for d in done] == [False, False, False]
    assert all(d.reason.startswith(reason) for d in done)
    assert fake.posts == []
    assert fake.methods() == calls


def test_slack_unreachable_fails_every_group_without_raising() -> None:
    client = slack.make_client(settings(), base_url="http://127.0.0.1:9/api/")  # discard port
    done = slack.send(
        client, first_messages({1: members(1, 2), 2: members(2, 2)}), details(), now=NOW
    )
    assert [d.sent for d in done] == [False, False]
    assert done[0].reason.startswith("could not reach Slack")
    assert done[1].reason == done[0].reason


def run(fake: FakeSlack, groups, tab_rows, *, resend: bool = False):
    """One `run` as the pipeline will do it: read the ledger, send, append the rows."""
    ledger = read_ledger(tab_rows)
    todo = plan_messages(LABEL, groups, ledger, ("slack",), resend=resend)
    done = send(fake, todo)
    tab = ledger_tab(tab_rows, ledger_rows(done, NOW, ledger))
    return done, tuple(tuple(str(c) for c in row) for row in tab.rows)


def test_a_rerun_sends_nothing_and_a_late_joiner_only_tells_that_group(fake) -> None:
    groups = {1: members(1, 3), 2: members(2, 3), 3: members(3, 3)}
    joiner = Member("late@school.example", "Late Joiner", "late@school.example")
    enrol(fake, {**groups, 4: (joiner,)})
    first, rows = run(fake, groups, None)
    assert len(first) == 3
    assert len(fake.posts) == 3
    again, rows = run(fake, groups, rows)
    assert again == ()
    assert len(fake.posts) == 3
    old_reminder = first[1].reference.split(":")[1]
    groups[2] = (*groups[2], joiner)
    (follow_up,) = run(fake, groups, rows)[0]
    assert (follow_up.outgoing.group, follow_up.outgoing.kind) == (2, "follow-up")
    channel, reminder = follow_up.reference.split(":")
    assert set(fake.members(channel)) == fake.user_ids(*(m.email for m in groups[2]))
    assert fake.posts[-1][1].startswith("*Group 2 has changed.*\nLate Joiner joined the group.")
    assert len(fake.posts) == 4
    assert old_reminder not in fake.scheduled  # the old conversation's reminder is cancelled
    assert reminder in fake.scheduled


def test_resend_tells_every_group_again(fake) -> None:
    groups = {1: members(1, 3), 2: members(2, 3)}
    enrol(fake, groups)
    _, rows = run(fake, groups, None)
    done, _ = run(fake, groups, rows, resend=True)
    assert [(d.outgoing.kind, d.sent) for d in done] == [("first", True), ("first", True)]
    assert len(fake.posts) == 4
    assert len(fake.scheduled) == 2  # each group's first reminder replaced, not doubled


def test_the_token_is_never_in_any_log_line_or_output(fake, caplog, capfd) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: mixitup's, slack_sdk's, urllib's
    groups = {1: (*members(1, 3), Member("x@else.example", "Elsewhere", "x@else.example"))}
    enrol(fake, {1: groups[1][:3]})
    fake.limit("conversations.open", 0)
    done = send(fake, first_messages(groups))
    wrong = "xoxb-9999-8888-AlSoSeCrEt"
    refused = send(fake, first_messages(groups), token=wrong)
    assert done[0].sent
    assert not refused[0].sent
    printed = capfd.readouterr()
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert "slack_sdk" in logged  # its debug lines were on, and captured
    for secret in (TOKEN, "SeCrEtBoTtOkEn", wrong, "AlSoSeCrEt"):
        assert secret not in logged
        assert secret not in printed.out + printed.err
        assert secret not in repr(settings()) + repr(done) + repr(refused)


def test_https_proxy_and_ssl_cert_file_from_the_environment_are_honoured(tmp_path: Path) -> None:
    """A school behind an inspecting proxy: Slack reached through HTTPS_PROXY's CONNECT, its
    certificate trusted through SSL_CERT_FILE, as mixitup.config reads them."""
    cert, key = _self_signed(tmp_path)
    fake = FakeSlack(tls=(cert, key))
    fake.now = lambda: NOW
    proxy = Proxy(fake.port)
    try:
        (tmp_path / "mixitup.toml").write_text('[slack]\ntoken = "xoxb-from-file"\n')
        env = {"MIXITUP_SLACK_TOKEN": TOKEN, "HTTPS_PROXY": proxy.url, "SSL_CERT_FILE": str(cert)}
        config = load_config(env=env, cwd=tmp_path)
        assert config.slack is not None
        client = slack.make_client(config.slack, base_url=f"https://{HOST}/api/")
        fake.add_user("s1-1@school.example", "Student 1-1")
        (done,) = slack.send(client, first_messages({1: members(1, 1)}), details(), now=NOW)
        assert done.sent
        assert proxy.connects[0] == f"{HOST}:443"
    finally:
        proxy.stop()
        fake.stop()
