"""Write a tiny word-level text corpus (one sentence a line), like Penn Treebank's ``train.txt``.

Usage: python make_word_corpus.py OUT_FILE [N_LINES]

Deterministic: the same arguments always give the same bytes.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

_TEXT = (
    "the a an of to in and for on with at by from market company shares said year new "
    "stock million billion percent trading investors bank price rates sales quarter "
    "<unk> N president chief executive officer board analysts expected report government"
)
VOCAB = _TEXT.split()


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2:
        print("usage: make_word_corpus.py OUT_FILE [N_LINES]", file=sys.stderr)
        return 2
    out = Path(argv[0])
    n_lines = int(argv[1]) if len(argv) > 1 else 300
    rng = random.Random(1337)
    lines = [" ".join(rng.choice(VOCAB) for _ in range(rng.randint(12, 28))) for _ in range(n_lines)]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(f" {line} \n" for line in lines), encoding="utf-8")
    print(f"wrote {n_lines} lines ({sum(len(x.split()) for x in lines):,} words) to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
