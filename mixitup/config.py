"""Config: one frozen value built once from flags, environment, `mixitup.toml` and defaults.

Precedence is flag, then environment (`MIXITUP_*`, `GOOGLE_APPLICATION_CREDENTIALS`), then
file, then default. Only this module reads the environment or a configuration file. The
webhook address, the Slack token, the SMTP password and a proxy address (which may carry a
password) are secrets: they never appear in a message or a repr.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from mixitup.errors import ConfigError

DEFAULT_CONFIG = "mixitup.toml"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_EXCLUDED = ("withdrawn", "on leave", "graduated", "opted out", "inactive")

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
    "roster": frozenset({"exclude_statuses", "programs"}),
    "groups": frozenset({"size", "seed", "seconds", "min_present"}),
    "attendance": frozenset({"min_minutes"}),
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
    "meeting": frozenset({"zoom", "url", "team"}),
    "prompts": frozenset({"template"}),
    "notify": frozenset({"webhook"}),
    "slack": frozenset({"token", "remind_minutes"}),
    "email": frozenset({"host", "port", "sender", "username", "password", "security"}),
}
DEFAULT_TEAM = "Career Development"
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
    group_size: int = 6
    min_present: int = 3  # rebalance: fewest people present in a room
    min_minutes: float = 10  # attendance: fewest minutes in the meeting that count as attended
    seed: int = 2027
    solver_seconds: float = 20.0  # a safety cap; the solver is deterministic well before it
    calendar: Calendar = field(default_factory=Calendar)
    zoom: str = "Mod 4 SLC Zoom account"
    prompts_template: Path | None = None
    source: Path | None = None  # the configuration file read, if any
    # Slack or Google Chat incoming-webhook address; a secret, so kept out of repr().
    webhook: str = field(default="", repr=False)
    students: Students | None = None  # None: one spreadsheet for staff and students alike
    meeting_url: str = ""  # a link to join the meeting, shown in the prompts tab and messages
    team: str = DEFAULT_TEAM  # who students contact
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
    cwd = cwd or Path.cwd()
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
                f"No spreadsheet given: {path} does not exist. Pass --workbook PATH for a local "
                "workbook, or run `mixitup init` to write a starter mixitup.toml."
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
    if min_present < 1:
        raise ConfigError(f"{path}: [groups] min_present must be 1 or more, not {min_present}.")
    attendance = _Section(data, "attendance", path)
    min_minutes = attendance.number("min_minutes", 10.0)
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
        group_size=size,
        min_present=min_present,
        min_minutes=float(min_minutes),
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
        meeting_url=meeting_url,
        team=meeting.text("team", DEFAULT_TEAM).strip() or DEFAULT_TEAM,
        slack=_slack(data, path, env),
        email=_email(data, path, env),
    )


def _webhook(value: str, where: str) -> str:
    """The webhook address, checked for its scheme only; a message never quotes it."""
    value = value.strip()
    if value and not value.lower().startswith(("https://", "http://")):
        raise ConfigError(
            f"{where} must be the incoming-webhook address that Slack or Google Chat gave you, "
            "starting with https:// (not shown here: it is a secret). README: Notices."
        )
    return value


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
