"""A local fake of Zoom's API on 127.0.0.1, for real `requests`: the Server-to-Server OAuth token
endpoint (`https://zoom.us/oauth/token`, here `{url}/oauth/token`) and the five operations
mixitup calls (`https://api.zoom.us/v2/...`, here `{url}/v2/...`), with Zoom's errors.

Built from Zoom's own documents, and from its users' threads where those say more:

- Operations, parameters, scopes and error codes: Zoom's Meetings OpenAPI document, excerpted in
  tests/data/zoom-openapi-excerpt.json (its "source" names where from); PATCH bodies are
  validated against the excerpt's request schema, and scopes are checked against each
  operation's `x-macro-scopes` (classic) and `x-granular-scopes`.
- The Dashboard's live participants (`user_name`, `email`, no `leave_time` while present):
  Zoom's Rivet SDK types (zoom/rivet-javascript, DashboardsListMeetingParticipantsResponse).
- Error bodies `{"code", "message"}`, 124 for a bad or expired token, 4711 "Invalid access
  token, does not contain scopes:[...]" as HTTP 400: https://developers.zoom.us/docs/api/errors/
  and the issue threads lanec/zoom-batch-downloader#34 and JubaerHossain/zoom-laravel#15.
- Token errors `{"reason", "error"}` as HTTP 400: JubaerHossain/zoom-laravel#3 ("Invalid
  client_id or client_secret", invalid_client) and #4 (unsupported_grant_type); parameters in
  the query string refused: devforum.zoom.us "/oauth/token 400 Bad Request (params in query
  string)"; a new token invalidates the app's older one: devforum.zoom.us "Randomly receiving
  'Invalid access token' for Server-to-Server OAuth".
- A GET lists occurrences still to come unless `show_previous_occurrences=true` ("to view
  meeting details of all previous occurrences", meetingGet).
- One pre-assignment per meeting for all its occurrences: `occurrence_id` carries only agenda,
  start_time, duration and seven named settings (meetingUpdate's parameter); `rooms` replaces
  the list (meetingUpdate's "Create room(s)"). Zoom's support article the `breakout_room`
  setting links to (support.zoom.us/hc/en-us/articles/360032752671, as mirrored by schools'
  guides): "Only one set of pre-assignments can be configured for a meeting", "You can't edit
  a single meeting in the recurrence and apply a unique pre-assignment", up to 100 rooms and
  1,000 participants, applied only to participants signed in with the assigned email.
- Rate limits: https://developers.zoom.us/docs/api/rate-limits/ (`X-RateLimit-Type: QPS` or
  `Daily-limit`, an ISO-8601 `Retry-After` for a daily limit); the meeting-update limit's body
  as Zoom sent it, without those headers: devforum.zoom.us "Zoom API Create Meeting API Rate
  Limit - Sample error when breaching limit".
- Reports: Pro plan or higher ("Only available for Paid or ZMP account"), `duration` in
  seconds, `page_size` at most 300, `next_page_token` valid 15 minutes ("The next page token is
  invalid or expired", code 300), a numeric meeting ID meaning its latest instance, and UUIDs
  that begin with `/` or contain `//` double-encoded (reportMeetingParticipants). The fake
  decodes the path once and collapses `//` before routing, as a gateway would, which is why a
  singly-encoded such UUID is not found. The Dashboard: a Business plan ("Only available for
  paid account and enabled Dashboard feature", code 200).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import math
import re
import secrets
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jsonschema
import requests
import requests.adapters

Json = dict[str, Any]
Answer = tuple[int, Json | None, tuple[tuple[str, str], ...]]
SPEC: Json = json.loads(
    (Path(__file__).parent / "data" / "zoom-openapi-excerpt.json").read_text(encoding="utf-8")
)
OPERATIONS: dict[str, Json] = SPEC["operations"]
ACCOUNT_ID = "SchoolAcct-8f3K2"
CLIENT_ID = "mixitupS2SclientID"
CLIENT_SECRET = "s3cr3t-Zoom-client-Secret-0123456789"
MEETING_ID = 81234567890
EVERY_SCOPE = frozenset(
    scope
    for operation in OPERATIONS.values()
    for scope in operation["x-granular-scopes"]
    if scope.endswith(":admin")
)
PLANS = ("basic", "pro", "business", "enterprise")
# What PATCH ?occurrence_id= may change (meetingUpdate's occurrence_id parameter).
OCCURRENCE_FIELDS = frozenset({"agenda", "start_time", "duration"})
OCCURRENCE_SETTINGS = frozenset(
    {
        "host_video",
        "participant_video",
        "join_before_host",
        "mute_upon_entry",
        "waiting_room",
        "watermark",
        "auto_recording",
    }
)
UPDATE_LIMIT_MESSAGE = (
    "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests "
    "permitted for this particular user. You may resume these requests at GMT 00:00:00."
)


@dataclass(frozen=True)
class Fault:
    """One misbehaviour for the next request to a route: answer `status` with `headers` and
    `json` instead, or (`drop`) close the connection without an answer."""

    status: int = 503
    headers: tuple[tuple[str, str], ...] = ()
    json: Json | None = None
    drop: bool = False


def rate_limited(retry_after: str | None = None) -> Fault:
    """429 for a per-second limit, with Retry-After in whatever form is given (None: none)."""
    headers = [("X-RateLimit-Category", "Light"), ("X-RateLimit-Type", "QPS")]
    if retry_after is not None:
        headers.append(("Retry-After", retry_after))
    body = {
        "code": 429,
        "message": "You have reached the maximum per-second rate limit for this API. Try again "
        "later.",
    }
    return Fault(429, tuple(headers), body)


def daily_limit(retry_after: str | None = "2027-01-14T00:00:00Z") -> Fault:
    """429 for an account's daily limit, as the rate-limits page shows it."""
    headers = [("X-RateLimit-Category", "Heavy"), ("X-RateLimit-Type", "Daily-limit")]
    if retry_after is not None:
        headers.append(("Retry-After", retry_after))
    body = {
        "code": 429,
        "message": "You have reached the maximum daily rate limit for this API. Refer to the "
        "response header for details on when you can make another request.",
    }
    return Fault(429, tuple(headers), body)


def server_error(status: int = 503) -> Fault:
    return Fault(status, (), {"code": status, "message": "Service Unavailable"})


@dataclass
class PastInstance:
    """An ended instance of a meeting and its participants report (rows in Zoom's shape)."""

    uuid: str
    start_time: str
    participants: list[Json] = field(default_factory=list)
    processing: bool = False  # ended, but Zoom has not made its report yet


@dataclass
class Meeting:
    """A recurring meeting (type 8) as Zoom keeps it."""

    id: int = MEETING_ID
    host_email: str = "careers@school.example"
    topic: str = "Mix It Up"
    status: str = "waiting"  # "started" while in progress
    start_time: str = "2027-01-13T19:00:00Z"
    duration: int = 60
    timezone: str = "America/Denver"
    settings: Json = field(
        default_factory=lambda: {
            "host_video": False,
            "participant_video": False,
            "join_before_host": False,
            "mute_upon_entry": True,
            "waiting_room": False,
            "watermark": False,
            "auto_recording": "none",
            "breakout_room": {"enable": False},
        }
    )
    occurrences: list[Json] = field(default_factory=list)
    instances: list[PastInstance] = field(default_factory=list)
    live: list[Json] = field(default_factory=list)  # Dashboard rows while in progress
    updates: int = 0  # PATCHes today (the host's daily limit)
    agenda: str = ""


@dataclass
class Call:
    """One request the fake received."""

    method: str
    raw_path: str  # as sent, before any decoding
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int = 0


@dataclass
class _Page:
    rows: list[Json]
    offset: int
    size: int
    key: str


class FakeZoom:
    """Zoom's token endpoint and API for one account, one Server-to-Server OAuth app and its
    meetings. Tests arrange state through the attributes, queue faults with `fail`, and read
    `calls`. `url` is the base of both: the client's oauth_url, and `url + "/v2"` its api_url.
    """

    def __init__(
        self,
        *,
        plan: str = "business",
        scopes: frozenset[str] = EVERY_SCOPE,
        update_limit: int = 100,
        daily_headers: bool = False,
    ) -> None:
        assert plan in PLANS
        self.account_id = ACCOUNT_ID
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET
        self.plan = plan
        self.scopes = scopes
        self.update_limit = update_limit
        self.daily_headers = daily_headers  # the rate-limits page's headers on the update limit
        self.meetings: dict[int, Meeting] = {MEETING_ID: Meeting()}
        self.now = lambda: dt.datetime.now(dt.UTC)  # Zoom's clock, for occurrences to come
        self.calls: list[Call] = []
        self.tokens_issued: list[str] = []
        self.lock = threading.Lock()
        self._valid: dict[str, dt.datetime] = {}  # the app's current token -> its expiry
        self._faults: dict[str, list[Fault]] = {}
        self._pages: dict[str, _Page] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def do_PATCH(self) -> None:
                fake._handle(self, "PATCH")

            def log_message(self, format: str, *args: Any) -> None:  # the stdlib's name
                """Quiet: tests read `calls`."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/v2"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- arranging ---------------------------------------------------------------------------

    @property
    def meeting(self) -> Meeting:
        return self.meetings[MEETING_ID]

    def fail(self, route: str, *faults: Fault) -> None:
        """Queue faults for a route: token, meeting, meetingUpdate, pastMeetings,
        reportMeetingParticipants, dashboardMeetingParticipants."""
        assert route == "token" or route in OPERATIONS, route
        with self.lock:
            self._faults.setdefault(route, []).extend(faults)

    def expire_tokens(self) -> None:
        """Every token issued so far is past its hour (Zoom then answers 401, code 124)."""
        with self.lock:
            past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
            self._valid = dict.fromkeys(self._valid, past)

    def rooms(self, meeting_id: int = MEETING_ID) -> Json:
        with self.lock:
            return copy.deepcopy(self.meetings[meeting_id].settings["breakout_room"])

    def requests_to(self, route: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if _route(c.method, _routed(c.raw_path))[0] == route]

    # -- serving -------------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        raw = handler.path
        split = urlsplit(raw)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        call = Call(
            method,
            split.path,
            parse_qs(split.query, keep_blank_values=True),
            dict(handler.headers.items()),
            body,
        )
        path = _routed(split.path)
        route, ident = _route(method, path)
        with self.lock:
            self.calls.append(call)
            queue = self._faults.get(route, [])
            fault = queue.pop(0) if queue else None
        if fault is not None and fault.drop:
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None:
            status, answer, headers = fault.status, fault.json, fault.headers
        else:
            with self.lock:
                status, answer, headers = self._answer(route, ident, call)
        call.status = status
        payload = b"" if answer is None else json.dumps(answer).encode()
        handler.send_response(status)
        for name, value in headers:
            handler.send_header(name, value)
        if answer is not None:
            handler.send_header("Content-Type", "application/json;charset=UTF-8")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def _answer(self, route: str, ident: str, call: Call) -> Answer:
        if route == "token":
            return self._token(call)
        if route == "unknown":
            return 404, {"code": 404, "message": "No such API in the fake."}, ()
        refused = self._authorize(route, call)
        if refused is not None:
            return refused
        query = {k: v[-1] for k, v in call.query.items()}
        if route == "meeting":
            return self._get_meeting(ident, query)
        if route == "meetingUpdate":
            return self._update_meeting(ident, query, call.body)
        if route == "pastMeetings":
            return self._instances(ident)
        if route == "reportMeetingParticipants":
            return self._report(ident, query)
        return self._live(ident, query)

    # -- OAuth ---------------------------------------------------------------------------------

    def _token(self, call: Call) -> Answer:
        def refuse(reason: str, error: str) -> Answer:
            return 400, {"reason": reason, "error": error}, ()

        if call.method != "POST":
            return 405, {"reason": "Method Not Allowed", "error": "invalid_request"}, ()
        authorization = call.headers.get("Authorization", "")
        expected = "Basic " + _b64(f"{self.client_id}:{self.client_secret}")
        if authorization != expected:
            return refuse("Invalid client_id or client_secret", "invalid_client")
        form = {k: v[-1] for k, v in parse_qs(call.body.decode("utf-8")).items()}
        if form.get("grant_type") != "account_credentials":
            return refuse("unsupported grant type", "unsupported_grant_type")
        if form.get("account_id") != self.account_id:
            # The wording is not documented; the status and the error field follow RFC 6749.
            return refuse("Invalid account_id", "invalid_request")
        token = "eyJzdiI6IjAwMDAwMSJ9." + secrets.token_urlsafe(48)
        self.tokens_issued.append(token)
        # The app's older token stops working as a new one is issued.
        self._valid = {token: dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)}
        answer = {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": 3599,
            "scope": " ".join(sorted(self.scopes)),
            "api_url": "https://api.zoom.us",
        }
        return 200, answer, ()

    def _authorize(self, route: str, call: Call) -> Answer | None:
        authorization = call.headers.get("Authorization", "")
        token = authorization.removeprefix("Bearer ").strip()
        if not authorization.startswith("Bearer ") or token not in self.tokens_issued:
            return 401, {"code": 124, "message": "Invalid access token."}, ()
        expiry = self._valid.get(token)
        if expiry is None:
            return 401, {"code": 124, "message": "Invalid access token."}, ()
        if expiry <= dt.datetime.now(dt.UTC):
            return 401, {"code": 124, "message": "Access token is expired."}, ()
        operation = OPERATIONS[route]
        accepted = {*operation["x-macro-scopes"], *operation["x-granular-scopes"]}
        if not accepted & self.scopes:
            wanted = ", ".join(operation["x-granular-scopes"])
            message = f"Invalid access token, does not contain scopes:[{wanted}]."
            return 400, {"code": 4711, "message": message}, ()
        return None

    # -- meetings ------------------------------------------------------------------------------

    def _find(self, ident: str) -> Meeting | None:
        return self.meetings.get(int(ident)) if ident.isdigit() else None

    def _get_meeting(self, ident: str, query: dict[str, str]) -> Answer:
        meeting = self._find(ident)
        if meeting is None:
            return 404, {"code": 3001, "message": f"Meeting does not exist: {ident}."}, ()
        occurrences = meeting.occurrences
        if query.get("show_previous_occurrences") != "true":  # by default, those to come only
            now = self.now()
            occurrences = [
                o
                for o in occurrences
                if dt.datetime.fromisoformat(o["start_time"]) + dt.timedelta(minutes=o["duration"])
                > now
            ]
        answer = {
            "id": meeting.id,
            "uuid": "iEb0Ybp1TTCPw2AV9ZTAug==",
            "host_email": meeting.host_email,
            "topic": meeting.topic,
            "type": 8,
            "status": meeting.status,
            "start_time": meeting.start_time,
            "duration": meeting.duration,
            "timezone": meeting.timezone,
            "agenda": meeting.agenda,
            "join_url": f"https://us06web.zoom.us/j/{meeting.id}",
            "occurrences": copy.deepcopy(occurrences),
            "settings": copy.deepcopy(meeting.settings),
        }
        return 200, answer, ()

    def _update_meeting(self, ident: str, query: dict[str, str], raw: bytes) -> Answer:
        meeting = self._find(ident)
        if meeting is None:
            return 404, {"code": 3001, "message": f"Meeting does not exist: {ident}."}, ()
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return 400, {"code": 300, "message": "Request Body should be a valid JSON object."}, ()
        schema = OPERATIONS["meetingUpdate"]["requestBody"]
        problems = sorted(jsonschema.Draft7Validator(schema).iter_errors(body), key=str)
        if problems:
            fields = [
                {"field": ".".join(str(p) for p in e.absolute_path), "message": "Invalid field."}
                for e in problems
            ]
            return 400, {"code": 300, "message": "Validation Failed.", "errors": fields}, ()
        if meeting.updates >= self.update_limit:
            headers: tuple[tuple[str, str], ...] = ()
            if self.daily_headers:
                tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
                headers = (
                    ("X-RateLimit-Type", "Daily-limit"),
                    ("Retry-After", f"{tomorrow.isoformat()}T00:00:00Z"),
                )
            return 429, {"code": 429, "message": UPDATE_LIMIT_MESSAGE}, headers
        meeting.updates += 1
        settings = body.get("settings") or {}
        if "occurrence_id" in query:
            # An occurrence takes only these; breakout rooms belong to the whole meeting.
            body = {k: v for k, v in body.items() if k in OCCURRENCE_FIELDS}
            settings = {k: v for k, v in settings.items() if k in OCCURRENCE_SETTINGS}
        for key in ("agenda", "start_time", "duration", "topic", "timezone"):
            if key in body:
                setattr(meeting, key, body[key])
        for key, value in settings.items():
            if key == "breakout_room":
                current = meeting.settings.setdefault("breakout_room", {"enable": False})
                if "enable" in value:
                    current["enable"] = value["enable"]
                if "rooms" in value:  # the list replaces the meeting's
                    current["rooms"] = copy.deepcopy(value["rooms"])
            else:
                meeting.settings[key] = value
        return 204, None, ()

    def _instances(self, ident: str) -> Answer:
        meeting = self._find(ident)
        if meeting is None:
            return 404, {"code": 3001, "message": f"Meeting does not exist: {ident}."}, ()
        listed = [{"uuid": i.uuid, "start_time": i.start_time} for i in meeting.instances]
        return 200, {"meetings": listed}, ()

    # -- participants ------------------------------------------------------------------------

    def _report(self, ident: str, query: dict[str, str]) -> Answer:
        if self.plan not in ("pro", "business", "enterprise"):
            message = f"Only available for Paid or ZMP account: {self.account_id}."
            return 400, {"code": 200, "message": message}, ()
        instance = None
        if ident.isdigit():  # a meeting ID means its latest instance
            meeting = self.meetings.get(int(ident))
            ended = meeting.instances if meeting else []
            instance = max(ended, key=lambda i: i.start_time) if ended else None
        else:
            instance = next(
                (i for m in self.meetings.values() for i in m.instances if i.uuid == ident), None
            )
        if instance is None or instance.processing:
            return 404, {"code": 3001, "message": f"Meeting {ident} not found or has expired."}, ()
        return self._page(f"report:{instance.uuid}", instance.participants, query)

    def _live(self, ident: str, query: dict[str, str]) -> Answer:
        if self.plan not in ("business", "enterprise"):
            message = "Only available for paid account and enabled Dashboard feature."
            return 400, {"code": 200, "message": message}, ()
        if query.get("type", "live") != "live":
            return 501, {"code": 501, "message": "The fake models type=live only."}, ()
        meeting = self._find(ident)
        if meeting is None or meeting.status != "started":
            message = "This meeting's details info is not available or ID is not valid."
            return 404, {"code": 3001, "message": message}, ()
        return self._page(f"live:{meeting.id}", meeting.live, query)

    def _page(self, key: str, rows: list[Json], query: dict[str, str]) -> Answer:
        token = query.get("next_page_token", "")
        if token:
            page = self._pages.pop(token, None)
            if page is None or page.key != key:
                message = "The next page token is invalid or expired."
                return 400, {"code": 300, "message": message}, ()
            rows, offset, size = page.rows, page.offset, page.size
        else:
            size = min(300, int(query.get("page_size") or 30))
            rows, offset = copy.deepcopy(rows), 0
        chunk = rows[offset : offset + size]
        following = ""
        if offset + size < len(rows):
            following = secrets.token_urlsafe(24)
            self._pages[following] = _Page(rows, offset + size, size, key)
        answer = {
            "page_count": max(1, math.ceil(len(rows) / size)),
            "page_size": size,
            "total_records": len(rows),
            "next_page_token": following,
            "participants": chunk,
        }
        return 200, answer, ()


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def _routed(raw_path: str) -> str:
    """The path as the fake routes it: decoded once, repeated slashes collapsed."""
    return re.sub(r"/{2,}", "/", unquote(raw_path))


ROUTES = (
    ("POST", re.compile(r"^/oauth/token$"), "token"),
    ("GET", re.compile(r"^/v2/meetings/([^/]+)$"), "meeting"),
    ("PATCH", re.compile(r"^/v2/meetings/([^/]+)$"), "meetingUpdate"),
    ("GET", re.compile(r"^/v2/past_meetings/([^/]+)/instances$"), "pastMeetings"),
    ("GET", re.compile(r"^/v2/report/meetings/(.+)/participants$"), "reportMeetingParticipants"),
    (
        "GET",
        re.compile(r"^/v2/metrics/meetings/(.+)/participants$"),
        "dashboardMeetingParticipants",
    ),
)


def _route(method: str, path: str) -> tuple[str, str]:
    """The route and its identifier (decoded a second time, as Zoom reads a UUID)."""
    if path == "/oauth/token":
        return "token", ""
    for wanted, pattern, route in ROUTES:
        match = pattern.match(path)
        if match and method == wanted:
            return route, unquote(match[1]) if match.groups() else ""
    return "unknown", ""


def report_row(
    name: str,
    email: str,
    seconds: int,
    join: str = "2027-01-13T19:01:00Z",
    leave: str = "2027-01-13T19:59:00Z",
) -> Json:
    """A participants-report row as Zoom writes it (`duration` in seconds)."""
    return {
        "id": secrets.token_urlsafe(16),
        "user_id": str(16778240 + secrets.randbelow(10**6)),
        "participant_user_id": "",
        "name": name,
        "user_email": email,
        "join_time": join,
        "leave_time": leave,
        "duration": seconds,
        "failover": False,
        "status": "in_meeting",
        "customer_key": "",
        "bo_mtg_id": "",
    }


def live_row(name: str, email: str, join: str, leave: str | None = None) -> Json:
    """A Dashboard live-participants row; `leave_time` only for someone who left."""
    row: Json = {
        "id": "",
        "user_id": str(16778240 + secrets.randbelow(10**6)),
        "participant_user_id": "",
        "user_name": name,
        "email": email,
        "join_time": join,
        "device": "Windows",
        "status": "in_meeting",
        "role": "attendee",
    }
    if leave is not None:
        row["leave_time"] = leave
        row["leave_reason"] = f"{name} left the meeting."
    return row


class _ToZoom(requests.adapters.HTTPAdapter):
    """Sends https://zoom.us/... and https://api.zoom.us/... to the fake on 127.0.0.1."""

    def __init__(self, base: str, host: str) -> None:
        super().__init__()
        self.base, self.host = base, host

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        assert request.url is not None
        request.url = self.base + request.url.removeprefix(self.host)
        return super().send(request, *args, **kwargs)


def connect(session: requests.Session, fake: FakeZoom) -> requests.Session:
    """Route `session`'s calls to Zoom's hosts to `fake` (what `main(session=...)` needs)."""
    session.mount("https://zoom.us/", _ToZoom(fake.url + "/", "https://zoom.us/"))
    session.mount("https://api.zoom.us/v2/", _ToZoom(fake.api_url + "/", "https://api.zoom.us/v2/"))
    return session
