"""How long a new photo waits in watch mode: from the moment its file is closed to the moment
it is in its album. Real watchdog observer, real model, 12 MP camera photos.

    python benchmarks/watch_latency.py [--count 40] [--settle 0.5]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.camera_photos import make_camera_folder  # noqa: E402
from cene_desktop.core.classifier import SceneClassifier  # noqa: E402
from cene_desktop.core.pipeline import Outcome, Sorter, SortOptions, watch_folder  # noqa: E402
from cene_desktop.core.watcher import FolderWatcher  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--settle", type=float, default=0.5)
    parser.add_argument("--polling", action="store_true")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/cene-bench"))
    args = parser.parse_args()

    originals = make_camera_folder(args.workdir / "camera", args.count)
    photos, library = args.workdir / "watched", args.workdir / "watch-library"
    for folder in (photos, library):
        shutil.rmtree(folder, ignore_errors=True)
    photos.mkdir(parents=True)
    classifier = SceneClassifier()
    classifier.load()
    placed: dict[str, float] = {}
    arrived = threading.Condition()

    def on_outcome(outcome: Outcome) -> None:
        with arrived:
            placed[outcome.source.name] = time.perf_counter()
            arrived.notify_all()

    cancel = threading.Event()
    sorter = Sorter(library, photos, classifier, SortOptions())
    watcher = FolderWatcher(
        photos, library, settle_seconds=args.settle, polling=args.polling, poll_interval=0.5
    )
    thread = threading.Thread(target=watch_folder, args=(sorter, watcher, cancel, on_outcome))
    thread.start()
    while not watcher.running:
        time.sleep(0.01)
    latencies = []
    for source in originals:
        data = source.read_bytes()
        with open(photos / source.name, "wb") as stream:  # a camera import writing the file
            stream.write(data)
        closed = time.perf_counter()
        with arrived:
            assert arrived.wait_for(lambda name=source.name: name in placed, timeout=30)
        latencies.append(placed[source.name] - closed)
    cancel.set()
    thread.join()
    sorter.close()
    values = np.array(latencies) * 1000
    print()
    print(f"Watch latency, file closed -> in album: {args.count} photos of 12 MP, one at a time,")
    print(
        f"settle time {args.settle} s, {'polling' if args.polling else 'inotify'} observer, "
        f"{classifier.device}"
    )
    print()
    print("| photos | p50 ms | p95 ms | max ms |")
    print("|---:|---:|---:|---:|")
    print(
        f"| {len(values)} | {np.percentile(values, 50):.0f} | {np.percentile(values, 95):.0f} "
        f"| {values.max():.0f} |"
    )


if __name__ == "__main__":
    main()
