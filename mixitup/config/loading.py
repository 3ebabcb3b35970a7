"""`load_config`: flags, then the environment, then `mixitup.toml`, then the defaults, into one
Config. Only this package reads the environment or a configuration file."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from mixitup.config.file import Section, read_toml
from mixitup.config.sections import (
    email_section,
    feedback_section,
    requests_section,
    slack_section,
    zoom_section,
)
from mixitup.config.settings import (
    DEFAULT_CONFIG,
    DEFAULT_EXCLUDED,
    DEFAULT_MINUTES,
    DEFAULT_MODULES,
    DEFAULT_TEAM,
    WEEKDAYS,
    Calendar,
    Config,
    Students,
)
from mixitup.errors import ConfigError


def load_config(
    config_file: str | None = None,
    workbook: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    students_workbook: str | None = None,
    *,
    secrets: bool = True,
) -> Config:
    """Build the Config from flags (`config_file`, `workbook`, `students_workbook`), `env` and
    the TOML file. Without `secrets` (a command that sends nothing, like `message --dry-run`),
    [slack] and [email] may lack their token and password.

    With neither a config file nor a workbook, raises ConfigError saying how to name one.
    """
    env = os.environ if env is None else env
    cwd = cwd or Path()  # paths stay as staff named them: relative ones print relative
    named = config_file or env.get("MIXITUP_CONFIG")
    workbook = workbook or env.get("MIXITUP_WORKBOOK")
    students_workbook = students_workbook or env.get("MIXITUP_STUDENTS_WORKBOOK")
    config = _load(named, workbook, students_workbook, env, cwd, secrets)
    _check_students(config)
    return config


def _load(
    named: str | None,
    workbook: str | None,
    students_workbook: str | None,
    env: Mapping[str, str],
    cwd: Path,
    secrets: bool,
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
            slack=slack_section({}, path, env, secrets=secrets),
        )
    data = read_toml(path)
    config = _from_mapping(data, path, workbook, env, cwd, secrets)
    return replace(config, students=_students(data, path, config, students_workbook, cwd))


def _students(
    data: Mapping[str, Any], path: Path, config: Config, flag: str | None, cwd: Path
) -> Students | None:
    """The [students] section (or --students-workbook) for the staff backend in use."""
    section = Section(data, "students", path)
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


def _from_mapping(
    data: Mapping[str, Any],
    path: Path,
    workbook: str | None,
    env: Mapping[str, str],
    cwd: Path,
    secrets: bool,
) -> Config:
    where = path.parent
    sheet = Section(data, "spreadsheet", path)
    groups = Section(data, "groups", path)
    roster = Section(data, "roster", path)
    cal = Section(data, "calendar", path)
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
    attendance = Section(data, "attendance", path)
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
    template = Section(data, "prompts", path).text("template", "")
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
    if not isinstance(webhook, str):  # not Section.text: its message would quote the secret
        raise ConfigError(f'{where_webhook} must be text in quotes, like "https://...".')
    meeting = Section(data, "meeting", path)
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
        requests=requests_section(Section(data, "requests", path)),
        feedback=feedback_section(Section(data, "feedback", path)),
        zoom_app=zoom_section(data, path, env),
        meeting_url=meeting_url,
        team=meeting.text("team", DEFAULT_TEAM).strip() or DEFAULT_TEAM,
        minutes=minutes,
        slack=slack_section(data, path, env, secrets=secrets),
        email=email_section(data, path, env, secrets=secrets),
    )


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
