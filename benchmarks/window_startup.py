"""Launch-to-window time and memory of the real app, measured from outside on Xvfb.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python benchmarks/window_startup.py

Starts ``python -m cene_desktop`` (as ``make run`` does) with a prepared library, waits for its
window to be mapped (xdotool), then reads the process's memory (/proc) while idle and while it
sorts 300 camera photos copied into the watched folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.camera_photos import make_camera_folder  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def tensorflow_loaded(pid: int) -> bool:
    return "libtensorflow" in Path(f"/proc/{pid}/maps").read_text()


def launch(
    workdir: Path, photos: Path, runs: int, command: list[str], library: Path
) -> list[float]:
    config = workdir / "config" / "Cene"
    config.mkdir(parents=True, exist_ok=True)
    settings = {"version": 1, "photos_dir": str(photos), "library_dir": str(library)}
    (config / "settings.json").write_text(json.dumps(settings))
    env = {**os.environ, "XDG_CONFIG_HOME": str(workdir / "config"), "QT_QPA_PLATFORM": "xcb"}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        app = subprocess.Popen(command, cwd=REPO, env=env)
        while True:
            found = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--name", "^Cene$"], capture_output=True
            )
            if found.returncode == 0:
                break
            time.sleep(0.01)
        times.append(time.perf_counter() - started)
        app.terminate()
        app.wait()
    return times


def main() -> None:
    if "DISPLAY" not in os.environ:
        raise SystemExit("run under Xvfb: xvfb-run -a -s '-screen 0 1400x900x24' ...")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--app", help="a built app to measure instead, e.g. dist/Cene/Cene")
    parser.add_argument(
        "--library",
        type=Path,
        help="an existing library to open (e.g. one made by benchmarks/large_library.py --keep)",
    )
    args = parser.parse_args()
    command = [args.app] if args.app else [sys.executable, "-m", "cene_desktop"]
    workdir = Path(tempfile.mkdtemp(prefix="cene-startup-"))
    photos = workdir / "photos"
    photos.mkdir()
    library = args.library.resolve() if args.library else workdir / "Albums"
    times = launch(workdir, photos, 5, command, library)

    env = {**os.environ, "XDG_CONFIG_HOME": str(workdir / "config"), "QT_QPA_PLATFORM": "xcb"}
    app = subprocess.Popen(command, cwd=REPO, env=env)
    time.sleep(3)  # idle: window up, watching an empty folder
    idle_rss, _ = rss_mb(app.pid)
    tf_idle = tensorflow_loaded(app.pid)
    camera = make_camera_folder(Path("/tmp/cene-bench/camera"), 300)
    for path in camera:
        shutil.copyfile(path, photos / path.name)
    peak = 0.0
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        current, _ = rss_mb(app.pid)
        peak = max(peak, current)
        done = sum(1 for path in camera if not (photos / path.name).exists())
        if done >= 300:
            break
        time.sleep(0.1)
    _, high_water = rss_mb(app.pid)
    app.terminate()
    app.wait()
    shutil.rmtree(workdir)
    print()
    print(f"Cene window start-up and memory: {' '.join(command)} on Xvfb, 2-core CPU")
    print(f"library: {library}")
    print()
    print("| measure | value |")
    print("|---|---:|")
    median = sorted(times)[len(times) // 2]
    print(f"| launch to window shown, median of {len(times)} | {median:.2f} s |")
    print(f"| launch to window shown, slowest | {max(times):.2f} s |")
    print(f"| RSS idle (watching, model not loaded) | {idle_rss:.0f} MB |")
    print(f"| TensorFlow loaded while idle | {'yes' if tf_idle else 'no'} |")
    print(f"| peak RSS while sorting 300 photos of 12 MP | {max(peak, high_water):.0f} MB |")


if __name__ == "__main__":
    main()
