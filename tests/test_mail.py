"""Emailing groups: smtplib against a real local SMTP server (aiosmtpd, tests/fake_smtp.py) that
requires STARTTLS and AUTH: one email per group to its members, refused recipients listed,
follow-ups threaded, and the password never shown."""

from __future__ import annotations

import base64
import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from mixitup import mail
from mixitup.config import EmailSettings, load_config
from mixitup.messages import Member, group_text
from mixitup.outbox import Ledger, ledger_rows, ledger_tab, plan_messages, read_ledger
from tests.fake_smtp import PASSWORD, USERNAME, FakeSmtp
from tests.message_data import LABEL, NOW, details, members

# Named, not written at the call: a traceback printed by a broken log handler shows that line.
WRONG = "An0ther-S3cret"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[FakeSmtp]:
    found = FakeSmtp(tmp_path)
    yield found
    found.stop()


def settings(server: FakeSmtp, **changes: object) -> EmailSettings:
    found = EmailSettings(
        host="127.0.0.1",
        port=server.port,
        sender="careers@school.example",
        username=USERNAME,
        password=PASSWORD,
    )
    return dataclasses.replace(found, **changes)  # type: ignore[arg-type]


def first_messages(groups: dict[int, tuple[Member, ...]]):
    return plan_messages(LABEL, groups, Ledger(), ("email",))


def send(server: FakeSmtp, todo, **changes: object):
    return mail.send(settings(server, **changes), todo, details(), context=server.client_context())


def test_each_group_gets_one_email_to_its_members_over_starttls_and_auth(server) -> None:
    groups = {1: members(1, 3), 2: members(2, 4)}
    done = send(server, first_messages(groups))
    assert [(d.outgoing.group, d.sent, d.missing) for d in done] == [(1, True, ()), (2, True, ())]
    assert len(server.received) == 2
    assert server.handler.tls == [True, True]
    assert server.handler.logins == [USERNAME]  # one connection, one login, for the whole run
    for (number, group), got, delivery in zip(groups.items(), server.received, done, strict=True):
        text = group_text(details(), number, group)
        assert got.sender == "careers@school.example"
        assert got.recipients == [m.email for m in group]
        assert [a.addr_spec for a in got.message["To"].addresses] == [m.email for m in group]
        assert got.message["To"].addresses[0].display_name == group[0].name
        assert str(got.message["From"]) == "Career Development <careers@school.example>"
        assert got.message["Subject"] == text.subject
        assert got.message.get_content() == text.body
        assert got.message["Message-ID"] == delivery.reference
        assert delivery.reference.endswith("@school.example>")


def test_a_refused_recipient_is_listed_and_the_others_still_get_it(server) -> None:
    group = members(1, 3)
    server.refuse(group[1].email)
    (done,) = send(server, first_messages({1: group}))
    assert done.sent
    assert done.missing == (
        f"Student 1-2 (the mail server refused {group[1].email}: 550 5.1.1 No such user here)",
    )
    assert server.received[0].recipients == [group[0].email, group[2].email]


def test_every_recipient_refused_fails_that_group_only(server) -> None:
    lost, kept = members(1, 2), members(2, 2)
    server.refuse(*(m.email for m in lost))
    first, second = send(server, first_messages({1: lost, 2: kept}))
    assert not first.sent
    assert first.reason.startswith("the mail server refused every recipient: Student 1-1")
    assert second.sent


def test_people_without_an_email_are_listed_and_a_group_of_them_is_not_sent(server) -> None:
    nobody = tuple(dataclasses.replace(m, email="") for m in members(1, 2))
    partly = (
        *members(2, 2),
        Member("k", "Kim No-Mail"),
        Member("q", "Bad Address", "not an address@"),
    )
    first, second = send(server, first_messages({1: nobody, 2: partly}))
    assert (first.sent, first.reason) == (False, "nobody in the group has an email address")
    assert second.sent
    assert second.missing == (
        "Kim No-Mail (no email on the roster)",
        "Bad Address (not an email address: not an address@)",
    )
    assert len(server.received) == 1


def test_a_wrong_password_fails_every_group_with_one_reason_and_no_password(server) -> None:
    done = send(server, first_messages({1: members(1, 2), 2: members(2, 2)}), password="wrong-pw")
    assert [d.sent for d in done] == [False, False]
    assert done[0].reason.startswith(
        f"the mail server 127.0.0.1:{server.port} refused the login of {USERNAME} (535"
    )
    assert done[1].reason == done[0].reason
    assert "wrong-pw" not in done[0].reason
    assert server.received == []


def test_a_server_that_cannot_be_reached_fails_every_group_without_raising() -> None:
    done = mail.send(
        EmailSettings(host="127.0.0.1", port=9, sender="c@school.example"),
        first_messages({1: members(1, 2)}),
        details(),
        timeout=5,
    )
    assert not done[0].sent
    assert done[0].reason.startswith("could not reach the mail server 127.0.0.1:9")


def test_a_certificate_not_trusted_is_a_failure_that_names_ssl_cert_file(server) -> None:
    done = mail.send(settings(server), first_messages({1: members(1, 2)}), details())
    assert not done[0].sent
    assert "CERTIFICATE_VERIFY_FAILED" in done[0].reason
    assert "SSL_CERT_FILE" in done[0].reason


def test_ssl_cert_file_from_the_environment_is_trusted(server, tmp_path: Path) -> None:
    (tmp_path / "mixitup.toml").write_text(
        f'[email]\nhost = "127.0.0.1"\nport = {server.port}\nsender = "careers@school.example"\n'
        f'username = "{USERNAME}"\n'
    )
    env = {"MIXITUP_SMTP_PASSWORD": PASSWORD, "SSL_CERT_FILE": str(server.ca_file)}
    config = load_config(env=env, cwd=tmp_path)
    assert config.email is not None
    (done,) = mail.send(config.email, first_messages({1: members(1, 2)}), details())
    assert done.sent


def test_a_follow_up_goes_to_the_changed_group_only_and_threads_under_the_first(server) -> None:
    groups = {1: members(1, 3), 2: members(2, 3)}
    first = send(server, first_messages(groups))
    rows = ledger_tab(None, ledger_rows(first, NOW)).rows
    ledger = read_ledger(tuple(tuple(str(c) for c in r) for r in rows))
    joiner = Member("late@school.example", "Late Joiner", "late@school.example")
    groups[2] = (*groups[2], joiner)
    (follow_up,) = send(server, plan_messages(LABEL, groups, ledger, ("email",)))
    got = server.received[-1].message
    assert len(server.received) == 3
    assert server.received[-1].recipients == [m.email for m in groups[2]]
    assert got["Subject"] == "Mix It Up on Wednesday 17 March: group 2 has changed"
    assert got.get_content().startswith("Group 2 has changed.\nLate Joiner joined the group.\n")
    assert got["In-Reply-To"] == first[1].reference
    assert got["References"] == first[1].reference
    assert follow_up.sent


def test_the_password_is_never_in_any_log_line_or_output(server, caplog, capfd) -> None:
    caplog.set_level(logging.DEBUG)
    send(server, first_messages({1: members(1, 2)}))
    send(server, first_messages({1: members(1, 2)}), password=WRONG)
    printed = capfd.readouterr()
    # aiosmtpd's own log ("mail.log") is the far end's: it saw the AUTH line, as a real server does
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in ours)
    assert "email: told" in logged
    for password in (PASSWORD, WRONG):
        encoded = base64.b64encode(f"\0{USERNAME}\0{password}".encode()).decode()
        for secret in (password, encoded):
            assert secret not in logged
            assert secret not in printed.out + printed.err
    assert PASSWORD not in repr(settings(server))
