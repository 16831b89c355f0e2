"""Cene's window (PySide6). Wraps ``cene_desktop.core``; never re-implements it.

``main_window`` assembles the panes (``panes/``), the toolbar and the status bar; what a person
does goes to the controllers (``controllers/``: sorting and watching, editing, learning,
browsing, settings), which drive the worker threads (``worker``); dialogs are in ``dialogs/``.
Workers' signals are connected to methods of QObjects of the GUI thread only, so Qt runs them
there."""
