"""Any roster staff might type either publishes a valid session or exits 3 with nothing written."""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from mixitup.cli import main
from tests.helpers import HEADER, write_workbook

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
# Rows a careful staff member types: most rosters publish, so a dropped row would show.
clean = st.builds(
    lambda number, with_email, program, module, cohort, status: (
        f"Student {number}",
        f"s{number}@x.edu" if with_email else "",
        program,
        module,
        cohort,
        status,
    ),
    st.integers(0, 10**6),
    st.booleans(),
    st.sampled_from(["BE", "FE", "be", " FE "]),
    st.sampled_from(["1", "Mod 2", "M3", "4", "mod 4 ", 3, 4.0]),
    st.sampled_from(["", "2409-BE", "2410-FE"]),
    st.sampled_from(["", "Active", "Withdrawn", "on leave"]),
)
rosters = st.one_of(
    st.lists(rows | blank, min_size=0, max_size=40),
    st.lists(clean | blank, min_size=0, max_size=40),
    # a careful roster with one or two slips
    st.tuples(st.lists(clean, max_size=30), st.lists(rows, min_size=1, max_size=2)).map(
        lambda parts: parts[0] + parts[1]
    ),
)


ROW_NUMBERS = re.compile(r"\brows? ((?:\d+(?:-\d+)?(?:, | and )?)+)")


def suspects(roster: list[tuple[object, ...]]) -> tuple[set[int], set[int], list[str]]:
    """An oracle, independent of mixitup: (rows surely wrong, rows that may be named in a
    problem, the names every valid active row should publish), rows numbered as in the sheet."""
    wrong: set[int] = set()
    names: dict[str, list[int]] = {}
    emails: dict[str, list[int]] = {}
    active: list[str] = []
    for number, (name, email, program, module, _, status) in enumerate(roster, 2):
        cells = [visible(str(c)).strip() for c in (name, email, program, module, status)]
        if not any(cells) and not str(_).strip():
            continue
        shown = " ".join(visible(str(name)).split())
        state = " ".join(str(status).casefold().split())
        if state not in ("", "active", "withdrawn", "on leave"):
            wrong.add(number)
        if not shown:
            wrong.add(number)
            continue
        names.setdefault(unicodedata.normalize("NFKC", shown).casefold(), []).append(number)
        if str(email).strip():
            emails.setdefault(str(email).strip().casefold(), []).append(number)
        if state in ("withdrawn", "on leave"):
            continue
        module_ok = re.fullmatch(
            r"(?:mod(?:ule)?|m)?[\s.#:-]*([1-4])(?:\.0+)?", str(module).strip(), re.I
        )
        if not module_ok or not str(program).strip():
            wrong.add(number)
        elif state in ("", "active"):
            active.append(shown)
    repeated = {n for rows in emails.values() if len(rows) > 1 for n in rows}
    wrong |= repeated
    maybe = wrong | {n for rows in names.values() if len(rows) > 1 for n in rows}
    return wrong, maybe, active


@settings(
    max_examples=60,
    deadline=None,
    # capsys is emptied at the start of each example, so sharing it between them is safe
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(roster=rosters)
def test_messy_roster_publishes_whole_or_exits_3_untouched(roster, capsys):
    wrong, maybe, active = suspects(roster)
    with tempfile.TemporaryDirectory() as folder:
        path = write_workbook(Path(folder) / "r.xlsx", {"Roster": [HEADER, *roster]})
        before = path.read_bytes()
        capsys.readouterr()
        code = main(
            ["-q", "--workbook", str(path), "publish", "--date", "2027-01-13", "--week", "2"]
        )
        err = capsys.readouterr().err
        assert code in (0, 3)
        event(f"exit {code}")
        if code == 3:
            assert path.read_bytes() == before
            named = {
                int(n) for found in ROW_NUMBERS.findall(err) for n in re.findall(r"\d+", found)
            }
            # A roster too small to group, or empty, is a problem of no row in particular.
            assert named <= maybe, err
            assert named or not wrong or "row" not in err, err
            return
        assert not wrong, f"rows {sorted(wrong)} are wrong, yet the publish went through"
        book = openpyxl.load_workbook(path)
        groups = list(book["2027-01-13 Week 2 Groups"].iter_rows(values_only=True))[1:]
        history = list(book["History"].iter_rows(values_only=True))[1:]
        assert len(groups) == len(history)
        assert len({r[4] for r in history}) == len(history)  # everyone placed exactly once
        sizes = Counter(r[0] for r in groups)
        assert max(sizes.values()) - min(sizes.values()) <= 1
        # Every valid active row is in a group, and nothing else is.
        assert Counter(r[1] for r in groups) == Counter(active)
