"""The window's reads of the catalog, in a thread of their own: the GUI thread never runs a
query. The window asks with a signal (a page, a block of records, a photo's companions, what
"Put back" would undo); the answer comes back as a signal, which Qt delivers in the GUI thread.

A page asked for is answered only if no newer page was asked for meanwhile (a sort places
photos faster than anyone can look at them); every other request is answered.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from cene_desktop.core.catalog import Catalog, CatalogError
from cene_desktop.core.library import put_back_choices
from cene_desktop.core.pages import PageQuery, read_counts, read_page

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LibraryOpened:
    """The library's catalog is open (and migrated); what the window asks about first."""

    library: Path
    unjudged_by_gate: int  # photos sorted before Cene had an Other album


@dataclass(frozen=True)
class Counts:
    """The albums' counts alone: nothing on the page shown has changed."""

    serial: int
    counts: dict[str, int]


class CatalogReader(QObject):
    opened = Signal(object)  # LibraryOpened
    unusable = Signal(str)  # the catalog cannot be opened: a sentence for the person
    page_ready = Signal(int, object)  # serial of the request, core.pages.Page
    counts_ready = Signal(object)  # Counts
    records_ready = Signal(int, int, list)  # generation, first row, records
    companions_ready = Signal(int, list)  # photo id, names of the files that go with it
    put_back_ready = Signal(list)  # core.library.SortingRun: what Put back can undo
    photos_ready = Signal(int, list)  # serial of the request, records (those still there)
    failed = Signal(str)  # a read failed (its drive went away): a sentence; opened afresh

    def __init__(self, library: Path) -> None:
        super().__init__()
        self.library = library
        self.catalog: Catalog | None = None
        #: The newest page the window asked for: older requests still queued are skipped.
        #: Set in the GUI thread before it asks; a plain int, read here.
        self.latest_page = 0

    @Slot()
    def open(self) -> None:
        try:
            self.library.mkdir(parents=True, exist_ok=True)
            self.catalog = Catalog.open(self.library)
            unjudged = self.catalog.unjudged_by_gate()
        except (OSError, CatalogError, sqlite3.Error) as error:
            self.close()
            self.unusable.emit(
                f"Cene cannot use the library folder {self.library}: "
                f"{str(error).rstrip('.')}. Choose another one in Settings."
            )
            return
        self.opened.emit(LibraryOpened(self.library, unjudged))

    @Slot()
    def reopen(self) -> None:
        """Open the catalog afresh (its drive came back: the old connection may point at the
        vanished disk)."""
        self.close()
        if self.library.is_dir():
            with contextlib.suppress(OSError, CatalogError, sqlite3.Error):
                self.catalog = Catalog.open(self.library)

    @Slot(int, object, bool, bool)
    def read_page(self, serial: int, query: PageQuery, whole: bool, counts: bool) -> None:
        """The page ``query`` (``whole``: its photos too; else only the albums' counts;
        ``counts`` False: only its photos, nothing changed)."""
        if serial < self.latest_page:
            return  # a newer page is asked for: this one would be stale when shown
        for _attempt in range(2):  # once more on a catalog opened afresh
            catalog = self._catalog()
            if catalog is None:
                return
            try:
                if whole:
                    self.page_ready.emit(serial, read_page(catalog, query, counts))
                else:
                    self.counts_ready.emit(Counts(serial, read_counts(catalog, query.review_below)))
                return
            except sqlite3.Error as error:
                self._failed(error)

    @Slot(int, int, list)
    def read_records(self, generation: int, first_row: int, ids: list[int]) -> None:
        catalog = self._catalog()
        if catalog is None:
            return
        try:
            self.records_ready.emit(generation, first_row, catalog.photos_by_ids(ids))
        except sqlite3.Error as error:
            self._failed(error)

    @Slot(int, list)
    def read_photos(self, serial: int, ids: list[int]) -> None:
        """The records of ``ids``, in that order, for an action on photos whose records the
        grid has not read (Select all in a large album); a photo gone since is left out."""
        catalog = self._catalog()
        if catalog is None:
            return
        try:
            self.photos_ready.emit(serial, catalog.photos_by_ids(ids))
        except sqlite3.Error as error:
            self._failed(error)

    @Slot(int)
    def read_companions(self, photo_id: int) -> None:
        catalog = self._catalog()
        if catalog is None:
            return
        try:
            names = [Path(c.current_path).name for c in catalog.companions(photo_id)]
        except sqlite3.Error as error:
            self._failed(error)
            return
        self.companions_ready.emit(photo_id, names)

    @Slot()
    def read_put_back_offer(self) -> None:
        catalog = self._catalog()
        if catalog is None:
            return
        try:
            choices = put_back_choices(catalog)
        except sqlite3.Error as error:
            self._failed(error)
            return
        self.put_back_ready.emit(choices)

    def _catalog(self) -> Catalog | None:
        if self.catalog is None:
            self.reopen()
        return self.catalog

    def _failed(self, error: sqlite3.Error) -> None:
        # The catalog cannot be read (its drive went away): say so, and open it afresh, now if
        # the library is there, or when the sorting worker reports it back.
        log.warning("Catalog read failed: %s", error)
        self.failed.emit(
            f"Cene cannot read the library's catalog right now ({error}); the albums are "
            "shown again as soon as it can."
        )
        self.reopen()

    @Slot()
    def close(self) -> None:
        catalog, self.catalog = self.catalog, None
        if catalog is not None:
            with contextlib.suppress(Exception):  # a connection to a vanished disk
                catalog.close()
