"""The one retry rule for every HTTP call: what is worth trying again, a server's Retry-After
read as seconds or a date, and full-jitter backoff capped, or the server's hint waited."""

from __future__ import annotations

import datetime as dt
import email.utils
import random

import pytest
import requests

from mixitup.retries import (
    StatusError,
    UnexpectedAnswerError,
    backoff,
    is_transient,
    retry_after,
    transient_status,
)


@pytest.mark.parametrize(
    ("status", "again"),
    [
        (408, True),  # the server gave up waiting
        (429, True),  # a rate limit
        (500, True),
        (502, True),
        (503, True),
        (599, True),
        (400, False),  # the request is wrong: the same request stays wrong
        (401, False),
        (403, False),
        (404, False),
        (409, False),
    ],
)
def test_a_status_is_worth_trying_again_only_when_it_may_pass(status, again):
    assert transient_status(status) is again
    assert is_transient(StatusError(status)) is again


@pytest.mark.parametrize(
    ("error", "again"),
    [
        (UnexpectedAnswerError(200, "text/html"), True),  # a captive portal's page
        (requests.ConnectionError("refused"), True),
        (requests.ConnectTimeout("slow"), True),
        (requests.ReadTimeout("slow"), True),
        (requests.exceptions.ChunkedEncodingError("cut off"), True),
        (requests.exceptions.InvalidURL("no"), False),
        (ValueError("a bug"), False),  # keeps its traceback
    ],
)
def test_dropped_connections_timeouts_and_wrong_answers_are_tried_again_and_nothing_else(
    error, again
):
    assert is_transient(error) is again


def test_retry_after_reads_seconds_or_an_http_date_and_ignores_the_rest():
    assert retry_after({"Retry-After": "7"}) == 7.0
    assert retry_after({"Retry-After": " 2.5 "}) == 2.5
    assert retry_after({"Retry-After": "-3"}) == 0.0
    assert retry_after({}) is None
    assert retry_after({"Retry-After": "soon"}) is None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=120)
    seconds = retry_after({"Retry-After": email.utils.format_datetime(later, usegmt=True)})
    assert seconds is not None
    assert 100 < seconds <= 120
    past = email.utils.format_datetime(dt.datetime(2020, 1, 1, tzinfo=dt.UTC), usegmt=True)
    assert retry_after({"Retry-After": past}) == 0.0


def test_backoff_waits_a_random_time_below_a_doubling_ceiling_up_to_the_cap():
    rng = random.Random(1)
    waits = [[backoff(n, first=1, cap=8, rng=rng) for _ in range(200)] for n in (1, 2, 3, 4, 6)]
    assert [round(max(w)) for w in waits] == [1, 2, 4, 8, 8]
    assert all(min(w) >= 0 for w in waits)
    assert len({round(x, 6) for x in waits[0]}) > 150  # jittered: clients spread out
    again = random.Random(1)
    assert backoff(1, first=1, cap=8, rng=again) == waits[0][0]  # seeded: repeatable


def test_a_servers_hint_is_waited_exactly_up_to_the_cap():
    assert backoff(1, first=1, cap=30, hint=12) == 12
    assert backoff(5, first=1, cap=30, hint=0) == 0
    assert backoff(1, first=1, cap=30, hint=3600) == 30
