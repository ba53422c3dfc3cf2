"""Recording a real run: scope filters, the settrace hot path, value summaries, the runner.

This package imports only the standard library and ``codetour.store.writer``:
no UI, no graph library (an import-boundary test keeps it that way).
"""
