"""The gate stage's feature cache is only reused for the model it was made with."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from model_training import gate
from model_training.config import TrainingConfig

REPO = Path(__file__).parents[2]


def test_cached_gate_features_belong_to_one_model(sample_dir: Path, tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    for path in (REPO / "assets" / "model").iterdir():
        if path.name != "metadata.json":
            (model / path.name).symlink_to(path)
    metadata = json.loads((REPO / "assets" / "model" / "metadata.json").read_text())
    (model / "metadata.json").write_text(json.dumps(metadata))
    photos = tmp_path / "real"
    for label in ("mountain", "people"):
        (photos / label).mkdir(parents=True)
        for source in sorted((sample_dir / "mountain").glob("*.jpg"))[:2]:
            (photos / label / source.name).symlink_to(source)
    (photos / "people" / "empty.jpg").write_bytes(b"")  # not read, but part of the listing
    config = TrainingConfig(cache_root=tmp_path / "cache", model_dir=model)
    cache = config.cache_root / "gate" / "real.npz"

    first, labels = gate.real_features(config, photos)
    assert first.shape[:2] == (4, 4) and sorted(set(labels)) == ["mountain", "people"]
    made = cache.stat().st_mtime_ns
    again, _ = gate.real_features(config, photos)  # same model, same files: from the cache
    assert cache.stat().st_mtime_ns == made and np.array_equal(first, again)

    metadata["version"] = "9.9.9-another"  # a new model: its features are computed again
    (model / "metadata.json").write_text(json.dumps(metadata))
    gate.real_features(config, photos)
    assert cache.stat().st_mtime_ns != made
    assert str(np.load(cache)["model"]).startswith("9.9.9-another ")
