"""Put back: which sorted photos go back to the folder they came from. Each time watching
starts is a run of its own, so the dialog lists the runs (when, how many, from where) and puts
back the one chosen and every later one; the photos a person has already looked at stay in
their albums unless they say otherwise, and it says plainly what is lost."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cene_desktop.core.catalog import local_time
from cene_desktop.core.library import SortingRun
from cene_desktop.core.words import count_of


def _with_them(companions: int) -> str:
    if not companions:
        return ""
    files = count_of(
        companions, "RAW, video or sidecar file that goes", "RAW, video or sidecar files that go"
    )
    return f" (and {files} with them)"


class PutBackDialog(QDialog):
    """Not modal: the window stays usable while it is open. ``put_back(since, newest, keep)``
    is called on "Put back" with the oldest run chosen, the newest run listed and whether the
    photos looked at stay."""

    def __init__(
        self,
        parent: QWidget,
        runs: list[SortingRun],
        put_back: Callable[[int, int, bool], None],
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Put photos back")
        self.runs = runs  # newest first
        self._put_back = put_back
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("Cene sorted photos from your photo folder at these times. Put back since:")
        )
        self.list = QListWidget()
        for run in runs:
            where = run.run.photos_dir or "the folders they came from"
            text = f"{local_time(run.run.started_at)}: {count_of(run.photos)} from {where}"
            QListWidgetItem(text, self.list)
        self.list.setCurrentRow(0)
        self.list.setMinimumWidth(520)
        layout.addWidget(self.list)
        self.keep = QCheckBox()
        self.keep.setChecked(True)
        layout.addWidget(self.keep)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        note = QLabel(
            "Photos Cene moved go back where they were; copies and links it made in the albums "
            "are removed (the originals never left). Nothing is overwritten. Watching pauses so "
            "they stay there: resume it to sort them again."
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.put_back_button = buttons.addButton("Put back", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accepted)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.list.currentRowChanged.connect(self._update)
        self.keep.toggled.connect(self._update)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self._update()

    def chosen(self) -> list[SortingRun]:
        """The runs that would go back: the one chosen and every later one."""
        return self.runs[: max(0, self.list.currentRow()) + 1]

    def _update(self) -> None:
        chosen = self.chosen()
        photos = sum(run.photos for run in chosen)
        companions = sum(run.companions for run in chosen)
        looked_at = sum(run.looked_at for run in chosen)
        folders = {run.run.photos_dir for run in chosen}
        where = folders.pop() if len(folders) == 1 else None
        since = local_time(chosen[-1].run.started_at)
        self.keep.setVisible(looked_at > 0)
        self.keep.setText(
            f"Keep the {count_of(looked_at)} you corrected or confirmed in their albums"
        )
        keep = looked_at > 0 and self.keep.isChecked()
        going = photos - looked_at if keep else photos
        text = (
            f"Put the {count_of(going)}{_with_them(companions)} Cene sorted since {since} back "
            f"into {where or 'the folders they came from'}?"
        )
        if looked_at and keep:
            stay = "stays" if looked_at == 1 else "stay"
            text += f" The {count_of(looked_at)} you looked at {stay} where you put them."
        elif looked_at:
            text += (
                f" Your corrections and confirmations of {count_of(looked_at)} go with them: "
                "Cene forgets them and will not learn from them."
            )
        if not going:
            text = (
                f"You corrected or confirmed every one of the {count_of(photos)} Cene sorted "
                f"since {since}: they stay where you put them. Untick the box to put them back "
                "too."
            )
        self.summary.setText(text)
        self.put_back_button.setEnabled(going > 0)

    def _accepted(self) -> None:
        chosen = self.chosen()
        keep = any(run.looked_at for run in chosen) and self.keep.isChecked()
        self.accept()
        self._put_back(chosen[-1].run.id, self.runs[0].run.id, keep)
