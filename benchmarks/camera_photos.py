"""Realistic camera photos for benchmarks: sample scenes upscaled to 12 MP, with sensor-like
noise (so they compress like real photos, 3-5 MB each) and camera EXIF with the 160 x 120
picture cameras embed (every fourth photo is 3:2, its embedded picture letterboxed, as cameras
do); "jpeg-bare" photos have none, "jpeg-preview" ones also carry the Full HD preview (MPF)
many cameras store after the photo (1440 x 1080 at 4:3). Phone HEICs are about 1.3 MB with a
320 px thumbnail, as phones save them: the 12 MP phone HEICs of the real-photo set are 0.8-3.0
MB (median 1.5), and their thumbnails take 2.6-4 ms to decode (3.3 ms here; at quality 80 these
were 7.3 MB and took 6.6 ms)."""

from __future__ import annotations

import io
import shutil
import struct
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "tests" / "data" / "intel-sample"
CLASSES = ("buildings", "forest", "glacier", "mountain", "sea", "street")
CAMERA_SIZE = (4000, 3000)  # 12 MP, 4:3
WIDE_CAMERA_SIZE = (4240, 2832)  # 12 MP, 3:2
EMBEDDED_SIZE = (160, 120)  # what most cameras embed in their EXIF (IFD1)
PREVIEW_SIZE = (1920, 1080)  # the MPF "Full HD" preview many cameras add: 1440 x 1080 at 4:3
HEIC_QUALITY = 50  # x265 at this quality gives phone-sized files from these noisy pictures
#: Bumped when the photos made change, so that folders made before are made again.
MADE_BY = ".made-by-camera-photos-2"
_ASCII, _SHORT, _LONG = 2, 3, 4


def letterboxed(photo: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``photo`` fitted into ``size`` with black bars, as cameras make their embedded picture."""
    small = photo.copy()
    small.thumbnail(size, Image.Resampling.BICUBIC)
    framed = Image.new("RGB", size)
    framed.paste(small, ((size[0] - small.width) // 2, (size[1] - small.height) // 2))
    return framed


def _ifd(entries: list[tuple[int, int, int, bytes]], start: int, following: int) -> bytes:
    """A little-endian TIFF IFD at offset ``start``, its values longer than 4 bytes after it."""
    table = struct.pack("<H", len(entries))
    extra = b""
    values_at = start + 2 + 12 * len(entries) + 4
    for tag, kind, count, value in sorted(entries):
        if len(value) <= 4:
            field = value.ljust(4, b"\0")
        else:
            field = struct.pack("<I", values_at + len(extra))
            extra += value + b"\0" * (len(value) % 2)
        table += struct.pack("<HHI", tag, kind, count) + field
    return table + struct.pack("<I", following) + extra


def camera_exif(
    make: str = "Cene Benchmark Camera",
    model: str = "BX-12",
    orientation: int = 1,
    taken: str = "2026:07:01 10:00:00",
    thumbnail: bytes | None = None,
) -> bytes:
    """EXIF as a camera writes it (APP1 payload): make, model, orientation, date taken and,
    given ``thumbnail`` (a small JPEG), the embedded picture in IFD1."""

    def text(value: str) -> tuple[int, bytes]:
        encoded = value.encode() + b"\0"
        return len(encoded), encoded

    def build(exif_at: int, ifd1_at: int, picture_at: int) -> list[bytes]:
        ifd0 = _ifd(
            [
                (0x010F, _ASCII, *text(make)),
                (0x0110, _ASCII, *text(model)),
                (0x0112, _SHORT, 1, struct.pack("<H", orientation)),
                (0x8769, _LONG, 1, struct.pack("<I", exif_at)),
            ],
            8,
            ifd1_at if thumbnail else 0,
        )
        sub = _ifd([(0x9003, _ASCII, *text(taken))], exif_at, 0)
        if not thumbnail:
            return [ifd0, sub]
        ifd1 = _ifd(
            [
                (0x0103, _SHORT, 1, struct.pack("<H", 6)),
                (0x0201, _LONG, 1, struct.pack("<I", picture_at)),
                (0x0202, _LONG, 1, struct.pack("<I", len(thumbnail))),
            ],
            ifd1_at,
            0,
        )
        return [ifd0, sub, ifd1, thumbnail]

    sizes = [len(part) for part in build(0, 0, 0)]  # the lengths do not depend on the offsets
    offsets = [8 + sum(sizes[:i]) for i in range(len(sizes))] + [0, 0]
    tiff = b"II*\0" + struct.pack("<I", 8) + b"".join(build(*offsets[1:4]))
    return b"Exif\0\0" + tiff


#: MPF image types (CIPA DC-007): the primary image, and the large previews cameras add after it.
MPF_PRIMARY = 0x030000
MPF_PREVIEW_VGA = 0x010001
MPF_PREVIEW_FULL_HD = 0x010002
_UNDEFINED = 7


def with_mpf_preview(jpeg: bytes, preview: bytes, mp_type: int = MPF_PREVIEW_FULL_HD) -> bytes:
    """``jpeg`` as many cameras (Sony, Panasonic, ...) save it: an MPF index (APP2, after the
    EXIF) naming a large preview, ``preview`` (a JPEG), stored after the photo's end marker."""
    return with_mpf_previews(jpeg, [(preview, mp_type)])


def with_mpf_previews(jpeg: bytes, previews: list[tuple[bytes, int]]) -> bytes:
    """``jpeg`` with an MPF index naming ``previews`` (JPEG, MPF type), stored after it in that
    order (a Baseline MP file: the VGA preview, then the Full HD one)."""
    at = 2  # after SOI, and after the APP0/APP1 segments that lead the file
    while jpeg[at] == 0xFF and jpeg[at + 1] in (0xE0, 0xE1):
        at += 2 + struct.unpack(">H", jpeg[at + 2 : at + 4])[0]
    entries_at = 8 + 2 + 3 * 12 + 4  # TIFF header, IFD count, three tags, next IFD
    count = 1 + len(previews)
    segment_length = 2 + 4 + entries_at + 16 * count
    tiff_start = at + 4 + 4  # marker, length, "MPF\0"
    primary = len(jpeg) + 2 + segment_length
    entries = struct.pack("<IIIHH", 0x20000000 | MPF_PRIMARY, primary, 0, 0, 0)
    offset = primary - tiff_start
    for data, mp_type in previews:
        entries += struct.pack("<IIIHH", mp_type, len(data), offset, 0, 0)
        offset += len(data)
    index = b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", 3)
    index += struct.pack("<HHI4s", 0xB000, _UNDEFINED, 4, b"0100")
    index += struct.pack("<HHII", 0xB001, _LONG, 1, count)
    index += struct.pack("<HHII", 0xB002, _UNDEFINED, 16 * count, entries_at)
    index += struct.pack("<I", 0)
    segment = b"\xff\xe2" + struct.pack(">H", segment_length) + b"MPF\0" + index + entries
    return jpeg[:at] + segment + jpeg[at:] + b"".join(data for data, _ in previews)


def sample_paths() -> list[Path]:
    if not SAMPLE_DIR.is_dir():
        raise SystemExit(f"sample photos not found at {SAMPLE_DIR}")
    return [p for name in CLASSES for p in sorted((SAMPLE_DIR / name).glob("*.jpg"))]


def camera_jpeg(source: Path, target: Path, seed: int) -> int:
    rng = np.random.default_rng(seed)
    wide = target.suffix == ".JPG" and seed % 4 == 3
    size = WIDE_CAMERA_SIZE if wide else CAMERA_SIZE
    base = Image.open(source).convert("RGB").resize(size, Image.Resampling.BICUBIC)
    # A noise tile repeated over the frame: cheap to make, as costly to compress as real grain.
    tile = rng.normal(0, 6, (500, 500, 3)).astype(np.int16)
    noise = np.tile(tile, (-(-size[1] // 500), -(-size[0] // 500), 1))[: size[1], : size[0]]
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
            quality=HEIC_QUALITY,
            exif=exif.tobytes(),
            thumbnails=thumbnails,
            enc_params={"preset": "ultrafast"},  # 0.8 s a photo to make instead of 5 s
        )
    else:
        photo = Image.fromarray(pixels)
        thumbnail = None
        if not target.stem.endswith("-bare"):
            small = io.BytesIO()
            letterboxed(photo, EMBEDDED_SIZE).save(small, "JPEG", quality=85)
            thumbnail = small.getvalue()
        orientation = exif[0x0112]
        taken = exif[0x8769][36867]
        stream = io.BytesIO()
        photo.save(
            stream,
            "JPEG",
            quality=92,
            exif=camera_exif(orientation=orientation, taken=taken, thumbnail=thumbnail),
        )
        data = stream.getvalue()
        if target.stem.endswith("-preview"):  # and a Full HD preview after it, named by MPF
            preview, large = photo.copy(), io.BytesIO()
            preview.thumbnail(PREVIEW_SIZE, Image.Resampling.BICUBIC)
            preview.save(large, "JPEG", quality=85)
            data = with_mpf_preview(data, large.getvalue())
        target.write_bytes(data)
    return target.stat().st_size


def make_camera_folder(folder: Path, count: int, kind: str = "jpeg") -> list[Path]:
    """``count`` distinct 12 MP photos in ``folder`` (kept between runs: making them is slow);
    ``kind``: "jpeg" (a camera), "jpeg-bare" (no embedded picture), "jpeg-preview" (a camera
    that also stores a large preview after the photo, MPF), "heic" (a phone) or
    "heic-bare" (HEIC with no thumbnail)."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = sample_paths()
    names = {
        "jpeg": "DSC_{:05d}.JPG",
        "jpeg-bare": "DSC_{:05d}-bare.JPG",
        "jpeg-preview": "DSC_{:05d}-preview.JPG",
        "heic": "IMG_{:05d}.HEIC",
        "heic-bare": "IMG_{:05d}-bare.HEIC",
    }
    name = names[kind]
    if not (folder / MADE_BY).exists():
        for old in folder.iterdir():
            if old.is_file():
                old.unlink()
        (folder / MADE_BY).touch()
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
