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


@dataclass(frozen=True)
class Changes:
    """Which parts of a library a change touched (a sorted photo, a person's action, a
    re-check), so the window reads again only what it shows of them."""

    albums: frozenset[str] = frozenset()  # albums photos came into or left
    review: bool = False  # how sure Cene is of photos, or whether a person has looked at them
    suggestions: bool = False  # the albums Cene would now choose for photos
    everything: bool = False  # anything at all (another model version, a catalog opened afresh)

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            self.albums | other.albums,
            self.review or other.review,
            self.suggestions or other.suggestions,
            self.everything or other.everything,
        )

    def __bool__(self) -> bool:
        return bool(self.albums) or self.review or self.suggestions or self.everything


#: Nothing changed (an import: the files go to the photo folder, sorting places them later).
NO_CHANGES = Changes()
EVERYTHING = Changes(everything=True)


def photos_moved(*albums: str | None) -> Changes:
    """Photos came into or left these albums; a photo that moves is also reviewed anew and
    leaves or joins the suggestions."""
    return Changes(frozenset(a for a in albums if a), review=True, suggestions=True)
