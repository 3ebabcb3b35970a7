"""What Zoom answers and what mixitup says of it: what a call is for (`Purpose`: its scopes, its
plan, the way by hand), Zoom's error body, when to try again, and one sentence for staff per
refusal, secrets scrubbed."""

from __future__ import annotations

import datetime as dt
import email.utils
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import requests

from mixitup.errors import ZoomError
from mixitup.retries import StatusError


@dataclass(frozen=True)
class Purpose:
    """What a call is for, in staff words, and what the app needs for it: the scopes (granular
    and classic, as Zoom's OpenAPI document lists them), the plan, and the way by hand."""

    doing: str  # completes "Zoom refused to ...": "read meeting 812 3456 7890's breakout rooms"
    granular: str
    classic: str
    plan: str = ""  # "Pro", "Business": the plan the endpoint needs; "" for any
    by_hand: str = ""  # the CSV way that does the same without the API
    missing: str = ""  # what "not found" (3001) means here, when not a wrong meeting ID


def retry_at(value: str, now: dt.datetime) -> dt.datetime | None:
    """When a Retry-After header says to try again: seconds, an HTTP date, or the ISO-8601
    date-time Zoom sends for a daily limit ("2020-05-31T00:00:00Z"); None when unreadable."""
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return now + dt.timedelta(seconds=max(0.0, seconds)) if math.isfinite(seconds) else None
    when: dt.datetime | None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Answer:
    """Zoom's error body: `{"code", "message"}` from the API, `{"error", "reason"}` from the
    token endpoint; either may be missing (a proxy's page)."""

    status: int
    code: int | None
    message: str
    headers: Mapping[str, str]

    @staticmethod
    def of(response: requests.Response) -> Answer:
        try:
            body = response.json()
        except ValueError:
            body = None
        code: int | None = None
        message = ""
        if isinstance(body, dict):
            raw = body.get("code")
            code = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
            message = str(body.get("message") or body.get("reason") or body.get("error") or "")
        if not message:
            message = response.reason or f"HTTP {response.status_code}"
        return Answer(response.status_code, code, message.strip()[:300], response.headers)


def refusal(
    answer: Answer, purpose: Purpose, meeting: str, scrub: Callable[[str], str]
) -> ZoomError:
    """One sentence for staff: what Zoom refused, what is missing, what to do."""
    said = f'Zoom says "{answer.message}"'
    lowered = answer.message.lower()
    if answer.code == 4711 or "does not contain scope" in lowered:
        text = (
            f"The Zoom app in [zoom] lacks the scope to {purpose.doing} ({said}): add "
            f"{purpose.granular} (classic scopes: {purpose.classic}) on the app's Scopes "
            "page in marketplace.zoom.us, then run again."
        )
    elif answer.status == 401:
        text = (
            f"Zoom does not accept the access token it has just given the app in [zoom] "
            f"({said}): another program may be taking tokens for the same app; give mixitup "
            "a Server-to-Server OAuth app of its own."
        )
    elif purpose.plan and (answer.code == 200 or "paid" in lowered or "dashboard" in lowered):
        feature = "Dashboard needs" if purpose.plan == "Business" else "usage reports need"
        text = (
            f"Zoom refused to {purpose.doing} ({said}): Zoom's {feature} a "
            f"{purpose.plan} plan or higher, which this Zoom account lacks; "
            f"{purpose.by_hand} does the same by hand."
        )
    elif (answer.code == 3001 or answer.status == 404) and purpose.missing:
        text = f"{purpose.missing} ({said})."
    elif answer.code == 3001 or answer.status == 404:
        text = (
            f"Zoom has no {meeting} for the app's account ({said}): copy the ID of "
            "the recurring meeting students join from its page in Zoom into [zoom] "
            "meeting_id, and check the app belongs to the account hosting it."
        )
    else:
        text = (
            f"Zoom refused to {purpose.doing} (HTTP {answer.status}"
            f"{f', code {answer.code}' if answer.code is not None else ''}: "
            f"{answer.message}); check the app's scopes in marketplace.zoom.us and [zoom] "
            "meeting_id, then run again."
        )
    return ZoomError(scrub(text), status=answer.status, code=answer.code)


def reason(error: BaseException | None) -> str:
    """A short reason for a failed connection; requests' own text may be long."""
    if isinstance(error, StatusError):
        return f"HTTP {error.status}"
    if isinstance(error, requests.exceptions.SSLError):
        return "its certificate is not trusted (a proxy inspecting HTTPS needs REQUESTS_CA_BUNDLE)"
    if isinstance(error, requests.exceptions.ProxyError):
        return "the proxy refused or failed (check HTTPS_PROXY)"
    if isinstance(error, requests.Timeout):
        return "no answer in time"
    if isinstance(error, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return "the connection failed or dropped"
    return type(error).__name__ if error is not None else "unknown failure"
