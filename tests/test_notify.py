"""Notices: real posts to a webhook receiver on 127.0.0.1; retries, failures, no secret shown."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mixitup import notify
from mixitup.cli import main
from mixitup.config import load_config
from mixitup.errors import ConfigError
from tests.helpers import HEADER, make_roster
from tests.webhook_receiver import HOST, SECRET_PATH, Proxy, Receiver, Trickle

DATE = "2027-01-13"
LABEL = f"{DATE} Week 2"
SECRET = SECRET_PATH.rsplit("/", 1)[-1]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.stop()


@pytest.fixture(autouse=True)
def no_proxy_for_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's own proxy settings must not catch the posts to 127.0.0.1."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def test_a_notice_is_a_json_text_post(receiver: Receiver) -> None:
    assert notify.send(receiver.url, "hello staff", sleep=lambda _: None)
    assert receiver.received == [{"text": "hello staff"}]
    assert receiver.paths == [SECRET_PATH]


def test_server_errors_are_retried_until_accepted(receiver: Receiver) -> None:
    receiver.statuses = [500, 503]
    sleeps: list[float] = []
    assert notify.send(receiver.url, "third time lucky", sleep=sleeps.append)
    assert receiver.texts() == ["third time lucky"] * 3
    assert len(sleeps) == 2
    assert all(0 <= s <= notify.MAX_WAIT for s in sleeps)


@pytest.mark.parametrize(
    ("statuses", "posts", "reason"),
    [
        # a webhook that keeps failing is tried a bounded number of times
        ((500,) * 10, notify.ATTEMPTS, "HTTP 500"),
        # a deleted webhook (404) will not come back: one try, and a hint
        ((404,), 1, "HTTP 404 (the webhook was deleted or its address is wrong)"),
    ],
)
def test_a_failing_webhook_is_logged_not_raised(
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
    statuses: tuple[int, ...],
    posts: int,
    reason: str,
) -> None:
    receiver.statuses = list(statuses)
    with caplog.at_level(logging.DEBUG):
        assert not notify.send(receiver.url, "lost", sleep=lambda _: None)
    assert len(receiver.received) == posts
    assert f"Could not post the notice to the [notify] webhook ({reason})" in caplog.text
    assert SECRET not in caplog.text


def test_a_receiver_that_is_down_is_tried_and_logged(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    url = receiver.url
    receiver.stop()
    sleeps: list[float] = []
    with caplog.at_level(logging.DEBUG):
        assert not notify.send(url, "nobody home", sleep=sleeps.append)
    assert len(sleeps) == notify.ATTEMPTS - 1
    assert "(could not connect)" in caplog.text
    assert SECRET not in caplog.text


def test_a_webhook_that_trickles_its_answer_is_given_up_at_the_deadline(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A byte a second never trips the read timeout; the one deadline still ends the post."""
    trickle = Trickle()
    try:
        started = time.monotonic()
        with caplog.at_level(logging.DEBUG):
            assert not notify.send(trickle.url, "slowly", deadline=2.0)
        elapsed = time.monotonic() - started
    finally:
        trickle.stop()
    assert 2.0 <= elapsed < 3.0
    assert trickle.posts == 1
    assert "(no answer within 2 seconds)" in caplog.text
    assert SECRET not in caplog.text


def test_waits_between_attempts_count_against_the_deadline(receiver: Receiver) -> None:
    """A 503 asking to come back in 3 s is not waited for past a 1 s deadline."""
    receiver.statuses = [503]
    receiver.retry_after = "3"
    started = time.monotonic()

    assert not notify.send(receiver.url, "later", deadline=1.0)

    assert time.monotonic() - started < 1.0
    assert len(receiver.received) == 1


def test_a_retry_after_is_honoured_within_the_deadline(receiver: Receiver) -> None:
    receiver.statuses = [429]  # Slack's rate limit says when to come back
    receiver.retry_after = "2"
    sleeps: list[float] = []

    assert notify.send(receiver.url, "after the limit", sleep=sleeps.append)

    assert sleeps == [2.0]
    assert len(receiver.received) == 2


def test_a_whole_notice_takes_at_most_fifteen_seconds_by_default() -> None:
    import inspect

    assert notify.DEADLINE <= 15
    assert inspect.signature(notify.send).parameters["deadline"].default == notify.DEADLINE


def test_no_webhook_means_no_notice(receiver: Receiver) -> None:
    assert not notify.send("", "unsent")
    assert receiver.received == []


def test_notices_go_through_the_https_proxy_and_trust_the_ca_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """HTTPS_PROXY and REQUESTS_CA_BUNDLE are honoured, as on a school network."""
    tls = Receiver(tls_dir=tmp_path)
    proxy = Proxy(tls.port)
    try:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "")
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.ca_file))
        url = f"https://{HOST}{SECRET_PATH}"
        # As a library user debugging with urllib3's logs on (the CLI keeps them quiet).
        caplog.set_level(logging.DEBUG, logger="urllib3")
        with caplog.at_level(logging.DEBUG):
            assert notify.send(url, "through the proxy", sleep=lambda _: None)
        assert proxy.connects == [f"{HOST}:443"]
        assert tls.texts() == ["through the proxy"]
        assert "does not start with https://" not in caplog.text
        assert '"POST <webhook address> HTTP/1.1" 200' in caplog.text  # urllib3's line, scrubbed
        assert SECRET not in caplog.text

        # Without the school's CA bundle the proxied certificate is refused, and said so.
        monkeypatch.delenv("REQUESTS_CA_BUNDLE")
        monkeypatch.setenv("CURL_CA_BUNDLE", "")
        caplog.clear()
        with caplog.at_level(logging.DEBUG):
            assert not notify.send(url, "untrusted", sleep=lambda _: None)
        assert "certificate not trusted: set REQUESTS_CA_BUNDLE" in caplog.text
        assert tls.texts() == ["through the proxy"]
    finally:
        proxy.stop()
        tls.stop()


def test_a_plain_http_webhook_is_warned_about(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        notify.send(receiver.url, "plain", sleep=lambda _: None)
    assert "does not start with https://" in caplog.text
    assert SECRET not in caplog.text


def test_scrub_hides_the_address_its_path_and_query() -> None:
    url = "https://chat.googleapis.com/v1/spaces/AAA/messages?key=K3Y&token=T0K3N"
    text = (
        f"HTTPSConnectionPool(host='chat.googleapis.com', port=443): Max retries exceeded with "
        f"url: /v1/spaces/AAA/messages?key=K3Y&token=T0K3N; also {url}"
    )
    clean = notify.scrub(text, url)
    assert "K3Y" not in clean
    assert "T0K3N" not in clean
    assert "/v1/spaces/AAA" not in clean
    assert clean.count(notify.HIDDEN) == 2


def test_an_unexpected_requests_error_is_scrubbed(caplog: pytest.LogCaptureFixture) -> None:
    """An error whose text names the address (here, a bad port) is logged without it."""
    url = f"https://{HOST}:99999{SECRET_PATH}"
    with caplog.at_level(logging.DEBUG):
        assert not notify.send(url, "x", sleep=lambda _: None)
    assert "Could not post the notice" in caplog.text
    assert SECRET not in caplog.text


def test_failure_text_keeps_the_first_lines() -> None:
    message = "3 problems in the spreadsheet; nothing was written:\n" + "\n".join(
        f"  - Roster tab, row {n}: program is empty. Fill it in." for n in range(2, 12)
    )
    text = notify.failure_text("run", "school.xlsx", message, 3)
    lines = text.splitlines()
    assert lines[0] == "mixitup run failed (exit 3) for school.xlsx:"
    assert lines[1] == "3 problems in the spreadsheet; nothing was written:"
    assert lines[2] == "  - Roster tab, row 2: program is empty. Fill it in."
    assert lines[-1] == "... and 5 more lines: run the command to see them all."
    assert len(lines) == 1 + notify.MAX_LINES + 1


# -- configuration ---------------------------------------------------------------------------


def test_webhook_from_file_or_environment_and_never_in_repr(tmp_path: Path) -> None:
    (tmp_path / "mixitup.toml").write_text(
        f'[notify]\nwebhook = "https://{HOST}{SECRET_PATH}"\n', encoding="utf-8"
    )
    config = load_config(env={}, cwd=tmp_path)
    assert config.webhook == f"https://{HOST}{SECRET_PATH}"
    assert SECRET not in repr(config)
    other = f"https://chat.googleapis.com/v1/spaces/X/messages?key={SECRET}2"
    assert load_config(env={"MIXITUP_WEBHOOK": other}, cwd=tmp_path).webhook == other
    flagged = load_config(workbook="r.xlsx", env={"MIXITUP_WEBHOOK": other}, cwd=tmp_path / "x")
    assert flagged.webhook == other


@pytest.mark.parametrize(
    "value",
    [
        f'"hooks.slack.com{SECRET_PATH}"',  # pasted without https://
        f'["https://{HOST}{SECRET_PATH}"]',  # a list, not text
    ],
)
def test_a_wrong_webhook_is_refused_without_quoting_it(tmp_path: Path, value: str) -> None:
    (tmp_path / "mixitup.toml").write_text(f"[notify]\nwebhook = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[notify\] webhook") as error:
        load_config(env={}, cwd=tmp_path)
    assert SECRET not in str(error.value)


# -- the command -----------------------------------------------------------------------------


def project(tmp_path: Path, webhook: str, roster: list[tuple[str, ...]] | None = None) -> Path:
    from tests.helpers import write_workbook

    write_workbook(tmp_path / "school.xlsx", {"Roster": [HEADER, *(roster or make_roster(30))]})
    config = tmp_path / "mixitup.toml"
    config.write_text(
        '[spreadsheet]\npath = "school.xlsx"\n[calendar]\nmodule_starts = [2027-01-04]\n'
        f"[notify]\nwebhook = {json.dumps(webhook)}\n",
        encoding="utf-8",
    )
    return config


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m mixitup -v ...` as cron runs it, with output captured."""
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost"}
    return subprocess.run(
        [sys.executable, "-m", "mixitup", "--config", str(config), "-v", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


def test_publish_posts_a_notice_and_never_shows_the_address(
    tmp_path: Path, receiver: Receiver
) -> None:
    config = project(tmp_path, receiver.url)
    done = cli(config, "publish", "--date", DATE, "--week", "2")
    assert done.returncode == 0, done.stderr
    assert receiver.texts() == [
        f"Mix It Up {LABEL} is published: 30 students in 5 groups. Students find their group "
        f'number in the tab "{LABEL} Groups" of {tmp_path / "school.xlsx"}.'
    ]
    assert "posted a notice" in done.stderr  # -v was on: debug lines were printed
    assert SECRET not in done.stdout + done.stderr


@pytest.mark.parametrize(
    "command", [("publish", "--date", DATE, "--week", "2"), ("run", "--today", "2027-01-11")]
)
def test_with_a_students_spreadsheet_the_notice_names_it_not_the_staff_one(
    tmp_path: Path,
    receiver: Receiver,
    capsys: pytest.CaptureFixture[str],
    command: tuple[str, ...],
) -> None:
    config = project(tmp_path, receiver.url)
    with config.open("a", encoding="utf-8") as more:
        more.write('[students]\npath = "students.xlsx"\n')

    assert main(["--config", str(config), *command]) == 0

    (text,) = receiver.texts()
    assert text.startswith(f"Mix It Up {LABEL} is published: 30 students in 5 groups.")
    assert f'the tab "{LABEL} Groups" of {tmp_path / "students.xlsx"}.' in text
    assert "school.xlsx" not in text  # staff keep that one: students cannot open it
    assert SECRET not in capsys.readouterr().out


def test_run_posts_a_notice_per_published_session(tmp_path: Path, receiver: Receiver) -> None:
    config = project(tmp_path, receiver.url)
    done = cli(config, "run", "--today", "2027-01-11")
    assert done.returncode == 0, done.stderr
    assert [t.split(":")[0] for t in receiver.texts()] == [f"Mix It Up {LABEL} is published"]
    assert SECRET not in done.stdout + done.stderr
    again = cli(config, "run", "--today", "2027-01-11")  # nothing due: nothing to say
    assert again.returncode == 0
    assert len(receiver.received) == 1


def test_a_failed_publish_posts_what_failed_and_keeps_its_exit_code(
    tmp_path: Path, receiver: Receiver
) -> None:
    roster = make_roster(30)
    roster[4] = (roster[4][0], roster[4][1], "", *roster[4][3:])  # program left empty
    config = project(tmp_path, receiver.url, roster)
    done = cli(config, "publish", "--date", DATE, "--week", "2")
    assert done.returncode == 3
    (text,) = receiver.texts()
    first, second, third = text.splitlines()[:3]
    assert first == f"mixitup publish failed (exit 3) for {tmp_path / 'school.xlsx'}:"
    assert second == "1 problem in the spreadsheet; nothing was written:"
    assert "row 6" in third
    assert third in done.stderr  # the same words staff see
    assert SECRET not in done.stdout + done.stderr


@pytest.mark.parametrize("broken", [False, True])
def test_a_webhook_that_is_down_never_changes_the_exit_code(
    tmp_path: Path, receiver: Receiver, broken: bool
) -> None:
    roster = make_roster(30)
    if broken:
        roster[4] = (roster[4][0], roster[4][1], "", *roster[4][3:])
    config = project(tmp_path, receiver.url, roster)
    receiver.stop()
    done = cli(config, "publish", "--date", DATE, "--week", "2")
    assert done.returncode == (3 if broken else 0)
    assert "Could not post the notice to the [notify] webhook (could not connect)" in done.stderr
    assert SECRET not in done.stdout + done.stderr


def test_a_crash_is_noticed_and_keeps_its_traceback(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mixitup import pipeline

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pipeline, "run", crash)  # an unexpected bug, not a known failure
    config = project(tmp_path, receiver.url)
    with pytest.raises(RuntimeError, match="disk on fire"):
        main(["--config", str(config), "run", "--today", "2027-01-11"])
    (text,) = receiver.texts()
    assert text.splitlines()[:2] == [
        f"mixitup run failed for {tmp_path / 'school.xlsx'}:",
        "RuntimeError: disk on fire",
    ]


@pytest.mark.parametrize("webhook", [True, False])
def test_status_says_whether_notices_are_set_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], webhook: bool
) -> None:
    config = project(tmp_path, f"https://{HOST}{SECRET_PATH}" if webhook else "")
    assert main(["--config", str(config), "status", "--today", "2027-01-05"]) == 0
    out = capsys.readouterr().out
    if webhook:
        assert f"Notices: on, posted to the webhook at {HOST}" in out
    else:
        assert "Notices: off (set [notify] webhook" in out
    assert SECRET not in out
