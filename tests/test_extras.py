"""The core runs the local workbooks without any extra; a command missing its extra says which
`pip install` adds it (simulated here by making the extra's package unimportable)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mixitup.extras import EXTRAS

BLOCK = "import sys\nfor name in {names!r}:\n    sys.modules[name] = None\n"
RUN = "from mixitup.cli import main\nsys.exit(main({args!r}))\n"
EVERY_EXTRA = ["google", "google.auth", "google_auth_oauthlib", "pandas", "slack_sdk"]


def mixitup(args: list[str], blocked: list[str]) -> subprocess.CompletedProcess[str]:
    code = BLOCK.format(names=blocked) + RUN.format(args=args)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_the_core_runs_the_demo_and_a_run_without_any_extra(tmp_path: Path) -> None:
    demo = mixitup(["demo", "--dir", str(tmp_path)], EVERY_EXTRA)
    assert demo.returncode == 0, demo.stderr
    config = str(tmp_path / "mixitup.toml")
    status = mixitup(["--config", config, "status", "--today", "2027-01-20"], EVERY_EXTRA)
    assert status.returncode == 0, status.stderr


@pytest.mark.parametrize(
    ("extra", "command"),
    [
        ("report", ["report"]),
        ("login", ["login", "--client-secrets", "missing.json", "--no-browser"]),
    ],
)
def test_a_command_missing_its_extra_names_the_pip_install_line(
    tmp_path: Path, extra: str, command: list[str]
) -> None:
    assert mixitup(["demo", "--dir", str(tmp_path)], []).returncode == 0
    config = str(tmp_path / "mixitup.toml")
    done = mixitup(["--config", config, *command], [EXTRAS[extra][0].split(".")[0]])
    assert done.returncode == 2
    assert f"pip install 'mixitup[{extra}]'" in done.stderr


def test_a_google_sheet_without_the_google_extra_says_so(tmp_path: Path) -> None:
    config = tmp_path / "mixitup.toml"
    config.write_text('[spreadsheet]\nbackend = "google"\nid = "1abc"\n', encoding="utf-8")
    done = mixitup(["--config", str(config), "status"], ["google", "google.auth"])
    assert done.returncode == 2
    assert "pip install 'mixitup[google]'" in done.stderr
