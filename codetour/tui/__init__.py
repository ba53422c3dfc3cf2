"""The replay TUI (Textual). Renders a :class:`codetour.replay.Cursor`; no logic of its own."""
