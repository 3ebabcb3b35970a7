"""The local workbook: read as text with python-calamine; written with openpyxl by replacing the
file in one rename.

A write loads the file, applies the whole change, saves to a temporary file in the same
folder, flushes it to disk and renames it over the original, so a crash at any instant
leaves the old workbook or the new one, never a torn file. A lock file beside the workbook
(removed after each write) keeps two writers apart, and a write refuses when the file changed
since it was read or while Excel or LibreOffice holds it open. A link is written through to
its target, and the new file keeps the old one's owner, group, mode and formulas' computed
values (formulas.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import glob
import hashlib
import io
import logging
import os
import stat
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import python_calamine

from mixitup.backends.formulas import Position, keep_computed_values, package_facts
from mixitup.backends.workbook import STAMP_NAME, new_book, write_steps
from mixitup.change import plan_change, trimmed
from mixitup.errors import BackendError, ConfigError, ConflictError, RosterError
from mixitup.layout import HISTORY_MARKER  # a defined name marking the History, wherever
from mixitup.models import Change, Rows, Snapshot

if TYPE_CHECKING:  # openpyxl (a tenth of a second to import) is loaded only to write
    pass

log = logging.getLogger(__name__)

LOCK_WAIT_SECONDS = 60.0

MISSING = "missing"  # the read digest of a workbook that does not exist yet


class XlsxBackend:
    """A workbook on the local disk."""

    def __init__(
        self, path: Path, lock_wait: float = LOCK_WAIT_SECONDS, *, create: bool = False
    ) -> None:
        self.path = path
        self.lock_wait = lock_wait
        self.create = create  # a missing workbook reads as empty; the first write creates it
        self._read_digest: str | None = None
        self._snapshot: Snapshot | None = None  # the last read, which apply() plans against

    @property
    def location(self) -> str:
        return str(self.path)

    def read(self) -> Snapshot:
        data = self._bytes()
        if not data:  # a workbook mixitup creates on its first write
            self._read_digest = MISSING
            self._snapshot = Snapshot((), {})
            return self._snapshot
        self._read_digest = hashlib.sha256(data).hexdigest()
        # Formulas are read as the values last computed, the text people see.
        try:
            facts = package_facts(data, HISTORY_MARKER, STAMP_NAME)
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            with book:
                worksheet = python_calamine.SheetTypeEnum.WorkSheet  # not a chart sheet
                sheets = {sheet.name: sheet for sheet in book.sheets_metadata}
                tabs = {
                    title: _rows_as_text(
                        book.get_sheet_by_name(title).to_python(skip_empty_area=False),
                        facts.errors.get(title, {}),
                    )
                    for title in facts.titles
                    if title in sheets and sheets[title].typ == worksheet
                }
        except (
            zipfile.BadZipFile,
            KeyError,
            ValueError,
            ET.ParseError,
            python_calamine.CalamineError,
        ) as error:
            raise self._unreadable(error) from error
        visible = python_calamine.SheetVisibleEnum.Visible
        self._snapshot = Snapshot(
            tuple(tabs),
            tabs,
            frozenset(title for title in tabs if sheets[title].visible != visible),
            facts.marked if facts.marked in tabs else None,
            facts.uncomputed,
            facts.protected,
            {title: text for title, text in facts.stamps.items() if title in tabs and text},
        )
        return self._snapshot

    def apply(self, change: Change) -> None:
        try:
            self._apply(change)
        except OSError as error:  # the lock file, the temporary file or the rename
            raise BackendError(
                f"Cannot write the workbook {self.path}: {error.strerror} ({error.filename}). "
                "Check that the folder is writable and has space; the workbook is unchanged."
            ) from error

    def _apply(self, change: Change) -> None:
        if self._snapshot is None:
            self.read()
        snapshot, digest = self._snapshot, self._read_digest
        assert snapshot is not None  # noqa: S101 - read() just set it
        with self._locked():
            data = self._bytes()
            if (hashlib.sha256(data).hexdigest() if data else MISSING) != digest:
                raise ConflictError(f"{self.path} changed since it was read.")
            steps = plan_change(snapshot, change)
            # Staff formulas elsewhere in the workbook must survive the write.
            book = self._open(data) if data else new_book()
            write_steps(book, steps, snapshot, new=not data)
            self._replace(book)
            self._read_digest = None
            self._snapshot = None

    def _bytes(self) -> bytes:
        """The workbook's bytes; empty when it does not exist yet and `create` is set."""
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            if self.create and not self.path.is_symlink():
                if self.path.parent.is_dir():
                    return b""
                raise BackendError(
                    f"Cannot create the students' workbook {self.path}: its folder "
                    f"{self.path.parent} does not exist. Check [students] path in mixitup.toml "
                    "or --students-workbook. Nothing was written."
                ) from None
            if self.path.is_symlink():
                raise ConfigError(
                    f"The workbook {self.path} is a link to {self._target}, which does not "
                    "exist. Check that the folder it points into is there (a synced drive "
                    "mounted), or point --workbook at the workbook itself."
                ) from None
            raise ConfigError(
                f"The workbook {self.path} does not exist. Check --workbook or [spreadsheet] "
                "path in mixitup.toml; `mixitup demo` builds a sample workbook."
            ) from None
        except OSError as error:
            what = (
                "it is a folder: point the path at the .xlsx file itself"
                if self.path.is_dir()
                else "check that this user may read it (ls -l shows who may)"
            )
            raise BackendError(
                f"Cannot read the workbook {self.path}: {error.strerror}. Check --workbook or the "
                f"path in mixitup.toml; {what}. Nothing was written."
            ) from error

    def _open(self, data: bytes) -> Any:
        """The workbook as openpyxl loads it to be rewritten: formulas as formulas."""
        import openpyxl

        try:
            return openpyxl.load_workbook(io.BytesIO(data))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise self._unreadable(error) from error

    def _unreadable(self, error: Exception) -> RosterError:
        return RosterError(
            [f"{self.path} is not a readable .xlsx workbook ({error}). Save it as .xlsx."]
        )

    @property
    def _target(self) -> Path:
        """The file itself: a link (e.g. into a synced drive folder) is written through."""
        return Path(os.path.realpath(self.path))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the lock file beside the workbook; wait up to `lock_wait` seconds for it.

        The lock file is removed on the way out, while still held, so none is left beside the
        workbook. A writer that was waiting on the removed file then finds it is no longer the
        file at that path (its lock keeps nobody out) and locks the current one instead.
        """
        lock_path = self._target.with_name(f".{self._target.name}.lock")
        deadline = time.monotonic() + self.lock_wait
        while True:
            with lock_path.open("a") as lock:
                while True:
                    try:
                        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise BackendError(
                                f"Another mixitup run has been writing {self.path} for over "
                                f"{self.lock_wait:.0f} s (lock file {lock_path}). Try again later."
                            ) from None
                        time.sleep(0.05)
                if not _same_file(lock, lock_path):
                    continue  # the holder before us removed it: lock the one there now
                try:
                    self._refuse_if_open()
                    yield
                finally:
                    lock_path.unlink(missing_ok=True)
                    fcntl.flock(lock, fcntl.LOCK_UN)
                return

    def _refuse_if_open(self) -> None:
        """Refuse to write while Excel or LibreOffice has the workbook open.

        Its next save would silently put back its own copy over what mixitup wrote.
        """
        locks = _open_locks(self.path, self._target)
        if locks:
            lock = locks[0]
            raise BackendError(
                f"The workbook {self.path} is open in a spreadsheet program{_holder(lock)} "
                f"(lock file {lock}), whose next save would undo this one. Close it in Excel or "
                "LibreOffice and run again; if nobody has it open (the program crashed), delete "
                f"the lock file {lock}. Nothing was written."
            )

    def _replace(self, book: Any) -> None:
        """Save to a temporary file beside the workbook, flush it, rename it over the original.

        Through a link, the link's target is replaced and the link stays. The new file gets
        the old one's owner, group and mode.
        """
        target = self._target
        folder = target.parent
        prefix = f".{target.name}.tmp-"
        for leftover in folder.glob(f"{glob.escape(prefix)}*"):
            leftover.unlink(missing_ok=True)  # a writer killed mid-save; we hold the lock now
        saved = io.BytesIO()
        book.save(saved)
        exists = target.exists()
        # Under the lock the file is still the one `book` was loaded from.
        data = (
            keep_computed_values(target.read_bytes(), saved.getvalue())
            if exists
            else saved.getvalue()
        )
        handle, name = tempfile.mkstemp(prefix=prefix, suffix=".xlsx", dir=folder)
        temporary = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            if exists:
                _keep_owner_and_mode(temporary, target)
            else:  # mkstemp makes it owner-only; a new workbook gets the usual mode
                umask = os.umask(0)
                os.umask(umask)
                temporary.chmod(0o666 & ~umask)
            temporary.replace(target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _same_file(handle: io.TextIOWrapper, path: Path) -> bool:
    """Whether the open `handle` is still the file at `path` (not removed or replaced)."""
    try:
        named = path.stat()
    except FileNotFoundError:
        return False
    opened = os.fstat(handle.fileno())
    return (opened.st_dev, opened.st_ino) == (named.st_dev, named.st_ino)


def _open_locks(*paths: Path) -> list[Path]:
    """The lock files Excel (~$NAME) and LibreOffice (.~lock.NAME#) keep beside open files."""
    names = [(p.parent, p.name) for p in dict.fromkeys(paths)]
    candidates = [d / f"~${n}" for d, n in names] + [d / f".~lock.{n}#" for d, n in names]
    return [lock for lock in candidates if lock.exists()]


def _holder(lock: Path) -> str:
    """ ", by NAME (on HOST since TIME)" as the lock file tells it, or "" when it does not."""
    try:
        data = lock.read_bytes()[:4096]
    except OSError:
        return ""
    if lock.name.startswith(".~lock."):  # LibreOffice: "Name,user,host,time,profile;"
        fields = data.decode("utf-8", "replace").split(",")
        if len(fields) >= 4 and (fields[0] or fields[1]):
            return f", by {fields[0] or fields[1]} on {fields[2]} since {fields[3]}"
        return ""
    # Excel: the user's name, its length in the first byte.
    name = data[1 : 1 + data[0]].decode("latin-1") if data else ""
    return f", by {name}" if name.isprintable() and name.strip() else ""


def _keep_owner_and_mode(new: Path, old: Path) -> None:
    """Give `new` the owner, group and permissions of `old`, as far as this user may."""
    before = old.stat()
    for uid in (before.st_uid, -1):  # a user who is not the owner may still set the group
        try:
            os.chown(new, uid, before.st_gid)
            break
        except PermissionError:
            continue
    new.chmod(stat.S_IMODE(before.st_mode))  # after chown, which may clear setuid bits
    after = new.stat()
    if (after.st_uid, after.st_gid) != (before.st_uid, before.st_gid):
        log.warning(
            "%s belonged to user %d, group %d, but mixitup runs as user %d, which may not give "
            "a file away: the rewritten workbook now belongs to user %d, group %d. Run mixitup "
            "as the workbook's owner to keep them.",
            old,
            before.st_uid,
            before.st_gid,
            os.geteuid(),
            after.st_uid,
            after.st_gid,
        )


def _rows_as_text(values: Sequence[Sequence[object]], errors: Mapping[Position, str]) -> Rows:
    """A sheet's values (from A1) as text with its error cells, as the Sheets API gives them:
    no blank cells at the end of a row, no blank rows at the end."""
    rows = [[_text(v) for v in row] for row in values]
    for (row, column), error in errors.items():
        rows.extend([] for _ in range(row - len(rows)))
        cells = rows[row - 1]
        cells.extend("" for _ in range(column - len(cells)))
        cells[column - 1] = error
    return trimmed(rows)


def _text(value: object) -> str:
    """A cell as the text a person sees: 3.0 -> "3", a date -> "2027-01-13"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
