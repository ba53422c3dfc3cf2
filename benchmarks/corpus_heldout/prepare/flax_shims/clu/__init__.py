"""A stand-in for the one part of ``clu`` that flax's ``examples/seq2seq`` uses (``metric_writers``).

``clu.metric_writers`` imports TensorFlow for its default summary writer, and TensorFlow is not
installed here. The manifest puts ``prepare/flax_shims`` on PYTHONPATH (outside the repo root, not
traced): ``create_default_writer(logdir)`` returns a writer whose ``write_scalars(step, scalars)``
logs the values through ``absl.logging`` (as clu's ``LoggingWriter`` does) and appends them as one
JSON line to ``logdir/metrics.jsonl`` (standing in for the TensorBoard event file).
"""
