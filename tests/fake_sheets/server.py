"""An HTTP server on 127.0.0.1 that answers like the Sheets API v4 and Google's token endpoint.

Real google-auth signs a JWT with a throwaway RSA key; /token checks its RS256 signature,
audience, scope and lifetime, and issues an access token the API routes then require.
Faults (429, 5xx, an HTML 502, a dropped connection, a hang, "applied, then 503") are
queued per route and consumed in order.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from . import discovery, oauth
from .spreadsheet import ApiError, Json, Spreadsheet, forbidden, not_found

SPREADSHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
SHEETS_SCOPES = {SPREADSHEETS_SCOPE, "https://www.googleapis.com/auth/drive"}
# google-auth always names Google's token endpoint as the audience, wherever it posts.
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
Route = Literal["token", "get", "batchUpdate", "auth", "sts", "iam", "subject", "metadata", "other"]
HTML_502 = (
    "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n"
    "  <title>Error 502 (Server Error)!!1</title>\n"
    "  <p><b>502.</b> <ins>That's an error.</ins>\n"
    "  <p>The server encountered a temporary error and could not complete your request."
    "<p>Please try again in 30 seconds.  <ins>That's all we know.</ins>\n"
)


@dataclass(frozen=True)
class Fault:
    """One misbehaviour for the next matching request.

    status/headers/json/html: answer this instead; drop: close the connection without an
    answer; hang: answer only after the test releases it (past any sane read timeout);
    applied: carry out the request first, then misbehave (the ambiguous write).
    """

    status: int = 503
    headers: tuple[tuple[str, str], ...] = ()
    json: Json | None = None
    html: str | None = None
    drop: bool = False
    hang: bool = False
    applied: bool = False

    @staticmethod
    def error(status: int, message: str, word: str, retry_after: str | None = None) -> Fault:
        headers = (("Retry-After", retry_after),) if retry_after is not None else ()
        body = {"error": {"code": status, "message": message, "status": word}}
        return Fault(status=status, headers=headers, json=body)


def rate_limited(retry_after: str | None = None) -> Fault:
    """429 as Sheets sends it when a per-minute quota is used up."""
    return Fault.error(
        429,
        "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per "
        "minute per user' of service 'sheets.googleapis.com'.",
        "RESOURCE_EXHAUSTED",
        retry_after,
    )


def server_error(status: int = 503, retry_after: str | None = None) -> Fault:
    """A 5xx as Sheets sends it; with `retry_after`, saying when to try again (a CLI test
    passes "0": the backoff sleeps for real there)."""
    word, message = {
        500: ("INTERNAL", "Internal error encountered."),
        503: ("UNAVAILABLE", "The service is currently unavailable."),
    }.get(status, ("UNKNOWN", "Error."))
    return Fault.error(status, message, word, retry_after)


def html_502() -> Fault:
    return Fault(status=502, html=HTML_502)


@dataclass(frozen=True)
class Call:
    """One request the fake received, and what it answered."""

    method: str
    route: Route
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int  # 0: dropped or left hanging


@dataclass
class Account:
    """A service account the fake knows: its public key, to check JWT signatures."""

    email: str
    key_id: str
    public_key: rsa.RSAPublicKey


@dataclass
class FakeSheets:
    """The fake API: spreadsheets, service accounts, issued tokens, faults and a call log."""

    spreadsheets: dict[str, Spreadsheet] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    tokens: dict[str, tuple[str, frozenset[str], float]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    faults: dict[Route, list[tuple[Fault, str]]] = field(default_factory=dict)  # and for which id
    lock: threading.RLock = field(default_factory=threading.RLock)
    release: threading.Event = field(default_factory=threading.Event)
    identities: oauth.Identities = field(default_factory=oauth.Identities)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeSheets:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.02,), name="fake-sheets", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    @property
    def token_uri(self) -> str:
        return f"{self.base_url}/token"

    # -- set-up ----------------------------------------------------------------------------

    def create(self, spreadsheet_id: str, editors: tuple[str, ...] = ()) -> Spreadsheet:
        """A new spreadsheet with one 'Sheet1' tab, shared with `editors`."""
        book = Spreadsheet(spreadsheet_id, editors=set(editors))
        book.add("Sheet1")
        with self.lock:
            self.spreadsheets[spreadsheet_id] = book
        return book

    def register(self, email: str, key_id: str, public_key: rsa.RSAPublicKey) -> None:
        with self.lock:
            self.accounts[email] = Account(email, key_id, public_key)

    def fail(self, route: Route, *faults: Fault, spreadsheet_id: str = "") -> None:
        """Queue `faults` for the next requests to `route`, in order; only to `spreadsheet_id`
        when given (other spreadsheets' requests pass them by)."""
        with self.lock:
            self.faults.setdefault(route, []).extend((f, spreadsheet_id) for f in faults)

    def count(self, route: Route, spreadsheet_id: str = "") -> int:
        """Requests received on `route`, only those to `spreadsheet_id` when given."""
        with self.lock:
            return sum(
                call.route == route and f"/{spreadsheet_id}" in call.path for call in self.calls
            )

    def forget_calls(self) -> None:
        with self.lock:
            self.calls.clear()

    # -- answering -------------------------------------------------------------------------

    def _next_fault(self, route: Route, path: str = "") -> Fault | None:
        with self.lock:
            queue = self.faults.get(route, [])
            for index, (fault, spreadsheet_id) in enumerate(queue):
                if f"/{spreadsheet_id}" in path:
                    del queue[index]
                    return fault
            return None

    def _token(self, form: dict[str, list[str]]) -> tuple[int, Json]:
        if (user := oauth.token_grant(self, form)) is not None:
            return user[0], user[1]
        if form.get("grant_type", [""])[0] != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": "Invalid grant_type: ",
            }
        try:
            header_b64, claims_b64, signature_b64 = form.get("assertion", [""])[0].split(".")
            header, claims = json.loads(_b64(header_b64)), json.loads(_b64(claims_b64))
        except ValueError:
            return 400, _grant_error("Invalid JWT: malformed assertion.")
        account = self.accounts.get(str(claims.get("iss")))
        if account is None:
            return 400, _grant_error("Invalid grant: account not found")
        if header.get("alg") != "RS256":
            return 400, _grant_error("Invalid JWT: unsupported signing algorithm.")
        try:
            account.public_key.verify(
                _b64(signature_b64),
                f"{header_b64}.{claims_b64}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except InvalidSignature:
            return 400, _grant_error("Invalid JWT Signature.")
        if claims.get("aud") not in (GOOGLE_TOKEN_AUDIENCE, self.token_uri):
            return 400, _grant_error("Invalid JWT: Failed audience check.")
        now = time.time()
        if not (claims.get("iat", 0) - 300 <= now <= claims.get("exp", 0) + 300) or (
            claims.get("exp", 0) - claims.get("iat", 0) > 3600
        ):
            return 400, _grant_error(
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                "reasonable timeframe. Check your iat and exp values in the JWT claim."
            )
        scopes = frozenset(str(claims.get("scope", "")).split())
        if not scopes:
            return 400, {
                "error": "invalid_scope",
                "error_description": "Invalid OAuth scope or ID token audience provided.",
            }
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = (account.email, scopes, now + 3600)
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def _caller(self, authorization: str | None) -> str:
        """The service account behind a request's bearer token; 401/403 otherwise."""
        hint = (
            "Expected OAuth 2 access token, login cookie or other valid authentication "
            "credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
        )
        if not authorization or not authorization.startswith("Bearer "):
            raise ApiError(
                401,
                f"Request is missing required authentication credential. {hint}",
                "UNAUTHENTICATED",
            )
        with self.lock:
            grant = self.tokens.get(authorization.removeprefix("Bearer "))
        if grant is None or grant[2] < time.time():
            raise ApiError(
                401, f"Request had invalid authentication credentials. {hint}", "UNAUTHENTICATED"
            )
        email, scopes, _ = grant
        if not scopes & SHEETS_SCOPES:
            raise ApiError(
                403, "Request had insufficient authentication scopes.", "PERMISSION_DENIED"
            )
        return email

    def _book(self, spreadsheet_id: str, caller: str, write: bool) -> Spreadsheet:
        book = self.spreadsheets.get(spreadsheet_id)
        if book is None:
            raise not_found()
        allowed = book.editors if write else book.editors | book.readers
        if caller not in allowed:
            raise forbidden()
        return book

    def _get(self, spreadsheet_id: str, caller: str, query: dict[str, list[str]]) -> Json:
        grid = query.get("includeGridData", ["false"])[0]
        if grid not in ("true", "false", "True", "False"):
            raise ApiError(400, f"Invalid value at 'include_grid_data' (TYPE_BOOL), \"{grid}\"")
        fields = ",".join(query.get("fields", []))
        if fields and (bad := discovery.bad_mask_paths(fields, "Spreadsheet")):
            raise ApiError(400, f"Request contains an invalid argument: fields {', '.join(bad)}")
        with self.lock:
            book = self._book(spreadsheet_id, caller, write=False)
            # As on Google: "If a field mask is set, the includeGridData parameter is ignored."
            resource = book.resource(
                grid_data=bool(fields) or grid.lower() == "true", caller=caller
            )
        if fields:
            resource = discovery.prune(resource, discovery.mask_tree(discovery.parse_mask(fields)))
        return dict(resource)

    def _batch_update(self, spreadsheet_id: str, caller: str, body: Any) -> Json:
        with self.lock:
            book = self._book(spreadsheet_id, caller, write=True)
            if not isinstance(body, dict):
                raise ApiError(400, "Invalid JSON payload received.")
            return book.batch_update(body)


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _grant_error(description: str) -> Json:
    return {"error": "invalid_grant", "error_description": description}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ESF"  # what Google's front end calls itself

    @property
    def fake(self) -> FakeSheets:
        fake: FakeSheets = self.server.fake  # type: ignore[attr-defined]
        return fake

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes; without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every answer on a kept-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # the stdlib's name
        """Quiet: the call log is in FakeSheets.calls."""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        route, spreadsheet_id = _route(method, unquote(parts.path))
        body: Any = None
        if raw:
            try:
                body = json.loads(raw) if route not in ("token", "sts") else parse_qs(raw.decode())
            except ValueError:
                body = raw.decode(errors="replace")
        fault = self.fake._next_fault(route, parts.path)
        if fault is not None and not fault.applied:
            self._log(Call(method, route, parts.path, query, body, _shown(fault)))
            self._misbehave(fault)
            return
        headers: tuple[tuple[str, str], ...] | None = None
        if route in ("auth", "sts", "iam", "subject", "metadata"):
            status, answer, headers = self._identity(route, parts.path, spreadsheet_id, query, body)
        else:
            status, answer = self._answer(route, spreadsheet_id, query, body)
        # Logged before answering, so a client that has its answer sees its call counted.
        self._log(Call(method, route, parts.path, query, body, _shown(fault) if fault else status))
        if fault is not None:
            self._misbehave(fault)
        elif headers is not None:  # an identity endpoint: JSON, or an empty redirect
            payload = b"" if status == 302 else json.dumps(answer).encode()
            self._send_raw(status, payload, "application/json; charset=UTF-8", headers)
        else:
            self._send(status, answer)

    def _identity(
        self, route: Route, path: str, target: str, query: dict[str, list[str]], body: Any
    ) -> oauth.Answer:
        if route == "auth":
            return oauth.consent(self.fake, query)
        if route == "sts":
            return oauth.token_exchange(self.fake, body if isinstance(body, dict) else {})
        if route == "subject":
            return oauth.subject_by_url(self.fake, self.headers.get("Authorization"))
        if route == "metadata":
            return oauth.metadata(self.fake, path, self.headers.get("Metadata-Flavor"))
        bearer = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        with self.fake.lock:
            grant = self.fake.tokens.get(bearer)
        caller = grant[0] if grant and grant[2] > time.time() else None
        return oauth.generate_access_token(self.fake, target, caller, body)

    def _log(self, call: Call) -> None:
        with self.fake.lock:
            self.fake.calls.append(call)

    def _answer(
        self, route: Route, spreadsheet_id: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Json]:
        if route == "token":
            form = dict(body) if isinstance(body, dict) else {}
            basic = self.headers.get("Authorization", "")
            if basic.startswith("Basic "):  # RFC 6749 2.3.1: client id and secret in a header
                client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
                form["client_id"], form["client_secret"] = [unquote(client_id)], [unquote(secret)]
            return self.fake._token(form)
        if route == "other":
            return 404, {}
        try:
            caller = self.fake._caller(self.headers.get("Authorization"))
            if route == "get":
                return 200, self.fake._get(spreadsheet_id, caller, query)
            return 200, self.fake._batch_update(spreadsheet_id, caller, body)
        except ApiError as error:
            return error.code, error.body()

    def _misbehave(self, fault: Fault) -> None:
        if fault.hang:
            self.fake.release.wait(timeout=30)
            self.close_connection = True
            return
        if fault.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault.html is not None:
            self._send_raw(
                fault.status, fault.html.encode(), "text/html; charset=UTF-8", fault.headers
            )
        else:
            payload = json.dumps(fault.json or {}).encode()
            self._send_raw(fault.status, payload, "application/json; charset=UTF-8", fault.headers)

    def _send(self, status: int, answer: Json) -> None:
        if status == 404 and not answer:
            page = b"<!DOCTYPE html><html lang=en><title>Error 404 (Not Found)!!1</title></html>"
            self._send_raw(404, page, "text/html; charset=UTF-8")
            return
        self._send_raw(status, json.dumps(answer).encode(), "application/json; charset=UTF-8")

    def _send_raw(
        self,
        status: int,
        payload: bytes,
        content_type: str,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True  # the client gave up (a read timeout): nothing to do


def _shown(fault: Fault) -> int:
    """The status a fault answers with; 0 when it answers nothing."""
    return 0 if fault.drop or fault.hang else fault.status


def _route(method: str, path: str) -> tuple[Route, str]:
    if method == "POST" and path == "/token":
        return "token", ""
    if method == "GET" and path == "/o/oauth2/auth":
        return "auth", ""
    if method == "POST" and path == "/sts/v1/token":
        return "sts", ""
    if method == "GET" and path == "/subject-token":
        return "subject", ""
    if method == "GET" and (path == "/" or path.startswith("/computeMetadata/")):
        return "metadata", ""
    iam = "/v1/projects/-/serviceAccounts/"
    if method == "POST" and path.startswith(iam) and path.endswith(":generateAccessToken"):
        return "iam", path[len(iam) :].removesuffix(":generateAccessToken")
    prefix = "/v4/spreadsheets/"
    if path.startswith(prefix):
        rest = path[len(prefix) :]
        if method == "GET" and "/" not in rest and ":" not in rest:
            return "get", rest
        if method == "POST" and rest.endswith(":batchUpdate") and "/" not in rest:
            return "batchUpdate", rest.removesuffix(":batchUpdate")
    return "other", ""


def new_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
