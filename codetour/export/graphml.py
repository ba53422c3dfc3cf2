"""GraphML for Gephi and yEd: networkx writes typed <key> declarations (int, double, boolean, string)."""

from __future__ import annotations

from typing import IO

import networkx as nx

from codetour.export import ExportContext


def write_graphml(ctx: ExportContext, stream: IO) -> None:
    nx.write_graphml(ctx.graph, stream, encoding="utf-8", prettyprint=True, named_key_ids=True)
