"""The Keras port of EfficientNet-Lite computes what the PyTorch original computes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model_training import convert, data, efficientnet_lite


def _photos(sample_dir: Path, size: int) -> np.ndarray:
    paths = [sorted((sample_dir / name).glob("*.jpg"))[0] for name in data.CLASSES]
    return data.load_photos(paths, size)


def test_imagenet_lite0_matches_pytorch_on_real_photos(sample_dir: Path) -> None:
    # A small odd input size also exercises TF "same" padding with uneven borders.
    result = convert.compare_with_torch("lite0", 97, _photos(sample_dir, 97))
    assert result["max_abs_diff"] < 1e-3
    assert result["top1_agreement"] == 1.0


def test_random_lite1_weights_map_to_the_same_layers(sample_dir: Path) -> None:
    """Random weights and BatchNorm statistics catch any transposed or swapped tensor that
    trained weights might hide; Lite1 also checks the depth scaling of the block list."""
    import torch

    torch.manual_seed(0)
    reference = efficientnet_lite.build_torch_reference("lite1", 64, state=None)
    with torch.no_grad():
        for module in reference.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.2, 0.2)
                module.running_var.uniform_(0.5, 1.5)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.2, 0.2)
    state = {k: v.numpy() for k, v in reference.state_dict().items()}
    result = convert.compare_with_torch("lite1", 64, _photos(sample_dir, 64), state=state)
    assert result["max_abs_diff"] <= 1e-4 * max(1.0, result["max_abs_logit"])
    assert result["top1_agreement"] == 1.0


def test_block_list_matches_the_pytorch_package() -> None:
    for variant in ("lite0", "lite1", "lite2"):
        reference = efficientnet_lite.build_torch_reference(variant, 64, state=None)
        specs = efficientnet_lite.block_specs(variant)
        assert len(specs) == len(reference._blocks)
        for spec, block in zip(specs, reference._blocks, strict=True):
            args = block._block_args
            stride = args.stride if isinstance(args.stride, int) else args.stride[0]
            assert (spec.input_filters, spec.output_filters, spec.kernel, spec.stride) == (
                args.input_filters,
                args.output_filters,
                args.kernel_size,
                stride,
            )
