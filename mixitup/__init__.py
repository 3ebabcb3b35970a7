"""mixitup: publish Mix It Up groups that mix modules and programs and never repeat a pairing."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mixitup.config import Config, load_config
from mixitup.errors import MixitupError
from mixitup.models import Session

if TYPE_CHECKING:
    from mixitup import pipeline
    from mixitup.backends import open_backend, open_students_backend
    from mixitup.pipeline import run

__version__ = "0.1.0"
__all__ = [
    "Config",
    "MixitupError",
    "Session",
    "__version__",
    "load_config",
    "open_backend",
    "open_students_backend",
    "pipeline",
    "run",
]

# Loaded on first use (PEP 562): the pipeline imports numba, numpy and openpyxl, which
# `mixitup --help` and `import mixitup` need not pay for.
_LAZY = {"pipeline": ("mixitup.pipeline", None), "run": ("mixitup.pipeline", "run")}
_LAZY["open_backend"] = ("mixitup.backends", "open_backend")
_LAZY["open_students_backend"] = ("mixitup.backends", "open_students_backend")


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'mixitup' has no attribute {name!r}")
    module, attribute = _LAZY[name]
    loaded = importlib.import_module(module)
    return loaded if attribute is None else getattr(loaded, attribute)
