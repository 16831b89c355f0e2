"""What is a photo, and how bad input is reported and left alone."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import blake3
import numpy as np
import pytest
from PIL import Image

from cene_desktop.core import scanner
from cene_desktop.core.scanner import Candidate, PreparedPhoto, Skipped

from ..conftest import sample_files


def jpeg_bytes(width: int = 320, height: int = 240, exif: Image.Exif | None = None) -> bytes:
    rng = np.random.default_rng(width * height)
    image = Image.fromarray(rng.integers(0, 255, (height, width, 3), dtype=np.uint8))
    stream = io.BytesIO()
    image.save(stream, "JPEG", quality=90, exif=exif or Image.Exif())
    return stream.getvalue()


def phone_bytes(
    image: Image.Image, kind: str, exif: Image.Exif | None = None, thumbnail: int = 0
) -> bytes:
    """The photo as a phone saves it: HEIC (through pillow-heif's encoder, with an embedded
    ``thumbnail`` px thumbnail if asked) or AVIF."""
    stream = io.BytesIO()
    if kind == "HEIF":
        import pillow_heif

        pillow_heif.from_pillow(image).save(
            stream,
            quality=90,
            exif=(exif or Image.Exif()).tobytes(),
            thumbnails=[thumbnail] if thumbnail else [],
        )
    else:
        image.save(stream, kind, quality=90, exif=exif or Image.Exif())
    return stream.getvalue()


def png_claiming_size(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge size: a decompression bomb's calling card."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    data = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
    data += struct.pack(">I", zlib.crc32(chunk))
    idat = b"IDAT" + zlib.compress(b"\x00" * 100)
    data += struct.pack(">I", len(idat) - 4) + idat + struct.pack(">I", zlib.crc32(idat))
    return data + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))


def make_bad_folder(folder: Path) -> dict[str, str]:
    """Every kind of bad input, with the words its skip reason must contain."""
    folder.mkdir(parents=True, exist_ok=True)
    good = jpeg_bytes()
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "truncated.jpg").write_bytes(good[: len(good) // 2])
    (folder / "notes.jpg").write_bytes(b"this is a text file, not a photo\n" * 20)
    (folder / "garbage.png").write_bytes(os.urandom(4096))
    (folder / "bomb.png").write_bytes(png_claiming_size(40_000, 40_000))
    (folder / "IMG_0001.CR2").write_bytes(b"II*\x00raw")
    (folder / "IMG_0002.HEIC").write_bytes(b"\x00\x00\x00\x18ftypheic")
    with Image.open(sample_files(1)[0][1]) as sample:
        heic = phone_bytes(sample.convert("RGB"), "HEIF")
    (folder / "IMG_0004.HEIC").write_bytes(heic[: len(heic) // 2])
    (folder / "VID_0003.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    os.mkfifo(folder / "pipe.jpg")
    (folder / "loop.jpg").symlink_to(folder / "loop.jpg")
    (folder / "dangling.jpg").symlink_to(folder / "nowhere.jpg")
    return {
        "empty.jpg": "empty file",
        "truncated.jpg": "incomplete JPEG: the file ends early",
        "notes.jpg": "not an image",
        "garbage.png": "not an image",
        "bomb.png": "too large",
        "IMG_0001.CR2": "RAW",
        "IMG_0002.HEIC": "incomplete HEIC",  # the start of a HEIC header and nothing more
        "IMG_0004.HEIC": "incomplete HEIC: the file ends early",  # half copied: tried later
        "VID_0003.mp4": "video",
        "pipe.jpg": "not a regular file",
        "loop.jpg": "symbolic link",
        "dangling.jpg": "symbolic link",
    }


def reasons_for(folder: Path) -> dict[str, str]:
    reasons = {}
    for found in scanner.find_photos(folder):
        result = found if isinstance(found, Skipped) else scanner.prepare_photo(found, 224)
        if isinstance(result, Skipped):
            reasons[result.path.name] = result.reason
    return reasons


def test_every_kind_of_bad_input_gets_a_reason(tmp_path: Path) -> None:
    expected = make_bad_folder(tmp_path / "in")
    (tmp_path / "in" / "readme.txt").write_text("not media: ignored silently")
    reasons = reasons_for(tmp_path / "in")
    assert set(reasons) == set(expected)
    for name, words in expected.items():
        assert words.lower() in reasons[name].lower(), (name, reasons[name])


def test_the_scan_skips_album_folders_and_hidden_folders(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    library = photos / "Sorted"
    for folder in (
        photos / "2024" / "trip",
        library / "Sea",
        library / ".cene",
        photos / ".thumbs",
    ):
        folder.mkdir(parents=True)
        (folder / "p.jpg").write_bytes(jpeg_bytes())
    found = [f.path for f in scanner.find_photos(photos, library)]
    assert found == [photos / "2024" / "trip" / "p.jpg"]


def test_exif_orientation_is_applied_before_classification(tmp_path: Path) -> None:
    # Stored 400 x 200: top half red, bottom half blue. Orientation 6 turns it 90 degrees
    # clockwise for display, so the upright photo is red on the right, blue on the left.
    stored = np.zeros((200, 400, 3), dtype=np.uint8)
    stored[:100, :, 0] = 255
    stored[100:, :, 2] = 255
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8769] = {36867: "2024:07:14 09:30:00"}
    stream = io.BytesIO()
    Image.fromarray(stored).save(stream, "JPEG", quality=95, exif=exif)
    path = tmp_path / "rotated.jpg"
    path.write_bytes(stream.getvalue())
    info = path.stat()
    prepared = scanner.prepare_photo(Candidate(path, info.st_size, info.st_mtime_ns), 64)
    assert isinstance(prepared, PreparedPhoto)
    left, right = (
        prepared.pixels[:, :24].mean(axis=(0, 1)),
        prepared.pixels[:, 40:].mean(axis=(0, 1)),
    )
    assert left[2] > 200 and left[0] < 50, left  # blue
    assert right[0] > 200 and right[2] < 50, right  # red
    assert prepared.taken_at == "2024-07-14T09:30:00"
    assert (prepared.width, prepared.height) == (400, 200)


def test_a_sample_photo_is_read_hashed_and_sized_for_the_model() -> None:
    _, path = sample_files(1)[0]
    info = path.stat()
    prepared = scanner.prepare_photo(Candidate(path, info.st_size, info.st_mtime_ns), 224)
    assert isinstance(prepared, PreparedPhoto)
    assert prepared.pixels.shape == (224, 224, 3) and prepared.pixels.dtype == np.uint8

    assert prepared.content_hash == blake3.blake3(path.read_bytes()).hexdigest()


def test_a_file_still_growing_is_not_prepared(tmp_path: Path) -> None:
    path = tmp_path / "copying.jpg"
    data = jpeg_bytes()
    path.write_bytes(data[:1000])
    info = path.stat()
    with path.open("ab") as stream:
        stream.write(data[1000:])
    result = scanner.prepare_photo(Candidate(path, info.st_size, info.st_mtime_ns), 64)
    assert isinstance(result, Skipped) and result.retry


def test_phone_photos_heic_and_avif_are_read_upright_like_jpegs() -> None:
    _, path = sample_files(1)[0]
    with Image.open(path) as opened:
        photo = opened.convert("RGB").resize((300, 200))  # landscape
    expected = scanner.decode_for_model(jpeg_bytes_of(photo), 224)[0].astype(int)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view": a phone held upright
    exif[0x8769] = {36867: "2026:07:14 09:30:00"}
    for kind in ("HEIF", "AVIF"):
        pixels, width, height, taken = scanner.decode_for_model(phone_bytes(photo, kind), 224)
        assert pixels.shape == (224, 224, 3) and (width, height) == (300, 200)
        assert np.abs(pixels.astype(int) - expected).mean() < 6, kind  # lossy, same picture
        upright, *_ = scanner.decode_for_model(
            phone_bytes(photo.transpose(Image.Transpose.ROTATE_90), kind, exif), 224
        )
        assert np.abs(upright.astype(int) - expected).mean() < 6, kind  # turned upright
        assert scanner.decode_for_model(phone_bytes(photo, kind, exif), 224)[3] == (
            "2026-07-14T09:30:00"
        ), kind


def jpeg_bytes_of(image: Image.Image) -> bytes:
    stream = io.BytesIO()
    image.save(stream, "JPEG", quality=95)
    return stream.getvalue()


def test_a_phone_photos_own_thumbnail_is_read_instead_of_the_whole_picture() -> None:
    _, path = sample_files(1)[0]
    with Image.open(path) as opened:
        photo = opened.convert("RGB").resize((1600, 1200), Image.Resampling.BICUBIC)
    with_thumbnail = phone_bytes(photo, "HEIF", thumbnail=320)
    scanner.enable_heif()
    with Image.open(io.BytesIO(with_thumbnail)) as opened:
        opened.draft("RGB", (224, 224))
        assert opened.size == (320, 240)  # pillow-heif hands over the embedded thumbnail
    quick, width, height, _ = scanner.decode_for_model(with_thumbnail, 224)
    whole = scanner.decode_for_model(phone_bytes(photo, "HEIF"), 224)[0]
    assert (width, height) == (1600, 1200)  # the photo's own size is still reported
    # the same picture, resampled along another path (320 px thumbnail vs 1600 px photo)
    assert np.abs(quick.astype(int) - whole.astype(int)).mean() < 10


def test_heic_with_alpha_ten_bits_or_grey_is_read_as_rgb() -> None:
    import pillow_heif

    scanner.enable_heif()
    ten_bit = (np.full((300, 400, 3), 512, dtype=np.uint16) << 6).tobytes()
    variants = {
        "alpha": pillow_heif.from_pillow(Image.new("RGBA", (400, 300), (200, 30, 30, 128))),
        "10 bit": pillow_heif.from_bytes(mode="RGB;16", size=(400, 300), data=ten_bit),
        "grey": pillow_heif.from_pillow(Image.new("L", (400, 300), 90)),
    }
    expected = {"alpha": (200, 30, 30), "10 bit": (128, 128, 128), "grey": (90, 90, 90)}
    for name, heif in variants.items():
        stream = io.BytesIO()
        heif.save(stream, quality=95)
        pixels = scanner.decode_for_model(stream.getvalue(), 224)[0]
        assert pixels.shape == (224, 224, 3) and pixels.dtype == np.uint8, name
        assert np.abs(pixels[112, 112].astype(int) - expected[name]).max() <= 4, name


def test_without_heic_support_a_heic_is_left_in_place_with_a_reason(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sys

    heic = phone_bytes(Image.new("RGB", (64, 48), (10, 200, 10)), "HEIF")
    monkeypatch.setattr(scanner, "_heif_enabled", False)
    monkeypatch.setitem(sys.modules, "pillow_heif", None)  # import fails: a broken install
    with pytest.raises(ValueError, match="cannot read HEIC"):
        scanner.decode_for_model(heic, 224)
    assert scanner.decode_for_model(jpeg_bytes(), 224)[0].shape == (224, 224, 3)  # JPEG still
