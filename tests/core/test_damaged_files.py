"""Damaged photos of every format through the real ``cene sort``: none lost, each reported once,
none placed that fails a strict decode, and move + undo gives every byte back."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, features

from benchmarks.damaged_corpus import FORMATS, damage, default_dest, read_manifest, sniff_format
from benchmarks.damaged_files import Report, check_damaged_files, corpus_files

from ..conftest import sample_files

#: Of the damage done to each original, the test keeps these and every lie about a length.
KEPT = {"original", "truncate-10", "truncate-30", "truncate-50", "truncate-70", "truncate-90"}
KEPT |= {"flip-middle"}


def photo(path: Path, size: tuple[int, int] = (1200, 800)) -> Image.Image:
    """A sample scene at camera-like size, so that a cut lands in the picture data."""
    with Image.open(path) as image:
        return image.convert("RGB").resize(size, Image.Resampling.BICUBIC)


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def originals() -> dict[str, bytes]:
    """Name -> bytes of the photos to damage: small sample JPEGs as they are, and sample scenes
    written at 1200 px in every other format Cene reads (TIFF both ways round)."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    samples = [path for _, path in sample_files(3)]
    made = {f"sample-{p.parent.name}-{p.stem}.jpg": p.read_bytes() for p in samples[::3]}
    scenes = iter(samples[1::3] * 2)
    made["scene.jpg"] = encoded(photo(next(scenes)), "JPEG", quality=90)
    made["scene-progressive.jpg"] = encoded(photo(next(scenes)), "JPEG", progressive=True)
    made["scene.png"] = encoded(photo(next(scenes)), "PNG")
    made["scene.webp"] = encoded(photo(next(scenes)), "WEBP", quality=85)
    made["scene.tif"] = encoded(photo(next(scenes)), "TIFF")
    grey = photo(next(scenes)).convert("L")  # 16-bit, which Pillow writes big-endian ("MM")
    sixteen = (np.asarray(grey, dtype=">u2") * 257).tobytes()
    made["scene-big-endian.tif"] = encoded(Image.frombytes("I;16B", grey.size, sixteen), "TIFF")
    made["scene.bmp"] = encoded(photo(next(scenes), (800, 600)), "BMP")
    made["scene.gif"] = encoded(photo(next(scenes), (800, 600)).quantize(256), "GIF")
    made["scene.heic"] = encoded(photo(next(scenes)), "HEIF", quality=70)
    if features.check("avif"):
        made["scene.avif"] = encoded(photo(next(scenes)), "AVIF", quality=60, speed=8)
    return made


def damaged_subset(folder: Path) -> list[Path]:
    """About 200 files: every original damaged in the kept ways, plus intact sample photos."""
    files, seen = [], set()
    for name, data in originals().items():
        fmt = sniff_format(data)
        assert fmt, name
        stem, suffix = name.rsplit(".", 1)
        for mutation, damaged in damage(data, fmt).items():
            digest = hashlib.sha256(damaged).digest()
            if mutation.startswith(("truncate-", "flip-")) and mutation not in KEPT:
                continue
            if digest not in seen:
                seen.add(digest)
                files.append(folder / fmt / f"{stem}~{mutation}.{suffix}")
                files[-1].parent.mkdir(parents=True, exist_ok=True)
                files[-1].write_bytes(damaged)
    for i, (_, path) in enumerate(sample_files(6)):  # intact photos among the damaged ones
        if i % 6 < 3:
            continue  # those three of each class were damaged above
        files.append(folder / "intact" / f"{path.parent.name}-{path.name}")
        files[-1].parent.mkdir(parents=True, exist_ok=True)
        files[-1].write_bytes(path.read_bytes())
    return files


def assert_promises_kept(report: Report) -> None:
    for one in report.passes:
        assert all(code in (0, 1) for code in one.exit_codes), (one.mode, one.exit_codes)
        assert not one.tracebacks, (one.mode, one.tracebacks, one.stderr_lines[:40])
        assert not one.bad_json, (one.mode, one.bad_json)
    assert not report.unreported, f"files missing from the report: {report.unreported}"
    assert not report.reported_twice, f"files reported twice: {report.reported_twice}"
    assert not report.placed_bad, f"placed but failing a strict decode: {report.placed_bad}"
    assert not report.lost, f"lost: {report.lost}"
    assert not report.changed, f"changed in the inbox by copy mode: {report.changed}"
    assert not report.not_given_back, f"not given back by move + undo: {report.not_given_back}"


def test_damaged_files_are_skipped_and_nothing_is_lost(tmp_path: Path) -> None:
    files = damaged_subset(tmp_path / "corpus")
    assert 150 <= len(files) <= 300, len(files)
    report = check_damaged_files(files, tmp_path / "corpus", tmp_path / "work")
    assert_promises_kept(report)
    assert report.statuses["placed"] >= 18  # the intact photos, at least
    assert report.statuses["skipped"] >= len(files) // 2


@pytest.mark.slow
def test_damaged_corpus(tmp_path: Path) -> None:
    corpus = default_dest()
    if read_manifest(corpus) is None:
        pytest.skip(
            f"no complete damaged-file corpus at {corpus} (set CENE_CORPUS, or lay it out with "
            "python benchmarks/damaged_corpus.py from the test suites' git mirrors)"
        )
    files = corpus_files(corpus, set(FORMATS), None)
    assert_promises_kept(check_damaged_files(files, corpus, tmp_path))
