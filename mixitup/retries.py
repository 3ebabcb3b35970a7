"""What is worth trying again, and how long to wait first: the one rule for every HTTP call
mixitup makes (the Google Sheets API and its token service, the notice webhook).

Imports only the stdlib until a rule is applied; requests is loaded by then anyway.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
from collections.abc import Mapping


class StatusError(Exception):
    """An HTTP answer whose status says the request failed, and the server's Retry-After hint."""

    def __init__(self, status: int, reason: str = "", retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status}{f': {reason}' if reason else ''}")
        self.status = status
        self.retry_after = retry_after


class UnexpectedAnswerError(Exception):
    """A success status whose body is not what was asked for: a proxy's, a captive portal's or
    an outage page. Another try usually gets the real answer."""

    def __init__(self, status: int, content_type: str) -> None:
        super().__init__(f"HTTP {status} answer that is not JSON ({content_type})")
        self.status = status
        self.content_type = content_type


def transient_status(status: int) -> bool:
    """408 (the server gave up waiting), 429 (a rate limit) and every 5xx may pass; the rest
    (400, 401, 403, 404...) say something that repeating the request cannot change."""
    return status in (408, 429) or status >= 500


def is_transient(error: BaseException) -> bool:
    """Whether a failed call may succeed if made again: the one retry predicate.

    Retried: answers with a transient status (408, 429, 5xx, an HTML outage page included),
    success answers that are not what was asked for, dropped connections, connections cut off
    mid-answer and timeouts. Not retried: any other status, and anything unexpected, which
    keeps its traceback.
    """
    import requests

    if isinstance(error, StatusError):
        return transient_status(error.status)
    return isinstance(
        error,
        UnexpectedAnswerError
        | requests.ConnectionError
        | requests.Timeout
        | requests.exceptions.ChunkedEncodingError,
    )


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The Retry-After header in seconds (a number or an HTTP date), if there is a usable one."""
    value = str(headers.get("Retry-After", "")).strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def backoff(
    attempt: int,
    *,
    first: float,
    cap: float,
    rng: random.Random | None = None,
    hint: float | None = None,
) -> float:
    """Seconds to wait after failed attempt number `attempt` (1, 2, ...).

    Without a hint, "full jitter": a random wait below a ceiling that doubles from `first` up
    to `cap`, so clients that failed together do not retry together. A server's Retry-After
    hint is waited exactly, up to `cap`, as urllib3's Retry does.
    """
    if hint is not None:
        return min(cap, hint)
    ceiling = min(cap, first * 2 ** (attempt - 1))
    return random.uniform(0, ceiling) if rng is None else rng.uniform(0, ceiling)
