"""What follows a write (`mixitup.pipeline.follow`), through the CLI against local fakes of Zoom
and Slack and a local SMTP server: the meeting's breakout rooms follow the next session still to
come, `run` reads attendance from Zoom after a session, `rebalance --zoom-live` moves like
`--absent`, and each group is told once, with a follow-up only to the groups that change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
import pytest
import requests

from mixitup.cli import main
from tests.fake_slack import TOKEN, FakeSlack
from tests.fake_zoom import PastInstance, connect, live_row, report_row
from tests.helpers import HEADER, groups_of, make_roster, table, write_workbook

if TYPE_CHECKING:
    from tests.conftest_zoom import Zoom


W2 = "2027-01-13 Week 2"
SCHOOL = """\
[spreadsheet]
backend = "xlsx"
path = "roster.xlsx"

[students]
path = "students.xlsx"

[groups]
size = 5

[calendar]
module_starts = [2027-01-04]
start = "12:00"
timezone = "America/Denver"
"""


@pytest.fixture
def school(tmp_path: Path) -> Path:
    write_workbook(tmp_path / "roster.xlsx", {"Roster": [HEADER, *make_roster(20)]})
    return tmp_path


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    yield fake
    fake.stop()


def configure(folder: Path, extra: str) -> list[str]:
    (folder / "mixitup.toml").write_text(SCHOOL + extra, encoding="utf-8")
    return ["--config", str(folder / "mixitup.toml")]


def session_to(zoom: Zoom) -> requests.Session:
    return connect(requests.Session(), zoom.fake)


def join_roster(folder: Path, name: str, email: str) -> None:
    book = openpyxl.load_workbook(folder / "roster.xlsx")
    book["Roster"].append([name, email, "BE", "Mod 4", "late", ""])
    book.save(folder / "roster.xlsx")


def rooms(zoom: Zoom) -> dict[str, set[str]]:
    found = zoom.fake.rooms().get("rooms") or []
    return {room["name"]: set(room["participants"]) for room in found}


# -- Zoom ------------------------------------------------------------------------------------------


def test_publish_sets_the_rooms_once_and_a_late_joiner_updates_them(school, zoom, capsys):
    args = configure(school, zoom.toml())
    http = session_to(zoom)
    assert main([*args, "run", "--today", "2027-01-11"], session=http) == 0
    groups = groups_of(table_rows(school / "students.xlsx", f"{W2} Groups"))
    first = rooms(zoom)
    assert len(first) == len(set(groups.values()))
    assert "student000@example.edu" in set().union(*first.values())
    assert len(zoom.fake.requests_to("meetingUpdate")) == 1
    assert all("occurrence_id" not in c.query for c in zoom.fake.requests_to("meetingUpdate"))

    assert main([*args, "run", "--today", "2027-01-11"], session=http) == 0
    assert len(zoom.fake.requests_to("meetingUpdate")) == 1  # the rooms matched: nothing sent

    join_roster(school, "Zed Late", "zed@example.edu")
    assert main([*args, "run", "--today", "2027-01-12"], session=http) == 0
    assert len(zoom.fake.requests_to("meetingUpdate")) == 2
    assert "zed@example.edu" in set().union(*rooms(zoom).values())
    assert "client_secret" not in capsys.readouterr().err


def test_a_zoom_failure_never_stops_the_publish(school, zoom, capsys):
    args = configure(school, zoom.toml().replace(zoom.fake.client_secret, "wrong-secret"))
    assert main([*args, "publish", "--date", "2027-01-13"], session=session_to(zoom)) == 0
    out, err = capsys.readouterr()
    assert "Zoom's breakout rooms were not set for 2027-01-13 Week 2" in err
    assert "Not done: Zoom's breakout rooms were not set" in out
    assert f"{W2} Groups" in openpyxl.load_workbook(school / "students.xlsx").sheetnames
    assert "wrong-secret" not in out + err


def test_run_reads_attendance_from_zoom_after_the_session_and_never_again(school, zoom):
    args = configure(school, zoom.toml())
    http = session_to(zoom)
    assert main([*args, "publish", "--date", "2027-01-13"], session=http) == 0
    zoom.fake.meeting.instances = [
        PastInstance(
            "iEb0Ybp1TTCPw2AV9ZTAug==",
            "2027-01-13T19:00:00Z",
            [
                report_row("Student 000", "student000@example.edu", 420),
                report_row("Student 001", "student001@example.edu", 3000),
                report_row("Student 000", "student000@example.edu", 1380),  # rejoined
            ],
        )
    ]
    assert main([*args, "run", "--today", "2027-01-13T12:30"], session=http) == 0
    assert not recorded(school)  # not ended yet: nothing read

    assert main([*args, "run", "--today", "2027-01-13T14:00"], session=http) == 0

    marks = recorded(school)
    assert marks["student000@example.edu"] == ("yes", "30")  # 7 + 23 minutes, from seconds
    assert marks["student001@example.edu"][0] == "yes"
    assert marks["student002@example.edu"] == ("no", "0")
    reads = len(zoom.fake.requests_to("reportMeetingParticipants"))
    assert main([*args, "run", "--today", "2027-01-13T15:00"], session=http) == 0
    assert len(zoom.fake.requests_to("reportMeetingParticipants")) == reads  # never again


def test_rebalance_zoom_live_moves_like_absent(school, zoom, capsys):
    args = configure(school, zoom.toml())
    http = session_to(zoom)
    assert main([*args, "publish", "--date", "2027-01-13"], session=http) == 0
    room = groups_of(table_rows(school / "students.xlsx", f"{W2} Groups"))
    away = sorted(n for n, g in room.items() if g == "1")[:3]
    updates = len(zoom.fake.requests_to("meetingUpdate"))
    zoom.fake.meeting.status = "started"
    zoom.fake.meeting.live = [
        live_row(n, f"student{n[-3:]}@example.edu", "2027-01-13T18:58:00Z")
        for n in room
        if n not in away
    ]
    capsys.readouterr()
    assert main([*args, "rebalance", "--date", "2027-01-13", "--zoom-live"], session=http) == 0
    out = capsys.readouterr().out
    assert "3 absent" in out
    assert "Paste into the Zoom chat:" in out
    absent = {k for k, (a, _) in recorded(school).items() if a == "no"}
    assert absent == {f"student{n[-3:]}@example.edu" for n in away}
    assert len(zoom.fake.requests_to("meetingUpdate")) == updates  # in progress: not updated


# -- Slack and email -------------------------------------------------------------------------------


def test_each_group_is_told_once_and_a_late_joiner_brings_one_follow_up(school, slack, capsys):
    for i in range(20):
        slack.add_user(f"student{i:03d}@example.edu", f"Student {i:03d}")
    slack.add_user("zed@example.edu", "Zed Late")
    args = configure(school, f'[slack]\ntoken = "{TOKEN}"\nremind_minutes = 0\n')
    assert main([*args, "run", "--today", "2027-01-11"], slack_url=slack.url) == 0
    groups = set(groups_of(table_rows(school / "students.xlsx", f"{W2} Groups")).values())
    assert len(slack.posts) == len(groups)
    assert len(slack.conversations) == len(groups)
    ledger = table_rows(school / "roster.xlsx", "Messages")
    assert len(ledger) == len(groups) + 1

    assert main([*args, "run", "--today", "2027-01-11"], slack_url=slack.url) == 0
    assert len(slack.posts) == len(groups)  # nothing again

    join_roster(school, "Zed Late", "zed@example.edu")
    assert main([*args, "run", "--today", "2027-01-12"], slack_url=slack.url) == 0
    assert len(slack.posts) == len(groups) + 1  # one follow-up, to Zed's group only
    assert "Zed Late" in slack.posts[-1][1]
    out, err = capsys.readouterr()
    assert TOKEN not in out + err


def test_message_dry_run_shows_the_messages_and_sends_nothing(school, slack, capsys):
    slack.add_user("student000@example.edu", "Student 000")
    args = configure(school, f'[slack]\ntoken = "{TOKEN}"\n')
    assert main([*args, "publish", "--date", "2027-01-13"], slack_url="http://127.0.0.1:9/") == 0
    posts = len(slack.posts)
    capsys.readouterr()
    assert main([*args, "message", "--date", "2027-01-13", "--dry-run"], slack_url=slack.url) == 0
    out = capsys.readouterr().out
    assert f"--- {W2}, group 1, slack (first)" in out
    assert len(slack.posts) == posts
    assert TOKEN not in out


def table_rows(path: Path, title: str) -> list[list[str]]:
    book = openpyxl.load_workbook(path)
    return [
        ["" if v is None else str(v) for v in r] for r in book[title].iter_rows(values_only=True)
    ]


def recorded(folder: Path) -> dict[str, tuple[str, str]]:
    rows = table(table_rows(folder / "roster.xlsx", "History"))
    return {
        r["Student key"]: (r["Attended"], r["Zoom minutes"])
        for r in rows
        if r["Session"] == W2 and (r["Attended"] or r["Zoom minutes"])
    }


def test_each_group_gets_one_email_through_starttls_and_a_rerun_sends_none(
    school, tmp_path, monkeypatch, capsys
):
    from tests.fake_smtp import PASSWORD, USERNAME, FakeSmtp

    server = FakeSmtp(tmp_path)
    try:
        monkeypatch.setenv("SSL_CERT_FILE", str(server.ca_file))
        monkeypatch.setenv("MIXITUP_SMTP_PASSWORD", PASSWORD)
        args = configure(
            school,
            f'[email]\nhost = "127.0.0.1"\nport = {server.port}\n'
            f'sender = "careers@school.example"\nusername = "{USERNAME}"\n',
        )
        assert main([*args, "run", "--today", "2027-01-11"]) == 0
        groups = groups_of(table_rows(school / "students.xlsx", f"{W2} Groups"))
        assert len(server.received) == len(set(groups.values()))
        first = server.received[0]
        members = {n for n, g in groups.items() if g == "1"}
        assert len(first.recipients) == len(members)
        assert main([*args, "run", "--today", "2027-01-11"]) == 0
        assert len(server.received) == len(set(groups.values()))
        out, err = capsys.readouterr()
        assert PASSWORD not in out + err
    finally:
        server.stop()


def test_attendance_is_read_from_zoom_after_a_rebalance_marked_someone_absent(school, zoom):
    args = configure(school, zoom.toml())
    http = session_to(zoom)
    assert main([*args, "publish", "--date", "2027-01-13"], session=http) == 0
    assert main([*args, "rebalance", "--date", "2027-01-13", "--absent", "Student 005"]) == 0
    zoom.fake.meeting.instances = [
        PastInstance(
            "iEb0Ybp1TTCPw2AV9ZTAug==",
            "2027-01-13T19:00:00Z",
            [report_row("Student 001", "student001@example.edu", 3000)],
        )
    ]
    assert main([*args, "run", "--today", "2027-01-13T14:00"], session=http) == 0
    marks = recorded(school)
    assert marks["student001@example.edu"] == ("yes", "50")
    assert marks["student002@example.edu"] == ("no", "0")  # everyone recorded, not just 005
    assert marks["student005@example.edu"][0] == "no"


def test_a_dry_run_plan_and_status_need_no_secret_but_a_send_does(school, capsys, monkeypatch):
    """A school previews its messages before it has a Slack app or a mail login."""
    for name in ("MIXITUP_SLACK_TOKEN", "MIXITUP_SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    args = configure(school, "")
    assert main([*args, "publish", "--date", "2027-01-13"]) == 0
    secretless = (
        '[slack]\nremind_minutes = 15\n\n[email]\nhost = "smtp.school.example"\n'
        'sender = "careers@school.example"\nusername = "careers"\n'
    )
    args = configure(school, secretless)
    capsys.readouterr()
    assert main([*args, "message", "--date", "2027-01-13", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"--- {W2}, group 1, slack (first)" in out
    assert f"--- {W2}, group 1, email (first)" in out
    for command in (["plan", "--date", "2027-01-27"], ["status", "--today", "2027-01-12"]):
        assert main([*args, *command]) == 0  # nothing sent: no secret needed
    assert main([*args, "message", "--date", "2027-01-13"]) == 2
    assert "[slack] needs token" in capsys.readouterr().err
