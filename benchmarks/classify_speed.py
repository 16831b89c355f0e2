"""How fast the shipped scene model classifies photos on this machine, per inference path.

Usage: python benchmarks/classify_speed.py [--photos DIR] [--threads N] [--repeats N]

Loads the model from assets/model through the same files the app uses (metadata.json,
scene_model.keras, scene_model.tflite and, where the int8 stage made one, scene_model_int8.tflite)
and times it on real photos, already decoded and resized (decode + resize is timed on its own
line). Wall-clock and CPU time (all threads) per photo. Then LiteRT fp32 and int8 side by side on
the same photos. Prints tables; asserts nothing.
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
        return np.asarray(image.resize((size, size), Image.BILINEAR), dtype=np.uint8)


def keras_predictor(metadata: dict) -> Callable[[np.ndarray], np.ndarray]:
    import keras

    model = keras.models.load_model(MODEL_DIR / metadata["files"]["keras"])
    return lambda batch: np.asarray(model.predict_on_batch(batch))


def tflite_predictor(
    metadata: dict, threads: int, file_key: str = "tflite"
) -> Callable[[np.ndarray], np.ndarray]:
    """The LiteRT file's features; an int8 file takes the uint8 pixels as they are (its input
    quantisation is exact: scale 1) and gives its two outputs, joined as the app joins them."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        import tensorflow as tf

        Interpreter = tf.lite.Interpreter  # noqa: N806
    interpreter = Interpreter(
        model_path=str(MODEL_DIR / metadata["files"][file_key]), num_threads=threads
    )
    source = interpreter.get_input_details()[0]["index"]
    dtype = interpreter.get_input_details()[0]["dtype"]
    outputs = interpreter.get_signature_runner().get_output_details()
    names = [n for n in ("pooled", "mid") if n in outputs] or sorted(outputs)[:1]
    targets = [outputs[n]["index"] for n in names]
    shape: list[int] = []

    def predict(batch: np.ndarray) -> np.ndarray:
        if list(batch.shape) != shape:
            interpreter.resize_tensor_input(source, list(batch.shape))
            interpreter.allocate_tensors()
            shape[:] = batch.shape
        interpreter.set_tensor(source, np.ascontiguousarray(batch, dtype=dtype))
        interpreter.invoke()
        return np.concatenate([interpreter.get_tensor(t) for t in targets], axis=1)

    return predict


def photos_per_second(
    predict: Callable[[np.ndarray], np.ndarray], images: np.ndarray, batch: int, repeats: int
) -> tuple[float, float]:
    """Photos per second (wall clock) and CPU milliseconds per photo (all threads), of the best
    of `repeats` passes over the photos (the least disturbed by other work on the machine)."""
    usable = len(images) // batch * batch
    predict(images[:batch])  # warm-up: allocation, graph tracing
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        for start in range(0, usable, batch):
            predict(images[start : start + batch])
        elapsed = time.perf_counter() - started
        if elapsed < best:
            best, best_cpu = elapsed, time.process_time() - cpu_started
    return usable / best, 1000 * best_cpu / usable


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
    pixels = np.stack([load_photo(p, size) for p in paths])
    decode_rate = len(paths) / (time.perf_counter() - started)
    images = pixels.astype(np.float32)  # what the float paths take

    print(
        f"model {metadata['version']}  input {size}px  photos {len(paths)} from {args.photos}"
        f"  threads {args.threads}"
    )
    print(f"{'path':<11} {'batch':>5} {'photos/s':>10} {'ms/photo':>10} {'CPU ms':>8}")
    print(f"{'decode':<11} {1:>5} {decode_rate:>10.1f} {1000 / decode_rate:>10.2f}")
    paths_to_time = {
        "keras": (keras_predictor(metadata), images),
        "tflite": (tflite_predictor(metadata, args.threads), images),
    }
    if "tflite_int8" in metadata["files"]:
        paths_to_time["tflite-int8"] = (
            tflite_predictor(metadata, args.threads, "tflite_int8"),
            pixels,
        )
    measured: dict[tuple[str, int], tuple[float, float]] = {}
    for name, (predict, inputs) in paths_to_time.items():
        for batch in (1, 32):
            # Batch 1 is slow on the Keras path; a quarter of the photos is enough to time it.
            subset = inputs[: len(inputs) // 4] if batch == 1 and name == "keras" else inputs
            rate, cpu_ms = photos_per_second(predict, subset, batch, args.repeats)
            measured[name, batch] = rate, cpu_ms
            print(f"{name:<11} {batch:>5} {rate:>10.1f} {1000 / rate:>10.2f} {cpu_ms:>8.2f}")

    if "tflite-int8" in paths_to_time:
        ships = metadata.get("int8", {}).get("ships")
        print(
            f"\nLiteRT fp32 vs int8, same {len(pixels)} photos, {args.threads} threads "
            f"(int8 ships: {ships})"
        )
        print(f"{'':<22} {'fp32':>8} {'int8':>8} {'int8 gain':>10}")
        rows = (
            ("CPU ms/photo, batch 1", 1, 1),
            ("CPU ms/photo, batch 32", 32, 1),
            ("photos/s, batch 32", 32, 0),
        )
        for label, batch, column in rows:
            fp32, int8 = measured["tflite", batch][column], measured["tflite-int8", batch][column]
            ratio = fp32 / int8 if column else int8 / fp32
            print(f"{label:<22} {fp32:>8.2f} {int8:>8.2f} {ratio:>9.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
