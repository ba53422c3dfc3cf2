"""Write Cora's ``cora.content`` for the papers of a ``cora.cites`` file, for tkipf/pygcn.

Usage: python make_cora_content.py CORA_DIR [N_WORDS]

pygcn ships Cora's citation graph (``data/cora/cora.cites``) and its node file ``cora.content``,
but the stored snapshot of the repo lacks the content file (7.8 MB). This reads the paper ids of
CORA_DIR/cora.cites and writes CORA_DIR/cora.content in Cora's own layout: one line per paper,
``<paper_id> <N_WORDS binary word attributes> <class_label>``, tab-separated, with Cora's seven
class names and 1433 words by default. Each class has its own 60 likely words; a paper has about
18 words, two thirds from its class, so a classifier can learn the labels. Deterministic (seed 0).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

CLASSES = [
    "Case_Based",
    "Genetic_Algorithms",
    "Neural_Networks",
    "Probabilistic_Methods",
    "Reinforcement_Learning",
    "Rule_Learning",
    "Theory",
]


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2:
        print("usage: make_cora_content.py CORA_DIR [N_WORDS]", file=sys.stderr)
        return 2
    folder = Path(argv[0])
    n_words = int(argv[1]) if len(argv) > 1 else 1433
    cites = folder / "cora.cites"
    if not cites.is_file():
        print(f"make_cora_content.py: no {cites}", file=sys.stderr)
        return 1
    ids: list[str] = []
    seen: set[str] = set()
    for line in cites.read_text(encoding="utf-8").split("\n"):
        for paper in line.split():
            if paper not in seen:
                seen.add(paper)
                ids.append(paper)
    rng = np.random.default_rng(0)
    vocab = np.arange(n_words)
    topics = [rng.choice(vocab, size=60, replace=False) for _ in CLASSES]
    lines = []
    for paper in ids:
        c = int(rng.integers(len(CLASSES)))
        words = np.zeros(n_words, dtype=np.int8)
        words[rng.choice(topics[c], size=12, replace=False)] = 1
        words[rng.choice(vocab, size=6, replace=False)] = 1
        lines.append("\t".join([paper, *map(str, words.tolist()), CLASSES[c]]))
    (folder / "cora.content").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {folder / 'cora.content'}: {len(ids)} papers, {n_words} words")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
