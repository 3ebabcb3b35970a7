"""Maximally diverse grouping (MDGP): put items in groups within size bounds so that the sum of
pair weights inside groups is as large as possible. Numbers in, group indices out; the loops
(`mixitup.kernels`) are built ahead of time at install time when a C compiler was there
(`mixitup.aot`), else compiled by numba on first use. Iterated tabu search over move and swap
neighbourhoods.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from mixitup.instance import EPS, Bools, Floats, Instance, Ints

_TABU_PAIRS = 4_000_000  # beyond this many pairs per scan, tabu search is too slow to pay
_TENURE = 0.05  # tabu tenure as a share of n, plus up to as much again at random
_PATIENCE = 40.0  # tabu walk ends after this many times n steps without a new best
_STRENGTH = 0.2  # a kick makes this share of n random changes, plus up to twice that
_DENSE_ITEMS = 3_000  # up to here a dense n x n copy of the weights (72 MB) speeds up swaps
AOT_MODULE = "_kernels_aot"  # mixitup._kernels_aot, built by setup.py from mixitup/aot.py


@dataclass(frozen=True)
class Problem:
    """Items 0..n-1, group size bounds, and the weights to maximise (see `Instance`)."""

    n: int
    lower: Ints
    upper: Ints
    pairs: tuple[Ints, Ints, Floats] = field(
        default_factory=lambda: (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    )
    labels: Ints | None = None  # (n, F) non-negative label ids per feature
    label_weight: Floats | None = None  # weight of sharing each label id
    marked: Bools | None = None
    marked_lower: Ints | None = None
    marked_upper: Ints | None = None

    @classmethod
    def dense(cls, weights: Floats, lower: Ints, upper: Ints) -> Problem:
        """A problem whose pair weights are the upper triangle of a square matrix."""
        i, j = np.triu_indices(weights.shape[0], k=1)
        return cls(weights.shape[0], lower, upper, (i, j, weights[i, j]))

    @classmethod
    def parse(cls, text: str) -> Problem:
        """Read the MDGPLIB format: `n m ss|ds a_1 b_1 ... a_m b_m`, then `i j d_ij` lines."""
        head, _, body = text.partition("\n")
        fields = head.split()
        n, groups = int(fields[0]), int(fields[1])
        bounds = np.array(fields[3 : 3 + 2 * groups], dtype=np.int64).reshape(groups, 2)
        table = np.array(body.split(), dtype=np.float64).reshape(-1, 3)
        i, j = table[:, 0].astype(np.int64), table[:, 1].astype(np.int64)
        return cls(n, bounds[:, 0], bounds[:, 1], (i, j, table[:, 2]))

    @property
    def groups(self) -> int:
        return len(self.lower)

    def instance(self) -> Instance:
        """The flat arrays for the kernels; raises ValueError when no grouping can exist."""
        n, groups = self.n, self.groups
        lower = np.ascontiguousarray(self.lower, np.int64)
        upper = np.ascontiguousarray(self.upper, np.int64)
        if groups < 1 or (lower > upper).any() or lower.sum() > n or upper.sum() < n:
            raise ValueError(f"{n} items cannot fill groups sized {lower} to {upper}")
        i, j, w = self.pairs
        keep = (i != j) & (w != 0)
        rows = np.concatenate([i[keep], j[keep]]).astype(np.int64)
        cols = np.concatenate([j[keep], i[keep]]).astype(np.int64)
        vals = np.concatenate([w[keep], w[keep]]).astype(np.float64)
        order = np.lexsort((cols, rows))
        rows, cols, vals = rows[order], cols[order], vals[order]
        # Sum repeated entries of a pair so that each appears once in its row.
        first = np.ones(len(rows), bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        starts = np.flatnonzero(first)
        rows, cols, vals = rows[starts], cols[starts], np.add.reduceat(vals, starts)
        indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])

        labels = np.zeros((n, 0), np.int64) if self.labels is None else self.labels
        labels = np.ascontiguousarray(labels, np.int64)
        label_weight = np.zeros(0) if self.label_weight is None else self.label_weight
        label_weight = np.ascontiguousarray(label_weight, np.float64)
        flat = labels.ravel()
        label_ptr = np.zeros(len(label_weight) + 1, np.int64)
        np.cumsum(np.bincount(flat, minlength=len(label_weight)), out=label_ptr[1:])
        label_items = np.repeat(np.arange(n, dtype=np.int64), labels.shape[1])[
            np.argsort(flat, kind="stable")
        ]

        marked = (
            np.zeros(n, bool) if self.marked is None else np.ascontiguousarray(self.marked, bool)
        )
        marked_lower = np.zeros(groups, np.int64)
        if self.marked_lower is not None:
            marked_lower = np.ascontiguousarray(self.marked_lower, np.int64)
        marked_upper = np.full(groups, n, np.int64)
        if self.marked_upper is not None:
            marked_upper = np.ascontiguousarray(self.marked_upper, np.int64)
        if (
            marked_lower.sum() > marked.sum()
            or np.minimum(marked_upper, upper).sum() < marked.sum()
        ):
            raise ValueError("the marked items cannot meet their per-group bounds")
        dense = np.zeros((0, 0))
        if n <= _DENSE_ITEMS:
            dense = np.zeros((n, n))
            dense[rows, cols] = vals
            for f in range(labels.shape[1]):
                same = labels[:, f, None] == labels[None, :, f]
                np.fill_diagonal(same, val=False)
                dense += np.where(same, label_weight[labels[:, f]][:, None], 0.0)
        return Instance(
            lower, upper, indptr, cols, vals, labels, label_weight, label_ptr, label_items,
            marked, marked_lower, marked_upper, dense,
        )  # fmt: skip


@dataclass(frozen=True)
class Solution:
    """The best grouping found: `groups[i]` is item i's group; `value` its objective."""

    groups: Ints
    value: float
    rounds: int  # search rounds run (a round is one tabu walk or perturbed descent)
    seconds: float
    optimal: bool  # the value reached the caller's proven bound
    cut_short: bool = False  # the time limit stopped the search before its rounds were done


def solve(
    problem: Problem,
    *,
    seed: int = 0,
    rounds: int | None = None,
    seconds: float | None = None,
    bound: float = np.inf,
    patience: float = _PATIENCE,
    walk: float = np.inf,
) -> Solution:
    """Search for the grouping of largest value.

    Stops at the first of: a grouping worth `bound` (a proven maximum the caller knows),
    `rounds` search rounds, or `seconds` of CPU time. Without `seconds` the result
    depends only on the problem, the seed and `rounds`, on any machine. A round is a tabu
    walk that ends after `patience` x n steps without a new best, from a random kick of the
    best grouping so far (for n beyond a few thousand, a descent replaces the walk); no walk
    takes more than `walk` x n steps.
    """
    if rounds is None and seconds is None:
        raise ValueError("give solve() a number of rounds, a time limit, or both")
    inst = problem.instance()
    kernels = load_kernels()  # compiling (on a cold cache) is no part of the time limit
    started = time.process_time()
    rng = np.random.default_rng(seed)
    group = kernels.construct(inst, int(rng.integers(2**31)), _sizes(inst))
    tabu = problem.n * problem.n <= _TABU_PAIRS and inst.dense.size > 0  # it reads the matrix
    done, per_round = 0, 0.0
    best, best_value = group, _value(inst, group, kernels)
    cut_short = False
    while rounds is None or done < rounds:
        # A fixed number of rounds runs one round per call: where the calls fall never
        # depends on the clock, so neither do the groups (unless the cap cuts them short).
        # With a time limit alone, calls are sized so that the limit is not overshot much.
        todo = 1 if rounds is not None else 16
        if seconds is not None:
            left = seconds - (time.process_time() - started)
            if done and left < per_round / 2:
                cut_short = rounds is not None
                break
            if rounds is None:
                todo = max(1, min(todo, int(left / per_round) if per_round else 1))
        tick = time.process_time()
        group, value = kernels.search(
            inst,
            best,
            int(rng.integers(2**31)),
            todo,
            done > 0,
            tabu,
            bound,
            (_TENURE, patience, _STRENGTH, walk),
        )
        per_round = (time.process_time() - tick) / todo
        done += todo
        if value > best_value + EPS:
            best, best_value = group, value
        if best_value >= bound - EPS:
            break
    return Solution(
        best,
        _value(inst, best, kernels),
        done,
        time.process_time() - started,
        best_value >= bound - EPS,
        cut_short,
    )


class Kernels(NamedTuple):
    """The compiled search, either built ahead of time or compiled by numba (same groups)."""

    construct: Callable[[Instance, int, Ints], Ints]
    search: Callable[
        [Instance, Ints, int, int, bool, bool, float, tuple[float, float, float, float]],
        tuple[Ints, float],
    ]
    gains: Callable[[Instance, Ints], Floats]
    ahead_of_time: bool


@functools.cache
def load_kernels(*, jit: bool = False) -> Kernels:
    """The kernels, loaded once per process: the module built ahead of time when it was
    built from this very source, else (or with `jit`) numba's, compiled or loaded from its
    cache by solving a tiny problem with every kind of weight, which uses the same compiled
    code as any other."""
    if not jit and (built := _built_kernels()) is not None:
        return built
    from mixitup import kernels

    jitted = Kernels(kernels.construct, kernels.search, kernels.gains, ahead_of_time=False)
    weights = np.arange(16.0).reshape(4, 4)
    tiny = Problem(
        4,
        np.array([1, 1]),
        np.array([3, 3]),
        Problem.dense(weights, np.array([2, 2]), np.array([2, 2])).pairs,
        np.array([[0], [0], [1], [1]]),
        np.array([-1.0, 1.0]),
        np.array([True, False, True, False]),
        np.array([1, 1]),
        np.array([4, 4]),
    )
    inst = tiny.instance()
    group = jitted.construct(inst, 0, inst.upper)
    jitted.search(inst, group, 0, 1, True, True, np.inf, (_TENURE, _PATIENCE, _STRENGTH, 1.0))
    jitted.gains(inst, group)
    return jitted


def _built_kernels() -> Kernels | None:
    """The kernels of the module built ahead of time, or None when it is missing (no C
    compiler at install time) or was built from other source than this."""
    try:
        built: Any = importlib.import_module(f"mixitup.{AOT_MODULE}")
    except ImportError:
        return None
    if built.source_hash() != source_hash():
        return None

    def flat(inst: Instance) -> list[npt.NDArray[Any]]:
        return [np.ascontiguousarray(field) for field in inst]

    def construct(inst: Instance, seed: int, sizes: Ints) -> Ints:
        result: Ints = built.construct(*flat(inst), seed, np.ascontiguousarray(sizes))
        return result

    def search(
        inst: Instance,
        start: Ints,
        seed: int,
        rounds: int,
        kick: bool,
        tabu: bool,
        bound: float,
        knobs: tuple[float, float, float, float],
    ) -> tuple[Ints, float]:
        found: tuple[Ints, float] = built.search(
            *flat(inst), np.ascontiguousarray(start), seed, rounds, kick, tabu, bound, *knobs
        )
        return found

    def gains(inst: Instance, group: Ints) -> Floats:
        result: Floats = built.gains(*flat(inst), np.ascontiguousarray(group))
        return result

    return Kernels(construct, search, gains, ahead_of_time=True)


def source_hash() -> int:
    """A fingerprint of the kernels' source (`instance.py`, `kernels.py`, `aot.py`): a module
    built ahead of time from other source, as in an editable install edited since, is not
    used."""
    digest = hashlib.sha256()
    for name in ("instance.py", "kernels.py", "aot.py"):
        digest.update((Path(__file__).parent / name).read_bytes())
    return int.from_bytes(digest.digest()[:7], "little")


def _sizes(inst: Instance) -> Ints:
    """Most items per group for the first grouping: the upper bounds, unless pairs are worth
    something on average. Then groups as unequal as the bounds allow hold the most pairs,
    and that is where the best groupings lie: walks seldom cross from one pattern of sizes
    to another, as every step between costs much. Found by dynamic programming."""
    if not len(inst.weights) or inst.weights.mean() <= 0:
        return inst.upper
    n = len(inst.marked)
    most = np.zeros(n + 1)  # most pairs in the groups so far holding k items
    most[1:] = -np.inf
    choice = np.zeros((len(inst.lower), n + 1), np.int64)
    for g, (low, high) in enumerate(zip(inst.lower, inst.upper, strict=True)):
        best, pick = np.full(n + 1, -np.inf), np.zeros(n + 1, np.int64)
        for size in range(int(low), int(high) + 1):
            total = np.full(n + 1, -np.inf)
            total[size:] = most[: n + 1 - size] + size * (size - 1) / 2
            better = total > best
            best[better], pick[better] = total[better], size
        most, choice[g] = best, pick
    sizes, left = np.zeros(len(inst.lower), np.int64), n
    for g in range(len(inst.lower) - 1, -1, -1):
        sizes[g] = choice[g, left]
        left -= sizes[g]
    return sizes


def value(problem: Problem, groups: Ints) -> float:
    """The objective of a grouping, computed from scratch."""
    return _value(problem.instance(), np.ascontiguousarray(groups, np.int64), load_kernels())


def _value(inst: Instance, group: Ints, kernels: Kernels) -> float:
    gain = kernels.gains(inst, group)
    return float(np.take_along_axis(gain, group[:, None], axis=1).sum() / 2)
