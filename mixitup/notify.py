"""Notices to a Slack or Google Chat incoming webhook: a short JSON {"text": ...} post.

A notice is best effort: retried a few times with backoff (the rule of `mixitup.retries`),
all of it within one deadline whatever the server does, then logged; it never raises and
never changes a command's exit code. The webhook address is a secret, so it is never logged
or shown, not even in urllib3's debug lines or an exception's text. Requests honours
HTTPS_PROXY, NO_PROXY and REQUESTS_CA_BUNDLE, as school networks require.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

ATTEMPTS = 3
CONNECT_TIMEOUT = 3.05  # seconds; a webhook answers in well under a second
READ_TIMEOUT = 5.0  # between two bytes of the answer; DEADLINE bounds the whole post
DEADLINE = 15.0  # seconds for a whole notice, retries and waits included
FIRST_WAIT = 0.5  # seconds before the second attempt; doubled, with jitter, up to MAX_WAIT
MAX_WAIT = 4.0
MAX_LINES = 6  # of a failure's message: enough for what failed and what to do
MAX_CHARACTERS = 1500
HIDDEN = "<webhook address>"
# Loggers that may print a request's address with -v.
URL_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager")


class _DeadlineError(Exception):
    """The notice was still being posted when its deadline passed."""


def send(
    webhook: str,
    text: str,
    *,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    deadline: float = DEADLINE,
) -> bool:
    """Post `text` to `webhook`; True when it was accepted. Never raises; logs a failure.

    Returns within `deadline` seconds whatever the server does: requests' read timeout
    bounds each wait for a byte, so a server trickling its answer a byte at a time would
    hold a post for ever. The post runs in a worker thread that is left behind, and ends
    with its current attempt, when the deadline passes. An empty `webhook` means notices
    are off: nothing is sent and False is returned.
    """
    if not webhook:
        return False
    if urlsplit(webhook).scheme.lower() != "https":
        log.warning(
            "The [notify] webhook address does not start with https://, so notices travel "
            "unencrypted and anyone on the way could copy the address. Use the https:// "
            "address Slack or Google Chat gave you."
        )
    done: list[BaseException | None] = []
    worker = threading.Thread(
        target=_post_in_thread,
        args=(webhook, text, session, sleep, time.monotonic() + deadline, done),
        name="mixitup-notice",
        daemon=True,  # never keeps the command alive after its work is done
    )
    worker.start()
    worker.join(deadline)
    error = done[0] if done else _DeadlineError()
    if error is not None:
        log.warning(
            "Could not post the notice to the [notify] webhook (%s). The notice is lost; "
            "what mixitup did is unaffected. Check that the webhook still exists and that "
            "this machine reaches it (HTTPS_PROXY, REQUESTS_CA_BUNDLE).",
            _reason(error, webhook, deadline),
        )
        return False
    log.info("posted a notice to the [notify] webhook")
    return True


def _post_in_thread(
    webhook: str,
    text: str,
    session: requests.Session | None,
    sleep: Callable[[float], None],
    deadline: float,
    done: list[BaseException | None],
) -> None:
    """Post with bounded retries, none started after `deadline`; put None (posted) or the
    failure in `done`. The address stays hidden from logs until the thread ends."""
    import requests
    from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
    from tenacity.stop import stop_base

    from mixitup.retries import StatusError, backoff, is_transient, retry_after

    own = session is None
    http = session or requests.Session()

    def post() -> None:
        response = http.post(webhook, json={"text": text}, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        if not response.ok:
            raise StatusError(response.status_code, retry_after=retry_after(response.headers))

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        hint = error.retry_after if isinstance(error, StatusError) else None
        return backoff(state.attempt_number, first=FIRST_WAIT, cap=MAX_WAIT, hint=hint)

    class OutOfTime(stop_base):
        """No attempt that would start after the deadline."""

        def __call__(self, state: RetryCallState) -> bool:
            return time.monotonic() + (state.upcoming_sleep or 0.0) >= deadline

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(
            "The notice was not accepted (%s); trying again (attempt %d of %d)",
            _reason(error, webhook),
            state.attempt_number + 1,
            ATTEMPTS,
        )

    retrying = Retrying(
        retry=retry_if_exception(is_transient),
        stop=stop_after_attempt(ATTEMPTS) | OutOfTime(),
        wait=wait,
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        with _hidden_from_logs(webhook):
            retrying(post)
        done.append(None)
    except Exception as error:  # noqa: BLE001 - reported by send(), which never raises
        done.append(error)
    finally:
        if own:
            http.close()


def _reason(error: BaseException | None, webhook: str, deadline: float = DEADLINE) -> str:
    """A short reason for staff, with the address (and each secret part of it) hidden."""
    import requests

    from mixitup.retries import StatusError

    if error is None:
        return "unknown failure"
    if isinstance(error, _DeadlineError):
        return f"no answer within {deadline:g} seconds"
    if isinstance(error, StatusError):
        status = error.status
        hint = " (the webhook was deleted or its address is wrong)" if status in (403, 404) else ""
        return f"HTTP {status}{hint}"
    if isinstance(error, requests.exceptions.SSLError):
        return "certificate not trusted: set REQUESTS_CA_BUNDLE if a proxy inspects HTTPS"
    if isinstance(error, requests.exceptions.ProxyError):
        return "the proxy refused or failed: check HTTPS_PROXY"
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, requests.ConnectionError):
        return "could not connect"
    return scrub(f"{type(error).__name__}: {error}", webhook)[:300]


def scrub(text: str, webhook: str) -> str:
    """`text` with the webhook address, its path and its query replaced by a placeholder."""
    if not webhook:
        return text
    parts = urlsplit(webhook)
    secrets = [
        webhook,
        webhook.rstrip("/"),
        parts.path + ("?" + parts.query if parts.query else ""),
    ]
    secrets += [parts.path, parts.query]
    for secret in sorted({s for s in secrets if len(s) > 1}, key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    return text


class _Scrub(logging.Filter):
    """Rewrites any record that names the webhook address, so -v cannot print it."""

    def __init__(self, webhook: str) -> None:
        super().__init__()
        self.webhook = webhook

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message, self.webhook)
        if clean != message:
            record.msg, record.args = clean, None
        return True


@contextmanager
def _hidden_from_logs(webhook: str) -> Iterator[None]:
    hide = _Scrub(webhook)
    loggers = [logging.getLogger(name) for name in URL_LOGGERS]
    for logger in loggers:
        logger.addFilter(hide)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(hide)


def published_text(
    label: str,
    students: int,
    groups: int,
    where: str,
    tab: str,
    sitting_out: Sequence[tuple[str, str]] = (),
) -> str:
    """The notice for one published session: what, how many, where students look, and who
    sits it out and why."""
    text = (
        f"Mix It Up {label} is published: {students} students in {groups} groups. "
        f'Students find their group number in the tab "{tab}" of {where}.'
    )
    if sitting_out:
        shown = "; ".join(f"{name}: {why}" for name, why in sitting_out[:MAX_LINES])
        more = len(sitting_out) - MAX_LINES
        text += f"\nSitting out ({len(sitting_out)}): {shown}" + (
            f"; and {more} more" if more > 0 else ""
        )
    return text


def unrolled_text(where: str, warning: str) -> str:
    """The notice for a session published at a new module while the roster's modules stayed
    as they were: what to run to fix it."""
    return f"mixitup published for {where}, but check the roster's modules:\n{warning}"


def problems_text(where: str, problems: Sequence[str]) -> str:
    """The notice for what failed after a write that landed (Zoom's rooms, messages)."""
    shown = "\n".join(f"- {p}" for p in problems[:MAX_LINES])
    more = len(problems) - MAX_LINES
    if more > 0:
        shown += f"\n... and {more} more: run `mixitup check`, or see the cron log."
    return f"mixitup published for {where}, but not everything followed:\n{shown}"


def failure_text(command: str, where: str, message: str, exit_code: int | None) -> str:
    """The notice for a failed command: the first lines of the message staff would see."""
    lines = message.strip().splitlines()
    shown = "\n".join(lines[:MAX_LINES])
    if len(lines) > MAX_LINES:
        shown += f"\n... and {len(lines) - MAX_LINES} more lines: run the command to see them all."
    if len(shown) > MAX_CHARACTERS:
        shown = shown[: MAX_CHARACTERS - 3] + "..."
    code = f" (exit {exit_code})" if exit_code is not None else ""
    return f"mixitup {command} failed{code} for {where}:\n{shown}"


@contextmanager
def on_failure(webhook: str, command: str, where: str, hint: str = "") -> Iterator[None]:
    """Post a notice when the block raises (MixitupError or a crash), then re-raise it; a known
    failure's notice ends with `hint` (what to run to see everything to fix), which the error
    also carries as a note for the command's own message."""
    from mixitup.errors import MixitupError

    try:
        yield
    except MixitupError as error:
        if hint:
            error.add_note(hint)
        text = failure_text(command, where, str(error), error.exit_code)
        send(webhook, f"{text}\n{hint}" if hint else text)
        raise
    except Exception as error:
        message = f"{type(error).__name__}: {error}\nThe cron mail or log has the traceback."
        send(webhook, failure_text(command, where, message, None))
        raise
