"""The MDGP kernels built ahead of time into the extension module `mixitup._kernels_aot`, by
numba.pycc at install time (setup.py), so that a run neither imports numba nor compiles. Only
the build imports this module; `mixitup.mdgp` uses what it built.

The exported functions take an `Instance` as its 13 arrays, C-contiguous, and call the very
kernels the JIT path compiles, with the same argument types, so both give the same groups.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from mixitup import kernels
from mixitup.instance import Floats, Instance, Ints
from mixitup.mdgp import AOT_MODULE, source_hash

# An Instance's fields, in order (see mixitup.mdgp.Instance).
_INSTANCE = (
    "i8[::1], i8[::1], i8[::1], i8[::1], f8[::1], i8[:, ::1], f8[::1], i8[::1], i8[::1], "
    "b1[::1], i8[::1], i8[::1], f8[:, ::1]"
)


def compiler(folder: Path | None = None) -> Any:
    """A numba.pycc `CC` exporting the kernels (its `distutils_extension()` is for setup.py)."""
    pycc: Any = importlib.import_module("numba.pycc")  # untyped, and deprecated since numba 0.57
    cc = pycc.CC(AOT_MODULE, source_module=__name__)
    if folder is not None:
        cc.output_dir = str(folder)
    fingerprint = source_hash()

    @cc.export("source_hash", "i8()")  # type: ignore[untyped-decorator]
    def _source_hash() -> int:
        return fingerprint

    @cc.export("construct", f"i8[::1]({_INSTANCE}, i8, i8[::1])")  # type: ignore[untyped-decorator]
    def _construct(
        lower: Ints, upper: Ints, indptr: Ints, indices: Ints, weights: Floats, labels: Ints,
        label_weight: Floats, label_ptr: Ints, label_items: Ints, marked: Any,
        marked_lower: Ints, marked_upper: Ints, dense: Floats,
        seed: int, sizes: Ints,
    ) -> Ints:  # fmt: skip
        inst = Instance(
            lower, upper, indptr, indices, weights, labels, label_weight, label_ptr,
            label_items, marked, marked_lower, marked_upper, dense,
        )  # fmt: skip
        result: Ints = kernels.construct(inst, seed, sizes)
        return result

    @cc.export(  # type: ignore[untyped-decorator]
        "search", f"Tuple((i8[::1], f8))({_INSTANCE}, i8[::1], i8, i8, b1, b1, f8, f8, f8, f8, f8)"
    )
    def _search(
        lower: Ints, upper: Ints, indptr: Ints, indices: Ints, weights: Floats, labels: Ints,
        label_weight: Floats, label_ptr: Ints, label_items: Ints, marked: Any,
        marked_lower: Ints, marked_upper: Ints, dense: Floats,
        start: Ints, seed: int, rounds: int, kick: bool, tabu: bool, bound: float,
        tenure: float, patience: float, strength: float, walk: float,
    ) -> tuple[Ints, float]:  # fmt: skip
        inst = Instance(
            lower, upper, indptr, indices, weights, labels, label_weight, label_ptr,
            label_items, marked, marked_lower, marked_upper, dense,
        )  # fmt: skip
        knobs = (tenure, patience, strength, walk)
        result: tuple[Ints, float] = kernels.search(
            inst, start, seed, rounds, kick, tabu, bound, knobs
        )
        return result

    @cc.export("gains", f"f8[:, ::1]({_INSTANCE}, i8[::1])")  # type: ignore[untyped-decorator]
    def _gains(
        lower: Ints, upper: Ints, indptr: Ints, indices: Ints, weights: Floats, labels: Ints,
        label_weight: Floats, label_ptr: Ints, label_items: Ints, marked: Any,
        marked_lower: Ints, marked_upper: Ints, dense: Floats, group: Ints,
    ) -> Floats:  # fmt: skip
        inst = Instance(
            lower, upper, indptr, indices, weights, labels, label_weight, label_ptr,
            label_items, marked, marked_lower, marked_upper, dense,
        )  # fmt: skip
        result: Floats = kernels.gains(inst, group)
        return result

    return cc
