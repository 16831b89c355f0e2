"""Memory stays bounded by what Cene can afford, not by what a file claims (issue 21, items 5-6).

Each image is tiny on disk and huge in pixels, made here; each is read in a child process whose
peak resident memory is measured by the kernel (``wait4``), the way a person would see it.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PEAK_LIMIT_MB = 500

READ_ONE = """
import sys
from pathlib import Path
from cene_desktop.core import scanner
found = scanner.examine(Path(sys.argv[1]))
result = found if isinstance(found, scanner.Skipped) else scanner.prepare_photo(found, 224)
print(result.reason if isinstance(result, scanner.Skipped) else "decoded")
"""


def lossless_webp(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A lossless WebP of one colour, written bit by bit (32 bytes, whatever its size): one
    prefix code of a single symbol per channel, so every pixel takes no bits at all."""
    bits = count = 0

    def put(value: int, width_in_bits: int) -> None:
        nonlocal bits, count
        bits |= value << count
        count += width_in_bits

    put(width - 1, 14)
    put(height - 1, 14)
    put(0, 4)  # no alpha, version 0
    put(0, 3)  # no transform, no colour cache, one group of prefix codes
    for symbol in (rgb[1], rgb[0], rgb[2], 255):  # green, red, blue, alpha
        put(0b101, 3)  # simple code, one symbol, of 8 bits
        put(symbol, 8)
    put(0b0001, 4)  # distance code: one symbol (0), of 1 bit
    payload = b"\x2f" + bits.to_bytes((count + 7) // 8, "little")
    chunk = b"VP8L" + struct.pack("<I", len(payload)) + payload + b"\0" * (len(payload) % 2)
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def write_png(path: Path, width: int, height: int, rgb: tuple[int, int, int]) -> None:
    """An 8-bit RGB PNG of one colour, compressed row by row (never whole in memory here)."""
    row = b"\x00" + bytes(rgb) * width
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def sparse_file(path: Path, size: int, start: bytes = b"") -> None:
    path.write_bytes(start)
    os.truncate(path, size)


#: Runs ``argv[2:]`` and writes its peak resident memory (kB) into the file ``argv[1]``. A child
#: of pytest itself would report pytest's own peak as well: Linux keeps a process's peak across
#: exec, and the child starts as a copy of pytest. The grandchild starts as a copy of this.
LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as peak:
    peak.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def peak_rss_mb(args: list[str], env: dict[str, str]) -> tuple[float, str, str]:
    """Run ``args``; its own peak resident memory in MB (from the kernel), stdout and stderr."""
    with tempfile.TemporaryDirectory() as folder:
        peak = Path(folder) / "peak"
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            command = [sys.executable, "-c", LAUNCHER, str(peak), *args]
            subprocess.run(command, stdout=out, stderr=err, cwd=REPO, env=env, check=False)
            out.seek(0)
            err.seek(0)
            output, errors = out.read().decode(), err.read().decode()
        return int(peak.read_text()) / 1024, output, errors


def test_the_peak_measured_is_the_childs_own_not_pytests() -> None:
    """pytest holding 300 MB more must not show in a small child's peak."""
    held = bytearray(300 * 2**20)
    held[::4096] = b"\x01" * len(held[::4096])  # touched: resident
    peak, out, _ = peak_rss_mb([sys.executable, "-c", "print('small')"], dict(os.environ))
    assert out.strip() == "small"
    assert peak < 100, f"{peak:.0f} MB: pytest's own memory was counted"
    del held


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data")}


def read_one(path: Path, env: dict[str, str]) -> tuple[float, str]:
    peak, out, err = peak_rss_mb([sys.executable, "-c", READ_ONE, str(path)], env)
    assert "Traceback" not in err, err
    return peak, out.strip()


def test_a_huge_lossless_webp_is_refused_within_the_budget(
    tmp_path: Path, env: dict[str, str]
) -> None:
    path = tmp_path / "wall.webp"
    path.write_bytes(lossless_webp(16383, 12000, (40, 120, 200)))
    peak, reason = read_one(path, env)
    assert peak <= PEAK_LIMIT_MB
    assert reason.startswith("image too large to sort within Cene's memory budget")
    assert "16383 x 12000 pixels" in reason and reason.endswith("left in place")


def test_a_huge_png_is_refused_within_the_budget(tmp_path: Path, env: dict[str, str]) -> None:
    path = tmp_path / "wall.png"
    write_png(path, 14000, 14000, (90, 90, 90))
    peak, reason = read_one(path, env)
    assert peak <= PEAK_LIMIT_MB
    assert reason.startswith("image too large to sort within Cene's memory budget")
    assert "14000 x 14000 pixels" in reason


def test_a_large_png_that_fits_is_still_sorted(tmp_path: Path, env: dict[str, str]) -> None:
    path = tmp_path / "big.png"
    write_png(path, 7000, 7000, (10, 200, 30))  # 49 MP: 196 MB decoded
    peak, verdict = read_one(path, env)
    assert verdict == "decoded"
    assert peak <= PEAK_LIMIT_MB


def test_a_3_gb_file_named_jpg_is_refused_from_its_first_bytes(
    tmp_path: Path, env: dict[str, str]
) -> None:
    zeros, jpeg_like = tmp_path / "zeros.jpg", tmp_path / "huge.jpg"
    sparse_file(zeros, 3 * 2**30)
    sparse_file(jpeg_like, 3 * 2**30, b"\xff\xd8\xff\xe0")
    peak, reason = read_one(zeros, env)
    assert peak <= PEAK_LIMIT_MB
    assert reason == "not an image: the content is not a photo format Cene can read"
    peak, reason = read_one(jpeg_like, env)
    assert peak <= PEAK_LIMIT_MB
    assert reason.startswith("image too large: the file is 3.2 GB, more than any photo")


def test_a_folder_of_huge_images_sorts_within_the_budget(
    tmp_path: Path, env: dict[str, str]
) -> None:
    photos, library = tmp_path / "photos", tmp_path / "lib"
    photos.mkdir()
    (photos / "wall.webp").write_bytes(lossless_webp(16383, 12000, (40, 120, 200)))
    write_png(photos / "wall.png", 14000, 14000, (90, 90, 90))
    # Two that fit one at a time, not side by side: the read threads must take turns.
    write_png(photos / "green.png", 7000, 7000, (10, 200, 30))
    write_png(photos / "blue.png", 7000, 7000, (10, 30, 200))
    sparse_file(photos / "zeros.jpg", 3 * 2**30)
    names = sorted(path.name for path in photos.iterdir())
    command = [sys.executable, "-m", "cene_desktop", "sort", str(photos)]
    peak, out, err = peak_rss_mb([*command, "--library", str(library), "--json"], env)
    assert "Traceback" not in err, err
    report = {Path(photo["source"]).name: photo for photo in json.loads(out)["photos"]}
    assert sorted(report) == names
    assert report["green.png"]["status"] == report["blue.png"]["status"] == "placed"
    for name in ("wall.webp", "wall.png", "zeros.jpg"):
        assert report[name]["status"] == "skipped"
        assert report[name]["reason"].startswith(("image too large", "not an image"))
    assert peak <= PEAK_LIMIT_MB
