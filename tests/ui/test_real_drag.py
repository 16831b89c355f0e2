"""End to end on a real X server (Xvfb): the app sorts copied photos, and a real mouse drag of a
thumbnail onto another album moves the file and records the correction."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import REPO, SAMPLE_DIR


@pytest.fixture
def x_display() -> Iterator[str]:
    if not (shutil.which("Xvfb") and shutil.which("xdotool")):
        pytest.fail("Xvfb and xdotool are needed (make test installs them)")
    display = f":{90 + os.getpid() % 9}"
    server = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket = Path(f"/tmp/.X11-unix/X{display[1:]}")
    deadline = time.monotonic() + 20
    while not socket.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    yield display
    server.terminate()
    server.wait(10)


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
