"""Solve one MDGPLIB instance within a CPU-time limit; the last line printed is `objective=<value>`.

Example: python benchmarks/mdgp.py INSTANCE.txt --seconds 3 --seed 1
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from mixitup.mdgp import Problem, Solution, solve


def check(problem: Problem, solution: Solution) -> float:
    """Recompute the objective from the instance, asserting that every size bound holds."""
    groups = solution.groups
    assert groups.shape == (problem.n,)
    assert groups.min() >= 0
    assert groups.max() < problem.groups
    sizes = np.bincount(groups, minlength=problem.groups)
    assert (problem.lower <= sizes).all(), sizes
    assert (sizes <= problem.upper).all(), sizes
    i, j, w = problem.pairs
    return float(w[groups[i] == groups[j]].sum())


def warm_up() -> None:
    """Load (or compile) the kernels before the clock starts, as a long-running solver would."""
    solve(Problem.dense(np.ones((4, 4)), np.array([2, 2]), np.array([2, 2])), rounds=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", type=Path)
    parser.add_argument("--seconds", type=float, default=3.0, help="CPU-time limit")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    problem = Problem.parse(args.instance.read_text())
    warm_up()
    solution = solve(problem, seed=args.seed, seconds=args.seconds)
    objective = check(problem, solution)
    print(f"rounds={solution.rounds} cpu_seconds={solution.seconds:.2f}", file=sys.stderr)
    print(f"objective={objective:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
