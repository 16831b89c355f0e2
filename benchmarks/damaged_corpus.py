"""Damaged photos in every format Cene reads, cut from public test suites: truncated, bit-flipped
and with lying lengths, laid out once in a cache folder with a manifest of where each came from.

    python benchmarks/damaged_corpus.py [--dest ~/.cache/cene/damaged-corpus]
        [--mirrors /work/.mirror] [--sources-per-format 100]

The test suites are read straight out of bare git mirrors (``MIRRORS/owner+name/repo``); a suite
whose mirror is absent is left out and said so. Every damage is seeded by the original's hash,
so the same mirrors always give the same corpus. ``damage()`` is what tests/core uses too.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import os
import random
import struct
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DEST = Path.home() / ".cache" / "cene" / "damaged-corpus"
DEFAULT_MIRRORS = Path("/work/.mirror")
MANIFEST = "manifest.csv"
#: Bumped when the damage or the choice of sources changes, so an old cache is laid out again.
CORPUS_VERSION = "1"
MAX_SOURCE_BYTES = 8_000_000
#: Of the sources above this size only a few are kept: each gives ~30 files of up to its size.
LARGE_SOURCE_BYTES = 2_000_000
LARGE_SOURCES_PER_FORMAT = 3

FORMATS = ("jpeg", "png", "webp", "tiff", "bmp", "gif", "avif", "heic")
SUFFIX = {
    "jpeg": ".jpg",
    "png": ".png",
    "webp": ".webp",
    "tiff": ".tif",
    "bmp": ".bmp",
    "gif": ".gif",
    "avif": ".avif",
    "heic": ".heic",
}
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".jpe", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif")
IMAGE_SUFFIXES += (".avif", ".heic", ".heif", ".hif", ".avifs", ".heics")

#: (repository, folders whose image files are taken; "" for the whole tree). The fuzzing corpus
#: of libheif names many of its files without a suffix, so that folder is taken whole.
SUITES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("python-pillow/Pillow", ("Tests/images/",)),
    ("lunapaint/pngsuite", ("",)),
    ("webmproject/libwebp-test-data", ("",)),
    ("libjpeg-turbo/libjpeg-turbo", ("testimages/",)),
    ("rasteiner/exif-orientation-test-images", ("",)),
    ("AOMediaCodec/libavif", ("tests/data/",)),
    ("strukturag/libheif", ("",)),
    ("bigcat88/pillow_heif", ("tests/images/",)),
)
WHOLE_FOLDERS = ("fuzzing/data/corpus/",)

HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
HEIC_BRANDS |= {b"mif1", b"msf1", b"mif2", b"MiHE"}


def sniff_format(data: bytes) -> str | None:
    """The format the bytes say they are, whatever the file is called."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data[:2] == b"BM" and len(data) > 26:
        return "bmp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[4:8] == b"ftyp" and len(data) >= 16:
        size = min(struct.unpack(">I", data[:4])[0], len(data), 256)
        major = data[8:12]
        brands = {major} | {data[i : i + 4] for i in range(16, size - 3, 4)}
        if major in (b"avif", b"avis"):
            return "avif"
        if major in HEIC_BRANDS - {b"mif1", b"msf1", b"mif2"}:
            return "heic"
        if brands & {b"avif", b"avis"}:
            return "avif"
        if brands & HEIC_BRANDS:
            return "heic"
    return None


# --- damage -------------------------------------------------------------------------------


def _flip(data: bytes, rng: random.Random, count: int, start: int, end: int) -> bytes:
    start = max(start, min(8, len(data)))  # the signature stays: a flipped one is "not an image"
    if end <= start:
        return b""
    out = bytearray(data)
    for offset in rng.sample(range(start, end), min(count, end - start)):
        out[offset] ^= (1 << rng.randrange(8)) if rng.random() < 0.5 else 0xFF
    return bytes(out)


def _put(data: bytes, offset: int, fmt: str, *values: int) -> bytes:
    """The bytes with ``values`` written at ``offset``; b"" (no damage) where they do not fit."""
    size = struct.calcsize(fmt)
    if not data or offset < 0 or offset + size > len(data):
        return b""
    return data[:offset] + struct.pack(fmt, *values) + data[offset + size :]


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(offset of the marker, marker, length field) of each segment up to the first scan."""
    at = 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):
            at += 2
            continue
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        yield at, marker, length
        if marker == 0xDA:
            return
        at += 2 + length


def _jpeg_lies(data: bytes, rng: random.Random) -> dict[str, bytes]:
    segments = list(_jpeg_segments(data))
    lies = {}
    if segments:
        at, _, length = segments[0]
        lies["jpeg-first-segment-long"] = _put(data, at + 2, ">H", min(0xFFFF, length + 0x4000))
    for at, marker, length in segments:
        if marker in (0xC0, 0xC1, 0xC2):
            lies["jpeg-sof-length-short"] = _put(data, at + 2, ">H", max(2, length - 3))
            lies["jpeg-sof-height-huge"] = _put(data, at + 5, ">H", 0xFFF0)
        if marker == 0xC4 and "jpeg-dht-length-long" not in lies:
            lies["jpeg-dht-length-long"] = _put(data, at + 2, ">H", min(0xFFFF, length * 3))
        if marker == 0xDA:
            lies["jpeg-sos-length-long"] = _put(data, at + 2, ">H", min(0xFFFF, length + 0x100))
    if data.endswith(b"\xff\xd9"):
        lies["jpeg-no-eoi"] = data[:-2]
    return lies


def _png_chunks(data: bytes) -> Iterator[tuple[int, bytes, int]]:
    """(offset, type, length) of each chunk while the lengths stay inside the file."""
    at = 8
    while at + 12 <= len(data):
        length = struct.unpack(">I", data[at : at + 4])[0]
        yield at, data[at + 4 : at + 8], length
        at += 12 + length


def _png_lies(data: bytes, rng: random.Random) -> dict[str, bytes]:
    lies = {}
    chunks = list(_png_chunks(data))
    if chunks and chunks[0][1] == b"IHDR":
        lies["png-ihdr-length-long"] = _put(data, chunks[0][0], ">I", 0x0D + 4)
    idat = [c for c in chunks if c[1] == b"IDAT"]
    if idat:
        at, _, length = idat[0]
        lies["png-idat-length-long"] = _put(data, at, ">I", length * 2 + 4096)
        lies["png-idat-length-short"] = _put(data, at, ">I", length // 2)
        crc_at = at + 8 + length
        if crc_at + 4 <= len(data):
            crc = struct.unpack(">I", data[crc_at : crc_at + 4])[0]
            lies["png-idat-crc"] = _put(data, crc_at, ">I", crc ^ 0xFFFFFFFF)
    if chunks and chunks[-1][1] == b"IEND":
        lies["png-no-iend"] = data[: chunks[-1][0]]
    return lies


def _webp_lies(data: bytes, rng: random.Random) -> dict[str, bytes]:
    riff = struct.unpack("<I", data[4:8])[0]
    lies = {
        "webp-riff-size-long": _put(data, 4, "<I", riff + 1_000_000),
        "webp-riff-size-short": _put(data, 4, "<I", riff // 2),
    }
    if len(data) >= 20:
        chunk = struct.unpack("<I", data[16:20])[0]
        lies["webp-chunk-size-long"] = _put(data, 16, "<I", chunk * 2 + 100)
    return lies


def _tiff_lies(data: bytes, rng: random.Random) -> dict[str, bytes]:
    if data[:4] not in (b"II*\x00", b"MM\x00*") or len(data) < 8:
        return {}  # BigTIFF: its 8-byte offsets are left alone
    e = "<" if data[:2] == b"II" else ">"
    ifd = struct.unpack(e + "I", data[4:8])[0]
    lies = {
        "tiff-ifd-offset-beyond": _put(data, 4, e + "I", len(data) + 4096),
        "tiff-ifd-offset-odd": _put(data, 4, e + "I", ifd + 1),
    }
    if ifd + 2 > len(data):
        return lies
    entries = struct.unpack(e + "H", data[ifd : ifd + 2])[0]
    for i in range(entries):
        at = ifd + 2 + 12 * i
        if at + 12 > len(data):
            break
        tag, kind, count = struct.unpack(e + "HHI", data[at : at + 8])
        if kind not in (3, 4):  # SHORT or LONG
            continue
        width = 2 if kind == 3 else 4
        value_at = (
            at + 8 if count * width <= 4 else struct.unpack(e + "I", data[at + 8 : at + 12])[0]
        )
        field = e + ("H" if kind == 3 else "I")
        if value_at + width > len(data):
            continue
        first = struct.unpack(field, data[value_at : value_at + width])[0]
        limit = 0xFFFF if kind == 3 else 0xFFFFFFFF
        if tag in (279, 325):  # StripByteCounts, TileByteCounts
            lies["tiff-strip-counts-long"] = _put(
                data, value_at, field, min(limit, first * 4 + 4096)
            )
        if tag in (273, 324):  # StripOffsets, TileOffsets
            lies["tiff-strip-offset-beyond"] = _put(
                data, value_at, field, min(limit, len(data) - 4)
            )
        if tag == 257:  # ImageLength
            lies["tiff-height-huge"] = _put(data, value_at, field, min(limit, first * 64))
    return lies


def _bmp_lies(data: bytes, rng: random.Random) -> dict[str, bytes]:
    header = struct.unpack("<I", data[14:18])[0]
    lies = {
        "bmp-offbits-beyond": _put(data, 10, "<I", len(data) + 100),
        "bmp-filesize-long": _put(data, 2, "<I", len(data) * 4),
    }
    if header >= 40:
        height = struct.unpack("<i", data[22:26])[0]
        lies["bmp-height-huge"] = _put(data, 22, "<i", max(-(2**31), min(2**31 - 1, height * 16)))
        lies["bmp-image-size-long"] = _put(data, 34, "<I", len(data) * 8)
    return lies


def _gif_lies(data: bytes, rng: random.Random) -> dict[str, bytes]:
    lies = {"gif-screen-huge": _put(data, 6, "<HH", 0xFFFF, 0xFFFF)}
    if data.endswith(b"\x3b"):
        lies["gif-no-trailer"] = data[:-1]
    at = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0) if len(data) > 13 else len(data)
    while at < len(data):  # to the first image's first block of picture data
        if data[at] == 0x21 and at + 2 < len(data):
            at += 2
            while at < len(data) and data[at]:
                at += data[at] + 1
            at += 1
        elif data[at] == 0x2C and at + 10 < len(data):
            flags = data[at + 9]
            at += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
            if at + 1 < len(data):
                lies["gif-block-length-long"] = _put(data, at + 1, "B", 0xFF)
                lies["gif-lzw-code-size"] = _put(data, at, "B", 12)
            break
        else:
            break
    return lies


def _bmff_boxes(data: bytes, start: int, end: int) -> Iterator[tuple[int, bytes, int, int]]:
    """(offset, type, size, header size) of the boxes between start and end."""
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        header = 8
        if size == 1 and at + 16 <= end:
            size, header = struct.unpack(">Q", data[at + 8 : at + 16])[0], 16
        elif size == 0:
            size = end - at
        if size < header:
            return
        yield at, kind, size, header
        at += size


def _bmff_lies(data: bytes, rng: random.Random) -> dict[str, bytes]:
    lies = {}
    top = {kind: (at, size, header) for at, kind, size, header in _bmff_boxes(data, 0, len(data))}
    if b"ftyp" in top:
        lies["bmff-ftyp-size-zero"] = _put(data, top[b"ftyp"][0], ">I", 0)
    if b"mdat" in top and top[b"mdat"][2] == 8:
        at, size, _ = top[b"mdat"]
        lies["bmff-mdat-size-long"] = _put(data, at, ">I", min(0xFFFFFFFF, size + 10_000_000))
    if b"meta" not in top:
        return lies
    at, size, header = top[b"meta"]
    if header == 8:
        lies["bmff-meta-size-long"] = _put(data, at, ">I", size + 4096)
        lies["bmff-meta-size-short"] = _put(data, at, ">I", 24)
    inner = list(
        _bmff_boxes(data, at + header + 4, min(at + size, len(data)))
    )  # meta is a full box
    for box_at, kind, box_size, _ in inner:
        if kind == b"iloc":
            lies["bmff-iloc-size-long"] = _put(data, box_at, ">I", box_size + 256)
        if kind == b"iprp":
            for ipco_at, ipco, ipco_size, _ in _bmff_boxes(data, box_at + 8, box_at + box_size):
                if ipco != b"ipco":
                    continue
                for prop_at, prop, prop_size, _ in _bmff_boxes(
                    data, ipco_at + 8, ipco_at + ipco_size
                ):
                    if prop in (b"hvcC", b"av1C") and "bmff-codec-config-size" not in lies:
                        lies["bmff-codec-config-size"] = _put(data, prop_at, ">I", prop_size * 3)
                    if prop == b"ispe" and "bmff-ispe-huge" not in lies:
                        lies["bmff-ispe-huge"] = _put(data, prop_at + 12, ">II", 60_000, 60_000)
    return lies


LIES: dict[str, Callable[[bytes, random.Random], dict[str, bytes]]] = {
    "jpeg": _jpeg_lies,
    "png": _png_lies,
    "webp": _webp_lies,
    "tiff": _tiff_lies,
    "bmp": _bmp_lies,
    "gif": _gif_lies,
    "avif": _bmff_lies,
    "heic": _bmff_lies,
}
TRUNCATIONS = tuple(range(5, 100, 5))


def damage(data: bytes, fmt: str) -> dict[str, bytes]:
    """Every damage of one original, by name ("original" is the file untouched); the same bytes
    always give the same damage. Damage that would give no file or the original is left out."""
    rng = random.Random(hashlib.sha256(data).digest())
    out = {"original": data}
    for percent in TRUNCATIONS:
        out[f"truncate-{percent:02d}"] = data[: len(data) * percent // 100]
    n = len(data)
    out["flip-header"] = _flip(data, rng, 2, 8, min(n, 512))
    out["flip-middle"] = _flip(data, rng, 3, n // 4, 3 * n // 4)
    out["flip-scatter"] = _flip(data, rng, 8, 8, n)
    with contextlib.suppress(struct.error, IndexError):  # a source too odd to find its structure
        out.update(LIES[fmt](data, rng))
    return {name: b for name, b in out.items() if b and (name == "original" or b != data)}


# --- sources ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    repo: str
    commit: str
    path: str
    data: bytes
    format: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _git(git_dir: Path, *args: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", *args], capture_output=True, text=True, check=True
    ).stdout


def suite_sources(mirrors: Path, repo: str, folders: tuple[str, ...]) -> list[Source]:
    """The images of one suite, read out of its mirror's HEAD in one ``git cat-file`` run."""
    git_dir = mirrors / repo.replace("/", "+") / "repo"
    commit = _git(git_dir, "rev-parse", "HEAD").strip()
    wanted = []
    for line in _git(git_dir, "ls-tree", "-r", "-l", commit).splitlines():
        meta, path = line.split("\t", 1)
        _, kind, blob, size = meta.split()
        # A mirror may list its largest files without holding them ("BAD" size)
        if kind != "blob" or not size.isdigit() or not 16 <= int(size) <= MAX_SOURCE_BYTES:
            continue
        if not any(path.startswith(folder) for folder in folders):
            continue
        if path.lower().endswith(IMAGE_SUFFIXES) or path.startswith(WHOLE_FOLDERS):
            wanted.append((blob, path))
    batch = subprocess.run(
        ["git", f"--git-dir={git_dir}", "cat-file", "--batch"],
        input=b"".join(f"{blob}\n".encode() for blob, _ in wanted),
        capture_output=True,
        check=True,
    ).stdout
    sources, at = [], 0
    for _, path in wanted:
        header_end = batch.index(b"\n", at)
        size = int(batch[at:header_end].split()[2])
        data = batch[header_end + 1 : header_end + 1 + size]
        at = header_end + 2 + size
        fmt = sniff_format(data)
        if fmt:
            sources.append(Source(repo, commit, path, data, fmt))
    return sources


def choose_sources(sources: list[Source], per_format: int) -> list[Source]:
    """The same original once; per format at most ``per_format``, few of them large, picked
    by hash so that the choice does not depend on the order of the suites."""
    seen, chosen = set(), []
    by_format: Counter[str] = Counter()
    large: Counter[str] = Counter()
    for source in sorted(sources, key=lambda s: (s.format, s.sha256)):
        if source.sha256 in seen or by_format[source.format] >= per_format:
            continue
        if len(source.data) > LARGE_SOURCE_BYTES:
            if large[source.format] >= LARGE_SOURCES_PER_FORMAT:
                continue
            large[source.format] += 1
        seen.add(source.sha256)
        by_format[source.format] += 1
        chosen.append(source)
    return chosen


def corpus_name(source: Source, mutation: str) -> str:
    """format/suite/path~mutation.suffix: the suffix is the format's, as the bytes say."""
    suite = source.repo.split("/")[1]
    stem = source.path.replace("/", "_")
    for suffix in IMAGE_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return f"{source.format}/{suite}/{stem}~{mutation}{SUFFIX[source.format]}"


FIELDS = ("file", "format", "mutation", "sha256", "bytes", "source_repo", "source_commit")
FIELDS += ("source_path", "source_sha256", "corpus_version")


def read_manifest(dest: Path) -> list[dict[str, str]] | None:
    """The manifest's rows if the corpus is complete and of this version, else None."""
    try:
        with open(dest / MANIFEST, newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, csv.Error):
        return None
    if not rows or any(row.get("corpus_version") != CORPUS_VERSION for row in rows):
        return None
    for row in rows:
        path = dest / row["file"]
        if not path.is_file() or path.stat().st_size != int(row["bytes"]):
            return None
    return rows


def lay_out(dest: Path, sources: list[Source]) -> list[dict[str, str]]:
    rows, seen = [], set()
    for source in sources:
        for mutation, data in damage(source.data, source.format).items():
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen:  # two damages that came to the same bytes count once
                continue
            seen.add(digest)
            name = corpus_name(source, mutation)
            path = dest / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            rows.append(
                {
                    "file": name,
                    "format": source.format,
                    "mutation": mutation,
                    "sha256": digest,
                    "bytes": str(len(data)),
                    "source_repo": source.repo,
                    "source_commit": source.commit,
                    "source_path": source.path,
                    "source_sha256": source.sha256,
                    "corpus_version": CORPUS_VERSION,
                }
            )
    temporary = dest / (MANIFEST + ".tmp")
    with open(temporary, "w", newline="") as f:
        writer = csv.DictWriter(f, FIELDS)
        writer.writeheader()
        writer.writerows(rows)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, dest / MANIFEST)
    return rows


def mutation_kind(mutation: str) -> str:
    """truncate-35 -> truncate; flip-middle -> flip; png-no-iend stays."""
    return mutation.split("-")[0] if mutation.startswith(("truncate-", "flip-")) else mutation


def print_summary(rows: list[dict[str, str]], dest: Path) -> None:
    by_format = Counter(row["format"] for row in rows)
    size = Counter()
    for row in rows:
        size[row["format"]] += int(row["bytes"])
    originals = Counter(row["format"] for row in rows if row["mutation"] == "original")
    print(f"corpus {dest}: {len(rows)} files, {sum(size.values()) / 1e6:.0f} MB")
    print(f"{'format':<8} {'originals':>9} {'files':>7} {'MB':>7}")
    for fmt in FORMATS:
        print(f"{fmt:<8} {originals[fmt]:>9} {by_format[fmt]:>7} {size[fmt] / 1e6:>7.1f}")
    print(f"\n{'mutation':<26} {'files':>7}")
    for kind, count in sorted(Counter(mutation_kind(row["mutation"]) for row in rows).items()):
        print(f"{kind:<26} {count:>7}")
    print(f"\n{'source':<42} {'commit':<12} {'originals':>9}")
    suites = Counter(
        (row["source_repo"], row["source_commit"]) for row in rows if row["mutation"] == "original"
    )
    for (repo, commit), count in sorted(suites.items()):
        print(f"{repo:<42} {commit[:12]:<12} {count:>9}")


def default_dest() -> Path:
    return Path(os.environ["CENE_CORPUS"]) if os.environ.get("CENE_CORPUS") else DEFAULT_DEST


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--dest", type=Path, default=default_dest(), help="the cache folder (env CENE_CORPUS)"
    )
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS)
    parser.add_argument("--sources-per-format", type=int, default=100)
    args = parser.parse_args()
    rows = read_manifest(args.dest)
    if rows is not None:
        print("The corpus is complete; nothing to do.")
        print_summary(rows, args.dest)
        return
    sources = []
    for repo, folders in SUITES:
        if not (args.mirrors / repo.replace("/", "+") / "repo").is_dir():
            print(f"left out: {repo} (no mirror under {args.mirrors})", file=sys.stderr)
            continue
        sources += suite_sources(args.mirrors, repo, folders)
    if not sources:
        sys.exit(f"No test suites found under {args.mirrors}.")
    rows = lay_out(args.dest, choose_sources(sources, args.sources_per_format))
    print_summary(rows, args.dest)


if __name__ == "__main__":
    main()
