"""What the year's sessions did: figures per student and per session, from the History. Pure.

pandas does the counting (group-bys over the history and over every pair that shared a
group). A pair *met* when both were in the group and neither is marked absent: a blank
`Attended` counts as attended, as everywhere in mixitup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mixitup import layout
from mixitup.models import Cell, Chart, Entry, Rows, Session, Student, Tab

if TYPE_CHECKING:
    import pandas as pd

MARKER = "Mix It Up report"  # A1 of the tab mixitup writes, so it never replaces a staff tab
STUDENT_COLUMNS = (
    "name",
    "student key",
    "program",
    "module",
    "cohort",
    "sessions grouped",
    "attended",
    "distinct people met",
    "distinct cohorts met",
    "distinct programs met",
    "distinct modules met",
    "times led",
)
SESSION_COLUMNS = (
    "session",
    "date",
    "week",
    "students",
    "groups",
    "groups led",
    "attended",
    "absent",
    "repeat pairs",
    "cohort-mate pairs",
)
CHART_GAP = 1  # empty columns between the tables and the chart
CHART_COLUMNS = 8  # columns the chart covers, so the tab's grid is wide enough for it
HEADER_FILL = "#D9E2F3"


def entries_frame(entries: Sequence[Entry]) -> pd.DataFrame:
    """The record's entries (`History.entries`: the History with staff edits of groups tabs
    folded in, keyed as the roster knows students) as one row per student per session."""
    import pandas as pd

    def column(values: list[str]) -> pd.Series:
        # Each distinct text stored once: 400,000 rows stay small.
        codes, uniques = pd.factorize(pd.Series(values, dtype=object))
        return pd.Series(pd.Index(uniques).astype(str).take(codes), dtype=object)

    sessions = {e.session: layout.parse_label(e.session) for e in entries}
    return pd.DataFrame(
        {
            "session": column([e.session for e in entries]),
            "date": column([_date(sessions[e.session]) for e in entries]),
            "week": column([_week(sessions[e.session]) for e in entries]),
            "group": column([str(e.group) for e in entries]),
            "key": column([e.key for e in entries]),
            "name": column([e.name for e in entries]),
            "program": column([e.program for e in entries]),
            "module": column([e.module for e in entries]),
            "cohort": column([e.cohort for e in entries]),
            "role": column([e.role for e in entries]),
            "attended": column([e.attended for e in entries]),
        }
    )


def _date(session: Session | None) -> str:
    return session.date.isoformat() if session else ""


def _week(session: Session | None) -> str:
    return str(session.week) if session else ""


@dataclass(frozen=True)
class Report:
    """The two tables, as DataFrames whose columns are STUDENT_COLUMNS and SESSION_COLUMNS."""

    students: pd.DataFrame
    sessions: pd.DataFrame

    def summary(self) -> list[str]:
        """A few lines for staff: sessions, students, people met, attendance, leads, repeats."""
        students, sessions = self.students, self.sessions
        grouped = students[students["sessions grouped"] > 0]
        if sessions.empty:
            return ["No published sessions in the History yet: nothing to report."]
        places = int(sessions["students"].sum())
        attended = int(sessions["attended"].sum())
        met = grouped["distinct people met"]
        first, last = sessions["session"].iloc[0], sessions["session"].iloc[-1]
        span = (
            f"1 session, {first}"
            if len(sessions) == 1
            else f"{len(sessions)} sessions from {first} to {last}"
        )
        return [
            f"{span}; {len(grouped)} students grouped.",
            f"Each student met {met.mean():.1f} different people on average (fewest "
            f"{int(met.min())}, most {int(met.max())}), from "
            f"{grouped['distinct cohorts met'].mean():.1f} cohorts, "
            f"{grouped['distinct programs met'].mean():.1f} programs and "
            f"{grouped['distinct modules met'].mean():.1f} modules.",
            f"Attended: {attended} of {places} places ({attended / places:.0%}); groups led: "
            f"{int(sessions['groups led'].sum())} of {int(sessions['groups'].sum())}; repeat "
            f"pairs: {int(sessions['repeat pairs'].sum())}; cohort-mate pairs: "
            f"{int(sessions['cohort-mate pairs'].sum())}.",
        ]


def build(history: pd.DataFrame, students: Sequence[Student] = ()) -> Report:
    """The report over `history` (from entries_frame) and the roster's `students`.

    Every roster student is listed, grouped or not; students no longer on the roster are
    listed from the history. A pair repeats in a session when it shares a group there and
    had met (both attended) in an earlier session.
    """
    import pandas as pd

    df = history.drop_duplicates(["session", "key"], keep="last").copy()
    df["present"] = ~_is(df["attended"], "no")
    df["lead"] = _is(df["role"], "lead")
    df["group"] = df["group"].astype("int32")
    order = (
        df.drop_duplicates("session")
        .assign(day=lambda d: d["date"].where(d["date"] != "", d["session"].str[:10]))
        .sort_values(["day", "session"])["session"]
        .tolist()
    )
    df["order"] = df["session"].map({label: i for i, label in enumerate(order)}).astype("int32")
    df["who"] = pd.factorize(df["key"])[0].astype("int32")
    df["gid"] = df.groupby(["order", "group"]).ngroup().astype("int32")
    for column in ("cohort", "program", "module"):
        codes = pd.factorize(df[column].replace("", None))[0]  # blank: -1, never "the same"
        df[f"{column}_code"] = codes.astype("int32")

    pairs = _pairs(df)
    met = pairs[pairs["present_a"] & pairs["present_b"]]
    return Report(_students(df, met, students), _sessions(df, pairs, met, order))


def _is(column: pd.Series, word: str) -> pd.Series:
    """Whether each cell says `word`, whatever its case; each distinct text is checked once."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(column)
    said = np.append(pd.Index(uniques).str.casefold() == word, False)  # code -1: NaN
    return pd.Series(said[codes], index=column.index)


def _pairs(df: pd.DataFrame) -> pd.DataFrame:
    """Every ordered pair (a, b), a != b, that shared a group: who, when, and b's cohort."""
    a = df[["gid", "who", "order", "present", "cohort_code"]]
    b = df[["gid", "who", "present", "cohort_code", "program_code", "module_code"]]
    pairs = a.add_suffix("_a").merge(b.add_suffix("_b"), left_on="gid_a", right_on="gid_b")
    return pairs[pairs["who_a"] != pairs["who_b"]]


def _students(df: pd.DataFrame, met: pd.DataFrame, roster: Sequence[Student]) -> pd.DataFrame:
    import pandas as pd

    by = df.groupby("who")
    per = pd.DataFrame(
        {
            "sessions grouped": by.size(),
            "attended": by["present"].sum(),
            "times led": by["lead"].sum(),
        }
    )
    met_by = met.groupby("who_a")
    per["distinct people met"] = met_by["who_b"].nunique()
    for column in ("cohort", "program", "module"):
        known = met[met[f"{column}_code_b"] >= 0].groupby("who_a")[f"{column}_code_b"]
        per[f"distinct {column}s met"] = known.nunique()
    last = df.sort_values("order").drop_duplicates("who", keep="last").set_index("who")
    per = per.join(last[["key", "name", "program", "module", "cohort"]])
    per = per.rename(columns={"key": "student key"}).fillna(0)
    on_roster = pd.DataFrame(
        [
            {
                "student key": s.key,
                "name": s.name,
                "program": s.program,
                "module": str(s.module),
                "cohort": s.cohort,
            }
            for s in roster
        ],
        columns=["student key", "name", "program", "module", "cohort"],
    )
    counts = [c for c in STUDENT_COLUMNS if c not in on_roster.columns]
    joined = on_roster.merge(per[["student key", *counts]], on="student key", how="left")
    gone = per[~per["student key"].isin(on_roster["student key"])]
    table = pd.concat([joined, gone[list(STUDENT_COLUMNS)]], ignore_index=True)
    table[counts] = table[counts].fillna(0).astype("int64")
    table = table.sort_values(["name", "student key"], key=lambda s: s.str.casefold())
    return table[list(STUDENT_COLUMNS)].reset_index(drop=True)


def _sessions(
    df: pd.DataFrame, pairs: pd.DataFrame, met: pd.DataFrame, order: list[str]
) -> pd.DataFrame:
    import pandas as pd

    by = df.groupby("order")
    table = pd.DataFrame(
        {
            "students": by.size(),
            "groups": by["group"].nunique(),
            "groups led": df[df["lead"]].groupby("order")["group"].nunique(),
            "attended": by["present"].sum(),
            "absent": (~df["present"]).groupby(df["order"]).sum(),
        }
    )
    once = pairs[pairs["who_a"] < pairs["who_b"]]  # each unordered pair once per session
    people = len(df) and int(df["who"].max()) + 1
    pair_id = once["who_a"].astype("int64") * people + once["who_b"]
    met_once = met[met["who_a"] < met["who_b"]]
    first_met = (
        met_once.assign(pair=met_once["who_a"].astype("int64") * people + met_once["who_b"])
        .groupby("pair")["order_a"]
        .min()
    )
    earlier = pair_id.map(first_met)
    table["repeat pairs"] = (earlier < once["order_a"]).groupby(once["order_a"]).sum()
    mates = (once["cohort_code_a"] == once["cohort_code_b"]) & (once["cohort_code_a"] >= 0)
    table["cohort-mate pairs"] = mates.groupby(once["order_a"]).sum()
    first = df.drop_duplicates("order").set_index("order")
    table = table.join(first[["session", "date", "week"]])
    table = table.reindex(range(len(order))).fillna(0)
    counts = [c for c in SESSION_COLUMNS if c not in ("session", "date", "week")]
    table[counts] = table[counts].astype("int64")
    return table[list(SESSION_COLUMNS)].reset_index(drop=True)


def report_tab(report: Report, title: str, written: dt.datetime) -> Tab:
    """The staff Report tab: the sessions table, the students table, and a chart beside them."""
    sessions = _rows(report.sessions)
    students = _rows(report.students)
    stamp = written.isoformat(timespec="minutes")
    rows: list[tuple[Cell, ...]] = [
        (f"{MARKER}, written {stamp} by `mixitup report`; rewritten whole each time.",),
        ("",),
        ("Sessions",),
    ]
    session_header = len(rows)
    rows += sessions
    rows += [("",), ("Students",)]
    student_header = len(rows)
    rows += students
    width = max(len(STUDENT_COLUMNS), len(SESSION_COLUMNS))
    chart = None
    if len(sessions) > 1:
        chart = Chart(
            kind="column",
            title="Students grouped and attending, per session",
            header_row=session_header,
            last_row=session_header + len(sessions) - 1,
            category_column=SESSION_COLUMNS.index("session"),
            series_columns=(SESSION_COLUMNS.index("students"), SESSION_COLUMNS.index("attended")),
            anchor_row=session_header,
            anchor_column=width + CHART_GAP,
            x_title="Session",
            y_title="Students",
        )
    widths = [max(8, min(40, len(c) + 2)) for c in STUDENT_COLUMNS]
    widths[0] = max(widths[0], 24)
    widths += [12] * (width + CHART_GAP + CHART_COLUMNS - len(widths))
    return Tab(
        title=title,
        rows=tuple(rows),
        widths=tuple(widths),
        frozen_rows=1,
        bold_rows=frozenset(
            {0, session_header - 1, session_header, student_header - 1, student_header}
        ),
        fills={session_header: HEADER_FILL, student_header: HEADER_FILL},
        chart=chart,
    )


def _rows(table: pd.DataFrame) -> list[tuple[Cell, ...]]:
    """A table as tab rows, header first: counts stay numbers (a chart needs them)."""
    out: list[tuple[Cell, ...]] = [tuple(str(c) for c in table.columns)]
    for record in table.itertuples(index=False):
        out.append(tuple(v if isinstance(v, str) else int(v) for v in record))
    return out


def csv_text(table: pd.DataFrame) -> str:
    """A table as CSV with its plain headers; text that a spreadsheet would run is quoted."""
    import csv
    import io

    from mixitup.export import neutralise

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    for record in table.itertuples(index=False):
        writer.writerow(neutralise(v) if isinstance(v, str) else int(v) for v in record)
    return out.getvalue()


def is_report_tab(rows: Rows | None) -> bool:
    """Whether a tab is one mixitup wrote (so it may be replaced), judged by its first cell."""
    return bool(rows and rows[0] and rows[0][0].startswith(MARKER))
