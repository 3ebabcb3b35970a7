"""The Python examples of the README and the docs run and print what they say they print."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from mixitup.demo import build_demo

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def examples() -> list[tuple[str, str]]:
    """(where, code) of every ```python block that shows what it prints (`print(...)  # ...`)."""
    found = []
    for page in PAGES:
        blocks = re.findall(r"```python\n(.*?)```", page.read_text("utf-8"), re.S)
        for index, block in enumerate(blocks):
            if re.search(r"print\(.*\)  # ", block):
                found.append((f"{page.relative_to(ROOT)} example {index + 1}", block))
    return found


def test_the_readme_and_the_api_page_have_examples_to_run() -> None:
    where = {w.split(" example")[0] for w, _ in examples()}
    assert {"docs/api.md"} <= where


@pytest.mark.parametrize(("where", "code"), examples(), ids=[w for w, _ in examples()])
def test_the_example_runs_and_prints_what_it_shows(
    where: str, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    if "demo/mixitup.toml" in code:  # written for a clone after `make demo`
        build_demo(Path("demo"))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, where, "exec"), {})  # noqa: S102 - our own docs
    shown = re.findall(r"print\(.*\)  # (.*)", code)
    assert printed.getvalue().splitlines() == shown
