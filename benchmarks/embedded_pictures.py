"""Does classifying a JPEG from its embedded picture file photos where the whole photo would?

    python -m benchmarks.embedded_pictures PHOTOS [PHOTOS ...] [--min-side 120]

PHOTOS are folders laid out by benchmarks/lay_out_real_photos.py (PHOTOS/LABEL/photo). Each
photo is classified by the shipped model (gate and threshold as shipped) from its decoded pixels
(``decode_for_model(..., embedded=False)``, what Cene did before) and from an embedded picture:

- *own*: the picture the camera embedded, for the photos that carry one and are large enough
  for Cene to use it (>= ``EMBEDDED_PICTURE_FOR_PIXELS``);
- *camera 160* and *camera 320*: every photo saved again as a camera saves it: the photo
  (long side 1024) with a 160 x 120 or 320 x 240 picture in its EXIF, fitted with black
  letterbox bars, JPEG quality 80.

Prints, for each, how often the album is the same, and for the labelled scenes and the photos of
no scene how the two ways file them. The whole photo is judged by the fp32 model, as Cene's
second look at an unclear verdict is. A second table shows, by kind of verdict from the picture,
how often that second look changes the album and whether for the better (by the photo's label),
including the verdicts Cene does not look at again (those in Other): what that look would do.
Nothing is written beside PHOTOS.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.camera_photos import camera_exif, letterboxed, with_mpf_preview  # noqa: E402
from benchmarks.real_photos import RIGHT_ALBUMS  # noqa: E402
from cene_desktop.core import gate, scanner  # noqa: E402
from cene_desktop.core.albums import OTHER, SCENE_ALBUMS, UNSORTED  # noqa: E402
from cene_desktop.core.classifier import SceneClassifier  # noqa: E402

BATCH = 32


def camera_copy(data: bytes, side: int) -> bytes | None:
    """``data`` saved again as a camera saves a photo, with a ``side`` x 3/4 ``side`` picture
    in its EXIF; None when it cannot be decoded."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.draft("RGB", (1024, 1024))
            photo = scanner.ImageOps.exif_transpose(opened).convert("RGB")
    except Exception:  # noqa: BLE001 - damaged files have no camera copy
        return None
    photo.thumbnail((1024, 1024))
    small = io.BytesIO()
    letterboxed(photo, (side, side * 3 // 4)).save(small, "JPEG", quality=80)
    stream = io.BytesIO()
    photo.save(stream, "JPEG", quality=85, exif=camera_exif(thumbnail=small.getvalue()))
    return stream.getvalue()


def mpf_copy(data: bytes, preview: tuple[int, int]) -> bytes | None:
    """``data`` saved again as cameras with a large preview save it: the photo with an MPF
    index naming a preview that fits in ``preview`` (the photo's own shape, JPEG quality 80);
    None when it cannot be decoded."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.draft("RGB", preview)
            photo = scanner.ImageOps.exif_transpose(opened).convert("RGB")
    except Exception:  # noqa: BLE001 - damaged files have no camera copy
        return None
    photo.thumbnail((max(1024, *preview), max(1024, *preview)))
    small = photo.copy()
    small.thumbnail(preview)
    stream, large = io.BytesIO(), io.BytesIO()
    small.save(large, "JPEG", quality=80)
    photo.save(stream, "JPEG", quality=85, exif=camera_exif())
    return with_mpf_preview(stream.getvalue(), large.getvalue())


@contextlib.contextmanager
def any_photo_size() -> Iterator[None]:
    """Embedded pictures used whatever the photo's size (the camera copies here are small)."""
    limit, scanner.EMBEDDED_PICTURE_FOR_PIXELS = scanner.EMBEDDED_PICTURE_FOR_PIXELS, 0
    try:
        yield
    finally:
        scanner.EMBEDDED_PICTURE_FOR_PIXELS = limit


#: Kinds of verdict from an embedded picture, as the second-look table names them.
UNSURE_SCENE = "Unsorted (model unsure of the scene)"
GATE_UNSURE = "a scene album, near the gate line"
NEAR_OTHER = "Other, within half the line's odds (not looked at again)"
FAR_OTHER = "Other, further (not looked at again)"
KINDS = (UNSURE_SCENE, GATE_UNSURE, NEAR_OTHER, FAR_OTHER)


def kind_of_verdict(probability: float | None, other: float | None) -> str:
    """Which of ``KINDS`` an unclear (or formerly unclear) verdict is; "" for the others."""
    if other is not None and probability is not None and gate.is_other(probability, other):
        low = gate.boundary_band(other)[0]
        if probability < low:
            return ""
        edge = gate.within_odds(other, 0.5)
        return FAR_OTHER if probability < edge else NEAR_OTHER
    if (
        other is not None
        and probability is not None
        and probability <= gate.boundary_band(other)[1]
    ):
        return GATE_UNSURE
    return ""


def verdicts_of(
    classifier: SceneClassifier, pixels: list[np.ndarray]
) -> list[tuple[str, bool, str]]:
    """(album, whether Cene takes it from this picture alone, ``kind_of_verdict``) for each
    picture."""
    info = classifier.info
    shipped = classifier.shipped_gate
    other = None if shipped is None else shipped.threshold(gate.DEFAULT_SENSITIVITY)
    out: list[tuple[str, bool, str]] = []
    for start in range(0, len(pixels), BATCH):
        batch = np.stack(pixels[start : start + BATCH])
        probabilities, _, features = classifier.classify_with_features(batch)
        scene = classifier.scene_probabilities(features)
        for index, verdict in enumerate(classifier.verdicts(probabilities)):
            probability = None if scene is None else float(scene[index])
            album = gate.decide_album(
                verdict.predicted,
                verdict.confidence,
                verdict.runner_up,
                probability,
                info.default_threshold,
                other,
            )[0]
            clear = gate.clear_verdict(
                verdict.confidence, probability, info.default_threshold, other
            )
            kind = UNSURE_SCENE if album == UNSORTED else kind_of_verdict(probability, other)
            out.append((album, clear, kind))
    return out


def filed(label: str, album: str) -> str:
    if label in RIGHT_ALBUMS:
        if album in RIGHT_ALBUMS[label]:
            return "right"
        return {UNSORTED: "Unsorted", OTHER: "Other"}.get(album, "wrong")
    return "in a scene album" if album in SCENE_ALBUMS else "kept out"


def compare(
    name: str,
    classifier: SceneClassifier,
    rows: list[tuple[str, np.ndarray, np.ndarray]],
    looks: list[str],
    stands_for_photo: bool = False,
) -> list[str]:
    """The line of the first table for ``rows``; adds this picture's lines of the second-look
    table to ``looks``. A picture that ``stands_for_photo`` (a large preview) gets its second
    look from itself, by the fp32 model, as Cene does."""
    if not rows:
        return [f"| {name} | 0 | | | | | |"]
    whole = [album for album, *_ in verdicts_of(classifier.exact(), [r[1] for r in rows])]
    small = verdicts_of(classifier, [r[2] for r in rows])
    # As Cene sorts: the embedded picture's album where it is clear, else the whole photo's
    # (a large preview's own, by the fp32 model).
    looked = whole
    if stands_for_photo:
        looked = [album for album, *_ in verdicts_of(classifier.exact(), [r[2] for r in rows])]
    cene = [album if clear else full for (album, clear, _), full in zip(small, looked, strict=True)]
    looked_again = sum(not clear for _, clear, _ in small)
    labels = [label for label, *_ in rows]
    for kind in KINDS:
        chosen = [i for i, (*_, k) in enumerate(small) if k == kind]
        changed = [i for i in chosen if small[i][0] != looked[i]]

        def good(i: int, album: str) -> bool:
            return filed(labels[i], album) in ("right", "kept out")

        better = sum(good(i, looked[i]) and not good(i, small[i][0]) for i in changed)
        worse = sum(good(i, small[i][0]) and not good(i, looked[i]) for i in changed)
        looks.append(f"| {name} | {kind} | {len(chosen)} | {len(changed)} | {better} | {worse} |")
    scenes = sum(label in RIGHT_ALBUMS for label, *_ in rows)
    others = len(rows) - scenes

    def filing(albums: list[str]) -> Counter[str]:
        return Counter(filed(label, a) for (label, *_), a in zip(rows, albums, strict=True))

    def same(albums: list[str]) -> str:
        return f"{sum(a == b for a, b in zip(whole, albums, strict=True)) / len(rows):.1%}"

    before, alone, after = filing(whole), filing([a for a, *_ in small]), filing(cene)

    def shares(key: str, of: int) -> str:
        if not of:
            return "-"
        return " / ".join(f"{counts[key] / of:.1%}" for counts in (before, alone, after))

    return [
        f"| {name} | {len(rows)} | {same([a for a, *_ in small])} | {same(cene)} "
        f"| {looked_again / len(rows):.1%} | {shares('right', scenes)} "
        f"| {shares('wrong', scenes)} | {shares('in a scene album', others)} |"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("photos", type=Path, nargs="+")
    parser.add_argument("--min-side", type=int, default=scanner.EMBEDDED_PICTURE_MIN_SIDE)
    args = parser.parse_args()
    classifier = SceneClassifier()
    classifier.load()
    size = classifier.info.input_size
    scanner.EMBEDDED_PICTURE_MIN_SIDE = args.min_side
    files = sorted(p for folder in args.photos for p in folder.glob("*/*") if p.is_file())
    own: list[tuple[str, np.ndarray, np.ndarray]] = []
    cameras: dict[int, list[tuple[str, np.ndarray, np.ndarray]]] = {160: [], 320: []}
    previews: dict[tuple[int, int], list[tuple[str, np.ndarray, np.ndarray]]] = {
        (640, 480): [],
        (1920, 1440): [],
    }
    for path in files:
        label = path.parent.name
        data = path.read_bytes()
        try:
            whole = scanner.decode_for_model(data, size, embedded=False)[0]
        except ValueError:
            continue
        embedded = scanner.decode_for_model(data, size)[0]
        if not np.array_equal(embedded, whole):
            own.append((label, whole, embedded))
        for side, rows in cameras.items():
            copy = camera_copy(data, side)
            if copy is None:
                continue
            with any_photo_size():
                rows.append((label, whole, scanner.decode_for_model(copy, size)[0]))
        for dims, rows in previews.items():
            copy = mpf_copy(data, dims)
            if copy is None:
                continue
            with any_photo_size(), Image.open(io.BytesIO(copy)) as opened:
                found = scanner._embedded_picture(opened, copy, size)
                if found is not None and found[1]:  # the preview stands for the photo
                    rows.append((label, whole, scanner.decode_for_model(copy, size)[0]))
    print(
        f"\n{len(files)} photos from {', '.join(str(p) for p in args.photos)}; model "
        f"{classifier.info.version}; embedded pictures used from "
        f"{scanner.EMBEDDED_PICTURE_MIN_SIDE} px on their shorter side\n"
    )
    print(
        "| embedded picture | photos | same album, picture alone | same album, as Cene sorts "
        "| whole photo decoded too | scenes right | scenes in a wrong album "
        "| others in a scene album |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    looks: list[str] = []
    for line in compare("own (the camera's)", classifier, own, looks):
        print(line)
    for side, rows in cameras.items():
        for line in compare(f"camera {side} x {side * 3 // 4}", classifier, rows, looks):
            print(line)
    for (w, h), rows in previews.items():
        lines = compare(f"MPF preview {w} x {h}", classifier, rows, looks, stands_for_photo=True)
        for line in lines:
            print(line)
    print(
        "\n(the last three: whole photo / embedded picture alone / as Cene sorts: the embedded "
        "picture where its verdict is clear, else the whole photo)"
    )
    print(
        "\nWhat the second look (the whole photo, fp32) does, by the picture's verdict; better "
        "and worse by the photo's label (a scene in its album, anything else out of the six):\n"
    )
    print(
        "| embedded picture | verdict from the picture | photos | album changed | better | worse |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for line in looks:
        print(line)


if __name__ == "__main__":
    main()
