"""`mixitup init`: a school folder: the commented `mixitup.toml` (from the packaged starter, with
the school's answers filled in), a staff workbook with a Roster template, and what to do next.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Literal

from mixitup.config import WEEKDAYS
from mixitup.errors import ConfigError
from mixitup.layout import header_key

# The Roster template: the headers mixitup reads, and three rows staff type over. Their emails
# are at example.invalid (a domain that never exists, RFC 2606), which is how `mixitup check`
# tells an example row left in place from a real student.
ROSTER_HEADER = ("Name", "Email", "Program", "Module", "Cohort", "Status")
EXAMPLE_DOMAIN = "example.invalid"
EXAMPLE_ROWS = (
    ("Ada Example", f"ada@{EXAMPLE_DOMAIN}", "BE", "Mod 1", "2701-BE", "Active"),
    ("Grace Example", f"grace@{EXAMPLE_DOMAIN}", "FE", "Mod 3", "2609-FE", ""),
    ("Alan Example", f"alan@{EXAMPLE_DOMAIN}", "BE", "Mod 4", "2607-BE", "On leave"),
)
KEEP_APART_HEADER = ("Student", "Student", "Why (a note for staff; mixitup ignores it)")
CONFIG_NAME = "mixitup.toml"

Backend = Literal["xlsx", "google"]
Ask = Callable[[str], str]


@dataclass(frozen=True)
class School:
    """What `init` writes: the folder and the answers to put in its mixitup.toml.

    Paths are as the file will hold them: relative to `folder` when inside it, else absolute.
    """

    folder: Path
    module_starts: tuple[dt.date, ...] = ()
    weekday: str = "wednesday"
    start: str = "12:00"
    timezone: str = ""  # empty: the machine's time zone
    size: int = 6
    backend: Backend = "xlsx"
    sheet_id: str = ""
    students_sheet_id: str = ""
    credentials: str = ""
    workbook: str = "mixitup.xlsx"
    students_workbook: str = "students.xlsx"

    @property
    def config_file(self) -> Path:
        return self.folder / CONFIG_NAME

    def path_of(self, written: str) -> Path:
        """A path as the file holds it, as a path on this machine."""
        return self.folder / Path(written).expanduser()


@dataclass(frozen=True)
class Created:
    """What `create_school` did: the files written and the existing ones kept."""

    school: School
    written: tuple[Path, ...]
    kept: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Identity:
    """Who mixitup acts as in Google, as far as the credentials file tells without a request."""

    email: str | None
    kind: str  # in staff's words: "service account", "Google account"


def starter_text() -> str:
    """The starter configuration: every key, explained in comments."""
    return resources.files("mixitup").joinpath("starter.toml").read_text(encoding="utf-8")


# -- answers --------------------------------------------------------------------------------


def parse_dates(text: str) -> tuple[dt.date, ...]:
    """Module start dates from "2027-01-04, 2027-02-22" (commas or spaces); ConfigError."""
    found = []
    for word in re.split(r"[,\s]+", text.strip()):
        if not word:
            continue
        try:
            found.append(dt.date.fromisoformat(word))
        except ValueError:
            raise ConfigError(f"{word!r} is not a date like 2027-01-04.") from None
    return tuple(sorted(set(found)))


def parse_weekday(text: str) -> str:
    day = text.strip().lower()
    match = [name for name in WEEKDAYS if len(day) >= 3 and name.startswith(day)]
    if len(match) != 1:
        raise ConfigError(f"{text!r} is not a day of the week (monday ... sunday).")
    return match[0]


def parse_start(text: str) -> str:
    """A start time as mixitup.toml holds it ("09:15"), from "9:15" or "09:15"."""
    wrong = ConfigError(f"{text!r} is not a time like 12:00 (24-hour clock).")
    found = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if found is None:
        raise wrong
    try:
        return dt.time(int(found.group(1)), int(found.group(2))).strftime("%H:%M")
    except ValueError:
        raise wrong from None


def parse_timezone(text: str) -> str:
    zone = text.strip()
    if not zone:
        return ""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{zone!r} is not a time zone name: use one like America/Denver or Europe/London."
        ) from None
    return zone


def parse_size(text: str) -> int:
    try:
        size = int(text.strip())
    except ValueError:
        raise ConfigError(f"{text!r} is not a group size: a whole number like 6.") from None
    if size < 2:
        raise ConfigError(f"A group needs 2 or more students, not {size}.")
    return size


def parse_backend(text: str) -> Backend:
    word = text.strip().lower()
    if word not in ("xlsx", "google"):
        raise ConfigError(f"{text!r} is neither xlsx (workbooks here) nor google (Google Sheets).")
    return "google" if word == "google" else "xlsx"


def sheet_id_of(text: str) -> str:
    """A Google Sheet's id, from the id itself or the sheet's whole address."""
    text = text.strip()
    found = re.search(r"/spreadsheets/d/([A-Za-z0-9_-]+)", text)
    sheet_id = found.group(1) if found else text
    if sheet_id and not re.fullmatch(r"[A-Za-z0-9_-]{10,}", sheet_id):
        raise ConfigError(
            f"{text!r} is not a Google Sheet's id: copy the long part of the sheet's address "
            "between /d/ and /edit (or paste the whole address)."
        )
    return sheet_id


def machine_timezone(env: os._Environ[str] | dict[str, str] | None = None) -> str:
    """This machine's IANA time zone name when it can tell (TZ, /etc/timezone, /etc/localtime),
    else "": the default offered when `init` asks."""
    env = os.environ if env is None else env
    candidates = [env.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    with contextlib.suppress(OSError):
        candidates.append(str(Path("/etc/localtime").readlink()).split("zoneinfo/")[-1])
    for zone in candidates:
        try:
            if zone and "/" in zone:
                return parse_timezone(zone)
        except ConfigError:
            continue
    return ""


def ask_school(
    school: School, given: frozenset[str], ask: Ask, tell: Callable[[str], None]
) -> School:
    """`school` with each answer not `given` (by a flag) asked through `ask` (`input`, in a
    terminal): a blank answer keeps the default shown in brackets; a wrong one is told why
    through `tell` and asked again."""

    def question(
        name: str, text: str, default: str, parse: Callable[[str], object], *, blank: bool = False
    ) -> object:
        while True:
            answer = ask(f"{text} [{default}]: " if default else f"{text}: ").strip()
            if not answer and (default or blank):
                answer = default
            try:
                return parse(answer)
            except ConfigError as error:
                tell(f"  {error}")

    answers: dict[str, object] = {}
    if "module_starts" not in given:
        answers["module_starts"] = question(
            "module_starts",
            "Module start dates this term, the Monday of each module's week 1 "
            "(e.g. 2027-01-04, 2027-02-22; blank: later)",
            "",
            parse_dates,
            blank=True,
        )
    if "weekday" not in given:
        answers["weekday"] = question("weekday", "Session weekday", school.weekday, parse_weekday)
    if "start" not in given:
        answers["start"] = question("start", "Session start time", school.start, parse_start)
    if "timezone" not in given:
        answers["timezone"] = question(
            "timezone",
            "School time zone (blank: this machine's)",
            school.timezone or machine_timezone(),
            parse_timezone,
            blank=True,
        )
    if "size" not in given:
        answers["size"] = question("size", "Students per group", str(school.size), parse_size)
    if "backend" not in given:
        answers["backend"] = question(
            "backend",
            "Spreadsheets: xlsx (workbooks on this computer) or google (Google Sheets)",
            school.backend,
            parse_backend,
        )
    chosen = replace(school, **answers)  # type: ignore[arg-type]
    if chosen.backend == "google":
        more: dict[str, object] = {}
        if "sheet_id" not in given:
            more["sheet_id"] = question(
                "sheet_id", "The staff Google Sheet's address or id", "", sheet_id_of, blank=True
            )
        if "students_sheet_id" not in given:
            more["students_sheet_id"] = question(
                "students_sheet_id",
                "The students' Google Sheet's address or id (an empty sheet)",
                "",
                sheet_id_of,
                blank=True,
            )
        chosen = replace(chosen, **more)  # type: ignore[arg-type]
    return chosen


# -- mixitup.toml -----------------------------------------------------------------------------


def render(school: School) -> str:
    """The starter configuration with the school's answers in place of its defaults."""
    text = starter_text()

    def put(old: str, new: str) -> None:
        nonlocal text
        pattern = re.compile(rf"^{re.escape(old)}$", re.MULTILINE)
        if len(pattern.findall(text)) != 1:  # the starter changed: keep the two in step
            raise AssertionError(f"starter.toml has not exactly one line {old!r}")
        text = pattern.sub(lambda _: new, text, count=1)

    quoted = json.dumps  # a TOML basic string is written as JSON writes a string
    if school.backend == "google":
        put('backend = "xlsx"', 'backend = "google"')
        put('path = "mixitup.xlsx"', f"# path = {quoted(school.workbook)}")
        put('# id = "1AbC...xyz"', f"id = {quoted(school.sheet_id)}")
        put('path = "students.xlsx"', f"# path = {quoted(school.students_workbook)}")
        put('# id = "1XyZ...abc"', f"id = {quoted(school.students_sheet_id)}")
    else:
        put('path = "mixitup.xlsx"', f"path = {quoted(school.workbook)}")
        put('path = "students.xlsx"', f"path = {quoted(school.students_workbook)}")
    if school.credentials:
        put('# credentials = "credentials.json"', f"credentials = {quoted(school.credentials)}")
    put('# keep_apart_tab = "Keep apart"', 'keep_apart_tab = "Keep apart"')
    starts = ", ".join(day.isoformat() for day in school.module_starts)
    put("module_starts = []", f"module_starts = [{starts}]")
    put('weekday = "wednesday"', f"weekday = {quoted(school.weekday)}")
    put('start = "12:00"', f"start = {quoted(school.start)}")
    if school.timezone:
        put('# timezone = "America/Denver"', f"timezone = {quoted(school.timezone)}")
    put("size = 6", f"size = {school.size}")
    return text


# -- the staff workbook -----------------------------------------------------------------------


def roster_workbook() -> bytes:
    """A staff workbook: a Roster tab (headers, three example rows to type over) and a Keep
    apart tab (headers only)."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    book = openpyxl.Workbook()
    roster = book.active
    roster.title = "Roster"
    roster.append(ROSTER_HEADER)
    for row in EXAMPLE_ROWS:
        roster.append(row)
    grey = PatternFill("solid", fgColor="EEEEEE")
    for cell in roster[1]:
        cell.font = Font(bold=True)
    for line in roster.iter_rows(min_row=2, max_row=1 + len(EXAMPLE_ROWS)):
        for cell in line:
            cell.fill = grey
            cell.font = Font(italic=True)
    for column, width in zip("ABCDEF", (26, 34, 10, 10, 12, 12), strict=True):
        roster.column_dimensions[column].width = width
    roster.freeze_panes = "A2"
    apart = book.create_sheet("Keep apart")
    apart.append(KEEP_APART_HEADER)
    for cell in apart[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABC", (26, 26, 44), strict=True):
        apart.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def example_rows(rows: Sequence[Sequence[str]]) -> tuple[int, ...]:
    """The row numbers (1-based) of the template's example rows still in a roster tab."""
    columns = [header_key(cell) for cell in rows[0]] if rows else []
    email = columns.index("email") if "email" in columns else None
    names = {row[0] for row in EXAMPLE_ROWS}
    found = []
    for number, cells in enumerate(rows[1:], start=2):
        address = cells[email].strip().lower() if email is not None and email < len(cells) else ""
        name = " ".join(cells[0].split()) if cells else ""
        if address.endswith(f"@{EXAMPLE_DOMAIN}") or (not address and name in names):
            found.append(number)
    return tuple(found)


# -- writing ---------------------------------------------------------------------------------


def create_school(school: School) -> Created:
    """Write the school folder; never overwrite a file.

    Raises ConfigError, writing nothing, when mixitup.toml exists. An existing staff workbook
    (say, the school's own roster named with --workbook) is kept as it is.
    """
    config = school.config_file
    if config.exists():
        raise ConfigError(
            f"{config} already exists; mixitup init leaves it as it is. Edit it, or move it away "
            "and run mixitup init again."
        )
    try:
        school.folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"Cannot create the folder {school.folder}: {error.strerror}.") from error
    written: list[Path] = []
    kept: list[Path] = []
    text = render(school)
    if school.backend == "xlsx":
        workbook = school.path_of(school.workbook)
        if workbook.exists():
            kept.append(workbook)
        else:
            _create(workbook, roster_workbook())
            written.append(workbook)
    _create(config, text.encode("utf-8"))
    written.insert(0, config)
    return Created(school, tuple(written), tuple(kept))


def _create(path: Path, data: bytes) -> None:
    """Write a new file; exclusive create, so a file appearing meanwhile is still kept."""
    try:
        with path.open("xb") as out:
            out.write(data)
    except FileExistsError:
        raise ConfigError(
            f"{path} appeared while mixitup init ran; it was kept as it is."
        ) from None
    except OSError as error:
        raise ConfigError(f"Cannot write {path}: {error.strerror}.") from error


def inside_clone(folder: Path) -> Path | None:
    """The mixitup source checkout `folder` is in (a school's files do not belong there), or
    None."""
    for parent in (folder, *folder.parents):
        if (parent / "pyproject.toml").is_file() and (parent / "mixitup" / "cli").is_dir():
            return parent
    return None


def identity_of(credentials: Path | None) -> Identity | None:
    """The account a credentials file acts as, read from the file without a request (its
    secrets are never read out); None when there is no file to read."""
    if credentials is None:
        return None
    try:
        info = json.loads(credentials.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict):
        return None
    kind = str(info.get("type", ""))
    if kind == "service_account":
        return Identity(_email(info.get("client_email")), "service account")
    if kind == "authorized_user":
        return Identity(_email(info.get("account")), "Google account")
    url = str(info.get("service_account_impersonation_url", ""))
    found = re.search(r"serviceAccounts/([^/:]+@[^/:]+):generateAccessToken", url)
    return Identity(found.group(1) if found else None, "service account")


def _email(value: object) -> str | None:
    return value if isinstance(value, str) and "@" in value else None
