"""Links to the Google Forms prefilled per student, in the shape Google's "Get pre-filled link"
gives (`.../forms/d/e/<id>/viewform?usp=pp_url&entry.<n>=<value>`), and the questions to ask.

Sources for the link's shape: MarketingPipeline/Serverless-Forms guides/newsletter-2.md
(`viewform?usp=pp_url&entry.1321823232=a&entry.1709481087=a`), oshliaer/google-apps-script-
snippets issue 17 (`viewform?usp=pp_url&entry.1854759972=q1&entry.1109661125=q2`), and the
`emailAddress=` field of forms that collect emails as "Responder input" (public code building
`viewform?usp=pp_url&emailAddress=...&entry.N=...`).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlsplit

import openpyxl

from mixitup.config import FeedbackTab, Form, RequestsTab
from mixitup.forms import guide, prefilled_link, student_links
from mixitup.models import Student

FORM_ID = "1FAIpQLSeExampleFormId_-x"
STUDENTS = [
    Student("ana+mix@x.edu", "Ana", "BE", 2, "C", "ana+mix@x.edu"),
    Student("ben", "Ben", "BE", 2, "C"),  # no email: no link
]


def test_a_prefilled_link_has_googles_shape_with_each_value_encoded():
    link = prefilled_link(FORM_ID, [("123", "a b&c=d"), ("emailAddress", "ana+mix@x.edu")])
    assert link == (
        f"https://docs.google.com/forms/d/e/{FORM_ID}/viewform?usp=pp_url"
        "&entry.123=a%20b%26c%3Dd&emailAddress=ana%2Bmix%40x.edu"
    )
    query = dict(parse_qsl(urlsplit(link).query))
    assert query == {"usp": "pp_url", "entry.123": "a b&c=d", "emailAddress": "ana+mix@x.edu"}


def test_each_student_with_an_email_gets_their_own_link_with_the_session_date():
    form = Form(form_id=FORM_ID, email_entry="", session_date_entry="987654321")
    links = student_links(form, STUDENTS, dt.date(2027, 1, 13))
    assert list(links) == ["ana+mix@x.edu"]
    query = dict(parse_qsl(urlsplit(links["ana+mix@x.edu"]).query))
    assert query == {
        "usp": "pp_url",
        "emailAddress": "ana+mix@x.edu",  # the form's own email field
        "entry.987654321": "2027-01-13",  # a date question takes year-month-day
    }


def test_an_email_question_of_the_form_gets_the_email_instead():
    form = Form(form_id=FORM_ID, email_entry="555")
    query = dict(parse_qsl(urlsplit(student_links(form, STUDENTS)["ana+mix@x.edu"]).query))
    assert query == {"usp": "pp_url", "entry.555": "ana+mix@x.edu"}


def test_no_form_id_means_no_links():
    assert student_links(Form(), STUDENTS, dt.date(2027, 1, 13)) == {}


def test_the_guide_names_the_configured_question_texts_and_choices():
    text = "\n".join(guide(RequestsTab(request="What do you need?"), FeedbackTab(tab="Voice")))
    assert '"What do you need?" (multiple choice): "Skip one session", "Pause", "Come back"' in text
    assert 'Feedback form, tab "Voice"' in text
    assert '"How useful was it? (1-5)" (linear scale 1 to 5)' in text
    assert "Collect email addresses: Verified" in text


def test_feedback_links_of_a_session_go_to_those_grouped_in_it(tmp_path, capsys):
    """Not to a student who joined the roster since; and a date with no session is refused."""
    from mixitup.cli import main
    from tests.helpers import HEADER, make_roster, write_workbook

    path = write_workbook(tmp_path / "school.xlsx", {"Roster": [HEADER, *make_roster(12)]})
    config = tmp_path / "mixitup.toml"
    config.write_text(
        f'[spreadsheet]\npath = "{path}"\n\n[feedback]\nform_id = "{FORM_ID}"\n'
        'session_date_entry = "entry.9"\n',
        encoding="utf-8",
    )
    args = ["--config", str(config)]
    assert main([*args, "publish", "--date", "2027-01-13", "--week", "2"]) == 0
    book = openpyxl.load_workbook(path)
    book["Roster"].append(["Zed Late", "zed@example.edu", "BE", "Mod 2", "z", ""])
    book.save(path)
    capsys.readouterr()

    assert main([*args, "forms", "--links", "feedback", "--date", "2027-01-13"]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 12
    assert "Zed Late" not in out
    assert main([*args, "forms", "--links", "feedback", "--date", "2027-01-14"]) == 3
    assert "No session on 2027-01-14 is published" in capsys.readouterr().err
