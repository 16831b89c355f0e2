"""What happens while Cene watches that a person should be told of, as typed events: the
window decides what to do by an event's type, never by its words; ``message`` is the sentence
shown (and what the command line prints)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Event:
    """Something to tell the person, in words."""

    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class LibraryGone(Event):
    """The library folder went away (drive unplugged): sorting waits for it."""

    library: Path


@dataclass(frozen=True)
class LibraryBack(Event):
    """The library folder is back: sorting carries on, on a fresh catalog connection."""

    library: Path


@dataclass(frozen=True)
class PhotoFolderGone(Event):
    """The watched photo folder went away: watching waits for it."""

    folder: Path


@dataclass(frozen=True)
class PhotoFolderBack(Event):
    """The watched photo folder is back: it is watched again (and looked through in full)."""

    folder: Path


@dataclass(frozen=True)
class PollingInstead(Event):
    """The folder cannot send change events (a network drive, the inotify limit reached): it
    is checked every few seconds instead."""

    folder: Path


@dataclass(frozen=True)
class DiskFull(Event):
    """The library's disk is full: sorting pauses until there is space."""


@dataclass(frozen=True)
class SpaceAgain(Event):
    """There is space on the library's disk again: sorting carries on."""


#: Who is told: the window's worker, the command line, a log.
Notice = Callable[[Event], None]
