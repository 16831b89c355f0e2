"""What counts as a photo, and reading one: content hash, EXIF orientation and date, pixels.

A photo is read from disk once: the same bytes are hashed and decoded. A camera JPEG is
classified from the small picture cameras embed in its EXIF (160 x 120 mostly, letterbox bars
cut), which costs a fortieth of decoding the photo; one without a usable embedded picture is
decoded at a reduced scale (``Image.draft``). HEIC/HEIF (phones) are read through pillow-heif,
from the small picture phones embed in them when it is big enough (else whole); AVIF by Pillow
itself, whole.

Memory is bounded by what a file needs, not by what it claims: a file without an image's
signature is refused from its first 64 KB, one larger than any photo by its size, and every
read thread reserves the bytes it will hold (file and decoded pixels) from one shared budget
first, so a large picture waits its turn and one too large for the budget is refused.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import stat
import struct
import threading
import warnings
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from cene_desktop.core import completeness, fileops
from cene_desktop.core.albums import ALBUMS

log = logging.getLogger(__name__)

#: HEIC/HEIF, what phones save by default: read through pillow-heif (libheif).
HEIF_SUFFIXES = frozenset({".heic", ".heif", ".hif"})
PHOTO_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".bmp", ".tif", ".tiff", ".avif"} | HEIF_SUFFIXES
)
RAW_SUFFIXES = frozenset(
    (".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".dng", ".raf", ".orf")
    + (".rw2", ".pef", ".srw", ".x3f", ".3fr", ".erf", ".kdc", ".mrw", ".raw", ".rwl", ".iiq")
)
UNSUPPORTED_SUFFIXES = {
    **dict.fromkeys(RAW_SUFFIXES, "RAW camera file (not supported yet; left in place)"),
    **dict.fromkeys(
        (".mp4", ".mov", ".avi", ".mkv", ".m4v", ".3gp", ".mts", ".m2ts", ".wmv", ".webm"),
        "video (Cene sorts photos only; left in place)",
    ),
    ".gif": "GIF image (animations and graphics are not sorted; left in place)",
}
#: Files that belong to the photo with the same name (IMG_0001.JPG): the RAW of a RAW+JPEG
#: pair, the video of a Live Photo, an iPhone edit (.AAE), metadata sidecars (IMG_0001.xmp or
#: IMG_0001.JPG.xmp). They go wherever their photo goes.
COMPANION_SUFFIXES = RAW_SUFFIXES | frozenset({".mov", ".mp4", ".aae", ".xmp", ".thm"})
#: Sidecars mean nothing without their photo: without one they are left alone in silence.
SIDECAR_SUFFIXES = frozenset({".aae", ".xmp", ".thm"})
#: Larger than any camera makes (a 102 MP medium format is 11648 x 8736), far smaller than a
#: decompression bomb.
MAX_PIXELS = completeness.MAX_DECLARED_PIXELS
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
_DECODABLE_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "BMP", "TIFF", "AVIF", "HEIF"})
_heif_lock = threading.Lock()
_heif_enabled = False
_EXIF_DATE_TAGS = (36867, 36868, 306)  # DateTimeOriginal, DateTimeDigitized, DateTime
STILL_BEING_WRITTEN = "still being copied: another program has it open for writing"
#: Larger than any photo Cene sorts (a 100 MP camera JPEG is 30-60 MB, a 48 MP 16-bit PNG about
#: 150 MB): such a file is refused by its size, unread.
MAX_FILE_BYTES = 200_000_000
#: What all read threads together may hold at once: file bytes plus decoded pixels. Beside
#: what a run needs anyway (the model classifying batches of 32: up to ~280 MB) this keeps it
#: under 500 MB, however many large images it meets (measured: 430 MB at most over the 19,057
#: damaged files; 616 MB with 320 MiB here).
MEMORY_BUDGET = 224 * 2**20
_HEAD_BYTES = 64 * 1024
#: Reserved for decoding before the whole file has been read and its picture measured.
_FIRST_GUESS_BYTES = 48 * 2**20
#: A JPEG's embedded picture is used for the model when the photo has at least this many
#: pixels (below, decoding the photo itself at a reduced scale is cheap already) ...
EMBEDDED_PICTURE_FOR_PIXELS = 2_000_000
#: ... and the embedded picture, bars cut, is at least this big on its shorter side.
EMBEDDED_PICTURE_MIN_SIDE = 100
#: A large preview a camera stores after the photo (MPF) stands for the photo itself when it is
#: at least this big on its shorter side, bars cut: the model sees a 224 px square either way,
#: so no second look from the whole photo is needed (``benchmarks/embedded_pictures.py``).
PREVIEW_FOR_PHOTO_SIDE = 400
#: An embedded picture shows the whole photo when its shape is the photo's within this share,
#: once uniform letterbox bars are cut; any other (a crop edited later, a stale one) is not used.
_SAME_SHAPE = 0.03
#: A strip of an embedded picture is a letterbox bar when its values vary this little.
_FLAT = 4.0
_ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
#: Bytes Pillow keeps per pixel for its modes; 4 for all the others (RGB is stored as RGBX).
_PILLOW_PIXEL_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}


@dataclass(frozen=True)
class Candidate:
    """A file that looks like a photo by its name, with the size and mtime it had when seen."""

    path: Path
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Skipped:
    """A file Cene left where it was, and why (a sentence for the user)."""

    path: Path
    reason: str  # empty: nothing worth telling (a sidecar without its photo)
    #: True when trying again later may succeed (the file may still be arriving).
    retry: bool = False
    #: True when the file is changing or open for writing right now: certainly not final.
    busy: bool = False
    #: A file that goes with a photo of the same name, if there is one (``companions_of``).
    companion: bool = False


@dataclass(frozen=True)
class PreparedPhoto:
    candidate: Candidate
    content_hash: str
    pixels: np.ndarray  # (S, S, 3) uint8, ready for the scene model
    width: int
    height: int
    taken_at: str | None
    #: The pixels come from the small picture the camera embedded, not the photo itself.
    embedded: bool = False


def is_excluded_dir(path: Path, library: Path | None) -> bool:
    """Album folders and Cene's state are never scanned, even when the library is inside."""
    if path.name.startswith("."):
        return True
    return library is not None and path.parent == library and path.name in ALBUMS


def classify_name(path: Path) -> str | None:
    """None for a name that looks like a photo; a skip reason for other media and for files
    that go with a photo; '' otherwise."""
    suffix = path.suffix.lower()
    if suffix in PHOTO_SUFFIXES:
        return None
    if suffix in SIDECAR_SUFFIXES:
        return "sidecar"
    return UNSUPPORTED_SUFFIXES.get(suffix, "")


def companion_tails(photo: Path) -> list[str]:
    """The name endings a companion of ``photo`` may have: ".CR2", ".mov", ".JPG.xmp", …"""
    return list(_tails_after(photo.suffix))


@functools.lru_cache(maxsize=64)
def _tails_after(suffix: str) -> tuple[str, ...]:
    tails: list[str] = []
    for ending in sorted(COMPANION_SUFFIXES):
        tails += [ending, ending.upper()]
    for spelling in sorted({suffix, suffix.lower(), suffix.upper()}):
        tails += [f"{spelling}.xmp", f"{spelling}.XMP"]
    return tuple(tails)


def companions_of(photo: Path) -> list[Path]:
    """Regular files beside ``photo`` that belong to it (same name, a companion's ending).

    Found by asking for each possible name (about fifty lstat calls, 0.2 ms in all), not by
    listing the folder, so a photo in a folder of 10,000 files costs the same as one in a
    folder of ten. The names are put together as strings: through ``Path.with_name`` the
    same fifty names cost four times as much as the calls themselves. On a case-insensitive
    file system two spellings may name one file: it is listed once.
    """
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()
    own = os.fspath(photo)
    base = own[: len(own) - len(photo.suffix)]
    for tail in _tails_after(photo.suffix):
        name = base + tail
        try:
            info = os.lstat(name)
        except OSError:
            continue
        key = (info.st_dev, info.st_ino)
        if stat.S_ISREG(info.st_mode) and key not in seen and name != own:
            seen.add(key)
            found.append(Path(name))
    return found


def photo_stem_of(companion: Path) -> tuple[Path, str]:
    """(folder, stem) of the photo ``companion`` would belong to: IMG_1.JPG.xmp → IMG_1."""
    name = companion.name
    if companion.suffix.lower() == ".xmp" and Path(companion.stem).suffix.lower() in PHOTO_SUFFIXES:
        name = companion.stem
    return companion.parent, Path(name).stem


def photo_beside(companion: Path) -> Path | None:
    """A photo with the companion's name in its folder, not yet sorted (or left there)."""
    folder, stem = photo_stem_of(companion)
    for suffix in sorted(PHOTO_SUFFIXES):
        for spelling in (suffix, suffix.upper()):
            path = folder / f"{stem}{spelling}"
            if path.is_file() and not path.is_symlink():
                return path
    return None


def examine(path: Path) -> Candidate | Skipped | None:
    """Decide what to do with one path: a candidate photo, a skip with reason, or None (ignore)."""
    if path.name.startswith(".") or path.name.startswith(fileops.PARTIAL_PREFIX):
        return None
    verdict = classify_name(path)
    if verdict == "":
        return None
    if not _name_is_text(path):
        return Skipped(
            path,
            "its name is not valid UTF-8 text (written by an old camera or a share with another "
            "character set): rename it and Cene will sort it; left in place",
        )
    try:
        link_info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        return Skipped(path, f"cannot be read: {fileops.describe_os_error(error, path)}")
    if path.suffix.lower() in COMPANION_SUFFIXES and stat.S_ISREG(link_info.st_mode):
        return Skipped(path, "" if verdict == "sidecar" else str(verdict), companion=True)
    if verdict == "sidecar":
        return None  # a link or a pipe with a sidecar's name: nothing to do with it
    if stat.S_ISLNK(link_info.st_mode):
        try:
            os.stat(path)
        except OSError as error:
            return Skipped(path, f"broken or looping symbolic link ({error.strerror})")
        return Skipped(path, "symbolic link: Cene sorts the photo itself, not links to it")
    if verdict is not None:
        return Skipped(path, verdict)
    if not stat.S_ISREG(link_info.st_mode):
        return Skipped(path, "not a regular file (a device, pipe or socket with a photo's name)")
    return Candidate(path, link_info.st_size, link_info.st_mtime_ns)


def _name_is_text(path: Path) -> bool:
    """False for a name with bytes that are not UTF-8 (Python keeps them as lone surrogates,
    which the catalog, the log and the window cannot store or show)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def display_path(path: Path | str) -> str:
    """``path`` as text anyone can print: bytes that are not UTF-8 shown as U+FFFD."""
    return os.fsencode(path).decode("utf-8", "replace")


def find_photos(root: Path, library: Path | None = None) -> Iterator[Candidate | Skipped]:
    """Every photo under ``root`` (and every media file Cene must skip), depth first, sorted.

    Directory symlinks are not followed, so a link loop cannot trap the scan.
    """
    library = library.resolve() if library is not None else None
    pending = [root.resolve()]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                items = sorted(entries, key=lambda entry: entry.name)
        except OSError as error:
            yield Skipped(folder, f"folder cannot be read: {error.strerror}")
            continue
        subfolders = []
        for entry in items:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if not is_excluded_dir(path, library):
                    subfolders.append(path)
                continue
            found = examine(path)
            if found is not None:
                yield found
        pending.extend(reversed(subfolders))


def _taken_at(image: Image.Image) -> str | None:
    try:
        exif = image.getexif()
        values = [exif.get_ifd(0x8769).get(tag) for tag in _EXIF_DATE_TAGS[:2]] + [exif.get(306)]
    except Exception:  # noqa: BLE001 - broken EXIF must not stop a photo from being sorted
        return None
    for value in values:
        if isinstance(value, str) and len(value) >= 19 and value[:4].isdigit():
            return value[:19].replace(":", "-", 2).replace(" ", "T")
    return None


def enable_heif() -> bool:
    """Teach Pillow to read HEIC/HEIF photos; done once, when Cene first meets one (importing
    libheif costs ~30 ms that a JPEG-only library never pays). False if it cannot be loaded."""
    global _heif_enabled
    with _heif_lock:
        if not _heif_enabled:
            try:
                import pillow_heif
            except ImportError as error:  # a broken install: HEIC photos are left in place
                log.error("HEIC support cannot be loaded: %s", error)
                return False
            pillow_heif.register_heif_opener()
            _heif_enabled = True
    return True


def _looks_like_heif(data: bytes) -> bool:
    """An ISO base media file (``ftyp`` box first) that is not AVIF, which Pillow reads itself."""
    return data[4:8] == b"ftyp" and data[8:12] not in (b"avif", b"avis")


def _heif_cut_short(data: bytes) -> bool:
    """Whether libheif says the HEIF ends too soon (Pillow hides why it could not open it):
    a photo still being copied, worth trying again."""
    import pillow_heif  # loaded already: enable_heif() succeeded before Pillow was asked

    try:
        pillow_heif.open_heif(io.BytesIO(data))
    except Exception as error:  # noqa: BLE001 - libheif raises SyntaxError, EOFError, … too
        return "end of file" in str(error).lower()
    return False


class _Refused(ValueError):
    """A readable file Cene will not decode (too large, a format it does not sort)."""


class _NeedsMore(Exception):
    """Decoding needs more of the memory budget than was reserved and it is not free now:
    give back what is held and start again with ``amount`` reserved (not a ValueError: it is
    no verdict on the file)."""

    def __init__(self, amount: int) -> None:
        super().__init__(amount)
        self.amount = amount


class _MemoryBudget:
    """Bytes the read threads may hold together. Each file reserves what it will need before it
    is read; reservations are served first come, first served, so a large picture waits until
    enough is free (and holds back those behind it) while small ones go on side by side. A
    thread blocks only while it holds nothing, so two threads can never wait for each other."""

    def __init__(self, total: int) -> None:
        self.total = total
        self._used = 0
        self._queue: deque[object] = deque()
        self._changed = threading.Condition()
        self._held = threading.local()

    def held(self) -> int | None:
        """What this thread has reserved, or None if it holds no reservation."""
        amount: int | None = getattr(self._held, "amount", None)
        return amount

    def reserve(self, amount: int) -> None:
        amount = min(amount, self.total)
        ticket = object()
        with self._changed:
            self._queue.append(ticket)
            while self._queue[0] is not ticket or self._used + amount > self.total:
                self._changed.wait()
            self._queue.popleft()
            self._used += amount
            self._changed.notify_all()
        self._held.amount = amount

    def grow_to(self, amount: int) -> bool:
        """Raise this thread's reservation to ``amount`` if that much is free now."""
        held = self.held() or 0
        with self._changed:
            if self._queue or self._used - held + amount > self.total:
                return False
            self._used += amount - held
        self._held.amount = amount
        return True

    def release(self) -> None:
        held = self.held()
        if held is None:
            return
        del self._held.amount
        if held > _TRIM_AFTER_BYTES:
            _give_memory_back()
        with self._changed:
            self._used -= held
            self._changed.notify_all()


#: After a decode this large, freed memory is handed back to the system: glibc keeps what a
#: thread freed in that thread's arena, so two read threads that each decoded a 24 MP WebP
#: once held 544 MB between them long after (measured), over the budget's promise.
_TRIM_AFTER_BYTES = 64 * 2**20  # above any camera JPEG's reservation: not every photo


def _give_memory_back() -> None:
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do, nothing lost
        pass


_budget = _MemoryBudget(MEMORY_BUDGET)


def _afford(amount: int, width: int, height: int) -> None:
    """Make sure this thread holds ``amount`` bytes of the budget before it decodes; a picture
    that needs more than the whole budget is refused with a sentence."""
    if amount > _budget.total:
        raise _Refused(
            f"image too large to sort within Cene's memory budget ({width} x {height} pixels "
            f"would need {_megabytes(amount)} to decode; Cene keeps to "
            f"{_megabytes(_budget.total)}); left in place"
        )
    held = _budget.held()
    if held is None:
        _budget.reserve(amount)  # a caller of decode_for_model without prepare_photo
    elif amount > held and not _budget.grow_to(amount):
        raise _NeedsMore(amount)


def _megabytes(amount: int) -> str:
    if amount >= 10**9:
        return f"{amount / 10**9:.1f} GB"
    return f"{max(1, round(amount / 10**6))} MB"


def _pixel_bytes(mode: str) -> int:
    return _PILLOW_PIXEL_BYTES.get(mode, 4)


def _webp_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a WebP's first chunk (VP8X canvas, VP8L or VP8 frame header),
    read here because Pillow allocates the whole canvas as soon as it opens one."""
    kind = data[12:16]
    try:
        if kind == b"VP8X":
            return (
                int.from_bytes(data[24:27], "little") + 1,
                int.from_bytes(data[27:30], "little") + 1,
            )
        if kind == b"VP8L" and data[20] == 0x2F:
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if kind == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
            width, height = struct.unpack_from("<HH", data, 26)
            return width & 0x3FFF, height & 0x3FFF
    except (IndexError, struct.error):
        return None
    return None


def _jpeg_buffers_whole_image(data: bytes, progressive: bool) -> bool:
    """Whether libjpeg keeps every DCT coefficient of the picture in memory while decoding,
    whatever the scale: for a progressive JPEG, or one whose first scan lacks some components."""
    if progressive:
        return True
    pos, components = 2, 0
    while pos + 4 < len(data):
        if data[pos] != 0xFF:
            return False
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC) and pos + 9 < len(data):
            components = data[pos + 9]
        elif marker == 0xDA:
            return data[pos + 4] < components
        pos += 2 + length
    return False


#: What libwebp, libavif and libheif hold beside Pillow's picture: their own picture, the
#: bytes handed to Pillow and working rows. Measured: a 24 MP WebP peaks 374 MB above what the
#: process held before, 15.5 bytes a pixel, of which Pillow's RGBX picture is 4.
_CODEC_BYTES_PER_PIXEL = 12


def _decode_bytes(opened: Image.Image, data: bytes, width: int, height: int) -> int:
    """What decoding ``opened`` (after draft) holds at its peak, file bytes included."""
    pixels = opened.width * opened.height
    decoded = pixels * _pixel_bytes(opened.mode)
    # A PNG's EXIF may lie after its picture: until it is decoded it counts as upright, and
    # is measured again once its EXIF is known.
    exif_unread = (
        opened.format == "PNG" and "exif" not in opened.info and getattr(opened, "tile", None)
    )
    try:
        orientation = 1 if exif_unread else opened.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - broken EXIF: exif_transpose says what it makes of it
        orientation = 1
    # Turning it upright or making it RGB needs a second picture beside the first.
    second = 0
    if opened.mode != "RGB":
        second = pixels * 4
    elif orientation in range(2, 9):
        second = decoded
    extra = 0
    if opened.format in ("WEBP", "AVIF", "HEIF"):
        extra = _CODEC_BYTES_PER_PIXEL * pixels
    elif opened.format == "TIFF":
        extra = len(data)  # libtiff is handed a copy of the file
    elif opened.format in ("JPEG", "MPO") and _jpeg_buffers_whole_image(
        data, bool(opened.info.get("progressive") or opened.info.get("progression"))
    ):
        layers = getattr(opened, "layer", None) or [("", 1, 1, 0)]
        h_max = max(layer[1] for layer in layers)
        v_max = max(layer[2] for layer in layers)
        extra = sum(
            -(-width * layer[1] // (8 * h_max)) * -(-height * layer[2] // (8 * v_max)) * 128
            for layer in layers
        )
    return len(data) + decoded + second + extra


def decode_for_model(
    data: bytes, size: int, embedded: bool = True
) -> tuple[np.ndarray, int, int, str | None]:
    """Pixels for the scene model: EXIF-upright, RGB, centre square, ``size`` x ``size``; from
    the picture a camera embeds in the JPEG where it is usable (``embedded=False``: never).

    Raises ValueError with a user-facing reason when the bytes are not a usable photo. Waits
    for its share of the memory budget when other threads hold much of it.
    """
    pixels, width, height, taken_at, _ = _decode_picture(data, size, embedded)
    return pixels, width, height, taken_at


def _decode_picture(
    data: bytes, size: int, embedded: bool
) -> tuple[np.ndarray, int, int, str | None, bool]:
    """:func:`decode_for_model`, and whether the pixels came from the embedded picture."""
    if _budget.held() is not None:
        return _decode_for_model(data, size, embedded)
    try:
        return _decode_for_model(data, size, embedded)
    except _NeedsMore as more:  # cannot happen without a reservation: kept for safety
        raise ValueError("image too large to decode in the memory available") from more
    finally:
        _budget.release()


def _decode_for_model(
    data: bytes, size: int, embedded: bool = True
) -> tuple[np.ndarray, int, int, str | None, bool]:
    if _looks_like_heif(data) and not enable_heif():
        raise ValueError(
            "HEIC photo, but this installation of Cene cannot read HEIC; left in place"
        )
    try:
        image, width, height, taken_at, small = _open_upright(data, size, embedded)
    except ValueError:
        small = False
        # Valid files Pillow refuses: BMP bit-field layouts it does not know (16-bit 4444,
        # 32-bit 11-11-10, …), and big-endian BigTIFF, whose header Pillow misreads.
        fallback = _bit_field_bmp(data) if data[:2] == b"BM" else None
        if fallback is not None:
            image, (width, height), taken_at = fallback, fallback.size, None
        elif data[:4] == _BIG_ENDIAN_BIGTIFF:
            image, width, height, taken_at, _ = _open_upright(_as_pillow_reads_it(data), size)
        else:
            raise
    square = image.resize(
        (size, size), Image.Resampling.BILINEAR, box=centre_square(image.width, image.height)
    )
    return np.asarray(square, dtype=np.uint8), width, height, taken_at, small


def centre_square(width: int, height: int) -> tuple[float, float, float, float]:
    """The box (left, top, right, bottom) of the centre square of a picture: what the model
    sees of a photo."""
    side = min(width, height)
    left, top = (width - side) / 2, (height - side) / 2
    return left, top, left + side, top + side


def _open_upright(
    data: bytes, size: int, embedded: bool = False
) -> tuple[Image.Image, int, int, str | None, bool]:
    """The photo decoded (at a reduced scale where the format allows it, or its embedded picture
    with ``embedded``), EXIF-upright, RGB; its size, date taken, and whether it is the embedded
    picture."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if data[:4] == b"RIFF" and (declared := _webp_size(data)) is not None:
                # Pillow allocates a WebP's whole canvas when it opens it: measure it first.
                pixels = declared[0] * declared[1]
                _afford(len(data) + (4 + _CODEC_BYTES_PER_PIXEL) * pixels, *declared)
            opened = Image.open(io.BytesIO(data))
            if opened.format not in _DECODABLE_FORMATS:
                raise _Refused(f"unsupported image format ({opened.format})")
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise _Refused(f"image too large ({width} x {height} pixels)")
            if opened.format == "PNG":  # its EXIF may follow the picture: reading it decodes
                _afford(_decode_bytes(opened, data, width, height), width, height)
            taken_at = _taken_at(opened)
            found = _embedded_picture(opened, data, size) if embedded else None
            if found is not None:
                picture, stands_for_photo = found
                return picture, width, height, taken_at, not stands_for_photo
            opened.draft("RGB", (size, size))
            _afford(_decode_bytes(opened, data, width, height), width, height)
            # In place and only when needed: a copy of a large picture is what does not fit.
            ImageOps.exif_transpose(opened, in_place=True)
            image = opened if opened.mode == "RGB" else opened.convert("RGB")
    except (_Refused, _NeedsMore):
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValueError("image too large (decompression bomb protection)") from error
    except UnidentifiedImageError as error:
        if _looks_like_heif(data) and _heif_cut_short(data):
            raise ValueError(f"incomplete HEIC: {completeness.ENDS_EARLY}") from error
        raise ValueError("not an image: the content is not a photo format Cene can read") from error
    except MemoryError as error:
        raise ValueError("image too large to decode in the memory available") from error
    # Pillow's and libheif's readers raise all sorts for a damaged file (OSError, SyntaxError,
    # EOFError, ValueError, RuntimeError, struct.error, even TypeError from a plugin): whatever
    # it is, the file is not a photo Cene can sort, and the person reads a sentence, not the
    # decoder's words (those go to the log).
    except Exception as error:  # noqa: BLE001
        kind = completeness.format_name(data) or "image"
        message = str(error).strip() or type(error).__name__
        log.info("Decoding failed (%s): %s", kind, message)
        if "truncated" in message or "end of file" in message.lower():
            raise ValueError(f"incomplete {kind}: {completeness.ENDS_EARLY}") from error
        raise ValueError(
            f"damaged {kind}: its picture data cannot be decoded (the file is corrupt)"
        ) from error
    return image, width, height, taken_at, False


def _embedded_picture(
    opened: Image.Image, data: bytes, size: int
) -> tuple[Image.Image, bool] | None:
    """The picture a camera embeds in a large JPEG, upright, RGB, letterbox bars cut, when it
    shows the whole photo at a size the model can use, and whether it stands for the photo (a
    large preview: its verdict needs no second look from the photo); else None. A large preview
    after the photo (MPF) comes first, then the small picture in the EXIF (IFD1)."""
    width, height = opened.size
    if opened.format not in ("JPEG", "MPO") or width * height < EMBEDDED_PICTURE_FOR_PIXELS:
        return None
    try:
        orientation = opened.getexif().get(0x0112)
    except Exception:  # noqa: BLE001 - an EXIF that cannot be read: no picture from it
        log.debug("EXIF unreadable", exc_info=True)
        return None
    preview = _large_preview(opened, data, size)
    if preview is not None:
        return _turned(preview[0], orientation), preview[1] >= PREVIEW_FOR_PHOTO_SIDE
    small = _exif_picture(opened)
    return None if small is None else (_turned(small, orientation), False)


def _turned(picture: Image.Image, orientation: object) -> Image.Image:
    """``picture`` as the photo of EXIF ``orientation`` is shown (its embedded pictures are
    stored as the photo is, not turned)."""
    if orientation in _ORIENTATION_TRANSPOSE:
        return picture.transpose(_ORIENTATION_TRANSPOSE[orientation])
    return picture


#: The largest preview Cene decodes: MPF's are at most Full HD (1920 x 1080, 1920 x 1440 at 4:3);
#: a larger one (a progressive JPEG is buffered whole) would be outside the memory budget.
_PREVIEW_MAX_SIDE = 2048
#: Where a JPEG's MPF index is looked for: its first segments (APP0, an EXIF of up to 64 KB).
_MPF_HEAD_BYTES = 192 * 1024
#: Window thumbnails read a camera's preview only from files up to this size (read whole).
_PREVIEW_FILE_LIMIT = 64 * 2**20


def camera_preview(path: Path, side: int) -> Image.Image | None:
    """The preview a camera stored after a JPEG photo (MPF), upright, RGB, bars cut, when it
    shows the whole photo at ``side`` pixels or more on its shorter side (decoded at the
    smallest scale that gives them): a window thumbnail made from it costs a tenth of decoding
    the photo. None when there is no such preview, or the file cannot be read."""
    try:
        with open(path, "rb") as stream:
            if os.fstat(stream.fileno()).st_size > _PREVIEW_FILE_LIMIT:
                return None
            head = stream.read(_MPF_HEAD_BYTES)  # the MPF index follows the EXIF (<= 64 KB)
            if _mpf_index_start(head) is None:
                return None
            data = head + stream.read()
        with Image.open(io.BytesIO(data)) as opened:
            if opened.format != "MPO":
                return None
            found = _large_preview(opened, data, side)
            orientation = opened.getexif().get(0x0112)
    except Exception:  # noqa: BLE001 - no preview: the photo itself is decoded
        log.debug("No camera preview in %s", display_path(path), exc_info=True)
        return None
    if found is None or found[1] < side:
        return None
    return _turned(found[0], orientation)


def _large_preview(opened: Image.Image, data: bytes, size: int) -> tuple[Image.Image, int] | None:
    """A preview a camera stored after the photo (MPF "large thumbnail", VGA or Full HD),
    decoded at the smallest scale that still gives the model ``size`` pixels, bars cut, and its
    shorter side at full scale: the smallest that stands for the photo (cheapest to decode),
    else the largest; None when there is none the model can use."""
    mp_index = getattr(opened, "mpinfo", None)  # Pillow reads MPF into it (format "MPO")
    if not isinstance(mp_index, dict):
        return None
    tiff_start = _mpf_index_start(data)
    if tiff_start is None:
        return None
    found: list[tuple[int, bytes]] = []
    try:
        for entry in mp_index.get(0xB002, [])[1:]:
            kind = str(entry["Attribute"]["MPType"])
            start, length = tiff_start + int(entry["DataOffset"]), int(entry["Size"])
            if kind.startswith("Large Thumbnail") and length and start + length <= len(data):
                found.append((length, data[start : start + length]))
    except (KeyError, TypeError, ValueError):  # an index Pillow accepted but cannot be read
        return None
    best: tuple[Image.Image, int] | None = None
    for _, preview in sorted(found, key=lambda item: item[0]):
        try:
            if completeness.damaged_reason(preview) is not None:
                continue
            with Image.open(io.BytesIO(preview)) as large:
                declared = large.size
                if (
                    large.format != "JPEG"
                    or declared[0] > opened.width
                    or declared[1] > opened.height
                    or max(declared) > _PREVIEW_MAX_SIDE
                ):
                    continue  # not a preview: larger than the photo, or than any preview
                large.draft("RGB", (size, size))
                large.load()
                decoded = large.convert("RGB")
        except Exception:  # noqa: BLE001 - a broken preview: the next one, or the photo
            log.debug("Large preview unusable", exc_info=True)
            continue
        picture = _without_bars(decoded, opened.width / opened.height)
        if picture is None or min(picture.size) < min(size, EMBEDDED_PICTURE_MIN_SIDE):
            continue
        best = picture, min(picture.size) * declared[0] // decoded.width
        if best[1] >= PREVIEW_FOR_PHOTO_SIDE:
            break
    return best


def _mpf_index_start(data: bytes) -> int | None:
    """Where the MPF index (the TIFF header in the APP2 segment the offsets count from) starts
    in a JPEG, looking only at the segments before its first scan."""
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA:
            return None
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker == 0xE2 and data[pos + 4 : pos + 8] == b"MPF\x00":
            return pos + 8
        pos += 2 + length
    return None


def _exif_picture(opened: Image.Image) -> Image.Image | None:
    """The small picture in a JPEG's EXIF (IFD1), RGB, bars cut, as it is stored (not turned)."""
    raw = opened.info.get("exif")
    if not isinstance(raw, bytes):
        return None
    try:
        exif = opened.getexif()
        ifd1 = exif.get_ifd(ExifTags.IFD.IFD1)
        offset, length = ifd1.get(0x0201), ifd1.get(0x0202)  # JPEGInterchangeFormat(Length)
        if not isinstance(offset, int) or not isinstance(length, int) or ifd1.get(0x0103, 6) != 6:
            return None
        start = offset + (6 if raw.startswith(b"Exif\x00\x00") else 0)
        data = raw[start : start + length]
        if len(data) != length or completeness.damaged_reason(data) is not None:
            return None
        with Image.open(io.BytesIO(data)) as small:
            if small.format != "JPEG" or min(small.size) < EMBEDDED_PICTURE_MIN_SIDE:
                return None
            small.load()
            decoded = small.convert("RGB")
    except Exception:  # noqa: BLE001 - a broken embedded picture: the photo itself is decoded
        log.debug("Embedded picture unusable", exc_info=True)
        return None
    picture = _without_bars(decoded, opened.width / opened.height)
    if picture is None or min(picture.size) < EMBEDDED_PICTURE_MIN_SIDE:
        return None
    return picture


def _without_bars(picture: Image.Image, aspect: float) -> Image.Image | None:
    """``picture`` with uniform bars on two sides cut so that it has the shape ``aspect``
    (width / height) of the photo; None when it has another shape and no such bars."""
    width, height = picture.size
    if abs(width / height / aspect - 1) <= _SAME_SHAPE:
        return None if _has_bars(picture) else picture
    if aspect > width / height:  # a wider photo: bars above and below
        return _without_bars_above_and_below(picture, aspect)
    # A taller photo: bars left and right, which are bars above and below of the picture turned.
    turned = _without_bars_above_and_below(picture.transpose(Image.Transpose.TRANSPOSE), 1 / aspect)
    return None if turned is None else turned.transpose(Image.Transpose.TRANSPOSE)


def _without_bars_above_and_below(picture: Image.Image, aspect: float) -> Image.Image | None:
    width, height = picture.size
    inner = round(width / aspect)
    cut = (height - inner) // 2
    if cut < 1:
        return None
    # JPEG's blocks smear the picture's edge into the bars: the rows next to it are not looked
    # at.
    edge = 2 if cut > 2 else 0
    for bar in ((0, 0, width, cut - edge), (0, cut + inner + edge, width, height)):
        values = np.asarray(picture.crop(bar), dtype=np.int16)
        if values.size == 0 or values.std() > _FLAT:  # picture, not a bar: another crop
            return None
    inside = picture.crop((0, cut, width, cut + inner))
    return None if _has_bars(inside) else inside


def _has_bars(picture: Image.Image) -> bool:
    """Flat strips along two opposite edges: the picture shows one of another shape (a photo
    turned or cropped after its embedded picture was made)."""
    values = np.asarray(picture, dtype=np.int16)
    height, width = values.shape[:2]
    rows, columns = max(2, height // 20), max(2, width // 20)

    def flat(strip: np.ndarray) -> bool:
        return bool(strip.size) and float(strip.std()) <= _FLAT

    return (flat(values[:rows]) and flat(values[-rows:])) or (
        flat(values[:, :columns]) and flat(values[:, -columns:])
    )


_BIG_ENDIAN_BIGTIFF = b"MM\x00\x2b"
# Pillow (13.0) tells BigTIFF from TIFF by the third byte, which is right for little-endian
# files only ("II+\0"): a big-endian one ("MM\0+") is read as a classic TIFF and fails. With
# the two version bytes the other way round, it is read as the BigTIFF it is.
_PILLOW_BIGTIFF_HEADER = b"MM\x2b\x00"


def _as_pillow_reads_it(data: bytes) -> bytes:
    from PIL import TiffImagePlugin

    if _PILLOW_BIGTIFF_HEADER not in TiffImagePlugin.PREFIXES:
        TiffImagePlugin.PREFIXES.append(_PILLOW_BIGTIFF_HEADER)
    return _PILLOW_BIGTIFF_HEADER + data[4:]


def _bit_field_bmp(data: bytes) -> Image.Image | None:
    """An uncompressed 16- or 32-bit BMP whose channels are given by bit masks
    (BI_BITFIELDS, BI_ALPHABITFIELDS), as RGB; None for anything else."""
    try:
        header = int.from_bytes(data[14:18], "little")
        width, height = struct.unpack_from("<ii", data, 18)
        bits, compression = struct.unpack_from("<HI", data, 28)
        if (
            header not in (40, 52, 56, 108, 124)
            or compression not in (3, 6)
            or bits not in (16, 32)
        ):
            return None  # (the header sizes of BITMAPINFOHEADER and its successors)
        if width <= 0 or width * abs(height) > MAX_PIXELS:
            return None
        # The unpacking below holds about 32 bytes a pixel at its peak.
        _afford(len(data) + 32 * width * abs(height), width, abs(height))
        masks_at = 54 if header >= 52 else 14 + header
        red, green, blue = struct.unpack_from("<III", data, masks_at)
        pixels_at = int.from_bytes(data[10:14], "little")
        row = ((width * bits + 31) // 32) * 4
        rows = np.frombuffer(data, np.uint8, row * abs(height), pixels_at).reshape(-1, row)
        kind = "<u2" if bits == 16 else "<u4"
        values = rows[:, : width * bits // 8].copy().view(kind).astype(np.uint32)
    except (struct.error, ValueError):
        return None
    channels = []
    for mask in (red, green, blue):
        if mask == 0:
            channels.append(np.zeros(values.shape, np.uint8))
            continue
        shift = (mask & -mask).bit_length() - 1
        top = mask >> shift
        channels.append(((((values & mask) >> shift) * 255 + top // 2) // top).astype(np.uint8))
    pixels = np.stack(channels, axis=-1)
    if height > 0:  # rows are stored bottom-up
        pixels = pixels[::-1]
    return Image.fromarray(np.ascontiguousarray(pixels), "RGB")


def prepare_photo(candidate: Candidate, size: int) -> PreparedPhoto | Skipped:
    """Read, hash and decode one candidate. Never raises for a bad file: returns Skipped."""
    try:
        return _prepare(candidate, size)
    except Exception:  # noqa: BLE001 - one file's surprise must never end a run
        # In the log with its traceback; the person reads the sentence below.
        log.info("Unexpected error while reading %s", display_path(candidate.path), exc_info=True)
        return Skipped(
            candidate.path,
            "Cene could not read it (an unexpected error; the log has the details); left in place",
        )


def _prepare(candidate: Candidate, size: int) -> PreparedPhoto | Skipped:
    path = candidate.path
    if completeness.being_written(path):
        return Skipped(path, STILL_BEING_WRITTEN, retry=True, busy=True)
    reserve: int | None = None
    while True:
        try:
            return _read_and_decode(candidate, size, reserve)
        except _NeedsMore as more:
            # Its picture needs more than was free: everything is given back, then it waits
            # for what it needs and is read again (holding nothing while it waits).
            if reserve is not None:
                raise  # the file changed between two readings
            reserve = more.amount
        finally:
            _budget.release()


def _read_and_decode(
    candidate: Candidate, size: int, reserve: int | None
) -> PreparedPhoto | Skipped:
    path = candidate.path
    try:
        with open(path, "rb") as stream:
            before = os.fstat(stream.fileno())
            head = stream.read(_HEAD_BYTES)
            refused = _refused_unread(candidate, before, head)
            if refused is not None:
                return refused
            _budget.reserve(reserve or before.st_size + _FIRST_GUESS_BYTES)
            stream.seek(0)
            data = stream.read(before.st_size + 1)
            after = os.fstat(stream.fileno())
    except OSError as error:
        return Skipped(path, f"cannot be read: {fileops.describe_os_error(error, path)}")
    if (
        after.st_size != candidate.size
        or after.st_mtime_ns != candidate.mtime_ns
        or len(data) != after.st_size
    ):
        return Skipped(path, "still being written", retry=True, busy=True)
    # Whole by its own account before anything else: a decoder accepts many cut-off files.
    damaged = completeness.damaged_reason(data)
    if damaged is not None:
        return Skipped(path, damaged, retry=True)
    content_hash = fileops.content_hash_bytes(data)
    try:
        pixels, width, height, taken_at, embedded = _decode_picture(data, size, True)
    except ValueError as error:
        reason = str(error)
        # A damaged file may yet be one still arriving: while watching it is looked at again
        # once nothing has changed it for a while, and only then reported.
        return Skipped(path, reason, retry=not reason.startswith(("image too large", "not an")))
    return PreparedPhoto(candidate, content_hash, pixels, width, height, taken_at, embedded)


def whole_picture(photo: PreparedPhoto, size: int) -> np.ndarray | None:
    """The model's pixels of ``photo`` from the photo itself, not its embedded picture: for a
    second look when the embedded picture's verdict is not clear. None when the file changed
    since it was read, or cannot be decoded whole (the first verdict then stands)."""
    candidate = photo.candidate
    try:
        with open(candidate.path, "rb") as stream:
            info = os.fstat(stream.fileno())
            if info.st_size != candidate.size or info.st_mtime_ns != candidate.mtime_ns:
                return None
            data = stream.read(info.st_size + 1)
        if len(data) != candidate.size:
            return None
        return decode_for_model(data, size, embedded=False)[0]
    except (OSError, ValueError) as error:
        log.info("Second look at %s failed: %s", display_path(candidate.path), error)
        return None


def _refused_unread(candidate: Candidate, info: os.stat_result, head: bytes) -> Skipped | None:
    """Why the file is left without reading more than its first 64 KB, if it is."""
    path = candidate.path
    if info.st_size != candidate.size or info.st_mtime_ns != candidate.mtime_ns:
        return Skipped(path, "still being written", retry=True, busy=True)
    if not head:
        return Skipped(path, "empty file (0 bytes)", retry=True)
    if not completeness.format_name(head):
        return Skipped(path, "not an image: the content is not a photo format Cene can read")
    if info.st_size > MAX_FILE_BYTES:
        return Skipped(
            path,
            f"image too large: the file is {_megabytes(info.st_size)}, more than any photo Cene "
            f"sorts (up to {_megabytes(MAX_FILE_BYTES)}); left in place",
        )
    return None


def candidates_from_paths(paths: Iterable[Path]) -> Iterator[Candidate | Skipped]:
    for path in paths:
        found = examine(path)
        if found is not None:
            yield found
