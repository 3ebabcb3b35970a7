"""Any roster staff might type either publishes a valid session or exits 3 with nothing written."""

from __future__ import annotations

import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from mixitup.cli import main
from tests.conftest import HEADER, write_workbook

names = st.one_of(
    st.sampled_from(
        ["Ann Lee", " Bo  Diaz ", "=SUM(A1)", "+1", "@bo", "Zoë", "李雷", "", "Ann Lee"]
    ),
    # any text a cell can hold (xlsx itself refuses most control characters)
    st.text(max_size=12).filter(lambda t: not ILLEGAL_CHARACTERS_RE.search(t)),
)
rows = st.tuples(
    names,
    st.sampled_from(["", "a@x.edu", "A@X.edu", "b@x.edu", "c@x.edu"]) | st.emails(),
    st.sampled_from(["BE", "FE", "be", " FE ", ""]),
    st.sampled_from(["1", "Mod 2", "M3", "4", "mod 4 ", "Mod 7", "", "x", 3, 4.0]),
    st.sampled_from(["", "2409-BE", "2410-FE"]),
    st.sampled_from(["", "Active", "Withdrawn", "on leave", "Activ"]),
)


def visible(text: str) -> str:
    """The text without control characters, which mixitup strips with a warning."""
    hidden = "\u200b\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    text = "".join(" " if c in "\t\n\r\v\f\u2028\u2029" else c for c in text)  # line breaks
    return "".join(c for c in text if unicodedata.category(c) != "Cc" and c not in hidden)


blank = st.just(("", "", "", "", "", ""))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rows | blank, min_size=0, max_size=40))
def test_messy_roster_publishes_whole_or_exits_3_untouched(roster):
    with tempfile.TemporaryDirectory() as folder:
        path = write_workbook(Path(folder) / "r.xlsx", {"Roster": [HEADER, *roster]})
        before = path.read_bytes()
        code = main(
            ["-q", "--workbook", str(path), "publish", "--date", "2027-01-13", "--week", "2"]
        )
        assert code in (0, 3)
        event(f"exit {code}")
        if code == 3:
            assert path.read_bytes() == before
            return
        book = openpyxl.load_workbook(path)
        groups = list(book["2027-01-13 Week 2 Groups"].iter_rows(values_only=True))[1:]
        history = list(book["History"].iter_rows(values_only=True))[1:]
        assert len(groups) == len(history)
        assert len({r[4] for r in history}) == len(history)  # everyone placed exactly once
        sizes = Counter(r[0] for r in groups)
        assert max(sizes.values()) - min(sizes.values()) <= 1
        typed = {" ".join(visible(str(r[0])).split()) for r in roster}
        assert {r[1] for r in groups} <= typed
