"""Where the spreadsheet lives: the Backend protocol and `open_backend(config, session=None)`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from mixitup.extras import need

if TYPE_CHECKING:
    import requests

    from mixitup.config import Config
    from mixitup.models import Change, Snapshot


class Backend(Protocol):
    """A spreadsheet that can be read whole and changed all-or-nothing."""

    @property
    def location(self) -> str:
        """Where the spreadsheet is, in words for staff (a path or a sheet's address)."""
        ...

    def read(self) -> Snapshot:
        """Every tab's title, cells as text and stamp, in one read (one request for Google)."""
        ...

    def apply(self, change: Change) -> None:
        """Apply `change` whole or not at all (one request for Google, one rename for xlsx),
        exactly as `mixitup.change.apply_change` defines it, stamps and History cells included.

        Raises BackendError when the spreadsheet refuses or cannot be reached.
        """
        ...


def open_students_backend(
    config: Config, session: requests.Session | None = None
) -> Backend | None:
    """The spreadsheet students open ([students]), or None when staff and students share one.

    A local students' workbook that does not exist yet is created by the first write. For
    Google, `session` carries every request, as for `open_backend`.
    """
    students = config.students
    if students is None:
        return None
    if config.backend == "google":
        from dataclasses import replace

        need("google")
        from mixitup.backends.google import open_google_backend

        backend = open_google_backend(replace(config, sheet_id=students.sheet_id), session)
        backend.editors = students.editors
        backend.section = "students"
        return backend
    from mixitup.backends.xlsx import XlsxBackend

    assert students.workbook is not None  # noqa: S101 - the config sets one for xlsx
    return XlsxBackend(students.workbook, create=True)


def open_backend(config: Config, session: requests.Session | None = None) -> Backend:
    """The backend the configuration names: the local workbook unless Google is configured.

    For Google, `session` (a requests.Session, or google-auth's AuthorizedSession) carries every
    Sheets API and token request, as gspread's `HTTPClient(auth, session=...)` takes one; a new
    requests.Session when None. Tests hand one whose requests reach a local fake. The local
    workbook ignores it.
    """
    if config.backend == "google":
        need("google")
        from mixitup.backends.google import open_google_backend

        return open_google_backend(config, session)
    from mixitup.backends.xlsx import XlsxBackend

    return XlsxBackend(config.workbook)
