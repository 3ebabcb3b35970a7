"""mixitup: publish Mix It Up groups that mix modules and programs and never repeat a pairing."""

from mixitup import pipeline
from mixitup.backends import open_backend, open_students_backend
from mixitup.config import Config, load_config
from mixitup.errors import MixitupError
from mixitup.models import Session
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
