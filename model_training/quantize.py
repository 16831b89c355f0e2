"""Stage `int8`: a full-integer copy of the shipped feature model, for the CPU app.

From the shipped Keras model (no retraining) it writes ``assets/model/scene_model_int8.tflite``:
the same features as ``scene_model.tflite`` (adaptation.feature_model), every op int8, calibrated
on photos of the Intel *training* split (stratified by scene, decoded like the app). Its input
is uint8 pixels (0..255 quantise exactly, scale 1), so the app passes its pixels as they are.
Its outputs are two float32 tensors, ``pooled`` and ``mid``, each dequantised with its own scale:
the 1280 pooled features (0..6 after ReLU6) and block 11's averages (signed, wider) would share
one scale in a concatenation, and the pooled ones, which the head and the gate read, would lose
most of their resolution.

The stage then runs both files on all of ``seg_test`` with the shipped head, feature norm and
gate, and records in metadata.json whether the int8 file ships. The app runs it with a second
look: a verdict of the int8 file that does not stand (``gate.clear_verdict``: Unsorted, under
the threshold, or a scene the gate is unsure of) is made again by the fp32 file, so the rule
judges that pair: it ships only if its accuracy is at least ``MIN_ACCURACY`` and at most
``MAX_LOSS`` below the fp32 file's. The GPU path (Keras) is untouched.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from model_training import adaptation, data, export, pipeline
from model_training.config import TrainingConfig

log = logging.getLogger(__name__)

INT8_FILE = "scene_model_int8.tflite"
CALIBRATION_PER_CLASS = 50
MIN_ACCURACY = 0.94
MAX_LOSS = 0.003
SEED = 20261201
BATCH = 32


def int8_feature_model(full):  # type: ignore[no-untyped-def]
    """adaptation.feature_model with its two parts as separate outputs (see the docstring)."""
    import keras

    pooled = full.get_layer("avg_pool").output
    mid_layer = full.get_layer(adaptation.MID_LAYER).output
    mid = keras.layers.GlobalAveragePooling2D(name="mid_pool")(mid_layer)
    return keras.Model(full.input, {"pooled": pooled, "mid": mid}, name="features_int8")


def to_int8_tflite(model, calibration: np.ndarray) -> bytes:  # type: ignore[no-untyped-def]
    """Full-integer conversion (TFLITE_BUILTINS_INT8, per-channel weights), uint8 input and
    float32 outputs, activation ranges from ``calibration`` (uint8 photos)."""
    import tensorflow as tf

    def representative() -> Iterator[list[np.ndarray]]:
        for image in calibration:
            yield [image[None].astype(np.float32)]

    with tempfile.TemporaryDirectory() as tmp:
        model.export(tmp, format="tf_saved_model", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(tmp)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.uint8
        converter.inference_output_type = tf.float32
        blob: bytes = converter.convert()
        return blob


class FeatureRunner:
    """Features (N, 1472) float32 from uint8 photos through a TFLite file, fp32 or int8:
    quantises the input where the file wants integers, joins named outputs in the order
    pooled, mid (the order of ``adaptation.feature_model``)."""

    def __init__(self, path: Path, threads: int = 2) -> None:
        import tensorflow as tf

        self.interpreter = tf.lite.Interpreter(model_path=str(path), num_threads=threads)
        self.source = self.interpreter.get_input_details()[0]
        outputs = self.interpreter.get_signature_runner().get_output_details()
        order = [name for name in ("pooled", "mid") if name in outputs] or sorted(outputs)
        self.targets = [outputs[name]["index"] for name in order]
        self.batch = 0

    def quantised(self, pixels: np.ndarray) -> np.ndarray:
        dtype = self.source["dtype"]
        if dtype == np.float32:
            return pixels.astype(np.float32)
        scale, zero_point = self.source["quantization"]
        info = np.iinfo(dtype)
        values = np.round(pixels.astype(np.float32) / scale + zero_point)
        return np.clip(values, info.min, info.max).astype(dtype)

    def __call__(self, pixels: np.ndarray) -> np.ndarray:
        if len(pixels) != self.batch:
            self.interpreter.resize_tensor_input(self.source["index"], list(pixels.shape))
            self.interpreter.allocate_tensors()
            self.batch = len(pixels)
        self.interpreter.set_tensor(self.source["index"], self.quantised(pixels))
        self.interpreter.invoke()
        parts = [self.interpreter.get_tensor(index) for index in self.targets]
        return np.concatenate(parts, axis=1).astype(np.float32)


def photo_features(runner: FeatureRunner, photos: data.Photos, size: int) -> np.ndarray:
    paths = photos.absolute()
    out = []
    for start in range(0, len(paths), BATCH):
        out.append(runner(data.load_photos(paths[start : start + BATCH], size)))
    return np.concatenate(out)


def build(
    config: TrainingConfig, per_class: int = CALIBRATION_PER_CLASS, model_dir: Path | None = None
) -> dict:
    import keras

    from cene_desktop.core import gate as scene_gate
    from cene_desktop.core.classifier import ModelInfo, softmax

    model_dir = model_dir or config.model_dir
    meta_path = model_dir / export.METADATA_FILE
    metadata = json.loads(meta_path.read_text())
    record = pipeline.prepare_splits(config)
    if record["fingerprint"] != metadata["training_data"]["fingerprint"]:
        raise RuntimeError("the data set differs from the one the shipped model was trained on")
    size = int(metadata["input_size"])

    train_photos = pipeline.split_photos(config, record, "train")
    chosen = train_photos.subset(adaptation.stratified_draw(train_photos.labels, per_class, SEED))
    calibration = data.load_photos(chosen.absolute(), size)
    full = keras.saving.load_model(model_dir / metadata["files"]["keras"], compile=False)
    blob = to_int8_tflite(int8_feature_model(full), calibration)
    target = model_dir / INT8_FILE
    partial = target.with_suffix(".partial")
    partial.write_bytes(blob)

    int8_runner = FeatureRunner(partial)
    scale, zero_point = int8_runner.source["quantization"]
    input_type = np.dtype(int8_runner.source["dtype"]).name
    exact = {"uint8": (1.0, 0), "int8": (1.0, -128)}.get(input_type)
    if input_type != "float32" and (scale, zero_point) != exact:
        log.warning(
            "int8 input quantisation is not exact: scale %s, zero point %s", scale, zero_point
        )

    info = ModelInfo.load(model_dir)
    head, gate = info.shipped_head(), info.shipped_gate()
    norm = info.feature_norm()
    offset, spread = norm if norm is not None else (np.float32(0), np.float32(1))
    pooled = int(metadata["features"]["pooled"])
    normal = float(metadata["gate"]["thresholds"]["normal"]) if gate is not None else 0.0

    test = pipeline.split_photos(config, record, "test")
    verdicts = {}
    for name, path in (("fp32", model_dir / metadata["files"]["tflite"]), ("int8", partial)):
        features = (photo_features(FeatureRunner(path), test, size) - offset) / spread
        predicted = head.logits(features).argmax(axis=1)
        scene = gate.scene_probability(features) if gate is not None else np.ones(len(test))
        confidence = softmax(head.logits(features), info.temperature).max(axis=1)
        clear = {
            line: np.array(
                [
                    scene_gate.clear_verdict(
                        float(c), float(p), info.default_threshold, None if off else normal
                    )
                    for c, p in zip(confidence, scene, strict=True)
                ]
            )
            for line, off in (("off", True), ("normal", gate is None))
        }
        verdicts[name] = (predicted, scene >= normal, features, clear)
        log.info("%s: seg_test accuracy %.4f", name, float((predicted == test.labels).mean()))

    (fp32_pred, fp32_scene, fp32_x, _), (int8_pred, int8_scene, int8_x, int8_clear) = (
        verdicts.values()
    )
    fp32_acc = float((fp32_pred == test.labels).mean())
    int8_acc = float((int8_pred == test.labels).mean())
    # As `cene sort --other off` runs it, where every photo goes to a scene album or Unsorted:
    # the int8 verdicts that do not stand (Unsorted) made again by the fp32 file.
    paired = np.where(int8_clear["off"], int8_pred, fp32_pred)
    paired_acc = float((paired == test.labels).mean())
    # With the gate at normal (the default), among the photos it keeps out of Other.
    kept = int8_scene
    with_gate = np.where(int8_clear["normal"], int8_pred, fp32_pred)
    figures = {
        "seg_test_accuracy_with_second_look": round(paired_acc, 4),
        "second_look_share": round(float(1 - int8_clear["off"].mean()), 4),
        "seg_test_kept_by_gate_normal": int(kept.sum()),
        "seg_test_accuracy_kept_with_second_look": round(
            float((with_gate[kept] == test.labels[kept]).mean()), 4
        ),
        "seg_test_accuracy_kept_fp32": round(
            float((fp32_pred[kept] == test.labels[kept]).mean()), 4
        ),
        "second_look_share_gate_normal": round(float(1 - int8_clear["normal"].mean()), 4),
        "seg_test_accuracy": round(int8_acc, 4),
        "seg_test_accuracy_fp32": round(fp32_acc, 4),
        "top_class_agreement": round(float((fp32_pred == int8_pred).mean()), 4),
        "gate_agreement_normal": round(float((fp32_scene == int8_scene).mean()), 4),
        # Mean absolute difference of the standardised features, each part on its own.
        "feature_error_pooled": round(float(np.abs(fp32_x - int8_x)[:, :pooled].mean()), 4),
        "feature_error_mid": round(float(np.abs(fp32_x - int8_x)[:, pooled:].mean()), 4),
        "seg_test_photos": len(test),
        "calibration_photos": f"{len(chosen)} Intel training photos, {per_class} per class, "
        f"seed {SEED}",
        "input": f"{input_type} NHWC RGB 0..255 (scale {scale:g}, zero point {zero_point})",
        "outputs": "pooled (N, 1280) and mid (N, 192), float32; features = concat(pooled, mid)",
        "rule": f"ships if seg_test accuracy with the fp32 second look (gate off) >= "
        f"{MIN_ACCURACY} and at most {MAX_LOSS} below fp32, and with the gate at normal at most "
        f"{MAX_LOSS} below fp32 on the photos it keeps",
    }
    # Rounded so that a loss of exactly MAX_LOSS (9 photos of 3,000) is not lost to float error.
    loss = round(fp32_acc - paired_acc, 6)
    kept_loss = round(
        figures["seg_test_accuracy_kept_fp32"] - figures["seg_test_accuracy_kept_with_second_look"],
        6,
    )
    figures["ships"] = (
        round(paired_acc, 6) >= MIN_ACCURACY and loss <= MAX_LOSS and kept_loss <= MAX_LOSS
    )
    partial.replace(target)
    metadata["files"]["tflite_int8"] = INT8_FILE
    metadata["int8"] = figures
    meta_path.write_text(json.dumps(metadata, indent=2) + "\n")
    log.info("int8 model: %s", json.dumps(figures))
    return metadata
