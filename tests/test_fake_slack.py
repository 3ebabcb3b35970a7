"""The Slack fake answers as Slack's OpenAPI document says (tests/data/slack_web_api_excerpt.json,
from slackapi/slack-api-specs): success bodies match each method's success schema, and every
error it answers is one that method documents (or one Slack answers for any method)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fake_slack import COMMON, ERRORS, TOKEN, FakeSlack

SPEC = json.loads(
    (Path(__file__).parent / "data" / "slack_web_api_excerpt.json").read_text(encoding="utf-8")
)


def schema(method: str, answer: str) -> dict[str, Any]:
    operation = next(iter(SPEC["paths"][f"/{method}"].values()))
    found = operation["responses"][answer]["schema"]
    return {**found, "definitions": SPEC["definitions"]}


def documented_errors(method: str) -> set[str]:
    return set(schema(method, "default")["properties"]["error"]["enum"])


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    server = FakeSlack()
    yield server
    server.stop()


def client(fake: FakeSlack, token: str = TOKEN) -> WebClient:
    return WebClient(token=token, base_url=fake.url, retry_handlers=[])


@pytest.mark.parametrize("method", sorted(ERRORS))
def test_every_error_the_fake_answers_is_documented_for_its_method(method: str) -> None:
    assert ERRORS[method] - COMMON <= documented_errors(method)


def test_the_common_errors_are_documented_for_the_methods_whose_lists_are_complete() -> None:
    """The document's lists are old (missing_scope is missing from some); the newest has them."""
    assert COMMON - {"ratelimited"} <= documented_errors("chat.scheduleMessage")


def test_a_round_of_successes_matches_the_success_schemas(fake: FakeSlack) -> None:
    fake.add_user("ana@school.example", "Ana")
    fake.add_user("ben@school.example", "Ben")
    slack = client(fake)
    ana = slack.users_lookupByEmail(email="ANA@school.example")
    ben = slack.users_lookupByEmail(email="ben@school.example")
    opened = slack.conversations_open(users=[ana["user"]["id"], ben["user"]["id"]])
    again = slack.conversations_open(users=[ben["user"]["id"], ana["user"]["id"]])
    direct = slack.conversations_open(users=[ana["user"]["id"]])
    channel = opened["channel"]["id"]
    posted = slack.chat_postMessage(channel=channel, text="hello")
    post_at = int(fake.now().timestamp()) + 3600
    scheduled = slack.chat_scheduleMessage(channel=channel, post_at=post_at, text="soon")
    deleted = slack.chat_deleteScheduledMessage(
        channel=channel, scheduled_message_id=scheduled["scheduled_message_id"]
    )
    for method, response in [
        ("users.lookupByEmail", ana),
        ("conversations.open", opened),
        ("conversations.open", again),
        ("conversations.open", direct),
        ("chat.postMessage", posted),
        ("chat.scheduleMessage", scheduled),
        ("chat.deleteScheduledMessage", deleted),
    ]:
        Draft4Validator(schema(method, "200")).validate(response.data)
    assert again["channel"]["id"] == channel
    assert again["already_open"]
    assert direct["channel"]["id"].startswith("D")
    assert channel.startswith("G")
    assert scheduled["post_at"] == post_at


@pytest.mark.parametrize(
    ("method", "call", "error"),
    [
        (
            "users.lookupByEmail",
            lambda s: s.users_lookupByEmail(email="nobody@x"),
            "users_not_found",
        ),
        (
            "conversations.open",
            lambda s: s.conversations_open(users=[f"U{i:09d}" for i in range(9)]),
            "too_many_users",
        ),
        ("conversations.open", lambda s: s.conversations_open(users=["U404"]), "user_not_found"),
        (
            "chat.postMessage",
            lambda s: s.chat_postMessage(channel="C404", text="x"),
            "channel_not_found",
        ),
        (
            "chat.scheduleMessage",
            lambda s: s.chat_scheduleMessage(channel="C404", post_at=1, text="x"),
            "channel_not_found",
        ),
        (
            "chat.deleteScheduledMessage",
            lambda s: s.chat_deleteScheduledMessage(channel="C404", scheduled_message_id="Q1"),
            "channel_not_found",
        ),
    ],
)
def test_errors_match_the_error_schemas(
    fake: FakeSlack, method: str, call: Any, error: str
) -> None:
    with pytest.raises(SlackApiError) as raised:
        call(client(fake))
    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == error
    Draft4Validator(schema(method, "default")).validate(raised.value.response.data)


def test_a_past_or_far_reminder_is_refused_as_slack_documents(fake: FakeSlack) -> None:
    fake.add_user("ana@school.example", "Ana")
    slack = client(fake)
    channel = slack.conversations_open(users=list(fake.user_ids("ana@school.example")))["channel"][
        "id"
    ]
    now = int(fake.now().timestamp())
    for post_at, error in [(now - 60, "time_in_past"), (now + 121 * 86400, "time_too_far")]:
        with pytest.raises(SlackApiError, match=error):
            slack.chat_scheduleMessage(channel=channel, post_at=post_at, text="x")


@pytest.mark.parametrize(("token", "error"), [("", "not_authed"), ("xoxb-wrong", "invalid_auth")])
def test_a_missing_or_wrong_token_is_refused(fake: FakeSlack, token: str, error: str) -> None:
    with pytest.raises(SlackApiError) as raised:
        client(fake, token).users_lookupByEmail(email="a@x")
    assert raised.value.response["error"] == error


def test_a_missing_scope_says_which_one_is_needed(fake: FakeSlack) -> None:
    fake.scopes.discard("users:read.email")
    with pytest.raises(SlackApiError) as raised:
        client(fake).users_lookupByEmail(email="a@x")
    assert raised.value.response["error"] == "missing_scope"
    assert raised.value.response["needed"] == "users:read.email"
    assert "users:read.email" not in raised.value.response["provided"].split(",")


def test_a_rate_limit_is_a_429_with_retry_after(fake: FakeSlack) -> None:
    fake.limit("chat.postMessage", 7)
    with pytest.raises(SlackApiError) as raised:
        client(fake).chat_postMessage(channel="C1", text="x")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"


def test_the_token_travels_in_the_authorization_header(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError):
        client(fake).users_lookupByEmail(email="a@x")
    assert fake.headers[-1]["Authorization"] == f"Bearer {TOKEN}"
    assert "token" not in fake.calls[-1][1]
