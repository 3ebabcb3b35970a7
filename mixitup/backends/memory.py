"""A spreadsheet held in memory: the Backend protocol with nothing but `apply_change` behind it.

For trying mixitup from Python and for tests: what it does on `apply` is, by definition, what
every other backend must do (tests/test_backend_contract.py holds them to it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mixitup.change import apply_change
from mixitup.errors import ConflictError
from mixitup.models import Change, Snapshot


@dataclass
class _Store:
    snapshot: Snapshot
    version: int = 0


class MemoryBackend:
    """A spreadsheet in memory; `apply` refuses when it changed since this backend's last read.

    `another()` opens the same spreadsheet again, as a second run or a person would.
    """

    def __init__(
        self,
        tabs: Mapping[str, Sequence[Sequence[str]]] | None = None,
        *,
        location: str = "the in-memory spreadsheet",
    ) -> None:
        tabs = tabs or {}
        rows = {title: tuple(tuple(r) for r in rows) for title, rows in tabs.items()}
        self._store = _Store(Snapshot(tuple(tabs), rows))
        self._location = location
        self._read_version: int | None = None

    @property
    def location(self) -> str:
        return self._location

    @property
    def snapshot(self) -> Snapshot:
        """The spreadsheet as it is now."""
        return self._store.snapshot

    def another(self) -> MemoryBackend:
        """A second backend on the same spreadsheet, with reads of its own."""
        other = MemoryBackend(location=self._location)
        other._store = self._store
        return other

    def read(self) -> Snapshot:
        self._read_version = self._store.version
        return self._store.snapshot

    def apply(self, change: Change) -> None:
        if self._read_version is not None and self._read_version != self._store.version:
            raise ConflictError(f"{self.location} changed since it was read.")
        if change:
            self._store.snapshot = apply_change(self._store.snapshot, change)
            self._store.version += 1
        self._read_version = None
