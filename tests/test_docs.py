"""The docs keep up with the code: the CLI reference is what `--help` says now, every command and
option is explained somewhere, every `$ mixitup ...` example parses, the code map is the tree."""

from __future__ import annotations

import argparse
import importlib.util
import re
import shlex
from pathlib import Path
from types import ModuleType

import pytest

from mixitup.cli import parser

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
# What people wrote (the generated reference does not count as explaining anything).
WRITTEN = [ROOT / "README.md", *sorted(p for p in DOCS.glob("*.md") if p.name != "cli.md")]


def cli_reference() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cli_reference", DOCS / "cli_reference.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def code_of(text: str) -> list[str]:
    """Every inline code span and every line of every fenced block."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, re.S)
    rest = re.sub(r"```[a-z]*\n.*?```", "", text, flags=re.S)
    return [line for b in blocks for line in b.splitlines()] + re.findall(r"`([^`\n]+)`", rest)


def written_code() -> list[str]:
    return [c for page in WRITTEN for c in code_of(page.read_text(encoding="utf-8"))]


def commands() -> list[tuple[str, argparse.ArgumentParser]]:
    listed: list[tuple[str, argparse.ArgumentParser]] = list(cli_reference().commands(parser()))
    return listed


def test_the_cli_reference_is_what_the_script_writes_now() -> None:
    """docs/cli.md is generated; after changing a help text, `make docs` writes it again."""
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == cli_reference().render()


def test_the_cli_reference_shows_every_command() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for name, _ in commands():
        assert f"## {name}\n" in text


@pytest.mark.parametrize("name", [n for n, _ in commands()[1:]])
def test_every_command_is_shown_in_use_in_the_written_docs(name: str) -> None:
    words = name.split()[1:]  # "mixitup export zoom" -> ["export", "zoom"]
    used = [c for c in written_code() if "mixitup" in c]
    pattern = re.compile(r"\bmixitup\b(?:\s+--?[\w-]+(?:\s+[^\s-]\S*)?)*\s+" + r"\s+".join(words))
    assert any(pattern.search(c) for c in used), f"no `mixitup ... {' '.join(words)}` in the docs"


def options() -> list[tuple[str, str]]:
    found = []
    for name, command in commands():
        for action in command._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            if action.option_strings:
                found.append((name, " ".join(action.option_strings)))
    return sorted(set(found))


@pytest.mark.parametrize(("command", "option"), options())
def test_every_option_is_in_the_written_docs(command: str, option: str) -> None:
    """Each option of `mixitup --help` and of every command appears in code in the pages people
    read (README.md and docs/, the generated reference aside)."""
    spellings = "|".join(re.escape(o) for o in option.split())  # `-v` or `--verbose`
    token = re.compile(rf"(?<![\w-])(?:{spellings})(?![\w-])")
    assert any(token.search(c) for c in written_code()), f"{command} {option} is not documented"


def examples() -> list[tuple[str, str]]:
    """(page, command line) of every `$ mixitup ...` line in the written docs."""
    found = []
    for page in WRITTEN:
        for line in page.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line.startswith("$ mixitup "):
                found.append((page.name, line))
    return found


def test_the_docs_have_examples_to_parse() -> None:
    assert len(examples()) > 30


@pytest.mark.parametrize(("page", "line"), examples())
def test_every_example_command_line_parses(page: str, line: str) -> None:
    """An example never shows a command or option that does not exist (or lacks one needed)."""
    words = shlex.split(line.removeprefix("$ ").split(" | ")[0])[1:]
    try:
        parser().parse_args(words)
    except SystemExit as exit_:
        pytest.fail(f"{page}: `{line}` does not parse (exit {exit_.code})")


def test_the_code_map_is_the_tree() -> None:
    """docs/development.md's code map names every module and package file, and nothing else."""
    text = (DOCS / "development.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```text\n(.*?)```", text, re.S) if "mixitup/\n" in b)
    mapped: set[str] = set()
    folders: list[str] = []
    for line in block.splitlines():
        indent = (len(line) - len(line.lstrip())) // 2
        name = line.split()[0]
        folders = folders[:indent]
        if name.endswith("/"):
            folders.append(name)
        elif folders and folders[0] == "mixitup/":
            mapped.add("".join(folders) + name)
    package = ROOT / "mixitup"
    tree = {
        str(p.relative_to(ROOT))
        for p in package.rglob("*")
        if p.suffix in (".py", ".toml") and "__pycache__" not in p.parts
    }
    assert sorted(tree - mapped) == [], "modules missing from the code map"
    assert sorted(mapped - tree) == [], "the code map names files that do not exist"
