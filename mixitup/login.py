"""`mixitup login`: a staff member signs in to Google once; cron then uses the stored sign-in.

The installed-app OAuth flow of google-auth-oauthlib with a loopback redirect (PKCE), and
an `authorized_user` file written owner-only. No secret is ever printed or logged.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mixitup.backends.credentials import SCOPES
from mixitup.errors import BackendError, ConfigError

log = logging.getLogger(__name__)

# openid and email only so mixitup can say which account signed in; cron asks for SCOPES only.
LOGIN_SCOPES = (*SCOPES, "openid", "https://www.googleapis.com/auth/userinfo.email")
WAIT_SECONDS = 300


@dataclass(frozen=True)
class SignedIn:
    """Who signed in, and where the sign-in is stored."""

    account: str
    path: Path


def find_client_secrets(given: Path | None, folder: Path) -> Path:
    """The OAuth client secrets file: `given`, else client_secret*.json in `folder`."""
    if given is not None:
        return given
    found = sorted(folder.glob("client_secret*.json"))
    if len(found) == 1:
        return found[0]
    raise ConfigError(
        f"No OAuth client secrets file given, and {folder} holds "
        f"{'none' if not found else len(found)} client_secret*.json files. Create an OAuth "
        "client of type Desktop app in the Google Cloud console (README: Google account "
        "sign-in), download its JSON, and pass it: mixitup login --client-secrets FILE."
    )


def login(client_secrets: Path, out: Path, *, open_browser: bool = True, port: int = 0) -> SignedIn:
    """Sign in in the browser and store the resulting authorized_user file at `out` (0600).

    Raises ConfigError for an unusable client secrets file, BackendError when Google or the
    person signing in refuses.
    """
    from google_auth_oauthlib.flow import InstalledAppFlow

    config = _client_config(client_secrets)
    flow = InstalledAppFlow.from_client_config(config, scopes=list(LOGIN_SCOPES))
    try:
        credentials = flow.run_local_server(
            host="127.0.0.1",  # a loopback IP, as Google recommends for desktop apps
            port=port,
            open_browser=open_browser,
            authorization_prompt_message=(
                "Sign in to Google in your browser. If it did not open, open this address:\n{url}"
            ),
            success_message="Signed in. You can close this tab and return to mixitup.",
            timeout_seconds=WAIT_SECONDS,
        )
    except Exception as error:  # noqa: BLE001  # oauthlib's errors share no base class
        raise BackendError(_refusal(error, client_secrets)) from None
    account = _account(getattr(credentials, "id_token", None))
    info: dict[str, Any] = {
        "type": "authorized_user",
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
        "refresh_token": credentials.refresh_token,
        "token_uri": credentials.token_uri,
        "scopes": list(SCOPES),
        "account": account,
    }
    if not info["refresh_token"]:
        raise BackendError(
            "Google signed you in but sent no refresh token, so cron could not use the "
            "sign-in. Remove mixitup's access at https://myaccount.google.com/permissions and "
            "run `mixitup login` again."
        )
    try:
        _write_private(out, json.dumps(info, indent=2) + "\n")
    except OSError as error:
        raise ConfigError(
            f"Signed in, but cannot write {out}: {error.strerror}. Choose another place with "
            "--out FILE and run `mixitup login` again."
        ) from None
    log.debug("Stored the sign-in of %s in %s", account, out)
    return SignedIn(account or "an account that did not share its email", out)


def _client_config(path: Path) -> dict[str, Any]:
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"OAuth client secrets file {path} does not exist. Download it from the Google "
            "Cloud console (APIs & Services, Credentials, your Desktop app client)."
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise ConfigError(
            f"OAuth client secrets file {path} is not readable JSON. Download it again (the "
            "Desktop app client, in the Google Cloud console: APIs & Services, Credentials)."
        ) from None
    if not isinstance(config, dict) or "installed" not in config:
        kind = "a web application client" if isinstance(config, dict) and "web" in config else ""
        raise ConfigError(
            f"{path} is not the client secrets of a Desktop app OAuth client"
            f"{' (it is ' + kind + ')' if kind else ''}. Create an OAuth client of type "
            "Desktop app and download its JSON (README: Google account sign-in)."
        )
    return config


def _refusal(error: Exception, client_secrets: Path) -> str:
    name = type(error).__name__
    text = " ".join(str(error).split())[:200]
    if "access_denied" in text or name == "AccessDeniedError":
        return (
            "The sign-in was cancelled in the browser (access_denied). Run `mixitup login` again."
        )
    if name == "WSGITimeoutError":
        return (
            f"Nobody finished signing in within {WAIT_SECONDS // 60} minutes. Run "
            "`mixitup login` again and complete the sign-in in the browser."
        )
    if "invalid_client" in text:
        return (
            f"Google does not know the OAuth client in {client_secrets} ({text}). Download "
            "its client secrets again from the Google Cloud console."
        )
    return f"Google refused the sign-in ({name}: {text}). Run `mixitup login` again."


def _account(id_token: str | None) -> str:
    """The email in the ID token, which came straight from Google's token endpoint over TLS."""
    if not id_token:
        return ""
    from google.auth import jwt

    try:
        claims = jwt.decode(id_token, verify=False)  # type: ignore[no-untyped-call]
    except ValueError:
        return ""
    email = claims.get("email") if isinstance(claims, dict) else None
    return email if isinstance(email, str) else ""


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by its owner only, replacing it whole or not at all."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
