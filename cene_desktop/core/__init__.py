"""Cene's engine: pure Python, no Qt and no TensorFlow at import time."""
