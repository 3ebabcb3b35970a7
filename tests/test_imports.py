"""What importing the command line loads: `mixitup --help` must not pay for numba, numpy,
openpyxl or gspread (as click's test_imports pins what `import click` loads); and a plan, which
only reads, must not pay for openpyxl, which only writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mixitup.mdgp import load_kernels

# The only mixitup modules `import mixitup.cli` may load; everything else is the stdlib.
ALLOWED = {
    "mixitup",
    "mixitup.backends",
    "mixitup.cli",
    "mixitup.cli.args",
    "mixitup.cli.forms",
    "mixitup.cli.meeting",
    "mixitup.cli.operate",
    "mixitup.cli.sessions",
    "mixitup.cli.setup",
    "mixitup.config",
    "mixitup.config.file",
    "mixitup.config.loading",
    "mixitup.config.sections",
    "mixitup.config.settings",
    "mixitup.errors",
    "mixitup.extras",  # which pip extra a command needs; stdlib only
    "mixitup.layout",  # labels and tab titles, for messages; stdlib only
    "mixitup.models",
    "mixitup.notify",  # stdlib only until a notice is sent
}

SCRIPT = """
import json, sys
before = set(sys.modules)
import mixitup.cli
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def loaded_by(code: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout))


def test_importing_the_cli_loads_only_the_stdlib_and_light_mixitup_modules() -> None:
    loaded = loaded_by(SCRIPT)
    ours = {m for m in loaded if m.split(".")[0] == "mixitup"}
    others = {m for m in loaded if m.split(".")[0] not in {"mixitup", *sys.stdlib_module_names}}
    assert ours == ALLOWED
    assert others == set()


def test_the_public_api_still_reaches_the_pipeline_on_first_use() -> None:
    loaded = loaded_by(SCRIPT.replace("import mixitup.cli", "import mixitup; mixitup.run"))
    assert {"mixitup.pipeline", "numpy"} <= loaded
    assert "numba" not in loaded  # only a run without the kernels built at install compiles
    assert "openpyxl" not in loaded  # only a write needs it


def test_a_plan_loads_neither_openpyxl_nor_numba(tmp_path: Path) -> None:
    """Only a write needs openpyxl; only a machine without the kernels built at install
    compiles them with numba."""
    subprocess.run(
        [sys.executable, "-m", "mixitup", "demo", "--dir", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    args = ["--config", str(tmp_path / "mixitup.toml"), "plan", "--date", "2027-02-10"]
    script = (
        "import json, sys\nfrom mixitup.cli import main\n"
        f"code = main({args!r})\n"
        "heavy = {m.split('.')[0] for m in sys.modules} & {'numba', 'openpyxl'}\n"
        "print(json.dumps(sorted(heavy)))\n"
        "sys.exit(code)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Group 1:" in done.stdout
    built = load_kernels().ahead_of_time
    assert json.loads(done.stdout.splitlines()[-1]) == ([] if built else ["numba"])


def _module_imports() -> dict[str, set[str]]:
    """mixitup module -> the mixitup modules it imports when it is imported (top level, not
    inside functions, not under TYPE_CHECKING)."""
    import ast

    root = Path(__file__).parent.parent / "mixitup"
    modules = {
        ".".join(("mixitup", *p.relative_to(root).with_suffix("").parts)).removesuffix(
            ".__init__"
        ): p
        for p in root.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found: set[str] = set()
        for node in tree.body:  # module level only: imports inside functions are lazy
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            for sub in ast.walk(node) if not isinstance(node, ast.FunctionDef) else ():
                if isinstance(sub, ast.ImportFrom) and sub.module and sub.level == 0:
                    base = sub.module
                    names = [f"{base}.{a.name}" for a in sub.names]
                    found |= {n for n in [base, *names] if n in modules}
                elif isinstance(sub, ast.Import):
                    found |= {a.name for a in sub.names if a.name in modules}
        graph[name] = {m for m in found if m != name and not name.startswith(f"{m}.")}
    return graph


def test_no_module_of_mixitup_imports_itself_through_others() -> None:
    """Layers point down: no import cycle between mixitup's modules."""
    graph = _module_imports()
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(module: str, path: list[str]) -> bool:
        state[module] = 1
        for child in sorted(graph.get(module, ())):
            if state.get(child) == 1:
                cycle.extend([*path[path.index(child) :], child] if child in path else [child])
                return True
            if state.get(child) is None and visit(child, [*path, child]):
                return True
        state[module] = 2
        return False

    for module in sorted(graph):
        if state.get(module) is None and visit(module, [module]):
            break
    assert not cycle, " -> ".join(cycle)
    assert "mixitup.history" not in graph["mixitup.change"]  # the contract imports no step
    assert graph["mixitup.layout"] <= {"mixitup.models", "mixitup.errors"}
