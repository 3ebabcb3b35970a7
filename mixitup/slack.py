"""Tells each group in Slack through the official `slack_sdk` WebClient: looks every student up
by email, opens one group conversation per group (direct messages for a group too large for
one), posts the message and schedules a reminder before the start.

A student Slack does not know, or without an email, is listed for staff and never stops the
others; a refused token stops the run's Slack messages with one reason for staff. The token is
never logged or shown: slack_sdk sends it in a header it redacts from its own debug lines.
"""

from __future__ import annotations

import datetime as dt
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mixitup.messages import Details, Member, group_text, reminder_text
from mixitup.outbox import Delivery, Outgoing

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from mixitup.config import SlackSettings

log = logging.getLogger(__name__)

# conversations.open takes "1 to 8 user IDs" besides the caller; a larger group gets DMs.
# https://docs.slack.dev/reference/methods/conversations.open ("too_many_users").
MAX_USERS = 8
SCHEDULE_LIMIT = dt.timedelta(days=120)  # chat.scheduleMessage: time_too_far past 120 days
TIMEOUT = 30  # seconds per request
# Errors that say the token or the app cannot do the job: no later call would fare better.
STOP = frozenset(
    {
        "not_authed",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "not_allowed_token_type",
        "team_access_not_granted",
        "org_login_required",
        "ekm_access_denied",
        "enterprise_is_restricted",
        "ratelimited",  # still limited after the retries: the next run tries again
    }
)
# conversations.open errors caused by one student: tell the others one by one instead.
ONE_STUDENT = frozenset(
    {"user_disabled", "user_not_visible", "user_not_found", "invalid_user_combination"}
)


def make_client(settings: SlackSettings, *, base_url: str | None = None) -> WebClient:
    """A WebClient for `settings`: the proxy and CA bundle from the environment (HTTPS_PROXY,
    SSL_CERT_FILE, read by `mixitup.config`), retries on 429 (after Retry-After), on dropped
    connections and on 500/503. `base_url` points it elsewhere (tests: a local fake).
    """
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import (
        ConnectionErrorRetryHandler,
        RateLimitErrorRetryHandler,
        ServerErrorRetryHandler,
    )

    options: dict[str, Any] = {}
    if base_url is not None:
        options["base_url"] = base_url
    context = ssl.create_default_context(cafile=settings.ca_file) if settings.ca_file else None
    return WebClient(
        token=settings.token,
        timeout=TIMEOUT,
        ssl=context,
        proxy=settings.proxy or None,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
        **options,
    )


@dataclass
class _Directory:
    """Students' Slack ids by email, looked up once per run (users.lookupByEmail)."""

    client: WebClient
    found: dict[str, str | None] = field(default_factory=dict)

    def find(self, email: str) -> str | None:
        from slack_sdk.errors import SlackApiError

        email = email.strip().casefold()
        if email not in self.found:
            try:
                response = self.client.users_lookupByEmail(email=email)
            except SlackApiError as error:
                if _error(error) != "users_not_found":
                    raise
                self.found[email] = None
            else:
                user = response.get("user") or {}
                self.found[email] = None if user.get("deleted") else str(user["id"])
        return self.found[email]


def send(
    client: WebClient,
    outgoing: Sequence[Outgoing],
    details: Details,
    *,
    remind_minutes: int = 15,
    now: dt.datetime | None = None,
) -> tuple[Delivery, ...]:
    """Post each of `outgoing` (channel "slack") to its group and schedule its reminder
    `remind_minutes` before the start (none when 0, or when that instant is not after `now`).

    Returns one Delivery per Outgoing, in order: sent (with who was not reached, and the
    Reference to record), or not sent with a one-line reason for staff. Never raises for
    Slack's or the network's failures.
    """
    from slack_sdk.errors import SlackApiError, SlackClientError

    now = now or dt.datetime.now(dt.UTC)
    directory = _Directory(client)
    done: list[Delivery] = []
    stopped = ""
    for out in outgoing:
        if stopped:
            done.append(Delivery(out, False, stopped))
            continue
        try:
            done.append(_send_one(client, directory, out, details, remind_minutes, now))
        except _StoppedMidway as partial:
            stopped = partial.reason
            done.append(partial.delivery)
        except SlackApiError as error:
            reason = _reason(error)
            if _error(error) in STOP:
                stopped = reason
            done.append(Delivery(out, False, reason))
        except (SlackClientError, OSError) as error:  # URLError, timeouts: Slack unreachable
            stopped = _scrub(
                f"could not reach Slack ({type(error).__name__}: {error}); check this machine's "
                "network, HTTPS_PROXY and SSL_CERT_FILE",
                client,
            )
            done.append(Delivery(out, False, stopped))
        if stopped:
            log.warning("Slack: stopped sending: %s", stopped)
    return tuple(done)


def _send_one(
    client: WebClient,
    directory: _Directory,
    out: Outgoing,
    details: Details,
    remind_minutes: int,
    now: dt.datetime,
) -> Delivery:
    from slack_sdk.errors import SlackApiError

    reachable: list[tuple[Member, str]] = []
    missing: list[str] = []
    for member in out.members:
        if not member.email:
            missing.append(f"{member.name} (no email on the roster)")
            continue
        user = directory.find(member.email)
        if user is None:
            missing.append(f"{member.name} (no Slack account with {member.email})")
        else:
            reachable.append((member, user))
    if not reachable:
        return Delivery(out, False, "nobody in the group could be found in Slack", tuple(missing))
    text = group_text(details, out.group, out.members, out.update, "slack").body
    users = [user for _, user in reachable]
    together = [users] if len(users) <= MAX_USERS else [[user] for user in users]
    references: list[str] = []
    for index, chosen in enumerate(together):
        try:
            references.append(_post(client, chosen, text, details, out.group, remind_minutes, now))
        except SlackApiError as error:
            if _error(error) in STOP and references:
                # Some of the group already has it: record that, so no one gets it twice.
                reason = _reason(error)
                missing += [
                    f"{member.name} (not sent: {reason})"
                    for rest in together[index:]
                    for member, user in reachable
                    if user in rest
                ]
                delivery = Delivery(
                    out, True, missing=tuple(missing), reference=" ".join(references)
                )
                raise _StoppedMidway(delivery, reason) from error
            if _error(error) in STOP:
                raise
            if len(chosen) > 1 and _error(error) in ONE_STUDENT | {"too_many_users"}:
                log.info(
                    "Slack: group %d: %s; telling each student directly", out.group, _error(error)
                )
                together += [[user] for user in chosen]
                continue
            names = ", ".join(m.name for m, user in reachable if user in chosen)
            missing.append(f"{names} (Slack: {_error(error)})")
    if not references:
        return Delivery(
            out, False, f"Slack refused every message ({'; '.join(missing)})", tuple(missing)
        )
    _cancel_reminders(client, out.previous)
    log.info(
        "Slack: told %s group %d (%s): %d of %d students",
        out.session,
        out.group,
        out.kind,
        len(out.members) - len(missing),
        len(out.members),
    )
    return Delivery(out, True, missing=tuple(missing), reference=" ".join(references))


class _StoppedMidway(Exception):  # noqa: N818  # a signal, not an error of ours
    """Slack stopped answering part way through a group's direct messages."""

    def __init__(self, delivery: Delivery, reason: str) -> None:
        super().__init__(reason)
        self.delivery = delivery
        self.reason = reason


def _post(
    client: WebClient,
    users: list[str],
    text: str,
    details: Details,
    group: int,
    remind_minutes: int,
    now: dt.datetime,
) -> str:
    """Open the conversation with `users`, post `text`, schedule the reminder; returns the
    conversation id, with `:scheduled_message_id` when a reminder was scheduled."""
    from slack_sdk.errors import SlackApiError

    opened = client.conversations_open(users=users)
    channel = str(opened["channel"]["id"])
    client.chat_postMessage(channel=channel, text=text, unfurl_links=False, unfurl_media=False)
    if remind_minutes <= 0:
        return channel
    post_at = details.start - dt.timedelta(minutes=remind_minutes)
    if post_at <= now:
        log.info("Slack: group %d: the reminder time %s has passed; no reminder", group, post_at)
        return channel
    if post_at - now > SCHEDULE_LIMIT:
        log.warning("Slack: group %d: the session is over 120 days away; no reminder", group)
        return channel
    try:
        scheduled = client.chat_scheduleMessage(
            channel=channel,
            post_at=int(post_at.timestamp()),
            text=reminder_text(details, group, remind_minutes),
        )
    except SlackApiError as error:  # the message is posted: a lost reminder must not undo it
        log.warning("Slack: group %d: no reminder scheduled (%s)", group, _error(error))
        return channel
    return f"{channel}:{scheduled['scheduled_message_id']}"


def _cancel_reminders(client: WebClient, previous: str) -> None:
    """Delete the reminders scheduled with the group's last message: its new one replaces them.

    One already posted or deleted answers invalid_scheduled_message_id, which is fine.
    """
    from slack_sdk.errors import SlackApiError

    for reference in previous.split():
        channel, _, scheduled = reference.partition(":")
        if not scheduled:
            continue
        try:
            client.chat_deleteScheduledMessage(channel=channel, scheduled_message_id=scheduled)
        except SlackApiError as error:
            log.debug("Slack: reminder %s not deleted (%s)", scheduled, _error(error))


def _error(error: Any) -> str:
    response = getattr(error, "response", None)
    try:
        return str(response["error"]) if response is not None else ""
    except (KeyError, TypeError):
        return ""


def _reason(error: Any) -> str:
    """What staff should know and do about a Slack error, in one line."""
    code = _error(error)
    response = getattr(error, "response", None)
    if code in {"not_authed", "invalid_auth", "token_revoked", "token_expired", "account_inactive"}:
        return (
            f"Slack refused the token ({code}): set [slack] token or MIXITUP_SLACK_TOKEN to the "
            "app's Bot User OAuth Token (xoxb-...), and check the app is still installed"
        )
    if code == "missing_scope":
        needed = str(response.get("needed", "")) if response is not None else ""
        return (
            f"the Slack app lacks the permission {needed or '(see docs/messages.md)'}: add it "
            "under OAuth & Permissions, reinstall the app and use its new token"
        )
    if code == "ratelimited":
        return "Slack kept answering rate limited; the next run tries again"
    status = getattr(response, "status_code", None)
    return f"Slack answered {code or f'HTTP {status}'}"


def _scrub(text: str, client: WebClient) -> str:
    for secret in (client.token, client.proxy):
        if secret:
            text = text.replace(secret, "<hidden>")
    return text
