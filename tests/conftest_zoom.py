"""Fixtures for the fake Zoom API: a running fake, and clients of it that never sleep.

Declared once for the whole suite in the root conftest.py (`pytest_plugins`); take `zoom`:

    def test_rooms(zoom):
        outcome = sync_rooms(zoom.client(), "2027-01-13 Week 2", members)
        assert zoom.fake.rooms()["rooms"] == [...]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
import requests
import requests.adapters
from requests.adapters import BaseAdapter

from mixitup.config import ZoomApp
from mixitup.zoom.client import ZoomClient
from tests.fake_zoom import MEETING_ID, FakeZoom


class _Refuse(BaseAdapter):
    """Any https host: a test must never reach Zoom itself."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a test tried to reach {request.url}; only the fake is allowed")

    def close(self) -> None:
        """Nothing to release."""


@dataclass
class Zoom:
    """The fake and what a test needs to talk to it: the app's credentials as [zoom] holds
    them, clients over real `requests` whose backoff sleeps land in `sleeps`."""

    fake: FakeZoom
    sleeps: list[float] = field(default_factory=list)

    def app(self, **changes: Any) -> ZoomApp:
        app = ZoomApp(
            self.fake.account_id, self.fake.client_id, self.fake.client_secret, MEETING_ID
        )
        return replace(app, **changes)

    def toml(self) -> str:
        """The [zoom] section naming this fake's app and meeting."""
        app = self.app()
        return (
            f'[zoom]\naccount_id = "{app.account_id}"\nclient_id = "{app.client_id}"\n'
            f'client_secret = "{app.client_secret}"\nmeeting_id = {app.meeting_id}\n'
        )

    def client(
        self,
        app: ZoomApp | None = None,
        *,
        clock: Any = None,
        zone: dt.tzinfo | None = dt.UTC,
    ) -> ZoomClient:
        session = requests.Session()
        session.mount("https://", _Refuse())
        extra = {"clock": clock} if clock is not None else {}
        return ZoomClient(
            app or self.app(),
            session,
            api_url=self.fake.api_url,
            oauth_url=self.fake.url,
            sleep=self.sleeps.append,
            zone=zone,
            **extra,
        )


@pytest.fixture
def zoom() -> Iterator[Zoom]:
    """The fake Zoom API on 127.0.0.1 for one test (a Business plan, every scope granted)."""
    fake = FakeZoom()
    yield Zoom(fake)
    fake.stop()
