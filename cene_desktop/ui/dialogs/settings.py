"""The welcome dialog (first start) and the settings dialog; both edit ``config.Settings``."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QStandardPaths, QThreadPool, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cene_desktop.config import Settings, default_library
from cene_desktop.core import completeness, fileops, scanner
from cene_desktop.core.albums import REVIEW_BELOW
from cene_desktop.core.models import ModelStore
from cene_desktop.core.scanner import Candidate, Skipped
from cene_desktop.core.words import count_of
from cene_desktop.ui.dialogs.versions import ModelVersionsPanel

MODE_TEXT = {
    "move": "Move photos into the albums",
    "copy": "Copy them (the photo folder stays as it is)",
    "symlink": "Link them (albums hold symbolic links; originals never move)",
}


def can_sort(candidate: Candidate) -> bool:
    """Whether a file named like a photo starts like one (an empty or renamed file does not):
    what the welcome counts as a photo without decoding it."""
    if candidate.size == 0:
        return False
    try:
        with open(candidate.path, "rb") as stream:
            return bool(completeness.format_name(stream.read(16)))
    except OSError:
        return False


class _Counter(QObject):
    counted = Signal(str, int, int)  # folder, photos found, files Cene will skip


class _CountJob(QRunnable):
    def __init__(self, folder: str, library: str, signals: _Counter) -> None:
        super().__init__()
        self.folder, self.library, self.signals = folder, library, signals

    def run(self) -> None:
        photos = skipped = 0
        for found in scanner.find_photos(Path(self.folder), Path(self.library or "/")):
            if isinstance(found, Candidate) and can_sort(found):
                photos += 1
            elif isinstance(found, Candidate) or (
                isinstance(found, Skipped) and found.reason and not found.companion
            ):
                skipped += 1
        self.signals.counted.emit(self.folder, photos, skipped)


def start_folder(text: str) -> str:
    """Where Browse… opens: the folder in the field, or the nearest one above it that exists
    (a library folder typed in but not made yet); the Pictures folder, or home, without one."""
    if text.strip() and Path(text.strip()).expanduser().is_absolute():
        path = Path(text.strip()).expanduser()
        for folder in (path, *path.parents):
            if folder.is_dir():
                return str(folder)
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return pictures if pictures and Path(pictures).is_dir() else str(Path.home())


class FolderDialog(QFileDialog):
    """Choosing a folder. ``may_create``: the person may make a new one (the albums folder),
    also by typing a name that does not exist yet, which the settings create on OK."""

    def __init__(self, parent: QWidget, title: str, start: str, may_create: bool) -> None:
        super().__init__(parent, title, start)
        self.setFileMode(QFileDialog.FileMode.Directory)
        self.setOption(QFileDialog.Option.ShowDirsOnly, True)
        # Read-only also keeps the dialog from renaming or deleting in the photo folder.
        self.setOption(QFileDialog.Option.ReadOnly, not may_create)
        self.may_create = may_create
        self.new_folder: str | None = None

    def accept(self) -> None:
        typed = self.selectedFiles()
        if self.may_create and typed:
            path = Path(typed[0])
            if not path.exists() and path.parent.is_dir():
                # Qt's own dialog says "Directory not found" here: a new folder is what's meant.
                self.new_folder = str(path)
                QDialog.accept(self)
                return
        super().accept()

    def folder(self) -> str:
        return self.new_folder or next(iter(self.selectedFiles()), "")


class FolderForm(QWidget):
    """Photo folder, library folder and mode: what both dialogs ask."""

    changed = Signal()

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.photos = QLineEdit(settings.photos_dir)
        self.photos.setPlaceholderText("The folder your camera or phone imports into")
        self.library = QLineEdit(settings.library_dir or str(default_library()))
        self.library.setToolTip("A new folder is made when you press OK")
        self.modes = QButtonGroup(self)
        layout = QFormLayout(self)
        layout.addRow("Photo folder to watch:", self._with_browse(self.photos, False))
        layout.addRow("Albums go in:", self._with_browse(self.library, True))
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

    def _with_browse(self, edit: QLineEdit, may_create: bool) -> QWidget:
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(edit)
        browse = QPushButton("Browse…")
        browse.clicked.connect(lambda: self._browse(edit, may_create))
        box.addWidget(browse)
        return row

    def _browse(self, edit: QLineEdit, may_create: bool) -> None:
        title = "Choose or make the albums folder" if may_create else "Choose the photo folder"
        dialog = FolderDialog(self, title, start_folder(edit.text()), may_create)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.folder():
            edit.setText(dialog.folder())
        dialog.deleteLater()

    def mode(self) -> str:
        checked = self.modes.checkedButton()
        return str(checked.property("mode")) if checked else "move"

    def folders(self) -> tuple[Path, Path]:
        """The photo and library folders as typed (``~`` is the home folder)."""
        return (
            Path(self.photos.text().strip()).expanduser(),
            Path(self.library.text().strip()).expanduser(),
        )

    def problem(self) -> str | None:
        """Why these folders cannot be used, in a sentence; None if they can. A library folder
        that does not exist yet is fine: ``make_library`` makes it on OK."""
        if not self.photos.text().strip():
            return "Choose the folder your photos arrive in."
        photos, library = self.folders()
        if not photos.is_dir():
            what = "is a file, not a folder" if photos.exists() else "does not exist"
            return f"The photo folder {photos} {what}. Choose an existing folder."
        if not self.library.text().strip():
            return "Choose where the albums should go."
        if not library.is_absolute():
            return f"Give the albums folder as a full path (like {default_library()})."
        if library.exists() and not library.is_dir():
            return f"{library} is a file, not a folder. Choose another folder for the albums."
        if library.resolve() == photos.resolve():
            return "Albums need their own folder (it may be inside the photo folder)."
        return None

    def make_library(self) -> str | None:
        """Make the albums folder if it does not exist yet; why it cannot be, or None."""
        library = self.folders()[1]
        try:
            library.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return (
                f"Cene cannot make the albums folder {library}: "
                f"{fileops.describe_os_error(error, library)}. Choose another folder."
            )
        return None

    def apply(self, settings: Settings) -> Settings:
        photos, library = self.folders()
        return replace(settings, photos_dir=str(photos), library_dir=str(library), mode=self.mode())


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
        photos, library = self.form.folders()
        QThreadPool.globalInstance().start(_CountJob(str(photos), str(library), self._counter))

    def _counted(self, folder: str, photos: int, skipped: int) -> None:
        if folder != str(self.form.folders()[0]):
            return  # the answer for a folder the person has since changed
        left = (
            f" (and {count_of(skipped, 'file')} Cene will skip: not photos it can sort; "
            "Preview lists them with the reason)"
            if skipped
            else ""
        )
        if photos:
            text = (
                f"{count_of(photos)} {'is' if photos == 1 else 'are'} already in this folder"
                f"{left}. Cene will sort them first, then keep watching for new ones. Use "
                "Preview to see where they would go."
            )
        else:
            text = f"The folder has no photos yet{left}; Cene will sort new ones."
        library = self.form.folders()[1]
        if not os.path.lexists(library):
            text += f" The albums folder {library} will be made."
        self.status.setText(text)

    def _preview(self) -> None:
        self.preview_requested.emit(self.form.apply(self.settings))

    def _accept(self) -> None:
        problem = self.form.problem() or self.form.make_library()
        if problem:
            self.status.setText(problem)
            return
        self.settings = self.form.apply(self.settings)
        self.accept()


#: The Other album's setting, as the settings dialog offers it.
OTHER_CHOICES = (
    ("normal", "Other album"),
    ("high", "Other album, catch more"),
    ("low", "Other album, only when clear"),
    ("off", "No Other album (scene albums or Unsorted)"),
)


class PercentBox(QSpinBox):
    """A confidence in whole per cent, as Cene shows confidences everywhere else."""

    def __init__(self, low: int, high: int) -> None:
        super().__init__()
        self.setRange(low, high)
        self.setSuffix(" %")

    def set_fraction(self, value: float) -> None:
        self.setValue(round(100 * value))

    def fraction(self) -> float:
        return self.value() / 100


class SettingsDialog(QDialog):
    """The folders, thresholds and learning; the library's model versions when it has a
    model store. Nothing takes effect before OK (the settings controller applies it)."""

    def __init__(
        self,
        settings: Settings,
        default_threshold: float,
        parent: QWidget | None = None,
        models: ModelStore | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cene settings")
        self.settings = settings
        self.form = FolderForm(settings)
        self.threshold = PercentBox(0, 100)
        self.threshold.set_fraction(
            settings.threshold if settings.threshold is not None else default_threshold
        )
        self.threshold.setToolTip(
            f"Photos the model is less sure of go to Unsorted (model default "
            f"{default_threshold:.0%})"
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
        self.review_below = PercentBox(50, 100)
        self.review_below.set_fraction(settings.review_below)
        self.review_below.setToolTip(
            "The review pane lists the photos the model was less sure of than this; 100 % lists "
            f"every photo you have not looked at (default {REVIEW_BELOW:.0%})"
        )
        extra = QFormLayout()
        extra.addRow("Photos of no scene:", self.other)
        extra.addRow("Unsorted below confidence:", self.threshold)
        extra.addRow("Review below confidence:", self.review_below)
        extra.addRow("Wait for files to settle:", self.settle)
        extra.addRow("", self.polling)
        extra.addRow("Improve the model after:", self.learn_after)
        self.versions = ModelVersionsPanel(models) if models is not None else None
        self.status = QLabel(" ")
        self.status.setWordWrap(True)
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

    def chosen_version(self) -> str | None:
        """The model version chosen in the panel, to switch to now; None: keep the one in use."""
        return self.versions.choice() if self.versions is not None else None

    def _accept(self) -> None:
        problem = self.form.problem() or self.form.make_library()
        if problem:
            self.status.setText(problem)
            return
        threshold = self.threshold.fraction()
        self.settings = replace(
            self.form.apply(self.settings),
            threshold=None if threshold == round(self.default_threshold, 2) else threshold,
            other=str(self.other.currentData()),
            settle_seconds=self.settle.value(),
            polling=self.polling.isChecked(),
            learn_after=self.learn_after.value(),
            review_below=self.review_below.fraction(),
        )
        self.accept()
