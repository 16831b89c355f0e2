"""Fine-tuning the exported model further on Intel *and* real scene photos, then interpolating.

Stage ``finetune-real``: ``python -m model_training finetune-real --first-block 8 --real-photos
DIR --run NAME``, where DIR holds the *fit* split of the real-photo set (``DIR/LABEL/photo``, as
``benchmarks/lay_out_real_photos.py`` writes it; only the six scene labels are read). It starts
from the model in ``--model-dir`` (the shipped one unless told otherwise), not from ImageNet, and
trains blocks ``first_block``.. and the head on the cached Intel activations of stage
``features`` with ``--real-per-batch`` real views in every batch of 64 (centre square as the app
sees it, mirrored, six random squares of the photo with the Intel augmentations). BatchNorm
statistics stay frozen. The weights of every epoch are kept.

Stage ``interpolate``: ``--run NAME --alphas 0.3,0.5`` writes the weights
``start + alpha * (run - start)`` (weight-space interpolation, "WiSE-FT") as runs ``NAME-a30``
…, prints their Intel validation accuracy, and never reads seg_test or the eval split. Export the
chosen one with ``export --source NAME-a30``, then ``adaptation``, ``gate`` and ``int8``.

``--distill W``: each Intel view is trained towards ``(1 - W)`` of its label and ``W`` of the
starting model's own prediction for it (learning without forgetting).

What it did (December 2026, ``reports/notes.md``): without distillation, at full strength the
real photos gained 6.5 points of scenes right and seg_test fell 0.36 points, below the 94.0 % bar.
Model 1.6.0 is ``--real-per-batch 12 --distill 0.5`` interpolated at alpha 0.3: seg_test 94.07 %,
4.2 points more real scenes in their album than 1.5.0 on the grown eval split (660 scenes). Model
1.7.0 is ``--real-per-batch 16 --distill 0.7`` from 1.6.0 on a fit split with 1,409 real scene
photos, alpha 0.3: seg_test 94.03 %, 3.8 points more real scenes in their album than 1.6.0.
"""

from __future__ import annotations

import io
import json
import logging
import time
from pathlib import Path

import numpy as np

from model_training import data, efficientnet_lite, export, features, gate, pipeline, train
from model_training.config import TrainingConfig

log = logging.getLogger(__name__)

VIEWS_PER_PHOTO = 8  # clean, mirrored, six augmented squares
SOURCE_SIDE = 300  # augmented views are cut from the photo at this short side
REAL_VIEWS_FILE = "real_views.npz"
OTHER_VIEWS_FILE = "other_views.npz"
NOT_A_SCENE = -1  # the label real_views gives a photo of no scene
BATCH = 64


def _real_photos(folder: Path, others: bool = False) -> list[tuple[Path, int]]:
    """The scene photos under ``folder`` (FOLDER/LABEL/photo) and their class indices; with
    ``others``, the photos of no scene instead (any label the gate does not count as a scene),
    each labelled ``NOT_A_SCENE``."""
    if others:
        return [
            (path, NOT_A_SCENE)
            for path in sorted(folder.glob("*/*"))
            if path.is_file() and path.parent.name not in gate.SCENE_LABELS
        ]
    classes = {name: index for index, name in enumerate(data.CLASSES)}
    return [
        (path, classes[path.parent.name])
        for path in sorted(folder.glob("*/*"))
        if path.is_file() and path.parent.name in classes
    ]


def real_views(
    config: TrainingConfig, folder: Path, others: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Activations entering ``first_block`` (N photos x 8 views) and labels of the real scene
    photos under ``folder`` (with ``others``: of its photos of no scene, labelled
    ``NOT_A_SCENE``); cached in the stage's cache folder, keyed by the file names."""
    from PIL import Image, ImageOps

    from cene_desktop.core import scanner

    photos = _real_photos(folder, others)
    names = [str(path.relative_to(folder)) for path, _ in photos]
    cache = config.cache / (OTHER_VIEWS_FILE if others else REAL_VIEWS_FILE)
    if cache.exists():
        stored = np.load(cache)
        if list(stored["listing"]) == names:
            return stored["activations"], stored["labels"]
    size = config.input_size
    rng = np.random.default_rng(7)
    images, labels, kept = [], [], []
    for (path, label), name in zip(photos, names, strict=True):
        raw = path.read_bytes()
        try:
            clean = scanner.decode_for_model(raw, size, embedded=False)[0]
        except ValueError as error:  # the app would not sort it either
            log.info("real photo %s left out: %s", name, error)
            continue
        with Image.open(io.BytesIO(raw)) as opened:
            opened.draft("RGB", (2 * SOURCE_SIDE, 2 * SOURCE_SIDE))
            image = ImageOps.exif_transpose(opened).convert("RGB")
        scale = SOURCE_SIDE / min(image.size)
        image = image.resize(
            (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
            Image.Resampling.BILINEAR,
        )
        width, height = image.size
        side = min(width, height)
        views = [clean, clean[:, ::-1]]
        for _ in range(VIEWS_PER_PHOTO - 2):
            offset = int(rng.integers(0, max(width, height) - side + 1))
            across = width >= height
            box = (offset, 0, offset + side, side) if across else (0, offset, side, offset + side)
            views.append(features.augment(image.crop(box), rng, size))
        images += views
        labels += [label] * len(views)
        kept.append(name)
    front = features.build_front(config.variant, size, config.first_block)
    activations, _ = features.run_front(
        features.TFLiteRunner(features.to_tflite(front)), np.stack(images)
    )
    labels_array = np.asarray(labels, dtype=np.int64)
    np.savez(
        cache,
        activations=activations,
        labels=labels_array,
        listing=np.asarray(names),  # what the folder held: the cache's key
    )
    log.info("real views: %d photos, %s", len(kept), activations.shape)
    return activations, labels_array


def start_tail(config: TrainingConfig):  # type: ignore[no-untyped-def]
    """Blocks ``first_block``.. and the head with the weights of the model in ``model_dir``."""
    import keras

    metadata = json.loads((config.model_dir / export.METADATA_FILE).read_text())
    full = keras.saving.load_model(config.model_dir / metadata["files"]["keras"], compile=False)
    head = train.run_dir(config, "head") / "head.npz"
    if not head.exists():  # build_tail reads the linear baseline's head; any will do here
        kernel, bias = full.get_layer(train.HEAD_LAYER).get_weights()
        np.savez(head, kernel=kernel, bias=bias)
    tail = train.build_tail(config)
    copied = efficientnet_lite.copy_weights_by_name(full, tail)
    log.info("starting from %s (%d layers)", metadata.get("version"), copied)
    return tail


def finetune_real(
    config: TrainingConfig,
    real_photos: Path,
    run: str,
    epochs: int = 3,
    learning_rate: float = 1e-4,
    real_per_batch: int = 8,
    seed: int = 0,
    distill: float = 0.0,
    others_per_batch: int = 0,
) -> dict:
    """Stage ``finetune-real`` (see the module's docstring). ``distill`` > 0: the Intel
    photos' targets are ``(1 - distill) * label + distill * p_start``, where ``p_start`` is
    what the starting model says of the same view (learning without forgetting: the real
    photos move the model, the Intel photos hold it where it was). ``others_per_batch`` > 0:
    that many views of the real photos of no scene under ``real_photos`` in every batch, trained
    towards the same probability for each of the six scenes (outlier exposure, Hendrycks et al.
    2019: a photo of none of them should not look sure of one)."""
    import keras

    record = pipeline.prepare_splits(config)
    real_x, real_y = real_views(config, real_photos)
    if not len(real_y):
        raise RuntimeError(f"no scene photos under {real_photos} (expected DIR/LABEL/photo)")
    other_x = real_views(config, real_photos, others=True)[0] if others_per_batch else None
    if other_x is not None and not len(other_x):
        raise RuntimeError(f"no photos of no scene under {real_photos} (--others-per-batch)")
    view_keys = ["train_clean", "train_flip", *pipeline.available_aug_views(config)]
    views = np.stack([np.asarray(pipeline.load_view(config, k, "act")) for k in view_keys])
    train_y = pipeline.labels_of(record, "train")
    val_y = pipeline.labels_of(record, "val")
    val_clean = pipeline.load_view(config, "val_clean", "act")
    targets = np.eye(train.NUM_CLASSES, dtype=np.float32)

    keras.utils.set_random_seed(seed)
    model = start_tail(config)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    intel_per_batch = BATCH - real_per_batch - others_per_batch
    uniform = np.full((others_per_batch, train.NUM_CLASSES), 1 / train.NUM_CLASSES, np.float32)
    steps = int(np.ceil(len(train_y) / intel_per_batch))
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, epochs * steps, warmup_target=learning_rate, warmup_steps=steps // 2
    )
    model.compile(
        optimizer=keras.optimizers.AdamW(schedule, weight_decay=0.05),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
    )
    out = train.run_dir(config, run)
    model.save_weights(out / "start.weights.h5")
    teacher = None
    if distill:
        teacher = train.build_tail(config)
        teacher.load_weights(out / "start.weights.h5")
    state: dict = {
        "start_val": train.accuracy(train.tail_logits(model, val_clean), val_y),
        "settings": {
            "epochs": epochs,
            "lr": learning_rate,
            "real_per_batch": real_per_batch,
            "real_photos": int(len(real_y) // VIEWS_PER_PHOTO),
            "seed": seed,
            "distill": distill,
            "others_per_batch": others_per_batch,
            "other_photos": 0 if other_x is None else int(len(other_x) // VIEWS_PER_PHOTO),
            "first_block": config.first_block,
        },
        "history": [],
    }
    for epoch in range(1, epochs + 1):
        rng = np.random.default_rng(seed * 1000 + epoch)
        started, losses = time.monotonic(), []
        for batch, labels in train.epoch_batches(views, train_y, intel_per_batch, rng):
            wanted = targets[labels]
            if teacher is not None:
                wanted = intel_targets(wanted, np.asarray(teacher.predict_on_batch(batch)), distill)
            if real_per_batch:
                real = rng.integers(0, len(real_y), size=real_per_batch)
                batch = np.concatenate([batch, real_x[real].astype(np.float32)])
                wanted = np.concatenate([wanted, targets[real_y[real]]])
            if other_x is not None:
                drawn = rng.integers(0, len(other_x), size=others_per_batch)
                batch = np.concatenate([batch, other_x[drawn].astype(np.float32)])
                wanted = np.concatenate([wanted, uniform])
            losses.append(float(model.train_on_batch(batch, wanted)))
        model.save_weights(out / f"epoch{epoch}.weights.h5")
        state["history"].append(
            {
                "epoch": epoch,
                "loss": float(np.mean(losses)),
                "val_accuracy": train.accuracy(train.tail_logits(model, val_clean), val_y),
                "seconds": round(time.monotonic() - started, 1),
            }
        )
        log.info("%s epoch %d: %s", run, epoch, state["history"][-1])
    model.save_weights(out / "best.weights.h5")  # the last epoch: what `export` reads
    state["epoch"] = epochs
    pipeline.save_json(out / "state.json", state)
    return state


def intel_targets(labels: np.ndarray, start_logits: np.ndarray, distill: float) -> np.ndarray:
    """What an Intel view is trained towards: its one-hot ``labels`` mixed with the starting
    model's probabilities (softmax of ``start_logits``) at weight ``distill``."""
    shifted = np.exp(start_logits - start_logits.max(axis=1, keepdims=True))
    held = shifted / shifted.sum(axis=1, keepdims=True)
    return ((1.0 - distill) * labels + distill * held).astype(np.float32)


def interpolate(config: TrainingConfig, run: str, alphas: list[float]) -> dict[str, float]:
    """Stage ``interpolate``: runs ``RUN-aNN`` = start + alpha * (run - start); their Intel
    validation accuracy by name."""
    record = pipeline.prepare_splits(config)
    folder = train.run_dir(config, run)
    start, tuned = train.build_tail(config), train.build_tail(config)
    start.load_weights(folder / "start.weights.h5")
    tuned.load_weights(folder / "best.weights.h5")
    before, after = start.get_weights(), tuned.get_weights()
    val_y = pipeline.labels_of(record, "val")
    val_clean = pipeline.load_view(config, "val_clean", "act")
    scores = {}
    for alpha in alphas:
        name = f"{run}-a{round(alpha * 100):02d}"
        start.set_weights([b + alpha * (a - b) for b, a in zip(before, after, strict=True)])
        start.save_weights(train.run_dir(config, name) / "best.weights.h5")
        scores[name] = train.accuracy(train.tail_logits(start, val_clean), val_y)
        log.info("%s: val %.4f", name, scores[name])
    start.set_weights(before)
    return scores
