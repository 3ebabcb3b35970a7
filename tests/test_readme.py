"""The README's Python example runs and prints what the README says it prints."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).parent.parent / "README.md"


def test_the_in_memory_example_runs_as_shown() -> None:
    text = README.read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "MemoryBackend(" in b)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(block, str(README), "exec"), {})  # noqa: S102 - our own README
    shown = re.search(r"print\([^)]*\)  # (.*)", block)
    assert shown is not None
    assert printed.getvalue().strip() == shown.group(1)
