"""`mixitup demo`: a realistic sample school in a local workbook, and two published sessions."""

from __future__ import annotations

import datetime as dt
import random
import time
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

from mixitup import layout, pipeline
from mixitup.backends import open_students_backend
from mixitup.backends.xlsx import XlsxBackend
from mixitup.config import load_config
from mixitup.errors import ConfigError
from mixitup.models import Session

MODULE_START = dt.date(2027, 1, 4)  # a Monday: week 2's Wednesday is Jan 13, week 4's Jan 27
# (module, program, cohort, students): cohorts of different sizes, as a real school has.
COHORTS = (
    (1, "BE", "2501-BE", 38),
    (1, "FE", "2501-FE", 33),
    (2, "BE", "2411-BE", 32),
    (2, "FE", "2411-FE", 29),
    (3, "BE", "2410-BE", 31),
    (3, "FE", "2410-FE", 27),
    (4, "BE", "2408-BE", 26),
    (4, "FE", "2408-FE", 24),
)
FIRST = (  # noqa: SIM905  (a list of words reads best as words)
    "Ada Alex Amara Ana Andre Aisha Ben Bianca Camila Carlos Chen Dana Daniel Deepa Diego "
    "Elena Eli Emma Fatima Felix Gabriel Grace Hana Hugo Ian Imani Isaac Jade Jamal José "
    "Julia Kai Kenji Layla Leo Lina Luca Maya Mei Mohammed Nadia Noah Nora Omar Priya Quinn "
    "Rafael Rosa Ruth Sam Sara Tariq Theo Uma Victor Wei Yara Yusuf Zoë Zara"
).split()
LAST = (  # noqa: SIM905  (a list of words reads best as words)
    "Abbott Adeyemi Alvarez Baker Banerjee Brooks Castillo Chen Cohen Diaz Dubois Edwards "
    "Evans Fischer Garcia Gupta Hall Haddad Ito Jackson Johansson Kim Kowalski Lee Lopez "
    "Martin Moreau Nakamura Nguyễn Novak O'Brien Okafor Patel Petrov Quinn Reyes Rossi Santos "
    "Schmidt Singh Smith Tanaka Taylor Tran Walker Wang Williams Yamamoto Young Zhang"
).split()
CONFIG = """\
# A demo configuration written by `mixitup demo`; `mixitup init` writes a commented starter.
[spreadsheet]
backend = "xlsx"
path = "mixitup.xlsx"

[students]
path = "students.xlsx"

[groups]
size = 6
seed = 2027

[calendar]
module_starts = [{start}, 2027-02-01, 2027-03-01]
session_weeks = [2, 4]
weekday = "wednesday"
start = "12:00"
timezone = "America/Denver"

[meeting]
url = "https://zoom.us/j/81234567890"
"""


def build_demo(folder: Path, command: str = "mixitup") -> str:
    """Write a sample workbook and config into `folder`, publish two sessions; return a summary
    whose next steps run `command` (how this mixitup is run from here)."""
    folder.mkdir(parents=True, exist_ok=True)
    workbook = folder / "mixitup.xlsx"
    students = folder / "students.xlsx"
    config_file = folder / "mixitup.toml"
    if config_file.exists() and not config_file.read_text(encoding="utf-8").startswith(CONFIG[:40]):
        raise ConfigError(
            f"{config_file} exists and is not a demo's: the demo would overwrite it and "
            f"{workbook.name}. Choose an empty folder with --dir."
        )
    config_file.write_text(CONFIG.format(start=MODULE_START), encoding="utf-8")
    _write_roster(workbook, random.Random(2027))
    students.unlink(missing_ok=True)  # derived from the record: a new demo starts it afresh
    config = load_config(str(config_file))
    lines = [
        f"Demo school written to {_shown(workbook)} (staff) and {_shown(students)} (students)",
        "",
    ]
    for week in (2, 4):
        session = Session(MODULE_START + dt.timedelta(weeks=week - 1, days=2), week)
        backend = XlsxBackend(workbook)
        started = time.perf_counter()
        outcome = pipeline.publish(
            config,
            backend,
            session,
            today=MODULE_START,
            students_backend=open_students_backend(config),
        )
        seconds = time.perf_counter() - started
        if outcome.plan is None:  # a fresh workbook has nothing published yet
            raise AssertionError(f"{layout.label(session)} was already published in a new workbook")
        lines.append(
            f"{layout.label(session)}: {outcome.plan.grouped} students, "
            f"published in {seconds:.1f} s"
        )
        lines += [f"  {line}" for line in outcome.plan.grouping.report.lines()]
    shown = _shown(config_file)
    lines += [
        "",
        f"Share {_shown(students)} with students: a how-to tab, then each session's Groups and",
        "Prompts tabs, newest first, protected; no emails, statuses, notes or history.",
        f"Keep {_shown(workbook)} to staff: Roster, Keep apart, and History (hidden): who met.",
        "Try next:",
        f"  {command} --config {shown} status --today 2027-01-20",
        f"  {command} --config {shown} plan --date 2027-02-10",
    ]
    return "\n".join(lines)


def _shown(path: Path) -> Path:
    """`path` relative to the current folder when it is inside it: shorter to copy and paste."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _write_roster(path: Path, rng: random.Random) -> None:
    """A roster as staff really keep one: mixed module spellings, stray spaces, some leavers."""
    book = openpyxl.Workbook()
    roster = book.active
    roster.title = "Roster"
    roster.append(["Full Name", "Email", "Program", "Mod", "Cohort", "Status", "Notes"])
    names = rng.sample(
        [f"{f} {last}" for f in FIRST for last in LAST], k=sum(c[3] for c in COHORTS)
    )
    spellings = ("{m}", "Mod {m}", "M{m}", "mod {m} ", "Module {m}")
    index = 0
    for module, program, cohort, size in COHORTS:
        for _ in range(size):
            name = names[index]
            index += 1
            email = f"{name.lower().replace(' ', '.').replace(chr(39), '')}@students.example.edu"
            status = rng.choices(
                ["", "Active", "Withdrawn", "On leave", "Opted out"], [70, 22, 3, 3, 2]
            )[0]
            roster.append(
                [
                    f" {name}" if rng.random() < 0.05 else name,
                    email.upper() if rng.random() < 0.05 else email,
                    program,
                    rng.choice(spellings).format(m=module),
                    cohort,
                    status,
                    "repeating Mod 2" if module == 2 and rng.random() < 0.05 else "",
                ]
            )
            if rng.random() < 0.02:
                roster.append([])  # staff leave blank rows; mixitup skips them
    for cell in roster[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFG", (26, 40, 10, 10, 10, 12, 18), strict=True):
        roster.column_dimensions[column].width = width
    roster.freeze_panes = "A2"
    apart = book.create_sheet("Keep apart")
    apart.append(["Student", "Student"])
    apart.append([names[0], names[1]])
    book.save(path)
