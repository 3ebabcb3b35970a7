"""Reading `mixitup.toml`: the sections and keys it may hold, and typed access to a section's
values, with messages that name the file, the section and the key."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mixitup.errors import ConfigError

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


def read_toml(path: Path) -> dict[str, Any]:
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


class Section:
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
