"""Config: one frozen value built once from flags, environment, `mixitup.toml` and defaults.

Precedence is flag, then environment (`MIXITUP_*`, `GOOGLE_APPLICATION_CREDENTIALS`), then
file, then default. Only this module reads the environment or a configuration file. The
webhook address and the Zoom app's client secret are secrets: they never appear in a message or
a repr.
webhook address, the Slack token, the SMTP password and a proxy address (which may carry a
password) are secrets: they never appear in a message or a repr.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from mixitup.errors import ConfigError

DEFAULT_CONFIG = "mixitup.toml"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_EXCLUDED = ("withdrawn", "on leave", "graduated", "opted out", "inactive")
# A Google Form's address (the responder's has /d/e/), its id, and a question's entry number.
_FORM_ADDRESS = re.compile(r"docs\.google\.com/forms/(?:u/\d+/)?d/(e/)?([A-Za-z0-9_-]+)")
_FORM_ID = re.compile(r"[A-Za-z0-9_-]{10,}")
_ENTRY = re.compile(r"(?:entry\.)?(\d+)")

# Every key a file may hold, per section; anything else is a typo worth reporting.
KNOWN_KEYS: dict[str, frozenset[str]] = {
    "spreadsheet": frozenset(
        {
            "backend",
            "id",
            "credentials",
            "path",
            "roster_tab",
            "keep_apart_tab",
            "history_tab",
            "report_tab",
        }
    ),
    "students": frozenset({"id", "path", "editors"}),
    "roster": frozenset({"exclude_statuses", "programs", "modules"}),
    "groups": frozenset({"size", "seed", "seconds", "min_present"}),
    "attendance": frozenset({"min_minutes", "pause_after"}),
    "calendar": frozenset(
        {
            "module_starts",
            "session_weeks",
            "weekday",
            "publish_days_ahead",
            "skip",
            "start",
            "timezone",
        }
    ),
    "meeting": frozenset({"zoom", "url", "team", "minutes"}),
    "prompts": frozenset({"template"}),
    "notify": frozenset({"webhook"}),
    "requests": frozenset(
        {
            "tab",
            "timestamp",
            "email",
            "request",
            "session_date",
            "until",
            "skip",
            "pause",
            "come_back",
            "form_id",
            "email_entry",
            "session_date_entry",
        }
    ),
    "feedback": frozenset(
        {
            "tab",
            "timestamp",
            "email",
            "session_date",
            "met",
            "useful",
            "comment",
            "report_tab",
            "form_id",
            "email_entry",
            "session_date_entry",
        }
    ),
    "zoom": frozenset({"account_id", "client_id", "client_secret", "meeting_id"}),
    "slack": frozenset({"token", "remind_minutes"}),
    "email": frozenset({"host", "port", "sender", "username", "password", "security"}),
}
ZOOM_SECRET_ENV = "MIXITUP_ZOOM_CLIENT_SECRET"  # noqa: S105  (a variable's name, not its value)
DEFAULT_TEAM = "Career Development"
DEFAULT_MODULES = 4  # [roster] modules: Mod 1 to Mod 4
DEFAULT_MINUTES = 60  # [meeting] minutes: a session lasts an hour
SECURITY_PORTS = {"starttls": 587, "ssl": 465, "none": 25}  # [email] security -> default port


@dataclass(frozen=True)
class Calendar:
    """When sessions happen: the weekday of each session week of each module."""

    module_starts: tuple[dt.date, ...] = ()
    session_weeks: tuple[int, ...] = (2, 4)
    weekday: int = 2  # Monday is 0: Wednesday
    publish_days_ahead: int = 2
    skip: tuple[dt.date, ...] = ()
    start: dt.time = dt.time(12, 0)  # when sessions start: late joiners are placed until then
    timezone: str = ""  # IANA name; empty: the machine's local time zone

    def now(self) -> dt.datetime:
        """The time now in the calendar's time zone, to the second."""
        from zoneinfo import ZoneInfo  # loads sysconfig: only when a time is needed

        zone = ZoneInfo(self.timezone) if self.timezone else None
        return dt.datetime.now(zone).astimezone(zone).replace(microsecond=0)

    def at(self, day: dt.date, time: dt.time) -> dt.datetime:
        """`time` on `day` in the calendar's time zone, as an aware datetime."""
        if self.timezone:
            from zoneinfo import ZoneInfo

            return dt.datetime.combine(day, time, tzinfo=ZoneInfo(self.timezone))
        return dt.datetime.combine(day, time).astimezone()  # local rules, summer time included


@dataclass(frozen=True)
class Students:
    """The spreadsheet students open: a workbook (xlsx) or a Google Sheet id (google)."""

    workbook: Path | None = None
    sheet_id: str = ""
    editors: tuple[str, ...] = ()  # staff who may edit its protected tabs by hand

    def location(self) -> str:
        if self.workbook is not None:
            return str(self.workbook)
        return f"https://docs.google.com/spreadsheets/d/{self.sheet_id}"


@dataclass(frozen=True)
class Form:
    """A Google Form whose links mixitup may prefill per student; empty `form_id`: none.

    The entries are the numbers Google gives each question in a pre-filled link
    (`entry.123456789`); an empty `email_entry` means the form's own email field
    (`emailAddress`), which Google fills from the sign-in when it collects verified emails.
    """

    form_id: str = ""  # the id in the form's address: docs.google.com/forms/d/e/<id>/viewform
    email_entry: str = ""
    session_date_entry: str = ""


@dataclass(frozen=True)
class RequestsTab:
    """The students' requests tab (Google Forms' responses, or typed): its title, its headers
    (the form's question texts) and the Request question's answer choices."""

    tab: str = "Requests"
    timestamp: str = "Timestamp"
    email: str = "Email Address"
    request: str = "Request"
    session_date: str = "Session date"
    until: str = "Until"
    skip: str = "Skip one session"
    pause: str = "Pause"
    come_back: str = "Come back"
    form: Form = field(default_factory=Form)


@dataclass(frozen=True)
class FeedbackTab:
    """The feedback tab (Google Forms' responses, or typed): its title and headers, and the
    staff tab `mixitup report` summarises it in."""

    tab: str = "Feedback"
    timestamp: str = "Timestamp"
    email: str = "Email Address"
    session_date: str = "Session date"
    met: str = "Did your group meet?"
    useful: str = "How useful was it? (1-5)"
    comment: str = "Comment"
    report_tab: str = "Feedback report"
    form: Form = field(default_factory=Form)


@dataclass(frozen=True)
class ZoomApp:
    """The school's Zoom Server-to-Server OAuth app and the recurring meeting students join."""

    account_id: str
    client_id: str
    client_secret: str = field(repr=False)  # a secret: never in a repr, a message or a log
    meeting_id: int = 0

    def shown_meeting(self) -> str:
        """The meeting ID as Zoom shows it: 812 3456 7890 (11 digits), 123 456 789 (9 digits)."""
        digits = str(self.meeting_id)
        if len(digits) == 11:
            return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
        if len(digits) == 10:
            return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
        return " ".join(digits[i : i + 3] for i in range(0, len(digits), 3))


@dataclass(frozen=True)
class SlackSettings:
    """[slack]: a bot token to tell each group in Slack, and the network to reach Slack by.

    `proxy` comes from HTTPS_PROXY (else HTTP_PROXY), `ca_file` from SSL_CERT_FILE: a school
    behind an inspecting proxy sets both, as for any other HTTPS client.
    """

    token: str = field(repr=False)  # a secret: xoxb-...
    remind_minutes: int = 15  # 0: no reminder
    proxy: str = field(default="", repr=False)  # may hold a user name and password
    ca_file: Path | None = None


@dataclass(frozen=True)
class EmailSettings:
    """[email]: the SMTP server that mails each group, for schools without Slack."""

    host: str
    sender: str  # the From address
    port: int = 587
    username: str = ""  # log in when set
    password: str = field(default="", repr=False)  # a secret
    security: Literal["starttls", "ssl", "none"] = "starttls"  # ssl: TLS from the start (465)
    ca_file: Path | None = None  # SSL_CERT_FILE: the CA bundle to trust instead of the system's


@dataclass(frozen=True)
class Config:
    """Every setting a command needs; paths are absolute."""

    backend: Literal["xlsx", "google"] = "xlsx"
    workbook: Path = Path("mixitup.xlsx")
    sheet_id: str = ""
    credentials: Path | None = None
    roster_tab: str = "Roster"
    keep_apart_tab: str = "Keep apart"
    history_tab: str = "History"
    report_tab: str = "Report"
    exclude_statuses: tuple[str, ...] = DEFAULT_EXCLUDED
    programs: tuple[str, ...] = ()  # when set, any other program on the roster is a problem
    # How many modules a student goes through: Mod 1 to this one, the top module, which leads
    # the last session week's groups and graduates at `mixitup rollover`.
    modules: int = DEFAULT_MODULES
    group_size: int = 6
    min_present: int = 3  # rebalance: fewest people present in a room
    min_minutes: float = 10  # attendance: fewest minutes in the meeting that count as attended
    pause_after: int = 0  # absent from this many sessions in a row: out of the next; 0: never
    seed: int = 2027
    solver_seconds: float = 20.0  # a safety cap; the solver is deterministic well before it
    calendar: Calendar = field(default_factory=Calendar)
    zoom: str = "Mod 4 SLC Zoom account"
    prompts_template: Path | None = None
    source: Path | None = None  # the configuration file read, if any
    # Slack or Google Chat incoming-webhook address; a secret, so kept out of repr().
    webhook: str = field(default="", repr=False)
    students: Students | None = None  # None: one spreadsheet for staff and students alike
    requests: RequestsTab = field(default_factory=RequestsTab)
    feedback: FeedbackTab = field(default_factory=FeedbackTab)
    # [zoom]: the Zoom app and meeting mixitup manages itself; None: the CSV ways only.
    # (`zoom` above is [meeting] zoom, the words saying where to meet.)
    zoom_app: ZoomApp | None = None
    meeting_url: str = ""  # a link to join the meeting, shown in the prompts tab and messages
    team: str = DEFAULT_TEAM  # who students contact
    minutes: int = DEFAULT_MINUTES  # how long a session lasts: the agenda's length
    slack: SlackSettings | None = None  # None: groups are not told in Slack
    email: EmailSettings | None = None  # None: groups are not emailed


def login_file(env: Mapping[str, str] | None = None) -> Path:
    """Where `mixitup login` stores a sign-in by default: the user's config folder."""
    env = os.environ if env is None else env
    if os.name == "nt" and env.get("APPDATA"):
        base = Path(env["APPDATA"])
    elif env.get("XDG_CONFIG_HOME"):
        base = Path(env["XDG_CONFIG_HOME"])
    else:
        base = Path.home() / ".config"
    return base / "mixitup" / "google-credentials.json"


def load_config(
    config_file: str | None = None,
    workbook: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    students_workbook: str | None = None,
) -> Config:
    """Build the Config from flags (`config_file`, `workbook`, `students_workbook`), `env` and
    the TOML file.

    With neither a config file nor a workbook, raises ConfigError saying how to name one.
    """
    env = os.environ if env is None else env
    cwd = cwd or Path()  # paths stay as staff named them: relative ones print relative
    named = config_file or env.get("MIXITUP_CONFIG")
    workbook = workbook or env.get("MIXITUP_WORKBOOK")
    students_workbook = students_workbook or env.get("MIXITUP_STUDENTS_WORKBOOK")
    config = _load(named, workbook, students_workbook, env, cwd)
    _check_students(config)
    return config


def _load(
    named: str | None,
    workbook: str | None,
    students_workbook: str | None,
    env: Mapping[str, str],
    cwd: Path,
) -> Config:
    path = cwd / (named or DEFAULT_CONFIG)
    if named and not path.is_file():
        raise ConfigError(f"Config file {path} does not exist. Check --config or MIXITUP_CONFIG.")
    if not path.is_file():
        if workbook is None:
            raise ConfigError(
                f"No spreadsheet given: {path} does not exist. Pass --config FILE (your school "
                "folder's mixitup.toml) or --workbook PATH for a local workbook, or make a school "
                "folder with `mixitup init DIR`."
            )
        students = Students(workbook=cwd / students_workbook) if students_workbook else None
        return Config(
            workbook=cwd / workbook,
            webhook=_webhook(env.get("MIXITUP_WEBHOOK", ""), "MIXITUP_WEBHOOK"),
            students=students,
            slack=_slack({}, path, env),
        )
    data = _read_toml(path)
    config = _from_mapping(data, path, workbook, env, cwd)
    return replace(config, students=_students(data, path, config, students_workbook, cwd))


def _students(
    data: Mapping[str, Any], path: Path, config: Config, flag: str | None, cwd: Path
) -> Students | None:
    """The [students] section (or --students-workbook) for the staff backend in use."""
    section = _Section(data, "students", path)
    editors = tuple(e.strip() for e in section.texts("editors", ()))
    bad = [e for e in editors if "@" not in e]
    if bad:
        raise ConfigError(
            f"{path}: [students] editors must be email addresses, not {', '.join(map(repr, bad))}."
        )
    if config.backend == "google":
        if flag:
            raise ConfigError(
                f"--students-workbook names a local workbook, but the staff spreadsheet in {path} "
                "is a Google Sheet. Set [students] id to the students' Google Sheet instead."
            )
        if "students" not in data:
            return None
        sheet_id = section.text("id", "").strip()
        if not sheet_id:
            raise ConfigError(
                f'{path}: [students] id is required when [spreadsheet] backend is "google": '
                "the id in the address of the Google Sheet students open (create an empty one "
                "and share it with mixitup's account as Editor)."
            )
        return Students(sheet_id=sheet_id, editors=editors)
    if flag:
        return Students(workbook=cwd / flag, editors=editors)
    if "students" not in data:
        return None
    workbook = section.text("path", "").strip()
    if not workbook:
        raise ConfigError(
            f"{path}: [students] needs path, the students' workbook (e.g. "
            '"students.xlsx"), since the staff spreadsheet is a local workbook; [students] id is '
            "for Google Sheets."
        )
    return Students(workbook=path.parent / workbook, editors=editors)


def _check_students(config: Config) -> None:
    """The students' spreadsheet must not be the staff one: it would publish everything."""
    students = config.students
    if students is None:
        return
    same = (
        students.workbook is not None and students.workbook.resolve() == config.workbook.resolve()
        if config.backend == "xlsx"
        else students.sheet_id == config.sheet_id
    )
    if same:
        where = config.source or "the command line"
        raise ConfigError(
            f"The students' spreadsheet ({students.location()}) is the staff spreadsheet itself "
            f"({where}): students would read the roster, keep-apart pairs and history. Point "
            "[students] at a spreadsheet of its own (or --students-workbook at another file)."
        )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"Cannot read config file {path}: {error.strerror}.") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"Config file {path} is not valid TOML: {error}.") from error
    problems = []
    for section, values in data.items():
        if section not in KNOWN_KEYS or not isinstance(values, dict):
            problems.append(f"unknown section [{section}]")
            continue
        problems.extend(
            f"unknown key {key!r} in [{section}]"
            for key in values
            if key not in KNOWN_KEYS[section]
        )
    if problems:
        known = ", ".join(f"[{name}]" for name in KNOWN_KEYS)
        raise ConfigError(
            f"Config file {path}: {'; '.join(problems)}. Known sections: {known}; "
            "see `mixitup init` for every key."
        )
    return data


def _from_mapping(
    data: Mapping[str, Any], path: Path, workbook: str | None, env: Mapping[str, str], cwd: Path
) -> Config:
    where = path.parent
    sheet = _Section(data, "spreadsheet", path)
    groups = _Section(data, "groups", path)
    roster = _Section(data, "roster", path)
    cal = _Section(data, "calendar", path)
    backend = "xlsx" if workbook else sheet.text("backend", "xlsx")
    if backend not in ("xlsx", "google"):
        raise ConfigError(
            f'{path}: [spreadsheet] backend must be "xlsx" or "google", not {backend!r}.'
        )
    credentials = sheet.text("credentials", "") or env.get("GOOGLE_APPLICATION_CREDENTIALS", "")
    sheet_id = sheet.text("id", "")
    if backend == "google" and not sheet_id:
        raise ConfigError(f'{path}: [spreadsheet] id is required when backend is "google".')
    size = groups.integer("size", 6)
    if size < 2:
        raise ConfigError(f"{path}: [groups] size must be 2 or more, not {size}.")
    min_present = groups.integer("min_present", 3)
    if not 1 <= min_present <= size:
        raise ConfigError(
            f"{path}: [groups] min_present must be 1 to {size} (the group size), not "
            f"{min_present}: it is the fewest people present a room keeps on the day."
        )
    attendance = _Section(data, "attendance", path)
    min_minutes = attendance.number("min_minutes", 10.0)
    pause_after = attendance.integer("pause_after", 0)
    if pause_after < 0:
        raise ConfigError(
            f"{path}: [attendance] pause_after must be a number of sessions (2 or 3, say), or 0 "
            f"to never leave out students who missed sessions, not {pause_after}."
        )
    weekday = cal.text("weekday", "wednesday").strip().lower()
    if weekday not in WEEKDAYS:
        raise ConfigError(f"{path}: [calendar] weekday {weekday!r} is not a day of the week.")
    template = _Section(data, "prompts", path).text("template", "")
    start = cal.text("start", "12:00").strip()
    try:
        start_time = dt.time.fromisoformat(start)
    except ValueError:
        raise ConfigError(
            f'{path}: [calendar] start must be a time like "12:00" (24-hour clock), not {start!r}.'
        ) from None
    timezone = cal.text("timezone", "").strip()
    if timezone:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"{path}: [calendar] timezone {timezone!r} is not a time zone name. Use an IANA "
                'name like "America/Denver" or "Europe/London", or leave it out to use this '
                "machine's time zone."
            ) from None
    webhook = env.get("MIXITUP_WEBHOOK") or data.get("notify", {}).get("webhook", "")
    where_webhook = "MIXITUP_WEBHOOK" if env.get("MIXITUP_WEBHOOK") else f"{path}: [notify] webhook"
    if not isinstance(webhook, str):  # not _Section.text: its message would quote the secret
        raise ConfigError(f'{where_webhook} must be text in quotes, like "https://...".')
    meeting = _Section(data, "meeting", path)
    minutes = meeting.integer("minutes", DEFAULT_MINUTES)
    if not 1 <= minutes <= 24 * 60:
        raise ConfigError(
            f"{path}: [meeting] minutes must be how long a session lasts, like 60, not {minutes}."
        )
    modules = roster.integer("modules", DEFAULT_MODULES)
    if not 1 <= modules <= 99:
        raise ConfigError(
            f"{path}: [roster] modules must be how many modules students go through, like 4 "
            f"(Mod 1 to Mod 4), not {modules}."
        )
    meeting_url = meeting.text("url", "").strip()
    if meeting_url and not meeting_url.lower().startswith(("https://", "http://")):
        raise ConfigError(
            f"{path}: [meeting] url must be the link students click to join, starting with "
            f"https://, not {meeting_url!r}."
        )
    return Config(
        backend=backend,  # type: ignore[arg-type]  # checked just above
        workbook=(cwd / workbook) if workbook else where / sheet.text("path", "mixitup.xlsx"),
        sheet_id=sheet_id,
        credentials=(where / Path(credentials).expanduser()) if credentials else None,
        roster_tab=sheet.text("roster_tab", "Roster"),
        keep_apart_tab=sheet.text("keep_apart_tab", "Keep apart"),
        history_tab=sheet.text("history_tab", "History"),
        report_tab=sheet.text("report_tab", "Report"),
        exclude_statuses=tuple(
            s.strip().lower() for s in roster.texts("exclude_statuses", DEFAULT_EXCLUDED)
        ),
        programs=tuple(p.strip() for p in roster.texts("programs", ())),
        modules=modules,
        group_size=size,
        min_present=min_present,
        min_minutes=float(min_minutes),
        pause_after=pause_after,
        seed=groups.integer("seed", 2027),
        solver_seconds=float(groups.number("seconds", 20.0)),
        calendar=Calendar(
            module_starts=cal.dates("module_starts"),
            session_weeks=tuple(cal.integers("session_weeks", (2, 4))),
            weekday=WEEKDAYS.index(weekday),
            publish_days_ahead=cal.integer("publish_days_ahead", 2),
            skip=cal.dates("skip"),
            start=start_time,
            timezone=timezone,
        ),
        zoom=meeting.text("zoom", "Mod 4 SLC Zoom account"),
        prompts_template=(where / str(template)) if template else None,
        source=path,
        webhook=_webhook(webhook, where_webhook),
        requests=_requests(_Section(data, "requests", path)),
        feedback=_feedback(_Section(data, "feedback", path)),
        zoom_app=_zoom_app(data, path, env),
        meeting_url=meeting_url,
        team=meeting.text("team", DEFAULT_TEAM).strip() or DEFAULT_TEAM,
        minutes=minutes,
        slack=_slack(data, path, env),
        email=_email(data, path, env),
    )


def _requests(section: _Section) -> RequestsTab:
    """The [requests] section: every text given, headers and answers each told apart."""
    default = RequestsTab()
    headers = ("timestamp", "email", "request", "session_date", "until")
    answers = ("skip", "pause", "come_back")
    texts = {
        key: section.text(key, getattr(default, key)).strip() for key in ("tab", *headers, *answers)
    }
    _distinct(section, texts, ("tab",))
    _distinct(section, texts, headers)
    _distinct(section, texts, answers)
    return RequestsTab(**texts, form=_form(section))


def _feedback(section: _Section) -> FeedbackTab:
    """The [feedback] section: every text given, headers each told apart."""
    default = FeedbackTab()
    keys = ("tab", "timestamp", "email", "session_date", "met", "useful", "comment")
    texts = {key: section.text(key, getattr(default, key)).strip() for key in keys}
    texts["report_tab"] = section.text("report_tab", default.report_tab).strip()
    _distinct(section, texts, ("tab",))
    _distinct(section, texts, keys[1:])
    if texts["report_tab"].casefold() == texts["tab"].casefold():
        raise ConfigError(
            f"{section.path}: [feedback] report_tab and tab are both {texts['tab']!r}: the "
            "summary would replace the students' answers. Give the summary another title."
        )
    return FeedbackTab(**texts, form=_form(section))


def _distinct(section: _Section, texts: Mapping[str, str], keys: tuple[str, ...]) -> None:
    """Each of `keys` is non-empty and differs from the others whatever its case and spacing."""
    seen: dict[str, str] = {}
    for key in keys:
        folded = re.sub(r"[^0-9a-z]", "", texts[key].casefold())
        if not texts[key]:
            raise ConfigError(f"{section.path}: [{section.name}] {key} must not be empty.")
        if folded in seen:
            raise ConfigError(
                f"{section.path}: [{section.name}] {seen[folded]} and {key} are the same text "
                f"({texts[key]!r}), so mixitup cannot tell them apart. Give each its own."
            )
        seen[folded] = key


def _form(section: _Section) -> Form:
    """The form id (or its responder address) and entry numbers, for prefilled links."""
    where = f"{section.path}: [{section.name}]"
    given = section.text("form_id", "").strip()
    form_id = given
    address = _FORM_ADDRESS.search(given)
    if address is not None:
        if not address.group(1):
            raise ConfigError(
                f"{where} form_id is the form's editing address. Use the address students "
                "open (in the form, Send, then the link tab: .../forms/d/e/<id>/viewform), or "
                "just the id in it."
            )
        form_id = address.group(2)
    if form_id and not _FORM_ID.fullmatch(form_id):
        raise ConfigError(
            f"{where} form_id must be the id in the address students open "
            f"(docs.google.com/forms/d/e/<id>/viewform), not {given!r}."
        )
    entries = {}
    for key in ("email_entry", "session_date_entry"):
        text = section.text(key, "").strip()
        match = _ENTRY.fullmatch(text)
        if text and match is None:
            raise ConfigError(
                f"{where} {key} must be a question's entry number from a pre-filled link "
                f"(like entry.123456789 or 123456789), not {text!r}."
            )
        entries[key] = match.group(1) if match else ""
    return Form(form_id=form_id, **entries)


def _webhook(value: str, where: str) -> str:
    """The webhook address, checked for its scheme only; a message never quotes it."""
    value = value.strip()
    if not value:
        return value
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        scheme, host = parts.scheme.lower(), parts.hostname
        parts.port  # noqa: B018 (raises ValueError for a port that is no number)
    except ValueError:  # a stray "[" or "]": not an address requests could post to
        scheme, host = "", None
    if scheme not in ("https", "http") or not host:
        raise ConfigError(
            f"{where} must be the incoming-webhook address that Slack or Google Chat gave you, "
            "starting with https:// and naming its host (not shown here: it is a secret). "
            "Copy it again from Slack or Google Chat. README: Notices."
        )
    return value


def _zoom_app(data: Mapping[str, Any], path: Path, env: Mapping[str, str]) -> ZoomApp | None:
    """The [zoom] section, checked; None without one, or with every key left out (as the
    starter file has it). The secret is never quoted."""
    if not data.get("zoom"):
        return None
    section = _Section(data, "zoom", path)
    missing = [key for key in ("account_id", "client_id", "meeting_id") if key not in data["zoom"]]
    secret = env.get(ZOOM_SECRET_ENV) or data["zoom"].get("client_secret", "")
    where_secret = ZOOM_SECRET_ENV if env.get(ZOOM_SECRET_ENV) else f"{path}: [zoom] client_secret"
    if not isinstance(secret, str):  # not _Section.text: its message would quote the secret
        raise ConfigError(f"{where_secret} must be text in quotes (not shown here: a secret).")
    if not secret.strip():
        missing.append(f"client_secret (or {ZOOM_SECRET_ENV})")
    if missing:
        raise ConfigError(
            f"{path}: [zoom] needs {', '.join(missing)}: copy them from the Server-to-Server "
            "OAuth app's App Credentials page in marketplace.zoom.us (Develop > Build App), and "
            "the meeting ID from the recurring meeting's page in Zoom. Remove [zoom] to keep "
            "uploading and downloading Zoom's CSV files by hand."
        )
    ids = {key: section.text(key, "").strip() for key in ("account_id", "client_id")}
    empty = [key for key, value in ids.items() if not value]
    if empty:
        raise ConfigError(f"{path}: [zoom] {' and '.join(empty)} must not be empty.")
    return ZoomApp(ids["account_id"], ids["client_id"], secret.strip(), _meeting_id(data, path))


def _meeting_id(data: Mapping[str, Any], path: Path) -> int:
    """[zoom] meeting_id: a whole number, or text as Zoom shows it ("812 3456 7890")."""
    value = data["zoom"]["meeting_id"]
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    digits = re.sub(r"[\s-]", "", text) if isinstance(text, str) else ""
    if digits.isascii() and digits.isdigit() and 9 <= len(digits) <= 13:
        return int(digits)
    # A join link may carry the passcode (pwd=...): say what is wrong without echoing it.
    shown = "a join link" if isinstance(value, str) and "/" in value else repr(value)
    raise ConfigError(
        f"{path}: [zoom] meeting_id must be the recurring meeting's ID, 9 to 11 digits like "
        f'81234567890 or "812 3456 7890", not {shown}. Zoom shows it on the meeting\'s page '
        "and in the join link after /j/."
    )


def _secret(value: object, where: str, example: str) -> str:
    """A secret read from the file: text, checked without ever quoting it."""
    if not isinstance(value, str):  # not _Section.text: its message would quote the secret
        raise ConfigError(f'{where} must be text in quotes, like "{example}".')
    return value.strip()


def _ca_file(env: Mapping[str, str]) -> Path | None:
    """SSL_CERT_FILE: the CA bundle to trust (a school whose proxy inspects HTTPS sets it)."""
    value = env.get("SSL_CERT_FILE", "").strip()
    return Path(value).expanduser() if value else None


def _slack(data: Mapping[str, Any], path: Path, env: Mapping[str, str]) -> SlackSettings | None:
    """[slack], with MIXITUP_SLACK_TOKEN winning over the file's token; None when neither."""
    section = _Section(data, "slack", path)
    from_env = env.get("MIXITUP_SLACK_TOKEN", "").strip()
    if not from_env and not data.get("slack"):  # absent, or a header with every key commented
        return None
    where = "MIXITUP_SLACK_TOKEN" if from_env else f"{path}: [slack] token"
    token = from_env or _secret(section.values.get("token", ""), where, "xoxb-...")
    if not token:
        raise ConfigError(
            f"{path}: [slack] needs token, the app's Bot User OAuth Token (xoxb-...), or set "
            "MIXITUP_SLACK_TOKEN. Without it, remove [slack]. docs/messages.md says how to get one."
        )
    if not token.startswith("xox"):
        raise ConfigError(
            f"{where} is not a Slack token (they start with xoxb-; not shown here: it is a "
            "secret). Copy the Bot User OAuth Token from the app's OAuth & Permissions page."
        )
    remind = section.integer("remind_minutes", 15)
    if remind < 0:
        raise ConfigError(f"{path}: [slack] remind_minutes must be 0 (no reminder) or more.")
    return SlackSettings(token, remind, _proxy(env), _ca_file(env))


def _proxy(env: Mapping[str, str]) -> str:
    """The HTTPS proxy to reach Slack through, as curl and requests read it; "" for none."""
    names = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")
    return next((env[n].strip() for n in names if env.get(n, "").strip()), "")


def _email(data: Mapping[str, Any], path: Path, env: Mapping[str, str]) -> EmailSettings | None:
    """[email], with MIXITUP_SMTP_PASSWORD winning over the file's password; None without it."""
    if not data.get("email"):  # absent, or a header with every key commented
        return None
    section = _Section(data, "email", path)
    host = section.text("host", "").strip()
    sender = section.text("sender", "").strip()
    if not host or "@" not in sender:
        raise ConfigError(
            f'{path}: [email] needs host (the SMTP server, e.g. "smtp.school.example") and '
            'sender (the address emails come from, e.g. "careers@school.example").'
        )
    security = section.text("security", "starttls").strip().lower()
    if security not in SECURITY_PORTS:
        raise ConfigError(
            f'{path}: [email] security must be "starttls" (the default, port 587), "ssl" '
            f'(TLS from the start, port 465) or "none" (a relay on this network), not {security!r}.'
        )
    port = section.integer("port", SECURITY_PORTS[security])
    if not 0 < port < 65536:
        raise ConfigError(f"{path}: [email] port must be a port number like 587, not {port}.")
    username = section.text("username", "").strip()
    from_env = env.get("MIXITUP_SMTP_PASSWORD", "")
    where = "MIXITUP_SMTP_PASSWORD" if from_env else f"{path}: [email] password"
    password = from_env or _secret(section.values.get("password", ""), where, "...")
    if password and not username:
        raise ConfigError(
            f"{where} is set but [email] username is not: set the user name the SMTP server "
            f"knows in {path}."
        )
    if username and not password:
        raise ConfigError(
            f"{path}: [email] username is set but no password: set MIXITUP_SMTP_PASSWORD (or "
            "[email] password, keeping the file private)."
        )
    if username and security == "none":
        raise ConfigError(
            f'{path}: [email] security = "none" would send the password unencrypted. Use '
            '"starttls" or "ssl", or a relay that needs no login.'
        )
    return EmailSettings(
        host=host,
        sender=sender,
        port=port,
        username=username,
        password=password,
        security=security,  # type: ignore[arg-type]  # checked just above
        ca_file=_ca_file(env),
    )


class _Section:
    """Typed access to one TOML section, with messages that name the file, section and key."""

    def __init__(self, data: Mapping[str, Any], name: str, path: Path) -> None:
        self.values: Mapping[str, Any] = data.get(name, {})
        self.name = name
        self.path = path

    def _wrong(self, key: str, wanted: str) -> ConfigError:
        value = self.values[key]
        return ConfigError(f"{self.path}: [{self.name}] {key} must be {wanted}, not {value!r}.")

    def text(self, key: str, default: str) -> str:
        value = self.values.get(key, default)
        if not isinstance(value, str):
            raise self._wrong(key, "text in quotes")
        return value

    def integer(self, key: str, default: int) -> int:
        value = self.values.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._wrong(key, "a whole number")
        return value

    def number(self, key: str, default: float) -> float:
        value = self.values.get(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            raise self._wrong(key, "a positive number")
        return float(value)

    def texts(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.values.get(key, default)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise self._wrong(key, 'a list of texts, like ["a", "b"]')
        return tuple(value)

    def integers(self, key: str, default: tuple[int, ...]) -> tuple[int, ...]:
        value = self.values.get(key, default)
        if not isinstance(value, list | tuple) or not all(isinstance(v, int) for v in value):
            raise self._wrong(key, "a list of whole numbers, like [2, 4]")
        return tuple(value)

    def dates(self, key: str) -> tuple[dt.date, ...]:
        value = self.values.get(key, [])
        if not isinstance(value, list) or not all(
            isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in value
        ):
            raise self._wrong(key, "a list of dates without quotes, like [2027-01-04]")
        return tuple(sorted(value))
