"""Zoom's REST API over a `requests.Session`: one Server-to-Server OAuth token a run, bounded
retries, and every refusal turned into one `ZoomError` sentence for staff. No secret leaves here.

Behaviour follows Zoom's own documents: the Meetings OpenAPI document (scopes, error codes),
https://developers.zoom.us/docs/api/errors/ (the error body), .../docs/api/rate-limits/ (429,
`X-RateLimit-Type`, an ISO-8601 `Retry-After` for a daily limit) and
.../docs/internal-apps/s2s-oauth/ (the `account_credentials` grant); odd corners from Zoom's
developer forum are cited where they are handled.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
)

from mixitup import retries
from mixitup.config import ZOOM_SECRET_ENV
from mixitup.errors import ZoomError
from mixitup.retries import StatusError
from mixitup.zoom.answers import Answer, Purpose, reason, refusal, retry_at

if TYPE_CHECKING:
    from mixitup.config import Config, ZoomApp

log = logging.getLogger(__name__)

API_URL = "https://api.zoom.us/v2"
OAUTH_URL = "https://zoom.us"
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
MAX_ATTEMPTS = 6  # for 5xx answers and dropped connections, as the Sheets calls
MAX_SECONDS = 300.0
FIRST_WAIT = 1.0
MAX_WAIT = 64.0
RATE_LIMITED_ATTEMPTS = 4  # a call answered 429 this many times in a row stops
MAX_RETRY_AFTER = 60.0  # a longer Retry-After is not waited for: the run stops and says when
PAGE_SIZE = 300  # the most Zoom's report and Dashboard endpoints return a page
MAX_PAGES = 1000
HIDDEN = "<hidden>"

Json = dict[str, Any]
Sleep = Callable[[float], None]
Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def uuid_segment(uuid: str) -> str:
    """A meeting instance's UUID as one path segment, double-encoded when Zoom requires it.

    Zoom: "If you provide a meeting UUID that begins with a `/` character or contains the `//`
    characters, you **must** double-encode the meeting UUID" (reportMeetingParticipants).
    """
    once = quote(uuid, safe="")
    return quote(once, safe="") if uuid.startswith("/") or "//" in uuid else once


def is_transient(error: BaseException) -> bool:
    """Whether a failed call may succeed if repeated: the one rule (`mixitup.retries`), but for
    429, which is not retried blindly: it is waited for as Zoom says (see `ZoomClient`)."""
    if isinstance(error, StatusError) and error.status == 429:
        return False
    return retries.is_transient(error)


class ZoomClient:
    """Zoom's API for one app and one meeting, over `session` (tests hand it one whose base URLs
    point at a local fake).

    The access token is taken with the first call, kept in memory only and reused; a 401 with
    code 124 (expired, or invalidated because another program took a newer token for the same
    app) takes one new token and tries once more. `sleep`, `rng` and `clock` drive the waits,
    so tests never wait. `zone` is the school's time zone, for the times messages name.
    """

    def __init__(
        self,
        app: ZoomApp,
        session: requests.Session,
        *,
        api_url: str = API_URL,
        oauth_url: str = OAUTH_URL,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        clock: Clock = utc_now,
        zone: dt.tzinfo | None = None,
        timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.app = app
        self.session = session
        self.api_url = api_url.rstrip("/")
        self.oauth_url = oauth_url.rstrip("/")
        self.sleep = sleep
        self.rng = rng or random.Random()  # jitter only
        self.clock = clock
        self.zone = zone
        self.timeout = timeout
        self.max_attempts = max_attempts
        self._token = ""
        self._spent: list[str] = []  # every token taken this run, to keep out of messages

    @property
    def meeting(self) -> str:
        """The meeting as staff know it: "meeting 812 3456 7890"."""
        return f"meeting {self.app.shown_meeting()}"

    # -- calls ------------------------------------------------------------------------------

    def get(
        self, path: str, purpose: Purpose, params: Mapping[str, str | int] | None = None
    ) -> Json:
        """The JSON object Zoom answers to GET `path` (below the API's base URL)."""
        response = self._call("GET", path, purpose, params=params)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            kind = response.headers.get("Content-Type", "no content type")
            raise ZoomError(
                self._scrub(
                    f"Zoom answered with something that is not Zoom's data ({kind}) when asked "
                    f"to {purpose.doing}: a proxy or captive portal may be in the way; check "
                    "this machine's network (HTTPS_PROXY) and run again."
                ),
                status=response.status_code,
            )
        return body

    def patch(self, path: str, purpose: Purpose, body: Json) -> None:
        """PATCH `path` with the JSON `body`; Zoom answers 204 with no body. Sent again after a
        5xx or a dropped connection: the same whole body twice leaves the same meeting."""
        self._call("PATCH", path, purpose, body=body)

    def pages(
        self, path: str, purpose: Purpose, key: str, params: Mapping[str, str | int] | None = None
    ) -> Iterator[Json]:
        """Every item of `key` on every page, following `next_page_token` until it is empty."""
        token = ""
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            query: dict[str, str | int] = {**(params or {}), "page_size": PAGE_SIZE}
            if token:
                query["next_page_token"] = token
            body = self.get(path, purpose, query)
            items = body.get(key) or []
            yield from (item for item in items if isinstance(item, dict))
            token = str(body.get("next_page_token") or "")
            if not token or token in seen:  # a repeated token would loop forever
                return
            seen.add(token)

    # -- one call, with the token, 401/124 and 429 handled ------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        purpose: Purpose,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Json | None = None,
    ) -> requests.Response:
        url = self.api_url + path
        refreshed = False
        limited = 0
        first = self.clock()
        while True:
            response = self._send(method, url, purpose, params, body)
            answer = Answer.of(response) if response.status_code >= 400 else None
            if answer is None:
                log.debug("Zoom %s %s: %d", method, path, response.status_code)
                return response
            if answer.status == 401 and answer.code == 124 and not refreshed:
                # Zoom invalidates a token when the same app takes a newer one (developer forum,
                # "Randomly receiving 'Invalid access token' for Server-to-Server OAuth").
                log.info("Zoom refused the access token (%s); taking a new one", answer.message)
                self._token = ""
                refreshed = True
                continue
            if answer.status == 429:
                limited += 1
                self._wait_or_stop(answer, purpose, limited, first)
                continue
            raise refusal(answer, purpose, self.meeting, self._scrub)

    def _send(
        self,
        method: str,
        url: str,
        purpose: Purpose,
        params: Mapping[str, str | int] | None,
        body: Json | None,
    ) -> requests.Response:
        """One request, retried with capped, jittered backoff while it fails transiently."""

        def attempt() -> requests.Response:
            headers = {"Authorization": f"Bearer {self._access_token()}"}
            response = self.session.request(
                method,
                url,
                params=params,
                json=body,
                headers={**headers, "Accept": "application/json"},
                timeout=self.timeout,
            )
            if response.status_code == 408 or response.status_code >= 500:
                raise StatusError(response.status_code)
            return response

        retrying = self._retrying(purpose)
        try:
            return retrying(attempt)
        except StatusError as error:
            raise ZoomError(
                self._scrub(
                    f"Zoom did not answer properly (HTTP {error.status}) when asked to "
                    f"{purpose.doing}, {self._tries(retrying)}; nothing was changed by this run: "
                    "run again later (status.zoom.us shows Zoom's outages)."
                ),
                status=error.status,
            ) from None
        except requests.RequestException as error:
            host = urlsplit(url).hostname or url
            raise ZoomError(
                self._scrub(
                    f"Could not reach Zoom ({host}) to {purpose.doing}: {reason(error)}, "
                    f"{self._tries(retrying)}. Check this machine's network (behind a school "
                    "proxy: HTTPS_PROXY and REQUESTS_CA_BUNDLE) and run again."
                )
            ) from None

    def _retrying(self, purpose: Purpose) -> Retrying:
        def wait(state: RetryCallState) -> float:
            ceiling = min(MAX_WAIT, FIRST_WAIT * 2 ** (state.attempt_number - 1))
            return self.rng.uniform(0, ceiling)  # "full jitter", as the Sheets calls

        def before_sleep(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            log.warning(
                "Zoom did not answer when asked to %s (%s); trying again in %.1f s "
                "(attempt %d of %d)",
                purpose.doing,
                reason(error),
                state.next_action.sleep if state.next_action else 0.0,
                state.attempt_number + 1,
                self.max_attempts,
            )

        return Retrying(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(self.max_attempts) | stop_after_delay(MAX_SECONDS),
            wait=wait,
            sleep=self.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )

    @staticmethod
    def _tries(retrying: Retrying) -> str:
        attempts = int(retrying.statistics.get("attempt_number", 1))
        seconds = float(retrying.statistics.get("delay_since_first_attempt", 0.0))
        return f"after {attempts} tries over {seconds:.0f} s" if attempts > 1 else "at once"

    # -- the token ----------------------------------------------------------------------------

    def _access_token(self) -> str:
        """The run's access token, taken once (Server-to-Server OAuth, account_credentials)."""
        if self._token:
            return self._token
        # The grant goes in the form body: Zoom has answered 400 to the same parameters in the
        # query string (developer forum, "/oauth/token 400 Bad Request (params in query string)").
        response = self.session.post(
            f"{self.oauth_url}/oauth/token",
            data={"grant_type": "account_credentials", "account_id": self.app.account_id},
            auth=(self.app.client_id, self.app.client_secret),
            headers={"Accept": "application/json"},
            timeout=self.timeout,
        )
        if response.status_code == 408 or response.status_code >= 500:
            raise StatusError(response.status_code)
        try:
            body = response.json()
        except ValueError:
            body = None
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status_code != 200 or not isinstance(token, str) or not token:
            answer = Answer.of(response)
            raise ZoomError(
                self._scrub(
                    f"Zoom refused the app credentials in [zoom] (HTTP {answer.status}: "
                    f"{answer.message}): copy account_id, client_id and client_secret (or "
                    f"{ZOOM_SECRET_ENV}) again from the Server-to-Server OAuth app's App "
                    "Credentials page in marketplace.zoom.us, and check that the app is activated."
                ),
                status=answer.status,
                code=answer.code,
            )
        self._token = token
        self._spent.append(token)
        log.info("Took a Zoom access token for the app in [zoom]")
        return token

    # -- 429 ------------------------------------------------------------------------------------

    def _wait_or_stop(
        self, answer: Answer, purpose: Purpose, limited: int, first: dt.datetime
    ) -> None:
        """Wait as a 429 says, or raise ZoomError: at once for a daily limit, and after
        RATE_LIMITED_ATTEMPTS answers in a row or when Zoom asks for a long wait."""
        now = self.clock()
        kind = answer.headers.get("X-RateLimit-Type", "").strip().lower()
        until = retry_at(answer.headers.get("Retry-After", ""), now)
        if kind == "daily-limit" or "daily" in answer.message.lower():
            # Zoom's own words for the meeting-update limit name no header, only "You may
            # resume these requests at GMT 00:00:00" (developer forum, "Zoom API Create Meeting
            # API Rate Limit - Sample error when breaching limit"): the next midnight UTC.
            if until is None:
                until = dt.datetime.combine(
                    now.astimezone(dt.UTC).date() + dt.timedelta(days=1), dt.time(), dt.UTC
                )
            by_hand = f", or {purpose.by_hand}" if purpose.by_hand else ""
            raise ZoomError(
                self._scrub(
                    f"Zoom's daily limit is used up, so it refused to {purpose.doing} (\""
                    f'{answer.message}"); Zoom accepts the request again from '
                    f"{self._when(until)}: run again after that{by_hand}."
                ),
                status=429,
                code=answer.code,
            )
        wait = 1.0 if until is None else max(0.0, (until - now).total_seconds())
        if limited >= RATE_LIMITED_ATTEMPTS or wait > MAX_RETRY_AFTER:
            spent = (now - first).total_seconds()
            later = (
                f"from {self._when(until)}"
                if until is not None and wait > MAX_RETRY_AFTER
                else "in a few minutes"
            )
            raise ZoomError(
                self._scrub(
                    f"Zoom kept answering 429 (too many requests) when asked to {purpose.doing}, "
                    f"{limited} times over {spent:.0f} s, so mixitup stopped asking: run again "
                    f"{later}."
                ),
                status=429,
                code=answer.code,
            )
        log.warning(
            "Zoom answered 429 (too many requests) when asked to %s; waiting %.1f s as it "
            "asks (%d of %d)",
            purpose.doing,
            wait,
            limited,
            RATE_LIMITED_ATTEMPTS - 1,
        )
        self.sleep(wait)

    # -- messages -------------------------------------------------------------------------------

    def _when(self, moment: dt.datetime) -> str:
        local = moment.astimezone(self.zone) if self.zone else moment.astimezone()
        return f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".strip()

    def _scrub(self, text: str) -> str:
        """`text` without the client secret, the Basic credential or any token taken."""
        app = self.app
        basic = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
        for secret in sorted({app.client_secret, basic, *self._spent}, key=len, reverse=True):
            if len(secret) > 3:
                text = text.replace(secret, HIDDEN)
        return text


def open_client(config: Config, session: requests.Session | None = None) -> ZoomClient:
    """A client for the app and meeting in `config`'s [zoom], in the school's time zone, over
    `session` (a new one when None). Makes no request. Raises ConfigError without [zoom]."""
    from mixitup.errors import ConfigError

    if config.zoom_app is None:
        raise ConfigError(
            "This needs Zoom's API, and mixitup.toml has no [zoom] section: add one "
            "(docs/zoom.md), or use Zoom's CSV files by hand."
        )
    zone = None
    if config.calendar.timezone:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(config.calendar.timezone)
    return ZoomClient(config.zoom_app, session or requests.Session(), zone=zone)
