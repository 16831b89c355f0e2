"""Learning from a person's corrections: adapt the model's head to their own photos, safely.

Every photo a person moved to another album, or confirmed with "looks right", is a labelled
example. ``Learner.improve()`` turns them into a new model version:

1. Pooled features of each example (the backbone run once per photo, cached in the catalog).
2. A deterministic quarter of the examples (by content hash, so it never changes as more are
   added) is held out; no version is ever trained on them.
3. A new head is trained from the shipped one on the other examples mixed with the replay set
   shipped with the app (photos of all six scenes from the training data), with a pull towards
   the shipped weights, so the scenes the person never corrects keep working.
4. It is adopted only if it gets at least ``MIN_MORE_RIGHT`` (2) more of the held-out examples
   right than the active version and loses at most half a point of accuracy on the check set
   shipped with the app, compared with the shipped model. (One more right out of a couple of
   dozen is chance as often as not: of 140 simulated rounds in ``benchmarks/learning_gain.py``,
   36 adopted a version that made the person's other photos worse with one; with two, 21.)
   Adopted or not, the version is kept with its scores so the person can see what happened.

Photos a person moved to Other, or out of it, teach the scene gate (``core.gate``) as well: the
version then carries a gate fitted from the shipped one (the same pull towards its weights) on
the person's photos of scenes and of no scene, with the replay set as scenes. Held-out examples
judge the whole decision (Other, or which scene), and a version whose gate would send more
than one point more of the check set's scenes to Other is refused.

``Learner.recheck()`` then runs the active version over the photos already in albums and stores,
as suggestions, the ones it would now place in another album. Nothing moves by itself.

The head reads the 1280 pooled features and 192 mid-level ones (block 11 of the network averaged
over the photo: colour and texture statistics, zero weight in the shipped head). The mid-level
ones are what lets a head adapt to a camera's own look; they get a stronger pull towards the
shipped weights than the pooled ones (``FitOptions.mid_anchor``) so a person whose photos look
like the training data is not led astray by them. Retraining the last block as well would need
the images, not cached features, and does not fit the 30-second budget on two CPU cores.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cene_desktop.core import gate as gate_module
from cene_desktop.core import scanner
from cene_desktop.core.albums import OTHER, UNSORTED, library_file_to_read
from cene_desktop.core.catalog import Catalog, LabelledPhoto, PhotoRecord, now_iso
from cene_desktop.core.classifier import SHIPPED, Head, SceneClassifier, softmax
from cene_desktop.core.gate import SceneGate
from cene_desktop.core.models import ModelStore, ModelVersion

log = logging.getLogger(__name__)

HELD_OUT_FRACTION = 0.25
MIN_HELD_OUT = 3
MIN_TRAINING = 5
MIN_EXAMPLES = MIN_HELD_OUT + MIN_TRAINING
CHECK_TOLERANCE = 0.005  # at most half a point of check-set accuracy lost
MIN_MORE_RIGHT = 2  # held-out examples a new version must get right beyond the active one
#: A photo a person put in Other: its label in a LabelledSet (scenes are 0-5).
OTHER_LABEL = -1
#: A new gate may send at most this much more of the check set (all scenes) to Other than the
#: shipped gate does.
OTHER_TOLERANCE = 0.01
BATCH = 32

#: (done, total, what is being done) for progress bars.
LearningProgress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class FitOptions:
    """How a head is adapted; the defaults were chosen with ``benchmarks/learning_gain.py``."""

    user_share: float = 0.5  # weight of the person's examples against the replay set
    anchor: float = 1e-2  # pull towards the shipped weights (L2 on the difference)
    steps: int = 300
    learning_rate: float = 3e-3
    mid_anchor: float = 5e-2  # the same pull on the weights of the mid-level features


@dataclass(frozen=True)
class Score:
    accuracy: float
    loss: float  # mean negative log likelihood
    count: int

    def as_dict(self) -> dict[str, float]:
        return {"accuracy": round(self.accuracy, 4), "loss": round(self.loss, 4), "n": self.count}


@dataclass(frozen=True)
class LabelledSet:
    features: np.ndarray  # (N, D) float32
    labels: np.ndarray  # (N,) int

    def __len__(self) -> int:
        return len(self.labels)

    @classmethod
    def load(cls, path: Path) -> LabelledSet:
        with np.load(path) as stored:
            return cls(
                np.asarray(stored["features"], dtype=np.float32),
                np.asarray(stored["labels"], dtype=np.int64),
            )

    def subset(self, index: np.ndarray) -> LabelledSet:
        return LabelledSet(self.features[index], self.labels[index])


@dataclass
class LearningReport:
    """What one "improve the model" round did, in words for the person."""

    outcome: str  # "adopted", "refused", "not enough" or "failed"
    message: str
    version: ModelVersion | None = None
    seconds: float = 0.0
    problems: list[str] | None = None

    @property
    def adopted(self) -> bool:
        return self.outcome == "adopted"


@dataclass
class RecheckReport:
    checked: int
    suggested: int
    version: str
    cancelled: bool = False
    problems: int = 0

    @property
    def message(self) -> str:
        if self.cancelled:
            return f"Re-check stopped after {self.checked} photos."
        if not self.suggested:
            return f"Re-checked {self.checked} photos: the model agrees with every album."
        return (
            f"Re-checked {self.checked} photos: {self.suggested} would now go to another album. "
            "They are listed under Review → Suggestions; nothing was moved."
        )


# -- the maths --------------------------------------------------------------------------


def score(head: Head, data: LabelledSet, temperature: float) -> Score:
    if not len(data):
        return Score(0.0, 0.0, 0)
    probabilities = softmax(head.logits(data.features), temperature).astype(np.float64)
    picked = probabilities[np.arange(len(data)), data.labels]
    return Score(
        accuracy=float((probabilities.argmax(axis=1) == data.labels).mean()),
        loss=float(-np.log(np.clip(picked, 1e-12, 1.0)).mean()),
        count=len(data),
    )


def decisions(
    head: Head,
    gate: SceneGate | None,
    threshold: float | None,
    data: LabelledSet,
    temperature: float,
) -> np.ndarray:
    """What a version decides for each example: a scene index, or OTHER_LABEL."""
    chosen: np.ndarray = softmax(head.logits(data.features), temperature).argmax(axis=1)
    if gate is None or threshold is None:
        return chosen
    return np.where(gate.scene_probability(data.features) < threshold, OTHER_LABEL, chosen)


def score_decisions(
    head: Head,
    gate: SceneGate | None,
    threshold: float | None,
    data: LabelledSet,
    temperature: float,
) -> Score:
    """:func:`score` of the whole decision: an Other example is right when the gate sends it
    to Other, a scene example when the gate lets it through to the right scene."""
    if not len(data):
        return Score(0.0, 0.0, 0)
    scenes = data.labels != OTHER_LABEL
    loss = score(head, data.subset(scenes), temperature).loss if scenes.any() else 0.0
    right = decisions(head, gate, threshold, data, temperature) == data.labels
    return Score(accuracy=float(right.mean()), loss=loss, count=len(data))


def _mixed_weights(user: int, replay: int, options: FitOptions) -> np.ndarray:
    """Per-example weights: the person's examples share ``options.user_share`` of the total
    (none when there are none), the replay set the rest."""
    share = options.user_share if user else 0.0
    return np.concatenate(
        [
            np.full(user, share / max(user, 1), dtype=np.float32),
            np.full(replay, (1.0 - share) / max(replay, 1), dtype=np.float32),
        ]
    )


def _adam(
    parameters: list[np.ndarray],
    gradients: Callable[[], list[np.ndarray]],
    options: FitOptions,
) -> None:
    """Full-batch Adam, in place: ``gradients()`` reads the parameters as they are now."""
    moments = [np.zeros_like(p) for p in parameters]
    squares = [np.zeros_like(p) for p in parameters]
    beta1, beta2, epsilon = 0.9, 0.999, 1e-8
    for step in range(1, options.steps + 1):
        for index, (parameter, gradient) in enumerate(zip(parameters, gradients(), strict=True)):
            moments[index] = beta1 * moments[index] + (1 - beta1) * gradient
            squares[index] = beta2 * squares[index] + (1 - beta2) * gradient**2
            corrected_moment = moments[index] / (1 - beta1**step)
            corrected_square = squares[index] / (1 - beta2**step)
            parameter -= (
                options.learning_rate * corrected_moment / (np.sqrt(corrected_square) + epsilon)
            )


def fit_gate(
    start: SceneGate,
    features: np.ndarray,
    is_scene: np.ndarray,
    replay: LabelledSet,
    options: FitOptions | None = None,
    name: str = "",
) -> SceneGate:
    """A gate trained from ``start`` on the person's photos (scenes and not) and the replay
    set (all scenes): weighted logistic loss, full-batch Adam, an L2 pull towards ``start``."""
    options = options or FitOptions()
    n = start.weights.shape[0]
    x = np.concatenate([features[:, :n], replay.features[:, :n]]).astype(np.float32)
    y = np.concatenate([is_scene.astype(np.float32), np.ones(len(replay), np.float32)])
    weights = _mixed_weights(len(features), len(replay), options)
    # The bias is the last parameter (a column of ones); the pull applies to the weights only.
    x = np.concatenate([x, np.ones((len(x), 1), np.float32)], axis=1)
    anchor = np.append(start.weights, np.float32(start.bias)).astype(np.float32)
    pull = np.full(n + 1, options.anchor, dtype=np.float32)
    pull[n] = 0.0
    theta = anchor.copy()

    def gradients() -> list[np.ndarray]:
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ theta, -30, 30)))
        return [x.T @ ((p - y) * weights) + 2.0 * pull * (theta - anchor)]

    _adam([theta], gradients, options)
    return SceneGate(theta[:n].astype(np.float32), float(theta[n]), start.thresholds, name)


def fit_head(
    start: Head,
    user: LabelledSet,
    replay: LabelledSet,
    temperature: float,
    options: FitOptions | None = None,
    name: str = "",
    pooled: int | None = None,
) -> Head:
    """A head trained from ``start`` on the person's examples mixed with the replay set.

    Full-batch Adam on the weighted cross-entropy of the calibrated softmax, plus an L2 pull
    towards ``start`` (so little data cannot drag the weights far): ``options.anchor`` on the
    first ``pooled`` features, ``options.mid_anchor`` on the rest (all are pooled when None).
    Deterministic.
    """
    options = options or FitOptions()
    x = np.concatenate([user.features, replay.features]).astype(np.float32)
    labels = np.concatenate([user.labels, replay.labels])
    classes = start.kernel.shape[1]
    onehot = np.eye(classes, dtype=np.float32)[labels]
    weights = _mixed_weights(len(user), len(replay), options)[:, None]
    kernel, bias = start.kernel.astype(np.float32).copy(), start.bias.astype(np.float32).copy()
    pull = np.full((len(kernel), 1), options.anchor, dtype=np.float32)
    pull[len(kernel) if pooled is None else pooled :] = options.mid_anchor

    def gradients() -> list[np.ndarray]:
        scaled = (x @ kernel + bias) / temperature
        scaled -= scaled.max(axis=1, keepdims=True)
        exp = np.exp(scaled)
        probabilities = exp / exp.sum(axis=1, keepdims=True)
        gradient_logits = (probabilities - onehot) * weights / temperature
        return [
            x.T @ gradient_logits + 2.0 * pull * (kernel - start.kernel),
            gradient_logits.sum(axis=0) + 2.0 * options.anchor * (bias - start.bias),
        ]

    _adam([kernel, bias], gradients, options)
    return Head(kernel, bias, name)


def held_out_mask(content_hashes: Sequence[str]) -> np.ndarray:
    """Which examples judge new versions instead of training them.

    The quarter whose content hash is lowest as a fraction of the hash space (and at least
    ``MIN_HELD_OUT``, the lowest hashes): an example held out once stays held out as more are
    added, so no version is ever judged on a photo it was trained on.
    """
    fractions = np.asarray([int(h[:12], 16) / 16**12 for h in content_hashes])
    mask = fractions < HELD_OUT_FRACTION
    if mask.sum() < MIN_HELD_OUT:
        mask[np.argsort(fractions, kind="stable")[:MIN_HELD_OUT]] = True
    return mask


def decide(
    candidate: Score,
    current: Score,
    check: Score,
    shipped_check: Score,
    check_to_other: float = 0.0,
    shipped_to_other: float = 0.0,
) -> tuple[bool, str]:
    """The adoption rule, and the reason in the person's words. ``check_to_other``: the share
    of the check set's scenes the new version's gate sends to Other (the shipped gate's:
    ``shipped_to_other``)."""
    more = round((candidate.accuracy - current.accuracy) * candidate.count)
    beats = more >= MIN_MORE_RIGHT
    loss = shipped_check.accuracy - check.accuracy
    was, now = (round(score.accuracy * candidate.count) for score in (current, candidate))
    yours = (
        f"of {candidate.count} of your photos it had not learnt from, {was} were right before "
        f"and {now} with it"
    )
    checked = f"{check.accuracy:.1%} on the check set (shipped model {shipped_check.accuracy:.1%})"
    if more == 1:
        return False, (
            f"Only one more right ({yours}): that could be chance, so the current model stays "
            "until more corrections show the way."
        )
    if not beats:
        return False, f"Not better on your photos ({yours}); the current model stays."
    if loss > CHECK_TOLERANCE + 1e-9:
        return False, (
            f"It would lose {100 * loss:.2f} points on the check set of all six scenes "
            f"({check.accuracy:.1%}, shipped model {shipped_check.accuracy:.1%}; at most "
            f"{100 * CHECK_TOLERANCE:.1f} allowed); the current model stays."
        )
    if check_to_other - shipped_to_other > OTHER_TOLERANCE + 1e-9:
        return False, (
            f"It would send {check_to_other:.1%} of the check set's scene photos to Other (the "
            f"shipped model {shipped_to_other:.1%}; at most {100 * OTHER_TOLERANCE:.0f} point "
            "more allowed); the current model stays."
        )
    return True, f"Better on your photos ({yours}); {checked}."


def _pixels(path: Path, size: int) -> np.ndarray | None:
    try:
        # A library file may have been replaced by anything: never read more than a photo.
        if os.stat(path).st_size > scanner.MAX_FILE_BYTES:
            raise ValueError("larger than any photo Cene sorts")
        return scanner.decode_for_model(path.read_bytes(), size)[0]
    except (OSError, ValueError) as error:
        log.info("Cannot read %s for learning: %s", path, error)
        return None


def read_features(
    classifier: SceneClassifier,
    paths: Sequence[Path],
    progress: LearningProgress | None = None,
    stage: str = "",
    cancel: threading.Event | None = None,
) -> list[np.ndarray | None]:
    """Pooled features of each photo file (None where it cannot be read), decoding the next
    batch in a thread while the model runs on this one."""
    size = classifier.info.input_size
    results: list[np.ndarray | None] = [None] * len(paths)
    starts = list(range(0, len(paths), BATCH))
    with ThreadPoolExecutor(2) as pool:

        def decode(start: int) -> list[np.ndarray | None]:
            return [_pixels(path, size) for path in paths[start : start + BATCH]]

        pending = pool.submit(decode, starts[0]) if starts else None
        for number, start in enumerate(starts):
            assert pending is not None
            decoded = pending.result()
            following = number + 1 < len(starts)
            pending = pool.submit(decode, starts[number + 1]) if following else None
            if cancel is not None and cancel.is_set():
                break
            good = [i for i, pixels in enumerate(decoded) if pixels is not None]
            if good:
                vectors = classifier.features(np.stack([decoded[i] for i in good]))  # type: ignore[misc]
                for i, vector in zip(good, vectors, strict=True):
                    results[start + i] = vector
            if progress is not None:
                progress(min(start + BATCH, len(paths)), len(paths), stage)
    return results


# -- versions ---------------------------------------------------------------------------


def switch_version(store: ModelStore, catalog: Catalog, name: str) -> None:
    """Use version ``name`` (or "shipped"); suggestions made by any other version go."""
    store.activate(name)
    catalog.clear_suggestions(keep_by=None if name == SHIPPED else name)


def describe_version(store: ModelStore, base_version: str) -> tuple[str, str]:
    """(short label, longer tooltip) of the version a library has active."""
    name = store.active_name()
    version = store.version(name) if name != SHIPPED else None
    if version is None:
        return f"Model {base_version}", "The model that came with Cene."
    if not store.usable(version):
        return (
            f"Model {base_version}",
            f"The model that came with Cene. Your version {name} was learnt for model "
            f"{version.base_version}, which this Cene no longer has; the next time Cene "
            "improves the model, it learns from your corrections again.",
        )
    total = version.examples + version.held_out
    return (
        f"Model {name} (learnt from {total} of your photos)",
        f"Adapted from {base_version} on {version.created[:10]}. {version.reason}",
    )


# -- the learner ------------------------------------------------------------------------


class Learner:
    """Improves one library's model from its owner's corrections, and re-checks its albums."""

    def __init__(
        self,
        library: Path,
        catalog: Catalog,
        classifier: SceneClassifier,
        store: ModelStore | None = None,
        options: FitOptions | None = None,
    ) -> None:
        self.library = library.resolve()
        self.catalog = catalog
        self.classifier = classifier
        self.store = store or ModelStore(self.library, classifier.info.version)
        self.options = options or FitOptions()
        info = classifier.info
        self.classes = tuple(info.classes)
        self.temperature = info.temperature
        self._check: LabelledSet | None = None
        self._replay: LabelledSet | None = None

    @property
    def check_set(self) -> LabelledSet:
        if self._check is None:
            self._check = LabelledSet.load(self.classifier.info.asset("check_set"))
        return self._check

    @property
    def replay_set(self) -> LabelledSet:
        if self._replay is None:
            self._replay = LabelledSet.load(self.classifier.info.asset("replay_set"))
        return self._replay

    def new_examples(self) -> int:
        """Labelled photos added since the last version was made (adopted or not)."""
        return new_examples(self.catalog, self.store)

    # -- features ------------------------------------------------------------------------

    def example_features(
        self, photos: Sequence[LabelledPhoto], progress: LearningProgress | None = None
    ) -> tuple[list[LabelledPhoto], np.ndarray, list[str]]:
        """Features of the labelled photos, the photos they belong to, and a problem line per
        photo that could not be read."""
        vectors = self.features_of(photos, progress, "Reading your photos")
        kept = [p for p, vector in zip(photos, vectors, strict=True) if vector is not None]
        problems = [
            f"{Path(p.current_path).name}: cannot be read, left out of learning"
            for p, vector in zip(photos, vectors, strict=True)
            if vector is None
        ]
        stacked = np.stack([v for v in vectors if v is not None]) if kept else np.zeros((0, 0))
        return kept, stacked.astype(np.float32), problems

    def _same_size(self, photo: LabelledPhoto | PhotoRecord) -> bool:
        try:
            return (
                os.stat(library_file_to_read(self.library, photo.current_path)).st_size
                == photo.size
            )
        except OSError:
            return False

    def features_of(
        self,
        photos: Sequence[LabelledPhoto | PhotoRecord],
        progress: LearningProgress | None = None,
        stage: str = "",
        cancel: threading.Event | None = None,
    ) -> list[np.ndarray | None]:
        """Pooled features of library photos: from the catalog's cache (filled when Cene
        sorted them), else read from the files and then cached; None where unreadable."""
        base = self.classifier.info.version
        cached = self.catalog.cached_features([p.content_hash for p in photos], base)
        for photo in photos:  # a file replaced since (edited elsewhere) is read again
            if photo.content_hash in cached and not self._same_size(photo):
                del cached[photo.content_hash]
        missing = [p for p in photos if p.content_hash not in cached]
        computed = read_features(
            self.classifier,
            [library_file_to_read(self.library, p.current_path) for p in missing],
            progress,
            stage,
            cancel,
        )
        fresh = {
            photo.content_hash: vector.astype("<f2").tobytes()
            for photo, vector in zip(missing, computed, strict=True)
            if vector is not None
        }
        if fresh:
            self.catalog.store_features(fresh, base)
        cached.update(fresh)
        return [
            np.frombuffer(cached[p.content_hash], dtype="<f2").astype(np.float32)
            if p.content_hash in cached
            else None
            for p in photos
        ]

    # -- improving -----------------------------------------------------------------------

    def improve(self, progress: LearningProgress | None = None) -> LearningReport:
        started = time.perf_counter()
        photos = self.catalog.labelled_photos()
        if len(photos) < MIN_EXAMPLES:
            return LearningReport(
                "not enough",
                f"Cene needs at least {MIN_EXAMPLES} photos you corrected or confirmed to learn "
                f"from; this library has {len(photos)}.",
            )
        kept, vectors, problems = self.example_features(photos, progress)
        labels = np.asarray(
            [
                OTHER_LABEL if p.album == OTHER else self.classes.index(p.album.lower())
                for p in kept
            ],
            dtype=np.int64,
        )
        examples = LabelledSet(vectors, labels)
        held = held_out_mask([p.content_hash for p in kept])
        training, judging = examples.subset(~held), examples.subset(held)
        if len(training) < MIN_TRAINING or len(judging) < MIN_HELD_OUT:
            return LearningReport(
                "not enough",
                f"Only {len(kept)} of your labelled photos could be read; Cene needs "
                f"{MIN_EXAMPLES}.",
                problems=problems,
            )
        if progress is not None:
            progress(0, 1, "Learning")
        name = self.store.next_name()
        shipped = self.classifier.shipped_head
        current = self.store.active_head(shipped)
        current_name = current.name  # "shipped" where the active version cannot be used
        scenes = training.labels != OTHER_LABEL
        candidate = fit_head(
            shipped,
            training.subset(scenes),
            self.replay_set,
            self.temperature,
            self.options,
            name,
            self.classifier.info.features.get("pooled"),
        )
        shipped_gate = self.classifier.shipped_gate
        current_gate = self._active_gate()
        new_gate = self._fit_gate(shipped_gate, training, name)
        candidate_gate = new_gate or current_gate
        cut = self.gate_threshold
        candidate_score = score_decisions(candidate, candidate_gate, cut, judging, self.temperature)
        current_score = score_decisions(current, current_gate, cut, judging, self.temperature)
        check = score(candidate, self.check_set, self.temperature)
        shipped_check = score(shipped, self.check_set, self.temperature)
        to_other = self._check_to_other(candidate_gate)
        shipped_to_other = self._check_to_other(shipped_gate)
        adopted, reason = decide(
            candidate_score, current_score, check, shipped_check, to_other, shipped_to_other
        )
        record = ModelVersion(
            name=name,
            created=now_iso(),
            base_version=self.classifier.info.version,
            adopted=adopted,
            reason=reason,
            examples=len(training),
            held_out=len(judging),
            labelled_total=len(photos),
            scores={
                "held_out": candidate_score.as_dict(),
                "held_out_current": current_score.as_dict(),
                "current": current_name,
                "check": check.as_dict(),
                "check_shipped": shipped_check.as_dict(),
                "check_to_other": round(to_other, 4),
                "check_to_other_shipped": round(shipped_to_other, 4),
                "gate": "adapted" if new_gate is not None else "unchanged",
            },
            seconds=round(time.perf_counter() - started, 2),
        )
        self.store.add(candidate, record, new_gate)
        if adopted:
            self.activate(name)
        if progress is not None:
            progress(1, 1, "Learning")
        log.info("Model version %s %s: %s", name, "adopted" if adopted else "refused", reason)
        message = (
            f"Cene learnt from {len(kept)} of your photos and now uses model {name}. {reason}"
            if adopted
            else f"Model {name} was not adopted. {reason}"
        )
        return LearningReport(
            "adopted" if adopted else "refused",
            message,
            record,
            time.perf_counter() - started,
            problems,
        )

    def _active_gate(self) -> SceneGate | None:
        """The gate of the version in use (None for a model without one)."""
        shipped = self.classifier.shipped_gate
        return None if shipped is None else self.store.active_gate(shipped)

    @property
    def gate_threshold(self) -> float | None:
        """The threshold learning judges gates by (the normal sensitivity's)."""
        shipped = self.classifier.shipped_gate
        return None if shipped is None else shipped.threshold(gate_module.DEFAULT_SENSITIVITY)

    def _fit_gate(
        self, shipped: SceneGate | None, training: LabelledSet, name: str
    ) -> SceneGate | None:
        """A gate adapted to this person's photos, when any of them is an Other example or
        one the shipped gate gets wrong; None when there is nothing for the gate to learn."""
        if shipped is None or not len(training):
            return None
        is_scene = training.labels != OTHER_LABEL
        judged = shipped.scene_probability(training.features) >= (self.gate_threshold or 0.0)
        if is_scene.all() and judged.all():
            return None
        return fit_gate(shipped, training.features, is_scene, self.replay_set, self.options, name)

    def _check_to_other(self, gate: SceneGate | None) -> float:
        if gate is None or self.gate_threshold is None:
            return 0.0
        return float((gate.scene_probability(self.check_set.features) < self.gate_threshold).mean())

    def activate(self, name: str) -> None:
        switch_version(self.store, self.catalog, name)

    def roll_back(self) -> str:
        previous = self.store.previous_name() or SHIPPED
        self.activate(previous)
        return previous

    # -- re-checking the albums ----------------------------------------------------------

    def recheck(
        self,
        threshold: float | None = None,
        progress: LearningProgress | None = None,
        cancel: threading.Event | None = None,
        other: str = gate_module.DEFAULT_SENSITIVITY,
    ) -> RecheckReport:
        """Suggest another album for every photo the active version would now place elsewhere.

        Photos a person corrected or confirmed are left alone (their album is a decision, not a
        guess). A suggestion is made only when the model is sure enough to sort the photo into
        that album (``threshold``, the model's calibrated default unless given). With the scene
        gate on (``other``: its sensitivity, or "off"), photos in scene albums or Unsorted that
        show no scene are suggested for Other, and photos in Other that do show a scene for
        that scene's album: a library sorted before Cene had an Other album is offered its
        non-scenes this way, and nothing moves unasked. What the version says of each photo is
        stored too, so the review pane asks about the photos the model in use is unsure of.
        """
        threshold = self.classifier.info.default_threshold if threshold is None else threshold
        head = self.store.active_head(self.classifier.shipped_head)
        gate = self._active_gate()
        other_threshold = None if gate is None else gate.threshold(other)
        photos: list[PhotoRecord] = [p for p in self.catalog.photos() if not p.corrected]
        vectors = self.features_of(photos, progress, "Re-checking", cancel)
        readable = [i for i, vector in enumerate(vectors) if vector is not None]
        suggestions: list[tuple[int, str, float]] = []
        predictions: list[tuple[int, str, float, str, dict[str, float], str, float | None]] = []
        version = self.classifier.version_of(head)
        if readable:
            stacked = np.stack([vectors[i] for i in readable])  # type: ignore[misc]
            probabilities = self.classifier.probabilities(stacked, head)
            verdicts = self.classifier.verdicts(probabilities)
            scene = None if gate is None else gate.scene_probability(stacked)
            for row, (i, verdict) in enumerate(zip(readable, verdicts, strict=True)):
                photo, sure = photos[i], verdict.confidence
                likely = None if scene is None else round(float(scene[row]), 5)
                predictions.append(
                    (
                        photo.id,
                        verdict.predicted,
                        sure,
                        verdict.runner_up,
                        verdict.probabilities,
                        version,
                        likely,
                    )
                )
                album, _ = gate_module.decide_album(
                    verdict.predicted, sure, verdict.runner_up, likely, threshold, other_threshold
                )
                if album == OTHER:
                    sure = 1.0 - float(likely or 0.0)  # how sure the gate is that it is none
                if album not in (UNSORTED, photo.album):
                    suggestions.append((photo.id, album, round(sure, 5)))
        cancelled = bool(cancel and cancel.is_set())
        if not cancelled:
            self.catalog.set_predictions(predictions)
            self.catalog.set_suggestions(suggestions, head.name)
        return RecheckReport(
            checked=len(readable),
            suggested=len(suggestions),
            version=head.name,
            cancelled=cancelled,
            problems=len(photos) - len(readable) if not cancelled else 0,
        )


def new_examples(catalog: Catalog, store: ModelStore) -> int:
    """Labelled photos added since the last version was made (adopted or not)."""
    versions = [version for version in store.versions() if store.usable(version)]
    seen = versions[-1].labelled_total if versions else 0  # after a new model: every one
    return max(0, catalog.labelled_count() - seen)


def improvement_due(catalog: Catalog, store: ModelStore, every: int) -> bool:
    """Whether to learn by itself now: ``every`` new corrections or more since the last
    version (Settings: "Improve the model after"; 0: only when asked)."""
    return every > 0 and new_examples(catalog, store) >= every
