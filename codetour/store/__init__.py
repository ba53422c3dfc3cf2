"""The trace file: one SQLite database per recorded run.

``schema`` defines the tables, ``writer`` fills them (used only by the tracer),
``reader`` is the only way anything downstream reads a trace.
"""
