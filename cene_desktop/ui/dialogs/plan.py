"""The plan of a dry run: where each photo would go, and what would be left with its reason,
before anything moves (the welcome's Preview). Shown at once ("working out…"), filled in when
the dry run is done, on top of the dialog that asked for it."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QTextBrowser, QVBoxLayout, QWidget

from cene_desktop.core.pipeline import SortSummary


class PlanDialog(QDialog):
    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("What Cene would do")
        self.text = QTextBrowser()
        self.text.setHtml("<p>Working out where each photo would go… nothing is moved.</p>")
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        self.resize(520, 480)

    def show_summary(self, summary: SortSummary) -> None:
        planned = summary.count("planned")
        lines = [f"<h3>{planned} photo{'s' if planned != 1 else ''} would be sorted</h3><p>"]
        lines += [f"{album}: {count}<br>" for album, count in summary.album_counts().items()]
        skipped = summary.skipped
        if skipped:
            lines.append(f"</p><p><b>{len(skipped)} would be left where they are:</b><br>")
            lines += [f"<i>{o.source.name}: {o.reason}</i><br>" for o in skipped[:300]]
        lines.append("</p><p>")
        for outcome in summary.outcomes[:300]:
            if outcome.status == "planned" and outcome.dest is not None:
                lines.append(f"{outcome.source.name} → {outcome.album}<br>")
        self.text.setHtml("".join(lines) + "</p><p>Nothing has been moved yet.</p>")
