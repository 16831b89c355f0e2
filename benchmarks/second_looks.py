"""Which second looks keep real photos right? Issue 18's <= 10 ms with a 160 x 120 picture.

    python -m benchmarks.second_looks PHOTOS [PHOTOS ...]

PHOTOS are folders laid out by benchmarks/lay_out_real_photos.py. Every photo is saved again as
a camera saves it, with a 160 x 120 picture in its EXIF (``embedded_pictures.camera_copy``); it
is judged from that picture by the int8 model, as Cene's first look is, and from the whole
photo by the int8 and the fp32 model. Then each rule for which verdicts are looked at again
(from the whole photo) prints the share of photos looked at again, how the photos are filed
(scenes right / in a wrong album, others in a scene album) and how often the album is the one
Cene's rule gives. A second look costs a whole decode (~9.7 ms CPU per MB of JPEG) and a
model run, so its share sets the CPU per photo.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.embedded_pictures import any_photo_size, camera_copy  # noqa: E402
from benchmarks.real_photos import RIGHT_ALBUMS  # noqa: E402
from cene_desktop.core import gate, scanner  # noqa: E402
from cene_desktop.core.albums import SCENE_ALBUMS, UNSORTED  # noqa: E402
from cene_desktop.core.classifier import SceneClassifier  # noqa: E402

BATCH = 32


def judge(classifier: SceneClassifier, pixels: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and P(scene) of each picture."""
    probabilities, scenes = [], []
    for start in range(0, len(pixels), BATCH):
        batch = np.stack(pixels[start : start + BATCH])
        p, _, features = classifier.classify_with_features(batch)
        probabilities.append(p)
        scenes.append(classifier.scene_probabilities(features))
    return np.concatenate(probabilities), np.concatenate(scenes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("photos", type=Path, nargs="+")
    args = parser.parse_args()
    first = SceneClassifier()
    first.load()
    exact = first.exact()
    size = first.info.input_size
    threshold = first.info.default_threshold
    assert first.shipped_gate is not None, "the shipped model has no gate"
    other = first.shipped_gate.threshold(gate.DEFAULT_SENSITIVITY)
    classes = first.info.classes
    labels, small, whole = [], [], []
    for path in sorted(p for folder in args.photos for p in folder.glob("*/*") if p.is_file()):
        data = path.read_bytes()
        try:
            pixels = scanner.decode_for_model(data, size, embedded=False)[0]
        except ValueError:
            continue
        copy = camera_copy(data, 160)
        if copy is None:
            continue
        with any_photo_size():
            small.append(scanner.decode_for_model(copy, size)[0])
        whole.append(pixels)
        labels.append(path.parent.name)

    def albums(judged: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        out = []
        for row, scene in zip(*judged, strict=True):
            best, second = np.argsort(row)[::-1][:2]
            decided = gate.decide_album(
                classes[best], float(row[best]), classes[second], float(scene), threshold, other
            )
            out.append(decided[0])
        return np.array(out)

    picture = judge(first, small)
    confidence = picture[0].max(1)
    unclear = np.array(
        [
            not gate.clear_verdict(float(c), float(s), threshold, other)
            for c, s in zip(confidence, picture[1], strict=True)
        ]
    )
    from_picture = albums(picture)
    from_whole = {"fp32": albums(judge(exact, whole)), "int8": albums(judge(first, whole))}
    in_unsorted = from_picture == UNSORTED
    is_scene = np.array([label in RIGHT_ALBUMS for label in labels])
    as_now = np.where(unclear, from_whole["fp32"], from_picture)
    rules: list[tuple[str, np.ndarray, str]] = [
        ("every photo (the whole photo only)", np.ones(len(labels), bool), "fp32"),
        ("none (the picture alone)", np.zeros(len(labels), bool), "fp32"),
        ("unclear verdicts (Cene now)", unclear, "fp32"),
        ("unclear verdicts, int8 model", unclear, "int8"),
        ("Unsorted only", unclear & in_unsorted, "fp32"),
        ("near the gate line only", unclear & ~in_unsorted, "fp32"),
    ]
    for floor in (0.5, 0.6):
        sure_enough = ~in_unsorted | (confidence >= floor)
        rules.append(
            (f"unclear, Unsorted only from {floor:.0%} sure", unclear & sure_enough, "fp32")
        )

    def filed(album: np.ndarray) -> Callable[[str], float]:
        def share(what: str) -> float:
            if what == "others in a scene album":
                return float(np.isin(album[~is_scene], list(SCENE_ALBUMS)).mean())
            right = np.array(
                [a in RIGHT_ALBUMS.get(label, ()) for a, label in zip(album, labels, strict=True)]
            )
            if what == "right":
                return float(right[is_scene].mean())
            wrong = np.isin(album, list(SCENE_ALBUMS)) & ~right
            return float(wrong[is_scene].mean())

        return share

    print(
        f"\n{len(labels)} photos ({is_scene.sum()} scenes), each with a 160 x 120 EXIF picture; "
        f"model {first.info.version}\n"
    )
    print(
        "| looked at again from the whole photo | photos looked at again | scenes right "
        "| scenes in a wrong album | others in a scene album | same album as Cene now |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, looked, model in rules:
        album = np.where(looked, from_whole[model], from_picture)
        share = filed(album)
        print(
            f"| {name} | {looked.mean():.1%} | {share('right'):.1%} | {share('wrong'):.1%} "
            f"| {share('others in a scene album'):.1%} | {(album == as_now).mean():.1%} |"
        )
    quantiles = np.quantile(confidence[in_unsorted], [0.1, 0.25, 0.5, 0.75, 0.9])
    print(
        "\nconfidence of the picture's Unsorted verdicts, 10/25/50/75/90th percentile: "
        + " / ".join(f"{q:.2f}" for q in quantiles)
    )


if __name__ == "__main__":
    main()
