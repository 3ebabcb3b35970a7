"""`mixitup init`'s own steps (`mixitup.starter`): answers read as staff type them, every
wrong one named; the rendered mixitup.toml loads with those answers; the school folder written
without ever overwriting a file. (`mixitup init` end to end: tests/test_init.py.)"""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from mixitup import starter
from mixitup.config import KNOWN_KEYS, load_config
from mixitup.errors import ConfigError

SHEET = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg"


def test_the_packaged_starter_names_only_sections_and_keys_mixitup_knows():
    for section, keys in tomllib.loads(starter.starter_text()).items():
        assert section in KNOWN_KEYS
        assert set(keys) <= KNOWN_KEYS[section], section


@pytest.mark.parametrize(
    ("parse", "typed", "read"),
    [
        (
            starter.parse_dates,
            "2027-02-22, 2027-01-04 2027-01-04",
            (dt.date(2027, 1, 4), dt.date(2027, 2, 22)),
        ),
        (starter.parse_dates, "", ()),
        (starter.parse_weekday, " Wed ", "wednesday"),
        (starter.parse_start, "9:15", "09:15"),
        (starter.parse_timezone, " America/Denver ", "America/Denver"),
        (starter.parse_timezone, "", ""),  # the machine's own
        (starter.parse_size, " 5 ", 5),
        (starter.parse_backend, "Google", "google"),
        (starter.sheet_id_of, f"https://docs.google.com/spreadsheets/d/{SHEET}/edit#gid=0", SHEET),
        (starter.sheet_id_of, SHEET, SHEET),
    ],
)
def test_answers_are_read_as_staff_type_them(parse, typed, read):
    assert parse(typed) == read


@pytest.mark.parametrize(
    ("parse", "typed", "says"),
    [
        (starter.parse_dates, "2027-13-01", "is not a date like 2027-01-04"),
        (starter.parse_weekday, "t", "is not a day of the week"),  # tuesday or thursday?
        (starter.parse_start, "25:00", "is not a time like 12:00"),
        (starter.parse_start, "noon", "is not a time like 12:00"),
        (starter.parse_timezone, "Mountain", "is not a time zone name"),
        (starter.parse_size, "1", "A group needs 2 or more students"),
        (starter.parse_size, "six", "is not a group size"),
        (starter.parse_backend, "excel", "is neither xlsx"),
        (starter.sheet_id_of, "my sheet", "is not a Google Sheet's id"),
    ],
)
def test_a_wrong_answer_is_named(parse, typed, says):
    with pytest.raises(ConfigError, match=says):
        parse(typed)


def test_the_rendered_configuration_loads_with_the_schools_answers(tmp_path):
    school = starter.School(
        tmp_path,
        module_starts=(dt.date(2027, 1, 4),),
        weekday="thursday",
        start="09:30",
        timezone="Europe/London",
        size=5,
    )
    school.config_file.write_text(starter.render(school), encoding="utf-8")
    config = load_config(str(school.config_file), env={}, cwd=tmp_path)
    assert config.calendar.module_starts == (dt.date(2027, 1, 4),)
    assert (config.calendar.weekday, config.calendar.start) == (3, dt.time(9, 30))
    assert (config.calendar.timezone, config.group_size) == ("Europe/London", 5)
    assert config.workbook == tmp_path / "mixitup.xlsx"


def test_a_school_folder_is_written_once_and_an_existing_workbook_kept(tmp_path):
    own = tmp_path / "roster.xlsx"
    own.write_bytes(b"the school's own roster")
    school = starter.School(tmp_path / "school", workbook=str(own))
    created = starter.create_school(school)
    assert created.written == (school.config_file,)
    assert created.kept == (own,)
    assert own.read_bytes() == b"the school's own roster"
    before = school.config_file.read_bytes()
    with pytest.raises(ConfigError, match="already exists; mixitup init leaves it as it is"):
        starter.create_school(school)
    assert school.config_file.read_bytes() == before
