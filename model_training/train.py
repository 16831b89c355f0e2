"""Training on cached features: the linear baseline head, then fine-tuning the last blocks.

Every run keeps its weights and a `state.json` (epoch, validation history, best epoch) under
`<cache>/runs/<name>/`, so an interrupted run resumes from the last finished epoch.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from model_training import efficientnet_lite, pipeline
from model_training.config import TrainingConfig

log = logging.getLogger(__name__)

HEAD_LAYER = "scene_logits"
NUM_CLASSES = 6


def run_dir(config: TrainingConfig, run: str) -> Path:
    path = config.cache / "runs" / run
    path.mkdir(parents=True, exist_ok=True)
    return path


def accuracy(logits: np.ndarray, labels: np.ndarray) -> float:
    return float((np.argmax(logits, axis=1) == labels).mean())


def fit_linear_head(
    train_x: np.ndarray,
    train_y: np.ndarray,
    val_x: np.ndarray,
    val_y: np.ndarray,
    *,
    epochs: int = 40,
    seed: int = 0,
    label_smoothing: float = 0.1,
    weight_decay: float = 1e-3,
) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Softmax regression on pooled features; returns (kernel, bias, val accuracy per epoch)
    with the weights of the best validation epoch."""
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((train_x.shape[1],))
    hidden = keras.layers.Dropout(0.2)(inputs)
    outputs = keras.layers.Dense(NUM_CLASSES, name=HEAD_LAYER)(hidden)
    model = keras.Model(inputs, outputs)
    steps = epochs * int(np.ceil(len(train_x) / 256))
    model.compile(
        optimizer=keras.optimizers.AdamW(
            keras.optimizers.schedules.CosineDecay(3e-3, steps), weight_decay=weight_decay
        ),
        loss=keras.losses.CategoricalCrossentropy(
            from_logits=True, label_smoothing=label_smoothing
        ),
    )
    targets = np.eye(NUM_CLASSES, dtype=np.float32)[train_y]
    history: list[float] = []
    best: tuple[float, list[np.ndarray]] = (-1.0, [])
    for _ in range(epochs):
        model.fit(train_x, targets, batch_size=256, epochs=1, shuffle=True, verbose=0)
        val_acc = accuracy(model.predict(val_x, batch_size=1024, verbose=0), val_y)
        history.append(val_acc)
        if val_acc > best[0]:
            best = (val_acc, model.get_layer(HEAD_LAYER).get_weights())
    kernel, bias = best[1]
    return kernel, bias, history


def train_head(config: TrainingConfig) -> dict:
    """Stage `train`: the linear baseline on frozen pooled features (clean + mirrored views)."""
    record = pipeline.prepare_splits(config)
    train_y = pipeline.labels_of(record, "train")
    val_y = pipeline.labels_of(record, "val")
    train_x = np.concatenate(
        [
            pipeline.load_view(config, "train_clean", "pooled"),
            pipeline.load_view(config, "train_flip", "pooled"),
        ]
    )
    val_x = np.asarray(pipeline.load_view(config, "val_clean", "pooled"))
    kernel, bias, history = fit_linear_head(
        train_x, np.concatenate([train_y, train_y]), val_x, val_y
    )
    out = run_dir(config, "head")
    np.savez(out / "head.npz", kernel=kernel, bias=bias)
    state = {"val_accuracy": max(history), "history": history, "kind": "linear head"}
    pipeline.save_json(out / "state.json", state)
    log.info(
        "linear head: best val accuracy %.4f (per epoch %s)",
        max(history),
        [round(h, 4) for h in history],
    )
    return state


def build_tail(config: TrainingConfig, dropout: float = 0.3):
    """Blocks `first_block`.. + head, ImageNet weights, head from the linear baseline."""
    tail = efficientnet_lite.build_model(
        config.variant,
        config.input_size,
        NUM_CLASSES,
        first_block=config.first_block,
        dropout=dropout,
        logits_name=HEAD_LAYER,
    )
    state = efficientnet_lite.load_torch_state_dict(config.variant)
    efficientnet_lite.assign_torch_weights(tail, config.variant, state)
    head = np.load(run_dir(config, "head") / "head.npz")
    tail.get_layer(HEAD_LAYER).set_weights([head["kernel"], head["bias"]])
    return tail


def tail_logits(tail, activations: np.ndarray, batch: int = 256) -> np.ndarray:
    out = [
        tail.predict_on_batch(np.asarray(activations[i : i + batch], dtype=np.float32))
        for i in range(0, len(activations), batch)
    ]
    return np.concatenate(out)


def epoch_batches(
    views: np.ndarray, labels: np.ndarray, batch_size: int, rng: np.random.Generator
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One epoch of (activations, labels) batches: every photo once, in random order, each
    through one of its cached views (``views``: views x photos x ...) drawn at random."""
    order = rng.permutation(len(labels))
    chosen = rng.integers(0, len(views), size=len(labels))
    for start in range(0, len(labels), batch_size):
        index = order[start : start + batch_size]
        yield views[chosen[index], index].astype(np.float32), labels[index]


def finetune(
    config: TrainingConfig,
    run: str = "finetune",
    epochs: int = 8,
    batch_size: int = 64,
    learning_rate: float = 4e-4,
    weight_decay: float = 0.05,
    label_smoothing: float = 0.1,
    seed: int = 0,
) -> dict:
    """Stage `finetune`: train blocks `first_block`.. and the head on cached activations.

    Each epoch visits every training photo once, through one view drawn at random among the
    clean, mirrored and augmented ones. BatchNorm statistics stay frozen (batch 64 on one
    data set would only make them noisier than ImageNet's).
    """
    import keras

    record = pipeline.prepare_splits(config)
    out = run_dir(config, run)
    state_file, last_model = out / "state.json", out / "last.keras"
    state = (
        json.loads(state_file.read_text())
        if state_file.exists()
        else {
            "epoch": 0,
            "history": [],
            "best_epoch": 0,
            "best_val": 0.0,
            "settings": {
                "epochs": epochs,
                "batch_size": batch_size,
                "lr": learning_rate,
                "weight_decay": weight_decay,
                "label_smoothing": label_smoothing,
                "first_block": config.first_block,
            },
        }
    )
    epochs = state["settings"]["epochs"]

    view_keys = ["train_clean", "train_flip", *pipeline.available_aug_views(config)]
    views = np.stack([np.asarray(pipeline.load_view(config, k, "act")) for k in view_keys])
    log.info(
        "fine-tuning %s on %d views of %d photos (%s)",
        run,
        len(view_keys),
        views.shape[1],
        view_keys,
    )
    train_y = pipeline.labels_of(record, "train")
    val_y = pipeline.labels_of(record, "val")
    val_clean = pipeline.load_view(config, "val_clean", "act")
    val_flip = pipeline.load_view(config, "val_flip", "act")
    targets = np.eye(NUM_CLASSES, dtype=np.float32)  # a class index -> its one-hot row
    steps_per_epoch = int(np.ceil(len(train_y) / batch_size))

    if state["epoch"] > 0 and last_model.exists():
        model = keras.models.load_model(last_model)
        log.info("resuming %s after epoch %d", run, state["epoch"])
    else:
        keras.utils.set_random_seed(seed)
        model = build_tail(config)
        for layer in model.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.trainable = False
        schedule = keras.optimizers.schedules.CosineDecay(
            0.0,
            epochs * steps_per_epoch,
            warmup_target=learning_rate,
            warmup_steps=steps_per_epoch // 2,
        )
        model.compile(
            optimizer=keras.optimizers.AdamW(schedule, weight_decay=weight_decay),
            loss=keras.losses.CategoricalCrossentropy(
                from_logits=True, label_smoothing=label_smoothing
            ),
        )

    while state["epoch"] < epochs:
        epoch = state["epoch"] + 1
        rng = np.random.default_rng(seed * 1000 + epoch)
        started, losses = time.monotonic(), []
        batches = epoch_batches(views, train_y, batch_size, rng)
        for step, (batch, labels) in enumerate(batches):
            losses.append(float(model.train_on_batch(batch, targets[labels])))
            if step % 50 == 0:
                log.info(
                    "%s epoch %d step %d/%d loss %.4f (%.1f photos/s)",
                    run,
                    epoch,
                    step,
                    steps_per_epoch,
                    np.mean(losses[-50:]),
                    (step + 1) * batch_size / (time.monotonic() - started),
                )
        clean = tail_logits(model, val_clean)
        flipped = tail_logits(model, val_flip)
        val_acc, tta_acc = accuracy(clean, val_y), accuracy(clean + flipped, val_y)
        model.save(last_model)
        if val_acc > state["best_val"]:
            model.save_weights(out / "best.weights.h5")
            state["best_val"], state["best_epoch"] = val_acc, epoch
        state["history"].append(
            {
                "epoch": epoch,
                "loss": float(np.mean(losses)),
                "val_accuracy": val_acc,
                "val_accuracy_flip_tta": tta_acc,
                "seconds": round(time.monotonic() - started, 1),
            }
        )
        state["epoch"] = epoch
        pipeline.save_json(state_file, state)
        log.info(
            "%s epoch %d: loss %.4f val %.4f (flip TTA %.4f)",
            run,
            epoch,
            np.mean(losses),
            val_acc,
            tta_acc,
        )
    return state


def load_finetuned_tail(config: TrainingConfig, run: str):
    tail = build_tail(config)
    tail.load_weights(run_dir(config, run) / "best.weights.h5")
    return tail


def average_runs(config: TrainingConfig, runs: list[str], name: str) -> dict:
    """A "model soup": the mean of the best weights of runs that share one starting point.

    It costs nothing at inference (one model), unlike an ensemble, which would halve the speed.
    """
    record = pipeline.prepare_splits(config)
    tails = [load_finetuned_tail(config, run) for run in runs]
    soup = build_tail(config)
    for layer in soup.layers:
        if layer.weights:
            stacks = zip(*(t.get_layer(layer.name).get_weights() for t in tails), strict=True)
            layer.set_weights([np.mean(np.stack(ws), axis=0) for ws in stacks])
    val_y = pipeline.labels_of(record, "val")
    clean = tail_logits(soup, pipeline.load_view(config, "val_clean", "act"))
    flipped = tail_logits(soup, pipeline.load_view(config, "val_flip", "act"))
    out = run_dir(config, name)
    soup.save_weights(out / "best.weights.h5")
    val_acc = accuracy(clean, val_y)
    state = {
        "epoch": 1,
        "best_epoch": 1,
        "best_val": val_acc,
        "history": [
            {
                "epoch": 1,
                "val_accuracy": val_acc,
                "val_accuracy_flip_tta": accuracy(clean + flipped, val_y),
            }
        ],
        "settings": {"first_block": config.first_block, "soup_of": runs, "epochs": 1},
    }
    pipeline.save_json(out / "state.json", state)
    log.info("soup %s of %s: val %.4f", name, runs, val_acc)
    return state
