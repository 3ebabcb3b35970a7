"""The same roster, history and seed give the same groups whether the kernels were built ahead
of time at install, or numba compiles them first (an empty cache: the first run on a machine
without the built module) or loads its cache."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MIXITUP = [sys.executable, "-m", "mixitup"]
# The module built ahead of time, hidden: what a machine without a C compiler at install runs.
JIT_ONLY = [
    sys.executable,
    "-c",
    "import sys; sys.modules['mixitup._kernels_aot'] = None\n"
    "from mixitup.cli import main; sys.exit(main())",
]


def test_cold_and_warm_compiles_and_the_built_kernels_give_the_same_groups(
    tmp_path: Path,
) -> None:
    subprocess.run([*MIXITUP, "demo", "--dir", str(tmp_path)], check=True, capture_output=True)
    config = tmp_path / "mixitup.toml"
    # A safety cap shorter than compiling takes: it must still never cut the search.
    config.write_text(config.read_text().replace("seed = 2027", "seed = 2027\nseconds = 5"))
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache")}
    args = ["--config", str(config), "plan", "--date", "2027-02-10"]
    cold = subprocess.run([*JIT_ONLY, *args], env=env, check=True, capture_output=True, text=True)
    assert any((tmp_path / "numba-cache").rglob("*.nbi")), "the first run compiled nothing"
    warm = subprocess.run([*JIT_ONLY, *args], env=env, check=True, capture_output=True, text=True)
    built = subprocess.run([*MIXITUP, *args], env=env, check=True, capture_output=True, text=True)
    assert "Group 1:" in cold.stdout
    assert "safety cap" not in cold.stdout
    assert cold.stdout == warm.stdout
    assert built.stdout == warm.stdout
