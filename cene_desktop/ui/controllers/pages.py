"""Showing the library: the catalog reader in its thread (``ui/reader``), the album list's
counts, the page shown (an album, or the review pane with its filter) and its heading.

What changed (``core.events.Changes``: a sorted photo, a person's action, a re-check) decides
what is read again: the counts always, the page shown only when the change touches it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelectionModel, QTimer, Signal, SignalInstance

from cene_desktop.core import gate
from cene_desktop.core.events import EVERYTHING, NO_CHANGES, Changes
from cene_desktop.core.pages import REVIEW, SUGGESTIONS, Page, PageQuery, page_touched
from cene_desktop.ui.captions import GUESSES, NAMES, SUGGESTED
from cene_desktop.ui.controllers.base import Controller
from cene_desktop.ui.reader import CatalogReader, Counts, LibraryOpened
from cene_desktop.ui.worker import start_in_thread

if TYPE_CHECKING:
    from cene_desktop.ui.main_window import MainWindow


class PagesController(Controller):
    request_open = Signal()
    request_reopen = Signal()
    request_page = Signal(int, object, bool, bool)  # serial, PageQuery, whole page, counts
    #: The library's catalog is open (and migrated): the other workers may start.
    opened = Signal(object)  # ui.reader.LibraryOpened

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.reader: CatalogReader | None = None
        self._links: list[tuple[SignalInstance, Callable[..., Any]]] = []
        self._serial = 0  # of the latest refresh asked for
        #: Refreshes that show a person's action once answered, with the photos it acted on
        #: and the row the first of them was on (the photo after them is selected then).
        self._actions: list[tuple[int, list[int], int]] = []
        self._acting_on: tuple[list[int], int] | None = None
        self._opening = False
        self._pending = NO_CHANGES  # changes reported since the last refresh
        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(lambda: self.refresh(NO_CHANGES))  # what is pending
        window.grid.selectionModel().selectionChanged.connect(self._selection_changed)
        # Rows removed take their selection with them without a selectionChanged.
        window.grid_model.rowsRemoved.connect(self._selection_changed)
        window.grid_model.modelReset.connect(self._selection_changed)
        window.grid_bar.order_changed.connect(lambda _: self.refresh(NO_CHANGES, page=True))

    def _selection_changed(self, *_: object) -> None:
        self.window.heading.show_selected(len(self.window.grid.selectionModel().selectedIndexes()))

    def start(self, library: Path) -> None:
        """Open the library's catalog in the reader's thread; ``opened`` once it is open."""
        reader = self.reader = CatalogReader(library)
        self.window.threads.append(start_in_thread(reader, "cene-reader"))
        self.link(self.request_open, reader.open)
        self.link(self.request_reopen, reader.reopen)
        self.link(self.request_page, reader.read_page)
        self.link(self.window.grid_model.records_wanted, reader.read_records)
        reader.opened.connect(self._opened)
        reader.unusable.connect(self.window.show_error)
        reader.page_ready.connect(self._show_page)
        reader.counts_ready.connect(self._show_counts)
        reader.records_ready.connect(self.window.grid_model.records_ready)
        reader.failed.connect(self._read_failed)
        self.request_open.emit()

    def link(self, signal: SignalInstance, slot: Callable[..., Any]) -> None:
        """Connect a request to the reader (undone when the reader goes)."""
        signal.connect(slot)
        self._links.append((signal, slot))

    def close(self) -> None:
        """After the reader's thread has stopped: nothing else uses its connection."""
        for signal, slot in self._links:
            signal.disconnect(slot)
        self._links.clear()
        if self.reader is not None:
            self.reader.close()
            self.reader = None

    def _opened(self, opened: LibraryOpened) -> None:
        self._opening = True
        self.opened.emit(opened)
        self.refresh()

    def reopen(self) -> None:
        """The library's drive is back: the reader opens the catalog afresh, then shows it."""
        self.request_reopen.emit()
        self.refresh()

    def acting_on(self, photo_ids: list[int]) -> None:
        """A person acts on these photos of the grid (a key, Enter, a drag): once it is done,
        the photo after them is selected, as a mail client selects the next mail after one is
        filed, so the next key goes on with the review."""
        rows = {photo_id: row for row, photo_id in enumerate(self.window.grid_model.ids)}
        shown = [rows[i] for i in photo_ids if i in rows]
        self._acting_on = (photo_ids, min(shown)) if shown else None

    def action_done(self, changes: Changes) -> None:
        """A person's action changed the library: show it, and say so once it is shown."""
        acted, self._acting_on = self._acting_on or ([], -1), None
        self._actions.append((self.refresh(changes), *acted))

    def schedule(self, changes: Changes = EVERYTHING) -> None:
        """Refresh within a quarter of a second (photos sorted one after another)."""
        self._pending |= changes
        if not self._timer.isActive():
            self._timer.start()

    def query(self) -> PageQuery:
        window = self.window
        info, settings = window.model_info, window.settings
        thresholds = info.gate.get("thresholds", {}) if info else {}
        choice = settings.other if settings.other != gate.OFF else "normal"
        return PageQuery(
            window.current_album,
            window.review_filter,
            settings.review_below,
            thresholds.get(choice),
            window.grid_bar.order,
        )

    def refresh(self, changes: Changes = EVERYTHING, page: bool = False) -> int:
        """Ask the catalog reader for what ``changes`` make stale: the albums' counts, and the
        page shown if it is touched (or ``page``: another album or filter is chosen). Returns
        the request's serial number."""
        changes, self._pending = changes | self._pending, NO_CHANGES
        self._timer.stop()
        self._serial += 1
        if self.reader is None:
            return self._serial
        query = self.query()
        whole = page or page_touched(changes, query)
        if whole:
            self.reader.latest_page = self._serial
        self.request_page.emit(self._serial, query, whole, bool(changes))
        return self._serial

    def _read_failed(self, message: str) -> None:
        self.status.message(message, 15000)

    def _show_counts(self, counts: Counts) -> None:
        self.window.albums.set_counts(counts.counts)
        self._answered(counts.serial)

    def _show_page(self, serial: int, page: Page) -> None:
        if self.reader is None or serial < self.reader.latest_page:
            return  # a newer page is on its way
        window = self.window
        if page.counts:
            window.albums.set_counts(page.counts)
        suggestions = window.current_album == REVIEW and window.review_filter == SUGGESTIONS
        window.review_bar.accept_button.setVisible(suggestions)
        window.grid_bar.set_review(window.current_album == REVIEW)
        window.heading.show_page(page.heading)
        window.review_bar.show_detail(page.detail)
        selected = set(window.selected_ids())
        model = window.grid_model
        model.captions = (
            NAMES if window.current_album != REVIEW else SUGGESTED if suggestions else GUESSES
        )
        model.set_rows(page.ids, page.records)
        if selected:  # what was selected and is still listed stays selected
            selection = window.grid.selectionModel()
            for row, photo_id in enumerate(page.ids):
                if photo_id in selected:
                    selection.select(
                        window.grid_model.index(row), QItemSelectionModel.SelectionFlag.Select
                    )
        window.browsing.selection_changed()
        window.page_shown.emit()
        self._answered(serial)

    def _answered(self, serial: int) -> None:
        if self._opening:
            self._opening = False
            self.window.library_ready.emit()
        while self._actions and self._actions[0][0] <= serial:
            _, acted, row = self._actions.pop(0)
            if acted:
                self._select_after(acted, row)
            self.window.action_finished.emit()

    def _select_after(self, acted: list[int], row: int) -> None:
        """Select the photo after the ones acted on: the one now at their row if they left the
        list, else the one after the last of them."""
        grid, ids = self.window.grid, self.window.grid_model.ids
        if not ids:
            return
        still = set(acted)
        listed = [r for r, photo_id in enumerate(ids) if photo_id in still]
        row = min(listed[-1] + 1 if listed else row, len(ids) - 1)
        index = self.window.grid_model.index(row)
        grid.setCurrentIndex(index)  # selects it alone
        grid.scrollTo(index)
        grid.setFocus()  # arrows, Home and End go on from there
