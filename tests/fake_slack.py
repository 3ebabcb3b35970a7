"""A local fake of the Slack Web API on 127.0.0.1, for the real `slack_sdk.WebClient`
(`base_url=fake.url`): the five methods mixitup calls, with Slack's response shapes and errors.

Where its behaviour comes from:
- Shapes, argument names and each method's errors: Slack's OpenAPI document
  (slackapi/slack-api-specs, web-api/slack_web_openapi_v2.json); the excerpt in
  tests/data/slack_web_api_excerpt.json, which tests/test_fake_slack.py checks this fake against.
- conversations.open takes "1 to 8 user IDs" (one: a DM, `D...`; more: a group DM, `G...`, the
  same one again for the same people, with `already_open`), else `too_many_users`:
  https://docs.slack.dev/reference/methods/conversations.open
- chat.scheduleMessage: `time_in_past`, and `time_too_far` beyond 120 days:
  https://docs.slack.dev/reference/methods/chat.scheduleMessage
- Errors come as HTTP 200 with `{"ok": false, "error": ...}`; `missing_scope` adds `needed` and
  `provided` (as users quote it, e.g. slack-gpt-bot issue #7 and slackarchive issue #27); a rate
  limit is HTTP 429 with `Retry-After` in seconds: https://api.slack.com/apis/rate-limits.
- The token arrives as `Authorization: Bearer` (or a `token` argument); none is `not_authed`,
  a wrong one `invalid_auth`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "xoxb-1234567890-0987654321-SeCrEtBoTtOkEn"
SCOPES = frozenset({"users:read", "users:read.email", "im:write", "mpim:write", "chat:write"})
TEAM = "T0SCHOOL01"
BOT_ID = "B0MIXITUP1"
BOT_USER = "U0MIXITUP1"
MAX_USERS = 8
SCHEDULE_LIMIT = dt.timedelta(days=120)

# The errors this fake answers, per method. Each is in that method's error list in the OpenAPI
# document, or among COMMON, which Slack answers for any method.
ERRORS = {
    "users.lookupByEmail": {"users_not_found"},
    "conversations.open": {
        "users_list_not_supplied",
        "too_many_users",
        "user_not_found",
        "user_disabled",
        "channel_not_found",
    },
    "chat.postMessage": {"channel_not_found", "no_text", "msg_too_long"},
    "chat.scheduleMessage": {
        "channel_not_found",
        "no_text",
        "invalid_time",
        "time_in_past",
        "time_too_far",
    },
    "chat.deleteScheduledMessage": {"invalid_scheduled_message_id", "channel_not_found"},
}
COMMON = {"not_authed", "invalid_auth", "missing_scope", "ratelimited"}


@dataclass
class User:
    id: str
    email: str
    name: str
    deleted: bool = False
    disabled: bool = False


class FakeSlack:
    """The fake workspace and its Web API server. Tests add users, set `scopes` or `now`, ask
    for 429s with `limit`, and read `calls`, `conversations`, `posts` and `scheduled`."""

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        self.token = TOKEN
        self.scopes = set(SCOPES)
        self.now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        self.users: dict[str, User] = {}  # by email, folded
        self.conversations: dict[str, tuple[str, ...]] = {}  # id -> user ids, bot excluded
        self.posts: list[tuple[str, str]] = []  # (channel, text)
        self.scheduled: dict[str, tuple[str, int, str]] = {}  # id -> (channel, post_at, text)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.headers: list[dict[str, str]] = []
        self.limits: dict[str, list[int]] = {}  # method -> Retry-After of each 429 to answer
        self.limit_after: dict[str, int] = {}  # method -> calls still answered before the 429s
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # the stdlib's name
                """Quiet: tests read `calls` instead."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        """The base_url to give WebClient."""
        return f"http://127.0.0.1:{self.port}/api/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_user(self, email: str, name: str, **flags: bool) -> str:
        with self.lock:
            user = User(f"U{next(self._ids):09d}", email, name, **flags)
            self.users[email.casefold()] = user
            return user.id

    def limit(self, method: str, *retry_after: int, after: int = 0) -> None:
        """Answer calls of `method` with 429, one per Retry-After given, from the one after the
        next `after` calls on."""
        with self.lock:
            self.limits.setdefault(method, []).extend(retry_after)
            self.limit_after[method] = after

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]

    def members(self, channel: str) -> tuple[str, ...]:
        return self.conversations[channel]

    def user_ids(self, *emails: str) -> set[str]:
        return {self.users[e.casefold()].id for e in emails}

    # -- the server -------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        method = parts.path.rsplit("/", 1)[-1]
        args: dict[str, Any] = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(request.headers.get("Content-Length", "0"))
        body = request.rfile.read(length) if length else b""
        kind = request.headers.get("Content-Type", "").split(";")[0].strip()
        if body and kind == "application/json":
            args.update(json.loads(body))
        elif body:
            args.update({k: v[-1] for k, v in parse_qs(body.decode()).items()})
        with self.lock:
            self.calls.append((method, {k: v for k, v in args.items() if k != "token"}))
            self.headers.append(dict(request.headers))
            limited = self.limits.get(method)
            retry_after = None
            if limited and self.limit_after.get(method, 0) > 0:
                self.limit_after[method] -= 1
            elif limited:
                retry_after = limited.pop(0)
        if retry_after is not None:
            self._answer(request, {"ok": False, "error": "ratelimited"}, 429, retry_after)
            return
        bearer = request.headers.get("Authorization", "")
        token = bearer.removeprefix("Bearer ").strip() if bearer else str(args.get("token", ""))
        if not token:
            answer: dict[str, Any] = {"ok": False, "error": "not_authed"}
        elif token != self.token:
            answer = {"ok": False, "error": "invalid_auth"}
        else:
            handler = getattr(self, "_" + method.replace(".", "_"), None)
            if handler is None:
                answer = {"ok": False, "error": "unknown_method"}
            else:
                with self.lock:
                    answer = handler(args)
        self._answer(request, answer, 200)

    def _answer(
        self,
        request: BaseHTTPRequestHandler,
        answer: dict[str, Any],
        status: int,
        retry_after: int | None = None,
    ) -> None:
        data = json.dumps(answer).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        if retry_after is not None:
            request.send_header("Retry-After", str(retry_after))
        request.end_headers()
        request.wfile.write(data)

    def _needs(self, scope: str) -> dict[str, Any] | None:
        if scope in self.scopes:
            return None
        return {
            "ok": False,
            "error": "missing_scope",
            "needed": scope,
            "provided": ",".join(sorted(self.scopes)),
        }

    def _users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        refused = self._needs("users:read.email")
        if refused:
            return refused
        user = self.users.get(str(args.get("email", "")).casefold())
        if user is None:
            return {"ok": False, "error": "users_not_found"}
        return {"ok": True, "user": _user_object(user)}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if not users:
            if args.get("channel") in self.conversations:
                return {"ok": True, "channel": {"id": args["channel"]}}
            return {
                "ok": False,
                "error": "users_list_not_supplied"
                if not args.get("channel")
                else "channel_not_found",
            }
        refused = self._needs("im:write" if len(users) == 1 else "mpim:write")
        if refused:
            return refused
        if len(users) > MAX_USERS:
            return {"ok": False, "error": "too_many_users"}
        known = {u.id: u for u in self.users.values()}
        if any(u not in known or known[u].deleted for u in users):
            return {"ok": False, "error": "user_not_found"}
        if any(known[u].disabled for u in users):
            return {"ok": False, "error": "user_disabled"}
        members = tuple(users)
        for channel, held in self.conversations.items():
            if set(held) == set(members) and (len(held) == 1) == (len(members) == 1):
                return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": channel}}
        prefix = "D" if len(members) == 1 else "G"
        channel = f"{prefix}{next(self._ids):09d}"
        self.conversations[channel] = members
        return {"ok": True, "channel": {"id": channel}}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        refused = self._needs("chat:write")
        if refused:
            return refused
        channel, text = str(args.get("channel", "")), str(args.get("text", "") or "")
        if channel not in self.conversations:
            return {"ok": False, "error": "channel_not_found"}
        if not text and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if len(text) > 40000:
            return {"ok": False, "error": "msg_too_long"}
        self.posts.append((channel, text))
        ts = f"{int(self.now().timestamp()):010d}.{len(self.posts):06d}"
        message = {
            "type": "message",
            "subtype": "bot_message",
            "text": text,
            "ts": ts,
            "bot_id": BOT_ID,
            "username": "mixitup",
        }
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_scheduleMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        refused = self._needs("chat:write")
        if refused:
            return refused
        channel, text = str(args.get("channel", "")), str(args.get("text", "") or "")
        if channel not in self.conversations:
            return {"ok": False, "error": "channel_not_found"}
        if not text and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        try:
            post_at = int(str(args.get("post_at", "")))
        except ValueError:
            return {"ok": False, "error": "invalid_time"}
        now = self.now().timestamp()
        if post_at <= now:
            return {"ok": False, "error": "time_in_past"}
        if post_at > now + SCHEDULE_LIMIT.total_seconds():
            return {"ok": False, "error": "time_too_far"}
        scheduled = f"Q{next(self._ids):09d}"
        self.scheduled[scheduled] = (channel, post_at, text)
        message = {
            "type": "delayed_message",
            "text": text,
            "bot_id": BOT_ID,
            "user": BOT_USER,
            "team": TEAM,
            "username": "mixitup",
        }
        return {
            "ok": True,
            "channel": channel,
            "scheduled_message_id": scheduled,
            "post_at": post_at,
            "message": message,
        }

    def _chat_deleteScheduledMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        refused = self._needs("chat:write")
        if refused:
            return refused
        channel = str(args.get("channel", ""))
        found = self.scheduled.get(str(args.get("scheduled_message_id", "")))
        if channel not in self.conversations:
            return {"ok": False, "error": "channel_not_found"}
        if found is None or found[0] != channel or found[1] <= self.now().timestamp():
            return {"ok": False, "error": "invalid_scheduled_message_id"}
        del self.scheduled[str(args["scheduled_message_id"])]
        return {"ok": True}


def _user_object(user: User) -> dict[str, Any]:
    """A user as users.lookupByEmail returns one (the OpenAPI document's example, trimmed)."""
    return {
        "id": user.id,
        "team_id": TEAM,
        "name": user.email.split("@")[0],
        "deleted": user.deleted,
        "real_name": user.name,
        "tz": "America/Denver",
        "tz_label": "Mountain Standard Time",
        "tz_offset": -25200,
        "is_admin": False,
        "is_owner": False,
        "is_bot": False,
        "is_app_user": False,
        "updated": 1502138686,
        "profile": {
            "avatar_hash": "ge3b51ca72de",
            "real_name": user.name,
            "real_name_normalized": user.name,
            "display_name": user.name,
            "display_name_normalized": user.name,
            "email": user.email,
            "status_text": "",
            "status_emoji": "",
            "team": TEAM,
        },
    }
