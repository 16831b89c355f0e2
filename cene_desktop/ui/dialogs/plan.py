"""The plan of a dry run: where each photo would go, and what would be left, before anything
moves (the welcome's Preview)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QTextBrowser, QVBoxLayout, QWidget

from cene_desktop.core.pipeline import SortSummary


def show_plan(parent: QWidget, summary: SortSummary) -> QDialog:
    lines = [f"<h3>{summary.count('planned')} photos would be sorted</h3><p>"]
    lines += [f"{album}: {count}<br>" for album, count in summary.album_counts().items()]
    lines.append("</p><p>")
    for outcome in summary.outcomes[:300]:
        if outcome.status == "planned" and outcome.dest is not None:
            lines.append(f"{outcome.source.name} → {outcome.album}<br>")
        elif outcome.status == "skipped":
            lines.append(f"<i>{outcome.source.name}: left in place ({outcome.reason})</i><br>")
    dialog = QDialog(parent)
    dialog.setWindowTitle("What Cene would do")
    text = QTextBrowser()
    text.setHtml("".join(lines) + "</p><p>Nothing has been moved yet.</p>")
    layout = QVBoxLayout(dialog)
    layout.addWidget(text)
    dialog.resize(520, 480)
    dialog.show()
    return dialog
