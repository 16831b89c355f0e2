"""A photo folder with 10,000 sub-folders, watched with inotify, and with inotify run out.

The inotify limit is lowered for real, but only inside a private user namespace (Linux's
``/proc/sys/user/max_inotify_watches`` is per namespace), so the machine's own limit and every
other process are untouched. Where user namespaces are not allowed the limited tests skip; the
fallback is still covered by tests/core/test_watch.py, which injects the error.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cene_desktop.core.watcher import FolderWatcher

REPO = Path(__file__).resolve().parents[2]
PHOTO = REPO / "assets" / "samples" / "sea.jpg"


def make_tree(root: Path, folders: int) -> Path:
    """``folders`` sub-folders, 100 to a parent (a year of day folders, say); the last one."""
    last = root
    for index in range(folders):
        parent = root / f"{index // 100:03d}"
        last = parent if index % 100 == 0 else parent / f"{index % 100:02d}"
        last.mkdir(parents=True)
    return last


def wait_for_ready(watcher: FolderWatcher, path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path in watcher.stable.ready():
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} was never noticed")


def test_ten_thousand_sub_folders_are_all_watched_with_inotify(tmp_path: Path) -> None:
    last = make_tree(tmp_path, 10_000)
    notices: list[str] = []
    watcher = FolderWatcher(
        tmp_path, settle_seconds=0.2, notice=lambda event: notices.append(event.message)
    )
    watcher.start()
    try:
        assert not watcher.polling and notices == []
        assert not watcher.verify()  # every folder is watched
        shutil.copyfile(PHOTO, last / "deep.jpg")
        wait_for_ready(watcher, last / "deep.jpg")
    finally:
        watcher.stop()


def test_ten_thousand_sub_folders_can_be_polled(tmp_path: Path) -> None:
    last = make_tree(tmp_path, 10_000)
    watcher = FolderWatcher(tmp_path, settle_seconds=0.2, polling=True, poll_interval=0.5)
    watcher.start()
    try:
        shutil.copyfile(PHOTO, last / "deep.jpg")
        wait_for_ready(watcher, last / "deep.jpg")
    finally:
        watcher.stop()


LIMITED = r"""
import json, shutil, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from tests.core.test_deep_trees import PHOTO, make_tree, wait_for_ready
from cene_desktop.core.watcher import FolderWatcher

Path("/proc/sys/user/max_inotify_watches").write_text("2000")
root = Path(sys.argv[2])
result = {}

# 1. Too many folders from the start: polling, with a notice, and photos are still found.
last = make_tree(root / "big", 10_000)
notices = []
watcher = FolderWatcher(root / "big", settle_seconds=0.2, poll_interval=0.5,
                        notice=lambda event: notices.append(event.message))
watcher.start()
shutil.copyfile(PHOTO, last / "deep.jpg")
wait_for_ready(watcher, last / "deep.jpg")
result["start"] = {"polling": watcher.polling, "notices": notices}
watcher.stop()

# 2. Folders added while watching go past the limit: noticed by verify(), polling from then.
(root / "growing").mkdir()
notices = []
watcher = FolderWatcher(root / "growing", settle_seconds=0.2, poll_interval=0.5,
                        notice=lambda event: notices.append(event.message))
watcher.start()
result["small"] = {"polling": watcher.polling, "verify": watcher.verify()}
last = make_tree(root / "growing", 3_000)
time.sleep(1.0)  # watchdog adds watches for new folders until the limit stops it
switched = watcher.verify()
shutil.copyfile(PHOTO, last / "new.jpg")
wait_for_ready(watcher, last / "new.jpg")
result["grown"] = {"polling": watcher.polling, "verify": switched, "notices": notices}
watcher.stop()
print(json.dumps(result))
"""


def unshare_available() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        [
            "unshare",
            "--user",
            "--map-root-user",
            "sh",
            "-c",
            "echo 100 > /proc/sys/user/max_inotify_watches",
        ],
        capture_output=True,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not unshare_available(), reason="user namespaces are not allowed here")
def test_running_out_of_inotify_watches_falls_back_to_polling_with_a_notice(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [
            "unshare",
            "--user",
            "--map-root-user",
            sys.executable,
            "-c",
            LIMITED,
            str(REPO),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    start = result["start"]
    assert start["polling"] and len(start["notices"]) == 1
    # watchdog before 7 skips the sub-folders past the limit (Cene counts the watches); 7 and
    # newer raise for them: either way the notice says how many folders and why.
    assert "its 10001 folders" in start["notices"][0]
    assert "inotify limit" in start["notices"][0]
    assert "every 0.5 s" in start["notices"][0]
    assert result["small"] == {"polling": False, "verify": False}
    grown = result["grown"]
    assert grown["polling"] and grown["verify"]
    assert len(grown["notices"]) == 1 and "inotify limit" in grown["notices"][0]
