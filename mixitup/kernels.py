"""The MDGP search's compiled loops (numba): a random first grouping, and iterated tabu search
over move and swap neighbourhoods. `mixitup.mdgp` calls them, through the module built from them
ahead of time at install time (`mixitup.aot`) when there is one, else compiled here on first use.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from mixitup.mdgp import _EPS, Bools, Floats, Instance, Ints


class _State(NamedTuple):
    group: Ints  # (n,) each item's group
    size: Ints  # (G,)
    marked_count: Ints  # (G,)
    gain: Floats  # (n, G) sum of weights from each item to each group's other members


class _Swaps(NamedTuple):
    """The best swap between each pair of groups a < b: [0, a, b] among the swaps allowed,
    [1, a, b] among the tabu ones. `ties` counts the swaps that share the best gain (0: none
    yet), of which one at random is `first` (an item of a or b) with `second`."""

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
    changed = np.ones(groups, np.bool_)  # groups changed by the last step: their swaps are new
    # Tabu entries by the step they expire at (a ring of buckets): item, group.
    span = 2 * tenure + 1
    expiring = np.zeros((span, 4 * tenure + 2, 2), np.int64)
    expiring_count = np.zeros(span, np.int64)
    step, since = 0, 0
    while since < patience and step < longest and best_value < bound - _EPS:
        step += 1
        since += 1
        bucket = step % span
        for e in range(expiring_count[bucket]):
            k, g = expiring[bucket, e, 0], expiring[bucket, e, 1]
            if tabu_until[k, g] == step and group[k] != g:
                stale[min(group[k], g), max(group[k], g)] = True
        expiring_count[bucket] = 0
        _members(group, start, members)
        # The best swaps of the pairs of groups that the last step changed, found anew.
        for a in range(groups):
            for b in range(groups if changed[a] else 0):
                swaps.ties[:, min(a, b), max(a, b)] = 0
        for a in range(groups):
            for p in range(start[a], start[a + 1] if changed[a] else 0):
                _swaps_of(inst, st, row, members[p], -1, changed, start, members, tabu_until,
                          step, swaps)  # fmt: skip
        for a in range(groups):
            for b in range(a + 1, groups):
                if stale[a, b] and not (changed[a] or changed[b]):
                    swaps.ties[:, a, b] = 0
                    for p in range(start[a], start[a + 1]):
                        _swaps_of(inst, st, row, members[p], b, changed, start, members,
                                  tabu_until, step, swaps)  # fmt: skip
                stale[a, b] = False
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
                if tabu_until[i, b] > step and value + delta <= best_value + _EPS:
                    continue
                if delta > best + _EPS:
                    best, ties, mover, target, partner = delta, 1, i, b, -1
                elif delta > best - _EPS:
                    ties += 1  # break ties at random, so walks differ
                    if np.random.randint(ties) == 0:
                        mover, target, partner = i, b, -1
        for a in range(groups):
            for b in range(a + 1, groups):
                for kind in range(2):
                    delta, count = swaps.gain[kind, a, b], swaps.ties[kind, a, b]
                    if count == 0 or (kind == 1 and value + delta <= best_value + _EPS):
                        continue
                    if delta > best + _EPS:
                        ties = count
                    elif delta > best - _EPS:
                        ties += count
                        if np.random.randint(ties) >= count:
                            continue
                    else:
                        continue
                    best = max(best, delta)
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
        if value > best_value + _EPS:
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
def _swaps_of(
    inst: Instance,
    st: _State,
    row: Floats,
    i: int,
    only: int,
    changed: Bools,
    start: Ints,
    members: Ints,
    tabu_until: Ints,
    step: int,
    swaps: _Swaps,
) -> None:
    """Fold item i's swaps with the items of group `only` (-1: of every other group, but of a
    changed group before i's, whose items fold these swaps in themselves) into `swaps`."""
    gain, marks, group = st.gain, st.marked_count, st.group
    a = group[i]
    weights = _row(inst, row, i)
    marked = inst.marked[i]
    for b in range(len(start) - 1) if only < 0 else range(only, only + 1):
        if b == a or (only < 0 and changed[b] and b < a):
            continue
        # May i trade places with an item of b marked unlike it? (_mixed_swaps's rule, written
        # out: as a call it cost a fifth of each step, measured on the demo and on MDGPLIB.)
        if marked:
            mixed = marks[a] > inst.marked_lower[a] and marks[b] < inst.marked_upper[b]
        else:
            mixed = marks[b] > inst.marked_lower[b] and marks[a] < inst.marked_upper[a]
        move = gain[i, b] - gain[i, a]
        low, high = min(a, b), max(a, b)
        tabu_from = tabu_until[i, b] > step
        # The pair's best so far, in locals for the loop: -inf when it has none yet.
        ties0, ties1 = swaps.ties[0, low, high], swaps.ties[1, low, high]
        top0 = swaps.gain[0, low, high] if ties0 else -np.inf
        top1 = swaps.gain[1, low, high] if ties1 else -np.inf
        for q in range(start[b], start[b + 1]):
            j = members[q]
            if inst.marked[j] != marked and not mixed:
                continue
            delta = move + gain[j, a] - gain[j, b] - 2.0 * _pair_weight(inst, weights, i, j)
            if tabu_from or tabu_until[j, a] > step:
                if delta < top1 - _EPS:
                    continue
                if delta > top1 + _EPS:
                    top1, ties1 = delta, 1
                else:
                    ties1 += 1
                    if np.random.randint(ties1) != 0:  # break ties at random, so walks differ
                        continue
                swaps.first[1, low, high], swaps.second[1, low, high] = i, j
            else:
                if delta < top0 - _EPS:
                    continue
                if delta > top0 + _EPS:
                    top0, ties0 = delta, 1
                else:
                    ties0 += 1
                    if np.random.randint(ties0) != 0:
                        continue
                swaps.first[0, low, high], swaps.second[0, low, high] = i, j
        swaps.gain[0, low, high], swaps.ties[0, low, high] = top0, ties0
        swaps.gain[1, low, high], swaps.ties[1, low, high] = top1, ties1
    _clear(inst, row, i)


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


@njit(cache=True)
def gains(inst: Instance, group: Ints) -> Floats:
    """Each item's summed weight to each group's members (n x G) under `group`."""
    gain: Floats = _build(inst, group).gain
    return gain
