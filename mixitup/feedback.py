"""The Feedback tab -> how the sessions went, in the students' words: per session, per lead and
per group size (responses, share whose group met, share who found it useful). Pure.

Read like the Requests tab (`mixitup.responses`): headers by name, dates as Forms writes them,
bad rows and unknown emails listed for staff. Comments never leave the staff spreadsheet: the
reader only notes whether a response has one, so no table, tab or CSV can carry their text.
A student's latest response for a session replaces their earlier ones. A lead's figures come
from the other members of the groups they led; the lead's own response does not count.
pandas does the counting.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mixitup.config import FeedbackTab
from mixitup.layout import is_lead, parse_label
from mixitup.models import Cell, Chart, Entry, Rows, Tab
from mixitup.responses import Problem, ResponseTab, Stranger, email_problem
from mixitup.roster import Roster

if TYPE_CHECKING:
    import pandas as pd

MARKER = "Mix It Up feedback"  # A1 of the tab mixitup writes, so it never replaces a staff tab
USEFUL = 4  # a rating of 4 or 5 counts as useful
_YES = {"yes", "y", "true"}
_NO = {"no", "n", "false"}
FIGURES = ("responses", "met %", "useful %", "mean usefulness")
SESSION_COLUMNS = ("session", "date", "grouped", *FIGURES, "comments")
LEAD_COLUMNS = ("lead", "lead key", "groups led", *FIGURES)
SIZE_COLUMNS = ("group size", "groups", *FIGURES)
CHART_GAP = 1
CHART_COLUMNS = 8
HEADER_FILL = "#D9E2F3"


@dataclass(frozen=True)
class Answer:
    """One student's readable response about one session they were grouped in."""

    row: int
    at: dt.datetime
    key: str
    session: str  # the session's label, as the History names it
    met: bool | None  # None: not answered
    useful: int | None  # 1-5; None: not answered
    commented: bool  # whether they wrote a comment; its text is never read


@dataclass(frozen=True)
class Feedback:
    """The Feedback tab as read: the answers that count, and what staff should check."""

    tab: str
    answers: tuple[Answer, ...] = ()
    problems: tuple[Problem, ...] = ()
    strangers: tuple[Stranger, ...] = ()

    def notes(self) -> list[str]:
        """What staff should check in the tab, one line each in row order: unreadable rows and
        emails on no roster row."""
        found: list[Problem | Stranger] = [*self.problems, *self.strangers]
        return [str(n) for n in sorted(found, key=lambda n: n.row)]


def read_feedback(
    rows: Rows | None, settings: FeedbackTab, roster: Roster, entries: Sequence[Entry]
) -> Feedback:
    """The Feedback tab's rows (row 1 the header; None when there is no such tab) as read.

    `entries` are the History's (as matched to the roster): a response counts for the session
    on its date that the student was grouped in. Emails neither on the roster nor in the
    History are listed as strangers; unreadable rows are listed with every problem in them.
    """
    if not rows:
        return Feedback(settings.tab)
    headers = {
        "timestamp": settings.timestamp,
        "email": settings.email,
        "session_date": settings.session_date,
        "met": settings.met,
        "useful": settings.useful,
        "comment": settings.comment,
    }
    tab = ResponseTab(settings.tab, rows, headers, "feedback")
    problems = tab.missing(("timestamp", "email", "session_date"))
    if problems:
        return Feedback(settings.tab, problems=tuple(problems))
    grouped: dict[tuple[str, dt.date], str] = {}
    for entry in entries:
        session = parse_label(entry.session)
        if session is not None:
            grouped[(entry.key, session.date)] = entry.session
    known = set(roster.keys) | {key for key, _ in grouped}
    latest: dict[tuple[str, str], Answer] = {}
    strangers = []
    for number, cells in tab.body():
        found = _answer(tab, number, cells, grouped, known)
        if isinstance(found, Answer):
            mine = (found.key, found.session)
            if mine not in latest or (latest[mine].at, latest[mine].row) < (found.at, found.row):
                latest[mine] = found
        elif isinstance(found, Stranger):
            strangers.append(found)
        else:
            problems += found
    answers = sorted(latest.values(), key=lambda a: (a.session, a.key))
    return Feedback(settings.tab, tuple(answers), tuple(problems), tuple(strangers))


def _answer(
    tab: ResponseTab,
    row: int,
    cells: Sequence[str],
    grouped: dict[tuple[str, dt.date], str],
    known: set[str],
) -> Answer | Stranger | list[Problem]:
    """One row as an answer, a stranger's response, or every problem in it."""
    problems = []
    email = tab.cell(cells, "email").casefold()
    wrong = email_problem(email)
    if wrong:
        problems.append(tab.problem(row, "email", wrong))
    at = tab.timestamp(tab.cell(cells, "timestamp"))
    if isinstance(at, str):
        problems.append(tab.problem(row, "timestamp", at))
    text = tab.cell(cells, "session_date")
    day = tab.date(text) if text else "the session's date is empty."
    if isinstance(day, str):
        problems.append(tab.problem(row, "session_date", day))
    met = _met(tab.cell(cells, "met"))
    if isinstance(met, str):
        problems.append(tab.problem(row, "met", met))
    useful = _useful(tab.cell(cells, "useful"))
    if isinstance(useful, str):
        problems.append(tab.problem(row, "useful", useful))
    if isinstance(at, str) or isinstance(day, str) or isinstance(met, str):
        return problems
    if isinstance(useful, str) or problems:
        return problems
    if email not in known:
        return Stranger(tab.title, row, email)
    session = grouped.get((email, day))
    if session is None:
        what = f"{email} was in no group of a session on {day.isoformat()} (History)."
        return [tab.problem(row, "session_date", f"{what} Check the date.")]
    return Answer(row, at, email, session, met, useful, bool(tab.cell(cells, "comment")))


def _met(text: str) -> bool | str | None:
    word = text.strip().casefold().rstrip(".!")
    if not word:
        return None
    if word in _YES:
        return True
    if word in _NO:
        return False
    return f'"{text}" is neither Yes nor No.'


def _useful(text: str) -> int | str | None:
    word = text.strip()
    if not word:
        return None
    try:
        number = float(word)
    except ValueError:
        number = 0.5
    if not number.is_integer() or not 1 <= number <= 5:
        return f'"{text}" is not a rating from 1 to 5.'
    return int(number)


@dataclass(frozen=True)
class Summary:
    """The three tables, as DataFrames whose columns are SESSION_COLUMNS, LEAD_COLUMNS and
    SIZE_COLUMNS. Percentages are whole numbers; a figure nobody answered is missing (NaN)."""

    sessions: pd.DataFrame
    leads: pd.DataFrame
    sizes: pd.DataFrame

    def lines(self) -> list[str]:
        """A few lines for staff: responses, and how many met and found it useful."""
        sessions = self.sessions
        responses = int(sessions["responses"].sum()) if not sessions.empty else 0
        if not responses:
            return ["Feedback: no responses yet."]
        answered = sessions[sessions["responses"] > 0]
        return [
            f"Feedback: {responses} response{'' if responses == 1 else 's'} about "
            f"{len(answered)} session{'' if len(answered) == 1 else 's'} "
            f"(of {int(sessions['grouped'].sum())} students grouped).",
            f"Per session, groups met for {_range(answered['met %'])} of respondents and "
            f"{_range(answered['useful %'])} found it useful (4 or 5 of 5).",
        ]


def _range(column: pd.Series) -> str:
    known = column.dropna()
    if known.empty:
        return "(not answered)"
    low, high = int(known.min()), int(known.max())
    return f"{low}%" if low == high else f"{low}-{high}%"


def summarise(feedback: Feedback, entries: Sequence[Entry]) -> Summary:
    """The summary of `feedback` against the History's `entries` (as matched to the roster).

    Every session in the History is listed, answered or not; a lead or a group size is
    listed when some group of theirs (of it) exists.
    """
    import pandas as pd

    places = _places(entries)
    answers = pd.DataFrame(
        [(a.session, a.key, a.met, a.useful, a.commented) for a in feedback.answers],
        columns=["session", "key", "met", "useful", "commented"],
    )
    joined = answers.merge(places, on=["session", "key"], how="inner")
    joined["met"] = joined["met"].astype("float64")  # None -> NaN, so means skip it
    joined["useful"] = joined["useful"].astype("float64")

    groups = places.drop_duplicates(["session", "group"])
    per_session = places.groupby("session").agg(date=("date", "first"), grouped=("key", "size"))
    sessions = per_session.join(_figures(joined, "session"))
    sessions["comments"] = joined.groupby("session")["commented"].sum()
    sessions = sessions.reset_index().sort_values(["date", "session"])

    led = places[places["lead"]].rename(columns={"key": "lead key", "name": "lead"})
    led = led[["session", "group", "lead key", "lead"]]
    by_lead = joined.merge(led, on=["session", "group"])
    by_lead = by_lead[by_lead["key"] != by_lead["lead key"]]  # the lead's own answer
    leads = (
        led.groupby("lead key")
        .agg(lead=("lead", "last"), **{"groups led": ("group", "size")})
        .join(_figures(by_lead, "lead key"))
        .reset_index()
        .sort_values(["lead", "lead key"], key=lambda s: s.str.casefold())
    )

    sizes = (
        groups.groupby("size")
        .agg(groups=("group", "size"))
        .join(_figures(joined, "size"))
        .reset_index()
        .rename(columns={"size": "group size"})
        .sort_values("group size")
    )
    return Summary(
        _finish(sessions, SESSION_COLUMNS),
        _finish(leads, LEAD_COLUMNS),
        _finish(sizes, SIZE_COLUMNS),
    )


def _places(entries: Sequence[Entry]) -> pd.DataFrame:
    """One row per student per session: date, group, group size, name, and whether they led."""
    import pandas as pd

    size: dict[tuple[str, int], int] = defaultdict(int)
    for e in entries:
        size[(e.session, e.group)] += 1
    rows = []
    for e in entries:
        session = parse_label(e.session)
        day = session.date.isoformat() if session is not None else e.session[:10]
        rows.append(
            (e.session, day, e.group, size[(e.session, e.group)], e.key, e.name, is_lead(e.role))
        )
    columns = ["session", "date", "group", "size", "key", "name", "lead"]
    table = pd.DataFrame(rows, columns=columns).astype(
        {"group": "int64", "size": "int64", "lead": "bool"}
    )
    return table.drop_duplicates(["session", "key"], keep="last")


def _figures(answers: pd.DataFrame, by: str) -> pd.DataFrame:
    """Responses, met %, useful % and mean usefulness per value of column `by`."""
    import pandas as pd

    grouped = answers.assign(good=(answers["useful"] >= USEFUL).where(answers["useful"].notna()))
    grouped["good"] = grouped["good"].astype("float64")
    per = grouped.groupby(by)
    return pd.DataFrame(
        {
            "responses": per.size(),
            "met %": (per["met"].mean() * 100).round(),
            "useful %": (per["good"].mean() * 100).round(),
            "mean usefulness": per["useful"].mean().round(1),
        }
    )


def _finish(table: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The table with exactly `columns`, counts as whole numbers, no answers as 0 responses."""
    import pandas as pd

    table = table.reindex(columns=list(columns))
    for name in ("grouped", "groups", "groups led", "responses", "comments", "group size"):
        if name in table:
            table[name] = table[name].fillna(0).astype("int64")
    return pd.DataFrame(table).reset_index(drop=True)


def feedback_tab(summary: Summary, title: str, written: dt.datetime, source: str) -> Tab:
    """The staff tab of the feedback summary: sessions, leads and group sizes, with a chart of
    met % and useful % per session beside them. `source` names the Feedback tab, where the
    comments are."""
    rows: list[tuple[Cell, ...]] = [
        (
            f"{MARKER}, written {written.isoformat(timespec='minutes')} by `mixitup report`; "
            f'rewritten whole each time. The comments are in the "{source}" tab only.',
        ),
        ("",),
        ("Sessions",),
    ]
    session_header = len(rows)
    sessions = table_rows(summary.sessions)
    rows += sessions
    rows += [("",), ("Leads (from the other members of the groups they led)",)]
    lead_header = len(rows)
    rows += table_rows(summary.leads)
    rows += [("",), ("Group sizes",)]
    size_header = len(rows)
    rows += table_rows(summary.sizes)
    width = max(len(SESSION_COLUMNS), len(LEAD_COLUMNS), len(SIZE_COLUMNS))
    chart = None
    if len(sessions) > 1:
        chart = Chart(
            kind="column",
            title="Usefulness per session: % whose group met, % who found it useful (4-5)",
            header_row=session_header,
            last_row=session_header + len(sessions) - 1,
            category_column=SESSION_COLUMNS.index("session"),
            series_columns=(SESSION_COLUMNS.index("met %"), SESSION_COLUMNS.index("useful %")),
            anchor_row=session_header,
            anchor_column=width + CHART_GAP,
            x_title="Session",
            y_title="% of responses",
        )
    widths = [max(10, min(40, len(c) + 2)) for c in SESSION_COLUMNS]
    widths[0] = max(widths[0], 24)
    widths += [12] * (width + CHART_GAP + CHART_COLUMNS - len(widths))
    headers = (session_header, lead_header, size_header)
    return Tab(
        title=title,
        rows=tuple(rows),
        widths=tuple(widths),
        frozen_rows=1,
        bold_rows=frozenset({0, *headers, *(h - 1 for h in headers)}),
        fills=dict.fromkeys(headers, HEADER_FILL),
        chart=chart,
    )


def table_rows(table: pd.DataFrame) -> list[tuple[Cell, ...]]:
    """A table as tab rows, header first: counts and percentages stay numbers (the chart needs
    them), a mean is text with one decimal, and a figure nobody answered is blank."""
    out: list[tuple[Cell, ...]] = [tuple(str(c) for c in table.columns)]
    for record in table.itertuples(index=False):
        out.append(tuple(_cell(name, v) for name, v in zip(table.columns, record, strict=True)))
    return out


def _cell(column: str, value: object) -> Cell:
    if not isinstance(value, numbers.Real):
        return str(value)
    number = float(value)
    if math.isnan(number):
        return ""
    if column == "mean usefulness":
        return f"{number:.1f}"
    return int(number)


def csv_texts(summary: Summary) -> dict[str, str]:
    """File name -> CSV text, one per table; text a spreadsheet would run is quoted (OWASP).
    No comment text is in any of them: the summary never holds it."""
    import csv
    import io

    from mixitup.export import neutralise

    files = {}
    for name, table in (
        ("feedback_sessions.csv", summary.sessions),
        ("feedback_leads.csv", summary.leads),
        ("feedback_sizes.csv", summary.sizes),
    ):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for row in table_rows(table):
            writer.writerow(neutralise(c) if isinstance(c, str) else c for c in row)
        files[name] = out.getvalue()
    return files


def is_feedback_tab(rows: Rows | None) -> bool:
    """Whether a tab is one mixitup wrote (so it may be replaced), judged by its first cell."""
    return bool(rows and rows[0] and rows[0][0].startswith(MARKER))
