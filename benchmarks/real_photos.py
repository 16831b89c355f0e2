"""How the shipped app files real photos: scenes into the right album, everything else not.

    python -m benchmarks.real_photos PHOTOS [--split eval|fit|all] [--other on|off]
        [--threshold X] [--json-out FILE]

PHOTOS is a folder laid out by benchmarks/lay_out_real_photos.py (PHOTOS/LABEL/photo); the
photos of the chosen split of real_photos_manifest.csv (default: eval, the photos nothing was
fitted on) are hard-linked into a temporary folder and sorted there by the real app, end to end:
``python -m cene_desktop sort SUBSET --library TMP --dry-run --json --mode copy``. Nothing is
written into PHOTOS. Prints where each label's photos went, how many photos that are not scenes
(people, documents, food, ...) were filed into a scene album and how sure the model was of
them, and how many scenes went to the right album; ``--json-out`` writes the same figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.lay_out_real_photos import file_name, kind_of, read_manifest  # noqa: E402
from cene_desktop.core.albums import ALBUMS, OTHER, REVIEW_BELOW, SCENE_ALBUMS, UNSORTED  # noqa: E402

SKIPPED = "skipped"
NO_OUTCOME = "no outcome"  # a photo the app said nothing about (it should not happen)
#: The albums each scene label is right in; every other label is a photo of no scene.
RIGHT_ALBUMS = {
    "buildings": {"Buildings"},
    "forest": {"Forest"},
    "glacier": {"Glacier"},
    "glacier-like": {"Glacier", "Mountain"},  # snowfields, ice on rock: either is fair
    "mountain": {"Mountain"},
    "sea": {"Sea"},
    "street": {"Street"},
}
#: The review pane asks about photos below this confidence; above it a photo is filed unasked.
SURE = REVIEW_BELOW


# --- choosing the photos ---------------------------------------------------------------------


def choose(
    photos: Path, manifest: list[dict[str, str]], split: str
) -> tuple[list[Path], list[str], int]:
    """The files of ``split`` found under ``photos`` (as PHOTOS/LABEL/name), the manifest's
    names of that split that are not there, and how many other files ``photos`` holds."""
    wanted = {
        Path(row["label"]) / file_name(row["repo"], row["path"])
        for row in manifest
        if split == "all" or row["split"] == split
    }
    present = {p.relative_to(photos) for p in photos.glob("*/*") if p.is_file()}
    chosen = sorted(photos / p for p in wanted & present)
    missing = sorted(str(p) for p in wanted - present)
    listed = {Path(row["label"]) / file_name(row["repo"], row["path"]) for row in manifest}
    return chosen, missing, len(present - listed)


def link_subset(files: list[Path], photos: Path, subset: Path) -> None:
    """Hard-link (or, across file systems, copy) each of ``files`` to subset/LABEL/name: the app
    leaves symbolic links alone, so links to the photos would not be sorted."""
    for source in files:
        target = subset / source.relative_to(photos)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)


# --- running the app -------------------------------------------------------------------------


def app_command(
    subset: Path,
    library: Path,
    other: str | None,
    threshold: float | None,
    sensitivity: str | None = None,
) -> list[str]:
    command = [sys.executable, "-m", "cene_desktop", "sort", str(subset), "--library"]
    command += [str(library), "--dry-run", "--json", "--mode", "copy"]
    if other is not None:
        command += ["--other", other]
    if sensitivity is not None:
        command += ["--other-sensitivity", sensitivity]
    if threshold is not None:
        command += ["--threshold", f"{threshold:g}"]
    return command


def run_app(command: list[str]) -> dict[str, Any]:
    """The app's JSON summary. Exit status 1 (some files skipped) is a normal result here."""
    result = subprocess.run(command, cwd=REPO, stdout=subprocess.PIPE, text=True, check=False)
    try:
        summary = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise SystemExit(
            f"cene sort exited with {result.returncode} without a JSON summary:\n"
            + result.stdout[-2000:]
        ) from None
    if not isinstance(summary, dict) or not isinstance(outcomes_of(summary), list):
        raise SystemExit(f"cene sort printed no outcomes (exit status {result.returncode})")
    return summary


def outcomes_of(summary: dict[str, Any]) -> Any:
    """The list of what happened to each file: ``photos`` in the app's JSON (``outcomes`` in
    SortSummary, a name a later version may use in the JSON too)."""
    return summary.get("outcomes", summary.get("photos"))


# --- the figures -----------------------------------------------------------------------------


def rows_from(
    outcomes: list[dict[str, Any]], subset: Path, files: list[Path]
) -> list[dict[str, Any]]:
    """One row per photo of ``files``: its label (the LABEL folder), kind, and where it went
    (``column``: an album, "skipped", or another status such as "duplicate")."""
    root = subset.resolve()
    by_path: dict[Path, dict[str, Any]] = {}
    for outcome in outcomes:
        try:
            relative = Path(outcome["source"]).resolve().relative_to(root)
        except ValueError:
            continue
        by_path.setdefault(relative, outcome)
    rows = []
    for file in files:
        relative = Path(file.parent.name) / file.name
        found = by_path.get(relative)
        label = relative.parts[0]
        row: dict[str, Any] = {"label": label, "kind": kind_of(label), "file": file.name}
        if found is None:
            row["column"] = NO_OUTCOME
        else:
            status = found.get("status")
            if status in ("planned", "placed"):
                row["column"] = found.get("album") or UNSORTED
            else:
                row["column"] = SKIPPED if status == SKIPPED else str(status)
            for key in ("predicted", "confidence", "reason"):
                if found.get(key) is not None:
                    row[key] = found[key]
        rows.append(row)
    return rows


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def label_order(labels: set[str]) -> list[str]:
    """Scene labels first, then the others, each alphabetically."""
    return sorted(labels, key=lambda label: (kind_of(label) != "scene", label))


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of a run: per label, where its photos went; for photos of no scene, how many
    were filed into a scene album (and how sure the model was); for scenes, how many went right.
    Shares are of all the photos of a label, skipped ones included."""
    labels = label_order({row["label"] for row in rows})
    extra = sorted({row["column"] for row in rows} - set(ALBUMS) - {SKIPPED})
    columns = [*ALBUMS, *extra, SKIPPED]
    albums = {
        label: {
            c: sum(1 for r in rows if r["label"] == label and r["column"] == c) for c in columns
        }
        for label in labels
    }

    others: dict[str, Any] = {"labels": {}}
    for label in [label for label in labels if kind_of(label) == "other"]:
        counts = albums[label]
        n = sum(counts.values())
        in_scene = sum(counts[a] for a in SCENE_ALBUMS)
        others["labels"][label] = {
            "photos": n,
            "scene_album": share(in_scene, n),
            "other": share(counts[OTHER], n),
            "unsorted": share(counts[UNSORTED], n),
            "skipped": share(counts[SKIPPED], n),
        }
    other_rows = [r for r in rows if r["kind"] == "other"]
    filed = [r for r in other_rows if r["column"] in SCENE_ALBUMS]
    sure = [r for r in filed if (r.get("confidence") or 0.0) >= SURE]
    others["overall"] = {
        "photos": len(other_rows),
        "in_scene_album": len(filed),
        "scene_album": share(len(filed), len(other_rows)),
        "in_scene_album_sure": len(sure),
        "sure_threshold": SURE,
        "other": share(sum(r["column"] == OTHER for r in other_rows), len(other_rows)),
        "unsorted": share(sum(r["column"] == UNSORTED for r in other_rows), len(other_rows)),
    }

    scenes: dict[str, Any] = {"labels": {}}
    scene_rows = [r for r in rows if r["kind"] == "scene"]
    for label in [label for label in labels if kind_of(label) == "scene"]:
        scenes["labels"][label] = scene_figures([r for r in scene_rows if r["label"] == label])
    scenes["overall"] = scene_figures(scene_rows)

    return {
        "photos": len(rows),
        "scenes": len(scene_rows),
        "others": len(other_rows),
        "columns": columns,
        "albums": albums,
        "other_photos": others,
        "scene_photos": scenes,
        "skipped": [
            {"label": r["label"], "file": r["file"], "reason": r.get("reason", r["column"])}
            for r in rows
            if r["column"] not in ALBUMS
        ],
    }


def scene_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    right = sum(r["column"] in RIGHT_ALBUMS[r["label"]] for r in rows)
    unsorted = sum(r["column"] == UNSORTED for r in rows)
    other = sum(r["column"] == OTHER for r in rows)
    wrong = sum(
        r["column"] in SCENE_ALBUMS and r["column"] not in RIGHT_ALBUMS[r["label"]] for r in rows
    )
    return {
        "photos": n,
        "right": share(right, n),
        "unsorted": share(unsorted, n),
        "other": share(other, n),
        "wrong": share(wrong, n),
        "skipped": share(n - right - unsorted - other - wrong, n),
        "right_count": right,
        "wrong_count": wrong,
    }


# --- printing --------------------------------------------------------------------------------


def table(header: list[str], body: list[list[str]], first: int = 14) -> str:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    widths[0] = max(widths[0], first)

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(header), *(line(row) for row in body)])


def pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def album_table(figures: dict[str, Any]) -> str:
    columns = figures["columns"]
    body = []
    for label, counts in figures["albums"].items():
        body.append([label, *(str(counts[c]) for c in columns), str(sum(counts.values()))])
    totals = [sum(counts[c] for counts in figures["albums"].values()) for c in columns]
    body.append(["total", *(str(t) for t in totals), str(sum(totals))])
    return table(["label", *columns, "total"], body)


def others_table(figures: dict[str, Any]) -> str:
    others = figures["other_photos"]
    o = others["overall"]
    keys = ("scene_album", "other", "unsorted")
    items = [*others["labels"].items(), ("all others", o)]
    body = [[label, str(f["photos"]), *(pct(f[k]) for k in keys)] for label, f in items]
    summary = (
        f"{o['in_scene_album']} of {o['photos']} photos of no scene ({pct(o['scene_album'])}) "
        f"were filed into a scene album, {o['in_scene_album_sure']} of them at confidence "
        f">= {o['sure_threshold']:g} (filed without a review question)"
    )
    return table(["other label", "photos", "scene album", "Other", "Unsorted"], body) + (
        "\n" + summary
    )


def scenes_table(figures: dict[str, Any]) -> str:
    scenes = figures["scene_photos"]
    items = [*scenes["labels"].items(), ("all scenes", scenes["overall"])]
    keys = ("right", "unsorted", "other", "wrong")
    body = [[label, str(f["photos"]), *(pct(f[k]) for k in keys)] for label, f in items]
    return table(["scene label", "photos", "right", "Unsorted", "Other", "wrong album"], body)


def report(figures: dict[str, Any], header: str) -> str:
    parts = [
        header,
        "",
        "Where each label's photos went (photos):",
        album_table(figures),
        "",
        "Photos of no scene (share of the label's photos):",
        others_table(figures),
        "",
        "Scenes (share of the label's photos):",
        scenes_table(figures),
    ]
    if figures["skipped"]:
        parts += ["", f"Not filed ({len(figures['skipped'])}):"]
        parts += [f"  {s['label']}/{s['file']}: {s['reason']}" for s in figures["skipped"]]
    return "\n".join(parts)


def header_line(summary: dict[str, Any], figures: dict[str, Any], args: argparse.Namespace) -> str:
    threshold = "(model's)" if args.threshold is None else f"{args.threshold:g}"
    options = [f"--other {args.other or '(app default)'}", f"--threshold {threshold}"]
    if args.other_sensitivity:
        options.append(f"--other-sensitivity {args.other_sensitivity}")
    return (
        f"Cene real photos: model {summary.get('model_version') or 'unknown'}"
        f" on {summary.get('device') or 'unknown device'}, split {args.split}: "
        f"{figures['photos']} photos ({figures['scenes']} scenes, {figures['others']} others); "
        + ", ".join(options)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("photos", type=Path, help="a folder laid out as PHOTOS/LABEL/photo")
    parser.add_argument("--split", choices=("eval", "fit", "all"), default="eval")
    parser.add_argument("--other", choices=("on", "off"), help="passed to cene sort if given")
    parser.add_argument(
        "--other-sensitivity", choices=("low", "normal", "high"), help="passed on if given"
    )
    parser.add_argument("--threshold", type=float, help="passed to cene sort if given")
    parser.add_argument("--json-out", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)

    photos = args.photos.resolve()
    files, missing, unlisted = choose(photos, read_manifest(), args.split)
    if not files:
        raise SystemExit(f"no photos of split {args.split} under {photos}")
    if missing:
        print(
            f"{len(missing)} photos of split {args.split} are not in {photos} (lay them out with "
            "benchmarks/lay_out_real_photos.py); measuring the rest",
            file=sys.stderr,
        )
    if unlisted:
        print(f"{unlisted} files in {photos} are not in the manifest: left out", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="cene-real-photos-") as work:
        subset, library = Path(work) / "photos", Path(work) / "library"
        link_subset(files, photos, subset)
        library.mkdir()
        command = app_command(subset, library, args.other, args.threshold, args.other_sensitivity)
        summary = run_app(command)
        linked = [subset / f.relative_to(photos) for f in files]
        rows = rows_from(outcomes_of(summary), subset, linked)

    figures = summarise(rows)
    header = header_line(summary, figures, args)
    print(report(figures, header))
    if args.json_out:
        figures = {
            "model_version": summary.get("model_version"),
            "device": summary.get("device"),
            "split": args.split,
            "options": {
                "other": args.other,
                "other_sensitivity": args.other_sensitivity,
                "threshold": args.threshold,
            },
            "missing_from_photos": len(missing),
            **figures,
            # each photo's album, for benchmarks/real_photos_compare.py
            "rows": [{k: row[k] for k in ("label", "file", "column")} for row in rows],
        }
        args.json_out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
