"""The Intel scene data set: listing, duplicate removal, train/validation split, image decoding.

Images are resized exactly as the app does it (PIL bilinear to S x S, after a centre square crop
that is a no-op for the 150x150 data set) so training and the app see the same pixels.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

log = logging.getLogger(__name__)

CLASSES = ("buildings", "forest", "glacier", "mountain", "sea", "street")
SPLIT_SEED = 20261123
VAL_FRACTION = 0.1


@dataclass
class Photos:
    """Labelled photos: paths relative to the data root, and class indices."""

    root: Path
    paths: list[str]
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.paths)

    def subset(self, index: np.ndarray | Sequence[int]) -> Photos:
        index = np.asarray(index, dtype=np.int64)
        return Photos(self.root, [self.paths[i] for i in index], self.labels[index])

    def absolute(self) -> list[Path]:
        return [self.root / p for p in self.paths]


@dataclass
class Duplicates:
    """Byte-identical pairs from `intel-duplicates.tsv`, as relative paths (`seg_train/...`)."""

    pairs: list[tuple[str, str, bool]] = field(default_factory=list)

    @classmethod
    def read(cls, tsv: Path) -> Duplicates:
        with tsv.open(newline="") as handle:
            rows = csv.DictReader(handle, delimiter="\t")
            return cls([(r["first"], r["second"], r["same_label"] == "True") for r in rows])

    def train_paths_to_drop(self) -> set[str]:
        """Train files to leave out: both copies when labels disagree (no right answer), the
        second copy when they agree, and the train copy of any pair that reaches seg_test."""
        drop: set[str] = set()
        for first, second, same_label in self.pairs:
            crosses = first.startswith("seg_test") != second.startswith("seg_test")
            if crosses:
                drop.update(p for p in (first, second) if p.startswith("seg_train"))
            elif same_label:
                drop.add(second)
            else:
                drop.update((first, second))
        return {p for p in drop if p.startswith("seg_train")}

    def test_paths_crossing(self) -> set[str]:
        """seg_test files whose exact bytes also sit in seg_train."""
        found = set()
        for first, second, _ in self.pairs:
            if first.startswith("seg_test") != second.startswith("seg_test"):
                found.update(p for p in (first, second) if p.startswith("seg_test"))
        return found


def list_split(root: Path, split: str, classes: Sequence[str] = CLASSES) -> Photos:
    """All `root/split/<class>/*.jpg`, sorted, as paths relative to `root`."""
    paths: list[str] = []
    labels: list[int] = []
    for label, name in enumerate(classes):
        folder = root / split / name
        if not folder.is_dir():
            raise FileNotFoundError(f"Missing class folder {folder}")
        files = sorted(folder.glob("*.jpg"), key=lambda p: p.name)
        paths.extend(f"{split}/{name}/{f.name}" for f in files)
        labels.extend([label] * len(files))
    return Photos(root, paths, np.asarray(labels, dtype=np.int64))


def file_md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def fingerprint(photos: Photos) -> str:
    """sha256 over the sorted (relative path, md5) pairs of the files used."""
    digest = hashlib.sha256()
    for rel in sorted(photos.paths):
        digest.update(f"{rel}\t{file_md5(photos.root / rel)}\n".encode())
    return digest.hexdigest()


def stratified_split(
    labels: np.ndarray, fraction: float, seed: int = SPLIT_SEED
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held out) with `fraction` of every class held out."""
    rng = np.random.default_rng(seed)
    held: list[np.ndarray] = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        count = int(round(fraction * len(members)))
        held.append(rng.choice(members, size=count, replace=False))
    held_out = np.sort(np.concatenate(held))
    keep = np.setdiff1d(np.arange(len(labels)), held_out)
    return keep, held_out


@dataclass
class DataSplits:
    train: Photos
    val: Photos
    test: Photos
    test_crossing: np.ndarray  # bool mask over test: bytes also present in seg_train
    duplicates_dropped: int


def make_splits(data_root: Path, duplicates_tsv: Path, sample_dir: Path | None) -> DataSplits:
    """Train/validation from seg_train (duplicates dropped), seg_test untouched for reporting.

    The app's test photos (`intel-sample`, drawn from seg_train) always go to validation, so the
    shipped model is never tested on photos it was trained on.
    """
    duplicates = Duplicates.read(duplicates_tsv)
    full = list_split(data_root, "seg_train")
    drop = duplicates.train_paths_to_drop()
    kept = np.asarray([i for i, p in enumerate(full.paths) if p not in drop])
    dropped = len(full) - len(kept)
    pool = full.subset(kept)

    train_idx, val_idx = stratified_split(pool.labels, VAL_FRACTION)
    if sample_dir is not None and sample_dir.is_dir():
        sample_md5 = {file_md5(p) for p in sample_dir.glob("*/*.jpg")}
        in_sample = np.asarray([file_md5(pool.root / p) in sample_md5 for p in pool.paths])
        log.info(
            "%d intel-sample photos found in seg_train, kept out of training", int(in_sample.sum())
        )
        val_idx = np.union1d(val_idx, np.flatnonzero(in_sample))
        train_idx = np.setdiff1d(train_idx, val_idx)

    test = list_split(data_root, "seg_test")
    crossing = duplicates.test_paths_crossing()
    test_crossing = np.asarray([p in crossing for p in test.paths])
    return DataSplits(pool.subset(train_idx), pool.subset(val_idx), test, test_crossing, dropped)


def load_photo(path: Path, size: int) -> np.ndarray:
    """Decode like the app: EXIF orientation, RGB, centre square crop, bilinear resize."""
    with Image.open(path) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        width, height = image.size
        side = min(width, height)
        if width != height:
            left, top = (width - side) // 2, (height - side) // 2
            image = image.crop((left, top, left + side, top + side))
        return np.asarray(image.resize((size, size), Image.BILINEAR), dtype=np.uint8)


def load_photos(paths: Sequence[Path], size: int, workers: int = 2) -> np.ndarray:
    """(N, size, size, 3) uint8 array of the photos, decoded in a small thread pool."""
    with ThreadPoolExecutor(workers) as pool:
        return np.stack(list(pool.map(lambda p: load_photo(p, size), paths)))


def load_sources(paths: Sequence[Path], workers: int = 2) -> list[Image.Image]:
    """Decoded RGB photos at their own size (augmentation works on these)."""

    def _open(path: Path) -> Image.Image:
        with Image.open(path) as image:
            return ImageOps.exif_transpose(image).convert("RGB")

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(_open, paths))
