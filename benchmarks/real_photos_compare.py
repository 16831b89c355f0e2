"""Two runs of benchmarks/real_photos.py on the same photos, compared photo by photo.

    python -m benchmarks.real_photos PHOTOS --json-out A.json        # one model (or setting)
    python -m benchmarks.real_photos PHOTOS --json-out B.json        # the other
    python -m benchmarks.real_photos_compare A.json B.json

With 660 scenes in the eval split one photo is 0.15 points (with the 275 it had until December
3rd, 2026, 0.36), and two runs of one training recipe differed by 2-3 points of scenes right
(``model_training/reports/notes.md``). Most photos go to the same album in both runs, so what
tells a gain from noise is the photos on which the two disagree: for each figure this prints how
many photos only A gets right, how many only B does, and the chance of a split at least that
uneven if neither were better (exact two-sided sign test,
McNemar's). Photos in only one of the runs are left out and counted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from math import comb
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.real_photos import RIGHT_ALBUMS  # noqa: E402
from cene_desktop.core.albums import SCENE_ALBUMS  # noqa: E402


def right(label: str, album: str) -> bool:
    return album in RIGHT_ALBUMS[label]


def not_wrong(label: str, album: str) -> bool:
    return album not in SCENE_ALBUMS or album in RIGHT_ALBUMS[label]


def kept_out(label: str, album: str) -> bool:
    return album not in SCENE_ALBUMS


#: (figure, which photos it counts, whether a photo counts as good for it)
FIGURES: tuple[tuple[str, str, Callable[[str, str], bool]], ...] = (
    ("scenes in their album", "scene", right),
    ("scenes not in a wrong album", "scene", not_wrong),
    ("others kept out of the scene albums", "other", kept_out),
)


def sign_test(only_a: int, only_b: int) -> float:
    """Two-sided exact binomial p-value of ``only_a`` against ``only_b`` discordant photos."""
    n = only_a + only_b
    if n == 0:
        return 1.0
    tail = sum(comb(n, k) for k in range(min(only_a, only_b) + 1)) / 2**n
    return float(min(1.0, 2 * tail))


def albums_of(run: dict[str, Any]) -> dict[tuple[str, str], str]:
    if "rows" not in run:
        raise SystemExit("a run without photo rows: write it again with this version's --json-out")
    return {(row["label"], row["file"]): row["column"] for row in run["rows"]}


def compare(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """One line per figure: photos, share good in A and in B, photos good only in A / only in B,
    and the sign test's p-value."""
    first, second = albums_of(a), albums_of(b)
    both = sorted(first.keys() & second.keys())
    lines = []
    for name, kind, good in FIGURES:
        photos = [key for key in both if (key[0] in RIGHT_ALBUMS) == (kind == "scene")]
        in_a = {key for key in photos if good(key[0], first[key])}
        in_b = {key for key in photos if good(key[0], second[key])}
        only_a, only_b = len(in_a - in_b), len(in_b - in_a)
        lines.append(
            {
                "figure": name,
                "photos": len(photos),
                "a": len(in_a) / len(photos) if photos else 0.0,
                "b": len(in_b) / len(photos) if photos else 0.0,
                "only_a": only_a,
                "only_b": only_b,
                "p": sign_test(only_a, only_b),
            }
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("a", type=Path, help="JSON of run A (benchmarks/real_photos.py)")
    parser.add_argument("b", type=Path, help="JSON of run B")
    args = parser.parse_args(argv)
    a, b = (json.loads(path.read_text(encoding="utf-8")) for path in (args.a, args.b))
    first, second = albums_of(a), albums_of(b)
    print(
        f"A: {a.get('model_version')} {a.get('options')}\nB: {b.get('model_version')} "
        f"{b.get('options')}\n{len(first.keys() & second.keys())} photos in both runs "
        f"({len(first.keys() ^ second.keys())} in only one, left out); "
        f"same album in both: "
        f"{sum(first[k] == second[k] for k in first.keys() & second.keys())}\n"
    )
    print("| figure | photos | A | B | good only in A | good only in B | p (sign test) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for line in compare(a, b):
        print(
            f"| {line['figure']} | {line['photos']} | {line['a']:.1%} | {line['b']:.1%} "
            f"| {line['only_a']} | {line['only_b']} | {line['p']:.3f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
