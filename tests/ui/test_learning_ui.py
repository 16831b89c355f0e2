"""Learning from corrections in the window: automatic rounds, the re-check offer, suggestions,
the version list in the settings and rolling back from it. Real library, real model."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from cene_desktop.config import Settings
from cene_desktop.core.catalog import Catalog
from cene_desktop.core.classifier import SHIPPED
from cene_desktop.core.models import ModelStore
from cene_desktop.core.pipeline import Sorter, SortOptions
from cene_desktop.ui.album_model import REVIEW
from cene_desktop.ui.dialogs.settings import SettingsDialog
from cene_desktop.ui.dialogs.versions import CHOSEN

from ..core.test_learning import label_like_the_person, make_inbox
from .conftest import started_window
from .test_main_window import show


@pytest.fixture
def warm_settings(tmp_path: Path, classifier) -> Settings:  # type: ignore[no-untyped-def]
    """A library of warm-cast photos, three quarters reviewed by their owner."""
    inbox, library = tmp_path / "inbox", tmp_path / "Albums"
    truth = make_inbox(inbox, per_class=30)
    with Sorter(library, inbox, classifier, SortOptions()) as sorter:
        sorter.sort_folder()
    label_like_the_person(library, truth)
    return Settings(photos_dir=str(inbox), library_dir=str(library), watching=False)


def open_window(qtbot, settings: Settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    window = started_window(qtbot, settings, tmp_path / "settings.json")
    return window


@pytest.fixture
def window(qtbot, warm_settings: Settings, tmp_path: Path) -> Iterator[object]:  # type: ignore[no-untyped-def]
    main = open_window(qtbot, warm_settings, tmp_path)
    yield main
    main.close()


def confirm_first_review_photo(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(window, qtbot, REVIEW)
    window.grid.setCurrentIndex(window.grid_model.index(0))
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        window.confirm_selected()  # what Enter does (keys are tested in test_main_window)


def test_enough_corrections_start_learning_and_offer_a_recheck(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert window.status.model_label.text().startswith("Model 1.")
    with qtbot.waitSignal(window.learning_finished, timeout=60_000) as improved:
        confirm_first_review_photo(window, qtbot)  # 136 labelled photos now: time to learn
    report = improved.args[0]
    assert report.adopted, report.message
    qtbot.waitUntil(lambda: window.status.model_label.text().startswith("Model v1"), timeout=10_000)
    assert "of your photos" in window.status.model_label.text()
    assert "Better on your photos" in window.status.model_label.toolTip()
    offer = window.learner.recheck_offer
    qtbot.waitUntil(offer.isVisible)

    # Re-check: the adapted model's suggestions appear under Review → Suggestions.
    recheck_button = next(b for b in offer.buttons() if b.text() == "Re-check albums")
    with qtbot.waitSignal(window.learning_finished, timeout=60_000) as rechecked:
        recheck_button.click()
    result = rechecked.args[0]
    assert result.checked == 44
    show(window, qtbot, REVIEW)
    button = next(b for b in window.review_bar.filters.buttons() if b.text() == "Suggestions")
    with qtbot.waitSignal(window.page_shown, timeout=10_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.grid_model.rowCount() == result.suggested
    assert window.review_bar.accept_button.isVisible()
    window.grid.clearSelection()  # (Enter above selected the next photo)
    assert not window.review_bar.accept_button.isEnabled()  # nothing selected: nothing to move
    if result.suggested:
        photo = window.grid_model.photo(0)
        window.grid.setCurrentIndex(window.grid_model.index(0))
        assert window.review_bar.accept_button.isEnabled()
        assert f"now suggests <b>{photo.suggested}</b>" in window.preview.verdict.text()
        with qtbot.waitSignal(window.action_finished, timeout=10_000):
            window.review_bar.accept_button.click()
        catalog = Catalog.open(Path(window.settings.library_dir))
        moved = catalog.photo(photo.id)
        catalog.close()
        assert moved is not None and moved.album == photo.suggested and moved.suggested is None
        library = Path(window.settings.library_dir)
        assert (library / moved.current_path).is_file()


def test_the_settings_list_versions_and_roll_back(window, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.learning_finished, timeout=60_000):
        window.learner.improve()
    store = ModelStore(Path(window.settings.library_dir))
    assert store.active_name() == "v1"
    with qtbot.waitSignal(window.learning_finished, timeout=60_000):
        window.learner.start_learning(recheck=True)  # what "Re-check albums" in the offer does
    with Catalog.open(Path(window.settings.library_dir)) as catalog:
        assert {p.model_version for p in catalog.photos() if not p.corrected} == {
            f"{window.model_info.version}+v1"
        }
    dialog = window.settings_dialog()
    qtbot.addWidget(dialog)
    panel = dialog.versions
    assert panel is not None
    rows = [panel.tree.topLevelItem(i) for i in range(panel.tree.topLevelItemCount())]
    assert [row.text(0) for row in rows] == ["Shipped", "v1"]
    assert rows[1].text(4) == "● in use" and " right before, " in rows[1].text(2)
    dialog.close()

    def choose_shipped_then(button: QDialogButtonBox.StandardButton) -> None:
        settings = QApplication.activeModalWidget()
        assert isinstance(settings, SettingsDialog) and settings.versions is not None
        panel = settings.versions
        panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
        assert panel.use_button.isEnabled()
        panel.use_button.click()
        assert panel.tree.topLevelItem(0).text(4) == CHOSEN
        assert panel.tree.topLevelItem(1).text(4) == "● in use"
        assert "will be used after OK" in panel.note.text()
        assert store.active_name() == "v1" and not window.learner.busy  # nothing yet
        if button == QDialogButtonBox.StandardButton.Ok:
            settings.settle.setValue(settings.settle.value() + 1)  # the workers start again
        settings.findChild(QDialogButtonBox).button(button).click()

    # Cancel: the version chosen is forgotten, nothing is switched or re-checked.
    QTimer.singleShot(300, lambda: choose_shipped_then(QDialogButtonBox.StandardButton.Cancel))
    window.preferences.open()
    assert store.active_name() == "v1" and not window.learner.busy
    # OK: the switch (once the restarted learn worker is there), then a re-check.
    QTimer.singleShot(300, lambda: choose_shipped_then(QDialogButtonBox.StandardButton.Ok))
    with qtbot.waitSignal(window.learning_finished, timeout=90_000):
        window.preferences.open()
    assert store.active_name() == SHIPPED
    with Catalog.open(Path(window.settings.library_dir)) as catalog:
        unreviewed = [p for p in catalog.photos() if not p.corrected]
        assert unreviewed and {p.model_version for p in unreviewed} == {
            window.model_info.version
        }  # what the shipped model says again, not v1
    assert window.status.model_label.text().startswith("Model 1.")
    again = window.settings_dialog()
    qtbot.addWidget(again)
    assert again.versions is not None
    assert again.versions.tree.topLevelItem(0).text(4) == "● in use"
    again.close()


def test_a_version_learnt_for_an_older_model_is_shown_but_not_offered(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """After a Cene update that ships another model, the version a person taught the old one
    is listed with the model it was for, cannot be chosen, and the shipped model is in use."""
    with qtbot.waitSignal(window.learning_finished, timeout=60_000):
        window.learner.improve()
    library = Path(window.settings.library_dir)
    record = library / ".cene" / "models" / "v1" / "version.json"
    record.write_text(record.read_text().replace(window.model_info.version, "0.9.0-older"))
    window.learner.show_model_version()
    assert window.status.model_label.text() == f"Model {window.model_info.version}"
    assert "learnt for model 0.9.0-older" in window.status.model_label.toolTip()
    dialog = window.settings_dialog()
    qtbot.addWidget(dialog)
    panel = dialog.versions
    assert panel is not None
    rows = [panel.tree.topLevelItem(i) for i in range(panel.tree.topLevelItemCount())]
    assert [(row.text(0), row.text(4)) for row in rows] == [
        ("Shipped", "● in use"),
        ("v1", "for model 0.9.0-older"),
    ]
    panel.tree.setCurrentItem(rows[1])
    assert not panel.use_button.isEnabled()
    assert panel.choice() is None
    dialog.close()


def test_no_automatic_learning_when_switched_off(
    qtbot, warm_settings: Settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, replace(warm_settings, learn_after=0), tmp_path)
    try:
        confirm_first_review_photo(window, qtbot)
        assert not window.learner.busy
        assert ModelStore(Path(warm_settings.library_dir)).versions() == []
    finally:
        window.close()
