"""The kernels built ahead of time at install (mixitup/aot.py, setup.py) give exactly the groups
numba's JIT compiles to, for every kind of instance (tests/test_imports.py: a run with them never
imports numba)."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from mixitup.mdgp import AOT_MODULE, Kernels, Problem, load_kernels, source_hash

DATA = Path(__file__).parent / "data" / "mdgp"
KNOBS = (0.05, 40.0, 0.2, 20.0)


@pytest.fixture(scope="module")
def built() -> ModuleType:
    """The module built ahead of time; `pip install -e .` (as `make test` runs it) builds it."""
    try:
        module = importlib.import_module(f"mixitup.{AOT_MODULE}")
    except ImportError:
        pytest.skip("the kernels were not built ahead of time (no C compiler at install?)")
    assert module.source_hash() == source_hash(), (
        "mixitup/_kernels_aot*.so was built from other source: run `pip install -e .` again"
    )
    return module


def labelled(n: int, groups: int, seed: int) -> Problem:
    """Explicit weights, two label features and marked items with per-group bounds: every
    branch the kernels have (for n beyond 3,000 they keep no dense copy of the weights)."""
    rng = np.random.default_rng(seed)
    pairs = rng.integers(0, n, size=(2, 6 * n))
    small, extra = divmod(n, groups)
    return Problem(
        n,
        np.full(groups, small - 1),
        np.full(groups, small + (extra > 0) + 1),
        (pairs[0], pairs[1], rng.normal(size=6 * n)),
        rng.integers(0, 6, size=(n, 2)) + np.array([0, 6]),
        -rng.random(12),
        rng.random(n) < 0.3,
        np.ones(groups, np.int64),
        np.full(groups, small),
    )


PROBLEMS = {
    **{p.stem: Problem.parse(p.read_text()) for p in sorted(DATA.glob("*.txt"))},
    "labelled_90": labelled(90, 15, 1),
    "labelled_3100_sparse": labelled(3100, 100, 2),
}


@pytest.mark.usefixtures("built")
@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_built_and_jit_kernels_give_identical_groups(name: str) -> None:
    aot, jit = load_kernels(), load_kernels(jit=True)
    assert aot.ahead_of_time
    assert not jit.ahead_of_time
    inst = PROBLEMS[name].instance()
    tabu = PROBLEMS[name].n < 1000
    for seed in (1, 2):
        start: list[np.ndarray] = []
        for kernels in (aot, jit):
            group = kernels.construct(inst, seed, inst.upper)
            start.append(group)
        assert (start[0] == start[1]).all()
        found = [_search(k, inst, start[0], seed, tabu) for k in (aot, jit)]
        assert (found[0][0] == found[1][0]).all()
        assert found[0][1] == found[1][1]  # the same value to the last bit
        assert (aot.gains(inst, found[0][0]) == jit.gains(inst, found[0][0])).all()


def _search(
    kernels: Kernels, inst: object, start: np.ndarray, seed: int, tabu: bool
) -> tuple[np.ndarray, float]:
    return kernels.search(inst, start, seed, 2, True, tabu, np.inf, KNOBS)  # type: ignore[arg-type]
