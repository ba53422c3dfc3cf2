"""networkx node-link JSON, wrapped with the format name and version.

Schema (``codetour-graph`` version 1)::

    {"format": "codetour-graph", "version": 1,
     "graph": {...graph attributes...},
     "directed": true, "multigraph": false,
     "nodes": [{"id": "ppo.agent:PPOAgent.update", ...node attributes...}],
     "edges": [{"source": id, "target": id, "calls": int, "total_ns": int, "hidden_calls": int,
                "estimated_calls": int}]}

Node and edge attributes are documented in :mod:`codetour.graph`.
Read it back with ``networkx.node_link_graph(data, edges="edges")``.
"""

from __future__ import annotations

import json
from typing import IO

import networkx as nx

from codetour.export import ExportContext
from codetour.graph import GRAPH_FORMAT, GRAPH_VERSION


def to_json(ctx: ExportContext) -> dict:
    data = nx.node_link_data(ctx.graph, edges="edges")
    return {"format": GRAPH_FORMAT, "version": GRAPH_VERSION, **data}


def write_json(ctx: ExportContext, stream: IO) -> None:
    json.dump(to_json(ctx), stream, ensure_ascii=False, indent=1)
    stream.write("\n")
