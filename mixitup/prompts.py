"""The week's prompts, norms, how-to-meet and agenda (packaged defaults or the staff's
template), and when and where a session meets, as its prompts tab states them."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from mixitup.config import Config
from mixitup.errors import ConfigError
from mixitup.models import Session

# For staff templates written before the note for leads existed.
DEFAULT_LEADS = (
    "Open the room: greet people as they arrive and start on time.",
    "Keep time with the agenda, and keep each turn short so everyone speaks.",
    "Make space: invite the quietest person in before anyone speaks twice.",
)


@dataclass(frozen=True)
class Prompts:
    """What the prompts tab says for one week."""

    title: str
    how_to_meet: tuple[str, ...]
    norms: tuple[str, ...]
    leads: tuple[str, ...]  # a short note for each group's lead
    prompts: tuple[str, ...]
    agenda: tuple[str, ...]
    minutes: int = 60  # how long the session lasts ([meeting] minutes): the agenda's length


@dataclass(frozen=True)
class Meeting:
    """When and where one session meets."""

    start: dt.datetime  # aware, in the school's time zone
    zone: str = ""  # the IANA name of that zone; "" when it is the machine's own
    url: str = ""  # a link to join ([meeting] url); "" when staff gave none


def meeting_of(config: Config, session: Session) -> Meeting:
    """When `session` starts ([calendar] start, in [calendar] timezone) and its join link."""
    calendar = config.calendar
    return Meeting(
        start=calendar.at(session.date, calendar.start),
        zone=calendar.timezone,
        url=config.meeting_url,
    )


def prompts_for(config: Config, week: int) -> Prompts:
    """The prompts of a session in `week`, as the school's configuration says."""
    return load_prompts(
        week,
        config.zoom,
        config.prompts_template,
        top=config.modules,
        session_weeks=config.calendar.session_weeks,
        minutes=config.minutes,
    )


def load_prompts(
    week: int,
    zoom: str,
    template: Path | None = None,
    *,
    top: int = 4,
    session_weeks: Sequence[int] = (2, 4),
    minutes: int = 60,
) -> Prompts:
    """The prompts for `week`, from `template` when staff gave one, else the packaged defaults.

    The packaged defaults have a networking week (`[week.2]`) and an interview-prep week
    (`[week.4]`): interview prep is the last of `session_weeks`, networking the others (for a
    school with weeks 3 and 6 too). A staff template must have a `[week.N]` for each week.
    `{zoom}` in a text becomes `zoom`, `{top}` the top module (`Mod 4`).
    """
    where = str(template) if template else "the packaged prompts"
    if template is None:
        text = resources.files("mixitup").joinpath("prompts.toml").read_text(encoding="utf-8")
    else:
        try:
            text = template.read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigError(
                f"Cannot read the prompts template {template}: {error.strerror}. Check "
                "[prompts] template in mixitup.toml."
            ) from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"The prompts template {where} is not valid TOML: {error}.") from error
    weeks = data.get("week", {})
    if not isinstance(weeks, dict) or not all(isinstance(v, dict) for v in weeks.values()):
        raise ConfigError(
            f"{where}: weeks must be sections like [week.2] and [week.4], each with title, "
            "prompts and agenda."
        )
    key = str(week)
    if template is None:  # the packaged weeks stand for the two kinds of session
        key = "4" if week == max(session_weeks, default=week) else "2"
    if key not in weeks:
        have = ", ".join(sorted(weeks)) or "none"
        raise ConfigError(
            f"{where} has no prompts for week {week} (weeks it has: {have}). Add a [week.{week}] "
            "section, or publish one of those weeks."
        )
    section = weeks[key]

    def texts(source: dict[str, Any], key: str) -> tuple[str, ...]:
        value = source.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f'{where}: {key} must be a list of texts, like ["First", "Second"].')
        return tuple(v.replace("{zoom}", zoom).replace("{top}", f"Mod {top}") for v in value)

    title = section.get("title", f"Mix It Up: Week {week}")
    if not isinstance(title, str):
        raise ConfigError(f"{where}: [week.{week}] title must be text in quotes.")
    return Prompts(
        title=title,
        how_to_meet=texts(data, "how_to_meet"),
        norms=texts(data, "norms"),
        leads=texts(data, "leads") if "leads" in data else DEFAULT_LEADS,
        prompts=texts(section, "prompts"),
        agenda=texts(section, "agenda"),
        minutes=minutes,
    )
