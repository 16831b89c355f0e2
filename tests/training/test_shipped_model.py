"""The model in assets/model, through both inference paths the app uses, on real photos."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from model_training import calibration, data

MAX_TOTAL_BYTES = 40 * 1024 * 1024
MODEL_DIR = Path(__file__).parents[2] / "assets" / "model"


@pytest.fixture(scope="module")
def metadata() -> dict:
    return json.loads((MODEL_DIR / "metadata.json").read_text())


@pytest.fixture(scope="module")
def sample(sample_dir: Path, metadata: dict) -> tuple[np.ndarray, np.ndarray]:
    classes = metadata["classes"]
    paths = sorted(sample_dir.glob("*/*.jpg"))
    assert len(paths) == 240
    labels = np.asarray([classes.index(p.parent.name) for p in paths])
    images = data.load_photos(paths, metadata["input_size"]).astype(np.float32)
    return images, labels


@pytest.fixture(scope="module")
def keras_logits(sample, metadata) -> np.ndarray:
    import keras

    model = keras.models.load_model(MODEL_DIR / metadata["files"]["keras"])
    return np.asarray(model.predict(sample[0], batch_size=32, verbose=0))


@pytest.fixture(scope="module")
def tflite_logits(sample, metadata) -> np.ndarray:
    import tensorflow as tf

    interpreter = tf.lite.Interpreter(str(MODEL_DIR / metadata["files"]["tflite"]), num_threads=2)
    source, target = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    images = sample[0]
    interpreter.resize_tensor_input(source["index"], [32, *images.shape[1:]])
    interpreter.allocate_tensors()
    out = []
    for start in range(0, len(images), 32):
        batch = images[start : start + 32]
        if len(batch) != 32:
            interpreter.resize_tensor_input(source["index"], list(batch.shape))
            interpreter.allocate_tensors()
        interpreter.set_tensor(source["index"], batch)
        interpreter.invoke()
        out.append(interpreter.get_tensor(target["index"]).copy())
    features = np.concatenate(out)
    assert features.shape[1] == metadata["feature_dim"]
    norm = np.load(MODEL_DIR / metadata["files"]["feature_norm"])
    head = np.load(MODEL_DIR / metadata["files"]["head"])
    return (features - norm["offset"]) / norm["scale"] @ head["kernel"] + head["bias"]


def test_metadata_matches_the_app_contract(metadata: dict) -> None:
    assert metadata["name"] == "cene-scene"
    assert metadata["classes"] == list(data.CLASSES)
    assert metadata["output"].startswith("features")
    files = {"keras", "tflite", "head", "feature_norm", "check_set", "replay_set"}
    assert files <= set(metadata["files"])
    assert 0.05 < metadata["temperature"] < 20
    assert 0.0 < metadata["default_threshold"] < 1.0
    files = [MODEL_DIR / name for name in metadata["files"].values()]
    assert all(f.is_file() for f in files)
    total = sum(f.stat().st_size for f in MODEL_DIR.iterdir() if f.is_file())
    assert total < MAX_TOTAL_BYTES
    for key in (
        "seg_test_accuracy",
        "seg_test_accuracy_without_cross_duplicates",
        "val_accuracy",
        "ece_val_before",
        "ece_val_after",
    ):
        assert 0.0 <= metadata["metrics"][key] <= 1.0


def test_keras_model_takes_images_of_the_declared_size(metadata: dict, keras_logits) -> None:
    assert keras_logits.shape == (240, len(metadata["classes"]))


def test_keras_model_sorts_the_sample_photos(sample, keras_logits) -> None:
    accuracy = (keras_logits.argmax(axis=1) == sample[1]).mean()
    assert accuracy >= 0.90, f"keras accuracy on intel-sample {accuracy:.3f}"


def test_tflite_model_sorts_the_sample_photos(sample, tflite_logits) -> None:
    accuracy = (tflite_logits.argmax(axis=1) == sample[1]).mean()
    assert accuracy >= 0.90, f"tflite accuracy on intel-sample {accuracy:.3f}"


def test_tflite_and_keras_agree(metadata: dict, keras_logits, tflite_logits) -> None:
    temperature = metadata["temperature"]
    difference = np.abs(
        calibration.softmax(keras_logits, temperature)
        - calibration.softmax(tflite_logits, temperature)
    ).max()
    assert difference <= 1e-3


def test_check_set_scores_as_the_metadata_says(metadata: dict) -> None:
    """The check set every adapted model is held to: the shipped head's accuracy on it."""
    head = np.load(MODEL_DIR / metadata["files"]["head"])
    check = np.load(MODEL_DIR / metadata["files"]["check_set"])
    replay = np.load(MODEL_DIR / metadata["files"]["replay_set"])
    logits = check["features"].astype(np.float32) @ head["kernel"] + head["bias"]
    accuracy = float((logits.argmax(axis=1) == check["labels"]).mean())
    assert accuracy == pytest.approx(metadata["learning"]["check_accuracy"], abs=1e-4)
    assert accuracy >= 0.92
    for stored in (check, replay):
        assert np.bincount(stored["labels"]).min() >= 200  # every scene, balanced
        assert stored["features"].shape[1] == metadata["feature_dim"]


def test_the_shipped_head_ignores_the_mid_level_features(metadata: dict) -> None:
    """They are there for adapted heads; the shipped predictions are the classifier's own."""
    head = np.load(MODEL_DIR / metadata["files"]["head"])
    pooled = metadata["features"]["pooled"]
    assert head["kernel"].shape == (metadata["feature_dim"], len(metadata["classes"]))
    assert pooled < metadata["feature_dim"]
    assert not head["kernel"][pooled:].any()
    norm = np.load(MODEL_DIR / metadata["files"]["feature_norm"])
    assert np.array_equal(norm["offset"][:pooled], np.zeros(pooled))
    assert np.array_equal(norm["scale"][:pooled], np.ones(pooled))
