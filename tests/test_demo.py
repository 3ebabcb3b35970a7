"""The demo school: a roster as staff really keep one (about 240 students in 4 modules, 2
programs, 8 cohorts, messy spellings, some leavers) that reads cleanly, and a folder holding
someone's real configuration left alone. (`mixitup demo` end to end: tests/test_cli.py.)"""

from __future__ import annotations

import random

import pytest

from mixitup.backends.xlsx import XlsxBackend
from mixitup.config import Config
from mixitup.demo import COHORTS, _write_roster, build_demo
from mixitup.errors import ConfigError
from mixitup.roster import read_roster


def test_the_demo_roster_reads_cleanly_into_a_realistic_school(tmp_path):
    path = tmp_path / "mixitup.xlsx"
    _write_roster(path, random.Random(2027))
    snapshot = XlsxBackend(path).read()
    roster = read_roster(dict(snapshot.tabs), snapshot.titles, Config(workbook=path))
    students = roster.students
    assert sum(size for *_, size in COHORTS) == 240
    assert 200 < len(students) < 240  # a few withdrawn, on leave or opted out
    assert {s.module for s in students} == {1, 2, 3, 4}
    assert {s.program for s in students} == {"BE", "FE"}
    assert len({s.cohort for s in students}) == 8
    assert len({s.name for s in students}) == len(students)  # no namesakes to confuse a demo
    assert len(roster.keep_apart) == 1


def test_the_same_seed_gives_the_same_roster(tmp_path):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    _write_roster(first, random.Random(7))
    _write_roster(second, random.Random(7))
    assert XlsxBackend(first).read().tabs == XlsxBackend(second).read().tabs


def test_a_folder_holding_a_real_configuration_is_left_alone(tmp_path):
    (tmp_path / "mixitup.toml").write_text('[spreadsheet]\npath = "school.xlsx"\n')
    with pytest.raises(ConfigError, match="is not a demo's"):
        build_demo(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mixitup.toml"]
