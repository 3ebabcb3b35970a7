"""Emails each group through the standard library's `smtplib`: one email per group to its
members, over one connection per run, STARTTLS (or TLS from the start) and a login when a
username is set. A recipient the server refuses is listed for staff, never fatal. The password
is never logged or shown: smtplib's debug output stays off and no message quotes it.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, localtime, make_msgid

from mixitup.config import EmailSettings
from mixitup.messages import Details, group_text
from mixitup.outbox import Delivery, Outgoing

log = logging.getLogger(__name__)

TIMEOUT = 30.0  # seconds for each exchange with the server


def send(
    settings: EmailSettings,
    outgoing: Sequence[Outgoing],
    details: Details,
    *,
    context: ssl.SSLContext | None = None,
    timeout: float = TIMEOUT,
) -> tuple[Delivery, ...]:
    """Email each of `outgoing` (channel "email") to its group's members.

    `context` is the TLS context to trust the server with (default: the system's CAs, or
    SSL_CERT_FILE's). Returns one Delivery per Outgoing, in order; never raises for the
    server's or the network's failures.
    """
    results: dict[int, Delivery] = {}
    ready: list[tuple[int, Outgoing, EmailMessage, tuple[str, ...]]] = []
    for index, out in enumerate(outgoing):
        message, missing = _message(settings, out, details)
        if message is None:
            results[index] = Delivery(
                out, False, "nobody in the group has an email address", missing
            )
        else:
            ready.append((index, out, message, missing))
    server: smtplib.SMTP | None = None
    stopped = ""
    for index, out, message, missing in ready:
        if server is None and not stopped:
            try:
                server = _connect(settings, context, timeout)
            except _Refused as error:
                stopped = str(error)
            except (smtplib.SMTPException, OSError) as error:  # ssl.SSLError is an OSError
                stopped = (
                    f"could not reach the mail server {settings.host}:{settings.port} ({error}); "
                    "check [email] host, port and security, and SSL_CERT_FILE"
                )
            if stopped:
                log.warning("email: stopped sending: %s", stopped)
        if server is None:
            results[index] = Delivery(out, False, stopped, missing)
            continue
        try:
            refused = server.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            everyone = "; ".join(_refused(error.recipients, out))
            results[index] = Delivery(
                out, False, f"the mail server refused every recipient: {everyone}", missing
            )
        except smtplib.SMTPSenderRefused as error:
            results[index] = Delivery(
                out,
                False,
                f"the mail server refused the sender {settings.sender} ({_said(error)}): check "
                "[email] sender",
                missing,
            )
        except smtplib.SMTPResponseException as error:
            results[index] = Delivery(out, False, f"the mail server said {_said(error)}", missing)
        except (smtplib.SMTPException, OSError) as error:  # hung up, timed out: connect again
            server.close()
            server = None
            results[index] = Delivery(out, False, f"the mail server failed ({error})", missing)
        else:
            missing += tuple(_refused(refused, out))
            results[index] = Delivery(out, True, missing=missing, reference=message["Message-ID"])
            log.info(
                "email: told %s group %d (%s): %d recipients",
                out.session,
                out.group,
                out.kind,
                len(message["To"].addresses) - len(refused),
            )
    if server is not None:
        try:
            server.quit()
        except (smtplib.SMTPException, OSError):
            server.close()
    return tuple(results[index] for index in range(len(outgoing)))


class _Refused(Exception):  # noqa: N818  # not an error of ours: the server's answer
    """The server cannot be used this run (no TLS, login refused): one reason for every group."""


def _connect(
    settings: EmailSettings, context: ssl.SSLContext | None, timeout: float
) -> smtplib.SMTP:
    context = context or ssl.create_default_context(cafile=settings.ca_file)
    where = f"{settings.host}:{settings.port}"
    server: smtplib.SMTP
    if settings.security == "ssl":
        server = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
    else:
        server = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    try:
        if settings.security == "starttls":
            try:
                server.starttls(context=context)
            except smtplib.SMTPNotSupportedError:
                raise _Refused(
                    f"the mail server {where} does not offer STARTTLS: set [email] security = "
                    '"ssl" if it takes TLS from the start (port 465), or ask for its TLS port'
                ) from None
        if settings.username:
            try:
                server.login(settings.username, settings.password)
            except smtplib.SMTPAuthenticationError as error:
                raise _Refused(
                    f"the mail server {where} refused the login of {settings.username} "
                    f"({_said(error)}): check [email] username and MIXITUP_SMTP_PASSWORD"
                ) from None
            except smtplib.SMTPNotSupportedError:
                raise _Refused(
                    f"the mail server {where} offers no login: remove [email] username"
                ) from None
    except BaseException:
        server.close()
        raise
    log.debug("email: connected to %s (%s)", where, settings.security)
    return server


def _message(
    settings: EmailSettings, out: Outgoing, details: Details
) -> tuple[EmailMessage | None, tuple[str, ...]]:
    """The email to `out`'s group, and who it cannot reach; None when it reaches nobody."""
    to: list[Address] = []
    missing: list[str] = []
    for member in out.members:
        if not member.email:
            missing.append(f"{member.name} (no email on the roster)")
            continue
        try:
            to.append(Address(display_name=member.name, addr_spec=member.email.strip()))
        except (ValueError, IndexError):  # the email header parser's errors are ValueErrors
            missing.append(f"{member.name} (not an email address: {member.email})")
    if not to:
        return None, tuple(missing)
    text = group_text(details, out.group, out.members, out.update, "plain")
    message = EmailMessage()
    message["Subject"] = text.subject
    message["From"] = Address(display_name=details.team, addr_spec=settings.sender)
    message["To"] = to
    message["Date"] = format_datetime(localtime())
    domain = settings.sender.rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    if out.previous:  # a follow-up threads under the group's last email
        message["In-Reply-To"] = out.previous
        message["References"] = out.previous
    message.set_content(text.body)
    return message, tuple(missing)


def _refused(recipients: dict[str, tuple[int, bytes]], out: Outgoing) -> list[str]:
    """`Name (the mail server refused address: 550 ...)` for each refused address."""
    names = {m.email.strip().casefold(): m.name for m in out.members}
    return [
        f"{names.get(address.casefold(), address)} (the mail server refused {address}: "
        f"{code} {_text(said)})"
        for address, (code, said) in recipients.items()
    ]


def _said(error: smtplib.SMTPResponseException) -> str:
    return f"{error.smtp_code} {_text(error.smtp_error)}"


def _text(said: bytes | str) -> str:
    text = said.decode("utf-8", "replace") if isinstance(said, bytes) else said
    return " ".join(text.split())[:200]
