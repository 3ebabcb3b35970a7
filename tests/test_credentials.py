"""Every kind of Google credentials a school can get, publishing on the fake with real google-auth.

Each credentials file points google-auth at the fake's token endpoints on 127.0.0.1
(token_uri, token_url, service_account_impersonation_url); where google-auth uses a fixed
Google address (impersonation's IAM call, the metadata server), the test routes it there.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mixitup.backends import credentials
from mixitup.cli import main
from tests.fake_sheets import GoogleSheet
from tests.fake_sheets.oauth import PRINCIPAL, new_client, new_refresh_token
from tests.helpers import HEADER, make_roster

DATE = "2027-01-13"
GROUPS = f"{DATE} Week 2 Groups"
SPREADSHEETS = "https://www.googleapis.com/auth/spreadsheets"
USER = "ada.staff@school.example"
ROBOT = "mixitup-cron@school-project.iam.gserviceaccount.com"
AUDIENCE = (
    "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci"
    "/providers/github"
)
POOL = "projects/123456789/locations/global/workloadIdentityPools/ci"
JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt"


@dataclass
class Made:
    """A credentials file on disk, who Google will see, and the secrets it must never print."""

    path: Path | None
    email: str  # whom the spreadsheet is shared with
    secrets: list[str] = field(default_factory=list)


Maker = Callable[[GoogleSheet, Path, pytest.MonkeyPatch], Made]


@pytest.fixture(autouse=True)
def _no_ambient_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever this machine has (gcloud's ADC, GOOGLE_APPLICATION_CREDENTIALS) is not used."""
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))


def write(path: Path, info: dict[str, object], mode: int = 0o600) -> Path:
    path.write_text(json.dumps(info, indent=2), encoding="utf-8")
    path.chmod(mode)
    return path


def user_info(sheet: GoogleSheet, email: str = USER) -> tuple[dict[str, object], list[str]]:
    """An authorized_user as `mixitup login` writes it, with the fake's token endpoint."""
    client = new_client(sheet.fake)
    scopes = {SPREADSHEETS, "openid", "https://www.googleapis.com/auth/userinfo.email"}
    refresh = new_refresh_token(sheet.fake, email, client, scopes)
    info: dict[str, object] = {
        "type": "authorized_user",
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "refresh_token": refresh,
        "token_uri": sheet.fake.token_uri,
        "account": email,
    }
    return info, [client.client_secret, refresh]


def service_account(sheet: GoogleSheet, tmp: Path, mp: pytest.MonkeyPatch) -> Made:
    key = json.loads(sheet.key_file.read_text())
    return Made(sheet.key_file, sheet.client_email, [key["private_key"][40:90]])


def authorized_user(sheet: GoogleSheet, tmp: Path, mp: pytest.MonkeyPatch) -> Made:
    info, secrets = user_info(sheet)
    return Made(write(tmp / "google-credentials.json", info), USER, secrets)


def federation(
    credential_source: dict[str, object], token_type: str = JWT_TYPE
) -> dict[str, object]:
    return {
        "type": "external_account",
        "audience": AUDIENCE,
        "subject_token_type": token_type,
        "token_url": "{base}/sts/v1/token",
        "service_account_impersonation_url": (
            "{base}/v1/projects/-/serviceAccounts/" + ROBOT + ":generateAccessToken"
        ),
        "credential_source": credential_source,
    }


def _trusting(sheet: GoogleSheet, subject: str, token: str) -> None:
    ids = sheet.fake.identities
    ids.providers.add(AUDIENCE)
    ids.subjects[token] = subject
    ids.token_creators.setdefault(ROBOT, set()).add(PRINCIPAL.format(pool=POOL, subject=subject))


def _external(sheet: GoogleSheet, path: Path, info: dict[str, object], mode: int = 0o644) -> Path:
    text = json.dumps(info).replace("{base}", sheet.fake.base_url)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def external_file(sheet: GoogleSheet, tmp: Path, mp: pytest.MonkeyPatch) -> Made:
    token = "eyJ.file-sourced-oidc-token." + str(time.time_ns())
    (tmp / "oidc-token").write_text(token, encoding="utf-8")
    _trusting(sheet, "repo:school/mixitup:ref:refs/heads/main", token)
    info = federation({"file": str(tmp / "oidc-token")})
    return Made(_external(sheet, tmp / "federation.json", info), ROBOT, [token])


def external_url(sheet: GoogleSheet, tmp: Path, mp: pytest.MonkeyPatch) -> Made:
    """As google-github-actions/auth writes it: GitHub's OIDC URL with a request token."""
    token, request_token = "eyJ.url-sourced-oidc-token", "ghs_request-token-secret"
    _trusting(sheet, "repo:school/mixitup:ref:refs/heads/main", token)
    sheet.fake.identities.served[request_token] = token
    info = federation(
        {
            "url": "{base}/subject-token?audience=https://iam.googleapis.com/" + POOL,
            "headers": {"Authorization": f"Bearer {request_token}"},
            "format": {"type": "json", "subject_token_field_name": "value"},
        }
    )
    return Made(
        _external(sheet, tmp / "gha-creds.json", info, 0o600), ROBOT, [token, request_token]
    )


def external_executable(sheet: GoogleSheet, tmp: Path, mp: pytest.MonkeyPatch) -> Made:
    token = "eyJ.executable-sourced-oidc-token"
    _trusting(sheet, "spiffe://school/cron", token)
    answer = {
        "version": 1,
        "success": True,
        "token_type": JWT_TYPE,
        "id_token": token,
        "expiration_time": int(time.time()) + 3600,
    }
    script = tmp / "print-token.py"
    script.write_text(f"import json\nprint(json.dumps({answer!r}))\n", encoding="utf-8")
    mp.setenv("GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES", "1")
    info = federation(
        {"executable": {"command": f"{sys.executable} {script}", "timeout_millis": 10000}}
    )
    return Made(_external(sheet, tmp / "federation.json", info), ROBOT, [token])


def external_aws(sheet: GoogleSheet, tmp: Path, mp: pytest.MonkeyPatch) -> Made:
    key_id, secret = "AKIAFAKEMIXITUP00001", "aws-secret-access-key-fake-0123456789"
    for name, value in (
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", key_id),
        ("AWS_SECRET_ACCESS_KEY", secret),
    ):
        mp.setenv(name, value)
    _trusting(sheet, "arn:aws:sts::111122223333:assumed-role/mixitup-cron/i-0abc", f"aws:{key_id}")
    info = federation(
        {
            "environment_id": "aws1",
            "region_url": "http://169.254.169.254/latest/meta-data/placement/availability-zone",
            "url": "http://169.254.169.254/latest/meta-data/iam/security-credentials",
            "regional_cred_verification_url": (
                "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15"
            ),
        },
        "urn:ietf:params:aws:token-type:aws4_request",
    )
    return Made(_external(sheet, tmp / "federation.json", info), ROBOT, [secret])


def impersonated(sheet: GoogleSheet, tmp: Path, mp: pytest.MonkeyPatch) -> Made:
    """As `gcloud auth application-default login --impersonate-service-account` writes it."""
    source, secrets = user_info(sheet)
    sheet.fake.identities.token_creators.setdefault(ROBOT, set()).add(USER)
    info = {
        "type": "impersonated_service_account",
        "service_account_impersonation_url": (
            f"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/{ROBOT}"
            ":generateAccessToken"
        ),
        "source_credentials": source,
        "delegates": [],
    }
    return Made(write(tmp / "impersonation.json", info), ROBOT, secrets)


def gcloud_adc(sheet: GoogleSheet, tmp: Path, mp: pytest.MonkeyPatch) -> Made:
    """No credentials configured: gcloud's Application Default Credentials file."""
    info, secrets = user_info(sheet)
    (tmp / "gcloud").mkdir()
    write(tmp / "gcloud" / "application_default_credentials.json", info)
    return Made(None, USER, secrets)


def metadata_server(sheet: GoogleSheet, tmp: Path, mp: pytest.MonkeyPatch) -> Made:
    """No credentials configured, on Google Cloud: the attached service account, no key."""
    on_google_cloud(
        sheet, mp, scopes={SPREADSHEETS, "https://www.googleapis.com/auth/cloud-platform"}
    )
    return Made(None, ROBOT)


def on_google_cloud(sheet: GoogleSheet, mp: pytest.MonkeyPatch, scopes: set[str]) -> None:
    from google.auth.compute_engine import _metadata

    # The check the tests' NO_GCE_CHECK turns off (google-auth reads it once, when imported);
    # the metadata server's addresses reach the fake through the session (fake_sheets.connect).
    mp.setattr(_metadata, "_NO_GCE_CHECK", False)
    sheet.fake.identities.machine = (ROBOT, frozenset(scopes))


KINDS: dict[str, Maker] = {
    "service_account": service_account,
    "authorized_user": authorized_user,
    "external_account file": external_file,
    "external_account url": external_url,
    "external_account executable": external_executable,
    "external_account aws": external_aws,
    "impersonated_service_account": impersonated,
    "ADC gcloud": gcloud_adc,
    "ADC metadata server": metadata_server,
}


def config(sheet: GoogleSheet, tmp: Path, made: Made) -> Path:
    sheet.seed("Roster", [list(HEADER), *map(list, make_roster(30))])
    lines = ["[spreadsheet]", 'backend = "google"', f"id = {json.dumps(sheet.sheet_id)}"]
    if made.path is not None:
        lines.append(f"credentials = {json.dumps(str(made.path))}")
    path = tmp / "mixitup.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def publish(sheet: GoogleSheet, path: Path, *flags: str) -> int:
    args = [*flags, "--config", str(path), "publish", "--date", DATE, "--week", "2"]
    return main(args, session=sheet.session)


def given(kind: str, sheet: GoogleSheet, tmp: Path, mp: pytest.MonkeyPatch) -> tuple[Made, Path]:
    made = KINDS[kind](sheet, tmp, mp)
    sheet.book.editors.clear()
    sheet.book.editors.add(made.email)
    return made, config(sheet, tmp, made)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_credentials_publishes_in_one_read_and_one_write_as_its_identity(
    kind: str,
    google_sheet: GoogleSheet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    made, path = given(kind, google_sheet, tmp_path, monkeypatch)

    assert publish(google_sheet, path, "-v") == 0

    assert (google_sheet.reads(), google_sheet.writes()) == (1, 1)
    assert google_sheet.rows(GROUPS) is not None
    tokens = google_sheet.fake.tokens
    assert made.email in {who for who, _, _ in tokens.values()}
    out = capsys.readouterr()
    for secret in [*made.secrets, *tokens]:
        assert secret not in out.out + out.err, f"a secret reached the output with -v: {kind}"


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_asks_google_for_the_spreadsheets_scope_only(
    kind: str, google_sheet: GoogleSheet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made, path = given(kind, google_sheet, tmp_path, monkeypatch)

    assert publish(google_sheet, path) == 0

    if kind == "ADC metadata server":  # the machine's token carries the VM's access scopes
        (call,) = [c for c in google_sheet.fake.calls if c.path.endswith("/token")]
        assert call.query["scopes"] == [SPREADSHEETS]
        return
    granted = [scopes for who, scopes, _ in google_sheet.fake.tokens.values() if who == made.email]
    assert granted == [frozenset({SPREADSHEETS})]


# -- what staff are told when Google refuses ------------------------------------------------


def refused(
    kind: str,
    google_sheet: GoogleSheet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spoil: Callable[[Made], None],
) -> str:
    made, path = given(kind, google_sheet, tmp_path, monkeypatch)
    spoil(made)

    assert publish(google_sheet, path, "-v") == 4

    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert google_sheet.writes() == 0
    for secret in [*made.secrets, *google_sheet.fake.tokens]:
        assert secret not in err
    return err


def test_a_revoked_sign_in_says_to_run_login_again(
    google_sheet: GoogleSheet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = refused(
        "authorized_user",
        google_sheet,
        tmp_path,
        monkeypatch,
        capsys,
        lambda made: google_sheet.fake.identities.refresh_tokens.clear(),
    )
    assert "invalid_grant" in err
    assert USER in err
    assert "Run `mixitup login` again" in err


def test_a_sheet_not_shared_with_the_signed_in_account_names_it(
    google_sheet: GoogleSheet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = refused(
        "authorized_user",
        google_sheet,
        tmp_path,
        monkeypatch,
        capsys,
        lambda made: google_sheet.book.editors.clear(),
    )
    assert f"Share the spreadsheet with the Google account {USER} as Editor" in err


def test_a_missing_federation_token_file_is_named(
    google_sheet: GoogleSheet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = refused(
        "external_account file",
        google_sheet,
        tmp_path,
        monkeypatch,
        capsys,
        lambda made: (tmp_path / "oidc-token").unlink(),
    )
    assert f"reads its token from {tmp_path / 'oidc-token'}, which does not exist" in err
    assert google_sheet.fake.calls == []


def test_a_token_the_pool_rejects_says_what_to_check(
    google_sheet: GoogleSheet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = refused(
        "external_account url",
        google_sheet,
        tmp_path,
        monkeypatch,
        capsys,
        lambda made: google_sheet.fake.identities.subjects.clear(),
    )
    assert "Security Token Service refused" in err
    assert "rejected by the attribute condition" in err
    assert "attribute condition admits this job" in err


def test_federation_without_permission_to_act_as_the_service_account_names_the_role(
    google_sheet: GoogleSheet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = refused(
        "external_account file",
        google_sheet,
        tmp_path,
        monkeypatch,
        capsys,
        lambda made: google_sheet.fake.identities.token_creators.clear(),
    )
    assert f"act as the service account {ROBOT}" in err
    assert "iam.serviceAccounts.getAccessToken" in err
    assert "roles/iam.workloadIdentityUser" in err


def test_impersonation_without_token_creator_names_the_account_and_the_role(
    google_sheet: GoogleSheet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = refused(
        "impersonated_service_account",
        google_sheet,
        tmp_path,
        monkeypatch,
        capsys,
        lambda made: google_sheet.fake.identities.token_creators.clear(),
    )
    assert f"the Google account {USER}" in err
    assert ROBOT in err
    assert "roles/iam.serviceAccountTokenCreator" in err


def test_federation_without_a_service_account_says_sheets_needs_an_email(
    google_sheet: GoogleSheet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def direct(made: Made) -> None:
        assert made.path is not None
        info = json.loads(made.path.read_text())
        del info["service_account_impersonation_url"]
        made.path.write_text(json.dumps(info))

    err = refused("external_account file", google_sheet, tmp_path, monkeypatch, capsys, direct)
    assert "403" in err
    assert "has no service account to act as" in err
    assert "--service-account" in err


def test_a_vm_without_the_spreadsheets_access_scope_says_how_to_add_it(
    google_sheet: GoogleSheet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = refused(
        "ADC metadata server",
        google_sheet,
        tmp_path,
        monkeypatch,
        capsys,
        lambda made: on_google_cloud(
            google_sheet, monkeypatch, {"https://www.googleapis.com/auth/cloud-platform"}
        ),
    )
    assert "insufficient authentication scopes" in err
    assert f"the service account {ROBOT} attached to this machine" in err
    assert "access scope https://www.googleapis.com/auth/spreadsheets" in err


def test_without_any_credentials_anywhere_says_how_to_get_some(
    google_sheet: GoogleSheet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config(google_sheet, tmp_path, Made(None, ROBOT))

    assert publish(google_sheet, path) == 4

    err = capsys.readouterr().err
    assert "No Google credentials found" in err
    assert "mixitup login" in err
    assert google_sheet.fake.calls == []


# -- files that hold a secret ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "warned"),
    [
        (0o640, True),  # its group may read it: everyone in "staff", say
        (0o660, True),
        (0o604, True),  # everyone else may
        (0o600, False),  # the owner only: as mixitup login writes it
        (0o400, False),
    ],
)
def test_a_key_file_its_group_can_read_is_warned_about_saying_chmod_600(
    mode: int, warned: bool, google_sheet: GoogleSheet, caplog: pytest.LogCaptureFixture
) -> None:
    key = google_sheet.key_file
    key.chmod(mode)

    with caplog.at_level(logging.WARNING, logger="mixitup"):
        loaded = credentials.load(key)

    assert loaded.identity.email == google_sheet.client_email  # loaded all the same
    assert ("can be read by other users of this computer" in caplog.text) is warned
    assert (f"Run: chmod 600 {key}" in caplog.text) is warned
    key.chmod(0o600)


@pytest.mark.parametrize(
    ("kind", "warned"),
    [
        ("service_account", True),  # the private key
        ("authorized_user", True),  # the refresh token and client secret
        ("impersonated_service_account", True),  # its source credentials
        ("external_account url", True),  # the bearer token for the subject-token URL
        ("external_account file", False),  # addresses only: nothing to steal
    ],
)
def test_a_file_holding_a_secret_that_others_can_read_is_warned_about(
    kind: str,
    warned: bool,
    google_sheet: GoogleSheet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    made, path = given(kind, google_sheet, tmp_path, monkeypatch)
    assert made.path is not None
    made.path.chmod(0o644)

    assert publish(google_sheet, path) == 0

    err = capsys.readouterr().err
    assert ("can be read by other users" in err) is warned
    assert (f"chmod 600 {made.path}" in err) is warned
    made.path.chmod(0o600)
    assert publish(google_sheet, path, "--quiet") == 0
    assert "can be read by other users" not in capsys.readouterr().err
