"""The roster tab -> validated students; the keep-apart tab -> pairs of student keys.

Every problem is collected and raised together in one RosterError, so staff fix the
spreadsheet in one pass.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mixitup.config import Config
from mixitup.errors import RosterError
from mixitup.layout import header_key, name_key, parse_module
from mixitup.models import Rows, Student, column_letter

Position = tuple[int, int]  # (row, column), 1-based

# Accepted headers for each field, compared after `header_key` (case, spaces, punctuation).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "student", "student name", "preferred name"),
    "email": ("email", "e-mail", "email address", "student email", "turing email"),
    "program": ("program", "programme", "track", "program track", "bootcamp"),
    "module": ("module", "mod", "current module", "mod #", "module number"),
    "cohort": ("cohort", "cohort id", "class", "cohort name"),
    "status": ("status", "enrollment status", "enrolment status", "student status"),
}
REQUIRED = ("name", "program", "module")
ACTIVE_STATUSES = ("", "active")
# Control characters, and the invisible marks that reorder or hide text; joiners (ZWJ, ZWNJ)
# and left/right marks stay, since real names in many scripts and emoji need them.
_BREAKS = re.compile(r"[\t\n\r\v\f\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2066-\u2069\ufeff]")


@dataclass(frozen=True)
class Roster:
    """The students taking part, plus what staff should know but need not fix."""

    students: tuple[Student, ...]
    warnings: tuple[str, ...]
    keep_apart: frozenset[frozenset[str]]
    keys: frozenset[str] = frozenset()  # every row's key, those sitting out included


def is_roster(rows: Rows) -> bool:
    """Whether a tab looks like a roster: a row near the top with a Name column and an Email or
    Status column (staff data that must never reach students)."""
    wanted = {header_key(s): field for field, names in SYNONYMS.items() for s in names}
    for cells in rows[:5]:
        fields = {wanted.get(header_key(c)) for c in cells}
        if "name" in fields and fields & {"email", "status"}:
            return True
    return False


def header_columns(rows: Rows) -> tuple[int, dict[str, int]]:
    """The roster's header row (1-based; 0 for an empty tab) and the 0-based column of each
    field it names, as `read_roster` finds them (the first column of a field wins)."""
    header_row = next((i for i, row in enumerate(rows) if any(c.strip() for c in row)), None)
    if header_row is None:
        return 0, {}
    wanted = {header_key(s): field for field, names in SYNONYMS.items() for s in names}
    columns: dict[str, int] = {}
    for column, text in enumerate(rows[header_row]):
        field = wanted.get(header_key(text))
        if field is not None:
            columns.setdefault(field, column)
    return header_row + 1, columns


def read_roster(
    tabs: dict[str, Rows] | None,
    titles: tuple[str, ...],
    config: Config,
    uncomputed: Mapping[str, frozenset[Position]] | None = None,
) -> Roster:
    """Validate the roster and keep-apart tabs; raise RosterError listing every problem.

    `uncomputed` (Snapshot.uncomputed) names the cells holding a formula never computed:
    each is a problem, and its row is left out rather than read as blank.
    """
    uncomputed = uncomputed or {}
    tabs = tabs or {}
    tab = config.roster_tab
    rows = tabs.get(tab)
    if rows is None:
        found = ", ".join(f'"{t}"' for t in titles) or "none"
        raise RosterError(
            [
                f'No roster tab "{tab}" in the spreadsheet (tabs found: {found}). Rename the '
                "roster tab, or set [spreadsheet] roster_tab in mixitup.toml."
            ]
        )
    reader = _RosterReader(tab, rows, config, uncomputed.get(tab, frozenset()))
    students = reader.students()
    keep_apart = _keep_apart(
        tabs.get(config.keep_apart_tab),
        config.keep_apart_tab,
        reader,
        uncomputed.get(config.keep_apart_tab, frozenset()),
    )
    problems = reader.problems + keep_apart.problems
    if problems:
        raise RosterError(problems)
    if not students:
        raise RosterError(
            [f'Roster tab "{tab}" has no active students. Add students below the header row.']
        )
    return Roster(
        tuple(students),
        tuple(reader.warnings),
        frozenset(keep_apart.pairs),
        frozenset(reader.keys_by_row.values()),
    )


@dataclass
class _Found:
    pairs: set[frozenset[str]]
    problems: list[str]


class _RosterReader:
    """One pass over the roster rows, remembering every problem and warning."""

    def __init__(
        self, tab: str, rows: Rows, config: Config, uncomputed: frozenset[Position] = frozenset()
    ) -> None:
        self.tab = tab
        self.rows = rows
        self.config = config
        self.uncomputed = uncomputed
        self.unknown: dict[int, set[str]] = defaultdict(set)  # row -> fields never computed
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.columns: dict[str, int] = {}
        self.by_email: dict[str, int] = {}  # lower-cased email -> row, every row with one
        self.by_name: dict[str, list[int]] = defaultdict(list)  # name_key -> rows
        self.keys_by_row: dict[int, str] = {}
        self.spellings: dict[str, str] = {p.casefold(): p for p in config.programs}
        self.active_keys: set[str] = set()

    def where(self, row: int, field: str) -> str:
        column = self.columns[field]
        return f'Roster tab "{self.tab}", row {row}, column {column_letter(column + 1)} ({field})'

    def students(self) -> list[Student]:
        header_row = next(
            (i for i, row in enumerate(self.rows) if any(c.strip() for c in row)), None
        )
        if header_row is None:
            if self.uncomputed:
                self.problems += never_computed(f'Roster tab "{self.tab}"', self.uncomputed, {})
            else:
                self.problems.append(
                    f'Roster tab "{self.tab}" is empty. Put the headers Name, Program and Module '
                    "in row 1 and one student per row below."
                )
            return []
        found = self._find_columns(self.rows[header_row], header_row + 1)
        self._check_computed(header_row + 1, found)
        if not found:
            return []
        if "email" not in self.columns:
            self.warnings.append(
                f'Roster tab "{self.tab}" has no Email column: students are told apart by name, '
                "so a renamed student will look new. Add an Email column to keep history exact."
            )
        students = []
        for index in range(header_row + 1, len(self.rows)):
            student = self._student(self.rows[index], index + 1)
            if student is not None:
                students.append(student)
        self._check_duplicate_names()
        return students

    def _find_columns(self, header: tuple[str, ...], row: int) -> bool:
        wanted = {header_key(s): field for field, names in SYNONYMS.items() for s in names}
        for column, text in enumerate(header):
            field = wanted.get(header_key(text))
            if field is not None and field not in self.columns:
                self.columns[field] = column
        missing = [field for field in REQUIRED if field not in self.columns]
        for field in missing:
            found = ", ".join(f'"{h.strip()}"' for h in header if h.strip())
            accepted = ", ".join(f'"{s.title()}"' for s in SYNONYMS[field])
            self.problems.append(
                f'Roster tab "{self.tab}", row {row}: no {field.title()} column (headers found: '
                f"{found}). Name a column {accepted}."
            )
        return not missing

    def _check_computed(self, header: int, found: bool) -> None:
        """Report the cells the roster reads that hold a formula never computed.

        Cells in and above the header row count only when a required column is missing:
        one of them may be its header.
        """
        fields = {column + 1: field for field, column in self.columns.items()}
        cells = [(r, c) for r, c in self.uncomputed if (r > header and c in fields) or not found]
        self.problems += never_computed(f'Roster tab "{self.tab}"', cells, fields)
        for row, column in cells:
            if row > header:
                self.unknown[row].add(fields.get(column, ""))

    def cell(self, cells: tuple[str, ...], field: str) -> str:
        column = self.columns.get(field)
        if column is None or column >= len(cells):
            return ""
        return cells[column]

    def _clean(self, text: str, row: int, field: str) -> str:
        text = _BREAKS.sub(" ", text)  # a line break typed in a cell separates words
        cleaned = _CONTROL.sub("", text)
        if cleaned != text:
            self.warnings.append(f"{self.where(row, field)}: removed invisible control characters.")
        return " ".join(cleaned.split())

    def _student(self, cells: tuple[str, ...], row: int) -> Student | None:
        if row in self.unknown:  # already reported; still known by name for keep-apart pairs
            known = {f: "" if f in self.unknown[row] else self.cell(cells, f) for f in self.columns}
            name = self._clean(known.get("name", ""), row, "name")
            email = self._clean(known.get("email", ""), row, "email").casefold()
            if name:
                self._remember(email or name_key(name), name, email, row)
            return None
        if not any(c.strip() for c in cells):
            return None  # blank rows are spacing, not data
        status = " ".join(self.cell(cells, "status").casefold().split())
        excluded = status in self.config.exclude_statuses
        if status not in ACTIVE_STATUSES and not excluded:
            allowed = ", ".join(f'"{s.title()}"' for s in self.config.exclude_statuses)
            written = self.cell(cells, "status").strip()
            self.problems.append(
                f'{self.where(row, "status")}: unknown status "{written}".'
                f' Leave it blank or write "Active" to take part, or one of {allowed} to sit out.'
            )
        name = self._clean(self.cell(cells, "name"), row, "name")
        email = self._clean(self.cell(cells, "email"), row, "email").casefold()
        if not name:
            self.problems.append(
                f"{self.where(row, 'name')}: the name is empty. Fill it in or delete the row."
            )
            return None
        key = email or name_key(name)
        self._remember(key, name, email, row)
        if excluded:
            return None  # someone sitting out needs no program or module to be right
        program = self._program(self._clean(self.cell(cells, "program"), row, "program"), row)
        module_text = self.cell(cells, "module").strip()
        module = parse_module(module_text)
        top = self.config.modules
        if module is None or not 1 <= module <= top:
            what = f'"{module_text}" is not a module' if module_text else "the module is empty"
            if module is not None and module > top:
                what += " of this school " + (
                    f"([roster] modules = {top} in {self.config.source})"
                    if self.config.source
                    else f"({top} modules unless a mixitup.toml sets [roster] modules)"
                )
            self.problems.append(
                f"{self.where(row, 'module')}: {what}. Write 1 to {top}, like 3, Mod 3 or M3."
            )
            return None
        if program is None:
            return None
        self.active_keys.add(key)
        cohort = self._clean(self.cell(cells, "cohort"), row, "cohort") or f"{program} Mod {module}"
        return Student(key, name, program, module, cohort, email, row)

    def _program(self, program: str, row: int) -> str | None:
        if not program:
            self.problems.append(
                f"{self.where(row, 'program')}: the program is empty. Fill it in, e.g. BE or FE."
            )
            return None
        if self.config.programs and program.casefold() not in self.spellings:
            self.problems.append(
                f'{self.where(row, "program")}: unknown program "{program}". Use one of '
                f"{', '.join(self.config.programs)} or add it to [roster] programs in mixitup.toml."
            )
            return None
        # "be" and "BE" are one program: the configured or first-seen spelling wins.
        return self.spellings.setdefault(program.casefold(), program)

    def _remember(self, key: str, name: str, email: str, row: int) -> None:
        if email:
            first = self.by_email.setdefault(email, row)
            if first != row:
                column = column_letter(self.columns["email"] + 1)
                self.problems.append(
                    f'Roster tab "{self.tab}", rows {first} and {row}, column {column} (email): '
                    f'the same email "{email}" twice. Give each student their own email, or '
                    "delete the repeated row."
                )
        self.by_name[name_key(name)].append(row)
        self.keys_by_row[row] = key

    def _check_duplicate_names(self) -> None:
        with_email = set(self.by_email.values())
        for rows in self.by_name.values():
            without_email = [r for r in rows if r not in with_email]
            if len(rows) > 1 and without_email:
                listed = ", ".join(str(r) for r in rows)
                column = column_letter(self.columns["name"] + 1)
                self.problems.append(
                    f'Roster tab "{self.tab}", rows {listed}, column {column} (name): the same '
                    "name twice with no email to tell them apart. Fill in their emails, or delete "
                    "the repeated row."
                )

    def lookup(self, text: str) -> list[str]:
        """The keys of the roster students emailed or named `text`: one, none or several."""
        wanted = " ".join(text.split()).casefold()
        if wanted in self.by_email:
            return [self.keys_by_row[self.by_email[wanted]]]
        return [self.keys_by_row[row] for row in self.by_name.get(name_key(text), [])]


def never_computed(where: str, cells: Iterable[Position], fields: Mapping[int, str]) -> list[str]:
    """One problem per column listing its cells that hold a formula never computed.

    `where` names the tab; `fields` names the columns the roster reads (1-based -> field).
    """
    by_column: dict[int, list[int]] = defaultdict(list)
    for row, column in cells:
        by_column[column].append(row)
    problems = []
    for column, rows in sorted(by_column.items()):
        field = f" ({fields[column]})" if column in fields else ""
        several = len(rows) > 1
        cells_hold = "each cell holds" if several else "the cell holds"
        problems.append(
            f"{where}, {'rows' if several else 'row'} {_spans(sorted(rows))}, column "
            f"{column_letter(column)}{field}: {cells_hold} a formula whose value was never "
            "computed (the workbook was last saved by a program that does not calculate "
            "formulas). Open the workbook in Excel or LibreOffice, save it, and run again."
        )
    return problems


def _spans(numbers: list[int]) -> str:
    """[7, 8, 9, 12] -> "7-9, 12"."""
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _keep_apart(
    rows: Rows | None, tab: str, roster: _RosterReader, uncomputed: frozenset[Position]
) -> _Found:
    """Pairs from the keep-apart tab: a student in column A and one in column B on each row.

    Row 1 is a header unless it names two students; other columns (a reason, a date) are notes.
    """
    found = _Found(set(), [])
    unknown = [(row, column) for row, column in uncomputed if column in (1, 2)]
    found.problems += never_computed(f'Keep apart tab "{tab}"', unknown, {})
    skipped = {row for row, _ in unknown}
    for index, cells in enumerate(rows or ()):
        if index + 1 in skipped:
            continue
        pair = [
            (column, " ".join(cells[column].split())) for column in (0, 1) if column < len(cells)
        ]
        texts = [text for _, text in pair if text]
        if not texts:
            continue
        row = index + 1
        matches = [(column, text, roster.lookup(text)) for column, text in pair if text]
        if index == 0 and not all(m[2] and len(m[2]) == 1 for m in matches):
            continue  # a header row
        if len(texts) != 2:
            found.problems.append(
                f'Keep apart tab "{tab}", row {row}: expected two students, in columns A and B '
                f"(name or email), found {len(texts)}. Put one pair per row."
            )
            continue
        keys: list[str] = []
        for column, text, candidates in matches:
            where = f'Keep apart tab "{tab}", row {row}, column {column_letter(column + 1)}'
            if not candidates:
                found.problems.append(
                    f'{where}: "{text}" matches no student on the roster. Check the spelling, '
                    "or use their email."
                )
            elif len(candidates) > 1:
                found.problems.append(
                    f'{where}: "{text}" matches {len(candidates)} students on the roster. Use '
                    "their email instead."
                )
            else:
                keys.append(candidates[0])
        # A pair with someone who sits out (withdrawn, on leave) has nothing to keep apart.
        if len(set(keys) & roster.active_keys) == 2:
            found.pairs.add(frozenset(keys))
    return found
