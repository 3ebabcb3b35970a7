"""`mixitup init`: a commented starter config that loads, explains every key, never clobbers."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from mixitup.cli import main, parser
from mixitup.config import KNOWN_KEYS, load_config


def test_init_writes_a_starter_that_loads_with_the_documented_defaults(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    path = tmp_path / "mixitup.toml"
    assert f"Wrote {path}" in capsys.readouterr().out
    config = load_config(cwd=tmp_path, env={})
    assert config.backend == "xlsx"
    assert config.workbook == tmp_path / "mixitup.xlsx"
    assert config.students is not None
    assert config.students.workbook == tmp_path / "students.xlsx"  # two spreadsheets
    assert config.group_size == 6
    assert config.calendar.session_weeks == (2, 4)
    assert config.calendar.publish_days_ahead == 2
    assert config.calendar.module_starts == ()


def test_starter_names_and_explains_every_configuration_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    lines = (tmp_path / "mixitup.toml").read_text(encoding="utf-8").splitlines()
    for section, keys in KNOWN_KEYS.items():
        assert f"[{section}]" in lines
        for key in keys:
            at = next(
                (i for i, line in enumerate(lines) if re.match(rf"^#? ?{key} = ", line)), None
            )
            assert at is not None, f"[{section}] {key} is missing"
            assert lines[at - 1].startswith("#"), f"[{section}] {key} has no comment above it"


def test_starter_with_every_commented_key_enabled_still_loads(tmp_path):
    """Uncommenting the examples gives a valid file: the comments show real syntax."""
    from mixitup.starter import starter_text

    text = re.sub(r"^# ((?:[a-z_]+) = .*)$", r"\1", starter_text(), flags=re.MULTILINE)
    text = text.replace('backend = "xlsx"', 'backend = "google"')
    (tmp_path / "mixitup.toml").write_text(text, encoding="utf-8")
    config = load_config(cwd=tmp_path, env={})
    assert config.backend == "google"
    assert config.sheet_id == "1AbC...xyz"
    assert config.credentials == tmp_path / "credentials.json"
    assert config.programs == ("BE", "FE")


def test_init_refuses_to_overwrite_and_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mixitup.toml").write_text("# mine\n", encoding="utf-8")
    assert main(["init"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "mixitup.toml").read_text(encoding="utf-8") == "# mine\n"


def test_init_runs_as_python_dash_m(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "mixitup", "init"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "mixitup.toml").is_file()


@pytest.mark.parametrize("command", [["init"], ["run"], ["status"], ["export"], ["export", "zoom"]])
def test_unattended_commands_have_help_text(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        parser().parse_args([*command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    description = out.split("\n\n")[1]
    assert len(description.split()) >= 5, out


def test_init_then_run_says_the_calendar_is_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    assert main(["run"]) == 2
    assert "set [calendar] module_starts in" in capsys.readouterr().err
    assert not Path(tmp_path / "mixitup.xlsx").exists()
