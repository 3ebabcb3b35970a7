"""A Google Sheet as a Backend: read in one spreadsheets.get, changed in one atomic batchUpdate,
each retried when transient, a write whose outcome is unknown checked before it is sent again.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote

from mixitup.backends import credentials
from mixitup.backends.credentials import Identity
from mixitup.backends.google import errors
from mixitup.backends.google.plan import plan
from mixitup.backends.google.reading import READ_FIELDS, State, parse
from mixitup.backends.google.transport import API, FAILURES, Sleep, Transport
from mixitup.errors import BackendError
from mixitup.models import Change, Snapshot
from mixitup.retries import StatusError, is_transient

if TYPE_CHECKING:
    import requests

    from mixitup.config import Config

log = logging.getLogger(__name__)
RATE_LIMITED = 429


def open_google_backend(
    config: Config,
    session: requests.Session | None = None,
    *,
    sleep: Sleep = time.sleep,
    rng: random.Random | None = None,
) -> GoogleBackend:
    """The Google Sheet `config` names, reached with its credentials (or ADC when none) over
    `session` (a new one when None): every Sheets and token request goes through it.

    Makes no request but, without credentials configured, ADC's check for Google Cloud's
    metadata server: the token is fetched with the first read.
    """
    import requests
    from google.auth.transport.requests import Request

    session = session if session is not None else requests.Session()
    loaded = credentials.load(config.credentials, Request(session))
    transport = Transport(loaded.credentials, session, sleep=sleep, rng=rng)
    return GoogleBackend(transport, config.sheet_id, identity=loaded.identity)


class GoogleBackend:
    """A Google Sheet read in one request and changed in one atomic batchUpdate.

    Every request goes through `transport` (tests give it a session whose requests reach a
    local fake): no Drive calls, no request but the one read and the one write.
    """

    def __init__(
        self,
        transport: Transport,
        sheet_id: str,
        *,
        identity: Identity | None = None,
        editors: Sequence[str] = (),
        section: str = "spreadsheet",
    ) -> None:
        if not sheet_id:
            raise BackendError("No spreadsheet id given: set [spreadsheet] id in mixitup.toml.")
        self.transport = transport
        self.sheet_id = sheet_id
        self.editors = tuple(editors)  # who, besides mixitup, may edit the tabs it protects
        self.section = section  # the mixitup.toml section naming it: "spreadsheet" or "students"
        self.identity = identity or Identity("service_account", "the credentials in use")
        self._state: State | None = None  # the last read, which apply() plans against

    @property
    def location(self) -> str:
        return f"https://docs.google.com/spreadsheets/d/{self.sheet_id}"

    @property
    def _url(self) -> str:
        return f"{API}/{quote(self.sheet_id, safe='')}"

    @property
    def _where(self) -> errors.Where:
        return errors.Where(self.sheet_id, self.section, self.identity)

    def read(self) -> Snapshot:
        """Every tab's title, text and stamp, from one spreadsheets.get (retried when transient)."""
        return self._read_state().snapshot()

    def _read_state(self) -> State:
        retrying = self.transport.retrying("read")
        try:
            state = retrying(self._fetch)
        except FAILURES as e:
            attempts = int(retrying.statistics.get("attempt_number", 1))
            raise errors.explain(e, "read", self._where, attempts) from e
        self._state = state
        log.debug("Read %d tabs from %s in one request", len(state.sheets), self.location)
        return state

    def can_write(self) -> bool | None:
        """Whether the last read() showed the identity may write (see State.can_write); None
        when it cannot tell, or before a read."""
        return self._state.can_write() if self._state is not None else None

    def apply(self, change: Change) -> None:
        """Apply `change` in one batchUpdate, planned against the last read().

        Without an earlier read() (or after an apply()), reads first. A write whose outcome
        is unknown (timeout, dropped connection, 5xx) is re-read before it is retried, so a
        change that already landed is never applied twice.
        """
        state = self._state or self._read_state()
        rng = self.transport.rng
        planned = plan(
            change,
            state,
            new_sheet_id=lambda taken: _new_id(rng, taken),
            new_marker=lambda: f"{rng.getrandbits(64):016x}",
            editors=[e for e in (self.identity.account(), *self.editors) if e],
        )
        if not planned.body["requests"]:
            log.debug("Nothing to write to %s", self.location)
            return
        uncertain = False

        def attempt() -> None:
            nonlocal uncertain
            if uncertain:
                if planned.landed(self._fetch()):
                    log.warning("The earlier write attempt had landed; not sending it again")
                    return
                uncertain = False
            try:
                self.transport.post(f"{self._url}:batchUpdate", planned.body)
            except Exception as error:
                # Every transient failure but a refusal to start (429) may have landed.
                refused = isinstance(error, StatusError) and error.status == RATE_LIMITED
                uncertain = is_transient(error) and not refused
                raise

        retrying = self.transport.retrying("write")
        self._state = None  # whatever happens, the spreadsheet may differ from the last read
        try:
            retrying(attempt)
        except FAILURES as e:
            attempts = int(retrying.statistics.get("attempt_number", 1))
            raise errors.explain(e, "write", self._where, attempts, uncertain) from e
        log.debug(
            "Wrote %d requests in one batchUpdate to %s: %d tabs written, %d removed",
            len(planned.body["requests"]),
            self.location,
            len(change.tabs),
            len(change.delete_tabs),
        )

    def _fetch(self) -> State:
        return parse(
            self.transport.get(self._url, {"includeGridData": "true", "fields": READ_FIELDS})
        )


def _new_id(rng: random.Random, taken: set[int]) -> int:
    """A sheet id no tab has, chosen by mixitup so one batch can add a tab and fill it."""
    while True:
        sheet_id = rng.randrange(1, 2**31 - 1)
        if sheet_id not in taken:
            taken.add(sheet_id)
            return sheet_id
