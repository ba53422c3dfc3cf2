"""Write a small plain-text file for a character-level language model (like tinyshakespeare's ``input.txt``).

Usage: python make_char_text.py OUT_FILE [N_LINES]

Speaker lines of words drawn from a small vocabulary, in a play's layout. For spro/char-rnn.pytorch,
whose README asks for a downloaded Shakespeare text. Deterministic: the same arguments always give
the same bytes.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

_TEXT = (
    "the and to of my you that in is not with me it for be his your this but he have as thou so "
    "him will what thy all her do by no shall if are we our on thee lord now good love king come "
    "sir more here well how upon then let must there would say make man hath well night speak"
)
_WORDS = _TEXT.split()
_SPEAKERS = ["FIRST CITIZEN", "MENENIUS", "MARCIUS", "VOLUMNIA", "CORIOLANUS", "SICINIUS"]


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2:
        print("usage: make_char_text.py OUT_FILE [N_LINES]", file=sys.stderr)
        return 2
    out = Path(argv[0])
    n_lines = int(argv[1]) if len(argv) > 1 else 600
    rng = random.Random(1606)
    parts: list[str] = []
    for _ in range(n_lines // 3):
        parts.append(f"{rng.choice(_SPEAKERS)}:\n")
        for _ in range(2):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(5, 11))]
            words[0] = words[0].capitalize()
            parts.append(" ".join(words) + rng.choice([".", ",", "!", "?", ";"]) + "\n")
        parts.append("\n")
    text = "".join(parts)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {len(text):,} characters to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
