"""No photo is placed before it is whole, and none is lost to a copy that pauses.

Real photos (the sample JPEGs, and the HEIC, PNG, TIFF, … they become through the real encoders),
real writers that pause longer than the settle time, real inotify, a real second file system
(/dev/shm) where the machine has one.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import blake3
import pytest
from PIL import Image

from cene_desktop.core import completeness, scanner
from cene_desktop.core.catalog import Catalog
from cene_desktop.core.check import check_library
from cene_desktop.core.pipeline import Sorter, SortOptions, watch_folder
from cene_desktop.core.scanner import Candidate, PreparedPhoto, Skipped
from cene_desktop.core.watcher import FolderWatcher

from ..conftest import REPO, sample_files
from .test_cli import cene
from .test_scanner import phone_bytes
from .test_watch import Watching

CUTS = [step / 20 for step in range(1, 20)]  # every 5% of the length


def photo(size: int = 1200, index: int = 0) -> Image.Image:
    with Image.open(sample_files(3)[index][1]) as sample:
        return sample.convert("RGB").resize((size, size * 3 // 4))


def encoded(kind: str, image: Image.Image | None = None) -> bytes:
    """The photo as each supported format saves it (the way cameras, phones and editors do)."""
    image = image or photo()
    stream = io.BytesIO()
    if kind == "HEIC":
        return phone_bytes(image, "HEIF", thumbnail=320)
    if kind == "JPEG+thumbnail":  # a camera JPEG: EXIF with its own small JPEG inside
        thumb = io.BytesIO()
        image.resize((160, 120)).save(thumb, "JPEG")
        exif = Image.Exif()
        exif[0x010F] = "Camera"
        image.save(stream, "JPEG", quality=90, exif=exif.tobytes() + b"", progressive=False)
        data = stream.getvalue()
        # APP1 with the thumbnail's bytes inside: its EOI must not count as the photo's end.
        app1 = b"Exif\x00\x00" + thumb.getvalue()
        return data[:2] + b"\xff\xe1" + (len(app1) + 2).to_bytes(2, "big") + app1 + data[2:]
    options: dict[str, object] = {
        "JPEG": {"quality": 90},
        "JPEG progressive": {"quality": 90, "progressive": True},
        "PNG": {},
        "WEBP": {"quality": 90},
        "BMP": {},
        "TIFF": {"compression": "tiff_deflate"},
        "TIFF big-endian": {"compression": "raw"},
        "AVIF": {"quality": 70},
    }[kind]
    fmt = kind.split()[0]
    if kind == "TIFF big-endian":
        # Pillow writes little-endian; a big-endian TIFF is what some scanners and Macs make.
        from PIL import TiffImagePlugin

        with TiffImagePlugin.AppendingTiffWriter(stream, new=True) as writer:
            writer.setEndian(">")
            image.save(writer, "TIFF")
        return stream.getvalue()
    image.save(stream, fmt, **options)
    return stream.getvalue()


KINDS = [
    "JPEG",
    "JPEG progressive",
    "JPEG+thumbnail",
    "PNG",
    "WEBP",
    "BMP",
    "TIFF",
    "TIFF big-endian",
    "AVIF",
    "HEIC",
]


@pytest.mark.parametrize("kind", KINDS)
def test_a_whole_photo_is_whole_and_every_cut_of_it_is_not(kind: str, tmp_path: Path) -> None:
    data = encoded(kind)
    assert completeness.damaged_reason(data) is None
    whole = tmp_path / "whole"
    whole.write_bytes(data)
    assert isinstance(prepare(whole), PreparedPhoto)
    for fraction in CUTS:
        cut = tmp_path / f"cut-{fraction:.2f}"
        cut.write_bytes(data[: int(len(data) * fraction)])
        result = prepare(cut)
        # Decoders accept many of these (a HEIC's thumbnail, a JPEG at 1/8 scale): Cene must not.
        assert isinstance(result, Skipped), f"{kind} cut at {fraction:.0%} was taken as a photo"
        assert "the file ends early" in result.reason and result.retry, result.reason


def prepare(path: Path) -> PreparedPhoto | Skipped:
    info = path.stat()
    return scanner.prepare_photo(Candidate(path, info.st_size, info.st_mtime_ns), 224)


def test_a_png_whose_picture_data_fails_its_checksum_is_damaged(tmp_path: Path) -> None:
    data = bytearray(encoded("PNG"))
    idat = data.index(b"IDAT")
    data[idat + 4000] ^= 0x20  # one bit of the picture data flipped by a bad disk
    path = tmp_path / "flipped.png"
    path.write_bytes(bytes(data))
    result = prepare(path)
    assert isinstance(result, Skipped)
    assert result.reason.startswith("damaged PNG: the checksum of its IDAT chunk does not match")


def test_a_camera_jpeg_with_a_second_image_is_incomplete_until_that_image_is_there() -> None:
    """MPF (stereo pairs, large previews): the index says where the second image lies."""
    image = photo()
    first, second = io.BytesIO(), io.BytesIO()
    image.save(first, "JPEG", quality=90)
    image.resize((640, 480)).save(second, "JPEG", quality=80)
    head = first.getvalue()
    mp_header_at = 2 + 4 + 4  # after SOI, the APP2 marker and length, "MPF\0"
    entries = 2
    ifd = (
        b"MM\x00*"
        + (8).to_bytes(4, "big")
        + (1).to_bytes(2, "big")
        # MPEntry (0xB002), UNDEFINED, 16 bytes an image, stored after this IFD
        + b"\xb0\x02"
        + (7).to_bytes(2, "big")
        + (16 * entries).to_bytes(4, "big")
        + (8 + 2 + 12 + 4).to_bytes(4, "big")
        + (0).to_bytes(4, "big")
    )
    app2_length = 2 + 4 + len(ifd) + 16 * entries
    second_at = 2 + app2_length + len(head) - 2  # after SOI, APP2 and the first image
    table = (
        (0).to_bytes(4, "big") + len(head).to_bytes(4, "big") + (0).to_bytes(8, "big")
        + (0).to_bytes(4, "big") + len(second.getvalue()).to_bytes(4, "big")
        + (second_at + 2 - mp_header_at).to_bytes(4, "big") + (0).to_bytes(4, "big")
    )  # fmt: skip
    app2 = b"\xff\xe2" + app2_length.to_bytes(2, "big") + b"MPF\x00" + ifd + table
    data = head[:2] + app2 + head[2:] + second.getvalue()
    assert completeness.damaged_reason(data) is None
    cut = data[: len(data) - len(second.getvalue()) // 2]
    assert "ends early" in str(completeness.damaged_reason(cut))  # the first image is whole


def test_damaged_heic_files_are_skipped_with_a_sentence_never_an_exception(tmp_path: Path) -> None:
    """pillow-heif raises EOFError and SyntaxError for some damaged files: one such file used
    to end the whole run."""
    data = encoded("HEIC", photo(640))
    reasons = set()
    for offset in range(8, min(len(data), 2400), 7):  # flip bytes all over the boxes
        damaged = bytearray(data)
        damaged[offset] ^= 0xFF
        path = tmp_path / f"flip-{offset}.heic"
        path.write_bytes(bytes(damaged))
        result = prepare(path)
        if isinstance(result, Skipped):
            reasons.add(result.reason)
    assert reasons
    for reason in reasons:  # sentences a person reads, never a decoder's internals
        assert not any(word in reason for word in ("Error", "error -", "argument", "Traceback"))


def test_a_file_open_for_writing_is_being_written(tmp_path: Path) -> None:
    path = tmp_path / "IMG_0001.JPG"
    with path.open("wb") as stream:
        stream.write(b"\xff\xd8")
        assert completeness.being_written(path)
    assert not completeness.being_written(path)
    reader = path.open("rb")  # a viewer reading it is not a copy in progress
    try:
        assert not completeness.being_written(path)
    finally:
        reader.close()


# -- A copy that pauses ---------------------------------------------------------------------------


def other_file_system(tmp_path: Path) -> Path:
    """A folder on another file system than ``tmp_path`` (a tmpfs), or skip."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        pytest.skip("no /dev/shm here: the cross-file-system case needs a second file system")
    folder = Path(tempfile.mkdtemp(dir=shm))
    if os.stat(folder).st_dev == os.stat(tmp_path).st_dev:
        shutil.rmtree(folder)
        pytest.skip("/dev/shm is on the same file system as the test folder")
    return folder


def pausing_copy(data: bytes, target: Path, pause: float = 1.5, first: float = 0.4) -> None:
    """A USB or camera copy: 40% of the file, a pause longer than the settle time, the rest."""
    with target.open("wb") as stream:
        cut = int(len(data) * first)
        stream.write(data[:cut])
        stream.flush()
        time.sleep(pause)
        stream.write(data[cut:])


@contextlib.contextmanager
def watched(  # type: ignore[no-untyped-def]
    photos: Path, library: Path, classifier, mode: str, polling: bool = False
) -> Iterator[Watching]:
    state = Watching(photos, library)
    cancel = threading.Event()
    sorter = Sorter(library, photos, classifier, SortOptions(mode=mode, threshold=0.0))
    folder_watcher = FolderWatcher(
        photos, library, settle_seconds=0.5, polling=polling, poll_interval=0.2, notice=state.notice
    )
    thread = threading.Thread(
        target=watch_folder,
        args=(sorter, folder_watcher, cancel, state.on_outcome, state.notice),
        kwargs={"final_after": 3.0},
        daemon=True,
    )
    thread.start()
    try:
        state.wait_for(lambda: folder_watcher.running)
        yield state
    finally:
        cancel.set()
        thread.join(timeout=30)
        sorter.close()


def album_files(library: Path) -> list[Path]:
    return [
        p
        for p in library.glob("*/*")
        if p.is_file() and not p.name.startswith(".") and not p.parent.name.startswith(".")
    ]


@pytest.mark.parametrize("kind", ["HEIC", "JPEG"])
@pytest.mark.parametrize("mode", ["move", "copy"])
@pytest.mark.parametrize("across", [False, True], ids=["same disk", "inbox on another disk"])
def test_a_copy_that_pauses_while_watching_is_placed_once_whole(  # type: ignore[no-untyped-def]
    tmp_path: Path, classifier, kind: str, mode: str, across: bool
) -> None:
    photos = (other_file_system(tmp_path) if across else tmp_path) / "photos"
    photos.mkdir()
    library = tmp_path / "lib"
    data = encoded(kind, photo(1600))
    name = "IMG_0001.HEIC" if kind == "HEIC" else "IMG_0001.JPG"
    try:
        with watched(photos, library, classifier, mode) as state:
            pausing_copy(data, photos / name)
            state.wait_for(lambda: len(state.placed()) == 1)
            time.sleep(1.0)  # time enough for a wrong second placement to show
        (placed,) = album_files(library)
        assert placed.read_bytes() == data, f"{len(placed.read_bytes())} of {len(data)} bytes"
        assert [o.status for o in state.outcomes] == ["placed"]  # not "corrupt" first
        with contextlib.closing(Catalog.open(library)) as catalog:
            (record,) = catalog.photos()
        assert record.content_hash == blake3.blake3(data).hexdigest()
        left = photos / name
        assert (left.read_bytes() == data) if mode == "copy" else not left.exists()
        assert check_library(library, verify_bytes=True).clean
    finally:
        if across:
            shutil.rmtree(photos.parent, ignore_errors=True)


def writer_elsewhere(data: bytes, target: Path, pause: float = 1.5) -> None:
    """A copy from another machine onto a network drive: nothing here sees it open, and its
    pause is longer than the settle time (written, closed, reopened to append the rest). Cut
    at 95%, where a HEIC's picture decodes already: only its own structure tells."""
    cut = int(len(data) * 0.95)
    target.write_bytes(data[:cut])
    time.sleep(pause)
    with target.open("ab") as stream:
        stream.write(data[cut:])


@pytest.mark.parametrize("kind", ["HEIC", "JPEG"])
def test_polling_a_network_drive_keeps_the_completeness_checks(  # type: ignore[no-untyped-def]
    tmp_path: Path, classifier, kind: str
) -> None:
    photos, library = tmp_path / "share", tmp_path / "lib"
    photos.mkdir()
    data = encoded(kind, photo(1600))
    with watched(photos, library, classifier, "move", polling=True) as state:
        writer_elsewhere(data, photos / f"IMG_0003.{kind}")
        state.wait_for(lambda: len(state.placed()) == 1)
        time.sleep(1.0)
    (placed,) = album_files(library)
    assert placed.read_bytes() == data
    assert [o.status for o in state.outcomes] == ["placed"]


@pytest.mark.parametrize("kind", ["HEIC", "JPEG"])
@pytest.mark.parametrize("across", [False, True], ids=["same disk", "inbox on another disk"])
def test_cene_sort_during_a_paused_copy_leaves_the_file_alone(  # type: ignore[no-untyped-def]
    tmp_path: Path, kind: str, across: bool
) -> None:
    photos = (other_file_system(tmp_path) if across else tmp_path) / "photos"
    photos.mkdir()
    library = tmp_path / "lib"
    data = encoded(kind, photo(1600))
    target = photos / ("IMG_0002.HEIC" if kind == "HEIC" else "IMG_0002.JPG")
    try:
        writer = threading.Thread(target=pausing_copy, args=(data, target, 6.0))
        writer.start()
        time.sleep(0.5)  # 40% written, the writer paused with the file open
        during = cene_json("sort", str(photos), "--library", str(library), code=1)
        writer.join()
        (skipped,) = during["photos"]
        assert skipped["status"] == "skipped" and "still being copied" in skipped["reason"]
        assert album_files(library) == []
        after = cene_json("sort", str(photos), "--library", str(library))
        assert after["placed"] == 1
        (placed,) = album_files(library)
        assert placed.read_bytes() == data and not target.exists()
    finally:
        if across:
            shutil.rmtree(photos.parent, ignore_errors=True)


def test_a_copy_cut_off_is_reported_once_when_final_and_a_lone_video_too(  # type: ignore[no-untyped-def]
    tmp_path: Path, classifier
) -> None:
    photos, library = tmp_path / "photos", tmp_path / "lib"
    photos.mkdir()
    data = encoded("JPEG")
    with watched(photos, library, classifier, "move") as state:
        (photos / "cut.jpg").write_bytes(data[: len(data) // 2])  # at rest: the copy failed
        (photos / "VID_0001.MP4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(2000))
        time.sleep(1.5)
        assert state.outcomes == [], "reported before it could be final"
        state.wait_for(lambda: len(state.outcomes) == 2, timeout=20)
        time.sleep(4.0)  # looked at again? never told twice
    reasons = {o.source.name: o.reason for o in state.outcomes}
    assert len(state.outcomes) == 2
    assert "incomplete JPEG: the file ends early" in str(reasons["cut.jpg"])
    assert "video" in str(reasons["VID_0001.MP4"])
    assert sorted(p.name for p in photos.iterdir()) == ["VID_0001.MP4", "cut.jpg"]


# -- The command line --------------------------------------------------------------------------


def cene_json(*args: str, code: int = 0) -> dict:  # type: ignore[type-arg]
    result = cene(*args, "--json", code=code)
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_a_name_that_is_not_utf8_is_skipped_with_a_reason(tmp_path: Path) -> None:
    photos, library = tmp_path / "photos", tmp_path / "lib"
    photos.mkdir()
    (_, sample), (_, other) = sample_files(1)[:2]
    odd = os.path.join(os.fsencode(photos), b"caf\xe9.jpg")  # Latin-1, from an old camera
    with open(odd, "wb") as stream:
        stream.write(sample.read_bytes())
    shutil.copyfile(other, photos / "fine.jpg")
    result = cene_json("sort", str(photos), "--library", str(library), code=1)
    assert result["placed"] == 1
    (skipped,) = [p for p in result["photos"] if p["status"] == "skipped"]
    assert "not valid UTF-8" in skipped["reason"]
    with open(odd, "rb") as stream:
        assert stream.read() == sample.read_bytes()  # left exactly as it was
    text = cene("sort", str(photos), "--library", str(library), code=1)
    assert "not valid UTF-8" in text.stdout and "Traceback" not in text.stderr


@pytest.mark.parametrize("across", [False, True], ids=["same disk", "inbox on another disk"])
def test_moving_from_a_write_protected_folder_leaves_no_stray_copy(
    tmp_path: Path, across: bool
) -> None:
    """A locked SD card or a folder without write permission: nothing can be moved out."""
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        pytest.fail("setpriv (util-linux) is needed to drop root's write-anything capability")
    photos = (other_file_system(tmp_path) if across else tmp_path) / "card"
    photos.mkdir()
    library = tmp_path / "lib"
    _, sample = sample_files(1)[0]
    shutil.copyfile(sample, photos / "IMG_0001.JPG")
    photos.chmod(0o555)
    caps = "-dac_override,-dac_read_search,-fowner"
    prefix = (
        ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}"] if os.geteuid() == 0 else []
    )
    try:
        for _ in range(2):  # and no " (2)" on the next run
            result = subprocess.run(
                [*prefix, sys.executable, "-m", "cene_desktop", "sort", str(photos)]
                + ["--library", str(library), "--json"],
                capture_output=True,
                text=True,
                cwd=REPO,
                timeout=120,
            )
            assert result.returncode == 1, result.stderr
            (outcome,) = json.loads(result.stdout)["photos"]
            assert outcome["status"] == "skipped"
            assert "Nothing was moved" in outcome["reason"] and "copy mode" in outcome["reason"]
            assert album_files(library) == []
        assert (photos / "IMG_0001.JPG").read_bytes() == sample.read_bytes()
        with contextlib.closing(Catalog.open(library)) as catalog:
            assert catalog.photos() == []
    finally:
        photos.chmod(0o755)
        if across:
            shutil.rmtree(photos.parent, ignore_errors=True)


def test_cene_check_sees_links_whose_photo_is_gone_and_undo_does_not_claim_them(
    tmp_path: Path,
) -> None:
    photos, library = tmp_path / "photos", tmp_path / "lib"
    photos.mkdir()
    for name, path in sample_files(1)[:2]:
        shutil.copyfile(path, photos / f"{name}.jpg")
    cene_json("sort", str(photos), "--library", str(library), "--mode", "symlink")
    gone = sorted(photos.iterdir())[0]
    gone.unlink()  # deleted in the file manager
    checked = cene_json("check", str(library), code=1)
    assert not checked["clean"] and len(checked["broken_links"]) == 1
    undone = cene_json("undo", "--library", str(library), code=1)
    assert len(undone["restored"]) == 1
    (problem,) = undone["problems"]
    assert gone.name in problem and "is gone" in problem


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_sort_says_so_in_its_exit_status(tmp_path: Path, how: int) -> None:
    photos, library = tmp_path / "photos", tmp_path / "lib"
    photos.mkdir()
    for index in range(400):
        _, path = sample_files(40)[index % 240]
        data = path.read_bytes()
        (photos / f"IMG_{index:04d}.jpg").write_bytes(data + index.to_bytes(4, "big"))
    process = subprocess.Popen(
        [sys.executable, "-m", "cene_desktop", "sort", str(photos), "--library", str(library)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not album_files(library) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(how)
    process.communicate(timeout=120)
    assert process.returncode == 128 + how
    assert 0 < len(album_files(library)) < 400


def test_decoder_warnings_go_to_the_log_and_json_is_all_that_is_printed(tmp_path: Path) -> None:
    photos, library, logs = tmp_path / "photos", tmp_path / "lib", tmp_path / "logs"
    photos.mkdir()
    # A TIFF claiming 8 samples a pixel: Pillow logs an error about it, which used to reach
    # the terminal as "cene: More samples per pixel than can be decoded: 8".
    stream = io.BytesIO()
    photo(400).save(stream, "TIFF")
    tiff = bytearray(stream.getvalue())
    ifd = int.from_bytes(tiff[4:8], "little")
    for index in range(int.from_bytes(tiff[ifd : ifd + 2], "little")):
        entry = ifd + 2 + 12 * index
        if int.from_bytes(tiff[entry : entry + 2], "little") == 277:  # SamplesPerPixel
            tiff[entry + 8 : entry + 10] = (8).to_bytes(2, "little")
    (photos / "scan.tif").write_bytes(bytes(tiff))
    _, sample = sample_files(1)[0]
    shutil.copyfile(sample, photos / "fine.jpg")
    data = bytearray(encoded("JPEG"))
    (photos / "cut.jpg").write_bytes(bytes(data[: len(data) // 2]))
    result = cene(
        "sort",
        *(str(photos), "--library", str(library), "--json"),
        code=1,
        env={"CENE_LOG_DIR": str(logs)},
    )
    summary = json.loads(result.stdout)  # JSON and nothing else
    assert summary["placed"] == 1 and summary["skipped"] == 2
    assert result.stderr.strip() == "", result.stderr
    assert "More samples per pixel" in (logs / "cene.log").read_text()  # kept, in the log


# -- Valid files Pillow alone refuses ------------------------------------------------------------


def bit_field_bmp(image: Image.Image, bits: int, masks: tuple[int, int, int]) -> bytes:
    """An uncompressed BMP with BI_BITFIELDS channels (BITMAPV4 header), bottom-up."""
    import numpy as np

    pixels = np.asarray(image.convert("RGB")).astype(np.uint32)
    values = np.zeros(pixels.shape[:2], np.uint32)
    for channel, mask in enumerate(masks):
        shift = (mask & -mask).bit_length() - 1
        values |= ((pixels[..., channel] * (mask >> shift) + 127) // 255) << shift
    height, width = values.shape
    body = values[::-1].astype("<u2" if bits == 16 else "<u4").tobytes()
    row = ((width * bits + 31) // 32) * 4
    assert row == width * bits // 8  # widths used here need no padding
    header = (108).to_bytes(4, "little") + width.to_bytes(4, "little", signed=True)
    header += height.to_bytes(4, "little", signed=True) + (1).to_bytes(2, "little")
    header += bits.to_bytes(2, "little") + (3).to_bytes(4, "little")  # BI_BITFIELDS
    header += len(body).to_bytes(4, "little") + bytes(16)
    header += b"".join(m.to_bytes(4, "little") for m in (*masks, 0)) + bytes(108 - 56)
    start = 14 + len(header)
    return (
        b"BM"
        + (start + len(body)).to_bytes(4, "little")
        + bytes(4)
        + start.to_bytes(4, "little")
        + header
        + body
    )


def big_endian_bigtiff(image: Image.Image) -> bytes:
    """A big-endian BigTIFF ("MM\\0+"), one uncompressed RGB strip."""
    import struct

    import numpy as np

    pixels = np.asarray(image.convert("RGB"))
    height, width = pixels.shape[:2]
    data = pixels.tobytes()
    short = [(259, 1), (262, 2), (277, 3)]  # compression, RGB, samples per pixel
    long8 = [(256, width), (257, height), (278, height), (279, len(data))]
    count = len(short) + len(long8) + 2
    strip_at = 16 + 8 + 20 * count + 8
    entries = [(tag, struct.pack(">HHQ", tag, 3, 1) + struct.pack(">H6x", v)) for tag, v in short]
    entries += [(tag, struct.pack(">HHQQ", tag, 16, 1, v)) for tag, v in long8]
    entries += [(258, struct.pack(">HHQ", 258, 3, 3) + struct.pack(">HHHH", 8, 8, 8, 0))]
    entries += [(273, struct.pack(">HHQQ", 273, 16, 1, strip_at))]
    ifd = struct.pack(">Q", count) + b"".join(e for _, e in sorted(entries)) + bytes(8)
    return b"MM\x00\x2b" + struct.pack(">HHQ", 8, 0, 16) + ifd + data


@pytest.mark.parametrize(
    "kind",
    ["BMP 16-bit 4444", "BMP 32-bit 11-11-10", "BMP 32-bit 8-8-8", "TIFF big-endian BigTIFF"],
)
def test_valid_files_pillow_refuses_are_sorted(tmp_path: Path, kind: str) -> None:
    image = photo(320)
    if kind.startswith("BMP"):
        bits, masks = {
            "BMP 16-bit 4444": (16, (0x0F00, 0x00F0, 0x000F)),
            "BMP 32-bit 11-11-10": (32, (0xFFE00000, 0x001FFC00, 0x000003FF)),
            "BMP 32-bit 8-8-8": (32, (0x00FF0000, 0x0000FF00, 0x000000FF)),
        }[kind]
        data = bit_field_bmp(image, bits, masks)
    else:
        data = big_endian_bigtiff(image)
    path = tmp_path / ("photo.bmp" if kind.startswith("BMP") else "photo.tif")
    path.write_bytes(data)
    result = prepare(path)
    assert isinstance(result, PreparedPhoto), getattr(result, "reason", "")
    assert (result.width, result.height) == image.size
    expected = scanner.decode_for_model(encoded("PNG", image), 224)[0]
    assert abs(result.pixels.astype(int) - expected.astype(int)).mean() < 10  # the same picture
