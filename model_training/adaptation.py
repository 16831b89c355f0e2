"""Stage `adaptation`: what the app needs to learn from a person's corrections on device.

From the shipped Keras model (no retraining) it writes into ``assets/model``:

- ``scene_model.tflite`` re-exported to output the 1280 pooled features instead of logits;
- ``head.npz``: the classification layer (kernel 1280x6, bias), applied by the app in NumPy, so
  an adapted head is a 30 KB file and switching heads is exact and instant;
- ``check_set.npz``: pooled features and labels of photos from ``seg_test`` (a fixed, stratified
  draw, cross-split duplicates left out): every adapted head must keep its accuracy here;
- ``replay_set.npz``: features and labels drawn from the training split, mixed with the user's
  examples when a head is adapted so that the six scenes do not collapse onto the user's few.

Features are float16 (half the size; the head's accuracy on the check set is unchanged, which
the stage verifies). The rest of ``seg_test`` and the validation split stay out of both sets:
``benchmarks/learning_gain.py`` draws its simulated users from them.
"""

from __future__ import annotations

import json
import logging

import numpy as np

from model_training import data, export, features, pipeline, train
from model_training.config import TrainingConfig

log = logging.getLogger(__name__)

HEAD_FILE = "head.npz"
CHECK_FILE = "check_set.npz"
REPLAY_FILE = "replay_set.npz"
CHECK_PER_CLASS = 300
REPLAY_PER_CLASS = 200
SEED = 20261124


def stratified_draw(labels: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """Sorted indices of ``per_class`` members of every class, drawn at random."""
    rng = np.random.default_rng(seed)
    chosen = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        chosen.append(rng.choice(members, size=min(per_class, len(members)), replace=False))
    return np.sort(np.concatenate(chosen))


def check_set_indices(record: dict, per_class: int = CHECK_PER_CLASS) -> np.ndarray:
    """Which seg_test photos form the check set (the benchmark uses the others)."""
    labels = np.asarray(record["test"]["labels"])
    crossing = np.asarray(record["test"]["crossing"], dtype=bool)
    eligible = np.flatnonzero(~crossing)
    return eligible[stratified_draw(labels[eligible], per_class, SEED)]


def pooled_features(runner: features.TFLiteRunner, photos: data.Photos, size: int) -> np.ndarray:
    return export.predict_photos(runner, photos, size)


def build(
    config: TrainingConfig,
    check_per_class: int = CHECK_PER_CLASS,
    replay_per_class: int = REPLAY_PER_CLASS,
) -> dict:
    import keras

    model_dir = config.model_dir
    meta_path = model_dir / export.METADATA_FILE
    metadata = json.loads(meta_path.read_text())
    full = keras.saving.load_model(model_dir / metadata["files"]["keras"], compile=False)
    feature_model = keras.Model(full.input, full.get_layer("avg_pool").output, name="features")
    kernel, bias = full.get_layer(train.HEAD_LAYER).get_weights()
    blob = features.to_tflite(feature_model)
    runner = features.TFLiteRunner(blob)

    record = pipeline.prepare_splits(config)
    if record["fingerprint"] != metadata["training_data"]["fingerprint"]:
        raise RuntimeError("the data set differs from the one the shipped model was trained on")
    size = int(metadata["input_size"])
    test = pipeline.split_photos(config, record, "test")
    check = test.subset(check_set_indices(record, check_per_class))
    train_photos = pipeline.split_photos(config, record, "train")
    replay = train_photos.subset(stratified_draw(train_photos.labels, replay_per_class, SEED))

    # The new file must reproduce the shipped model: features @ head == Keras logits.
    sample = data.load_photos(check.absolute()[:64], size).astype(np.float32)
    keras_logits = full.predict(sample, verbose=0)
    ours = next(iter(runner(sample).values())) @ kernel + bias
    disagreement = float(np.abs(keras_logits - ours).max())
    if disagreement > 1e-3:
        raise RuntimeError(f"feature model and Keras logits differ by {disagreement:.2e}")

    check_x = pooled_features(runner, check, size).astype(np.float16)
    replay_x = pooled_features(runner, replay, size).astype(np.float16)
    check_acc = float(
        ((check_x.astype(np.float32) @ kernel + bias).argmax(1) == check.labels).mean()
    )
    np.savez(model_dir / HEAD_FILE, kernel=kernel.astype(np.float32), bias=bias.astype(np.float32))
    np.savez(model_dir / CHECK_FILE, features=check_x, labels=check.labels.astype(np.uint8))
    np.savez(model_dir / REPLAY_FILE, features=replay_x, labels=replay.labels.astype(np.uint8))
    (model_dir / export.TFLITE_FILE).write_bytes(blob)

    metadata["output"] = "pooled features (N, 1280); logits = features @ head.kernel + head.bias"
    metadata["feature_dim"] = int(kernel.shape[0])
    metadata["files"].update(
        {"head": HEAD_FILE, "check_set": CHECK_FILE, "replay_set": REPLAY_FILE}
    )
    metadata["learning"] = {
        "check_set": f"{len(check)} seg_test photos, {check_per_class} per class, seed {SEED}, "
        "cross-split duplicates excluded",
        "replay_set": f"{len(replay)} training photos, {replay_per_class} per class",
        "check_accuracy": round(check_acc, 4),
    }
    meta_path.write_text(json.dumps(metadata, indent=2) + "\n")
    log.info(
        "adaptation assets: check accuracy %.4f on %d, replay %d, keras/tflite max diff %.2e",
        check_acc,
        len(check),
        len(replay),
        disagreement,
    )
    return metadata
