"""Live debugging: the recorded program re-run under debugpy, paused at a recorded step.

pydevd owns ``sys.settrace`` in the debuggee, so the recorder is not active there.
codetour is a DAP client (``dap``: stdlib socket + Content-Length framed JSON) and
``session`` drives one debuggee from launch to a clean end.
"""
