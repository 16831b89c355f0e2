"""Realistic camera photos for benchmarks: sample scenes upscaled to 12 MP, with sensor-like
noise (so they compress like real photos, 3-5 MB each) and camera EXIF."""

from __future__ import annotations

import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "tests" / "data" / "intel-sample"
CLASSES = ("buildings", "forest", "glacier", "mountain", "sea", "street")
CAMERA_SIZE = (4000, 3000)  # 12 MP, 4:3


def sample_paths() -> list[Path]:
    if not SAMPLE_DIR.is_dir():
        raise SystemExit(f"sample photos not found at {SAMPLE_DIR}")
    return [p for name in CLASSES for p in sorted((SAMPLE_DIR / name).glob("*.jpg"))]


def camera_jpeg(source: Path, target: Path, seed: int) -> int:
    rng = np.random.default_rng(seed)
    base = Image.open(source).convert("RGB").resize(CAMERA_SIZE, Image.Resampling.BICUBIC)
    # A noise tile repeated over the frame: cheap to make, as costly to compress as real grain.
    tile = rng.normal(0, 6, (500, 500, 3)).astype(np.int16)
    noise = np.tile(tile, (CAMERA_SIZE[1] // 500, CAMERA_SIZE[0] // 500, 1))
    pixels = np.clip(np.asarray(base, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
    exif = Image.Exif()
    exif[0x010F] = "Cene Benchmark Camera"  # Make
    exif[0x0110] = "BX-12"  # Model
    exif[0x0112] = 1 if seed % 5 else 6  # every fifth photo was taken in portrait
    exif[0x8769] = {36867: f"2026:07:{1 + seed % 28:02d} 10:{seed % 60:02d}:00"}
    if target.suffix == ".HEIC":  # as a phone saves it: HEVC with a 320 px thumbnail inside
        import pillow_heif

        thumbnails = [] if target.stem.endswith("-bare") else [320]
        heif = pillow_heif.from_pillow(Image.fromarray(pixels))
        heif.save(
            target,
            quality=80,
            exif=exif.tobytes(),
            thumbnails=thumbnails,
            enc_params={"preset": "ultrafast"},  # 0.8 s a photo to make instead of 5 s
        )
    else:
        Image.fromarray(pixels).save(target, "JPEG", quality=92, exif=exif)
    return target.stat().st_size


def make_camera_folder(folder: Path, count: int, kind: str = "jpeg") -> list[Path]:
    """``count`` distinct 12 MP photos in ``folder`` (kept between runs: making them is slow);
    ``kind``: "jpeg" (a camera), "heic" (a phone) or "heic-bare" (HEIC with no thumbnail)."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = sample_paths()
    names = {
        "jpeg": "DSC_{:05d}.JPG",
        "heic": "IMG_{:05d}.HEIC",
        "heic-bare": "IMG_{:05d}-bare.HEIC",
    }
    name = names[kind]
    targets = [folder / name.format(i) for i in range(count)]
    missing = [(sources[i % len(sources)], t, i) for i, t in enumerate(targets) if not t.exists()]
    if missing:
        print(f"making {len(missing)} camera photos in {folder} (once) ...", flush=True)
        with ProcessPoolExecutor(2) as pool:
            list(pool.map(camera_jpeg, *zip(*missing, strict=True), chunksize=4))
    return targets


def fresh_copy(photos: list[Path], dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for path in photos:
        shutil.copyfile(path, dest / path.name)
    return dest
