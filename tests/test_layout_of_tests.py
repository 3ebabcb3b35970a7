"""Tests mirror modules: every module of mixitup/ with behaviour has its own test file, found by
one rule, so a reader knows where a module's tests are and a module without any is noticed.

The rule, for a module's file:

- `mixitup/m.py` -> `tests/test_m.py`;
- a package's `__init__.py`, `mixitup/.../p/__init__.py` -> `tests/test_p.py`, the package's
  file (`mixitup/__init__.py` -> `tests/test_mixitup.py`);
- a module of a package, `mixitup/.../p/m.py` -> `tests/test_p_m.py`, or `tests/test_m.py`
  when no other module is named `m`;
- a package reached through one door (`cli` through `main`, `config` through `load_config`,
  `pipeline` through `mixitup.pipeline`, `backends/google` through GoogleBackend, `zoom`
  through ZoomClient) may instead keep all its modules' tests in its own file: test_cli.py,
  test_config.py, test_pipeline.py, test_google.py, test_zoom.py. `backends` is not one: each
  backend has its own file;
- a name that is a top-level module's own file is that module's alone: test_zoom_report.py is
  `zoom_report.py`'s, so `zoom/report.py` is tested in test_zoom.py.

Other test files (test_backend_contract.py, test_record.py, test_meeting.py...) test across
modules; they are welcome and count for no module.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).parent.parent
PACKAGE, TESTS = ROOT / "mixitup", ROOT / "tests"

# Packages whose modules may all be tested in the package's own file.
TESTED_WHOLE = {"cli", "config", "google", "pipeline", "zoom"}
# Modules without behaviour of their own, so without a test file: each says why.
WITHOUT_BEHAVIOUR = {
    "mixitup/__main__.py": "calls cli.main; test_cli.py runs `python -m mixitup`",
    "mixitup/instance.py": "the array types and a constant the kernels share",
    "mixitup/zoom/__init__.py": "a docstring naming the package's modules",
}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def candidates(module: Path) -> list[str]:
    """The test files that may hold `module`'s tests, under the rule above."""
    *packages, name = module.relative_to(ROOT).with_suffix("").parts
    if name == "__init__":
        return [f"test_{packages[-1]}.py"]
    if len(packages) == 1:
        return [f"test_{name}.py"]
    names = Counter(m.stem for m in modules() if m.stem != "__init__")
    top_level = {f"test_{m.stem}.py" for m in PACKAGE.glob("*.py")}
    package = packages[-1]
    found = [f"test_{package}_{name}.py"]
    if names[name] == 1:
        found.append(f"test_{name}.py")
    found = [f for f in found if f not in top_level]
    if package in TESTED_WHOLE:
        found.append(f"test_{package}.py")
    return found


def test_every_module_with_behaviour_has_its_test_file():
    missing = {}
    for module in modules():
        where = module.relative_to(ROOT).as_posix()
        if where in WITHOUT_BEHAVIOUR:
            continue
        names = candidates(module)
        if not any((TESTS / name).exists() for name in names):
            missing[where] = " or ".join(names)
    assert missing == {}, "modules without a test file (add one of the files named): " + str(
        missing
    )


def test_the_modules_listed_without_behaviour_exist_and_define_no_function():
    """So the list cannot go stale: a function added to one of them needs its test file."""
    for where in WITHOUT_BEHAVIOUR:
        tree = ast.parse((ROOT / where).read_text(encoding="utf-8"))
        functions = [
            node.name
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        assert functions == [], f"{where} now defines {functions}: give it a test file"


def test_the_rule_names_the_files_a_reader_expects():
    def files(module: str) -> list[str]:
        return candidates(PACKAGE / module)

    assert files("leads.py") == ["test_leads.py"]
    assert files("__init__.py") == ["test_mixitup.py"]
    assert files("backends/__init__.py") == ["test_backends.py"]
    assert files("backends/xlsx.py") == [
        "test_backends_xlsx.py",
        "test_xlsx.py",
    ]
    assert files("backends/google/plan.py") == [
        "test_google_plan.py",
        "test_plan.py",
        "test_google.py",
    ]
    # Named twice (cli/meeting.py, pipeline/meeting.py): only the package's files.
    assert files("pipeline/meeting.py") == ["test_pipeline_meeting.py", "test_pipeline.py"]
    # test_zoom_report.py is zoom_report.py's own.
    assert files("zoom/report.py") == ["test_zoom.py"]
    assert files("backends/google/errors.py") == ["test_google_errors.py", "test_google.py"]
