"""What mixitup's settings are: one frozen Config (and the sections it holds), with the defaults
staff get when `mixitup.toml` says nothing. Secrets (the webhook address, the Zoom app's client
secret, the Slack token, the SMTP password, a proxy address that may carry a password) are kept
out of every repr.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

DEFAULT_CONFIG = "mixitup.toml"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_EXCLUDED = ("withdrawn", "on leave", "graduated", "opted out", "inactive")
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
