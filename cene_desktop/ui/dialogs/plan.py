"""The plan of a dry run: where each photo would go, and what would be left with its reason,
before anything moves (the welcome's Preview). Shown at once ("working out…"), filled in when
the dry run is done, on top of the dialog that asked for it."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QDialog, QTextBrowser, QVBoxLayout, QWidget

from cene_desktop.core.pipeline import SortSummary
from cene_desktop.core.words import count_of

#: Files named one by one; the rest are counted.
SHOWN = 300


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
        lines = [f"<h3>{count_of(planned)} would be sorted</h3><p>"]
        lines += [f"{album}: {count:,}<br>" for album, count in summary.album_counts().items()]
        # The same reasons as the window's list of skipped files, which these would join.
        skipped = summary.skipped
        if skipped:
            lines.append(
                f"</p><p><b>{count_of(len(skipped), 'file')} would be skipped, left where "
                f"{'it is' if len(skipped) == 1 else 'they are'}:</b><br>"
            )
            lines += [
                f"<i>{escape(o.source.name)}: {escape(o.reason or '')}</i><br>"
                for o in skipped[:SHOWN]
            ]
            if len(skipped) > SHOWN:
                lines.append(f"<i>…and {len(skipped) - SHOWN:,} more</i><br>")
        lines.append("</p><p>")
        moves = [o for o in summary.outcomes if o.status == "planned" and o.dest is not None]
        lines += [f"{escape(o.source.name)} → {o.album}<br>" for o in moves[:SHOWN]]
        if len(moves) > SHOWN:
            lines.append(f"…and {len(moves) - SHOWN:,} more<br>")
        self.text.setHtml("".join(lines) + "</p><p>Nothing has been moved yet.</p>")
