"""Lay out Cene's real-photo evaluation set from the git mirrors of the repositories it came from.

The photos are real ones published in public GitHub repositories (photo blogs, personal sites,
test assets of photo apps, computer-vision data sets). real_photos_manifest.csv, next to this
file, names each one by repository, commit and path, with the SHA-256 of its bytes, its label
(what it shows), its kind (``scene``: one of the six scene albums; ``other``: anything else)
and its split (``fit``: a gate may be fitted on it; ``eval``: it is only ever measured). The
photos themselves are not committed to this repository: many of those repositories state no
licence, so they are read from the repositories' own history instead.

Fetch the git mirror of each repository first, one folder per repository named OWNER+NAME
holding a git directory at ``repo`` or ``repo/.git``: ``fetch github:OWNER/NAME`` in the project's
tooling puts one under /work/.mirror, and ``git clone --mirror https://github.com/OWNER/NAME
MIRRORS/OWNER+NAME/repo`` makes the same anywhere. Repositories not fetched are listed (with the
fetch to run) and skipped.

Usage:
    python benchmarks/lay_out_real_photos.py MIRRORS DEST [--split eval|fit|all] [--labels a,b]

writes DEST/LABEL/OWNER__NAME__path__with__slashes__as__underscores for each photo, checking
its SHA-256 against the manifest (a mismatch is reported and the file not written). Files
already there with the right bytes are left alone, so it can be run again at no cost.

    python benchmarks/lay_out_real_photos.py --make-manifest SHARED_CSV MIRRORS

(re)writes the manifest from a list of photos (columns repo,commit,path,label,...), reading
each blob to hash it. Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

MANIFEST = Path(__file__).resolve().with_name("real_photos_manifest.csv")
COLUMNS = ("repo", "commit", "path", "sha256", "label", "kind", "split")
SCENE_LABELS = frozenset(
    ("buildings", "forest", "glacier", "glacier-like", "mountain", "sea", "street")
)
#: Left out of the set: photos labelled ambiguous (no one right album) and frames from fixed
#: traffic cameras.
EXCLUDED_LABELS = frozenset(("ambiguous", "vehicle-fixed-camera"))
#: Photos from these repositories are only ever measured; the rest may be used for fitting.
#: Whole repositories go one way or the other, so photos from one source (one photographer, one
#: camera, one trip) are never on both sides.
EVAL_REPOS = frozenset(
    (
        "andyv133/andyv133.github.io",
        "hajalae/hajalae.github.io",
        "pesfandiar/pesfandiar.github.io",
        "photoprism/photoprism",
        "noviciate/rmnnxn",
        "zzzDavid/ICDAR-2019-SROIE",
        "adaluong/adaluong.github.io",
        "mps75/exit_industries",
        "bretthannigan/bretthannigan.github.io",
        "MikeKovarik/exifr",
        "saif42799/EmadsWebsite",
        "ageitgey/face_recognition",
        "DepthAnything/Depth-Anything-V2",
        "elementary/wallpapers",
        "openMVG/ImageDataset_SceauxCastle",
        # added December 3rd, 2026, to give the eval split more scenes
        "GjjvdBurg/HugoPhotoSwipe-Demo",
        "annejohnson/annejohnson.github.io",
        "brookshelley/brookshelley.github.com",
        "hauke96/the-green-spot",
        "jacobproffer/blog",
        "luanfujun/deep-photo-styletransfer",
        "nk412/nk412.github.io",
        "nmlau/octopress",
        "norrskensleder/norrskensleder.github.io",
        "ourmusings/blog.io",
        "poeschko/longwayhome",
        "ruib/ruib.github.io",
        "vseventer/markmyjourney",
    )
)
SPLITS = ("eval", "fit", "all")


def kind_of(label: str) -> str:
    return "scene" if label in SCENE_LABELS else "other"


def split_of(repo: str) -> str:
    return "eval" if repo in EVAL_REPOS else "fit"


def file_name(repo: str, path: str) -> str:
    """The name a photo is laid out under: OWNER__NAME__dir__file.ext."""
    return repo.replace("/", "__") + "__" + path.replace("/", "__")


def read_manifest(manifest: Path = MANIFEST) -> list[dict[str, str]]:
    with manifest.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def select(
    rows: Iterable[dict[str, str]], split: str = "all", labels: Iterable[str] | None = None
) -> list[dict[str, str]]:
    wanted = set(labels) if labels else None
    return [
        row
        for row in rows
        if (split == "all" or row["split"] == split) and (wanted is None or row["label"] in wanted)
    ]


def git_dir(mirrors: Path, repo: str) -> Path | None:
    """The git directory of ``repo``'s mirror under ``mirrors``, or None if not fetched."""
    base = mirrors / repo.replace("/", "+") / "repo"
    git = base / ".git" if (base / ".git").is_dir() else base
    return git if (git / "HEAD").exists() else None


def read_blobs(git: Path, items: list[tuple[str, str]]) -> Iterator[bytes | None]:
    """The bytes of each (commit, path) in ``items``, in order; None for one the mirror lacks."""
    with subprocess.Popen(
        ["git", "--git-dir", str(git), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        for commit, path in items:
            process.stdin.write(f"{commit}:{path}\n".encode())
            process.stdin.flush()
            head = process.stdout.readline()
            if not head or head.endswith((b" missing\n", b" ambiguous\n")):
                yield None
                continue
            kind, size = head.split()[1:3]
            data = process.stdout.read(int(size))
            process.stdout.read(1)  # the newline after the contents
            yield data if kind == b"blob" else None
        process.stdin.close()


def by_repo(rows: Iterable[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    groups: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        groups.setdefault(row["repo"], []).append(row)
    return dict(sorted(groups.items()))


def fetch_hint(repos: dict[str, int]) -> list[str]:
    return [f"not fetched: {repo} ({n} photos): fetch github:{repo}" for repo, n in repos.items()]


def make_manifest(shared_csv: Path, mirrors: Path, manifest: Path = MANIFEST) -> int:
    """Write ``manifest`` from ``shared_csv``; 0 when every photo could be hashed."""
    with shared_csv.open(newline="", encoding="utf-8") as file:
        rows = [r for r in csv.DictReader(file) if r["label"] not in EXCLUDED_LABELS]
    out: list[dict[str, str]] = []
    not_fetched: dict[str, int] = {}
    absent: list[str] = []
    for repo, items in by_repo(rows).items():
        git = git_dir(mirrors, repo)
        if git is None:
            not_fetched[repo] = len(items)
            continue
        blobs = read_blobs(git, [(r["commit"], r["path"]) for r in items])
        for row, data in zip(items, blobs, strict=True):
            if data is None:
                absent.append(f"{repo} {row['commit']}:{row['path']}")
                continue
            out.append(
                {
                    "repo": repo,
                    "commit": row["commit"],
                    "path": row["path"],
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "label": row["label"],
                    "kind": kind_of(row["label"]),
                    "split": split_of(repo),
                }
            )
    out.sort(key=lambda r: (r["split"], r["repo"], r["path"]))
    with manifest.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(out)
    for line in fetch_hint(not_fetched):
        print(line)
    for item in absent:
        print(f"absent from its mirror: {item}")
    print(f"{len(out)} photos written to {manifest}")
    for (split, kind, label), count in sorted(
        Counter((r["split"], r["kind"], r["label"]) for r in out).items()
    ):
        print(f"  {split:4}  {kind:5}  {label:22} {count:5}")
    return 1 if not_fetched or absent else 0


def lay_out(
    mirrors: Path, dest: Path, rows: list[dict[str, str]]
) -> tuple[int, int, dict[str, int], list[str]]:
    """Write each photo of ``rows`` under ``dest``: (written, already there, repositories not
    fetched with their photo counts, failures)."""
    written = present = 0
    not_fetched: dict[str, int] = {}
    failed: list[str] = []
    for repo, items in by_repo(rows).items():
        todo = []
        for row in items:
            out = dest / row["label"] / file_name(repo, row["path"])
            if out.is_file() and hashlib.sha256(out.read_bytes()).hexdigest() == row["sha256"]:
                present += 1
            else:
                todo.append((row, out))
        if not todo:
            continue
        git = git_dir(mirrors, repo)
        if git is None:
            not_fetched[repo] = len(todo)
            continue
        blobs = read_blobs(git, [(row["commit"], row["path"]) for row, _ in todo])
        for (row, out), data in zip(todo, blobs, strict=True):
            where = f"{repo} {row['commit'][:12]}:{row['path']}"
            if data is None:
                failed.append(f"{where}: absent from the mirror")
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digest != row["sha256"]:
                failed.append(f"{where}: SHA-256 {digest} does not match the manifest's")
                continue
            out.parent.mkdir(parents=True, exist_ok=True)
            partial = out.with_name(out.name + ".partial")
            partial.write_bytes(data)
            partial.replace(out)
            print(f"wrote {out}")
            written += 1
    return written, present, not_fetched, failed


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--make-manifest"]:
        if len(argv) != 3:
            raise SystemExit("usage: lay_out_real_photos.py --make-manifest SHARED_CSV MIRRORS")
        return make_manifest(Path(argv[1]), Path(argv[2]))
    parser = argparse.ArgumentParser(
        description="Lay out the real photos of real_photos_manifest.csv from git mirrors.",
        epilog="Or: --make-manifest SHARED_CSV MIRRORS to rewrite the manifest.",
    )
    parser.add_argument("mirrors", type=Path, help="folder of OWNER+NAME/repo git mirrors")
    parser.add_argument("dest", type=Path, help="where DEST/LABEL/photo files go")
    parser.add_argument("--split", choices=SPLITS, default="all")
    parser.add_argument("--labels", help="comma-separated labels to lay out (default: all)")
    args = parser.parse_args(argv)
    labels = args.labels.split(",") if args.labels else None
    rows = select(read_manifest(), args.split, labels)
    written, present, not_fetched, failed = lay_out(args.mirrors, args.dest, rows)
    for line in fetch_hint(not_fetched):
        print(line)
    for line in failed:
        print(f"failed: {line}")
    print(
        f"{written} photos written to {args.dest}, {present} already there; "
        f"{sum(not_fetched.values())} in {len(not_fetched)} repositories not fetched; "
        f"{len(failed)} failed (of {len(rows)} selected, split {args.split})"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
