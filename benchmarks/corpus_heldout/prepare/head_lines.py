"""Write the first N lines of a text file to another file (a small run of a repo's own corpus).

Usage: python head_lines.py IN OUT N

For a repo that ships its training text but reads all of it per run (Adoni/word2vec_pytorch's
``zhihu.txt``, 50,000 segmented sentences), so that the small run trains on a prefix of the same
data instead of a generated text. Reads and writes UTF-8; keeps line endings.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) != 3 or not argv[2].isdigit():
        print("usage: head_lines.py IN OUT N", file=sys.stderr)
        return 2
    src, dst, n = Path(argv[0]), Path(argv[1]), int(argv[2])
    with src.open(encoding="utf-8") as f:
        lines = [line for _, line in zip(range(n), f)]
    dst.write_text("".join(lines), encoding="utf-8")
    print(f"wrote {len(lines)} lines of {src} to {dst}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
