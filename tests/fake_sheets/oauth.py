"""Google's identity endpoints, faked for real google-auth and google-auth-oauthlib.

The OAuth token endpoint's refresh-token and authorization-code grants (with PKCE), the
consent page (it signs in `FakeSheets.signed_in` and redirects to the loopback address),
the Security Token Service's token exchange (workload identity federation), IAM
Credentials' generateAccessToken (impersonation), a URL that serves a federation subject
token, and a Compute Engine metadata server. Every token they issue is one the fake Sheets
API accepts, as the identity Google would see.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlencode

if TYPE_CHECKING:
    from .server import FakeSheets

Json = dict[str, Any]
Answer = tuple[int, Json, tuple[tuple[str, str], ...]]
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
AWS_TOKEN_TYPE = "urn:ietf:params:aws:token-type:aws4_request"
PRINCIPAL = "principal://iam.googleapis.com/{pool}/subject/{subject}"
METADATA = (("Metadata-Flavor", "Google"),)


@dataclass
class OAuthClient:
    """A Desktop-app OAuth client, as the school creates it in the Google Cloud console."""

    client_id: str
    client_secret: str


@dataclass
class Grant:
    """What a user consented to: who, for which client, which scopes."""

    email: str
    client_id: str
    scopes: frozenset[str]


@dataclass
class Identities:
    """Everything the identity endpoints know; tests set it up through FakeSheets."""

    clients: dict[str, OAuthClient] = field(default_factory=dict)
    refresh_tokens: dict[str, Grant] = field(default_factory=dict)
    codes: dict[str, tuple[Grant, str, str]] = field(default_factory=dict)  # redirect, challenge
    signed_in: str | None = None  # the account the consent page signs in
    providers: set[str] = field(default_factory=set)  # workload identity pool providers
    subjects: dict[str, str] = field(default_factory=dict)  # subject token -> subject
    token_creators: dict[str, set[str]] = field(default_factory=dict)  # target -> callers
    machine: tuple[str, frozenset[str]] | None = None  # the VM's service account and scopes
    served: dict[str, str] = field(default_factory=dict)  # bearer -> subject token, by URL


def new_client(fake: FakeSheets) -> OAuthClient:
    client = OAuthClient(
        f"{secrets.randbelow(10**12)}-fake.apps.googleusercontent.com",
        "GOCSPX-" + secrets.token_urlsafe(20),
    )
    with fake.lock:
        fake.identities.clients[client.client_id] = client
    return client


def new_refresh_token(fake: FakeSheets, email: str, client: OAuthClient, scopes: set[str]) -> str:
    token = "1//fake-" + secrets.token_urlsafe(30)
    with fake.lock:
        fake.identities.refresh_tokens[token] = Grant(email, client.client_id, frozenset(scopes))
    return token


def _issue(fake: FakeSheets, who: str, scopes: frozenset[str]) -> str:
    token = "ya29.fake-" + secrets.token_urlsafe(24)
    with fake.lock:
        fake.tokens[token] = (who, scopes, time.time() + 3600)
    return token


def _error(error: str, description: str, status: int = 400) -> Answer:
    return status, {"error": error, "error_description": description}, ()


def _one(form: dict[str, list[str]], name: str) -> str:
    return form.get(name, [""])[0]


def token_grant(fake: FakeSheets, form: dict[str, list[str]]) -> Answer | None:
    """The OAuth token endpoint's user grants; None for a grant this module does not handle."""
    grant_type = _one(form, "grant_type")
    if grant_type not in ("refresh_token", "authorization_code"):
        return None
    ids = fake.identities
    client = ids.clients.get(_one(form, "client_id"))
    if client is None or client.client_secret != _one(form, "client_secret"):
        return _error("invalid_client", "The OAuth client was not found.", 401)
    if grant_type == "refresh_token":
        grant = ids.refresh_tokens.get(_one(form, "refresh_token"))
        if grant is None or grant.client_id != client.client_id:
            return _error("invalid_grant", "Token has been expired or revoked.")
        asked = frozenset(_one(form, "scope").split()) or grant.scopes
        if not asked <= grant.scopes:
            return _error("invalid_scope", "Some requested scopes were invalid.")
        token = _issue(fake, grant.email, asked)
        body = {"access_token": token, "expires_in": 3599, "scope": " ".join(sorted(asked))}
        return 200, {**body, "token_type": "Bearer"}, ()
    with fake.lock:
        found = ids.codes.pop(_one(form, "code"), None)
    if found is None:
        return _error("invalid_grant", "Malformed auth code.")
    grant, redirect_uri, challenge = found
    if redirect_uri != _one(form, "redirect_uri"):
        return _error("redirect_uri_mismatch", "Bad Request")
    if challenge != _s256(_one(form, "code_verifier")):
        return _error("invalid_grant", "Invalid code verifier.")
    refresh = new_refresh_token(fake, grant.email, client, set(grant.scopes))
    body = {
        "access_token": _issue(fake, grant.email, grant.scopes),
        "expires_in": 3599,
        "refresh_token": refresh,
        "scope": " ".join(sorted(grant.scopes)),
        "token_type": "Bearer",
        "id_token": _id_token(grant.email, client.client_id),
    }
    return 200, body, ()


def consent(fake: FakeSheets, query: dict[str, list[str]]) -> Answer:
    """The consent page: the signed-in user agrees, and the browser goes to the loopback."""
    ids = fake.identities
    client = ids.clients.get(_one(query, "client_id"))
    redirect = _one(query, "redirect_uri")
    if client is None:
        return _error("invalid_client", "The OAuth client was not found.", 401)
    if not redirect.startswith(("http://127.0.0.1:", "http://localhost:", "http://[::1]:")):
        return _error("invalid_request", "redirect_uri must be a loopback address")
    if _one(query, "code_challenge_method") != "S256":
        return _error("invalid_request", "PKCE S256 required")
    if ids.signed_in is None:  # the person clicked Cancel on the consent screen
        denied = urlencode({"error": "access_denied", "state": _one(query, "state")})
        return 302, {}, (("Location", f"{redirect}?{denied}"),)
    code = "4/fake-" + secrets.token_urlsafe(20)
    scopes = frozenset(_one(query, "scope").split())
    with fake.lock:
        ids.codes[code] = (
            Grant(ids.signed_in, client.client_id, scopes),
            redirect,
            _one(query, "code_challenge"),
        )
    answer = {"state": _one(query, "state"), "code": code, "scope": " ".join(sorted(scopes))}
    return 302, {}, (("Location", f"{redirect}?{urlencode(answer)}"),)


def token_exchange(fake: FakeSheets, form: dict[str, list[str]]) -> Answer:
    """STS: a workload's own token in, a federated Google access token out."""
    ids = fake.identities
    if _one(form, "grant_type") != TOKEN_EXCHANGE:
        return _error("unsupported_grant_type", "Invalid grant_type.")
    audience = _one(form, "audience")
    if audience not in ids.providers:
        return _error(
            "invalid_target",
            'The target service indicated by the "audience" parameters is invalid. This might '
            "either be because the pool or provider is disabled or deleted or because it "
            "doesn't exist.",
        )
    subject = _subject(ids, _one(form, "subject_token"), _one(form, "subject_token_type"))
    if subject is None:
        return _error(
            "invalid_grant", "The given credential is rejected by the attribute condition."
        )
    pool = audience.removeprefix("//iam.googleapis.com/").rsplit("/providers/", 1)[0]
    principal = PRINCIPAL.format(pool=pool, subject=subject)
    token = _issue(fake, principal, frozenset(_one(form, "scope").split()))
    body = {
        "access_token": token,
        "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
        "token_type": "Bearer",
        "expires_in": 3600,
    }
    return 200, body, ()


def _subject(ids: Identities, token: str, token_type: str) -> str | None:
    if token_type != AWS_TOKEN_TYPE:
        return ids.subjects.get(token)
    try:  # a signed GetCallerIdentity request: accept a known access key id
        request = json.loads(unquote(token))
        headers = {h["key"].lower(): h["value"] for h in request["headers"]}
        key_id = headers["authorization"].split("Credential=")[1].split("/")[0]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return ids.subjects.get(f"aws:{key_id}")


def generate_access_token(fake: FakeSheets, target: str, caller: str | None, body: Any) -> Answer:
    """IAM Credentials: `caller` asks for a token of the service account `target`."""
    if caller is None:
        return (
            401,
            {
                "error": {
                    "code": 401,
                    "message": "Request had invalid authentication credentials.",
                    "status": "UNAUTHENTICATED",
                }
            },
            (),
        )
    if caller not in fake.identities.token_creators.get(target, set()):
        message = (
            "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may "
            "not exist)."
        )
        return 403, {"error": {"code": 403, "message": message, "status": "PERMISSION_DENIED"}}, ()
    scopes = frozenset(body.get("scope", [])) if isinstance(body, dict) else frozenset()
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    return 200, {"accessToken": _issue(fake, target, scopes), "expireTime": expires}, ()


def metadata(fake: FakeSheets, path: str, flavor: str | None) -> Answer:
    """The metadata server of a VM with an attached service account (none: 404)."""
    machine = fake.identities.machine
    if path == "/":
        return 200, {}, METADATA
    if flavor != "Google" or machine is None:
        return 403 if flavor != "Google" else 404, {}, METADATA
    email, scopes = machine
    base = "/computeMetadata/v1/instance/service-accounts/default/"
    if path == base:
        return 200, {"aliases": ["default"], "email": email, "scopes": sorted(scopes)}, METADATA
    if path == base + "token":
        # Like a Compute Engine VM: the token carries the VM's access scopes, not the asked ones.
        body = {"access_token": _issue(fake, email, scopes), "expires_in": 3599}
        return 200, {**body, "token_type": "Bearer"}, METADATA
    return 404, {}, METADATA


def subject_by_url(fake: FakeSheets, authorization: str | None) -> Answer:
    """A URL that hands a workload its subject token, as GitHub's OIDC token URL does."""
    bearer = (authorization or "").removeprefix("Bearer ").removeprefix("bearer ")
    token = fake.identities.served.get(bearer)
    if token is None:
        return 401, {"message": "Bad credentials"}, ()
    return 200, {"count": 1, "value": token}, ()


def _s256(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


def _id_token(email: str, audience: str) -> str:
    """An OpenID Connect ID token; its signature is not checked by a client that got it over TLS."""

    def part(value: Json) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {
        "iss": "https://accounts.google.com",
        "aud": audience,
        "sub": str(abs(hash(email))),
        "email": email,
        "email_verified": True,
        "iat": now,
        "exp": now + 3600,
    }
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.{part({'sig': 'fake'})}"
