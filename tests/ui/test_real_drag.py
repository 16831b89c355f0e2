"""End to end on a real X server (Xvfb): the app sorts copied photos; a real mouse drag of a
thumbnail onto another album moves the file and records the correction; let go over the window
itself it changes nothing; dropped on another program, that program gets a copy, never the
library's file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ..conftest import REPO, SAMPLE_DIR


def test_a_real_drag_moves_the_photo_and_records_the_correction(
    tmp_path: Path, x_display: str
) -> None:
    env = {**os.environ, "DISPLAY": x_display, "QT_QPA_PLATFORM": "xcb"}
    result = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("real_drag_driver.py")),
            str(tmp_path),
            str(SAMPLE_DIR),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=180,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, f"driver failed:\n{result.stdout}\n{result.stderr[-3000:]}"
    outcome = json.loads(lines[-1])
    assert outcome["finished"], outcome
    assert outcome["album"] == "Mountain" and outcome["corrected"], outcome
    name = Path(outcome["photo"]).name
    assert (tmp_path / "Albums" / "Mountain" / name).exists()
    assert not (tmp_path / "Albums" / outcome["photo"]).exists()
    # Let go over the preview pane: not copied back into the watched folder as a new photo.
    assert outcome["onto_preview_photo_folder"] == []
    # Dropped on another program: offered as a copy only, so the library keeps its file.
    assert outcome["dropped"]["possible"] == ["CopyAction"], outcome
    assert outcome["dropped"]["action"] == "CopyAction"
    assert outcome["dropped"]["files"] == [outcome["library_file"]]
    assert outcome["library_file_intact"] and outcome["copy_intact"], outcome
    assert outcome["photo_folder_after"] == []
    library_files = sorted(
        str(p.relative_to(tmp_path / "Albums"))
        for p in (tmp_path / "Albums").rglob("*.jpg")
        if ".cene" not in p.parts
    )
    assert outcome["catalog_paths"] == library_files
