"""Cene's engine: pure Python, no Qt and no TensorFlow at import time
(tests/core/test_layering.py holds it to that).

Reading photos (``scanner``, ``completeness``), the scene model and its gate (``classifier``,
``gate``, ``models``), sorting and watching (``pipeline``, ``watcher``, ``events``), journaled file
operations (``placement``, ``fileops``), the catalog (``catalog/``), a person's actions
(``library``), learning from them (``learning``), checking a library (``check``) and what the
window shows of it (``pages``)."""
