"""The optional parts of mixitup (pip extras), and the one message a command missing one gives.

The core runs the local workbooks with no extra. Google Sheets, `mixitup login`, `mixitup
report` and Slack messages each need their own extra; `make demo`, `make test` and `make
install` install them all.
"""

from __future__ import annotations

import importlib

from mixitup.errors import ConfigError

EXTRAS = {
    "google": ("google.auth", 'Google Sheets ([spreadsheet] backend = "google")'),
    "login": ("google_auth_oauthlib", "`mixitup login`"),
    "report": ("pandas", "`mixitup report`"),
    "slack": ("slack_sdk", "messages in Slack ([slack])"),
}


def need(extra: str) -> None:
    """Raise ConfigError (exit 2) saying which `pip install` adds `extra` when it is missing."""
    module, what = EXTRAS[extra]
    try:
        importlib.import_module(module)
    except ImportError:
        raise ConfigError(
            f"{what} needs the {extra!r} extra, which this install of mixitup lacks. Install "
            f"it: pip install 'mixitup[{extra}]' (from a clone of mixitup: make install, which "
            "installs every extra). Nothing was written."
        ) from None
