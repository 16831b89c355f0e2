"""The training pipeline runs end to end on the sample photos and exports a usable model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from model_training import adaptation, data, export, pipeline, real_finetune, train
from model_training.config import TrainingConfig

TRAIN_PER_CLASS = 30
SIZE = 96  # small input keeps the test fast; the stages do not depend on it


@pytest.fixture(scope="module")
def tiny_dataset(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """seg_train/seg_test laid out from the sample: 30 train and 10 test photos per class,
    plus one byte-identical train/test pair with different labels."""
    root = tmp_path_factory.mktemp("intel")
    for name in data.CLASSES:
        photos = sorted((sample_dir / name).glob("*.jpg"))
        for split, chosen in (
            ("seg_train", photos[:TRAIN_PER_CLASS]),
            ("seg_test", photos[TRAIN_PER_CLASS:]),
        ):
            folder = root / split / name
            folder.mkdir(parents=True)
            for photo in chosen:
                (folder / photo.name).symlink_to(photo)
    crossing = sorted((sample_dir / "buildings").glob("*.jpg"))[0]
    (root / "seg_test" / "street" / "dup.jpg").symlink_to(crossing)
    (root / "duplicates.tsv").write_text(
        "md5\tfirst\tsecond\tsame_label\n"
        f"x\tseg_train/buildings/{crossing.name}\tseg_test/street/dup.jpg\tFalse\n"
    )
    return root


def test_pipeline_trains_and_exports_a_model(tiny_dataset: Path, tmp_path: Path) -> None:
    config = TrainingConfig(
        input_size=SIZE,
        first_block=14,
        augmented_views=1,
        data_root=tiny_dataset,
        duplicates_tsv=tiny_dataset / "duplicates.tsv",
        sample_dir=None,
        cache_root=tmp_path / "cache",
        model_dir=tmp_path / "model",
    )
    pipeline.cache_features(config)
    record = pipeline.prepare_splits(config)
    assert record["duplicates_dropped"] == 1
    assert sum(record["test"]["crossing"]) == 1
    assert not set(record["train"]["paths"]) & set(record["val"]["paths"])

    head = train.train_head(config)
    assert head["val_accuracy"] >= 0.6
    state = train.finetune(config, run="tiny", epochs=1, batch_size=32)
    assert state["epoch"] == 1

    metadata = export.export(config, source="tiny")
    written = json.loads((config.model_dir / "metadata.json").read_text())
    assert written == metadata
    assert written["input_size"] == SIZE
    # 60 test photos the pipeline never trained on, classified by the exported TFLite file.
    assert written["metrics"]["seg_test_accuracy"] >= 0.7

    import keras

    model = keras.models.load_model(config.model_dir / export.KERAS_FILE)
    photo = data.load_photos([tiny_dataset / record["test"]["paths"][0]], SIZE)
    logits = model.predict(photo.astype(np.float32), verbose=0)
    assert logits.shape == (1, len(data.CLASSES))

    # The app's files: a features-only TFLite model and a head, exactly the Keras model.
    adaptation.build(config, check_per_class=5, replay_per_class=5)
    from cene_desktop.core.classifier import SceneClassifier, softmax

    classifier = SceneClassifier(config.model_dir, backend="litert")
    ours = classifier.predict(photo)
    assert np.abs(ours - softmax(logits, classifier.info.temperature)).max() < 1e-3
    assert np.load(config.model_dir / adaptation.CHECK_FILE)["labels"].shape == (30,)

    # Fine-tuning that model further with real scene photos, then interpolating its weights.
    real = tmp_path / "real"
    for name in ("mountain", "sea", "people"):  # people: not a scene (outlier exposure only)
        (real / name).mkdir(parents=True)
        for photo in sorted((tiny_dataset / "seg_test" / "glacier").glob("*.jpg"))[:3]:
            (real / name / photo.name).symlink_to(photo.resolve())
    (real / "sea" / "empty.jpg").write_bytes(b"")  # the app would not sort it: left out
    tuned = real_finetune.finetune_real(
        config, real, "real", epochs=1, real_per_batch=8, distill=0.5, others_per_batch=4
    )
    assert tuned["settings"]["distill"] == 0.5
    assert tuned["settings"]["real_photos"] == 6
    assert tuned["settings"]["other_photos"] == 3  # the people, trained towards no scene
    activations, labels = real_finetune.real_views(config, real)
    assert len(activations) == 6 * real_finetune.VIEWS_PER_PHOTO
    assert sorted(set(labels.tolist())) == [3, 4]  # mountain, sea
    others, other_labels = real_finetune.real_views(config, real, others=True)
    assert len(others) == 3 * real_finetune.VIEWS_PER_PHOTO
    assert set(other_labels.tolist()) == {real_finetune.NOT_A_SCENE}

    scores = real_finetune.interpolate(config, "real", [0.0, 1.0])
    assert scores["real-a00"] == tuned["start_val"]
    assert scores["real-a100"] == tuned["history"][-1]["val_accuracy"]
    start = real_finetune.start_tail(config)
    halfway = train.build_tail(config)
    ends = []
    for name in ("real-a00", "real-a100"):
        halfway.load_weights(train.run_dir(config, name) / "best.weights.h5")
        ends.append(halfway.get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(ends[0], start.get_weights(), strict=True))
    assert any(not np.array_equal(a, b) for a, b in zip(ends[0], ends[1], strict=True))


def test_distilled_targets_mix_the_label_with_what_the_starting_model_said() -> None:
    labels = np.eye(3, dtype=np.float32)[[0, 2]]
    start = np.log(np.array([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]]))
    mixed = real_finetune.intel_targets(labels, start, 0.25)
    expected = [[0.8, 0.125, 0.075], [0.025, 0.025, 0.95]]
    assert np.allclose(mixed, expected, atol=1e-6)
    assert np.allclose(mixed.sum(axis=1), 1.0)
    assert np.array_equal(real_finetune.intel_targets(labels, start, 0.0), labels)
