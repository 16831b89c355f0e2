"""Cache what the frozen front of the backbone computes, once per photo view.

Training on 2 CPU cores cannot afford the full network per step, so every view of every photo
(clean, mirrored, randomly augmented) goes through the ImageNet backbone once. We keep the
activation entering block `first_block` (to fine-tune the last blocks) and the pooled features
(for the linear baseline). The front runs through TFLite, which is ~2x faster here than Keras.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

from model_training import efficientnet_lite

log = logging.getLogger(__name__)

BATCH = 32


def activation_layer_name(model, block: int) -> str:
    """Name of the layer whose output enters `block`."""
    names = {layer.name for layer in model.layers}
    previous = block - 1
    return (
        f"block{previous}_add" if f"block{previous}_add" in names else f"block{previous}_project_bn"
    )


def build_front(variant: str, input_size: int, first_block: int):
    """Keras model image -> (activation entering `first_block`, pooled features), ImageNet
    weights. Returns the model."""
    import keras

    backbone = efficientnet_lite.build_model(
        variant, input_size, 1000, logits_name="imagenet_logits"
    )
    state = efficientnet_lite.load_torch_state_dict(variant)
    efficientnet_lite.assign_torch_weights(backbone, variant, state)
    inner = backbone.get_layer(activation_layer_name(backbone, first_block)).output
    pooled = backbone.get_layer("avg_pool").output
    return keras.Model(backbone.input, {"activation": inner, "pooled": pooled}, name="front")


def to_tflite(model, optimise: bool = False) -> bytes:
    """Convert a Keras model through a SavedModel (keeps weights as constants, so XNNPACK runs
    it; direct concrete-function conversion left them as variables and ran 6x slower)."""
    import tensorflow as tf

    with tempfile.TemporaryDirectory() as tmp:
        model.export(tmp, format="tf_saved_model", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(tmp)
        if optimise:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        return converter.convert()


class TFLiteRunner:
    """Batched inference through a TFLite model with a dynamic batch dimension."""

    def __init__(
        self, model_content: bytes | None = None, model_path: Path | None = None, threads: int = 2
    ) -> None:
        import tensorflow as tf

        self.interpreter = tf.lite.Interpreter(
            model_content=model_content,
            model_path=str(model_path) if model_path else None,
            num_threads=threads,
        )
        self.runner = self.interpreter.get_signature_runner()
        self.input_name = next(iter(self.runner.get_input_details()))

    def __call__(self, batch: np.ndarray) -> dict[str, np.ndarray]:
        return self.runner(**{self.input_name: batch.astype(np.float32)})


def augment(image: Image.Image, rng: np.random.Generator, size: int) -> np.ndarray:
    """One random training view: crop, mirror, small rotation, lighting/colour jitter."""
    width, height = image.size
    if rng.random() < 0.5:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    angle = rng.uniform(-10, 10)
    if abs(angle) > 1:
        # Rotate then keep the centre so no black corners enter the view.
        image = image.rotate(angle, resample=Image.BILINEAR)
        margin = int(np.ceil(width * np.sin(np.radians(abs(angle))) / 1.6))
        image = image.crop((margin, margin, width - margin, height - margin))
        width, height = image.size
    scale = rng.uniform(0.55, 1.0)
    ratio = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
    crop_w = int(min(width, round(width * np.sqrt(scale * ratio))))
    crop_h = int(min(height, round(height * np.sqrt(scale / ratio))))
    left = int(rng.integers(0, width - crop_w + 1))
    top = int(rng.integers(0, height - crop_h + 1))
    image = image.crop((left, top, left + crop_w, top + crop_h))
    image = image.resize((size, size), Image.BILINEAR)
    for enhancer in (ImageEnhance.Brightness, ImageEnhance.Contrast, ImageEnhance.Color):
        image = enhancer(image).enhance(rng.uniform(0.75, 1.25))
    return np.asarray(image, dtype=np.uint8)


def run_front(runner: TFLiteRunner, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(activations as float16, pooled features as float32) for uint8 images."""
    activations, pooled = [], []
    for start in range(0, len(images), BATCH):
        out = runner(images[start : start + BATCH])
        activations.append(out["activation"].astype(np.float16))
        pooled.append(out["pooled"].astype(np.float32))
    return np.concatenate(activations), np.concatenate(pooled)


def cache_view(
    cache: Path, key: str, make_images: Callable[[], np.ndarray], runner: TFLiteRunner
) -> None:
    """Compute and store `<key>_act.npy` and `<key>_pooled.npy` unless already cached."""
    act_file, pooled_file = cache / f"{key}_act.npy", cache / f"{key}_pooled.npy"
    if act_file.exists() and pooled_file.exists():
        log.info("cached: %s", key)
        return
    images = make_images()
    activations, pooled = run_front(runner, images)
    # Write to a temporary name first, so an interrupted run never leaves a short file behind.
    for target, array in ((act_file, activations), (pooled_file, pooled)):
        partial = target.with_suffix(".partial.npy")
        np.save(partial, array)
        partial.replace(target)
    log.info("cached %s: %s", key, activations.shape)


def augmented_views(sources: Sequence[Image.Image], size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.stack([augment(image, rng, size) for image in sources])
