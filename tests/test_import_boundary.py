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


def test_tracer_source_does_not_import_later_stages():
    from pathlib import Path

    import codetour

    trace_dir = Path(codetour.__file__).parent / "trace"
    for path in trace_dir.glob("*.py"):
        text = path.read_text()
        for later in ("codetour.tui", "codetour.graph", "codetour.export", "codetour.tour", "codetour.replay", "codetour.live"):
            assert later not in text, f"{path.name} imports {later}"
