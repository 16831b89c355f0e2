"""The shipped scene model through the app's own loading code."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from cene_desktop.core import classifier as classifier_module
from cene_desktop.core.classifier import ModelError, ModelInfo, SceneClassifier
from cene_desktop.core.scanner import Candidate, PreparedPhoto, prepare_photo

from ..conftest import needs_extra, sample_files


def prepared(per_class: int, size: int) -> tuple[list[str], np.ndarray]:
    labels, pixels = [], []
    for name, path in sample_files(per_class):
        info = path.stat()
        photo = prepare_photo(Candidate(path, info.st_size, info.st_mtime_ns), size)
        assert isinstance(photo, PreparedPhoto)
        labels.append(name)
        pixels.append(photo.pixels)
    return labels, np.stack(pixels)


def test_the_shipped_model_sorts_the_sample_photos(classifier) -> None:  # type: ignore[no-untyped-def]
    labels, pixels = prepared(40, classifier.info.input_size)
    probabilities = classifier.predict(pixels)
    assert probabilities.shape == (240, 6)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-4)
    predicted = [classifier.info.classes[i] for i in probabilities.argmax(axis=1)]
    accuracy = np.mean([p == t for p, t in zip(predicted, labels, strict=True)])
    assert accuracy >= 0.90, f"accuracy on the sample is {accuracy:.3f}"
    assert classifier.device.startswith("CPU (LiteRT")


def test_batches_of_any_size_give_the_same_answer(classifier) -> None:  # type: ignore[no-untyped-def]
    _, pixels = prepared(2, classifier.info.input_size)
    together = classifier.predict(pixels)
    one_by_one = np.concatenate([classifier.predict(pixels[i : i + 1]) for i in range(12)])
    assert np.allclose(together, one_by_one, atol=1e-5)


def test_a_gpu_is_used_when_tensorflow_sees_one(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # No GPU exists on this machine: pretend TensorFlow sees one and check the choice of path.
    monkeypatch.setattr(classifier_module, "nvidia_gpu_possible", lambda: True)
    monkeypatch.setattr(SceneClassifier, "_visible_gpus", lambda self: ["/physical_device:GPU:0"])
    chosen = []
    monkeypatch.setattr(SceneClassifier, "_load_keras", lambda self: chosen.append("keras"))
    monkeypatch.setattr(SceneClassifier, "_load_litert", lambda self: chosen.append("litert"))
    SceneClassifier()._load()
    assert chosen == ["keras"]
    monkeypatch.setattr(SceneClassifier, "_visible_gpus", lambda self: [])
    SceneClassifier()._load()
    assert chosen == ["keras", "litert"]


def test_without_tensorflow_a_gpu_machine_runs_on_litert(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`make run` installs TensorFlow only where nvidia-smi answers: a machine with an NVIDIA
    driver but no TensorFlow still sorts, on the CPU, and asking for TensorFlow says why not."""
    monkeypatch.setattr(classifier_module, "nvidia_gpu_possible", lambda: True)
    for name in ("tensorflow", "keras"):
        monkeypatch.setitem(sys.modules, name, None)  # importing it raises ImportError
    model = SceneClassifier()
    model.load()
    assert model.device.startswith("CPU (LiteRT")
    _, pixels = prepared(1, model.info.input_size)
    assert model.predict(pixels).shape == (6, len(model.info.classes))
    with pytest.raises(ModelError, match="needs TensorFlow, which is not installed"):
        SceneClassifier(backend="keras").load()


def test_a_missing_model_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelError, match="missing"):
        ModelInfo.load(tmp_path)


@needs_extra("gpu", "tensorflow", "keras")
def test_both_backends_give_the_same_features(classifier) -> None:  # type: ignore[no-untyped-def]
    """The TensorFlow path (used on a GPU) builds the same features as the LiteRT file: pooled
    and mid-level, standardised, so a head learnt on one works on the other."""
    _, pixels = prepared(2, classifier.info.input_size)
    keras_path = SceneClassifier(backend="keras")
    litert = classifier.exact()  # the fp32 file (where the int8 copy ships, its second looks)
    ours, theirs = litert.features(pixels), keras_path.features(pixels)
    assert ours.shape == theirs.shape == (12, classifier.info.features["pooled"] + 192)
    assert np.abs(ours - theirs).max() < 1e-3
    assert np.abs(ours[:, 1280:]).mean() > 0.1  # the mid-level part is really there
    assert np.allclose(litert.predict(pixels), keras_path.predict(pixels), atol=1e-3)


def test_a_damaged_feature_norm_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(ModelInfo.load().folder, folder)
    np.savez(folder / "feature_norm.npz", offset=np.zeros(4), scale=np.zeros(4))
    with pytest.raises(ModelError, match="damaged"):
        SceneClassifier(folder)
