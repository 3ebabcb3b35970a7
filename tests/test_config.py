"""Config: flag > environment > file > default, and a clear message for every mistake."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mixitup.config import load_config
from mixitup.errors import ConfigError


def write(tmp_path, text: str):
    path = tmp_path / "mixitup.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_workbook_flag_alone_needs_no_file(tmp_path):
    config = load_config(workbook="r.xlsx", env={}, cwd=tmp_path)
    assert (config.backend, config.workbook, config.group_size) == ("xlsx", tmp_path / "r.xlsx", 6)


def test_file_values_and_paths_relative_to_the_file(tmp_path):
    write(
        tmp_path,
        """
[spreadsheet]
path = "school.xlsx"
roster_tab = "Students"
[groups]
size = 5
seed = 7
[calendar]
module_starts = [2027-02-22, 2027-01-04]
weekday = "Thursday"
skip = [2027-01-13]
[meeting]
zoom = "Room A"
""",
    )
    config = load_config(env={}, cwd=tmp_path)
    assert config.workbook == tmp_path / "school.xlsx"
    assert (config.roster_tab, config.group_size, config.seed, config.zoom) == (
        "Students",
        5,
        7,
        "Room A",
    )
    assert config.calendar.module_starts == (dt.date(2027, 1, 4), dt.date(2027, 2, 22))
    assert config.calendar.weekday == 3
    assert config.calendar.skip == (dt.date(2027, 1, 13),)


def test_flag_beats_environment_beats_file(tmp_path):
    write(tmp_path, '[spreadsheet]\npath = "file.xlsx"\n')
    (tmp_path / "other.toml").write_text('[spreadsheet]\npath = "env.xlsx"\n')
    env = {"MIXITUP_CONFIG": "other.toml"}
    assert load_config(env=env, cwd=tmp_path).workbook == tmp_path / "env.xlsx"
    assert load_config("mixitup.toml", env=env, cwd=tmp_path).workbook == tmp_path / "file.xlsx"
    flagged = load_config("mixitup.toml", "flag.xlsx", env=env, cwd=tmp_path)
    assert flagged.workbook == tmp_path / "flag.xlsx"


def test_google_credentials_fall_back_to_the_environment(tmp_path):
    write(tmp_path, '[spreadsheet]\nbackend = "google"\nid = "abc"\n')
    config = load_config(env={"GOOGLE_APPLICATION_CREDENTIALS": "/keys/sa.json"}, cwd=tmp_path)
    assert (config.backend, config.sheet_id, str(config.credentials)) == (
        "google",
        "abc",
        "/keys/sa.json",
    )


def test_google_without_credentials_means_application_default_credentials(tmp_path):
    write(tmp_path, '[spreadsheet]\nbackend = "google"\nid = "abc"\n')
    assert load_config(env={}, cwd=tmp_path).credentials is None


def test_a_credentials_path_may_start_with_the_home_folder(tmp_path):
    write(tmp_path, '[spreadsheet]\nbackend = "google"\nid = "a"\ncredentials = "~/g.json"\n')
    assert load_config(env={}, cwd=tmp_path).credentials == Path.home() / "g.json"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[groups]\nsise = 6\n", "unknown key 'sise' in [groups]"),  # a typo is named
        ("[group]\nsize = 6\n", "unknown section [group]"),
        ('[groups]\nsize = "six"\n', "[groups] size must be a whole number"),
        ("[groups]\nsize = 1\n", "[groups] size must be 2 or more"),
        ('[calendar]\nweekday = "Wodnesday"\n', "is not a day of the week"),
        ('[calendar]\nmodule_starts = ["2027-01-04"]\n', "a list of dates without quotes"),
        ('[spreadsheet]\nbackend = "excel"\n', 'backend must be "xlsx" or "google"'),
        ('[spreadsheet]\nbackend = "google"\n', "id is required"),
        ("[groups\n", "is not valid TOML"),
        ("[roster]\nmodules = 0\n", "[roster] modules must be how many modules"),
        ("[meeting]\nminutes = 0\n", "[meeting] minutes must be how long a session lasts"),
    ],
)
def test_config_mistakes_are_named(tmp_path, text, message):
    write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(env={}, cwd=tmp_path)
    assert message in str(caught.value)


def test_named_config_that_does_not_exist(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config("missing.toml", env={}, cwd=tmp_path)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("", 10.0),  # the default
        ("[attendance]\nmin_minutes = 15\n", 15.0),
        ("[attendance]\nmin_minutes = 7.5\n", 7.5),
    ],
)
def test_attendance_min_minutes_is_ten_unless_the_file_says(tmp_path, text, minutes):
    write(tmp_path, '[spreadsheet]\npath = "school.xlsx"\n' + text)
    assert load_config(env={}, cwd=tmp_path).min_minutes == minutes


@pytest.mark.parametrize("value", ["0", "-5", '"ten"', "true"])
def test_attendance_min_minutes_must_be_a_positive_number(tmp_path, value):
    write(tmp_path, f"[attendance]\nmin_minutes = {value}\n")
    with pytest.raises(ConfigError, match=r"\[attendance\] min_minutes must be a positive number"):
        load_config(env={}, cwd=tmp_path)


def test_requests_feedback_and_pause_after_default_to_the_forms_question_texts(tmp_path):
    config = load_config(workbook="r.xlsx", env={}, cwd=tmp_path)
    assert config.pause_after == 0  # off
    assert (config.requests.tab, config.requests.email) == ("Requests", "Email Address")
    assert (config.requests.skip, config.requests.pause, config.requests.come_back) == (
        "Skip one session",
        "Pause",
        "Come back",
    )
    assert (config.feedback.tab, config.feedback.useful) == ("Feedback", "How useful was it? (1-5)")
    assert config.feedback.report_tab == "Feedback report"
    assert config.requests.form.form_id == config.feedback.form.form_id == ""


def test_requests_feedback_and_pause_after_from_the_file(tmp_path):
    write(
        tmp_path,
        """
[attendance]
pause_after = 2
[requests]
tab = "Form Responses 1"
request = "What do you need?"
come_back = "I'm back"
form_id = "https://docs.google.com/forms/d/e/1FAIpQLSeAbc_def-123/viewform?usp=sf_link"
session_date_entry = "entry.987654321"
[feedback]
tab = "Form Responses 2"
met = "Did you meet?"
email_entry = "123456"
""",
    )
    config = load_config(env={}, cwd=tmp_path)
    assert config.pause_after == 2
    assert (config.requests.tab, config.requests.request) == (
        "Form Responses 1",
        "What do you need?",
    )
    assert config.requests.come_back == "I'm back"
    assert config.requests.form.form_id == "1FAIpQLSeAbc_def-123"  # the address, cut to its id
    assert config.requests.form.session_date_entry == "987654321"
    assert (config.feedback.tab, config.feedback.met) == ("Form Responses 2", "Did you meet?")
    assert config.feedback.form.email_entry == "123456"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[attendance]\npause_after = -1\n", "pause_after must be a number of sessions"),
        ('[attendance]\npause_after = "2"\n', "pause_after must be a whole number"),
        ('[requests]\nskip = "Pause"\n', "[requests] skip and pause are the same text"),
        ('[requests]\nuntil = "session  DATE"\n', "session_date and until are the same text"),
        ('[requests]\ntab = ""\n', "[requests] tab must not be empty"),
        ('[feedback]\nreport_tab = "feedback"\n', "the summary would replace the students'"),
        ('[feedback]\ncomment = ""\n', "[feedback] comment must not be empty"),
        (
            '[feedback]\nform_id = "https://docs.google.com/forms/d/1AbCdEfGhIjK/edit"\n',
            "form_id is the form's editing address",
        ),
        ('[requests]\nform_id = "my form"\n', "form_id must be the id in the address"),
        ('[requests]\nemail_entry = "email"\n', "email_entry must be a question's entry number"),
        ("[requests]\nsheet = 1\n", "unknown key 'sheet' in [requests]"),
    ],
)
def test_requests_and_feedback_mistakes_are_named(tmp_path, text, message):
    write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(env={}, cwd=tmp_path)
    assert message in str(caught.value)


# -- [zoom] ----------------------------------------------------------------------------------

ZOOM = """
[zoom]
account_id = "SchoolAcct-8f3K2"
client_id = "mixitupS2SclientID"
client_secret = "file-s3cr3t-value"
meeting_id = {meeting}
"""


@pytest.mark.parametrize(
    "meeting",
    ["81234567890", '"812 3456 7890"', '"812-3456-7890"', '" 81234567890 "'],
    ids=["number", "as Zoom shows it", "with dashes", "padded"],
)
def test_zoom_section_reads_the_app_and_the_meeting_id_in_any_spelling(tmp_path, meeting):
    write(tmp_path, '[spreadsheet]\npath = "s.xlsx"\n' + ZOOM.format(meeting=meeting))
    app = load_config(env={}, cwd=tmp_path).zoom_app
    assert app is not None
    assert (app.account_id, app.client_id, app.client_secret, app.meeting_id) == (
        "SchoolAcct-8f3K2",
        "mixitupS2SclientID",
        "file-s3cr3t-value",
        81234567890,
    )
    assert app.shown_meeting() == "812 3456 7890"


@pytest.mark.parametrize("zoom", ["", '[zoom]\n# account_id = "..."\n'], ids=["none", "empty"])
def test_without_zoom_keys_there_is_no_zoom_app_and_meeting_words_stay(tmp_path, zoom):
    write(tmp_path, '[spreadsheet]\npath = "s.xlsx"\n[meeting]\nzoom = "Room A"\n' + zoom)
    config = load_config(env={"MIXITUP_ZOOM_CLIENT_SECRET": "env-secret"}, cwd=tmp_path)
    assert (config.zoom_app, config.zoom) == (None, "Room A")


def test_the_environment_secret_wins_over_the_file_and_no_repr_shows_either(tmp_path):
    write(tmp_path, ZOOM.format(meeting="81234567890"))
    config = load_config(env={"MIXITUP_ZOOM_CLIENT_SECRET": "env-s3cr3t"}, cwd=tmp_path)
    assert config.zoom_app is not None
    assert config.zoom_app.client_secret == "env-s3cr3t"
    for shown in (repr(config), repr(config.zoom_app), str(config.zoom_app)):
        assert "s3cr3t" not in shown


def test_the_environment_secret_stands_in_for_a_missing_file_secret(tmp_path):
    text = ZOOM.format(meeting="81234567890").replace('client_secret = "file-s3cr3t-value"\n', "")
    write(tmp_path, text)
    config = load_config(env={"MIXITUP_ZOOM_CLIENT_SECRET": "env-s3cr3t"}, cwd=tmp_path)
    assert config.zoom_app is not None
    assert config.zoom_app.client_secret == "env-s3cr3t"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[zoom]\nmeeting_id = 81234567890\n",
            "[zoom] needs account_id, client_id, client_secret (or ",
        ),
        (
            '[zoom]\naccount_id = "a"\nclient_id = "c"\nmeeting_id = 81234567890\n',
            "[zoom] needs client_secret (or MIXITUP_ZOOM_CLIENT_SECRET)",
        ),
        (
            '[zoom]\naccount_id = ""\nclient_id = "c"\nclient_secret = "s3cr3t"\n'
            "meeting_id = 81234567890\n",
            "[zoom] account_id must not be empty",
        ),
        (
            '[zoom]\naccount_id = "a"\nclient_id = "c"\nclient_secret = "s3cr3t"\n'
            'meeting_id = "8123"\n',
            "meeting_id must be the recurring meeting's ID, 9 to 11 digits like 81234567890 or "
            "\"812 3456 7890\", not '8123'",
        ),
        (
            '[zoom]\naccount_id = "a"\nclient_id = "c"\nclient_secret = "s3cr3t"\n'
            'meeting_id = "https://us06web.zoom.us/j/81234567890?pwd=Sesame123"\n',
            "not a join link",
        ),
        (
            '[zoom]\naccount_id = "a"\nclient_id = "c"\nclient_secret = 9753197531\n'
            "meeting_id = 81234567890\n",
            "[zoom] client_secret must be text in quotes (not shown here: a secret)",
        ),
        ("[zoom]\nmeeting = 81234567890\n", "unknown key 'meeting' in [zoom]"),
    ],
    ids=[
        "only the meeting",
        "no secret",
        "empty id",
        "short meeting",
        "join link",
        "secret a number",
        "typo",
    ],
)
def test_zoom_section_mistakes_are_named_without_quoting_secrets(tmp_path, text, expected):
    write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(env={}, cwd=tmp_path)
    assert expected in str(error.value)
    for secret in ("s3cr3t", "9753197531", "Sesame123"):
        assert secret not in str(error.value)


# -- Telling each group: [slack], [email], [meeting] url and team -------------------------------

SLACK_TOKEN = "xoxb-111-222-ToKeNnOtToShOw"


def test_meeting_link_and_team_default_to_none_and_career_development(tmp_path):
    config = load_config(workbook="r.xlsx", env={}, cwd=tmp_path)
    assert (config.meeting_url, config.team, config.slack, config.email) == (
        "",
        "Career Development",
        None,
        None,
    )
    write(tmp_path, '[meeting]\nurl = "https://zoom.us/j/1"\nteam = "Careers Office"\n')
    config = load_config(env={}, cwd=tmp_path)
    assert (config.meeting_url, config.team) == ("https://zoom.us/j/1", "Careers Office")


def test_a_section_whose_keys_are_all_commented_out_is_off(tmp_path):
    """As `mixitup init` writes them: [slack] and [email] with every key commented."""
    write(tmp_path, '[slack]\n# token = "xoxb-..."\n[email]\n# host = "smtp"\n')
    config = load_config(env={}, cwd=tmp_path)
    assert (config.slack, config.email) == (None, None)


def test_slack_token_from_the_file_or_the_environment_which_wins(tmp_path):
    write(tmp_path, f'[slack]\ntoken = "{SLACK_TOKEN}"\nremind_minutes = 10\n')
    config = load_config(env={}, cwd=tmp_path)
    assert config.slack is not None
    assert (config.slack.token, config.slack.remind_minutes) == (SLACK_TOKEN, 10)
    env = {"MIXITUP_SLACK_TOKEN": "xoxb-from-env"}
    assert load_config(env=env, cwd=tmp_path).slack.token == "xoxb-from-env"
    # the environment alone turns Slack on, even with no config file
    bare = tmp_path / "no-config-here"
    bare.mkdir()
    alone = load_config(workbook="r.xlsx", env=env, cwd=bare).slack
    assert (alone.token, alone.remind_minutes) == ("xoxb-from-env", 15)


def test_the_proxy_and_ca_bundle_for_slack_and_email_come_from_the_environment(tmp_path):
    write(tmp_path, '[slack]\n[email]\nhost = "smtp.x"\nsender = "c@x"\n')
    env = {
        "MIXITUP_SLACK_TOKEN": SLACK_TOKEN,
        "https_proxy": "http://user:pr0xyPass@proxy.school:3128",
        "SSL_CERT_FILE": "/etc/school/ca.pem",
    }
    config = load_config(env=env, cwd=tmp_path)
    assert config.slack.proxy == "http://user:pr0xyPass@proxy.school:3128"
    assert config.slack.ca_file == config.email.ca_file == Path("/etc/school/ca.pem")
    assert load_config(env={"MIXITUP_SLACK_TOKEN": SLACK_TOKEN}, cwd=tmp_path).slack.proxy == ""


def test_email_defaults_to_starttls_on_587_and_the_environment_password_wins(tmp_path):
    write(
        tmp_path,
        '[email]\nhost = "smtp.school.example"\nsender = "careers@school.example"\n'
        'username = "careers"\npassword = "from-file"\n',
    )
    email = load_config(env={}, cwd=tmp_path).email
    assert (email.host, email.port, email.security, email.username, email.password) == (
        "smtp.school.example",
        587,
        "starttls",
        "careers",
        "from-file",
    )
    email = load_config(env={"MIXITUP_SMTP_PASSWORD": "from-env"}, cwd=tmp_path).email
    assert email.password == "from-env"


@pytest.mark.parametrize(("security", "port"), [("ssl", 465), ("none", 25), ("STARTTLS", 587)])
def test_each_email_security_has_its_usual_port(tmp_path, security, port):
    write(tmp_path, f'[email]\nhost = "h"\nsender = "c@x"\nsecurity = "{security}"\n')
    email = load_config(env={}, cwd=tmp_path).email
    assert (email.security, email.port) == (security.lower(), port)


def test_secrets_are_kept_out_of_every_repr(tmp_path):
    write(
        tmp_path,
        f'[slack]\ntoken = "{SLACK_TOKEN}"\n'
        '[email]\nhost = "h"\nsender = "c@x"\nusername = "u"\npassword = "SmTpPa55"\n',
    )
    env = {"HTTPS_PROXY": "http://u:pr0xyPass@proxy:3128"}
    shown = repr(load_config(env=env, cwd=tmp_path))
    for secret in ("ToKeNnOtToShOw", "SmTpPa55", "pr0xyPass"):
        assert secret not in shown


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("[slack]\nremind = 5\n", {}, "unknown key 'remind' in [slack]"),
        ("[slack]\nremind_minutes = 5\n", {}, "[slack] needs token"),
        ("[slack]\ntoken = 12345\n", {}, '[slack] token must be text in quotes, like "xoxb-..."'),
        ('[slack]\ntoken = "SECRET-abc"\n', {}, "[slack] token is not a Slack token"),
        ("", {"MIXITUP_SLACK_TOKEN": "SECRET-abc"}, "MIXITUP_SLACK_TOKEN is not a Slack token"),
        (f'[slack]\ntoken = "{SLACK_TOKEN}"\nremind_minutes = -5\n', {}, "0 (no reminder) or more"),
        ('[email]\nhost = "h"\n', {}, "[email] needs host"),
        ('[email]\nhost = "h"\nsender = "c@x"\nsecurity = "tls"\n', {}, "security must be"),
        ('[email]\nhost = "h"\nsender = "c@x"\nport = 70000\n', {}, "must be a port number"),
        ('[email]\nhost = "h"\nsender = "c@x"\nusername = "u"\n', {}, "no password"),
        (
            '[email]\nhost = "h"\nsender = "c@x"\n',
            {"MIXITUP_SMTP_PASSWORD": "SECRET-pw"},
            "username is not",
        ),
        (
            '[email]\nhost = "h"\nsender = "c@x"\nsecurity = "none"\nusername = "u"\n',
            {"MIXITUP_SMTP_PASSWORD": "SECRET-pw"},
            "would send the password unencrypted",
        ),
        (
            '[email]\nhost = "h"\nsender = "c@x"\nusername = "u"\npassword = 7\n',
            {},
            "[email] password must be text",
        ),
        ('[meeting]\nurl = "zoom.us/j/1"\n', {}, "[meeting] url must be the link"),
    ],
)
def test_messaging_mistakes_are_named_without_quoting_a_secret(tmp_path, text, env, message):
    write(tmp_path, text or "[groups]\n")
    with pytest.raises(ConfigError) as caught:
        load_config(env=env, cwd=tmp_path)
    assert message in str(caught.value)
    assert "SECRET" not in str(caught.value)


def test_modules_and_minutes_default_to_four_and_an_hour_and_come_from_the_file(tmp_path):
    config = load_config(workbook="r.xlsx", env={}, cwd=tmp_path)
    assert (config.modules, config.minutes) == (4, 60)
    write(tmp_path, "[roster]\nmodules = 5\n[meeting]\nminutes = 90\n")
    config = load_config(env={}, cwd=tmp_path)
    assert (config.modules, config.minutes) == (5, 90)
