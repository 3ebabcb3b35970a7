"""Google credentials for the Sheets API: any file google-auth loads, else Application Default
Credentials; the identity Google sees; and what to do when Google refuses it.

google-auth does all the OAuth; this module picks its loader, asks for the spreadsheets scope
only, and turns its failures into messages for staff that never quote a secret.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from google.auth import credentials as auth_credentials
from google.auth import exceptions as auth_exceptions

from mixitup.errors import BackendError

log = logging.getLogger(__name__)

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)  # open by id: no Drive scope
# What each "type" of credentials file is, in staff's words.
KINDS = {
    "service_account": "service-account key",
    "authorized_user": "Google account sign-in",
    "external_account": "workload identity federation configuration",
    "external_account_authorized_user": "workforce identity federation sign-in",
    "impersonated_service_account": "service-account impersonation configuration",
}
# Fields google-auth needs, per type, so a message can name the missing ones.
KEY_FIELDS = {
    "service_account": ("client_email", "private_key", "token_uri"),
    "authorized_user": ("client_id", "client_secret", "refresh_token"),
}
FRESH = {
    "service_account": "Download a fresh JSON key for the service account; "
    "credentials.example.json shows the shape.",
    "authorized_user": "Run `mixitup login` again to write a complete one.",
}
# Fields whose value lets anyone who reads the file act as its identity.
SECRET_FIELDS = ("private_key", "refresh_token", "client_secret", "source_credentials")
TARGET = re.compile(r"serviceAccounts/(?P<email>[^/:]+):generateAccessToken")
LOGIN_AGAIN = "Run `mixitup login` again (README: Google account sign-in)"


@dataclass(frozen=True)
class Identity:
    """Who Google sees when mixitup calls the Sheets API, and where that came from.

    `email` is the account to share the spreadsheet with, when known; `via` is who asks to
    act as it (impersonation and federation); `source` names the file or ADC in words.
    """

    kind: str  # a file's "type", or "metadata" for the machine's attached service account
    source: str
    email: str | None = None
    via: str | None = None
    federated: bool = False  # an external_account without a service account to act as
    gcloud: bool = False  # gcloud wrote it: gcloud signs in again, not `mixitup login`
    credentials: Any = field(default=None, compare=False, repr=False)

    def account(self) -> str | None:
        """The email Google sees; for a machine's service account, known after its first token."""
        if self.email:
            return self.email
        live = getattr(self.credentials, "service_account_email", None)
        return live if isinstance(live, str) and "@" in live else None

    def name(self) -> str:
        """The identity in a phrase: 'the service account x@y' or 'the Google account a@b'."""
        email = self.account()
        if self.kind == "authorized_user":
            return f"the Google account {email}" if email else "the Google account that signed in"
        if self.federated:
            return f"the workload identity federation principal of {self.source}"
        if self.kind == "metadata":
            return (
                f"the service account {email} attached to this machine"
                if email
                else "the service account attached to this machine"
            )
        return f"the service account {email}" if email else f"the identity in {self.source}"


@dataclass(frozen=True)
class Loaded:
    """Credentials ready to sign requests (no token fetched yet) and who they are."""

    credentials: Any
    identity: Identity


def load(path: Path | None, request: Any = None) -> Loaded:
    """The credentials in `path` (any type google-auth loads), or ADC when `path` is None.

    Scoped to the spreadsheets scope only. Makes no request, except that ADC may ask the
    metadata server whether this machine runs on Google Cloud, through `request` (a google-auth
    transport Request) when given. Raises BackendError saying what is wrong with the file;
    never quotes its contents.
    """
    if path is None:
        return _default(request)
    info = _read(path)
    kind = str(info.get("type", ""))
    if kind not in KINDS:
        raise BackendError(_unknown_type(path, info))
    _warn_if_readable(path, info)
    _check_token_file(path, info)
    missing = [name for name in KEY_FIELDS.get(kind, ()) if not str(info.get(name) or "").strip()]
    if missing:
        raise BackendError(
            f"Credentials file {path} is a {KINDS[kind]} that lacks {', '.join(missing)}. "
            f"{FRESH[kind]}"
        )
    # google-auth warns that a file from an untrusted source must be checked before use;
    # this file is the one staff configured, and its type was checked just above.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import google.auth

        try:
            # An external_account is scoped afterwards: given scopes, the loader fetches a
            # token to look up the pool's project, which mixitup does not need.
            scopes = None if kind == "external_account" else list(SCOPES)
            credentials, _ = google.auth.load_credentials_from_file(  # type: ignore[no-untyped-call]
                str(path), scopes=scopes
            )
        except (auth_exceptions.GoogleAuthError, ValueError, KeyError, TypeError) as error:
            raise BackendError(_unreadable(path, kind, error)) from None
    credentials = auth_credentials.with_scopes_if_required(  # type: ignore[no-untyped-call]
        credentials, list(SCOPES)
    )
    return Loaded(credentials, _identity(path, info, credentials))


def _default(request: Any = None) -> Loaded:
    """gcloud's ADC file when there is one (loaded like any file, so scoped too), else
    google-auth's own search: the metadata server when on Google Cloud."""
    import google.auth
    from google.auth import _cloud_sdk  # where gcloud keeps ADC

    adc = Path(_cloud_sdk.get_application_default_credentials_path())  # type: ignore[no-untyped-call]
    if adc.is_file():
        loaded = load(adc)
        identity = replace(
            loaded.identity, source=f"gcloud's Application Default Credentials {adc}", gcloud=True
        )
        log.debug("No credentials file configured: using %s", identity.source)
        return Loaded(loaded.credentials, identity)
    try:
        credentials, _ = google.auth.default(scopes=list(SCOPES), request=request)
    except auth_exceptions.DefaultCredentialsError as error:
        raise BackendError(
            "No Google credentials found: [spreadsheet] credentials is not set in "
            "mixitup.toml, GOOGLE_APPLICATION_CREDENTIALS is not set, gcloud has no "
            "Application Default Credentials, and this machine is not on Google Cloud "
            f"({_reason(error)}). Sign in once with `mixitup login` and set [spreadsheet] "
            "credentials to the file it writes, or see README: Google setup for the other "
            "choices."
        ) from None
    source = "the metadata server (Application Default Credentials)"
    log.debug("No credentials file configured: using %s", source)
    return Loaded(credentials, Identity("metadata", source, credentials=credentials))


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BackendError(
            f"Credentials file {path} does not exist. Point [spreadsheet] credentials in "
            "mixitup.toml at the file (README: Google setup says which one to get), or run "
            "`mixitup login` to write one."
        ) from None
    except UnicodeDecodeError:
        raise BackendError(
            f"Credentials file {path} is not JSON (it is binary; a .p12 key will not do). "
            "Create a JSON key or credentials file instead."
        ) from None
    except OSError as error:
        raise BackendError(f"Cannot read credentials file {path}: {error.strerror}.") from None
    try:
        info = json.loads(text)
    except json.JSONDecodeError as error:
        raise BackendError(
            f"Credentials file {path} is not JSON ({error.msg} at line {error.lineno}, column "
            f"{error.colno}). Download or create it again, as JSON."
        ) from None
    if not isinstance(info, dict):
        raise BackendError(
            f"Credentials file {path} is JSON but not credentials: expected an object "
            'with a "type".'
        )
    return info


def _unknown_type(path: Path, info: dict[str, Any]) -> str:
    known = ", ".join(KINDS)
    if "installed" in info or "web" in info:
        return (
            f"{path} is an OAuth client secrets file, not credentials. Sign in with it once: "
            f"`mixitup login --client-secrets {path}`, then point [spreadsheet] credentials "
            "at the file that writes."
        )
    if "type" not in info:
        return (
            f'Credentials file {path} has no "type", so it is not a Google credentials file. '
            f"Expected one of: {known} (README: Google setup)."
        )
    return (
        f"Credentials file {path} holds {str(info['type'])[:40]!r} credentials, which mixitup "
        f"cannot use for Google Sheets. Expected one of: {known} (README: Google setup)."
    )


def _unreadable(path: Path, kind: str, error: Exception) -> str:
    what = KINDS[kind]
    if kind == "service_account":
        # The parser's message may echo key material, so only say what is broken.
        return (
            f"Credentials file {path} is a {what} that google-auth cannot use: a field is "
            "missing or the private_key is not a readable PEM private key. Download a fresh "
            "JSON key for the service account; credentials.example.json shows the shape."
        )
    if kind == "authorized_user":
        return (
            f"Credentials file {path} is a {what} that lacks client_id, client_secret or "
            f"refresh_token. {LOGIN_AGAIN} to write a complete one."
        )
    return (
        f"Credentials file {path} is a {what} that google-auth cannot use ({_reason(error)}). "
        "Create it again with the gcloud command in README: Google setup."
    )


def _identity(path: Path, info: dict[str, Any], credentials: Any) -> Identity:
    kind = str(info.get("type", ""))
    source = f"credentials file {path}"
    if kind == "service_account":
        return Identity(kind, source, str(info.get("client_email") or "") or None)
    if kind in ("authorized_user", "external_account_authorized_user"):
        return Identity(kind, source, str(info.get("account") or "") or None)
    if kind == "impersonated_service_account":
        target = TARGET.search(str(info.get("service_account_impersonation_url", "")))
        source_info = info.get("source_credentials") or {}
        via = source_info.get("client_email") or source_info.get("account") or None
        via_text = (
            f"the service account {via}"
            if source_info.get("type") == "service_account"
            else (f"the Google account {via}" if via else "the account that signed in to gcloud")
        )
        return Identity(kind, source, target["email"] if target else None, via_text)
    # external_account: federation, acting as a service account when the file says so
    target = TARGET.search(str(info.get("service_account_impersonation_url", "")))
    via = f"the workload identity pool principal ({info.get('audience', 'no audience')})"
    if target is None:
        return Identity(kind, source, None, via, federated=True, credentials=credentials)
    return Identity(kind, source, target["email"], via, credentials=credentials)


def _warn_if_readable(path: Path, info: dict[str, Any]) -> None:
    """Warn when other users of this computer can read a file that holds a secret."""
    source = info.get("credential_source")
    holds_secret = any(info.get(name) for name in SECRET_FIELDS) or (
        isinstance(source, dict) and bool(source.get("headers"))  # e.g. a bearer token
    )
    try:
        readable = bool(path.stat().st_mode & 0o077)
    except OSError:
        return
    if holds_secret and readable:
        log.warning(
            "Credentials file %s can be read by other users of this computer; it holds a "
            "secret that lets them act as its Google identity. Run: chmod 600 %s",
            path,
            path,
        )


def _check_token_file(path: Path, info: dict[str, Any]) -> None:
    """A federation file reads a token from another file: name it when it is missing."""
    source = info.get("credential_source")
    if info.get("type") != "external_account" or not isinstance(source, dict):
        return
    token_file = source.get("file")
    if not isinstance(token_file, str) or Path(token_file).is_file():
        return
    raise BackendError(
        f"The workload identity federation file {path} reads its token from {token_file}, "
        "which does not exist. Whatever writes that token (your CI's OIDC step, a sidecar, "
        "a cron job) has not run or wrote it elsewhere: run it first, or fix credential_source "
        "file in the configuration."
    )


# -- why Google refused ------------------------------------------------------------------


def forbidden(identity: Identity, message: str) -> str:
    """What to do about a 403 from the Sheets API (the API being off is handled by the caller)."""
    if "insufficient authentication scopes" in message.lower():
        if identity.kind == "metadata":
            return (
                f"The token of {identity.name()} lacks the spreadsheets scope: give the "
                "machine the access scope https://www.googleapis.com/auth/spreadsheets "
                "(README: Google setup, a VM's cron), then run again."
            )
        if identity.gcloud:
            return (
                "gcloud's Application Default Credentials lack the spreadsheets scope. Use "
                "`mixitup login` instead, or sign in again with `gcloud auth application-"
                "default login --scopes=https://www.googleapis.com/auth/spreadsheets,"
                "https://www.googleapis.com/auth/cloud-platform`."
            )
        return (
            f"The credentials in {identity.source} were not granted the spreadsheets scope. "
            f"{LOGIN_AGAIN}."
        )
    if identity.federated:
        return (
            f"A spreadsheet can only be shared with an email address, and {identity.source} "
            "has no service account to act as. Create the configuration again with "
            "`gcloud iam workload-identity-pools create-cred-config ... --service-account=EMAIL` "
            "(README: Google setup, GitHub Actions) and share the spreadsheet with that EMAIL."
        )
    email = identity.account()
    if email is None:
        return (
            f"Share the spreadsheet as Editor with {identity.name()} (the Share button in the "
            "sheet), then run again."
        )
    return (
        f"Share the spreadsheet with {identity.name()} as Editor (the Share button in the "
        f"sheet: add {email}), then run again."
    )


def unauthorized(identity: Identity) -> str:
    """What to do about a 401 that outlasted google-auth's own token refresh."""
    return (
        f"Check that the credentials of {identity.name()} in {identity.source} are current; "
        f"{_again(identity)}."
    )


def refused(identity: Identity, error: auth_exceptions.GoogleAuthError) -> str:
    """A message for a token that Google would not issue: who was refused, why, what to do."""
    reason = _reason(error)
    lowered = reason.lower()
    if identity.kind == "service_account":
        return (
            f"Google refused the service-account key in {identity.source} for "
            f"{identity.account() or 'its service account'} ({reason}). The key may have been "
            "deleted or revoked, or this machine's clock is wrong: create a new key if needed."
        )
    if "unable to acquire impersonated credentials" in lowered or "getaccesstoken" in lowered:
        return _impersonation_refused(identity, reason)
    if identity.kind in ("authorized_user", "external_account_authorized_user"):
        if "invalid_client" in lowered:
            return (
                f"Google no longer knows the OAuth client in {identity.source} ({reason}): it "
                "was deleted or its secret was reset. Download the client secrets again and "
                "run `mixitup login --client-secrets FILE`."
            )
        return (
            f"Google no longer accepts the sign-in of {identity.name()} stored in "
            f"{identity.source} ({reason}): it was revoked or has expired (a password change, "
            f"six months unused, or an OAuth app left in Testing). {_again(identity)}."
        )
    if identity.kind == "impersonated_service_account":
        return (
            f"Google refused the sign-in that {identity.source} starts from ({reason}), so it "
            f"could not act as {identity.name()}. {_again(identity)}."
        )
    if identity.kind == "external_account":
        if "executables need to be explicitly allowed" in lowered:
            return (
                f"{identity.source} gets its token by running a program, which google-auth "
                "only does when the environment variable GOOGLE_EXTERNAL_ACCOUNT_ALLOW_"
                "EXECUTABLES=1 is set: set it where mixitup runs (the crontab line or CI job)."
            )
        if "error code" in lowered or "invalid_grant" in lowered or "invalid_target" in lowered:
            return (
                f"Google's Security Token Service refused the token that {identity.source} "
                f"presents for {identity.via} ({reason}). Check that the pool's provider "
                "exists and is enabled, that the file's audience names it, and that its "
                "attribute condition admits this job (repository, branch)."
            )
        return (
            f"Could not get a token for {identity.source} ({reason}). Check that the token "
            "source it names (file, address or program) works where mixitup runs."
        )
    return (
        f"Google would not give a token to {identity.name()} ({reason}). Check "
        f"{identity.source}, then run again."
    )


def _impersonation_refused(identity: Identity, reason: str) -> str:
    detail = _iam_message(reason)
    target = identity.account() or "the service account"
    if "has not been used" in detail or "is disabled" in detail:
        return (
            f"The IAM Service Account Credentials API is not enabled, so {identity.via} cannot "
            f"act as {target} ({detail}). Enable iamcredentials.googleapis.com in the Google "
            "Cloud project, wait a few minutes, and run again."
        )
    role = (
        "Workload Identity User (roles/iam.workloadIdentityUser)"
        if identity.kind == "external_account"
        else "Service Account Token Creator (roles/iam.serviceAccountTokenCreator)"
    )
    return (
        f"Google refused to let {identity.via} act as the service account {target} "
        f"({detail}): it lacks the permission iam.serviceAccounts.getAccessToken. Grant it the "
        f"role {role} on {target} (README: Google setup), then run again."
    )


def _iam_message(reason: str) -> str:
    """The IAM error's own message from 'Unable to acquire impersonated credentials {json}'."""
    start = reason.find("{")
    if start >= 0:
        try:
            body = json.loads(reason[start:])
            message = body.get("error", {}).get("message")
            if isinstance(message, str):
                status = body["error"].get("code", "")
                return f"{status}: {' '.join(message.split())[:200]}".strip(": ")
        except (ValueError, AttributeError):
            pass
    return reason


def _again(identity: Identity) -> str:
    if identity.gcloud:
        return "sign in again with `gcloud auth application-default login`"
    if identity.kind == "authorized_user":
        return LOGIN_AGAIN
    if identity.kind == "impersonated_service_account":
        return (
            "sign in again with `gcloud auth application-default login "
            f"--impersonate-service-account={identity.account() or 'EMAIL'}`"
        )
    return f"create {identity.source} again (README: Google setup)"


def _reason(error: BaseException) -> str:
    """google-auth's reason in one line: its first argument only (later ones hold bodies)."""
    args = error.args
    first = " ".join(str(args[0]).split()) if args else ""
    if first.startswith("Unable to acquire impersonated credentials") and len(args) > 1:
        first = f"{first} {' '.join(str(args[1]).split())}"
    return first[:400] or type(error).__name__
