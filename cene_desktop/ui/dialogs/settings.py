"""The welcome dialog (first start) and the settings dialog; both edit ``config.Settings``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cene_desktop.config import Settings, default_library
from cene_desktop.core import scanner
from cene_desktop.core.albums import REVIEW_BELOW
from cene_desktop.core.catalog import local_time
from cene_desktop.core.classifier import SHIPPED
from cene_desktop.core.models import ModelStore, ModelVersion
from cene_desktop.core.scanner import Candidate

MODE_TEXT = {
    "move": "Move photos into the albums",
    "copy": "Copy them (the photo folder stays as it is)",
    "symlink": "Link them (albums hold symbolic links; originals never move)",
}


class _Counter(QObject):
    counted = Signal(str, int)  # folder, photos found


class _CountJob(QRunnable):
    def __init__(self, folder: str, library: str, signals: _Counter) -> None:
        super().__init__()
        self.folder, self.library, self.signals = folder, library, signals

    def run(self) -> None:
        count = sum(
            isinstance(found, Candidate)
            for found in scanner.find_photos(Path(self.folder), Path(self.library or "/"))
        )
        self.signals.counted.emit(self.folder, count)


class FolderForm(QWidget):
    """Photo folder, library folder and mode: what both dialogs ask."""

    changed = Signal()

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.photos = QLineEdit(settings.photos_dir)
        self.photos.setPlaceholderText("The folder your camera or phone imports into")
        self.library = QLineEdit(settings.library_dir or str(default_library()))
        self.modes = QButtonGroup(self)
        layout = QFormLayout(self)
        layout.addRow("Photo folder to watch:", self._with_browse(self.photos))
        layout.addRow("Albums go in:", self._with_browse(self.library))
        mode_box = QVBoxLayout()
        for mode, text in MODE_TEXT.items():
            button = QRadioButton(text)
            button.setProperty("mode", mode)
            button.setChecked(mode == settings.mode)
            self.modes.addButton(button)
            mode_box.addWidget(button)
        layout.addRow("Sorting:", mode_box)
        self.photos.textChanged.connect(self.changed)
        self.library.textChanged.connect(self.changed)

    def _with_browse(self, edit: QLineEdit) -> QWidget:
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(edit)
        browse = QPushButton("Browse…")
        browse.clicked.connect(lambda: self._browse(edit))
        box.addWidget(browse)
        return row

    def _browse(self, edit: QLineEdit) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder", edit.text())
        if folder:
            edit.setText(folder)

    def mode(self) -> str:
        checked = self.modes.checkedButton()
        return str(checked.property("mode")) if checked else "move"

    def problem(self) -> str | None:
        """Why these folders cannot be used, in a sentence; None if they can."""
        photos, library = self.photos.text().strip(), self.library.text().strip()
        if not photos:
            return "Choose the folder your photos arrive in."
        if not Path(photos).is_dir():
            return f"{photos} is not a folder. Choose an existing folder."
        if not library:
            return "Choose where the albums should go."
        if Path(library).resolve() == Path(photos).resolve():
            return "Albums need their own folder (it may be inside the photo folder)."
        return None

    def apply(self, settings: Settings) -> Settings:
        return replace(
            settings,
            photos_dir=self.photos.text().strip(),
            library_dir=self.library.text().strip(),
            mode=self.mode(),
        )


class WelcomeDialog(QDialog):
    """First start: which folder to watch, where albums go, and what to do with what is there."""

    preview_requested = Signal(object)  # Settings

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Cene")
        self.settings = settings
        intro = QLabel(
            "<h2>Welcome to Cene</h2>Cene watches the folder your photos arrive in and sorts "
            "each one into an album by what it shows: buildings, forest, glacier, mountain, sea "
            "or street. Photos of none of these (people, pets, documents, screenshots) go to "
            "<b>Other</b>; scenes it is not sure about go to <b>Unsorted</b>, and the "
            "<b>Review</b> list asks about both, so you can correct them."
        )
        intro.setWordWrap(True)
        self.form = FolderForm(settings)
        self.status = QLabel(" ")
        self.status.setWordWrap(True)
        self.preview_button = QPushButton("Preview…")
        self.preview_button.setToolTip("Show where each photo would go; nothing is touched")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = self.buttons.addButton(
            "Sort and start watching", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(self.preview_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        for widget in (intro, self.form, self.status, self.buttons):
            layout.addWidget(widget)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.preview_button.clicked.connect(self._preview)
        self._counter = _Counter()
        self._counter.counted.connect(self._counted)
        self.form.changed.connect(self._update)
        self.resize(620, 420)
        self._update()

    def _update(self) -> None:
        problem = self.form.problem()
        self.start_button.setEnabled(problem is None)
        self.preview_button.setEnabled(problem is None)
        if problem:
            self.status.setText(problem)
            return
        self.status.setText("Counting the photos already in this folder…")
        QThreadPool.globalInstance().start(
            _CountJob(self.form.photos.text().strip(), self.form.library.text(), self._counter)
        )

    def _counted(self, folder: str, count: int) -> None:
        if folder != self.form.photos.text().strip():
            return  # the answer for a folder the person has since changed
        if count:
            self.status.setText(
                f"{count} photos are already in this folder. Cene will sort them first, then "
                "keep watching for new ones. Use Preview to see where they would go."
            )
        else:
            self.status.setText("The folder has no photos yet; Cene will sort new ones.")

    def _preview(self) -> None:
        self.preview_requested.emit(self.form.apply(self.settings))

    def _accept(self) -> None:
        if self.form.problem() is None:
            self.settings = self.form.apply(self.settings)
            self.accept()


class ModelVersionsPanel(QGroupBox):
    """The library's model versions with their scores; one can be put (back) in use."""

    COLUMNS = ("Version", "Made", "Your photos", "Check set", "Status")

    def __init__(self, store: ModelStore, activate: Callable[[str], None]) -> None:
        super().__init__("Model versions of this library")
        self.store = store
        self._activate = activate
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(list(self.COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setMinimumHeight(120)
        self.use_button = QPushButton("Use selected version")
        self.use_button.clicked.connect(self.use_selected)
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.use_button)
        layout.addLayout(row)
        self.reload()

    def reload(self) -> None:
        self.tree.clear()
        active = self.store.active_name()
        shipped = QTreeWidgetItem(["Shipped", "with Cene", "", "", ""])
        shipped.setData(0, Qt.ItemDataRole.UserRole, SHIPPED)
        rows = [(shipped, SHIPPED, True)]
        for version in reversed(self.store.versions()):
            rows.append((self._item(version), version.name, version.adopted))
        for item, name, usable in rows:
            if name == active:
                item.setText(4, "● in use")
            elif not usable:
                item.setText(4, "refused")
            item.setData(0, Qt.ItemDataRole.UserRole, name if usable else None)
            self.tree.addTopLevelItem(item)
        for column in range(len(self.COLUMNS)):
            self.tree.resizeColumnToContents(column)
        self._selection_changed()

    @staticmethod
    def _item(version: ModelVersion) -> QTreeWidgetItem:
        scores = version.scores
        held, before = scores.get("held_out", {}), scores.get("held_out_current", {})
        check, shipped = scores.get("check", {}), scores.get("check_shipped", {})
        item = QTreeWidgetItem(
            [
                version.name,
                local_time(version.created),
                f"{before.get('accuracy', 0):.0%} → {held.get('accuracy', 0):.0%}"
                f" of {held.get('n', 0)} ({version.examples} learnt)",
                f"{shipped.get('accuracy', 0):.1%} → {check.get('accuracy', 0):.1%}",
                "",
            ]
        )
        for column in range(5):
            item.setToolTip(column, version.reason)
        return item

    def selected_name(self) -> str | None:
        items = self.tree.selectedItems()
        return items[0].data(0, Qt.ItemDataRole.UserRole) if items else None

    def _selection_changed(self) -> None:
        name = self.selected_name()
        self.use_button.setEnabled(name is not None and name != self.store.active_name())

    def use_selected(self) -> None:
        name = self.selected_name()
        if name is not None:
            self._activate(name)
            self.reload()


#: The Other album's setting, as the settings dialog offers it.
OTHER_CHOICES = (
    ("normal", "Other album"),
    ("high", "Other album, catch more"),
    ("low", "Other album, only when clear"),
    ("off", "No Other album (scene albums or Unsorted)"),
)


class SettingsDialog(QDialog):
    def __init__(
        self,
        settings: Settings,
        default_threshold: float,
        parent: QWidget | None = None,
        models: ModelStore | None = None,
        activate: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cene settings")
        self.settings = settings
        self.form = FolderForm(settings)
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setSingleStep(0.01)
        self.threshold.setDecimals(2)
        self.threshold.setValue(
            settings.threshold if settings.threshold is not None else default_threshold
        )
        self.threshold.setToolTip(
            f"Photos the model is less sure of go to Unsorted (model default "
            f"{default_threshold:.2f})"
        )
        self.other = QComboBox()
        for choice, label in OTHER_CHOICES:
            self.other.addItem(label, choice)
        self.other.setCurrentIndex(max(0, self.other.findData(settings.other)))
        self.other.setToolTip(
            "Photos that show none of the six scenes (people, documents, pets, food, rooms) go "
            "to the Other album. Off: every photo goes to a scene album or Unsorted."
        )
        self.settle = QDoubleSpinBox()
        self.settle.setRange(0.1, 60.0)
        self.settle.setSuffix(" s")
        self.settle.setValue(settings.settle_seconds)
        self.polling = QCheckBox("Check the folder periodically (for network drives)")
        self.polling.setChecked(settings.polling)
        self.learn_after = QSpinBox()
        self.learn_after.setRange(0, 10_000)
        self.learn_after.setSpecialValueText("only when I ask")
        self.learn_after.setSuffix(" new corrections")
        self.learn_after.setValue(settings.learn_after)
        self.learn_after.setToolTip(
            "Cene learns from the photos you move or confirm in the review pane, in the "
            "background, and keeps a new model only if it does better on your photos."
        )
        self.review_below = QDoubleSpinBox()
        self.review_below.setRange(0.5, 1.0)
        self.review_below.setSingleStep(0.01)
        self.review_below.setDecimals(2)
        self.review_below.setValue(settings.review_below)
        self.review_below.setToolTip(
            "The review pane lists the photos the model was less sure of than this; 1.00 lists "
            f"every photo you have not looked at (default {REVIEW_BELOW:.2f})"
        )
        extra = QFormLayout()
        extra.addRow("Photos of no scene:", self.other)
        extra.addRow("Unsorted below confidence:", self.threshold)
        extra.addRow("Review below confidence:", self.review_below)
        extra.addRow("Wait for files to settle:", self.settle)
        extra.addRow("", self.polling)
        extra.addRow("Improve the model after:", self.learn_after)
        self.versions = (
            ModelVersionsPanel(models, activate)
            if models is not None and activate is not None
            else None
        )
        self.status = QLabel(" ")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.default_threshold = default_threshold
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addLayout(extra)
        if self.versions is not None:
            layout.addWidget(self.versions)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def _accept(self) -> None:
        problem = self.form.problem()
        if problem:
            self.status.setText(problem)
            return
        threshold = round(self.threshold.value(), 2)
        self.settings = replace(
            self.form.apply(self.settings),
            threshold=None if threshold == round(self.default_threshold, 2) else threshold,
            other=str(self.other.currentData()),
            settle_seconds=self.settle.value(),
            polling=self.polling.isChecked(),
            learn_after=self.learn_after.value(),
            review_below=round(self.review_below.value(), 2),
        )
        self.accept()
