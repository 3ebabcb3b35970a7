"""Social golfer check: g groups of p players for w rounds, run as w sessions of the engine.

Each round is one `optimize` call with no rule but "no repeat pairs" (one module, one program,
everyone their own cohort) and the earlier rounds as history. When a round cannot avoid every
repeat, the last few rounds (one, usually; more, at random) are redone with other seeds: a
benchmark may backtrack, staff never do. Example: python benchmarks/sgp.py 8-4-7 5-3-7 10-4-10
"""

from __future__ import annotations

import argparse
import random
import time
from itertools import combinations

from mixitup.models import Student
from mixitup.optimizer import Rules, optimize


def schedule(groups: int, size: int, rounds: int, seed: int, cap: float) -> tuple[int, int]:
    """Build `rounds` repeat-free rounds: (optimize calls, rounds redone after a failure)."""
    players = [
        Student(f"g{i:03d}", f"Golfer {i:03d}", "P", 3, f"c{i:03d}") for i in range(groups * size)
    ]
    done: list[list[frozenset[str]]] = []  # each round's pairs
    chooser = random.Random(seed)
    calls = redone = 0
    while len(done) < rounds:
        calls += 1
        met = {pair: 1 for pairs in done for pair in pairs}
        rules = Rules(size=size, seed=seed + calls, seconds=cap)
        grouping = optimize(players, met, rules)
        assert grouping.report.groups == groups
        pairs = [frozenset((a.key, b.key)) for g in grouping.groups for a, b in combinations(g, 2)]
        if any(pair in met for pair in pairs):
            # This round cannot follow the earlier ones: redo the last one, or more, differently.
            back = 1
            while back < len(done) and chooser.random() < 0.5:
                back += 1
            del done[-back:]
            redone += back
        else:
            done.append(pairs)
    return calls, redone


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instances", nargs="*", default=["8-4-7", "5-3-7", "10-4-10"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cap", type=float, default=0.1, help="seconds per round at most")
    args = parser.parse_args(argv)
    optimize([Student("a", "A", "P", 3, "a"), Student("b", "B", "P", 3, "b")], {}, Rules(size=2))
    for name in args.instances:
        g, p, w = (int(x) for x in name.split("-"))
        tick = time.perf_counter()
        calls, redone = schedule(g, p, w, args.seed, args.cap)
        print(
            f"{name}: {w} repeat-free rounds in {time.perf_counter() - tick:.2f} s "
            f"({calls} engine calls, {redone} rounds redone)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
