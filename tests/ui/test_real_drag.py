"""End to end on a real X server (Xvfb): the app sorts copied photos, and a real mouse drag of a
thumbnail onto another album moves the file and records the correction."""

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
