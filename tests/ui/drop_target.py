"""Another program, for test_real_drag.py: a window that takes files dropped on it the way a file
manager does (copies them for a copy drop, moves them for a move drop) and writes down what it
was offered. Run in its own process, so the drag crosses programs through the X server (XDND).

Usage: drop_target.py OUT_JSON FOLDER X Y
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLabel


class Target(QLabel):
    def __init__(self, out: Path, folder: Path) -> None:
        super().__init__("Drop photos here")
        self.out, self.folder = out, folder
        self.setAcceptDrops(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        action = event.proposedAction()
        files = [Path(url.toLocalFile()) for url in event.mimeData().urls()]
        for path in files:  # what a file manager does with the action it was given
            if action == Qt.DropAction.MoveAction:
                shutil.move(path, self.folder / path.name)
            else:
                shutil.copy2(path, self.folder / path.name)
        event.setDropAction(action)
        event.accept()
        self.out.write_text(
            json.dumps(
                {
                    "files": [str(p) for p in files],
                    "action": action.name,
                    "possible": [
                        a.name
                        for a in (Qt.DropAction.CopyAction, Qt.DropAction.MoveAction)
                        if event.possibleActions() & a
                    ],
                }
            )
        )
        QTimer.singleShot(300, QApplication.quit)


def main() -> int:
    out, folder = Path(sys.argv[1]), Path(sys.argv[2])
    app = QApplication([sys.argv[0]])
    target = Target(out, folder)
    target.setGeometry(int(sys.argv[3]), int(sys.argv[4]), 260, 220)
    target.show()
    QTimer.singleShot(500, lambda: print("ready", flush=True))
    QTimer.singleShot(60_000, app.quit)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
