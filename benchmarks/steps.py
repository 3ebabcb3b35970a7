"""Time the tabu search's steps: walks of a fixed length on MDGPLIB instances, CPU µs a step.

Example: python benchmarks/steps.py INSTANCE.txt [INSTANCE.txt ...] --walk 20 --rounds 4
Each run is `--rounds` walks of `--walk` x n steps (none ends early), from the same first
grouping; the figure is the median of `--runs` runs, the descent after each kick included (a
few hundredths of the time). For a baseline in the same run of the machine, run an earlier
checkout the same way: `PYTHONPATH=<its folder> python benchmarks/steps.py ...`.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from mixitup.mdgp import Problem, solve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instances", type=Path, nargs="+")
    parser.add_argument("--walk", type=float, default=20.0, help="steps per walk, times n")
    parser.add_argument("--rounds", type=int, default=4, help="walks per run")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    for path in args.instances:
        problem = Problem.parse(path.read_text())
        steps = args.rounds * int(args.walk * problem.n)
        solve(problem, rounds=1, patience=1e9, walk=1.0)  # load the kernels first
        runs = [
            solve(problem, seed=1, rounds=args.rounds, patience=1e9, walk=args.walk)
            for _ in range(args.runs)
        ]
        seconds = statistics.median(run.seconds for run in runs)
        print(
            f"{path.stem}: {seconds / steps * 1e6:.1f} µs a step "
            f"({steps} steps, median of {args.runs}); objective {runs[0].value:.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
