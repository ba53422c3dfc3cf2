"""Write a small StackOverflow posts dump in the ``data.xml`` layout of iterative/example-get-started.

Usage: python make_stackoverflow_xml.py OUT_FILE [N_POSTS]

The repo's data set is a DVC-tracked download (``data/data.xml``): one ``<row .../>`` element per
line with ``Id``, ``Tags`` (``<r><ggplot2>``, escaped), ``Title`` and ``Body`` attributes, which
``src/prepare.py`` parses line by line. This writes N_POSTS such lines (default 4000): about a
quarter tagged ``<r>`` with R-flavoured words in the title and body, the rest tagged with other
languages and their words, so the classifier has something to learn. Deterministic (seed 0).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from xml.sax.saxutils import quoteattr

WORDS = {
    "r": ["dataframe", "ggplot2", "dplyr", "tidyverse", "vector", "factor", "apply", "cran", "rstudio", "plot"],
    "python": ["pandas", "numpy", "list", "dict", "pip", "django", "import", "class", "flask", "loop"],
    "java": ["spring", "maven", "jvm", "interface", "arraylist", "hibernate", "gradle", "thread", "jar", "class"],
    "javascript": ["react", "node", "npm", "promise", "dom", "async", "json", "array", "callback", "browser"],
}
COMMON = ["how", "error", "function", "value", "data", "file", "string", "table", "column", "help", "code", "result"]


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2:
        print("usage: make_stackoverflow_xml.py OUT_FILE [N_POSTS]", file=sys.stderr)
        return 2
    out = Path(argv[0])
    n = int(argv[1]) if len(argv) > 1 else 4000
    rng = random.Random(0)
    lines = []
    for i in range(n):
        lang = "r" if rng.random() < 0.25 else rng.choice(["python", "java", "javascript"])
        tags = f"<{lang}>" + "".join(f"<{w}>" for w in rng.sample(WORDS[lang][:4], 1))
        title = " ".join(rng.choice(WORDS[lang] + COMMON) for _ in range(6))
        body = " ".join(rng.choice(WORDS[lang] + COMMON + COMMON) for _ in range(30))
        row = f'<row Id={quoteattr(str(i + 1))} PostTypeId="1" Tags={quoteattr(tags)} Title={quoteattr(title)} Body={quoteattr("<p>" + body + "</p>")} />'
        lines.append("  " + row)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out}: {n} posts")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
