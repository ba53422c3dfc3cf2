"""Write a small synthetic graph-classification set in the TU Dortmund text format, for TUDataset.

Usage: python make_tu_graphs.py OUT_DIR NAME [N_GRAPHS]

MUTAG (and every TU data set) is a download. This writes the files TUDataset reads from
``ROOT/NAME/raw/`` with the TU names and layout: ``NAME_A.txt`` (one directed edge "i, j" per line,
1-based node ids, both directions of each undirected bond), ``NAME_graph_indicator.txt`` (the graph
of each node, 1-based), ``NAME_node_labels.txt`` (an atom type 0-6 per node: 7 one-hot features, as
MUTAG), ``NAME_edge_labels.txt`` (a bond type 0-3 per edge line) and ``NAME_graph_labels.txt``
(1 or -1 per graph, as MUTAG's mutagenicity labels). Defaults: 188 graphs (MUTAG's count) of 10-28
nodes: a random tree plus a few ring-closing edges; graphs of class 1 carry a 6-ring of type-2 atoms
with a type-3 atom on it (a "nitro-aromatic" motif), class -1 graphs do not, so a GNN can learn it in
a few epochs. Deterministic (seed 0). With the raw files present TUDataset processes them and never
downloads.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def one_graph(rng: np.random.Generator, positive: bool) -> tuple[list[int], list[tuple[int, int, int]]]:
    n = int(rng.integers(10, 29))
    types = [int(t) for t in rng.choice([0, 0, 0, 1, 4, 5, 6], size=n)]
    edges: list[tuple[int, int, int]] = []
    for v in range(1, n):  # a random tree
        edges.append((int(rng.integers(0, v)), v, int(rng.integers(0, 2))))
    for _ in range(int(rng.integers(0, 3))):  # a few ring closures
        a, b = (int(x) for x in rng.choice(n, size=2, replace=False))
        edges.append((a, b, 1))
    if positive:  # a 6-ring of type-2 atoms, one carrying a type-3 atom
        ring = [n + k for k in range(6)]
        types += [2] * 6 + [3]
        for k in range(6):
            edges.append((ring[k], ring[(k + 1) % 6], 2))
        edges.append((ring[0], n + 6, 3))
        edges.append((int(rng.integers(0, n)), ring[3], 0))
    seen: set[tuple[int, int]] = set()
    unique = []
    for a, b, t in edges:
        key = (min(a, b), max(a, b))
        if a != b and key not in seen:
            seen.add(key)
            unique.append((a, b, t))
    return types, unique


def main() -> None:
    out, name = Path(sys.argv[1]) / sys.argv[2] / "raw", sys.argv[2]
    n_graphs = int(sys.argv[3]) if len(sys.argv) > 3 else 188
    rng = np.random.default_rng(0)
    labels = rng.permutation([1] * (n_graphs * 2 // 3) + [-1] * (n_graphs - n_graphs * 2 // 3))
    a_lines, e_lines, ind_lines, node_lines = [], [], [], []
    offset = 0
    for g, label in enumerate(labels, start=1):
        types, edges = one_graph(rng, label == 1)
        node_lines += [str(t) for t in types]
        ind_lines += [str(g)] * len(types)
        for a, b, t in edges:
            for i, j in ((a, b), (b, a)):
                a_lines.append(f"{offset + i + 1}, {offset + j + 1}")
                e_lines.append(str(t))
        offset += len(types)
    out.mkdir(parents=True, exist_ok=True)
    for suffix, lines in (
        ("A", a_lines),
        ("edge_labels", e_lines),
        ("graph_indicator", ind_lines),
        ("node_labels", node_lines),
        ("graph_labels", [str(int(x)) for x in labels]),
    ):
        (out / f"{name}_{suffix}.txt").write_text("\n".join(lines) + "\n")
    print(f"wrote {n_graphs} graphs, {offset} nodes, {len(a_lines)} directed edges (TU format) to {out}")


if __name__ == "__main__":
    main()
