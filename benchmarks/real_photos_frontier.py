"""How far thresholds alone can take the shipped model on real photos (issue 17's targets).

    python -m benchmarks.real_photos_frontier PHOTOS [--split eval]

PHOTOS is a folder laid out by benchmarks/lay_out_real_photos.py. Each photo of the split is
judged by the shipped model (fp32, the whole photo's centre square, as Cene's second look sees
it); then, for every pair of thresholds (the model's confidence, the gate's P(scene)) on a grid,
and for thresholds of each class apart, it prints the most scenes filed into their album at
<= 5 % of the others filed into a scene album and <= 3 % of the scenes in a wrong album. The
thresholds are chosen *on the photos they are measured on*: an upper bound of what tuning can
give, never a setting to ship. Top-1 among the scenes (no threshold) bounds it too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.lay_out_real_photos import read_manifest  # noqa: E402
from benchmarks.real_photos import RIGHT_ALBUMS, choose  # noqa: E402
from cene_desktop.core import scanner  # noqa: E402
from cene_desktop.core.classifier import SceneClassifier  # noqa: E402

OTHERS_AT_MOST, WRONG_AT_MOST = 0.05, 0.03
CONFIDENCES = np.linspace(0.40, 0.995, 60)
GATES = np.linspace(0.10, 0.90, 81)


def judged(files: list[Path]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(class index predicted, confidence, P(scene)) of each photo, and which could be read."""
    classifier = SceneClassifier(precision="fp32")
    classifier.load()
    scanner.enable_heif()
    size = classifier.info.input_size
    features, read = [], []
    for path in files:
        try:
            pixels = scanner.decode_for_model(path.read_bytes(), size, embedded=False)[0]
        except ValueError:
            read.append(False)
            continue
        features.append(classifier.features(pixels[None])[0])
        read.append(True)
    stacked = np.stack(features)
    probabilities = classifier.probabilities(stacked)
    scene = classifier.scene_probabilities(stacked)
    assert scene is not None, "the shipped model has no gate"
    return (
        np.column_stack([probabilities.argmax(1), probabilities.max(1), scene]),
        np.array(read),
        np.array(classifier.info.classes),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("photos", type=Path)
    parser.add_argument("--split", default="eval", choices=("eval", "fit", "all"))
    args = parser.parse_args()
    files, _, _ = choose(args.photos, read_manifest(), args.split)
    table, read, classes = judged(files)
    labels = [p.parent.name for p, ok in zip(files, read, strict=True) if ok]
    predicted = classes[table[:, 0].astype(int)]
    confidence, scene_p = table[:, 1], table[:, 2]
    is_scene = np.array([label in RIGHT_ALBUMS for label in labels])
    right = np.array(
        [
            label in RIGHT_ALBUMS and p.capitalize() in RIGHT_ALBUMS[label]
            for label, p in zip(labels, predicted, strict=True)
        ]
    )
    scenes, others = int(is_scene.sum()), int((~is_scene).sum())

    def shares(filed: np.ndarray) -> tuple[float, float, float]:
        return (
            float((filed & right).sum() / scenes),
            float((filed & is_scene & ~right).sum() / scenes),
            float((filed & ~is_scene).sum() / others),
        )

    print(f"\n{len(labels)} photos ({scenes} scenes, {others} others), split {args.split}")
    print(f"top-1 among the scenes, no threshold: {right[is_scene].mean():.1%}\n")
    print("| thresholds | scenes right | wrong album | others in a scene album |")
    print("|---|---:|---:|---:|")
    shipped = SceneClassifier()
    shipped.load()
    gate = shipped.info.gate["thresholds"]["normal"]
    r, w, o = shares((confidence >= shipped.info.default_threshold) & (scene_p >= gate))
    print(f"| as shipped ({shipped.info.default_threshold}, gate {gate}) | {r:.1%} | {w:.1%} "
          f"| {o:.1%} |")  # fmt: skip
    best: tuple[float, float, float, str] | None = None
    for c in CONFIDENCES:
        for g in GATES:
            r, w, o = shares((confidence >= c) & (scene_p >= g))
            if w <= WRONG_AT_MOST and o <= OTHERS_AT_MOST and (best is None or r > best[0]):
                best = (r, w, o, f"one pair: {c:.3f}, gate {g:.2f}")
    if best is not None:
        print(f"| best {best[3]} | {best[0]:.1%} | {best[1]:.1%} | {best[2]:.1%} |")
    # Each class its own confidence threshold: for each gate threshold and each price of a wrong
    # album and of an other let in, every class takes the threshold that pays best; the
    # combinations that meet both limits are kept.
    best = None
    for g in GATES[::2]:
        passing = scene_p >= g
        for wrong_cost in (1, 2, 3, 4, 6, 8, 12, 16):
            for other_cost in (0.5, 1, 2, 3, 4, 6, 8):
                filed = np.zeros(len(labels), bool)
                chosen = []
                for name in classes:
                    mine = passing & (predicted == name)

                    def pay(
                        c: float,
                        mine: np.ndarray = mine,
                        wrong_cost: float = wrong_cost,
                        other_cost: float = other_cost,
                    ) -> float:
                        kept = mine & (confidence >= c)
                        return float(
                            (kept & right).sum()
                            - wrong_cost * (kept & is_scene & ~right).sum()
                            - other_cost * (kept & ~is_scene).sum() * scenes / others
                        )

                    c = max(CONFIDENCES, key=pay)
                    chosen.append(f"{name} {c:.2f}")
                    filed |= mine & (confidence >= c)
                r, w, o = shares(filed)
                if w <= WRONG_AT_MOST and o <= OTHERS_AT_MOST and (best is None or r > best[0]):
                    best = (r, w, o, f"per class ({', '.join(chosen)}), gate {g:.2f}")
    if best is not None:
        print(f"| best {best[3]} | {best[0]:.1%} | {best[1]:.1%} | {best[2]:.1%} |")
    print(
        f"\n(best: the most scenes right with <= {WRONG_AT_MOST:.0%} in a wrong album and <= "
        f"{OTHERS_AT_MOST:.0%} of the others in a scene album, thresholds chosen on these photos)"
    )


if __name__ == "__main__":
    main()
