"""A spreadsheet held in memory: the Backend protocol with nothing but `apply_change` behind it.

For trying mixitup from Python and for tests: what it does on `apply` is, by definition, what
every other backend must do (tests/test_backend_contract.py holds them to it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mixitup.change import apply_change
from mixitup.errors import ConflictError
from mixitup.models import Change, Snapshot


class MemoryBackend:
    """A spreadsheet in memory; `apply` refuses when it changed since this backend's last read."""

    def __init__(
        self,
        tabs: Mapping[str, Sequence[Sequence[str]]] | None = None,
        *,
        location: str = "the in-memory spreadsheet",
    ) -> None:
        tabs = tabs or {}
        self.snapshot = Snapshot(
            tuple(tabs), {title: tuple(tuple(r) for r in rows) for title, rows in tabs.items()}
        )
        self._location = location
        self._version = 0
        self._read_version: int | None = None

    @property
    def location(self) -> str:
        return self._location

    def read(self) -> Snapshot:
        self._read_version = self._version
        return self.snapshot

    def apply(self, change: Change) -> None:
        if self._read_version is not None and self._read_version != self._version:
            raise ConflictError(f"{self.location} changed since it was read.")
        if change:
            self.snapshot = apply_change(self.snapshot, change)
            self._version += 1
        self._read_version = None

    def edit(self, change: Change) -> None:
        """Change the spreadsheet as a person or another run would, behind any reader's back."""
        self.snapshot = apply_change(self.snapshot, change)
        self._version += 1
