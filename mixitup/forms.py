"""The two Google Forms students answer (requests; feedback): the questions to ask, as
mixitup.toml names them, and links to a form prefilled for each student. Pure.

A prefilled link has the shape Google's own "Get pre-filled link" gives:
`https://docs.google.com/forms/d/e/<form id>/viewform?usp=pp_url&entry.<n>=<value>&...`,
each value URL-encoded, a date question's value written year-month-day, and the form's own
email field (when it collects emails as "Responder input") named `emailAddress`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from mixitup.config import FeedbackTab, Form, RequestsTab
from mixitup.models import Student

EMAIL_FIELD = "emailAddress"  # the form's own email field, when it collects email addresses


def prefilled_link(form_id: str, answers: Sequence[tuple[str, str]]) -> str:
    """The form's address with `answers` filled in: (entry number or `emailAddress`, value)."""
    query = ["usp=pp_url"]
    for entry, value in answers:
        name = entry if entry == EMAIL_FIELD else f"entry.{entry}"
        query.append(f"{name}={quote(value, safe='')}")
    return f"https://docs.google.com/forms/d/e/{quote(form_id, safe='')}/viewform?{'&'.join(query)}"


def student_links(
    form: Form, students: Iterable[Student], session_date: dt.date | None = None
) -> dict[str, str]:
    """Student key -> a link to `form` with their email (and `session_date`, when the form
    names its entry) filled in; {} when the form has no id. Students without an email get
    none: a link would let them answer as nobody mixitup knows."""
    if not form.form_id:
        return {}
    links = {}
    for student in students:
        if not student.email:
            continue
        answers = [(form.email_entry or EMAIL_FIELD, student.email)]
        if session_date is not None and form.session_date_entry:
            answers.append((form.session_date_entry, session_date.isoformat()))
        links[student.key] = prefilled_link(form.form_id, answers)
    return links


def guide(requests: RequestsTab, feedback: FeedbackTab) -> list[str]:
    """How to make the two forms, in lines for `mixitup init` to print (docs/voice.md says more)."""
    return [
        "Students' requests and feedback (optional): make two Google Forms (docs/voice.md).",
        "In each form: Settings > Responses > Collect email addresses: Verified; then",
        "Responses > Link to Sheets > the staff spreadsheet. Rename the new tab",
        '(Forms calls it "Form Responses 1") or set its title in mixitup.toml.',
        f'1. Requests form, tab "{requests.tab}":',
        f'   "{requests.request}" (multiple choice): "{requests.skip}", "{requests.pause}", '
        f'"{requests.come_back}"',
        f'   "{requests.session_date}" (date): the session to skip',
        f'   "{requests.until}" (date): the last day away, for a pause',
        f'2. Feedback form, tab "{feedback.tab}":',
        f'   "{feedback.session_date}" (date): the session',
        f'   "{feedback.met}" (multiple choice): "Yes", "No"',
        f'   "{feedback.useful}" (linear scale 1 to 5)',
        f'   "{feedback.comment}" (paragraph; stays in the staff spreadsheet)',
    ]
