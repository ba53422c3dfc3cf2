"""Import hygiene: the tracer's hot path never loads UI or graph libraries, and the
CLI starts without them."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("textual", "rich", "networkx", "debugpy", "numpy", "torch")


def loaded_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint(' '.join(sorted(m.split('.')[0] for m in sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(proc.stdout.split())


@pytest.mark.parametrize(
    "module",
    [
        "codetour.trace.recorder",
        "codetour.trace.runner",
        "codetour.trace.summary",
        "codetour.trace.scope",
        "codetour.store.writer",
        "codetour.store.reader",
        "codetour.discover",
    ],
)
def test_core_modules_load_no_ui_or_graph_library(module):
    loaded = loaded_after(f"import {module}")
    assert not loaded & set(HEAVY), f"{module} pulled in {sorted(loaded & set(HEAVY))}"


@pytest.mark.parametrize(
    "module",
    [
        "codetour.replay",
        "codetour.tour.build",
        "codetour.tour.resolve",
        "codetour.graph",
        "codetour.live.session",
        "codetour.export",
    ],
)
def test_logic_modules_load_no_ui(module):
    """Replay, tours, graph, export and live logic are tested without a terminal: no Textual."""
    loaded = loaded_after(f"import {module}")
    assert "textual" not in loaded, f"{module} pulled in textual"


def test_cli_import_defers_heavy_libraries():
    loaded = loaded_after("import codetour.cli")
    assert not loaded & {"textual", "networkx", "debugpy", "numpy", "torch"}


# --------------------------------------------------------------------------- the import graph, from the AST
import ast  # noqa: E402
import pkgutil  # noqa: E402
from pathlib import Path  # noqa: E402

import networkx as nx  # noqa: E402

import codetour  # noqa: E402

PACKAGE_DIR = Path(codetour.__file__).parent


def all_modules() -> dict[str, Path]:
    """Every module of the package (walk_packages, so nothing is missed), by name -> file."""
    found = {"codetour": PACKAGE_DIR / "__init__.py"}
    for info in pkgutil.walk_packages([str(PACKAGE_DIR)], "codetour."):
        base = PACKAGE_DIR.joinpath(*info.name.split(".")[1:])
        path = base / "__init__.py" if info.ispkg else base.with_suffix(".py")
        if path.exists():  # else a compiled extension (codetour/trace/_speedups.c): it imports no Python module
            found[info.name] = path
    return found


def imports_of(name: str, path: Path) -> list[tuple[str, list[str], bool]]:
    """(module, names imported from it, at module level?) for every import in a file."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append((alias.name, [], id(node) in top))
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            found.append((module, [a.name for a in node.names], id(node) in top))
    return found


MODULES = all_modules()
IMPORTS = {name: imports_of(name, path) for name, path in MODULES.items()}


def test_the_walk_sees_every_exporter_and_command():
    assert {"codetour.export.dot", "codetour.export.html", "codetour.cli.trace", "codetour.store.reader"} <= set(MODULES)


def test_only_the_store_imports_sqlite3():
    users = sorted(name for name, found in IMPORTS.items() if any(m == "sqlite3" for m, _, _ in found))
    assert users and all(name.startswith("codetour.store") for name in users), users


def test_no_private_name_is_imported_from_another_module():
    bad = []
    for name, found in IMPORTS.items():
        for module, names, _top in found:
            if module.startswith("codetour") and module != name:
                # a package's own private submodule (its C extension, ``trace/_speedups.c``) may be used by its modules
                here = PACKAGE_DIR.joinpath(*module.split(".")[1:]) if module == name.rsplit(".", 1)[0] else None
                bad += [
                    f"{name} imports {module}.{n}"
                    for n in names
                    if n.startswith("_") and not n.startswith("__") and not (here is not None and any(here.glob(f"{n}.*")))
                ]
    assert not bad, bad


# Each stage may import only the stages before it (data flows one way); commands come last.
LATER_STAGES = {
    "codetour.store": (
        "codetour.trace",
        "codetour.graph",
        "codetour.tour",
        "codetour.replay",
        "codetour.export",
        "codetour.live",
        "codetour.tui",
        "codetour.cli",
        "codetour.discover",
        "codetour.concepts",
    ),
    "codetour.trace": (
        "codetour.graph",
        "codetour.tour",
        "codetour.replay",
        "codetour.export",
        "codetour.live",
        "codetour.tui",
        "codetour.cli",
        "codetour.concepts",
    ),
    "codetour.discover": (
        "codetour.trace",
        "codetour.store",
        "codetour.graph",
        "codetour.tour",
        "codetour.replay",
        "codetour.export",
        "codetour.live",
        "codetour.tui",
        "codetour.cli",
    ),
    "codetour.graph": ("codetour.tui", "codetour.cli", "codetour.live"),
    "codetour.tour": ("codetour.tui", "codetour.cli", "codetour.live", "codetour.export"),
    "codetour.replay": ("codetour.tui", "codetour.cli", "codetour.live", "codetour.export"),
    "codetour.concepts": ("codetour.tui", "codetour.cli", "codetour.live", "codetour.export"),
    "codetour.export": ("codetour.tui", "codetour.cli"),
    "codetour.live": ("codetour.tui", "codetour.cli"),
    "codetour.tui": ("codetour.cli",),
}


def test_data_flows_one_way():
    bad = []
    for name, found in IMPORTS.items():
        for stage, forbidden in LATER_STAGES.items():
            if name == stage or name.startswith(stage + "."):
                for module, _names, _top in found:
                    if module.startswith(forbidden):
                        bad.append(f"{name} imports {module}")
    assert not bad, bad


def test_textual_only_in_the_tui():
    users = [n for n, found in IMPORTS.items() if any(m.split(".")[0] == "textual" for m, _, _ in found)]
    assert all(n.startswith("codetour.tui") for n in users), users


def test_no_import_cycle_between_modules():
    """Module-level imports form no cycle (imports inside functions are deferred on purpose)."""
    graph = nx.DiGraph()
    for name, found in IMPORTS.items():
        for module, names, top in found:
            if not top or not module.startswith("codetour"):
                continue
            targets = [f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES] or [module]
            for target in targets:
                if target in MODULES and target != name and not name.startswith(target + "."):
                    graph.add_edge(name, target)
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, cycles
