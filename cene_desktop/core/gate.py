"""The scene gate: does a photo show one of the six scenes at all?

The scene model always names one of its six scenes, so a portrait or a receipt still comes out
as "glacier" or "buildings", often at 97-99 % confidence: that confidence says which scene,
not whether there is one. The gate answers the other question. It is a logistic regression on
the same standardised pooled features the head reads (1280 numbers, already computed for the
head: it costs one dot product per photo), fitted on training photos of the six scenes and on
real phone and camera photos of scenes and of everything else (``model_training.gate``). Its
output is a probability that the photo shows a scene; below the threshold of the chosen
sensitivity, the photo goes to the *Other* album.

Sensitivities are named thresholds stored in the model's metadata, each chosen on validation
photos: ``normal`` sends about 1.5 % of the scene model's own validation photos to Other,
``low`` fewer, ``high`` more (and catches more non-scenes). ``off`` turns the gate off: every
photo then goes to a scene album or Unsorted, exactly as before Other existed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cene_desktop.core.albums import OTHER, UNSORTED, album_for_class

SHIPPED = "shipped"
OFF = "off"
SENSITIVITIES = ("low", "normal", "high")
DEFAULT_SENSITIVITY = "normal"
#: What a person can choose: the gate off, or one of its sensitivities.
CHOICES = (OFF, *SENSITIVITIES)
#: Photos whose scene probability lies within this factor of the threshold (either side, in
#: odds) are "near the boundary": the review pane asks about them.
REVIEW_ODDS = 4.0


class GateError(ValueError):
    """The gate's file is missing or damaged."""


@dataclass(frozen=True)
class SceneGate:
    """P(scene) = sigmoid(features[:, :n] @ weights + bias)."""

    weights: np.ndarray  # (n,) float32, n <= feature count
    bias: float
    thresholds: dict[str, float]  # sensitivity -> P(scene) below which a photo is Other
    name: str = SHIPPED

    @classmethod
    def load(
        cls,
        path: Path,
        thresholds: dict[str, float],
        name: str = SHIPPED,
        length: int | None = None,
    ) -> SceneGate:
        """The gate in ``path``; with ``length`` its weights must have that many entries,
        checked from the file's header before any value is read (a library's gate file may be
        anything)."""
        from cene_desktop.core.classifier import ModelError, load_arrays

        try:
            weights, bias = load_arrays(
                path, ("weights", "bias"), "The scene gate", {"weights": (length,), "bias": ()}
            )
        except ModelError as error:
            raise GateError(str(error)) from error
        if weights.ndim != 1 or not np.all(np.isfinite(weights)) or not np.isfinite(bias):
            raise GateError(f"The scene gate {path} is damaged.")
        missing = [s for s in SENSITIVITIES if not 0.0 < float(thresholds.get(s, -1)) < 1.0]
        if missing:
            raise GateError(f"The scene gate has no threshold for {', '.join(missing)}.")
        return cls(weights, float(bias), {s: float(thresholds[s]) for s in SENSITIVITIES}, name)

    def save(self, path: Path) -> None:
        with open(path, "wb") as stream:
            np.savez(stream, weights=self.weights, bias=np.float32(self.bias))
            stream.flush()
            os.fsync(stream.fileno())

    def scene_probability(self, features: np.ndarray) -> np.ndarray:
        """P(the photo shows one of the six scenes), shape (N,), from standardised features."""
        n = self.weights.shape[0]
        score = features[:, :n].astype(np.float32, copy=False) @ self.weights + self.bias
        probability: np.ndarray = (1.0 / (1.0 + np.exp(-np.clip(score, -30, 30)))).astype(
            np.float32
        )
        return probability

    def threshold(self, sensitivity: str) -> float | None:
        """The threshold of a sensitivity; None when the gate is off."""
        if sensitivity == OFF:
            return None
        if sensitivity not in self.thresholds:
            raise ValueError(f"unknown sensitivity {sensitivity!r} (one of {', '.join(CHOICES)})")
        return self.thresholds[sensitivity]


def is_other(scene_probability: float | None, threshold: float | None) -> bool:
    """Whether a photo goes to Other: the gate is on and it is unlikely to be a scene."""
    return (
        threshold is not None and scene_probability is not None and (scene_probability < threshold)
    )


def boundary_band(threshold: float) -> tuple[float, float]:
    """The scene probabilities close enough to the threshold to be worth a look: within
    ``REVIEW_ODDS`` of it in odds, either side."""
    return within_odds(threshold, 1.0 / REVIEW_ODDS), within_odds(threshold, REVIEW_ODDS)


def within_odds(threshold: float, factor: float) -> float:
    """The probability whose odds are ``factor`` times the odds of ``threshold``."""
    odds = factor * threshold / max(1e-6, 1.0 - threshold)
    return odds / (1.0 + odds)


def clear_verdict(
    confidence: float,
    scene_probability: float | None,
    threshold: float,
    other_threshold: float | None,
) -> bool:
    """Whether a verdict (as :func:`decide_album` files it) stands as it is: Other, or a scene
    album at the model's threshold or more and above the gate's boundary band. Unsorted never
    does. A verdict from a photo's small embedded picture, or from the int8 model, that does
    not stand is made again from the whole photo by the fp32 model.

    Other always stands: on 2,114 real photos saved as cameras save them (160 x 120 picture in
    the EXIF), looking again at those the picture sent to Other changed 15 of 233 albums, 4 for
    the better and 7 for the worse (``benchmarks/embedded_pictures.py``), and cost a whole
    decode each."""
    band = None if other_threshold is None else boundary_band(other_threshold)
    if is_other(scene_probability, other_threshold):
        return True
    if confidence < threshold:  # Unsorted
        return False
    return band is None or scene_probability is None or scene_probability > band[1]


def describe(scene_probability: float) -> str:
    """What Cene says of a photo it sent to Other."""
    return f"not a scene ({scene_probability:.0%} likely to be one)"


def decide_album(
    predicted: str,
    confidence: float,
    runner_up: str | None,
    scene_probability: float | None,
    threshold: float,
    other_threshold: float | None,
) -> tuple[str, str]:
    """The album a photo goes to, and why, in words: Other when the gate (on) says it shows no
    scene; else its scene's album when the model is sure enough, else Unsorted."""
    if is_other(scene_probability, other_threshold):
        assert scene_probability is not None
        return OTHER, describe(scene_probability)
    if confidence >= threshold:
        return album_for_class(predicted), f"{predicted}, {confidence:.0%} sure"
    second = f" or {runner_up}" if runner_up else ""
    return UNSORTED, f"a scene, but not sure which ({predicted}{second}; {confidence:.0%})"
