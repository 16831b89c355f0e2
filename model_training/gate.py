"""The scene gate (``cene_desktop.core.gate``): fitted on cached features, written to assets.

Stage ``gate``: ``python -m model_training gate --real-photos DIR`` where DIR holds the *fit*
split of the real-photo set (``benchmarks/lay_out_real_photos.py MIRRORS DIR --split fit``).
The *eval* split is never read here: ``benchmarks/real_photos.py`` measures the shipped gate on
it.

1. Features: the shipped model (LiteRT, exactly as the app runs it) over every training photo of
   the Intel set (the centre crop, as the app prepares it), and over every fit photo in four
   views (centre square, whole photo squashed, the two ends of its long side), so the gate does
   not depend on where the subject sits. Cached in ``CACHE/gate/``.
2. A logistic regression on the 1280 standardised pooled features: scenes (Intel training
   photos, real scene photos) against real photos of anything else; the Intel photos weigh half
   as much as the real ones together. L-BFGS, L2 1e-2 (chosen by AUROC and by what passes the
   gate at 1.5 % of Intel validation photos sent to Other, on the fit split's repositories;
   an MLP and a stack with the feature distance and ImageNet scene mass did no better).
3. Thresholds: the P(scene) below which 0.5 % (low), 1.5 % (normal) and 4 % (high) of Intel
   validation photos (never trained on) would go to Other.

Why these features and not the ImageNet classifier of the backbone: fitted on this model's own
fine-tuned features, the ImageNet head's scene mass reached AUROC 0.94 on the eval split, the
Mahalanobis distance to the six classes 0.94, this regression 0.97.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from model_training.config import TrainingConfig

log = logging.getLogger(__name__)

SCENE_LABELS = ("buildings", "forest", "glacier", "glacier-like", "mountain", "sea", "street")
POOLED = 1280
L2 = 1e-2
INTEL_SHARE = 0.5  # weight of all Intel photos together against all real views together
INTEL_TO_OTHER = {"low": 0.005, "normal": 0.015, "high": 0.04}
BATCH = 32


def _classifier(config: TrainingConfig):
    from cene_desktop.core.classifier import SceneClassifier

    classifier = SceneClassifier(config.model_dir, backend="litert", threads=2)
    classifier.load()
    return classifier


def views(image, size: int) -> list[np.ndarray]:
    """Centre square, whole photo squashed, and the two ends of the long side."""
    from PIL import Image

    from cene_desktop.core.scanner import centre_square

    width, height = image.size
    side = min(width, height)
    boxes = [centre_square(width, height), None]  # the first: exactly what the app classifies
    if width >= height:
        boxes += [(0, 0, side, side), (width - side, 0, width, height)]
    else:
        boxes += [(0, 0, width, side), (0, height - side, width, height)]
    return [
        np.asarray(image.resize((size, size), Image.Resampling.BILINEAR, box=box), np.uint8)
        for box in boxes
    ]


def model_key(config: TrainingConfig) -> str:
    """What the cached features depend on: the model file the app runs (a new model, or the
    same version exported again, must never be fitted on another model's features)."""
    import hashlib

    from cene_desktop.core.classifier import ModelInfo

    info = ModelInfo.load(config.model_dir)
    digest = hashlib.sha256()
    for part in ("tflite", "tflite_int8"):  # the int8 file runs where it ships
        if part in info.files:
            digest.update(info.asset(part).read_bytes())
    return f"{info.version} {digest.hexdigest()}"


def _cached(cache: Path, key: str, listing: list[str] | None = None) -> dict | None:
    """The arrays in ``cache`` when it was made for ``key`` (and the same files), else None."""
    if not cache.exists():
        return None
    stored = dict(np.load(cache))
    if "model" not in stored or str(stored["model"]) != key:
        log.info("%s was made for another model: computing it again", cache)
        return None
    if listing is not None and list(stored.get("listing", [])) != listing:
        return None
    return stored


def real_features(config: TrainingConfig, folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """Raw model outputs (N, 4 views, features) and labels of the photos under ``folder``."""
    cache = config.cache_root / "gate" / "real.npz"
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    listing, key = [str(p.relative_to(folder)) for p in files], model_key(config)
    stored = _cached(cache, key, listing)
    if stored is not None:
        return stored["features"], stored["labels"]
    from cene_desktop.core import scanner

    scanner.enable_heif()
    classifier = _classifier(config)
    size = classifier.info.input_size
    features, labels = [], []
    for index, path in enumerate(files):
        try:
            image, *_ = scanner._open_upright(path.read_bytes(), size)
        except ValueError as error:
            log.info("Not used: %s (%s)", path, error)
            continue
        finally:
            scanner._budget.release()
        pixels = np.stack(views(image, size)).astype(np.float32)
        features.append(np.asarray(classifier._run(pixels), np.float32))
        labels.append(path.parent.name)
        if index % 200 == 0:
            log.info("Real photos: %d of %d", index, len(files))
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        cache,
        features=np.stack(features),
        labels=np.array(labels),
        listing=np.array(listing),  # every file, read or not: what the cache is for
        model=np.array(key),
    )
    return np.stack(features), np.array(labels)


def intel_features(config: TrainingConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw outputs for Intel training photos, their labels, and which are validation photos."""
    cache = config.cache_root / "gate" / "intel.npz"
    key = model_key(config)
    stored = _cached(cache, key)
    if stored is not None:
        return stored["features"], stored["labels"], stored["val"]
    from cene_desktop.core import scanner
    from model_training.data import make_splits

    splits = make_splits(config.data_root, config.duplicates_tsv, config.sample_dir)
    paths = [*splits.train.absolute(), *splits.val.absolute()]
    labels = np.concatenate([splits.train.labels, splits.val.labels])
    val = np.arange(len(paths)) >= len(splits.train.labels)
    classifier = _classifier(config)
    size = classifier.info.input_size
    out = []
    for start in range(0, len(paths), BATCH):
        pixels = [
            scanner.decode_for_model(p.read_bytes(), size)[0] for p in paths[start : start + BATCH]
        ]
        out.append(np.asarray(classifier._run(np.stack(pixels).astype(np.float32)), np.float32))
        if start % 3200 == 0:
            log.info("Intel photos: %d of %d", start, len(paths))
    features = np.concatenate(out)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, features=features, labels=labels, val=val, model=np.array(key))
    return features, labels, val


def logistic_regression(
    x: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float
) -> tuple[np.ndarray, float]:
    import torch

    torch.manual_seed(0)
    inputs = torch.tensor(x, dtype=torch.float32)
    targets = torch.tensor(y, dtype=torch.float32)
    weights = torch.tensor(weight / weight.sum(), dtype=torch.float32)
    layer = torch.nn.Linear(x.shape[1], 1)
    optimiser = torch.optim.LBFGS(layer.parameters(), max_iter=500, line_search_fn="strong_wolfe")

    def closure():
        optimiser.zero_grad()
        losses = torch.nn.functional.binary_cross_entropy_with_logits(
            layer(inputs)[:, 0], targets, reduction="none"
        )
        loss = (losses * weights).sum() + l2 * (layer.weight**2).sum()
        loss.backward()
        return loss

    optimiser.step(closure)
    return layer.weight.detach().numpy()[0].astype(np.float32), float(layer.bias.detach())


def build(config: TrainingConfig, real_photos: Path) -> dict[str, object]:
    """Fit the gate, write ``gate.npz`` and its part of ``metadata.json``; returns the figures."""
    from cene_desktop.core.classifier import ModelInfo
    from cene_desktop.core.gate import SceneGate

    info = ModelInfo.load(config.model_dir)
    offset, scale = info.feature_norm() or (0.0, 1.0)
    real, labels = real_features(config, real_photos)
    intel, _, val = intel_features(config)
    real = (real - offset) / scale
    intel = (intel - offset) / scale
    is_scene = np.isin(labels, SCENE_LABELS).astype(np.float32)
    n_views = real.shape[1]
    train_intel = intel[~val, :POOLED]
    x = np.concatenate([train_intel, *(real[:, v, :POOLED] for v in range(n_views))])
    y = np.concatenate([np.ones(len(train_intel)), np.tile(is_scene, n_views)])
    real_count = len(real) * n_views
    weight = np.concatenate(
        [
            np.full(len(train_intel), INTEL_SHARE * real_count / len(train_intel)),
            np.ones(real_count),
        ]
    )
    weights, bias = logistic_regression(x, y, weight, L2)
    gate = SceneGate(weights, bias, {s: 0.5 for s in INTEL_TO_OTHER})
    on_val = gate.scene_probability(intel[val])
    thresholds = {s: round(float(np.quantile(on_val, q)), 4) for s, q in INTEL_TO_OTHER.items()}
    centre = gate.scene_probability(real[:, 0])
    figures = {
        "intel_train_photos": int((~val).sum()),
        "intel_val_photos": int(val.sum()),
        "real_fit_photos": int(len(real)),
        "real_fit_scenes": int(is_scene.sum()),
        "views": n_views,
        "l2": L2,
        "fit_others_passing_normal": round(
            float((centre[is_scene == 0] >= thresholds["normal"]).mean()), 4
        ),
        "fit_scenes_passing_normal": round(
            float((centre[is_scene == 1] >= thresholds["normal"]).mean()), 4
        ),
    }
    SceneGate(weights, bias, thresholds).save(config.model_dir / "gate.npz")
    meta_path = config.model_dir / "metadata.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["files"]["gate"] = "gate.npz"
    meta["gate"] = {
        "what": "P(scene) = sigmoid(standardised pooled features[:1280] @ weights + bias); "
        "below the threshold of the chosen sensitivity a photo goes to Other",
        "thresholds": thresholds,
        "intel_val_to_other": INTEL_TO_OTHER,
        "fitted_on": "Intel training photos and the fit split of "
        "benchmarks/real_photos_manifest.csv (four views each)",
        "figures": figures,
    }
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log.info("Scene gate written: thresholds %s, %s", thresholds, figures)
    return figures
