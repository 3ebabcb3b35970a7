"""Whole-process start-up costs, as ratios measured side by side in one run (medians).

Example: python benchmarks/startup.py --runs 5 --cold-runs 3
  help : `mixitup --help` / `python -c "import argparse"`            (issue 14: <= 4)
  warm : `mixitup plan` of the demo / reading its workbook with openpyxl (<= 2)
  cold : the same plan with an empty NUMBA_CACHE_DIR / warm            (<= 3, same groups)
With the kernels built ahead of time at install (setup.py) a cold plan compiles nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
PLAN = ["plan", "--date", "2027-02-10"]  # the demo calendar's next session


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    """Wall seconds of one process, and its standard output."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def medians(commands: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, float]:
    """Each command's median wall seconds, the commands taking turns run after run, so that a
    spell of load on this shared machine falls on all of them alike."""
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            seconds[name].append(timed(command, env)[0])
    return {name: statistics.median(times) for name, times in seconds.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each cheap command")
    parser.add_argument("--cold-runs", type=int, default=3, help="runs with an empty cache")
    args = parser.parse_args(argv)
    mixitup = [str(BIN / "mixitup")]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        subprocess.run([*mixitup, "demo", "--dir", str(root / "demo")], check=True,
                       capture_output=True)  # fmt: skip
        plan = [*mixitup, "--config", str(root / "demo" / "mixitup.toml"), *PLAN]
        workbook = root / "demo" / "mixitup.xlsx"
        read = [sys.executable, "-c", f"import openpyxl; openpyxl.load_workbook({str(workbook)!r})"]
        warm_env = {**os.environ, "NUMBA_CACHE_DIR": str(root / "warm-cache")}
        _, warm_groups = timed(plan, warm_env)  # fills the warm cache

        commands = {
            "help": [*mixitup, "--help"],
            "argparse": [sys.executable, "-c", "import argparse"],
            "plan": plan,
            "read": read,
        }
        times = medians(commands, args.runs, warm_env)
        help_s, argparse_s, warm_s, read_s = (times[name] for name in commands)
        cold: list[float] = []
        same = True
        for run in range(args.cold_runs):
            env = {**os.environ, "NUMBA_CACHE_DIR": str(root / f"cold-cache-{run}")}
            seconds, groups = timed(plan, env)
            cold.append(seconds)
            same = same and groups == warm_groups
        cold_s = statistics.median(cold)
    print(f"help: mixitup --help {help_s:.3f} s / import argparse {argparse_s:.3f} s "
          f"= {help_s / argparse_s:.2f} (target <= 4)")  # fmt: skip
    print(f"warm: plan {warm_s:.3f} s / openpyxl read {read_s:.3f} s "
          f"= {warm_s / read_s:.2f} (target <= 2)")  # fmt: skip
    print(f"cold: plan {cold_s:.3f} s / warm {warm_s:.3f} s = {cold_s / warm_s:.2f} "
          f"(target <= 3), groups {'identical' if same else 'DIFFERENT'}")  # fmt: skip
    ask = "from mixitup.mdgp import load_kernels; print(load_kernels().ahead_of_time)"
    answer = subprocess.run([sys.executable, "-c", ask], check=True, capture_output=True, text=True)
    built = answer.stdout.strip() == "True"
    kernels = "built ahead of time at install" if built else "compiled by numba (none built)"
    print(f"medians of {args.runs} runs ({args.cold_runs} cold), Python {sys.version.split()[0]}, "
          f"kernels {kernels}")  # fmt: skip
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
