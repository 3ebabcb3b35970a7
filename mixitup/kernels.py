"""The MDGP search's compiled loops (numba): a random first grouping, and iterated tabu search
over move and swap neighbourhoods. `mixitup.mdgp` calls them, through the module built from them
ahead of time at install time (`mixitup.aot`) when there is one, else compiled here on first use.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from mixitup.instance import EPS, Bools, Floats, Instance, Ints


class _State(NamedTuple):
    group: Ints  # (n,) each item's group
    size: Ints  # (G,)
    marked_count: Ints  # (G,)
    gain: Floats  # (n, G) sum of weights from each item to each group's other members


class _Swaps(NamedTuple):
    """The best swap between each pair of groups a < b: [0, a, b] among the swaps allowed,
    [1, a, b] among the tabu ones. `ties` counts the swaps that share the best gain (0: none
    yet), of which one at random is `first` (an item of a) with `second` (an item of b)."""

    gain: Floats  # (2, G, G)
    ties: Ints  # (2, G, G)
    first: Ints  # (2, G, G)
    second: Ints  # (2, G, G)


@njit(cache=True)
def construct(inst: Instance, seed: int, sizes: Ints) -> Ints:
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
            best, target = EPS, -1
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

    A swap's gain depends only on the two groups it involves, so each pair of groups keeps
    its best swap (among those allowed, and among the tabu ones) from one step to the next;
    a step evaluates again only the pairs of groups that it changed or whose tabu expired.
    """
    n, groups = len(st.group), len(inst.lower)
    group, gain = st.group, st.gain  # locals keep the compiled inner loops tight
    marks, marked_lower, marked_upper = st.marked_count, inst.marked_lower, inst.marked_upper
    tabu_until = np.zeros((n, groups), np.int64)
    start, members = np.zeros(groups + 1, np.int64), np.zeros(n, np.int64)
    room = np.zeros(groups, np.int64)  # the groups with room for one more item, in order
    pairs = (2, groups, groups)
    swaps = _Swaps(
        np.zeros(pairs), np.zeros(pairs, np.int64), np.zeros(pairs, np.int64),
        np.zeros(pairs, np.int64),
    )  # fmt: skip
    stale = np.zeros((groups, groups), np.bool_)  # pairs of groups where a tabu expired
    lightest = _lightest(inst.dense)
    side = (np.zeros(n), np.zeros(n, np.int64))  # scratch for _refresh
    changed = np.ones(groups, np.bool_)  # groups changed by the last step: their swaps are new
    # Tabu entries by the step they expire at (a ring of buckets): item, group.
    span = 2 * tenure + 1
    expiring = np.zeros((span, 4 * tenure + 2, 2), np.int64)
    expiring_count = np.zeros(span, np.int64)
    step, since = 0, 0
    while since < patience and step < longest and best_value < bound - EPS:
        step += 1
        since += 1
        bucket = step % span
        for e in range(expiring_count[bucket]):
            k, g = expiring[bucket, e, 0], expiring[bucket, e, 1]
            if tabu_until[k, g] == step and group[k] != g:
                stale[min(group[k], g), max(group[k], g)] = True
        expiring_count[bucket] = 0
        _members(group, start, members)
        _refresh(inst, st, start, members, changed, stale, tabu_until, step, lightest, side,
                 swaps)  # fmt: skip
        changed[:] = False
        best, ties, mover, target, partner = -np.inf, 0, -1, -1, -1
        rooms = 0
        for b in range(groups):
            if st.size[b] < inst.upper[b]:
                room[rooms] = b
                rooms += 1
        for i in range(n if rooms else 0):
            a = group[i]
            if st.size[a] <= inst.lower[a]:
                continue
            # A marked item moves as if swapped for an unmarked one.
            marked, here = inst.marked[i], gain[i, a]
            if marked and marks[a] <= marked_lower[a]:
                continue
            for r in range(rooms):
                b = room[r]
                if b == a or (marked and marks[b] >= marked_upper[b]):
                    continue
                delta = gain[i, b] - here
                if tabu_until[i, b] > step and value + delta <= best_value + EPS:
                    continue
                keep, best, ties = _fold(delta, best, ties, 1)
                if keep:
                    mover, target, partner = i, b, -1
        for a in range(groups):
            for b in range(a + 1, groups):
                for kind in range(2):
                    delta, count = swaps.gain[kind, a, b], swaps.ties[kind, a, b]
                    if count == 0 or (kind == 1 and value + delta <= best_value + EPS):
                        continue
                    keep, best, ties = _fold(delta, best, ties, count)
                    if keep:
                        mover, partner = swaps.first[kind, a, b], swaps.second[kind, a, b]
                        target = group[partner]
        if mover < 0:
            break  # every neighbour is tabu
        a, b = group[mover], target
        _move(inst, st, np.int64(mover), np.int64(b))
        _tabu_for(
            tabu_until,
            expiring,
            expiring_count,
            mover,
            a,
            step + tenure + np.random.randint(tenure),
        )
        if partner >= 0:
            _move(inst, st, np.int64(partner), np.int64(a))
            _tabu_for(
                tabu_until,
                expiring,
                expiring_count,
                partner,
                b,
                step + tenure + np.random.randint(tenure),
            )
        changed[a] = changed[b] = True
        value += best
        if value > best_value + EPS:
            best_value = value
            _copy(st.group, best_group)
            since = 0
    return best_value, step


@njit(cache=True)
def _tabu_for(
    tabu_until: Ints, expiring: Ints, expiring_count: Ints, item: int, group: int, until: int
) -> None:
    """Make a return of `item` to `group` tabu until step `until`."""
    tabu_until[item, group] = until
    bucket = until % len(expiring_count)
    expiring[bucket, expiring_count[bucket], 0] = item
    expiring[bucket, expiring_count[bucket], 1] = group
    expiring_count[bucket] += 1


@njit(cache=True)
def _lightest(dense: Floats) -> Floats:
    """Twice each item's lightest weight to another item."""
    n = len(dense)
    lightest = np.full(n, np.inf)
    for i in range(n):
        for j in range(n):
            if j != i:
                lightest[i] = min(lightest[i], 2.0 * dense[i, j])
    return lightest


@njit(cache=True)
def _refresh(
    inst: Instance,
    st: _State,
    start: Ints,
    members: Ints,
    changed: Bools,
    stale: Bools,
    tabu_until: Ints,
    step: int,
    lightest: Floats,
    side: tuple[Floats, Ints],
    swaps: _Swaps,
) -> None:
    """Find anew the best swaps (allowed, and tabu) of each pair of groups a < b that the last
    step changed or where a tabu expired (`stale`).

    A swap of item i of a with item j of b gains u_i + v_j - 2 w_ij, where
    u_i = gain[i, b] - gain[i, a], v_j = gain[j, a] - gain[j, b], and 2 w_ij is at least
    `lightest[i]`. So b's items are taken largest v_j first, and i's scan ends at the first
    whose bound u_i + v_j - lightest[i] falls short of the pair's best so far (b's items that
    may not go to a, which are few, are scanned apart, as tabu swaps have a best of their
    own). On MDGPLIB's RanReal n = 240 most swaps go unread: a step takes 20 µs, not 59
    (benchmarks/steps.py).

    One call per step, and only arrays in the loops: each call of a compiled function, or
    slice of an array, counts references to every array it is given, at a cost that
    outweighed the swaps' own arithmetic. The weights come from the dense matrix, which every
    problem small enough for tabu search has (`mixitup.mdgp`).
    """
    gain, marks, dense, marked_items = st.gain, st.marked_count, inst.dense, inst.marked
    marked_lower, marked_upper = inst.marked_lower, inst.marked_upper
    values, items = side  # b's items and their v_j: those free to go to a first, by v_j
    groups = len(start) - 1
    for a in range(groups):
        for b in range(a + 1, groups):
            if not (changed[a] or changed[b] or stale[a, b]):
                continue
            stale[a, b] = False
            free, count = 0, start[b + 1] - start[b]
            for q in range(start[b], start[b + 1]):
                j = members[q]
                v = gain[j, a] - gain[j, b]
                if tabu_until[j, a] > step:  # at the back, in any order
                    k = count - 1 - (q - start[b] - free)
                else:  # at the front, largest v_j first (insertion sort)
                    k = free
                    while k > 0 and values[k - 1] < v:
                        values[k], items[k] = values[k - 1], items[k - 1]
                        k -= 1
                    free += 1
                values[k], items[k] = v, j
            # May i trade places with an item marked unlike it, when i is marked, or not?
            # (_mixed_swaps's rule, here once per pair of groups rather than per item.)
            mixed_marked = marks[a] > marked_lower[a] and marks[b] < marked_upper[b]
            mixed_unmarked = marks[b] > marked_lower[b] and marks[a] < marked_upper[a]
            # The pair's best so far (-inf: none yet), and how many swaps share it.
            top0, top1, ties0, ties1 = -np.inf, -np.inf, 0, 0
            for p in range(start[a], start[a + 1]):
                i = members[p]
                mixed = mixed_marked if marked_items[i] else mixed_unmarked
                u, floor = gain[i, b] - gain[i, a], lightest[i]
                tabu_from = tabu_until[i, b] > step  # are all of i's swaps with b tabu?
                q = 0
                while q < count:
                    tabu = tabu_from or q >= free
                    reach = u + values[q]  # the swap gains reach - 2 w_ij <= reach - floor
                    j, q = items[q], q + 1
                    if reach - floor < (top1 if tabu else top0) - EPS:
                        q = max(q, free)  # the free items after j gain less: on to the tabu ones
                        continue
                    if marked_items[j] != marked_items[i] and not mixed:
                        continue
                    delta = reach - 2.0 * dense[i, j]
                    if tabu:
                        keep, top1, ties1 = _fold(delta, top1, ties1, 1)
                    else:
                        keep, top0, ties0 = _fold(delta, top0, ties0, 1)
                    if keep:
                        swaps.first[int(tabu), a, b], swaps.second[int(tabu), a, b] = i, j
            swaps.gain[0, a, b], swaps.ties[0, a, b] = top0, ties0
            swaps.gain[1, a, b], swaps.ties[1, a, b] = top1, ties1


@njit(cache=True)
def _fold(delta: float, top: float, ties: int, count: int) -> tuple[bool, float, int]:
    """Fold `count` neighbours gaining `delta` into the best so far, `top`, shared by `ties`:
    whether one of them is now the one kept (ties are broken at random, each neighbour alike,
    so that walks differ), and the new top and ties."""
    if delta < top - EPS:
        return False, top, ties
    if delta > top + EPS:
        return True, delta, count
    return np.random.randint(ties + count) < count, top, ties + count


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
        if best_value >= bound - EPS:
            break
        if r > 0 or kick:
            st = _build(inst, best_group)
            value = best_value
            _perturb(inst, st, strength + np.random.randint(2 * strength))
            value = _value_of(st)
            value += _descent(inst, st, row)
            if value > best_value + EPS:
                best_value = value
                _copy(st.group, best_group)
        if tabu:
            best_value, _ = _tabu(
                inst, st, value, best_group, best_value, patience, longest, tenure, bound
            )
    return best_group, best_value


@njit(cache=True)
def _value_of(st: _State) -> float:
    total = 0.0
    for i in range(len(st.group)):
        total += st.gain[i, st.group[i]]
    return total / 2.0


@njit(cache=True)
def gains(inst: Instance, group: Ints) -> Floats:
    """Each item's summed weight to each group's members (n x G) under `group`."""
    gain: Floats = _build(inst, group).gain
    return gain
