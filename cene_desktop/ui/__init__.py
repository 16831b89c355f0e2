"""Cene's window (PySide6). Wraps ``cene_desktop.core``; never re-implements it."""
