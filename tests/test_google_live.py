"""Against a real Google Sheet: skipped unless the two variables below are set.

    MIXITUP_LIVE_SHEET_ID=1AbC... GOOGLE_APPLICATION_CREDENTIALS=~/keys/mixitup.json \
        pytest -m live tests/test_google_live.py

The read test changes nothing. The write test adds one scratch tab and deletes it again; it
runs only when MIXITUP_LIVE_WRITE=1 as well.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import requests

from mixitup.backends.google import GoogleBackend, open_google_backend
from mixitup.config import Config
from mixitup.models import Change, Tab

SHEET_ID = os.environ.get("MIXITUP_LIVE_SHEET_ID", "")
KEY = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS", "")

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (SHEET_ID and KEY),
        reason="set MIXITUP_LIVE_SHEET_ID and GOOGLE_APPLICATION_CREDENTIALS to run",
    ),
]


def counted(backend: GoogleBackend) -> list[str]:
    """Record every Sheets API request the backend sends."""
    seen: list[str] = []

    def hook(response: requests.Response, *args: object, **kwargs: object) -> None:
        seen.append(f"{response.request.method} {response.status_code}")

    backend.transport.session.hooks["response"].append(hook)
    return seen


def live_backend() -> GoogleBackend:
    return open_google_backend(
        Config(backend="google", sheet_id=SHEET_ID, credentials=Path(KEY).expanduser())
    )


def test_live_read_is_one_request_and_lists_the_tabs() -> None:
    backend = live_backend()
    seen = counted(backend)

    snapshot = backend.read()

    assert snapshot.titles
    assert len(seen) == 1


@pytest.mark.skipif(os.environ.get("MIXITUP_LIVE_WRITE") != "1", reason="set MIXITUP_LIVE_WRITE=1")
def test_live_write_adds_and_removes_a_scratch_tab_in_one_request_each() -> None:
    backend = live_backend()
    title = f"mixitup live test {uuid.uuid4().hex[:8]}"
    backend.read()
    seen = counted(backend)

    backend.apply(Change(tabs=(Tab(title, (("=1+1", 7),), widths=(10, 4), stamp="live"),)))
    snapshot = backend.read()
    backend.apply(Change(delete_tabs=(title,)))

    assert snapshot.rows(title) == (("=1+1", "7"),)
    assert snapshot.stamps.get(title) == "live"
    assert len(seen) == 3
    assert title not in backend.read().titles
