"""The training stages, each resumable from what the previous one left in the cache folder."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from model_training import data, features
from model_training.config import TrainingConfig

log = logging.getLogger(__name__)

SPLITS_FILE = "splits.json"


def prepare_splits(config: TrainingConfig) -> dict:
    """Split once and store the lists, so every later stage uses the very same photos."""
    target = config.cache / SPLITS_FILE
    if target.exists():
        return json.loads(target.read_text())
    splits = data.make_splits(config.data_root, config.duplicates_tsv, config.sample_dir)
    record = {
        "classes": list(data.CLASSES),
        "train": {"paths": splits.train.paths, "labels": splits.train.labels.tolist()},
        "val": {"paths": splits.val.paths, "labels": splits.val.labels.tolist()},
        "test": {
            "paths": splits.test.paths,
            "labels": splits.test.labels.tolist(),
            "crossing": splits.test_crossing.tolist(),
        },
        "duplicates_dropped": splits.duplicates_dropped,
        "fingerprint": data.fingerprint(splits.train),
    }
    target.write_text(json.dumps(record))
    log.info(
        "splits: train %d, val %d, test %d (%d crossing), %d duplicates dropped",
        len(splits.train),
        len(splits.val),
        len(splits.test),
        int(splits.test_crossing.sum()),
        splits.duplicates_dropped,
    )
    return record


def split_photos(config: TrainingConfig, record: dict, name: str) -> data.Photos:
    part = record[name]
    return data.Photos(config.data_root, part["paths"], np.asarray(part["labels"]))


def cache_features(config: TrainingConfig, views: int | None = None) -> None:
    """Stage `features`: clean and mirrored views of every split, then augmented train views."""
    record = prepare_splits(config)
    front = features.build_front(config.variant, config.input_size, config.first_block)
    runner = features.TFLiteRunner(features.to_tflite(front))
    size = config.input_size
    for split in ("train", "val", "test"):
        paths = split_photos(config, record, split).absolute()
        loaded: dict[str, np.ndarray] = {}

        def clean(paths=paths, loaded=loaded) -> np.ndarray:
            if "clean" not in loaded:
                loaded["clean"] = data.load_photos(paths, size)
            return loaded["clean"]

        features.cache_view(config.cache, f"{split}_clean", clean, runner)
        features.cache_view(config.cache, f"{split}_flip", lambda c=clean: c()[:, :, ::-1], runner)
    train_paths = split_photos(config, record, "train").absolute()
    sources = None
    for view in range(views if views is not None else config.augmented_views):
        key = f"train_aug{view}"
        if (config.cache / f"{key}_act.npy").exists():
            continue
        if sources is None:
            sources = data.load_sources(train_paths)
        features.cache_view(
            config.cache,
            key,
            lambda v=view, s=sources: features.augmented_views(s, size, seed=1000 + v),
            runner,
        )


def load_view(config: TrainingConfig, key: str, kind: str) -> np.ndarray:
    return np.load(config.cache / f"{key}_{kind}.npy", mmap_mode="r")


def available_aug_views(config: TrainingConfig) -> list[str]:
    return sorted(p.name.removesuffix("_act.npy") for p in config.cache.glob("train_aug*_act.npy"))


def labels_of(record: dict, split: str) -> np.ndarray:
    return np.asarray(record[split]["labels"], dtype=np.int64)


def save_json(path: Path, payload: dict) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(payload, indent=1))
    partial.replace(path)
