"""The errors mixitup raises; `cli.py` turns each into one exit code and a message for staff."""

from __future__ import annotations

from collections.abc import Sequence


class MixitupError(Exception):
    """Base class of every failure mixitup expects and explains (exit 2 unless a subclass says)."""

    exit_code = 2


class ConfigError(MixitupError):
    """Bad command-line usage or configuration file."""

    exit_code = 2


class RosterError(MixitupError):
    """The spreadsheet's data cannot be used; lists every problem, so staff fix all at once."""

    exit_code = 3

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        heading = (
            f"{count} problem{'s' if count != 1 else ''} in the spreadsheet; nothing was written:"
        )
        super().__init__("\n".join([heading, *(f"  - {p}" for p in self.problems)]))


class DataError(MixitupError):
    """An input other than the roster cannot be used: a Zoom report, a name given on the command
    line, a session that is not published. The message says what and where."""

    exit_code = 3


class BackendError(MixitupError):
    """The spreadsheet cannot be read or written (unreachable, refusing, or locked)."""

    exit_code = 4


class ZoomError(BackendError):
    """Zoom's API refused or could not be reached (exit 4). Its own class so a command whose
    Zoom part is optional can report it and go on; the message never holds a secret.

    `status` and `code` are Zoom's HTTP status and error code, when Zoom answered at all.
    """

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class InfeasibleGroupingError(MixitupError):
    """Even group sizes or keep-apart pairs cannot hold for this roster."""

    exit_code = 5


class ConflictError(BackendError):
    """Someone else changed the spreadsheet between our read and our write; read again."""


class StudentsWriteError(BackendError):
    """The record was written, then the students' spreadsheet could not be: the next `run`
    writes it from the record. `result` is what the command did (a rebalance's moves, say)."""

    def __init__(self, message: str, result: object) -> None:
        super().__init__(message)
        self.result = result
