"""In the review pane each thumbnail says which album the photo is in and what the model made
of it; under Suggestions, where Cene would move it and how sure it is, so a person sees which
ones "Move to suggested albums" would move before pressing it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from cene_desktop.core.catalog import Catalog
from cene_desktop.ui.album_model import REVIEW

from .conftest import refreshed
from .test_main_window import show


def captions(window) -> list[str]:  # type: ignore[no-untyped-def]
    model = window.grid_model
    return [model.data(model.index(row)) for row in range(model.rowCount())]


def test_review_thumbnails_show_the_album_and_the_guess(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(window, qtbot, "Forest")
    assert all(caption.endswith(".jpg") for caption in captions(window))  # an album: names
    show(window, qtbot, REVIEW)
    photos = [window.grid_model.photo(row) for row in range(window.grid_model.rowCount())]
    assert captions(window) == [
        f"{p.album}: {p.predicted} {p.confidence:.0%}"
        if p.album != "Other"
        else f"Other: {p.scene_probability:.0%} a scene"
        for p in photos
    ]


def test_suggestions_show_where_each_photo_would_go(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    with Catalog.open(Path(window.settings.library_dir)) as catalog:
        sea = next(p for p in catalog.photos() if p.album == "Sea")
        catalog.set_suggestions([(sea.id, "Glacier", 0.91)], "v1")
    show(window, qtbot, REVIEW)
    button = next(b for b in window.review_bar.filters.buttons() if b.text() == "Suggestions")
    with qtbot.waitSignal(window.page_shown, timeout=10_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert captions(window) == ["Sea → Glacier 91%"]
    tip = window.grid_model.data(window.grid_model.index(0), Qt.ItemDataRole.ToolTipRole)
    assert "Cene now suggests Glacier" in tip and "in Sea" in tip
    refreshed(window, qtbot)
    assert captions(window) == ["Sea → Glacier 91%"]
