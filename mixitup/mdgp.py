"""Maximally diverse grouping (MDGP): put items in groups within size bounds so that the sum of
pair weights inside groups is as large as possible. Numbers in, group indices out; the loops
are compiled by numba. Iterated tabu search over move and swap neighbourhoods.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

_EPS = 1e-7  # weights are sums of reals: ignore gains below rounding noise
_TABU_PAIRS = 4_000_000  # beyond this many pairs per scan, tabu search is too slow to pay
_TENURE = 0.05  # tabu tenure as a share of n, plus up to as much again at random
_PATIENCE = 40.0  # tabu walk ends after this many times n steps without a new best
_STRENGTH = 0.2  # a kick makes this share of n random changes, plus up to twice that
_DENSE_ITEMS = 3_000  # up to here a dense n x n copy of the weights (72 MB) speeds up swaps


class Instance(NamedTuple):
    """An MDGP instance in the flat arrays the compiled kernels read.

    The weight of a pair is its explicit weight (a symmetric sparse matrix in CSR form, both
    directions stored) plus, for each label the two items share, that label's weight. Labels
    keep dense "same cohort" or "same module" weights out of memory: 10,000 items cost
    10,000 x labels entries, not 10,000 squared. Marked items carry an extra rule: group g
    holds between `marked_lower[g]` and `marked_upper[g]` of them.
    """

    lower: Ints  # (G,) fewest items per group
    upper: Ints  # (G,) most items per group
    indptr: Ints  # (n+1,) explicit weights, CSR
    indices: Ints
    weights: Floats
    labels: Ints  # (n, F) label ids; feature f of items i and j is shared when equal
    label_weight: Floats  # (L,)
    label_ptr: Ints  # (L+1,) the items carrying each label, CSR
    label_items: Ints
    marked: Bools  # (n,)
    marked_lower: Ints  # (G,)
    marked_upper: Ints  # (G,)
    dense: Floats  # (n, n) every pair's whole weight, or (0, 0) when n is too large
    row_min: Floats  # (n,) a lower bound on each item's lightest pair weight


class _State(NamedTuple):
    group: Ints  # (n,) each item's group
    size: Ints  # (G,)
    marked_count: Ints  # (G,)
    gain: Floats  # (n, G) sum of weights from each item to each group's other members


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
            np.fill_diagonal(dense, np.inf)
            row_min = dense.min(axis=1) if n > 1 else np.zeros(n)
            np.fill_diagonal(dense, 0.0)
        else:
            row_min = np.minimum(np.minimum.reduceat(np.append(vals, 0.0), indptr[:-1]), 0.0)
            row_min[indptr[:-1] == indptr[1:]] = 0.0
            row_min += np.minimum(label_weight[labels], 0.0).sum(axis=1)
        return Instance(
            lower, upper, indptr, cols, vals, labels, label_weight, label_ptr, label_items,
            marked, marked_lower, marked_upper, dense, row_min,
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
    load_kernels()  # compiling (on a cold cache) is no part of the time limit
    started = time.process_time()
    rng = np.random.default_rng(seed)
    group = _construct(inst, int(rng.integers(2**31)), _sizes(inst))
    tabu = problem.n * problem.n <= _TABU_PAIRS
    done, per_round = 0, 0.0
    best, best_value = group, _value(inst, group)
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
        group, value = _search(
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
        if value > best_value + _EPS:
            best, best_value = group, value
        if best_value >= bound - _EPS:
            break
    return Solution(
        best,
        _value(inst, best),
        done,
        time.process_time() - started,
        best_value >= bound - _EPS,
        cut_short,
    )


@functools.cache
def load_kernels() -> None:
    """Compile the kernels, or load them from numba's cache, once per process: solving a
    tiny problem with every kind of weight uses the same compiled code as any other."""
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
    group = _construct(inst, 0, inst.upper)
    _search(inst, group, 0, 1, True, True, np.inf, (_TENURE, _PATIENCE, _STRENGTH, 1.0))
    _value(inst, group)


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
    return _value(problem.instance(), np.ascontiguousarray(groups, np.int64))


def _value(inst: Instance, group: Ints) -> float:
    st = _build(inst, group)
    return float(np.take_along_axis(st.gain, group[:, None], axis=1).sum() / 2)


@njit(cache=True)
def _construct(inst: Instance, seed: int, sizes: Ints) -> Ints:
    """A random grouping within every bound, of at most `sizes` items per group: marked
    items first, then the rest."""
    np.random.seed(seed)
    n, groups = len(inst.marked), len(inst.lower)
    group = np.full(n, -1, np.int64)
    size = np.zeros(groups, np.int64)
    marks = np.zeros(groups, np.int64)
    order = np.random.permutation(n)
    # Marked items go first so that every group's marked minimum is met.
    ranked = np.concatenate((order[inst.marked[order]], order[~inst.marked[order]]))
    for i in ranked:
        need = np.zeros(groups, np.int64)  # 2: a marked minimum unmet, 1: a size minimum
        for g in range(groups):
            if size[g] >= sizes[g] or (inst.marked[i] and marks[g] >= inst.marked_upper[g]):
                need[g] = -1
            elif inst.marked[i] and marks[g] < inst.marked_lower[g]:
                need[g] = 2
            elif size[g] < inst.lower[g] + max(0, inst.marked_lower[g] - marks[g]):
                need[g] = 1
        top = need.max()
        if top < 0:
            raise ValueError("no group has room for an item")
        candidates = np.flatnonzero(need == top)
        g = candidates[np.random.randint(len(candidates))]
        group[i] = g
        size[g] += 1
        if inst.marked[i]:
            marks[g] += 1
    return group


@njit(cache=True)
def _build(inst: Instance, group: Ints) -> _State:
    n, groups = len(group), len(inst.lower)
    size = np.zeros(groups, np.int64)
    marks = np.zeros(groups, np.int64)
    gain = np.zeros((n, groups))
    for i in range(n):
        size[group[i]] += 1
        if inst.marked[i]:
            marks[group[i]] += 1
        for p in range(inst.indptr[i], inst.indptr[i + 1]):
            gain[i, group[inst.indices[p]]] += inst.weights[p]
    count = np.zeros((groups, len(inst.label_weight)), np.int64)
    for i in range(n):
        for f in range(inst.labels.shape[1]):
            count[group[i], inst.labels[i, f]] += 1
    for i in range(n):
        for f in range(inst.labels.shape[1]):
            label = inst.labels[i, f]
            for g in range(groups):
                gain[i, g] += inst.label_weight[label] * (count[g, label] - (group[i] == g))
    return _State(group.copy(), size, marks, gain)


@njit(cache=True, inline="always")
def _pair_weight(inst: Instance, row: Floats, i: int, j: int) -> float:
    """Weight of (i, j), where `row` is `_row(inst, scratch, i)`."""
    weight: float = row[j]
    for f in range(0 if inst.dense.shape[0] else inst.labels.shape[1]):
        label = inst.labels[i, f]
        if label == inst.labels[j, f]:
            weight += inst.label_weight[label]
    return weight


@njit(cache=True, inline="always")
def _row(inst: Instance, scratch: Floats, i: int) -> Floats:
    """Item i's weights to every item: the dense matrix's row, else its explicit weights
    spread into `scratch` (labels are then added by `_pair_weight`); `_clear` undoes it."""
    if inst.dense.shape[0]:
        dense: Floats = inst.dense[i]
        return dense
    for p in range(inst.indptr[i], inst.indptr[i + 1]):
        scratch[inst.indices[p]] = inst.weights[p]
    return scratch


@njit(cache=True, inline="always")
def _clear(inst: Instance, scratch: Floats, i: int) -> None:
    if not inst.dense.shape[0]:
        for p in range(inst.indptr[i], inst.indptr[i + 1]):
            scratch[inst.indices[p]] = 0.0


@njit(cache=True, inline="always")
def _can_move(inst: Instance, st: _State, i: int, a: int, b: int) -> bool:
    if st.size[a] <= inst.lower[a] or st.size[b] >= inst.upper[b]:
        return False
    if inst.marked[i]:
        return bool(st.marked_count[a] > inst.marked_lower[a]) and bool(
            st.marked_count[b] < inst.marked_upper[b]
        )
    return True


@njit(cache=True)
def _mixed_swaps(inst: Instance, st: _State, i: int, ok: Bools) -> None:
    """Set ok[b]: may item i trade places with an item of group b marked unlike it?"""
    a = st.group[i]
    counts, lower, upper = st.marked_count, inst.marked_lower, inst.marked_upper
    for b in range(len(ok)):
        if inst.marked[i]:
            ok[b] = counts[a] > lower[a] and counts[b] < upper[b]
        else:
            ok[b] = counts[b] > lower[b] and counts[a] < upper[a]


@njit(cache=True)
def _copy(source: Ints, target: Ints) -> None:
    """target[:] = source, without the shape checks whose messages cost seconds to compile."""
    for k in range(len(source)):
        target[k] = source[k]


@njit(cache=True)
def _move(inst: Instance, st: _State, i: int | np.int64, b: int | np.int64) -> None:
    """Move item i to group b, keeping every other item's gains exact. Callers pass
    np.int64 values: a literal (-1 before a branch sets it) would compile another copy."""
    a = st.group[i]
    for p in range(inst.indptr[i], inst.indptr[i + 1]):
        k = inst.indices[p]
        st.gain[k, a] -= inst.weights[p]
        st.gain[k, b] += inst.weights[p]
    for f in range(inst.labels.shape[1]):
        label = inst.labels[i, f]
        weight = inst.label_weight[label]
        for p in range(inst.label_ptr[label], inst.label_ptr[label + 1]):
            k = inst.label_items[p]
            if k != i:
                st.gain[k, a] -= weight
                st.gain[k, b] += weight
    st.group[i] = b
    st.size[a] -= 1
    st.size[b] += 1
    if inst.marked[i]:
        st.marked_count[a] -= 1
        st.marked_count[b] += 1


@njit(cache=True)
def _descent(inst: Instance, st: _State, row: Floats) -> float:
    """First-improvement local search over moves and swaps; returns the total gain.

    Items are visited in random order; each takes its best move, else its best swap.
    """
    n, groups = len(st.group), len(inst.lower)
    group, gain = st.group, st.gain  # locals keep the compiled inner loops tight
    ok = np.zeros(groups, np.bool_)
    total = 0.0
    improved = True
    while improved:
        improved = False
        for i in np.random.permutation(n):
            a = group[i]
            best, target = _EPS, -1
            for b in range(groups if st.size[a] > inst.lower[a] else 0):
                if b != a and _can_move(inst, st, i, a, b):
                    delta = gain[i, b] - gain[i, a]
                    if delta > best:
                        best, target = delta, b
            if target >= 0:
                _move(inst, st, np.int64(i), np.int64(target))
                total += best
                improved = True
                continue
            weights = _row(inst, row, i)
            _mixed_swaps(inst, st, i, ok)
            partner, marked, here = -1, inst.marked[i], gain[i, a]
            for j in range(n):
                b = group[j]
                if b == a or (inst.marked[j] != marked and not ok[b]):
                    continue
                delta = (
                    gain[i, b] - here + gain[j, a] - gain[j, b]
                    - 2.0 * _pair_weight(inst, weights, i, j)
                )  # fmt: skip
                if delta > best:
                    best, partner = delta, j
            _clear(inst, row, i)
            if partner >= 0:
                b = st.group[partner]
                _move(inst, st, np.int64(i), np.int64(b))
                _move(inst, st, np.int64(partner), np.int64(a))
                total += best
                improved = True
    return total


@njit(cache=True)
def _tabu(
    inst: Instance,
    st: _State,
    row: Floats,
    value: float,
    best_group: Ints,
    best_value: float,
    patience: int,
    longest: float,
    tenure: int,
    bound: float,
) -> tuple[float, int]:
    """Best-improvement tabu search over moves and swaps until `patience` steps pass
    without a new best, or `longest` steps in all. An item may not return to a group it
    left for a random tenure, unless that finds a new best. Returns the best value
    (`best_group` holds its grouping) and the number of steps taken.
    """
    n, groups = len(st.group), len(inst.lower)
    group, gain = st.group, st.gain  # locals keep the compiled inner loops tight
    ok = np.zeros(groups, np.bool_)
    tabu_until = np.zeros((n, groups), np.int64)
    start, members = np.zeros(groups + 1, np.int64), np.zeros(n, np.int64)
    step, since = 0, 0
    while since < patience and step < longest and best_value < bound - _EPS:
        step += 1
        since += 1
        best, ties, mover, target, partner = -np.inf, 0, -1, -1, -1
        for i in range(n):
            a = group[i]
            if st.size[a] <= inst.lower[a]:
                continue
            _mixed_swaps(inst, st, i, ok)  # a marked item moves as if swapped for an unmarked one
            marked, here = inst.marked[i], gain[i, a]
            for b in range(groups):
                if b == a or st.size[b] >= inst.upper[b] or (marked and not ok[b]):
                    continue
                delta = gain[i, b] - here
                if tabu_until[i, b] > step and value + delta <= best_value + _EPS:
                    continue
                if delta > best + _EPS:
                    best, ties, mover, target, partner = delta, 1, i, b, -1
                elif delta > best - _EPS:
                    ties += 1  # break ties at random, so walks differ
                    if np.random.randint(ties) == 0:
                        mover, target, partner = i, b, -1
        # Swaps, group pair by group pair. No swap of i (in a) with an item of b can beat
        # i's move gain to b plus the best move gain from b to a, less twice i's lightest
        # pair weight: group pairs whose bound is below the best found are skipped whole.
        _members(group, start, members)
        lift = np.full((groups, groups), -np.inf)  # lift[b, a]: best gain of a move b -> a
        for j in range(n):
            b = group[j]
            for a in range(groups):
                lift[b, a] = max(lift[b, a], gain[j, a] - gain[j, b])
        for i in range(n):
            a = group[i]
            weights = _row(inst, row, i)
            _mixed_swaps(inst, st, i, ok)
            marked, here, floor = inst.marked[i], gain[i, a], 2.0 * inst.row_min[i]
            for b in range(a + 1, groups):
                if gain[i, b] - here + lift[b, a] - floor < best - _EPS:
                    continue
                for p in range(start[b], start[b + 1]):
                    j = members[p]
                    if inst.marked[j] != marked and not ok[b]:
                        continue
                    delta = (
                        gain[i, b] - here + gain[j, a] - gain[j, b]
                        - 2.0 * _pair_weight(inst, weights, i, j)
                    )  # fmt: skip
                    if delta < best - _EPS:
                        continue
                    if (tabu_until[i, b] > step or tabu_until[j, a] > step) and (
                        value + delta <= best_value + _EPS
                    ):
                        continue
                    if delta > best + _EPS:
                        best, ties, mover, target, partner = delta, 1, i, b, j
                    else:
                        ties += 1
                        if np.random.randint(ties) == 0:
                            mover, target, partner = i, b, j
            _clear(inst, row, i)
        if mover < 0:
            break  # every neighbour is tabu
        a = st.group[mover]
        _move(inst, st, np.int64(mover), np.int64(target))
        tabu_until[mover, a] = step + tenure + np.random.randint(tenure)
        if partner >= 0:
            _move(inst, st, np.int64(partner), np.int64(a))
            tabu_until[partner, target] = step + tenure + np.random.randint(tenure)
        value += best
        if value > best_value + _EPS:
            best_value = value
            _copy(st.group, best_group)
            since = 0
    return best_value, step


@njit(cache=True)
def _members(group: Ints, start: Ints, members: Ints) -> None:
    """Items by group: group g's are members[start[g]:start[g + 1]], in index order."""
    start.fill(0)
    for g in group:
        start[g + 1] += 1
    for g in range(len(start) - 1):
        start[g + 1] += start[g]
    fill = start[:-1].copy()
    for i in range(len(group)):
        members[fill[group[i]]] = i
        fill[group[i]] += 1


@njit(cache=True)
def _perturb(inst: Instance, st: _State, swaps: int) -> None:
    """Random feasible swaps (and moves, when sizes may vary) to leave a local optimum."""
    n, groups = len(st.group), len(inst.lower)
    ok = np.zeros(groups, np.bool_)
    done = 0
    for _ in range(20 * swaps):
        if done >= swaps:
            break
        i = np.random.randint(n)
        a = st.group[i]
        if np.random.randint(2) == 0:
            b = np.random.randint(groups)
            if b != a and _can_move(inst, st, i, a, b):
                _move(inst, st, np.int64(i), np.int64(b))
                done += 1
            continue
        j = np.random.randint(n)
        b = st.group[j]
        _mixed_swaps(inst, st, i, ok)
        if b != a and (inst.marked[i] == inst.marked[j] or ok[b]):
            _move(inst, st, np.int64(i), np.int64(b))
            _move(inst, st, np.int64(j), np.int64(a))
            done += 1


@njit(cache=True)
def _search(
    inst: Instance,
    start: Ints,
    seed: int,
    rounds: int,
    kick: bool,
    tabu: bool,
    bound: float,
    knobs: tuple[float, float, float, float],
) -> tuple[Ints, float]:
    """Iterated local search from `start`: each round perturbs the best grouping found
    and improves it again, by tabu search or (for very large n) by descent. With `kick`,
    `start` is an earlier round's best, so the first round perturbs it too.
    """
    np.random.seed(seed)
    n = len(start)
    st = _build(inst, start)
    row = np.zeros(n)
    value = _value_of(st)
    value += _descent(inst, st, row)
    best_group, best_value = st.group.copy(), value
    patience = max(50, int(knobs[1] * n))
    longest = knobs[3] * n
    tenure = max(2, int(knobs[0] * n))
    strength = max(1, int(knobs[2] * n))
    for r in range(rounds):
        if best_value >= bound - _EPS:
            break
        if r > 0 or kick:
            st = _build(inst, best_group)
            value = best_value
            _perturb(inst, st, strength + np.random.randint(2 * strength))
            value = _value_of(st)
            value += _descent(inst, st, row)
            if value > best_value + _EPS:
                best_value = value
                _copy(st.group, best_group)
        if tabu:
            best_value, _ = _tabu(
                inst, st, row, value, best_group, best_value, patience, longest, tenure, bound
            )
    return best_group, best_value


@njit(cache=True)
def _value_of(st: _State) -> float:
    total = 0.0
    for i in range(len(st.group)):
        total += st.gain[i, st.group[i]]
    return total / 2.0
