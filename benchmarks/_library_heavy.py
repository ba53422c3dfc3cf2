"""A library-heavy run, the cost profile of a real ML repo: import a large pure-Python library
with all its submodules, then run a small loop of the repo's own code that calls into it.

    python benchmarks/_library_heavy.py [--library networkx] [--steps 20]

Nearly every Python call here is library code that a recorder of the repo's code ignores.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil


def import_everything(name: str) -> int:
    """Import the library and every submodule it ships (tests excepted); returns how many."""
    package = importlib.import_module(name)
    count = 1
    for info in pkgutil.walk_packages(package.__path__, name + "."):
        if ".tests" in info.name or info.name.endswith((".conftest", ".__main__")):
            continue
        try:
            importlib.import_module(info.name)
        except Exception:  # optional dependencies missing: the rest still counts
            continue
        count += 1
    return count


def networkx_step(nx, i: int) -> float:
    graph = nx.gnm_random_graph(100, 400, seed=i)
    lengths = dict(nx.single_source_shortest_path_length(graph, 0))
    parts = list(nx.connected_components(graph))
    return sum(lengths.values()) / max(len(parts), 1)


def sympy_step(sp, i: int) -> float:
    x = sp.Symbol("x")
    expr = sp.expand((x + i) ** 3)
    return float(expr.subs(x, 1))


def train(library: str, steps: int) -> float:
    module = importlib.import_module(library)
    step = networkx_step if library == "networkx" else sympy_step
    loss = 0.0
    for i in range(steps):
        loss = 0.9 * loss + 0.1 * step(module, i)
    return loss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--library", default="networkx")
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    modules = import_everything(args.library)
    print(f"{modules} modules of {args.library}; loss {train(args.library, args.steps):.3f}")


if __name__ == "__main__":
    main()
