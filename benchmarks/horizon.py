"""How long a school can go without a repeat: the demo's 225 students, kept as they are, meet
session after session, each session's groups becoming the next one's history.

Eight cohorts of about 28 never meet their cohort-mates, so each student has about 197 others to
meet, five or six a session: repeats become unavoidable after about 35 sessions, and how soon
they start says how well each grouping keeps later ones open (the look-ahead). Prints the first
session with a repeat, the repeats over all sessions and the engine's median seconds.
Example: python benchmarks/horizon.py --sessions 40 --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from itertools import combinations
from pathlib import Path

from mixitup.backends.xlsx import XlsxBackend
from mixitup.config import load_config
from mixitup.demo import build_demo
from mixitup.optimizer import Rules, optimize
from mixitup.roster import Roster, read_roster


def demo_roster() -> Roster:
    with tempfile.TemporaryDirectory() as folder:
        build_demo(Path(folder))
        config = load_config(str(Path(folder) / "mixitup.toml"))
        snapshot = XlsxBackend(Path(folder) / "mixitup.xlsx").read()
    return read_roster(dict(snapshot.tabs), snapshot.titles, config, snapshot.uncomputed)


def year(roster: Roster, sessions: int, seed: int) -> tuple[int | None, int, float]:
    """(first session with a repeat, repeats in all, median engine seconds)."""
    met: dict[frozenset[str], int] = {}
    first, repeats, seconds = None, 0, []
    for k in range(sessions):
        rules = Rules(size=6, week=2 + 2 * (k % 2), keep_apart=roster.keep_apart, seed=seed + k)
        started = time.perf_counter()
        grouping = optimize(roster.students, met, rules)
        seconds.append(time.perf_counter() - started)
        pairs = [frozenset((a.key, b.key)) for g in grouping.groups for a, b in combinations(g, 2)]
        now = sum(pair in met for pair in pairs)
        repeats += now
        if now and first is None:
            first = k + 1
        for pair in pairs:
            met[pair] = met.get(pair, 0) + 1
    return first, repeats, statistics.median(seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)
    roster = demo_roster()
    for seed in args.seeds:
        first, repeats, median = year(roster, args.sessions, 2027 + 100 * seed)
        print(
            f"seed {seed}: first repeat in session {first}; {repeats} repeat pairs in "
            f"{args.sessions} sessions; engine {median:.2f} s a session (median)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
