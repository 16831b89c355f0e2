"""Where the CPU time of sorting one camera photo goes, stage by stage.

    python -m benchmarks.sort_stages [--count 100] [--workdir /tmp/cene-bench] [--format heic]
        [--no-thumbnail]

Runs each stage of ``cene sort`` alone, one thread, over the same benchmark camera photos
(benchmarks/camera_photos.py: 12 MP JPEGs, or with ``--format heic`` phone HEICs) and prints
CPU ms per photo: reading the file, the completeness
check, the content hash, decoding for the model, the model (batches of 32) and placing (journal,
move, catalog; measured through a real ``Sorter`` with the other stages' time taken off) and the
second looks at photos whose first verdict was not clear (a sort without them, taken off).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.camera_photos import fresh_copy, make_camera_folder  # noqa: E402
from cene_desktop.core import completeness, fileops, scanner  # noqa: E402
from cene_desktop.core.classifier import SceneClassifier  # noqa: E402
from cene_desktop.core.pipeline import Sorter, SortOptions  # noqa: E402


def cpu_ms(work, items) -> float:  # type: ignore[no-untyped-def]
    started = time.process_time()
    for item in items:
        work(item)
    return (time.process_time() - started) / len(items) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/cene-bench"))
    parser.add_argument("--format", choices=("jpeg", "heic"), default="jpeg")
    parser.add_argument("--no-thumbnail", action="store_true")
    parser.add_argument(
        "--preview", action="store_true", help="JPEGs with a Full HD preview after the photo (MPF)"
    )
    args = parser.parse_args()
    kind = f"{args.format}-bare" if args.no_thumbnail else args.format
    if args.preview:
        kind = "jpeg-preview"
    originals = make_camera_folder(args.workdir / kind, args.count, kind)
    classifier = SceneClassifier()
    classifier.load()
    size = classifier.info.input_size
    blobs = [p.read_bytes() for p in originals]
    rows = [
        ("read the file", cpu_ms(lambda p: p.read_bytes(), originals)),
        ("completeness check", cpu_ms(completeness.damaged_reason, blobs)),
        (f"content hash ({fileops.HASH_NAME})", cpu_ms(fileops.content_hash_bytes, blobs)),
        ("decode for the model", cpu_ms(lambda d: scanner.decode_for_model(d, size), blobs)),
    ]
    pixels = np.stack([scanner.decode_for_model(d, size)[0] for d in blobs])
    batches = [pixels[i : i + 32] for i in range(0, len(pixels), 32)]
    classifier.classify_with_features(batches[0])
    started = time.process_time()
    for batch in batches:
        classifier.classify_with_features(batch)
    model = (time.process_time() - started) / len(pixels) * 1000
    rows.append((f"model ({classifier.device})", model))

    def whole_sort(second_looks: bool) -> tuple[float, int]:
        """CPU ms per photo of a real sort (one read thread), and how many photos it looked
        at again; ``second_looks=False`` takes every first verdict (for this table only)."""
        photos = fresh_copy(originals, args.workdir / "stages-photos")
        library = args.workdir / "stages-library"
        shutil.rmtree(library, ignore_errors=True)
        with Sorter(
            library, photos, classifier, SortOptions(mode="move", read_workers=1)
        ) as sorter:
            looked: list[int] = []
            first_look = sorter._second_look

            def second_look(*args):  # type: ignore[no-untyped-def]
                again = first_look(*args) if second_looks else []
                looked.append(len(again))
                return again

            sorter._second_look = second_look  # type: ignore[method-assign]
            started = time.process_time()
            summary = sorter.sort_folder()
            ms = (time.process_time() - started) / args.count * 1000
        assert summary.count("placed") == args.count, summary.error
        return ms, sum(looked)

    whole, looked = whole_sort(True)
    without, _ = whole_sort(False)
    staged = sum(ms for _, ms in rows)
    rows.append(("journal, place, catalog and the rest", without - staged))
    rows.append((f"second looks ({looked} of {args.count} photos)", whole - without))
    rows.append(("whole sort (cene sort, 1 read thread)", whole))
    print(
        f"\n{args.count} camera photos (12 MP {args.format.upper()}"
        f"{', no embedded picture' if args.no_thumbnail else ''}"
        f"{', and a Full HD preview (MPF)' if args.preview else ''}), CPU ms per photo\n"
    )
    print("| stage | CPU ms/photo |\n|---|---:|")
    for name, ms in rows:
        print(f"| {name} | {ms:.2f} |")


if __name__ == "__main__":
    main()
