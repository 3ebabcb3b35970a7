"""The same roster, history and seed give the same groups whether numba compiles first (an
empty cache: the first run on a machine, every CI run) or loads its cache."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MIXITUP = [sys.executable, "-m", "mixitup"]


def test_a_cold_compile_cache_gives_the_same_groups_as_a_warm_one(tmp_path: Path) -> None:
    subprocess.run([*MIXITUP, "demo", "--dir", str(tmp_path)], check=True, capture_output=True)
    config = tmp_path / "mixitup.toml"
    # A safety cap shorter than compiling takes: it must still never cut the search.
    config.write_text(config.read_text().replace("seed = 2027", "seed = 2027\nseconds = 5"))
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache")}
    plan = [*MIXITUP, "--config", str(config), "plan", "--date", "2027-02-03", "--week", "2"]
    cold = subprocess.run(plan, env=env, check=True, capture_output=True, text=True)
    assert any((tmp_path / "numba-cache").rglob("*.nbi")), "the first run compiled nothing"
    warm = subprocess.run(plan, env=env, check=True, capture_output=True, text=True)
    assert "Group 1:" in cold.stdout
    assert "safety cap" not in cold.stdout
    assert cold.stdout == warm.stdout
