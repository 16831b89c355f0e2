"""How fast the shipped scene model classifies photos on this machine, per inference path.

Usage: python benchmarks/classify_speed.py [--photos DIR] [--threads N] [--repeats N]

Loads the model from assets/model through the same files the app uses (metadata.json,
scene_model.keras, scene_model.tflite) and times it on real photos, already decoded and resized
(decode + resize is timed on its own line). Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parents[1]
MODEL_DIR = REPO / "assets" / "model"
SAMPLE_DIR = REPO / "tests" / "data" / "intel-sample"


def load_photo(path: Path, size: int) -> np.ndarray:
    """The app's preprocessing: EXIF orientation, RGB, centre square crop, bilinear resize."""
    with Image.open(path) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        side = min(image.size)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        image = image.crop((left, top, left + side, top + side))
        return np.asarray(image.resize((size, size), Image.BILINEAR), dtype=np.float32)


def keras_predictor(metadata: dict) -> Callable[[np.ndarray], np.ndarray]:
    import keras

    model = keras.models.load_model(MODEL_DIR / metadata["files"]["keras"])
    return lambda batch: np.asarray(model.predict_on_batch(batch))


def tflite_predictor(metadata: dict, threads: int) -> Callable[[np.ndarray], np.ndarray]:
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        import tensorflow as tf

        Interpreter = tf.lite.Interpreter  # noqa: N806
    interpreter = Interpreter(
        model_path=str(MODEL_DIR / metadata["files"]["tflite"]), num_threads=threads
    )
    source = interpreter.get_input_details()[0]["index"]
    target = interpreter.get_output_details()[0]["index"]
    shape: list[int] = []

    def predict(batch: np.ndarray) -> np.ndarray:
        if list(batch.shape) != shape:
            interpreter.resize_tensor_input(source, list(batch.shape))
            interpreter.allocate_tensors()
            shape[:] = batch.shape
        interpreter.set_tensor(source, batch)
        interpreter.invoke()
        return interpreter.get_tensor(target)

    return predict


def photos_per_second(
    predict: Callable[[np.ndarray], np.ndarray], images: np.ndarray, batch: int, repeats: int
) -> float:
    """Best of `repeats` passes over the photos (the best pass is the least disturbed by
    other work on the machine)."""
    usable = len(images) // batch * batch
    predict(images[:batch])  # warm-up: allocation, graph tracing
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for start in range(0, usable, batch):
            predict(images[start : start + batch])
        best = min(best, time.perf_counter() - started)
    return usable / best


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, default=SAMPLE_DIR)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    metadata = json.loads((MODEL_DIR / "metadata.json").read_text())
    size = metadata["input_size"]
    paths = sorted(args.photos.glob("*/*.jpg")) or sorted(args.photos.glob("*.jpg"))
    started = time.perf_counter()
    images = np.stack([load_photo(p, size) for p in paths])
    decode_rate = len(paths) / (time.perf_counter() - started)

    print(
        f"model {metadata['version']}  input {size}px  photos {len(paths)} from {args.photos}"
        f"  threads {args.threads}"
    )
    print(f"{'path':<8} {'batch':>5} {'photos/s':>10} {'ms/photo':>10}")
    print(f"{'decode':<8} {1:>5} {decode_rate:>10.1f} {1000 / decode_rate:>10.2f}")
    paths_to_time = {
        "keras": keras_predictor(metadata),
        "tflite": tflite_predictor(metadata, args.threads),
    }
    for name, predict in paths_to_time.items():
        for batch in (1, 32):
            # Batch 1 is slow on the Keras path; a quarter of the photos is enough to time it.
            subset = images[: len(images) // 4] if batch == 1 else images
            rate = photos_per_second(predict, subset, batch, args.repeats)
            print(f"{name:<8} {batch:>5} {rate:>10.1f} {1000 / rate:>10.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
