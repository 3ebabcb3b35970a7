"""The one door to Google: a requests.Session that carries every Sheets API call and every token
request, each call authorised by google-auth credentials and bounded by timeouts, and retried
(bounded, jittered) when `mixitup.retries.is_transient` says so.

The session is the caller's to give, as gspread's `HTTPClient(auth, session=None)` takes one:
tests hand it one whose requests reach a local fake; without one, a new requests.Session is used.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from google.auth import exceptions as auth_exceptions
from google.auth.transport.requests import Request
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity import stop_after_delay as stop_after_seconds

from mixitup.backends.google.errors import ApiError, TokenServiceError, short
from mixitup.retries import StatusError, UnexpectedAnswerError, backoff, is_transient

log = logging.getLogger(__name__)

API = "https://sheets.googleapis.com/v4/spreadsheets"
CONNECT_TIMEOUT = 10.0  # seconds to open a connection
READ_TIMEOUT = 60.0  # seconds to wait for an answer once connected
MAX_ATTEMPTS = 6
MAX_SECONDS = 300.0  # no retry once five minutes have passed since the first attempt
MAX_WAIT = 64.0  # the cap of the exponential backoff, and of an honoured Retry-After
FIRST_WAIT = 1.0
# As google-auth's AuthorizedSession: a 401 refreshes the token and repeats the call, twice.
REFRESH_ATTEMPTS = 2
UNAUTHORIZED = 401

Json = dict[str, Any]
Sleep = Callable[[float], None]


class Transport:
    """Authorised, time-bounded JSON calls to the Sheets API over one requests.Session.

    `credentials` are google-auth credentials (no token needed yet): each call asks them to add
    their Authorization header, and they fetch or refresh their token through the same
    session. An AuthorizedSession may be given too; its own credentials then sign the calls.
    `sleep` and `rng` drive the backoff, so tests never wait.
    """

    def __init__(
        self,
        credentials: Any,
        session: requests.Session | None = None,
        *,
        timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.session = session if session is not None else requests.Session()
        self.credentials = credentials
        self.timeout = timeout
        self.sleep = sleep
        self.rng = rng or random.Random()  # jitter, not secrets
        self.max_attempts = max_attempts
        self._token_request = Request(self.session)

    def get(self, url: str, params: Mapping[str, str]) -> Json:
        return self._call("GET", url, params=dict(params))

    def post(self, url: str, body: Json) -> Json:
        return self._call("POST", url, json=body)

    def _call(self, method: str, url: str, **kwargs: Any) -> Json:
        """One call, its answer as JSON. Raises ApiError for an error answer,
        UnexpectedAnswerError for a success that is not JSON, TokenServiceError when the token
        service cannot be reached, requests' errors for the network, and google-auth's
        RefreshError when the credentials are refused."""
        for refreshes in range(REFRESH_ATTEMPTS + 1):
            headers: dict[str, str] = {}
            try:
                if refreshes:
                    self.credentials.refresh(self._token_request)
                self.credentials.before_request(self._token_request, method, url, headers)
            except auth_exceptions.TransportError as error:
                raise TokenServiceError(str(error)) from error
            response = self.session.request(
                method, url, headers=headers, timeout=self.timeout, **kwargs
            )
            if response.status_code != UNAUTHORIZED:
                break
        if not response.ok:
            raise ApiError(response)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            content_type = response.headers.get("Content-Type", "no content type")
            raise UnexpectedAnswerError(response.status_code, content_type)
        return body

    def retrying(self, what: str) -> Retrying:
        """Bounded retries of transient failures: at most `max_attempts` tries within
        MAX_SECONDS, full jitter between them, a Retry-After hint honoured up to MAX_WAIT."""

        def wait(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            hint = error.retry_after if isinstance(error, StatusError) else None
            return backoff(
                state.attempt_number, first=FIRST_WAIT, cap=MAX_WAIT, rng=self.rng, hint=hint
            )

        def before_sleep(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            log.warning(
                "Google Sheets %s failed (%s); retrying in %.1f s (attempt %d of %d)",
                what,
                short(error),
                state.next_action.sleep if state.next_action else 0.0,
                state.attempt_number + 1,
                self.max_attempts,
            )

        return Retrying(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(self.max_attempts) | stop_after_seconds(MAX_SECONDS),
            wait=wait,
            sleep=self.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )


# What a call may raise that a message for staff explains; anything else is a bug.
FAILURES = (
    StatusError,
    UnexpectedAnswerError,
    requests.RequestException,
    auth_exceptions.GoogleAuthError,
)
