"""GraphML for Gephi and yEd: typed ``<key>`` declarations (long, double, boolean, string).

Key ids are ``<domain>_<name>`` (``node_entry``, ``graph_entry``, ``edge_calls``), so an
attribute name used in two domains (the graph's ``entry`` string and the nodes' ``entry``
flag) never shares a key id, and every reader gets each attribute back with its own type.
"""

from __future__ import annotations

from typing import IO

from networkx.readwrite.graphml import GraphMLWriter

from codetour.export import ExportContext


class DomainKeyWriter(GraphMLWriter):
    """networkx's GraphML writer with key ids that name the domain as well as the attribute."""

    def get_key(self, name, attr_type, scope, default):
        keys_key = (name, attr_type, scope)
        if keys_key in self.keys:
            return self.keys[keys_key]
        key_id = f"{scope}_{name}"
        taken = set(self.keys.values())
        while key_id in taken:  # one name with two value types in one domain (never from build_graph)
            key_id += "_"
        self.keys[keys_key] = key_id
        element = self.myElement("key", **{"id": key_id, "for": scope, "attr.name": name, "attr.type": attr_type})
        if default is not None:
            default_element = self.myElement("default")
            default_element.text = str(default)
            element.append(default_element)
        self.xml.insert(0, element)
        return key_id


def write_graphml(ctx: ExportContext, stream: IO) -> None:
    writer = DomainKeyWriter(encoding="utf-8", prettyprint=True)
    writer.add_graph_element(ctx.graph)
    writer.dump(stream)
