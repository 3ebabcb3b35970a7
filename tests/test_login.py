"""`mixitup login` end to end: the real CLI in a subprocess, a browser played by requests
following the consent page's redirect to the loopback address, and the fake's token endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from mixitup.cli import main
from mixitup.config import login_file
from tests.fake_sheets import FakeSheets, GoogleSheet
from tests.fake_sheets.oauth import new_client
from tests.helpers import HEADER, make_roster

USER = "grace.staff@school.example"
SPREADSHEETS = "https://www.googleapis.com/auth/spreadsheets"


def client_secrets(fake: FakeSheets, path: Path) -> tuple[Path, str]:
    """A Desktop app client's JSON as the Google Cloud console downloads it, on the fake."""
    client = new_client(fake)
    installed = {
        "client_id": client.client_id,
        "project_id": "school-project",
        "auth_uri": f"{fake.base_url}/o/oauth2/auth",
        "token_uri": fake.token_uri,
        "client_secret": client.client_secret,
        "redirect_uris": ["http://localhost"],
    }
    path.write_text(json.dumps({"installed": installed}), encoding="utf-8")
    return path, client.client_secret


def sign_in(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `mixitup login --no-browser ...` and be the browser: open the printed address."""
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",  # the address must arrive before the command ends
        "OAUTHLIB_INSECURE_TRANSPORT": "1",  # the fake's token endpoint is http on 127.0.0.1
        "XDG_CONFIG_HOME": str(cwd / "config-home"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "mixitup", "login", "--no-browser", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("http://127.0.0.1"):
            page = requests.get(line.strip(), timeout=10)  # follows the redirect to loopback
            lines.append(f"[browser: {page.status_code} {page.text}]\n")
            break
    out, err = process.communicate(timeout=30)
    return subprocess.CompletedProcess(process.args, process.returncode, "".join(lines) + out, err)


def test_login_signs_in_in_the_browser_and_cron_then_publishes_as_that_account(
    google_sheet: GoogleSheet, tmp_path: Path
) -> None:
    fake = google_sheet.fake
    fake.identities.signed_in = USER
    # found without --client-secrets: the one client_secret*.json in the folder
    _, client_secret = client_secrets(fake, tmp_path / "client_secret_123.json")

    done = sign_in("-v", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    stored = tmp_path / "config-home" / "mixitup" / "google-credentials.json"
    assert f"Signed in as {USER}." in done.stdout
    assert "Signed in. You can close this tab" in done.stdout  # what the browser showed
    assert f'credentials = "{stored}"' in done.stdout
    assert stored.stat().st_mode & 0o777 == 0o600
    info = json.loads(stored.read_text())
    assert info["type"] == "authorized_user"
    assert info["account"] == USER
    assert info["scopes"] == [SPREADSHEETS]
    (code,) = [c for c in fake.calls if c.route == "token"]
    assert code.body["grant_type"] == ["authorization_code"]
    assert "code_verifier" in code.body  # PKCE
    for secret in (client_secret, info["refresh_token"], code.body["code"][0], *fake.tokens):
        assert secret not in done.stdout + done.stderr

    google_sheet.seed("Roster", [list(HEADER), *map(list, make_roster(20))])
    google_sheet.book.editors = {USER}
    config = tmp_path / "mixitup.toml"
    config.write_text(google_sheet.toml().replace(str(google_sheet.key_file), str(stored)))
    fake.forget_calls()
    args = ["--config", str(config), "publish", "--date", "2027-01-13", "--week", "2"]
    assert main(args, session=google_sheet.session) == 0
    assert (google_sheet.reads(), google_sheet.writes()) == (1, 1)


def test_login_cancelled_in_the_browser_exits_4_and_writes_nothing(
    fake_sheets: FakeSheets, tmp_path: Path
) -> None:
    secrets_file, _ = client_secrets(fake_sheets, tmp_path / "client.json")

    done = sign_in("--client-secrets", str(secrets_file), "--out", "me.json", cwd=tmp_path)

    assert done.returncode == 4
    assert "cancelled" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "me.json").exists()


@pytest.mark.parametrize(
    ("contents", "expected"),
    [
        (None, "No OAuth client secrets file given"),  # nothing in the folder
        ('{"web": {"client_id": "x"}}', "not the client secrets of a Desktop app"),
        ("{not json", "not readable JSON"),
    ],
)
def test_login_without_usable_client_secrets_says_how_to_get_them(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    contents: str | None,
    expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    if contents is not None:
        (tmp_path / "client_secret.json").write_text(contents)

    assert main(["login", "--no-browser", "--out", str(tmp_path / "me.json")]) == 2

    err = capsys.readouterr().err
    assert expected in err
    assert "Desktop app" in err


def test_the_sign_in_is_kept_in_the_users_config_folder(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert login_file(env) == tmp_path / "mixitup" / "google-credentials.json"
    assert login_file({}).parent == Path.home() / ".config" / "mixitup"
