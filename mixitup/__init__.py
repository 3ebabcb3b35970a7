"""mixitup: publish Mix It Up groups that mix modules and programs and never repeat a pairing."""

from mixitup.config import Config, load_config
from mixitup.errors import MixitupError

__version__ = "0.1.0"
__all__ = ["Config", "MixitupError", "__version__", "load_config"]
