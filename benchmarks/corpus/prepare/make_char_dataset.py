"""Write a tiny character-level dataset in nanoGPT's ``shakespeare_char`` layout.

Usage: python make_char_dataset.py OUT_DIR [N_CHARS]

Writes OUT_DIR/train.bin, OUT_DIR/val.bin (uint16 token ids, 90/10 split) and OUT_DIR/meta.pkl
(``vocab_size``, ``itos``, ``stoi``), exactly the files nanoGPT's own
``data/shakespeare_char/prepare.py`` writes, from generated text instead of a download.
Deterministic: the same arguments always give the same bytes.
"""

from __future__ import annotations

import pickle
import random
import sys
from pathlib import Path

import numpy as np

_TEXT = (
    "the king and queen of the land spoke to all their people about what would come next "
    "first citizen before we proceed any further hear me speak you are all resolved rather to die than to famish "
    "we know it let us kill him and we will have corn at our own price is it a verdict no more talking on it"
)
WORDS = _TEXT.split()


def make_text(n_chars: int, seed: int = 1337) -> str:
    rng = random.Random(seed)
    lines: list[str] = []
    size = 0
    while size < n_chars:
        speaker = rng.choice(("FIRST CITIZEN", "ALL", "MENENIUS", "MARCIUS"))
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14))).capitalize() + rng.choice(".?!,;")
        block = f"{speaker}:\n{line}\n\n"
        lines.append(block)
        size += len(block)
    return "".join(lines)[:n_chars]


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2:
        print("usage: make_char_dataset.py OUT_DIR [N_CHARS]", file=sys.stderr)
        return 2
    out = Path(argv[0])
    n_chars = int(argv[1]) if len(argv) > 1 else 50_000
    out.mkdir(parents=True, exist_ok=True)
    text = make_text(n_chars)
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    itos = {i: ch for i, ch in enumerate(chars)}
    ids = np.array([stoi[c] for c in text], dtype=np.uint16)
    n = int(0.9 * len(ids))
    ids[:n].tofile(out / "train.bin")
    ids[n:].tofile(out / "val.bin")
    with open(out / "meta.pkl", "wb") as f:
        pickle.dump({"vocab_size": len(chars), "itos": itos, "stoi": stoi}, f)
    (out / "input.txt").write_text(text, encoding="utf-8")
    print(f"wrote {len(ids):,} characters ({len(chars)} distinct) to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
