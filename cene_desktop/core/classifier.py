"""The scene model shipped in ``assets/model``: loaded lazily, run in batches, on the best device.

On a machine without an NVIDIA GPU the model runs through LiteRT (the TFLite runtime), which
loads in a fraction of a second; TensorFlow is imported only when a GPU may be present, and
never at import time of this module.

The network ends in 1280 pooled features, followed by 192 mid-level ones (block 11 averaged over
the image; the shipped head gives them zero weight, adapted heads may not), standardised here;
the last layer, the *head* (one matrix and a bias), is applied here in NumPy. The shipped head
lives in ``assets/model/head.npz``; a library may have adapted heads learnt from its owner's
corrections (``core.models``), and the classifier follows whichever the library has active.
Switching heads is exact: the same features and the same head always give the same
probabilities.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from cene_desktop.assets import asset_path
from cene_desktop.core.albums import SCENE_CLASSES
from cene_desktop.core.gate import GateError, SceneGate

log = logging.getLogger(__name__)


class ModelError(Exception):
    """The scene model is missing or unusable; the message says what to do."""


@dataclass(frozen=True)
class ModelInfo:
    """What ``metadata.json`` says about a model."""

    folder: Path
    name: str
    version: str
    classes: tuple[str, ...]
    input_size: int
    temperature: float
    default_threshold: float
    files: dict[str, str]
    metrics: dict[str, Any] = field(default_factory=dict)
    learning: dict[str, Any] = field(default_factory=dict)
    features: dict[str, Any] = field(default_factory=dict)  # what the model outputs
    gate: dict[str, Any] = field(default_factory=dict)  # the scene gate: thresholds, figures
    int8: dict[str, Any] = field(default_factory=dict)  # the int8 copy: its figures, ships or not

    @classmethod
    def load(cls, folder: Path | None = None) -> ModelInfo:
        folder = folder or asset_path("model")
        try:
            meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise ModelError(
                f"The scene model is missing ({folder / 'metadata.json'} not found). "
                "Reinstall Cene."
            ) from error
        except (OSError, ValueError) as error:
            raise ModelError(f"The scene model's metadata cannot be read: {error}") from error
        classes = tuple(meta["classes"])
        if set(classes) != set(SCENE_CLASSES):
            raise ModelError(f"The scene model knows {classes}, Cene expects {SCENE_CLASSES}.")
        return cls(
            folder=folder,
            name=str(meta.get("name", "scene model")),
            version=str(meta["version"]),
            classes=classes,
            input_size=int(meta["input_size"]),
            temperature=float(meta.get("temperature", 1.0)),
            default_threshold=float(meta.get("default_threshold", 0.8)),
            files=dict(meta["files"]),
            metrics=dict(meta.get("metrics", {})),
            learning=dict(meta.get("learning", {})),
            features=dict(meta.get("features", {})),
            gate=dict(meta.get("gate", {})),
            int8=dict(meta.get("int8", {})),
        )

    def shipped_head(self) -> Head:
        return Head.load(self.folder / self.files["head"])

    def shipped_gate(self) -> SceneGate | None:
        """The scene gate that came with the model; None for a model without one (every photo
        then goes to a scene album or Unsorted)."""
        if "gate" not in self.files:
            return None
        try:
            return SceneGate.load(self.asset("gate"), dict(self.gate.get("thresholds", {})))
        except GateError as error:
            raise ModelError(str(error)) from error

    def feature_norm(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(offset, scale) that standardise the model's output, if the model has them."""
        if "feature_norm" not in self.files:
            return None
        path = self.asset("feature_norm")
        offset, scale = load_arrays(path, ("offset", "scale"), "The model file")
        if offset.shape != scale.shape or offset.ndim != 1 or not np.all(scale > 0):
            raise ModelError(f"The model file {path} is damaged.")
        return offset, scale

    def asset(self, key: str) -> Path:
        return self.folder / self.files[key]

    def int8_ships(self) -> bool:
        """Whether the CPU path should run the int8 copy: the stage that made it found it as
        accurate as the fp32 file (``model_training.quantize``), and it is installed."""
        return (
            bool(self.int8.get("ships"))
            and "tflite_int8" in self.files
            and self.asset("tflite_int8").is_file()
        )


SHIPPED = "shipped"
#: Which LiteRT file to run: "auto" (int8 where its metadata says it ships), "fp32", "int8".
PRECISIONS = ("auto", "fp32", "int8")
#: Environment variable that overrides the default precision (benchmarks: "fp32").
PRECISION_VARIABLE = "CENE_MODEL_PRECISION"


def load_arrays(
    path: Path,
    keys: tuple[str, ...],
    what: str,
    shapes: dict[str, tuple[int | None, ...]] | None = None,
) -> list[np.ndarray]:
    """float32 arrays from an .npz file, or a ModelError saying which file cannot be read.

    ``shapes`` (None: any length) is checked from each array's header before any value is read,
    so a damaged or hostile file cannot make Cene allocate gigabytes."""
    try:
        if shapes:
            _check_shapes(path, shapes, what)
        with np.load(path, allow_pickle=False) as stored:
            return [np.asarray(stored[key], dtype=np.float32) for key in keys]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise ModelError(f"{what} {path} cannot be read: {error}") from error


def _check_shapes(path: Path, shapes: dict[str, tuple[int | None, ...]], what: str) -> None:
    with zipfile.ZipFile(path) as archive:
        for key, expected in shapes.items():
            with archive.open(f"{key}.npy") as member:
                version = np.lib.format.read_magic(member)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(member)
                else:
                    shape, _, dtype = np.lib.format.read_array_header_2_0(member)
            fits = len(shape) == len(expected) and all(
                want is None or want == got for want, got in zip(expected, shape, strict=True)
            )
            if not fits or dtype.kind != "f" or dtype.itemsize > 8:
                raise ModelError(
                    f"{what} {path} holds {key} of shape {shape} ({dtype}), not the "
                    f"{tuple('any' if n is None else n for n in expected)} Cene expects."
                )


@dataclass(frozen=True)
class Verdict:
    """The model's answer for one photo: its scene, how sure, the runner-up, every scene."""

    predicted: str
    confidence: float
    runner_up: str
    probabilities: dict[str, float]


@dataclass(frozen=True)
class Head:
    """The classification layer: logits = features @ kernel + bias."""

    kernel: np.ndarray  # (features, classes) float32
    bias: np.ndarray  # (classes,) float32
    name: str = SHIPPED

    @classmethod
    def load(
        cls, path: Path, name: str = SHIPPED, like: Head | None = None, features: int = 0
    ) -> Head:
        """The head in ``path``; with ``like`` (the shipped head) it must have as many classes
        and at most ``features`` rows (checked before its values are read)."""
        shapes: dict[str, tuple[int | None, ...]] | None = None
        if like is not None:
            classes = int(like.kernel.shape[1])
            shapes = {"kernel": (None, classes), "bias": (classes,)}
        kernel, bias = load_arrays(path, ("kernel", "bias"), "The model head", shapes)
        if features and kernel.shape[0] > features:
            raise ModelError(f"The model head {path} expects {kernel.shape[0]} features.")
        if kernel.ndim != 2 or bias.shape != (kernel.shape[1],):
            raise ModelError(f"The model head {path} has the wrong shape {kernel.shape}.")
        return cls(kernel, bias, name)

    def save(self, path: Path) -> None:
        with open(path, "wb") as stream:
            np.savez(stream, kernel=self.kernel, bias=self.bias)
            stream.flush()
            os.fsync(stream.fileno())

    def logits(self, features: np.ndarray) -> np.ndarray:
        result: np.ndarray = features.astype(np.float32, copy=False) @ self.kernel + self.bias
        return result

    def widened(self, features: int) -> Head:
        """The same head for a model with more features (the new ones weigh nothing): a
        version learnt before the model gained them predicts exactly as it did."""
        missing = features - self.kernel.shape[0]
        if missing < 0:
            raise ModelError(f"The model head {self.name} expects {self.kernel.shape[0]} features.")
        if not missing:
            return self
        padding = np.zeros((missing, self.kernel.shape[1]), dtype=np.float32)
        return Head(np.concatenate([self.kernel, padding]), self.bias, self.name)


class HeadSource(Protocol):
    """Where the active head and gate come from (``core.models.ModelStore``)."""

    def active_head(self, shipped: Head) -> Head: ...

    def active_gate(self, shipped: SceneGate) -> SceneGate: ...


def nvidia_gpu_possible() -> bool:
    """Cheap check (no TensorFlow import) for an NVIDIA driver on this machine."""
    return Path("/proc/driver/nvidia/version").exists() or Path("/dev/nvidiactl").exists()


def softmax(logits: np.ndarray, temperature: float) -> np.ndarray:
    scaled = logits.astype(np.float64) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    probabilities: np.ndarray = (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)
    return probabilities


class SceneClassifier:
    """Batch scene classification with calibrated probabilities.

    ``backend``: "auto" (GPU through TensorFlow when one is visible, else LiteRT on the CPU),
    "litert" or "keras". ``precision`` chooses the LiteRT file (``PRECISIONS``; default: the
    ``CENE_MODEL_PRECISION`` variable, else "auto"); the TensorFlow path is always float32.
    Thread-safe; the model loads on first use. ``follow(source)`` makes predictions use the
    head a library has active (checked before every batch).
    """

    def __init__(
        self,
        model_dir: Path | None = None,
        backend: str = "auto",
        threads: int | None = None,
        precision: str | None = None,
    ) -> None:
        self.info = ModelInfo.load(model_dir)
        self.backend = backend
        self.precision = precision or os.environ.get(PRECISION_VARIABLE) or "auto"
        if self.precision not in PRECISIONS:
            raise ValueError(f"unknown precision {self.precision!r}, expected one of {PRECISIONS}")
        self.threads = threads or os.cpu_count() or 1
        self.device = "not loaded"
        self.load_seconds = 0.0
        self._lock = threading.Lock()
        self._run: Any = None
        self._interpreter: Any = None
        self._input: dict[str, Any] = {}
        self._outputs: list[int] = []
        self._batch = 0
        #: Running the int8 copy; ``exact()`` then gives the fp32 one for second looks.
        self.approximate = False
        self._exact: SceneClassifier | None = None
        self._exact_lock = threading.Lock()
        self.shipped_head = self.info.shipped_head()
        self.head = self.shipped_head
        self.shipped_gate = self.info.shipped_gate()
        self.gate = self.shipped_gate
        self._norm = self.info.feature_norm()
        self._source: HeadSource | None = None

    def follow(self, source: HeadSource | None) -> None:
        """Use the active head (and gate) of ``source`` (a library's model store) from now on."""
        self._source = source
        if source is None:
            self.head = self.shipped_head
            self.gate = self.shipped_gate
        if self._exact is not None:
            self._exact.follow(source)

    def exact(self) -> SceneClassifier:
        """The classifier for second looks: this one, or where this runs the int8 copy, the
        fp32 file with the same head and gate (loaded on first use)."""
        if not self.approximate:
            return self
        with self._exact_lock:
            if self._exact is None:
                exact = SceneClassifier(
                    self.info.folder, backend="litert", threads=self.threads, precision="fp32"
                )
                exact.follow(self._source)
                exact.load()
                self._exact = exact
            return self._exact

    def current_gate(self) -> SceneGate | None:
        """The scene gate of the active version: its own where learning adapted one."""
        if self._source is not None and self.shipped_gate is not None:
            self.gate = self._source.active_gate(self.shipped_gate)
        return self.gate

    def scene_probabilities(self, features: np.ndarray) -> np.ndarray | None:
        """P(scene) for each photo from its standardised features; None without a gate."""
        gate = self.current_gate()
        return None if gate is None else gate.scene_probability(features)

    @property
    def model_version(self) -> str:
        """The version predictions come from: the shipped one, or ``shipped+vN`` when adapted."""
        return self.version_of(self.current_head())

    def version_of(self, head: Head) -> str:
        return self.info.version if head.name == SHIPPED else f"{self.info.version}+{head.name}"

    def current_head(self) -> Head:
        if self._source is not None:
            self.head = self._source.active_head(self.shipped_head)
        return self.head

    @property
    def loaded(self) -> bool:
        return self._run is not None

    def load(self) -> None:
        with self._lock:
            if self._run is None:
                started = time.perf_counter()
                self._load()
                self.load_seconds = time.perf_counter() - started
                log.info(
                    "Scene model %s loaded in %.2f s on %s",
                    self.info.version,
                    self.load_seconds,
                    self.device,
                )

    def _load(self) -> None:
        backend = self.backend
        if backend == "auto":
            wants_gpu = nvidia_gpu_possible() or os.environ.get("CENE_FORCE_TENSORFLOW") == "1"
            backend = "keras" if wants_gpu and self._visible_gpus() else "litert"
        if backend == "litert" and "tflite" in self.info.files:
            self._load_litert()
        elif backend in ("litert", "keras"):
            self._load_keras()
        else:
            raise ValueError(f"unknown backend {self.backend!r}")

    def _visible_gpus(self) -> list[str]:
        """The GPUs TensorFlow can use; none where TensorFlow is not installed (the `gpu` extra
        brings it: the app alone runs on LiteRT)."""
        try:
            import tensorflow as tf
        except ImportError:
            log.warning(
                "An NVIDIA driver is present but TensorFlow is not installed, so the model runs "
                "on the CPU (install Cene's gpu extra to use the GPU)"
            )
            return []
        return [device.name for device in tf.config.list_physical_devices("GPU")]

    def _litert_file(self) -> tuple[Path, str]:
        """The LiteRT file to run and what to call it in ``device``."""
        if self.precision == "int8" or (self.precision == "auto" and self.info.int8_ships()):
            if "tflite_int8" not in self.info.files:
                raise ModelError("This scene model has no int8 copy; use the fp32 one.")
            return self.info.asset("tflite_int8"), "LiteRT int8"
        return self.info.asset("tflite"), "LiteRT"

    def _load_litert(self) -> None:
        path, name = self._litert_file()
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:  # LiteRT not installed: TensorFlow's copy of the same runtime
            import tensorflow as tf

            Interpreter = tf.lite.Interpreter  # noqa: N806
        try:
            self._interpreter = Interpreter(model_path=str(path), num_threads=self.threads)
        except (ValueError, RuntimeError, OSError) as error:
            raise ModelError(f"The scene model {path} cannot be loaded: {error}") from error
        self._input = self._interpreter.get_input_details()[0]
        # An int8 file has its pooled and mid-level features as two outputs (each with its own
        # scale); the features are them joined in that order, as the fp32 file outputs them.
        outputs = self._interpreter.get_signature_runner().get_output_details()
        names = [n for n in ("pooled", "mid") if n in outputs] or sorted(outputs)[:1]
        self._outputs = [int(outputs[n]["index"]) for n in names]
        self._batch = 0
        self.approximate = path != self.info.asset("tflite")
        self._run = self._run_litert
        self.device = f"CPU ({name}, {self.threads} threads)"

    def _litert_input(self, pixels: np.ndarray) -> np.ndarray:
        """The pixels as the file takes them: float32, or integers by its quantisation
        (uint8 with scale 1 and zero point 0 is the pixels themselves)."""
        dtype = np.dtype(self._input["dtype"])
        if dtype == np.float32:
            return np.ascontiguousarray(pixels, dtype=np.float32)
        scale, zero_point = self._input["quantization"]
        if dtype == pixels.dtype and (scale, zero_point) == (1.0, 0):
            return np.ascontiguousarray(pixels)
        limits = np.iinfo(dtype)
        values = np.round(pixels.astype(np.float32) / scale + zero_point)
        return np.ascontiguousarray(np.clip(values, limits.min, limits.max).astype(dtype))

    def _run_litert(self, pixels: np.ndarray) -> np.ndarray:
        interpreter = self._interpreter
        input_index = self._input["index"]
        if pixels.shape[0] != self._batch:
            interpreter.resize_tensor_input(input_index, list(pixels.shape), strict=False)
            interpreter.allocate_tensors()
            self._batch = pixels.shape[0]
        interpreter.set_tensor(input_index, self._litert_input(pixels))
        interpreter.invoke()
        parts = [np.array(interpreter.get_tensor(index)) for index in self._outputs]
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)

    def _load_keras(self) -> None:
        try:
            import keras
            import tensorflow as tf
        except ImportError as error:
            raise ModelError(
                "The TensorFlow path of the scene model needs TensorFlow, which is not installed "
                "(pip install 'cene[gpu]'); without it Cene runs the model through LiteRT."
            ) from error

        path = self.info.folder / self.info.files["keras"]
        try:
            model = keras.saving.load_model(path, compile=False)
        except (ValueError, OSError) as error:
            raise ModelError(f"The scene model {path} cannot be loaded: {error}") from error
        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            self.device = f"GPU ({details.get('device_name', gpus[0].name)}, TensorFlow)"
        else:
            self.device = "CPU (TensorFlow)"
        outputs = model.get_layer("avg_pool").output
        mid_layer = self.info.features.get("mid_layer")
        if mid_layer:  # as model_training.adaptation exports it for LiteRT
            mid = keras.layers.GlobalAveragePooling2D()(model.get_layer(mid_layer).output)
            outputs = keras.layers.Concatenate()([outputs, mid])
        features = keras.Model(model.input, outputs)
        self._run = lambda pixels: np.asarray(
            features(np.ascontiguousarray(pixels, dtype=np.float32), training=False)
        )

    def features(self, pixels: np.ndarray) -> np.ndarray:
        """Standardised features, shape (N, feature_dim) float32, for uint8 images
        (N, S, S, 3): what a head reads."""
        if pixels.ndim != 4 or pixels.shape[1:] != (self.info.input_size,) * 2 + (3,):
            raise ValueError(f"expected (N, {self.info.input_size}, {self.info.input_size}, 3)")
        self.load()
        with self._lock:
            raw = np.asarray(self._run(pixels), dtype=np.float32)
        if self._norm is None:
            return raw
        offset, scale = self._norm
        standardised: np.ndarray = (raw - offset) / scale
        return standardised

    def probabilities(self, features: np.ndarray, head: Head | None = None) -> np.ndarray:
        """Calibrated probabilities from pooled features, with ``head`` or the active one."""
        head = head or self.current_head()
        return softmax(head.logits(features), self.info.temperature)

    def predict(self, pixels: np.ndarray) -> np.ndarray:
        """Calibrated class probabilities, shape (N, 6), for uint8 images (N, S, S, 3)."""
        return self.classify(pixels)[0]

    def classify(self, pixels: np.ndarray) -> tuple[np.ndarray, str]:
        """Probabilities and the model version that gave them (one head for the whole batch)."""
        probabilities, version, _ = self.classify_with_features(pixels)
        return probabilities, version

    def classify_with_features(self, pixels: np.ndarray) -> tuple[np.ndarray, str, np.ndarray]:
        """:meth:`classify`, and the pooled features it came from (worth keeping: learning
        and re-checking then need not decode the photo again)."""
        head = self.current_head()
        features = self.features(pixels)
        return self.probabilities(features, head), self.version_of(head), features

    def verdicts(self, probabilities: np.ndarray) -> list[Verdict]:
        """What the model says of each photo, as the catalog stores it."""
        classes = self.info.classes
        out = []
        for row in probabilities:
            best, second = (int(i) for i in np.argsort(row)[::-1][:2])
            out.append(
                Verdict(
                    predicted=classes[best],
                    confidence=float(row[best]),
                    runner_up=classes[second],
                    probabilities={
                        name: round(float(p), 5) for name, p in zip(classes, row, strict=True)
                    },
                )
            )
        return out
