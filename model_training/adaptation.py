"""Stage `adaptation`: what the app needs to learn from a person's corrections on device.

From the shipped Keras model (no retraining) it writes into ``assets/model``:

- ``scene_model.tflite`` re-exported to output features instead of logits: the 1280 pooled
  features the head reads, followed by the 192 channels of block 11's output averaged over the
  image (``MID_LAYER``). The shipped head gives the block-11 part zero weight, so the shipped
  predictions are exactly the classifier's; an adapted head may use it. Those mid-level
  statistics (colour, texture) are what lets a head adapt to a camera's own look: on the warm
  colour-cast user of ``benchmarks/learning_gain.py`` the gain from 30 corrections went from
  +3.5 to +5.9 points;
- ``feature_norm.npz``: offset and scale that standardise every feature (identity for the
  pooled ones; the block-11 part from the replay photos), applied by the app to the model's
  output, so one learning rate and one pull towards the shipped weights suit every feature;
- ``head.npz``: the classification layer (kernel 1472x6, bias), applied by the app in NumPy, so
  an adapted head is a 35 KB file and switching heads is exact and instant;
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
NORM_FILE = "feature_norm.npz"
MID_LAYER = "block11_project_bn"
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


def feature_model(full):  # type: ignore[no-untyped-def]
    """The classifier's features: pooled 1280, then block 11's output averaged (same as the
    app builds for its TensorFlow backend, ``cene_desktop.core.classifier``)."""
    import keras

    mid = keras.layers.GlobalAveragePooling2D(name="mid_pool")(full.get_layer(MID_LAYER).output)
    joined = keras.layers.Concatenate(name="features")([full.get_layer("avg_pool").output, mid])
    return keras.Model(full.input, joined, name="features")


def build(
    config: TrainingConfig,
    check_per_class: int = CHECK_PER_CLASS,
    replay_per_class: int = REPLAY_PER_CLASS,
    version: str | None = None,
) -> dict:
    import keras

    model_dir = config.model_dir
    meta_path = model_dir / export.METADATA_FILE
    metadata = json.loads(meta_path.read_text())
    full = keras.saving.load_model(model_dir / metadata["files"]["keras"], compile=False)
    kernel, bias = full.get_layer(train.HEAD_LAYER).get_weights()
    blob = features.to_tflite(feature_model(full))
    runner = features.TFLiteRunner(blob)

    record = pipeline.prepare_splits(config)
    if record["fingerprint"] != metadata["training_data"]["fingerprint"]:
        raise RuntimeError("the data set differs from the one the shipped model was trained on")
    size = int(metadata["input_size"])
    test = pipeline.split_photos(config, record, "test")
    check = test.subset(check_set_indices(record, check_per_class))
    train_photos = pipeline.split_photos(config, record, "train")
    replay = train_photos.subset(stratified_draw(train_photos.labels, replay_per_class, SEED))

    pooled = kernel.shape[0]
    replay_raw = pooled_features(runner, replay, size)
    offset = np.zeros(replay_raw.shape[1], dtype=np.float32)
    scale = np.ones(replay_raw.shape[1], dtype=np.float32)
    offset[pooled:] = replay_raw[:, pooled:].mean(axis=0)
    scale[pooled:] = replay_raw[:, pooled:].std(axis=0) + 1e-3
    kernel = np.concatenate([kernel, np.zeros((len(offset) - pooled, kernel.shape[1]))])
    kernel = kernel.astype(np.float32)

    def standardised(raw: np.ndarray) -> np.ndarray:
        return ((raw - offset) / scale).astype(np.float16)

    # The new file must reproduce the shipped model: features @ head == Keras logits.
    sample = data.load_photos(check.absolute()[:64], size).astype(np.float32)
    keras_logits = full.predict(sample, verbose=0)
    raw = next(iter(runner(sample).values()))
    ours = ((raw - offset) / scale) @ kernel + bias
    disagreement = float(np.abs(keras_logits - ours).max())
    if disagreement > 1e-3:
        raise RuntimeError(f"feature model and Keras logits differ by {disagreement:.2e}")

    check_x = standardised(pooled_features(runner, check, size))
    replay_x = standardised(replay_raw)
    check_acc = float(
        ((check_x.astype(np.float32) @ kernel + bias).argmax(1) == check.labels).mean()
    )
    np.savez(model_dir / HEAD_FILE, kernel=kernel, bias=bias.astype(np.float32))
    np.savez(model_dir / NORM_FILE, offset=offset, scale=scale)
    np.savez(model_dir / CHECK_FILE, features=check_x, labels=check.labels.astype(np.uint8))
    np.savez(model_dir / REPLAY_FILE, features=replay_x, labels=replay.labels.astype(np.uint8))
    (model_dir / export.TFLITE_FILE).write_bytes(blob)

    metadata["output"] = (
        f"features (N, {len(offset)}): {pooled} pooled, then {MID_LAYER} averaged; "
        "standardised = (output - feature_norm.offset) / feature_norm.scale; "
        "logits = standardised @ head.kernel + head.bias"
    )
    metadata["feature_dim"] = len(offset)
    metadata["features"] = {"pooled": int(pooled), "mid_layer": MID_LAYER}
    if version:
        metadata["version"] = version
    metadata["files"].update(
        {
            "head": HEAD_FILE,
            "feature_norm": NORM_FILE,
            "check_set": CHECK_FILE,
            "replay_set": REPLAY_FILE,
        }
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
