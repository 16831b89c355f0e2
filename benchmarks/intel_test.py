"""The shipped app on the Intel scene test split, through ``cene sort``, gate off and on.

    python -m benchmarks.intel_test [/tmp/intel/seg_test] [--json-out FILE]

The test split (3,000 photos, laid out by ``model_training/extract-intel-data.sh``) is sorted
by the real app (``--dry-run --json --mode copy``, the model's own threshold): with ``--other
off`` (every photo to a scene album or Unsorted, as before the Other album existed) for the
top-1 accuracy among the six scenes of the scene each photo is given (those in Unsorted too)
and the calibration error of the model's confidence (ECE, 15 bins), and with the gate on (each
sensitivity) for the share of these scene photos sent to Other. The threshold is the app's, not
0: where the int8 copy ships, the photos under it are judged again by the fp32 model, and that
is the verdict the app keeps (at 0 nothing is under it, and the figure is the int8 copy's alone).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cene_desktop.core.albums import SCENE_CLASSES as CLASSES  # noqa: E402
from model_training.calibration import calibration_error  # noqa: E402


def sort_json(folder: Path, *options: str) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="cene-intel-") as library:
        command = [sys.executable, "-m", "cene_desktop", "sort", str(folder), "--library"]
        command += [library, "--dry-run", "--json", "--mode", "copy"]
        result = subprocess.run(
            [*command, *options], cwd=REPO, stdout=subprocess.PIPE, text=True, check=False
        )
    photos: list[dict[str, Any]] = json.loads(result.stdout)["photos"]
    return photos


def truth_of(photo: dict[str, Any]) -> str:
    return Path(photo["source"]).parent.name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path, nargs="?", default=Path("/tmp/intel/seg_test"))
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    if not (args.folder / "street").is_dir():
        raise SystemExit(f"{args.folder} is not the Intel test split (see model_training/README)")

    off = [p for p in sort_json(args.folder, "--other", "off") if p["status"] == "planned"]
    right = np.array([p["predicted"] == truth_of(p) for p in off])
    confidence = np.array([p["confidence"] for p in off])
    figures: dict[str, Any] = {
        "photos": len(off),
        "top1_gate_off": round(float(right.mean()), 4),
        "ece_gate_off": round(calibration_error(confidence, right), 4),
        "to_other": {},
    }
    for sensitivity in ("low", "normal", "high"):
        on = sort_json(args.folder, "--other", "on", "--other-sensitivity", sensitivity)
        placed = [p for p in on if p["status"] == "planned"]
        other = np.array([p["album"] == "Other" for p in placed])
        by_class = {
            name: round(
                float(np.mean([p["album"] == "Other" for p in placed if truth_of(p) == name])), 4
            )
            for name in CLASSES
        }
        figures["to_other"][sensitivity] = {"all": round(float(other.mean()), 4), **by_class}

    print(f"Intel seg_test through cene sort: {figures['photos']} photos")
    print(
        f"  --other off: top-1 among the six scenes {figures['top1_gate_off']:.2%}, "
        f"ECE {figures['ece_gate_off']:.4f}"
    )
    print(f"  {'sensitivity':<12}{'to Other':>9}" + "".join(f"{c:>10}" for c in CLASSES))
    for sensitivity, shares in figures["to_other"].items():
        print(
            f"  {sensitivity:<12}{shares['all']:>9.2%}"
            + "".join(f"{shares[c]:>10.2%}" for c in CLASSES)
        )
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
