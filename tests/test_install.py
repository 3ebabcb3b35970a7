"""`make install`: `mixitup` on the user's PATH from this clone, in a virtualenv of its own (as
pipx does), again and again without harm; `make uninstall` takes it away. Run for real, into a
home folder of the test's own."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def make(target: str, home: Path, data: Path, path: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(data),
        "PATH": path,
        # The user's own download cache: the packages come from it, not the network, when it
        # has them. (A new HOME would otherwise mean a new, empty cache.)
        "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")),
    }
    env.pop("VIRTUAL_ENV", None)
    env.pop("MAKEFLAGS", None)
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO), target],  # noqa: S607 - make on PATH
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def test_make_install_puts_mixitup_on_the_path_idempotently_and_uninstall_removes_it(tmp_path):
    home, data = tmp_path / "home", tmp_path / "data"
    home.mkdir()
    system = "/usr/bin:/bin"
    venv = data / "mixitup" / "venv"
    bin_folder = home / ".local" / "bin"

    first = make("install", home, data, system)
    assert first.returncode == 0, first.stdout + first.stderr
    for name in ("mixitup", "mixitup-cron"):
        link = bin_folder / name
        assert link.is_symlink()
        assert link.resolve() == (venv / "bin" / name).resolve()
    # ~/.local/bin is not on this PATH: the message says so, and how to add it.
    assert f"{bin_folder} is not on your PATH" in first.stdout
    assert 'export PATH="$HOME/.local/bin:$PATH"' in first.stdout

    version = subprocess.run(
        [str(bin_folder / "mixitup"), "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.startswith("mixitup ")
    # Isolated and a copy: mixitup's code is in the venv (the clone may move), and every extra
    # (Google Sheets, sign-in, report, Slack) is there with it.
    code = "import mixitup, google.auth, google_auth_oauthlib, pandas, slack_sdk\n"
    code += "print(mixitup.__file__)"
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code],
        cwd=tmp_path,  # not the clone, whose mixitup/ would be imported first
        capture_output=True,
        text=True,
        check=True,
    )
    assert venv in Path(where.stdout.strip()).parents

    # Again, with ~/.local/bin on PATH: nothing to rebuild, the same links, the next step.
    on_path = f"{bin_folder}:{system}"
    second = make("install", home, data, on_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "pip install" not in second.stdout
    assert "Next: mixitup init ~/school" in second.stdout
    found = subprocess.run(
        ["sh", "-c", "command -v mixitup"],  # noqa: S607 - the shell, as staff type it
        env={"PATH": on_path},
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.stdout.strip() == str(bin_folder / "mixitup")

    removed = make("uninstall", home, data, on_path)
    assert removed.returncode == 0, removed.stderr
    assert not (bin_folder / "mixitup").exists()
    assert not (bin_folder / "mixitup-cron").exists()
    assert not (data / "mixitup").exists()


def test_make_install_leaves_a_mixitup_it_did_not_make_alone(tmp_path):
    home, data = tmp_path / "home", tmp_path / "data"
    bin_folder = home / ".local" / "bin"
    bin_folder.mkdir(parents=True)
    theirs = bin_folder / "mixitup"
    theirs.write_text("#!/bin/sh\necho another mixitup\n", encoding="utf-8")
    # An install already up to date, so only the linking runs (and must refuse).
    venv = data / "mixitup" / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    (venv / ".installed").touch()
    later = time.time() + 3600
    os.utime(venv / ".installed", (later, later))
    done = make("install", home, data, "/usr/bin:/bin")
    assert done.returncode != 0
    assert f"{theirs} exists and is not this install's: move it away" in done.stderr
    assert theirs.read_text(encoding="utf-8") == "#!/bin/sh\necho another mixitup\n"
