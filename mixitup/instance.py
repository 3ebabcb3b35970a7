"""An MDGP instance as the flat arrays the grouping kernels read, and the array types they use.

Below both `mixitup.mdgp` (which builds instances and runs the search) and `mixitup.kernels`
(the compiled loops), so neither imports the other's types.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

EPS = 1e-7  # weights are sums of reals: ignore gains below rounding noise


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
