"""Google's answers as errors: the API's error answers (status, Google's own message), and the
BackendError staff read, naming the identity refused and what to share with whom.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import requests
from google.auth import exceptions as auth_exceptions

from mixitup.backends import credentials
from mixitup.backends.credentials import Identity
from mixitup.backends.google.reading import CELLS_MARKER
from mixitup.errors import BackendError, ConflictError
from mixitup.layout import HISTORY_MARKER
from mixitup.retries import StatusError, UnexpectedAnswerError, is_transient, retry_after

ALREADY_EXISTS = re.compile(r'A sheet with the name "(?P<title>.*)" already exists')
NO_GRID = re.compile(r"No grid with id: \d+")
# Another run wrote the history (or set cells of the same tab) since our read: the marker we
# read and delete is gone, or the marker we add to a tab read without one was added first
# (plan.py).
MARKER_MOVED = re.compile(
    rf"No NamedRange with id|Cannot add named range with name: ({HISTORY_MARKER}|{CELLS_MARKER})_",
    re.IGNORECASE,
)


class ApiError(StatusError):
    """An error answer of the Sheets API, kept whole as gspread's APIError keeps it: the HTTP
    status, Google's message and status word, and the Retry-After hint."""

    def __init__(self, response: requests.Response) -> None:
        self.content_type = response.headers.get("Content-Type", "no content type")
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        self.json = isinstance(error, dict)
        details = error if isinstance(error, dict) else {}
        self.word = str(details.get("status", ""))
        self.message = " ".join(str(details.get("message", "")).split())[:300]
        super().__init__(response.status_code, self.described, retry_after(response.headers))

    @property
    def described(self) -> str:
        """Google's own message, or a word on the body when it is not JSON (an HTML page)."""
        if not self.json:
            return f"an answer that is not JSON ({self.content_type})"
        return self.message or self.word or "no message"


class TokenServiceError(requests.ConnectionError):
    """google-auth could not reach Google's token service (its TransportError): the network
    failed, as for any dropped connection, so it is retried."""


# What the backend was doing, in staff's words.
Doing = Literal["read", "write"]


@dataclass(frozen=True)
class Where:
    """The spreadsheet a message is about, and who was asking."""

    sheet_id: str
    section: str  # the mixitup.toml section naming it: "spreadsheet" or "students"
    identity: Identity

    def __str__(self) -> str:
        if self.section == "students":
            return f"the students' spreadsheet {self.sheet_id}"
        return f"spreadsheet {self.sheet_id}"


def explain(
    error: Exception, what: Doing, where: Where, attempts: int, uncertain: bool = False
) -> BackendError:
    """A message for staff: what happened to which spreadsheet, and what to do."""
    tried = f" after {attempts} attempts" if attempts > 1 else ""
    identity = where.identity
    if what == "write" and uncertain:
        outcome = (
            " The last write attempt may or may not have landed: run `mixitup status` to "
            "check. Running again is safe; it never adds a tab or history rows twice."
        )
    else:
        outcome = " Nothing was written."
    if isinstance(error, ApiError):
        status, message = error.status, error.described
        if status == 400 and (found := ALREADY_EXISTS.search(message)):
            return tab_exists(found["title"])
        if status == 400 and MARKER_MOVED.search(message):
            return ConflictError(
                f"Another mixitup run wrote the history (or the roster) of {where} since this "
                "one read it. Nothing was written."
            )
        if status == 400 and NO_GRID.search(message):
            return ConflictError(
                f"A tab of {where} was removed since mixitup read it ({message}). Nothing "
                "was written; another mixitup run or a person changed it."
            )
        if status == 403 and re.search(r"has not been used|is disabled", message):
            return BackendError(
                f"The Google Sheets API is not enabled for the Google Cloud project of "
                f"{identity.name()} (403: {message}). Enable it in the Google Cloud console, "
                f"wait a few minutes, and run again.{outcome}"
            )
        if status == 403:
            return BackendError(
                f"Google Sheets refused {identity.name()} access to {where} (403: "
                f"{message}). {credentials.forbidden(identity, message)}{outcome}"
            )
        if status == 404:
            place = str(where)
            return BackendError(
                f"{place[0].upper()}{place[1:]} was not found (404: {message}). Check "
                f"[{where.section}] id in mixitup.toml: it is the part of the sheet's address "
                f"between /d/ and /edit.{outcome}"
            )
        if status == 401:
            return BackendError(
                f"Google did not accept the credentials of {identity.name()} (401: "
                f"{message}). {credentials.unauthorized(identity)}.{outcome}"
            )
        if status == 429:
            return BackendError(
                f"Google Sheets is rate-limiting {identity.name()} (429: {message}) "
                f"and still was{tried}. Wait a few minutes and run again.{outcome}"
            )
        if is_transient(error):
            return BackendError(
                f"Google Sheets could not {what} {where}{tried} ({status}: {message}). "
                f"Google may be having an outage; run again later.{outcome}"
            )
        return BackendError(
            f"Google Sheets rejected the {what} of {where} ({status}: {message})."
            f"{outcome} This looks like a mixitup bug; please report this message."
        )
    if isinstance(error, auth_exceptions.GoogleAuthError):
        return BackendError(f"{credentials.refused(identity, error)}{outcome}")
    return BackendError(
        f"Could not {what} {where}: {short(error)}{tried}. Check this machine's network "
        f"connection (and proxy) to sheets.googleapis.com.{outcome}"
    )


def tab_exists(title: str) -> ConflictError:
    return ConflictError(
        f"Tab {title!r} already exists in the spreadsheet, so nothing was written: another "
        "mixitup run probably published it first."
    )


def short(error: BaseException | None) -> str:
    """A one-line description of a failure, for logs and messages; never a token."""
    if error is None:
        return "unknown failure"
    if isinstance(error, ApiError):
        return f"{error.status}: {error.described}"
    if isinstance(error, UnexpectedAnswerError):
        return str(error)
    if isinstance(error, TokenServiceError):
        return "could not reach Google's token service"
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return "connection failed or dropped"
    return str(error)[:200]
