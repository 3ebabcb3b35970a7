"""A real incoming-webhook receiver on 127.0.0.1, and an HTTPS proxy that tunnels to it.

`Receiver` records each POST's JSON body and answers with the statuses it is told to
(200 once they run out). With `tls=True` it serves HTTPS under a throwaway certificate for
`HOST`, written to `ca_file` for REQUESTS_CA_BUNDLE. `Proxy` answers CONNECT like a
school's proxy and tunnels every connection to one receiver, whatever host was asked for.
"""

from __future__ import annotations

import datetime as dt
import json
import select
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOST = "hooks.example.test"
SECRET_PATH = "/services/T0SCHOOL/B0MIXITUP/s3cr3tW3bh00kT0k3n"


class Receiver:
    """A webhook on 127.0.0.1 that stores what it receives."""

    def __init__(self, statuses: tuple[int, ...] = (), tls_dir: Path | None = None) -> None:
        self.statuses = list(statuses)
        self.retry_after: str | None = None  # sent with every answer but a 200, when set
        self.received: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"null")
                with receiver.lock:
                    receiver.received.append(body)
                    receiver.paths.append(self.path)
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = b"ok" if status == 200 else b"error"
                self.send_response(status)
                if status != 200 and receiver.retry_after is not None:
                    self.send_header("Retry-After", receiver.retry_after)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:  # the stdlib's name
                """Quiet: tests read `received` instead."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.ca_file: Path | None = None
        if tls_dir is not None:
            cert, key = _self_signed(tls_dir)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            self.ca_file = cert
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{SECRET_PATH}"

    def texts(self) -> list[str]:
        with self.lock:
            return [str(body["text"]) for body in self.received]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for HOST signed by itself (a CA for itself), and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
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
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "webhook-ca.pem", folder / "webhook-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class Proxy:
    """An HTTP proxy on 127.0.0.1 that answers CONNECT and tunnels to `target_port`."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.connects: list[str] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _serve(self) -> None:
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client: socket.socket) -> None:
        with client:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            method, target = head.split(b" ")[:2]
            if method != b"CONNECT":
                client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            self.connects.append(target.decode())
            with socket.create_connection(("127.0.0.1", self.target_port)) as upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                _relay(client, upstream)

    def stop(self) -> None:
        self.running = False
        self.listener.close()


def _relay(a: socket.socket, b: socket.socket) -> None:
    sockets = [a, b]
    while True:
        ready, _, _ = select.select(sockets, [], [], 5)
        if not ready:
            return
        for source in ready:
            try:
                data = source.recv(65536)
                if data:
                    (b if source is a else a).sendall(data)
            except OSError:  # a side hung up mid-handshake (an untrusted certificate)
                return
            if not data:
                return


class Trickle:
    """A webhook on 127.0.0.1 that reads the post, then answers one byte a second, for ever
    (a status line that never ends): each byte comes well within any read timeout."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self.posts = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}{SECRET_PATH}"

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._trickle, args=(client,), daemon=True).start()

    def _trickle(self, client: socket.socket) -> None:
        with client:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            self.posts += 1
            answer = b"HTTP/1.1 200 OK" + b" " * 1_000_000
            for byte in answer:
                if self.stopped.wait(self.interval):
                    return
                try:
                    client.sendall(bytes([byte]))
                except OSError:
                    return

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()
