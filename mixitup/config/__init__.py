"""Config: one frozen value built once from flags, environment, `mixitup.toml` and defaults.

Precedence is flag, then environment (`MIXITUP_*`, `GOOGLE_APPLICATION_CREDENTIALS`,
`HTTPS_PROXY`, `SSL_CERT_FILE`), then file, then default. Only this package reads the
environment or a configuration file: `settings` (what the settings are), `file` (reading the
TOML), `sections` (the optional sections), `loading` (putting it together). Secrets never
appear in a message or a repr.
"""

from mixitup.config.file import KNOWN_KEYS
from mixitup.config.loading import load_config
from mixitup.config.sections import ZOOM_SECRET_ENV
from mixitup.config.settings import (
    DEFAULT_CONFIG,
    DEFAULT_EXCLUDED,
    DEFAULT_MINUTES,
    DEFAULT_MODULES,
    DEFAULT_TEAM,
    SECURITY_PORTS,
    WEEKDAYS,
    Calendar,
    Config,
    EmailSettings,
    FeedbackTab,
    Form,
    RequestsTab,
    SlackSettings,
    Students,
    ZoomApp,
    login_file,
)

__all__ = [
    "DEFAULT_CONFIG",
    "DEFAULT_EXCLUDED",
    "DEFAULT_MINUTES",
    "DEFAULT_MODULES",
    "DEFAULT_TEAM",
    "KNOWN_KEYS",
    "SECURITY_PORTS",
    "WEEKDAYS",
    "ZOOM_SECRET_ENV",
    "Calendar",
    "Config",
    "EmailSettings",
    "FeedbackTab",
    "Form",
    "RequestsTab",
    "SlackSettings",
    "Students",
    "ZoomApp",
    "load_config",
    "login_file",
]
