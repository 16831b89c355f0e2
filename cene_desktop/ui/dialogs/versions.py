"""The settings dialog's list of a library's model versions: one can be chosen, and is put
(back) in use when the dialog is accepted, not before (Cancel leaves the version as it was)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from cene_desktop.core.catalog import local_time
from cene_desktop.core.classifier import SHIPPED
from cene_desktop.core.models import ModelStore, ModelVersion

IN_USE = "● in use"
CHOSEN = "◆ will be used after OK"


class ModelVersionsPanel(QGroupBox):
    """The library's model versions with their scores; "Use selected version" chooses one,
    which the settings controller switches to once the dialog is accepted."""

    COLUMNS = ("Version", "Made", "Your photos", "Check set", "Status")

    def __init__(self, store: ModelStore) -> None:
        super().__init__("Model versions of this library")
        self.store = store
        self.active = store.in_use()
        self.chosen = self.active
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(list(self.COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setMinimumHeight(120)
        self.use_button = QPushButton("Use selected version")
        self.use_button.setToolTip("Cene switches to it when you press OK")
        self.use_button.clicked.connect(self.use_selected)
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        self.tree.itemDoubleClicked.connect(lambda *_: self.use_selected())
        self.note = QLabel()
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        row.addWidget(self.use_button)
        layout.addLayout(row)
        self.reload()

    def reload(self) -> None:
        self.tree.clear()
        shipped = QTreeWidgetItem(["Shipped", "with Cene", "", "", ""])
        rows = [(shipped, SHIPPED, "")]
        for version in reversed(self.store.versions()):
            status = "" if version.adopted else "refused"
            if not self.store.usable(version):  # learnt for a model this Cene no longer has
                status = f"for model {version.base_version}"
            rows.append((self._item(version), version.name, status))
        for item, name, status in rows:
            item.setText(4, status)
            item.setData(0, Qt.ItemDataRole.UserRole, None if status else name)
            self.tree.addTopLevelItem(item)
        self._show_choice()

    @staticmethod
    def _item(version: ModelVersion) -> QTreeWidgetItem:
        """A version's row; "Your photos" in words: how many of the photos held back from
        learning the model in use had right, and this version."""
        scores = version.scores
        held, before = scores.get("held_out", {}), scores.get("held_out_current", {})
        check, shipped = scores.get("check", {}), scores.get("check_shipped", {})
        item = QTreeWidgetItem(
            [
                version.name,
                local_time(version.created),
                _right_of(before, held, version.examples),
                f"{shipped.get('accuracy', 0):.1%} → {check.get('accuracy', 0):.1%}",
                "",
            ]
        )
        for column in range(5):
            item.setToolTip(column, version.reason)
        return item

    def _rows(self) -> list[QTreeWidgetItem]:
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [item for item in items if item is not None]

    def _show_choice(self) -> None:
        """The Status column and the note: which version is in use, which is chosen."""
        for item in self._rows():
            name = item.data(0, Qt.ItemDataRole.UserRole)
            if name is None:
                continue
            text = IN_USE if name == self.active else ""
            if name == self.chosen and name != self.active:
                text = CHOSEN
            bold = QFont(item.font(0))
            bold.setBold(name == self.chosen)
            for column in range(len(self.COLUMNS)):
                item.setFont(column, bold)
            item.setText(4, text)
        if self.chosen != self.active:
            chosen = self._label(self.chosen)
            self.note.setText(
                f"{chosen[0].upper()}{chosen[1:]} will be used after OK (the albums are "
                f"re-checked with it); Cancel keeps {self._label(self.active)}."
            )
        else:
            self.note.setText(f"In use: {self._label(self.active)}.")
        for column in range(len(self.COLUMNS)):  # the bold row may be wider
            self.tree.resizeColumnToContents(column)
        self._selection_changed()

    @staticmethod
    def _label(name: str) -> str:
        return "the shipped model" if name == SHIPPED else f"version {name}"

    def selected_name(self) -> str | None:
        items = self.tree.selectedItems()
        return items[0].data(0, Qt.ItemDataRole.UserRole) if items else None

    def _selection_changed(self) -> None:
        name = self.selected_name()
        self.use_button.setEnabled(name is not None and name != self.chosen)

    def use_selected(self) -> None:
        """Choose the selected version (choosing the one in use again undoes a choice)."""
        name = self.selected_name()
        if name is not None:
            self.chosen = name
            self._show_choice()

    def choice(self) -> str | None:
        """The version to switch to on OK; None when it is the one in use."""
        return self.chosen if self.chosen != self.active else None


def _right_of(before: dict[str, float], after: dict[str, float], learnt: int) -> str:
    """ "1 of 4 right before, 3 after (learnt from 16)"."""
    n = int(after.get("n", 0))
    if not n:
        return f"learnt from {learnt}, none held back to check"
    was, now = (round(score.get("accuracy", 0) * n) for score in (before, after))
    return f"{was} of {n} right before, {now} after (learnt from {learnt})"
