"""The tabu search's best swap between each pair of groups, found with bounds that skip most
swaps unread (`mixitup.kernels._refresh`), is the best a scan of every swap finds."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mixitup import kernels
from mixitup.mdgp import Problem


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 40),
    groups=st.integers(2, 6),
    spread=st.sampled_from([1, 3, 100]),
    marked_share=st.floats(0, 1),
    tabu_share=st.floats(0, 0.5),
    seed=st.integers(0, 2**16),
)
def test_each_pair_of_groups_keeps_its_best_swap(
    n: int, groups: int, spread: int, marked_share: float, tabu_share: float, seed: int
) -> None:
    """Whole weights, some equal (spread 1: every swap ties), some negative; marked items with
    per-group bounds; some returns tabu: the best gain and how many swaps share it, allowed and
    tabu, and the swap kept is one of those."""
    groups = min(groups, n)
    rng = np.random.default_rng(seed)
    weights = rng.integers(-spread, spread + 1, size=(n, n)).astype(float)
    group = rng.permutation(np.arange(n) % groups)
    marked = rng.random(n) < marked_share
    marks = np.bincount(group[marked], minlength=groups)
    problem = Problem(
        n,
        np.zeros(groups, np.int64),
        np.full(groups, n),
        Problem.dense(weights, np.ones(1), np.ones(1)).pairs,
        marked=marked,
        marked_lower=np.maximum(marks - rng.integers(0, 2, groups), 0),
        marked_upper=marks + rng.integers(0, 2, groups),
    )
    inst = problem.instance()
    state = kernels._build(inst, group)
    step = 5
    tabu_until = np.where(rng.random((n, groups)) < tabu_share, step + 1, 0)
    start, members = np.zeros(groups + 1, np.int64), np.zeros(n, np.int64)
    kernels._members(group, start, members)
    swaps = kernels._Swaps(
        np.zeros((2, groups, groups)),
        *(np.zeros((2, groups, groups), np.int64) for _ in range(3)),
    )
    changed = np.zeros(groups, np.bool_)
    changed[rng.integers(groups)] = True
    stale = np.triu(rng.random((groups, groups)) < 0.5, 1)
    due = changed[:, None] | changed[None, :] | stale
    kernels._refresh(
        inst, state, start, members, changed, stale, tabu_until, step,
        kernels._lightest(inst.dense), (np.zeros(n), np.zeros(n, np.int64)), swaps,
    )  # fmt: skip
    assert not stale.any()

    gain, dense = state.gain, inst.dense
    for a in range(groups):
        for b in range(a + 1, groups):
            if not due[a, b]:
                assert (swaps.ties[:, a, b] == 0).all()  # untouched
                continue
            found: dict[int, list[tuple[float, int, int]]] = {0: [], 1: []}
            for i in np.flatnonzero(group == a):
                for j in np.flatnonzero(group == b):
                    if marked[i] != marked[j]:
                        if marked[i] and not (
                            marks[a] > inst.marked_lower[a] and marks[b] < inst.marked_upper[b]
                        ):
                            continue
                        if marked[j] and not (
                            marks[b] > inst.marked_lower[b] and marks[a] < inst.marked_upper[a]
                        ):
                            continue
                    delta = gain[i, b] - gain[i, a] + gain[j, a] - gain[j, b] - 2 * dense[i, j]
                    tabu = tabu_until[i, b] > step or tabu_until[j, a] > step
                    found[int(tabu)].append((delta, i, j))
            for kind, options in found.items():
                best = max((d for d, _, _ in options), default=None)
                assert swaps.ties[kind, a, b] == sum(d == best for d, _, _ in options)
                if best is not None:
                    assert swaps.gain[kind, a, b] == best
                    kept = (swaps.first[kind, a, b], swaps.second[kind, a, b])
                    assert (best, *kept) in options
