"""How fast Cene sorts a camera dump: photos/s, latency per photo, peak memory.

    python benchmarks/sort_throughput.py [--count 500] [--workdir /tmp/cene-bench] [--format heic]
        [--no-thumbnail] [--live-photos]

Builds (once) a folder of 12 MP camera JPEGs (or phone HEICs) made from the sample scenes, each
with the small picture cameras (and phones) embed (``--no-thumbnail``: without it), then
runs a real ``cene sort`` (move mode, same file system) on a fresh copy, in this process, and
prints a table. ``--live-photos`` puts a 3 MB video beside each photo, as an iPhone's Live
Photos come; each must go into the album with its photo.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.camera_photos import fresh_copy, make_camera_folder  # noqa: E402
from cene_desktop.core.classifier import SceneClassifier  # noqa: E402
from cene_desktop.core.pipeline import Sorter, SortOptions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/cene-bench"))
    parser.add_argument("--read-workers", type=int, nargs="+", default=[2])
    parser.add_argument(
        "--format",
        choices=("jpeg", "heic"),
        default="jpeg",
        help="camera JPEGs (160 x 120 EXIF picture) or phone HEICs (320 px thumbnail)",
    )
    parser.add_argument(
        "--no-thumbnail", action="store_true", help="photos without an embedded picture"
    )
    parser.add_argument(
        "--preview", action="store_true", help="JPEGs with a Full HD preview after the photo (MPF)"
    )
    parser.add_argument(
        "--live-photos", action="store_true", help="a 3 MB .MOV beside each photo (Live Photos)"
    )
    args = parser.parse_args()
    video = np.random.default_rng(0).integers(0, 256, 3_000_000, dtype=np.uint8).tobytes()

    kind = f"{args.format}-bare" if args.no_thumbnail else args.format
    if args.preview:
        kind = "jpeg-preview"
    folder = args.workdir / kind
    originals = make_camera_folder(folder, args.count, kind)
    megabytes = sum(p.stat().st_size for p in originals) / 1e6
    classifier = SceneClassifier()
    classifier.load()
    rows = []
    for workers in args.read_workers:
        photos = fresh_copy(originals, args.workdir / "photos")
        if args.live_photos:
            for photo in list(photos.iterdir()):
                photo.with_suffix(".MOV").write_bytes(photo.name.encode() + video)
        library = args.workdir / "library"
        shutil.rmtree(library, ignore_errors=True)
        options = SortOptions(mode="move", read_workers=workers)
        with Sorter(library, photos, classifier, options) as sorter:
            cpu_before = resource.getrusage(resource.RUSAGE_SELF)
            started = time.perf_counter()
            summary = sorter.sort_folder()
            elapsed = time.perf_counter() - started
            cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
            cpu_after.ru_stime - cpu_before.ru_stime
        )
        assert summary.error is None and summary.count("placed") == args.count, summary.error
        if args.live_photos:
            assert summary.companion_count() == args.count and not list(photos.iterdir())
        latencies = np.array([o.seconds for o in summary.outcomes if o.seconds is not None])
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append((workers, elapsed, latencies, peak_mb, cpu))

    print()
    print(
        f"Sorting {args.count} camera photos (12 MP {args.format.upper()}"
        f"{', no embedded picture' if args.no_thumbnail else ''}"
        f"{', and a Full HD preview (MPF)' if args.preview else ''}, "
        f"{megabytes / args.count:.1f} MB "
        f"each, {megabytes:.0f} MB in all)"
        f"{', each with a 3 MB Live Photo video' if args.live_photos else ''}, move mode, on "
        f"{classifier.device}"
    )
    print(f"model {classifier.info.version}, input {classifier.info.input_size} px")
    print()
    header = (
        "read threads",
        "seconds",
        "photos/s",
        "p50 ms",
        "p95 ms",
        "CPU ms/photo",
        "peak RSS MB",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" for _ in header) + "|")
    for workers, elapsed, latencies, peak_mb, cpu in rows:
        cells = (
            f"{workers}",
            f"{elapsed:.1f}",
            f"{args.count / elapsed:.1f}",
            f"{np.percentile(latencies, 50) * 1000:.0f}",
            f"{np.percentile(latencies, 95) * 1000:.0f}",
            f"{cpu / args.count * 1000:.1f}",
            f"{peak_mb:.0f}",
        )
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
