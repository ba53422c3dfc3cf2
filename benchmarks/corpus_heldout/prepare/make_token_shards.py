"""Write pretokenized shards like llama2.c's ``tinystories.py pretokenize`` makes: uint16 token ids.

Usage: python make_token_shards.py OUT_DIR [N_SHARDS] [TOKENS_PER_SHARD] [VOCAB_SIZE]

Writes OUT_DIR/data00.bin ... (PretokDataset uses shard 0 as the validation split, the rest for
training). The "stories" are sequences over a small vocabulary with a repeating structure (BOS=1
starts each), so a model has something to learn. Deterministic.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 4:
        print("usage: make_token_shards.py OUT_DIR [N_SHARDS] [TOKENS_PER_SHARD] [VOCAB_SIZE]", file=sys.stderr)
        return 2
    out = Path(argv[0])
    n_shards = int(argv[1]) if len(argv) > 1 else 2
    per_shard = int(argv[2]) if len(argv) > 2 else 20000
    vocab = int(argv[3]) if len(argv) > 3 else 512
    rng = random.Random(1337)
    out.mkdir(parents=True, exist_ok=True)
    for shard in range(n_shards):
        tokens: list[int] = []
        while len(tokens) < per_shard:
            start = rng.randrange(3, vocab - 40)
            tokens.append(1)  # BOS, as the real pretokenized stories have
            tokens.extend(start + (i * 7) % 37 for i in range(rng.randint(20, 60)))
        np.array(tokens[:per_shard], dtype=np.uint16).tofile(out / f"data{shard:02d}.bin")
    print(f"wrote {n_shards} shards of {per_shard:,} tokens (vocab {vocab}) to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
