"""Tours: ordered stops with narration, anchored to code by qualified name.

``model``   the Tour/Stop dataclasses and the Markdown tour file format (load/save)
``resolve`` anchors -> file and line (statically, for ``tour check``) and -> trace steps
``build``   generate a tour from a recording: detect the phases of an ML run
``render``  rich text and Markdown renderings
"""
