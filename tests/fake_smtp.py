"""A real SMTP server on 127.0.0.1 (aiosmtpd) that requires STARTTLS, under a throwaway
self-signed certificate, and AUTH after it, so smtplib really does both; it keeps each message.

As submission servers on port 587 behave (RFC 6409 with RFC 3207 STARTTLS and RFC 4954 AUTH):
no AUTH before STARTTLS (aiosmtpd's auth_require_tls), no mail before AUTH (auth_required),
535 for a wrong login, and 550 for a recipient it was told to refuse.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

USERNAME = "careers@school.example"
PASSWORD = "sm7p-Pa55w0rd-N0t-T0-Sh0w"


@dataclass
class Received:
    """One message as the server received it: its envelope and its parsed content."""

    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class _Handler:
    refuse: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    tls: list[bool] = field(default_factory=list)  # whether each message came over TLS
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.casefold() in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # Stored as a mailbox stores it: SMTP's CRLF line ends become the local ones.
        content = envelope.content.replace(b"\r\n", b"\n")
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
            self.tls.append(session.ssl is not None)
        return "250 Message accepted for delivery"


class FakeSmtp:
    """The server: `ca_file` is the certificate a client must trust; `received` the messages."""

    def __init__(self, folder: Path) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        cert, key = _self_signed(folder)
        self.ca_file = cert
        server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_context.load_cert_chain(cert, key)
        self.handler = _Handler()
        handler = self.handler

        def authenticate(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> AuthResult:
            ok = isinstance(data, LoginPassword) and (
                data.login.decode(),
                data.password.decode(),
            ) == (USERNAME, PASSWORD)
            if ok:
                with handler.lock:
                    handler.logins.append(data.login.decode())
            return AuthResult(success=ok, handled=False)

        # aiosmtpd logs each command it reads ("mail.log"), AUTH included, and warns about its
        # own deprecated login_data on every login: the far end's noise, kept out of test logs.
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        self.port = _free_port()
        self.controller = Controller(
            handler,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=server_context,
            require_starttls=True,
            authenticator=authenticate,
            auth_required=True,
            auth_require_tls=True,
        )
        self.controller.start()

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def refuse(self, *addresses: str) -> None:
        self.handler.refuse.update(a.casefold() for a in addresses)

    def client_context(self) -> ssl.SSLContext:
        """What a client trusting this server's certificate uses (issued to 127.0.0.1)."""
        return ssl.create_default_context(cafile=self.ca_file)

    def stop(self) -> None:
        self.controller.stop()


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by itself (a CA for itself), and its key, as PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mixitup test SMTP")])
    now = dt.datetime.now(dt.UTC)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp-ca.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _free_port() -> int:
    """A port free now: aiosmtpd's Controller checks it is up by connecting, so port 0 won't do."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
