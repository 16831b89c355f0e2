"""Logging to a rotating file in the user's log folder (and warnings to the terminal)."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from platformdirs import user_log_dir

LOG_FILE_NAME = "cene.log"


def log_dir() -> Path:
    override = os.environ.get("CENE_LOG_DIR")
    return Path(override) if override else Path(user_log_dir("Cene", appauthor=False))


def log_path() -> Path:
    return log_dir() / LOG_FILE_NAME


def setup_logging(verbose: bool = False, console: bool = True) -> Path | None:
    """Configure the root logger once; returns the log file (None if it cannot be written)."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("watchdog").setLevel(logging.INFO)  # its debug output is every event
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    path: Path | None = log_path()
    try:
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8", errors="backslashreplace"
        )
        handler.setFormatter(formatter)
        root.addHandler(handler)
    except OSError:
        path = None
    if console:
        stream = logging.StreamHandler()
        stream.setLevel(logging.DEBUG if verbose else logging.WARNING)
        stream.setFormatter(logging.Formatter("cene: %(message)s"))
        # Only Cene's own messages: what libraries log or warn about odd files (Pillow, libtiff,
        # Python warnings) is for the log, not the person's terminal.
        stream.addFilter(lambda record: record.name.split(".")[0] in ("cene_desktop", "root"))
        root.addHandler(stream)
    return path
