"""Stage `convert`: prove the Keras port computes what the PyTorch original computes.

Both models get the same real photos; we report the largest absolute difference of the ImageNet
logits and how often their top-1 classes agree.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from model_training import data, efficientnet_lite
from model_training.config import TrainingConfig

log = logging.getLogger(__name__)


def compare_with_torch(
    variant: str, input_size: int, images: np.ndarray, state: dict[str, np.ndarray] | None = None
) -> dict:
    """ImageNet logits of the Keras port vs the PyTorch model on `images` (uint8/float NHWC).

    With `state=None` the packaged ImageNet weights are used.
    """
    import torch

    state = state if state is not None else efficientnet_lite.load_torch_state_dict(variant)
    num_classes = state["_fc.weight"].shape[0]
    keras_model = efficientnet_lite.build_model(
        variant, input_size, num_classes, logits_name="imagenet_logits"
    )
    efficientnet_lite.assign_torch_weights(
        keras_model, variant, state, logits_layer="imagenet_logits"
    )
    torch_model = efficientnet_lite.build_torch_reference(variant, input_size, state)

    pixels = images.astype(np.float32)
    mean = np.asarray(efficientnet_lite.IMAGENET_MEAN_RGB, dtype=np.float32)
    std = np.asarray(efficientnet_lite.IMAGENET_STD_RGB, dtype=np.float32)
    nchw = torch.from_numpy(np.ascontiguousarray(((pixels - mean) / std).transpose(0, 3, 1, 2)))
    with torch.no_grad():
        torch_logits = torch_model(nchw).numpy()
    keras_logits = np.asarray(keras_model.predict(pixels, verbose=0))
    return {
        "variant": variant,
        "input_size": input_size,
        "images": len(images),
        "max_abs_diff": float(np.abs(keras_logits - torch_logits).max()),
        "max_abs_logit": float(np.abs(torch_logits).max()),
        "top1_agreement": float((keras_logits.argmax(1) == torch_logits.argmax(1)).mean()),
    }


def main(
    config: TrainingConfig,
    variants: tuple[str, ...] = ("lite0", "lite1", "lite2"),
    per_class: int = 8,
) -> list[dict]:
    paths: list[Path] = []
    for name in data.CLASSES:
        paths.extend(sorted((config.sample_dir / name).glob("*.jpg"))[:per_class])
    results = []
    for variant in variants:
        size = (
            efficientnet_lite.VARIANTS[variant][2]
            if variant != config.variant
            else config.input_size
        )
        images = data.load_photos(paths, size)
        result = compare_with_torch(variant, size, images)
        log.info("conversion %s", result)
        results.append(result)
    config.report_dir.mkdir(parents=True, exist_ok=True)
    (config.report_dir / "conversion.json").write_text(json.dumps(results, indent=2) + "\n")
    return results
