"""The status bar: whether Cene is watching, files skipped, progress, learning, the device and
the model."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar

from cene_desktop.core.pipeline import format_eta
from cene_desktop.core.words import count_of


class StatusPane(QObject):
    """The window's status bar, filled in: one method for each thing it shows. A QObject of
    the GUI thread, so workers' signals connected to its methods run them there."""

    def __init__(self, bar: QStatusBar, model_version: str) -> None:
        super().__init__(bar)
        self.bar = bar
        self.watch_label = QLabel("Not watching")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(200)
        self.progress.setVisible(False)
        self.eta_label = QLabel()
        self.device_label = QLabel("Device: model not loaded yet")
        self.model_label = QLabel(f"Model {model_version}")
        self.learn_label = QLabel()
        #: "2 files skipped": opens the list of them (the sorting controller connects it).
        self.skipped_button = QPushButton()
        self.skipped_button.setFlat(True)
        self.skipped_button.setToolTip("Show the files Cene left where they are, and why")
        self.skipped_button.setVisible(False)
        bar.addWidget(self.watch_label)
        for widget in (
            self.skipped_button,
            self.learn_label,
            self.progress,
            self.eta_label,
            self.device_label,
            self.model_label,
        ):
            bar.addPermanentWidget(widget)

    def message(self, text: str, milliseconds: int = 0) -> None:
        self.bar.showMessage(text, milliseconds)

    def show_watching(self, on: bool, folder: str) -> None:
        if on:
            self.watch_label.setText(f"● Watching {folder}")
        else:
            self.watch_label.setText("Paused: not watching")
            self.hide_progress()

    def show_state(self, text: str) -> None:
        """A state of watching in words: "Starting…", a folder gone, the disk full."""
        self.watch_label.setText(text)

    def show_progress(self, done: int, total: int, eta: float) -> None:
        busy = done < total
        self.progress.setVisible(busy)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.eta_label.setText(
            f"{done}/{total}, about {format_eta(eta)} left" if busy and eta >= 0 else ""
        )

    def hide_progress(self) -> None:
        self.progress.setVisible(False)
        self.eta_label.clear()

    def show_device(self, device: str) -> None:
        self.device_label.setText(f"Device: {device}")

    def show_model(self, label: str, tooltip: str) -> None:
        self.model_label.setText(label)
        self.model_label.setToolTip(tooltip)

    def show_skipped(self, count: int) -> None:
        self.skipped_button.setText(f"⚠ {count_of(count, 'file')} skipped")
        self.skipped_button.setVisible(count > 0)

    def show_learning(self, text: str) -> None:
        self.learn_label.setText(text)
