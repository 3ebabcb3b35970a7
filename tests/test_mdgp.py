"""The MDGP core: exact optima on small MDGPLIB instances, bounds always kept, determinism."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mixitup.mdgp import Problem, solve, value

DATA = Path(__file__).parent / "data" / "mdgp"
OPTIMA = {
    row["instance"]: float(row["optimum"])
    for row in csv.DictReader((DATA / "optima.csv").open(encoding="utf-8"))
}


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_finds_the_proven_optimum_of_small_instances(name: str) -> None:
    problem = Problem.parse((DATA / f"{name}.txt").read_text())
    solution = solve(problem, seed=1, rounds=30)
    assert solution.value == pytest.approx(OPTIMA[name], abs=1e-3)
    sizes = np.bincount(solution.groups, minlength=problem.groups)
    assert (problem.lower <= sizes).all()
    assert (sizes <= problem.upper).all()


def test_stops_at_a_known_bound() -> None:
    """With every weight 1 and one group, any grouping is optimal: the bound ends the search."""
    problem = Problem.dense(np.ones((6, 6)), np.array([6]), np.array([6]))
    solution = solve(problem, rounds=10**9, bound=15.0)
    assert solution.optimal
    assert solution.value == 15.0


def test_same_seed_same_groups() -> None:
    problem = Problem.parse((DATA / "RanReal_n012_ds_01.txt").read_text())
    first = solve(problem, seed=7, rounds=3)
    again = solve(problem, seed=7, rounds=3)
    assert (first.groups == again.groups).all()


def test_impossible_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot fill"):
        Problem.dense(np.zeros((5, 5)), np.array([3, 3]), np.array([3, 3])).instance()


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 30),
    groups=st.integers(1, 6),
    marked_share=st.floats(0, 1),
    labelled=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_every_bound_holds_and_value_is_exact(
    n: int, groups: int, marked_share: float, labelled: bool, seed: int
) -> None:
    """Sizes stay within bounds, marked items meet their per-group bounds, and the reported
    value equals the objective recomputed from scratch (explicit weights plus labels)."""
    groups = min(groups, n)
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=(n, n))
    small, extra = divmod(n, groups)
    lower = np.full(groups, small - (extra == 0 and small > 1))
    upper = np.full(groups, small + 1)
    marked = rng.random(n) < marked_share
    enough = marked.sum() >= groups
    labels = rng.integers(0, 3, size=(n, 1)) if labelled else None
    problem = Problem(
        n,
        lower,
        upper,
        Problem.dense(weights, lower, upper).pairs,
        labels,
        np.array([-1.0, 2.0, 0.5]) if labelled else None,
        marked,
        np.full(groups, int(enough)),
        np.full(groups, n if enough else 1),
    )
    solution = solve(problem, seed=seed, rounds=2)
    sizes = np.bincount(solution.groups, minlength=groups)
    assert ((lower <= sizes) & (sizes <= upper)).all()
    marks = np.bincount(solution.groups[marked], minlength=groups)
    assert (marks >= 1).all() if enough else (marks <= 1).all()
    same = solution.groups[:, None] == solution.groups[None, :]
    expected = np.triu(weights, 1)[same].sum()
    if labels is not None:
        shared = (labels == labels.T) & np.triu(same, 1)
        expected += np.array([-1.0, 2.0, 0.5])[labels[:, 0]][:, None].repeat(n, 1)[shared].sum()
    assert solution.value == pytest.approx(expected)
    assert value(problem, solution.groups) == pytest.approx(expected)
