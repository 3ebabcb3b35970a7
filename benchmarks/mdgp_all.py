"""Run benchmarks/mdgp.py over the MDGPLIB table and compare with the reference results.

Example: python benchmarks/mdgp_all.py --seeds 5 --jobs 2 [--only n120]
Each run is its own process with the instance's time limit (1 s for n <= 12).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).parent
BENCH = Path("/work/shared/bench/mdgp")


def run(instance: Path, seconds: float, seed: int) -> float:
    done = subprocess.run(
        [sys.executable, str(HERE / "mdgp.py"), str(instance), "--seconds", str(seconds),
         "--seed", str(seed)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(done.stdout.strip().splitlines()[-1].removeprefix("objective="))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, default=BENCH, help="folder with reference.csv")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=1, help="runs at once (one core each)")
    parser.add_argument("--only", default="", help="run instances whose name contains this")
    args = parser.parse_args(argv)
    rows = [
        r
        for r in csv.DictReader((args.bench / "reference.csv").open(encoding="utf-8"))
        if args.only in r["instance"]
    ]
    jobs = [
        (r, seed, float(r["time_limit_s"] or 1)) for r in rows for seed in range(1, args.seeds + 1)
    ]
    folder = args.bench / "instances"
    with ThreadPoolExecutor(args.jobs) as pool:
        values = list(
            pool.map(lambda job: run(folder / f"{job[0]['instance']}.txt", job[2], job[1]), jobs)
        )
    print(
        f"{'instance':20} {'T(s)':>4} {'reference':>11} {'ims_mean':>11} {'naive_ils':>11} "
        f"{'our_mean':>11} {'our_median':>11} {'our_min':>11} {'mean/ims':>9} {'mean/ils':>9} "
        "verdict"
    )
    for r in rows:
        mine = [v for (row, _, _), v in zip(jobs, values, strict=True) if row is r]
        mean, reference = statistics.fmean(mine), float(r["reference_value"])
        target = float(r["ims_mean"] or reference)
        ims = f"{mean / float(r['ims_mean']):9.5f}" if r["ims_mean"] else f"{'':9}"
        ils = f"{mean / float(r['naive_ils']):9.5f}" if r["naive_ils"] else f"{'':9}"
        verdict = "ok" if mean >= target - 1e-3 else "BELOW"
        print(
            f"{r['instance']:20} {r['time_limit_s'] or '1':>4} {reference:11.3f} "
            f"{r['ims_mean'] or '-':>11} {r['naive_ils'] or '-':>11} {mean:11.3f} "
            f"{statistics.median(mine):11.3f} {min(mine):11.3f} {ims} {ils} {verdict}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
