"""Confidence calibration: temperature scaling, expected calibration error, "Unsorted" threshold."""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    scaled = logits / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


def negative_log_likelihood(logits: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    probs = softmax(logits, temperature)
    return float(-np.log(np.clip(probs[np.arange(len(labels)), labels], 1e-12, None)).mean())


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Temperature minimising validation NLL (one parameter: a fine grid, then refine)."""
    grid = np.exp(np.linspace(np.log(0.2), np.log(5.0), 161))
    losses = [negative_log_likelihood(logits, labels, t) for t in grid]
    best = grid[int(np.argmin(losses))]
    fine = np.linspace(best * 0.97, best * 1.03, 61)
    losses = [negative_log_likelihood(logits, labels, t) for t in fine]
    return float(fine[int(np.argmin(losses))])


def reliability(
    probs: np.ndarray, labels: np.ndarray, bins: int = 15
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per confidence bin: (bin edges, mean confidence, accuracy, count)."""
    return reliability_of(probs.max(axis=1), probs.argmax(axis=1) == labels, bins)


def reliability_of(
    confidence: np.ndarray, correct: np.ndarray, bins: int = 15
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`reliability` from each prediction's confidence and whether it was right."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    counts = np.bincount(which, minlength=bins)
    conf_sum = np.bincount(which, weights=confidence, minlength=bins)
    acc_sum = np.bincount(which, weights=correct.astype(float), minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        return edges, conf_sum / counts, acc_sum / counts, counts


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    return calibration_error(probs.max(axis=1), probs.argmax(axis=1) == labels, bins)


def calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 15) -> float:
    """ECE from each prediction's confidence and whether it was right."""
    _, confidence, accuracy, counts = reliability_of(confidence, correct, bins)
    filled = counts > 0
    weights = counts[filled] / counts.sum()
    return float((weights * np.abs(confidence[filled] - accuracy[filled])).sum())


def choose_threshold(
    probs: np.ndarray, labels: np.ndarray, target_accuracy: float = 0.98
) -> tuple[float, float, float]:
    """Lowest confidence threshold whose accepted photos are >= `target_accuracy` correct.

    Returns (threshold, coverage, accuracy of accepted photos). Photos below the threshold go
    to "Unsorted" in the app.
    """
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    order = np.argsort(-confidence)
    # Accuracy of the k most confident photos, for every k.
    running = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    sorted_conf = confidence[order]
    # Only cut between distinct confidences, so the threshold means the same thing at run time.
    distinct = np.append(sorted_conf[1:] < sorted_conf[:-1], True)
    ok = np.flatnonzero((running >= target_accuracy) & distinct)
    if len(ok) == 0:
        return 1.0, 0.0, float("nan")
    k = ok[-1]
    threshold = float(sorted_conf[k])
    return threshold, float((k + 1) / len(order)), float(running[k])
