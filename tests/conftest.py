"""Shared fixtures: real sample photos, the real shipped model, throw-away libraries."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "tests" / "data" / "intel-sample"
CLASSES = ("buildings", "forest", "glacier", "mountain", "sea", "street")


def needs_extra(extra: str, *modules: str) -> pytest.MarkDecorator:
    """Skip (with the reason shown by ``-ra``) where an optional extra is not installed:
    ``make test`` installs them all, a plain ``pip install -e .[dev]`` does not."""
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    return pytest.mark.skipif(
        bool(missing),
        reason=f"needs the '{extra}' extra ({', '.join(missing)} not installed): "
        f"pip install -e '.[{extra}]'",
    )


@pytest.fixture(autouse=True, scope="session")
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Logs and settings of the tests never land in the real user's folders."""
    home = tmp_path_factory.mktemp("home")
    os.environ["CENE_LOG_DIR"] = str(home / "logs")
    os.environ["XDG_CONFIG_HOME"] = str(home / "config")
    os.environ["XDG_CACHE_HOME"] = str(home / "cache")
    os.environ["XDG_DATA_HOME"] = str(home / "data")
    os.environ["XDG_STATE_HOME"] = str(home / "state")


def sample_files(per_class: int) -> list[tuple[str, Path]]:
    """(true class, path) for the first ``per_class`` sample photos of every class."""
    if not SAMPLE_DIR.is_dir():
        pytest.fail(f"The sample photos are missing: {SAMPLE_DIR} (see tests/data/README.md)")
    files = []
    for name in CLASSES:
        files += [(name, p) for p in sorted((SAMPLE_DIR / name).glob("*.jpg"))[:per_class]]
    return files


def copy_samples(dest: Path, per_class: int) -> dict[str, str]:
    """Copy sample photos flat into ``dest``; returns {file name: true class}."""
    dest.mkdir(parents=True, exist_ok=True)
    truth = {}
    for name, path in sample_files(per_class):
        target = dest / f"{name}_{path.name}"
        shutil.copyfile(path, target)
        truth[target.name] = name
    return truth


@pytest.fixture(scope="session")
def classifier():  # type: ignore[no-untyped-def]
    from cene_desktop.core.classifier import SceneClassifier

    model = SceneClassifier()
    model.load()
    return model


@pytest.fixture
def x_display() -> Iterator[str]:
    """A real X server (Xvfb) for the tests that drive real windows; its DISPLAY name."""
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
