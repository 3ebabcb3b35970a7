"""The optional sections of `mixitup.toml`: the students' forms ([requests], [feedback]), Zoom's
app ([zoom]), Slack and email ([slack], [email]); each parsed into its settings, secrets never
quoted in a message."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mixitup.config.file import Section
from mixitup.config.settings import (
    SECURITY_PORTS,
    EmailSettings,
    FeedbackTab,
    Form,
    RequestsTab,
    SlackSettings,
    ZoomApp,
)
from mixitup.errors import ConfigError

ZOOM_SECRET_ENV = "MIXITUP_ZOOM_CLIENT_SECRET"  # noqa: S105  (a variable's name, not its value)
# A Google Form's address (the responder's has /d/e/), its id, and a question's entry number.
_FORM_ADDRESS = re.compile(r"docs\.google\.com/forms/(?:u/\d+/)?d/(e/)?([A-Za-z0-9_-]+)")
_FORM_ID = re.compile(r"[A-Za-z0-9_-]{10,}")
_ENTRY = re.compile(r"(?:entry\.)?(\d+)")


def requests_section(section: Section) -> RequestsTab:
    """The [requests] section: every text given, headers and answers each told apart."""
    default = RequestsTab()
    headers = ("timestamp", "email", "request", "session_date", "until")
    answers = ("skip", "pause", "come_back")
    texts = {
        key: section.text(key, getattr(default, key)).strip() for key in ("tab", *headers, *answers)
    }
    _distinct(section, texts, ("tab",))
    _distinct(section, texts, headers)
    _distinct(section, texts, answers)
    return RequestsTab(**texts, form=_form(section))


def feedback_section(section: Section) -> FeedbackTab:
    """The [feedback] section: every text given, headers each told apart."""
    default = FeedbackTab()
    keys = ("tab", "timestamp", "email", "session_date", "met", "useful", "comment")
    texts = {key: section.text(key, getattr(default, key)).strip() for key in keys}
    texts["report_tab"] = section.text("report_tab", default.report_tab).strip()
    _distinct(section, texts, ("tab",))
    _distinct(section, texts, keys[1:])
    if texts["report_tab"].casefold() == texts["tab"].casefold():
        raise ConfigError(
            f"{section.path}: [feedback] report_tab and tab are both {texts['tab']!r}: the "
            "summary would replace the students' answers. Give the summary another title."
        )
    return FeedbackTab(**texts, form=_form(section))


def _distinct(section: Section, texts: Mapping[str, str], keys: tuple[str, ...]) -> None:
    """Each of `keys` is non-empty and differs from the others whatever its case and spacing."""
    seen: dict[str, str] = {}
    for key in keys:
        folded = re.sub(r"[^0-9a-z]", "", texts[key].casefold())
        if not texts[key]:
            raise ConfigError(f"{section.path}: [{section.name}] {key} must not be empty.")
        if folded in seen:
            raise ConfigError(
                f"{section.path}: [{section.name}] {seen[folded]} and {key} are the same text "
                f"({texts[key]!r}), so mixitup cannot tell them apart. Give each its own."
            )
        seen[folded] = key


def _form(section: Section) -> Form:
    """The form id (or its responder address) and entry numbers, for prefilled links."""
    where = f"{section.path}: [{section.name}]"
    given = section.text("form_id", "").strip()
    form_id = given
    address = _FORM_ADDRESS.search(given)
    if address is not None:
        if not address.group(1):
            raise ConfigError(
                f"{where} form_id is the form's editing address. Use the address students "
                "open (in the form, Send, then the link tab: .../forms/d/e/<id>/viewform), or "
                "just the id in it."
            )
        form_id = address.group(2)
    if form_id and not _FORM_ID.fullmatch(form_id):
        raise ConfigError(
            f"{where} form_id must be the id in the address students open "
            f"(docs.google.com/forms/d/e/<id>/viewform), not {given!r}."
        )
    entries = {}
    for key in ("email_entry", "session_date_entry"):
        text = section.text(key, "").strip()
        match = _ENTRY.fullmatch(text)
        if text and match is None:
            raise ConfigError(
                f"{where} {key} must be a question's entry number from a pre-filled link "
                f"(like entry.123456789 or 123456789), not {text!r}."
            )
        entries[key] = match.group(1) if match else ""
    return Form(form_id=form_id, **entries)


def zoom_section(data: Mapping[str, Any], path: Path, env: Mapping[str, str]) -> ZoomApp | None:
    """The [zoom] section, checked; None without one, or with every key left out (as the
    starter file has it). The secret is never quoted."""
    if not data.get("zoom"):
        return None
    section = Section(data, "zoom", path)
    missing = [key for key in ("account_id", "client_id", "meeting_id") if key not in data["zoom"]]
    secret = env.get(ZOOM_SECRET_ENV) or data["zoom"].get("client_secret", "")
    where_secret = ZOOM_SECRET_ENV if env.get(ZOOM_SECRET_ENV) else f"{path}: [zoom] client_secret"
    if not isinstance(secret, str):  # not Section.text: its message would quote the secret
        raise ConfigError(f"{where_secret} must be text in quotes (not shown here: a secret).")
    if not secret.strip():
        missing.append(f"client_secret (or {ZOOM_SECRET_ENV})")
    if missing:
        raise ConfigError(
            f"{path}: [zoom] needs {', '.join(missing)}: copy them from the Server-to-Server "
            "OAuth app's App Credentials page in marketplace.zoom.us (Develop > Build App), and "
            "the meeting ID from the recurring meeting's page in Zoom. Remove [zoom] to keep "
            "uploading and downloading Zoom's CSV files by hand."
        )
    ids = {key: section.text(key, "").strip() for key in ("account_id", "client_id")}
    empty = [key for key, value in ids.items() if not value]
    if empty:
        raise ConfigError(f"{path}: [zoom] {' and '.join(empty)} must not be empty.")
    return ZoomApp(ids["account_id"], ids["client_id"], secret.strip(), _meeting_id(data, path))


def _meeting_id(data: Mapping[str, Any], path: Path) -> int:
    """[zoom] meeting_id: a whole number, or text as Zoom shows it ("812 3456 7890")."""
    value = data["zoom"]["meeting_id"]
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    digits = re.sub(r"[\s-]", "", text) if isinstance(text, str) else ""
    if digits.isascii() and digits.isdigit() and 9 <= len(digits) <= 13:
        return int(digits)
    # A join link may carry the passcode (pwd=...): say what is wrong without echoing it.
    shown = "a join link" if isinstance(value, str) and "/" in value else repr(value)
    raise ConfigError(
        f"{path}: [zoom] meeting_id must be the recurring meeting's ID, 9 to 11 digits like "
        f'81234567890 or "812 3456 7890", not {shown}. Zoom shows it on the meeting\'s page '
        "and in the join link after /j/."
    )


def _secret(value: object, where: str, example: str) -> str:
    """A secret read from the file: text, checked without ever quoting it."""
    if not isinstance(value, str):  # not Section.text: its message would quote the secret
        raise ConfigError(f'{where} must be text in quotes, like "{example}".')
    return value.strip()


def _ca_file(env: Mapping[str, str]) -> Path | None:
    """SSL_CERT_FILE: the CA bundle to trust (a school whose proxy inspects HTTPS sets it)."""
    value = env.get("SSL_CERT_FILE", "").strip()
    return Path(value).expanduser() if value else None


def slack_section(
    data: Mapping[str, Any], path: Path, env: Mapping[str, str], *, secrets: bool = True
) -> SlackSettings | None:
    """[slack], with MIXITUP_SLACK_TOKEN winning over the file's token; None when neither.
    Without `secrets`, a missing token is "" (for a command that sends nothing)."""
    section = Section(data, "slack", path)
    from_env = env.get("MIXITUP_SLACK_TOKEN", "").strip()
    if not from_env and not data.get("slack"):  # absent, or a header with every key commented
        return None
    where = "MIXITUP_SLACK_TOKEN" if from_env else f"{path}: [slack] token"
    token = from_env or _secret(section.values.get("token", ""), where, "xoxb-...")
    if not token and secrets:
        raise ConfigError(
            f"{path}: [slack] needs token, the app's Bot User OAuth Token (xoxb-...), or set "
            "MIXITUP_SLACK_TOKEN. Without it, remove [slack]. docs/messages.md says how to get one."
        )
    if token and not token.startswith("xox"):
        raise ConfigError(
            f"{where} is not a Slack token (they start with xoxb-; not shown here: it is a "
            "secret). Copy the Bot User OAuth Token from the app's OAuth & Permissions page."
        )
    remind = section.integer("remind_minutes", 15)
    if remind < 0:
        raise ConfigError(f"{path}: [slack] remind_minutes must be 0 (no reminder) or more.")
    return SlackSettings(token, remind, _proxy(env), _ca_file(env))


def _proxy(env: Mapping[str, str]) -> str:
    """The HTTPS proxy to reach Slack through, as curl and requests read it; "" for none."""
    names = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")
    return next((env[n].strip() for n in names if env.get(n, "").strip()), "")


def email_section(
    data: Mapping[str, Any], path: Path, env: Mapping[str, str], *, secrets: bool = True
) -> EmailSettings | None:
    """[email], with MIXITUP_SMTP_PASSWORD winning over the file's password; None without it.
    Without `secrets`, a missing password is allowed (for a command that sends nothing)."""
    if not data.get("email"):  # absent, or a header with every key commented
        return None
    section = Section(data, "email", path)
    host = section.text("host", "").strip()
    sender = section.text("sender", "").strip()
    if not host or "@" not in sender:
        raise ConfigError(
            f'{path}: [email] needs host (the SMTP server, e.g. "smtp.school.example") and '
            'sender (the address emails come from, e.g. "careers@school.example").'
        )
    security = section.text("security", "starttls").strip().lower()
    if security not in SECURITY_PORTS:
        raise ConfigError(
            f'{path}: [email] security must be "starttls" (the default, port 587), "ssl" '
            f'(TLS from the start, port 465) or "none" (a relay on this network), not {security!r}.'
        )
    port = section.integer("port", SECURITY_PORTS[security])
    if not 0 < port < 65536:
        raise ConfigError(f"{path}: [email] port must be a port number like 587, not {port}.")
    username = section.text("username", "").strip()
    from_env = env.get("MIXITUP_SMTP_PASSWORD", "")
    where = "MIXITUP_SMTP_PASSWORD" if from_env else f"{path}: [email] password"
    password = from_env or _secret(section.values.get("password", ""), where, "...")
    if password and not username:
        raise ConfigError(
            f"{where} is set but [email] username is not: set the user name the SMTP server "
            f"knows in {path}."
        )
    if username and not password and secrets:
        raise ConfigError(
            f"{path}: [email] username is set but no password: set MIXITUP_SMTP_PASSWORD (or "
            "[email] password, keeping the file private)."
        )
    if username and security == "none":
        raise ConfigError(
            f'{path}: [email] security = "none" would send the password unencrypted. Use '
            '"starttls" or "ssl", or a relay that needs no login.'
        )
    return EmailSettings(
        host=host,
        sender=sender,
        port=port,
        username=username,
        password=password,
        security=security,  # type: ignore[arg-type]  # checked just above
        ca_file=_ca_file(env),
    )
