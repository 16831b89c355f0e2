from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from cene_desktop.core import fileops


def test_numbered_names_count_up_before_the_extension() -> None:
    names = fileops.numbered_names("IMG_0001.JPG")
    assert [next(names) for _ in range(3)] == [
        "IMG_0001.JPG",
        "IMG_0001 (2).JPG",
        "IMG_0001 (3).JPG",
    ]
    long = "é" * 125 + ".jpg"  # 254 bytes: " (2)" must shorten it, not overflow 255
    names = fileops.numbered_names(long)
    next(names)
    second = next(names)
    assert second.endswith(" (2).jpg") and len(second.encode()) <= 255
    no_extension = fileops.numbered_names("scan")
    assert [next(no_extension) for _ in range(2)] == ["scan", "scan (2)"]


def test_rename_never_overwrites(tmp_path: Path) -> None:
    src, dest = tmp_path / "a.jpg", tmp_path / "b.jpg"
    src.write_bytes(b"new")
    dest.write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        fileops.rename_noclobber(src, dest)
    assert src.read_bytes() == b"new"
    assert dest.read_bytes() == b"precious"


def test_rename_moves_a_symlink_not_its_target(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"pixels")
    link = tmp_path / "link.jpg"
    link.symlink_to(photo)
    fileops.rename_noclobber(link, tmp_path / "moved.jpg")
    assert (tmp_path / "moved.jpg").is_symlink()
    assert photo.read_bytes() == b"pixels" and not photo.is_symlink()


def test_copy_verified_rejects_a_copy_that_does_not_match(tmp_path: Path) -> None:
    src = tmp_path / "a.jpg"
    src.write_bytes(b"x" * 5000)
    dest, partial = tmp_path / "out" / "a.jpg", tmp_path / "out" / ".cene-partial-1.tmp"
    dest.parent.mkdir()
    with pytest.raises(fileops.PlacementError, match="did not match"):
        fileops.copy_verified(src, dest, "0" * 64, partial)
    assert not dest.exists() and not partial.exists()
    fileops.copy_verified(src, dest, fileops.content_hash_file(src), partial)
    assert dest.read_bytes() == src.read_bytes() and not partial.exists()


def test_copy_into_a_full_disk_leaves_nothing_behind(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The OS error is injected here; tests/core/test_pipeline.py fills a real (tmpfs) disk."""
    src = tmp_path / "a.jpg"
    src.write_bytes(os.urandom(100_000))
    dest, partial = tmp_path / "out" / "a.jpg", tmp_path / "out" / ".cene-partial-7.tmp"
    dest.parent.mkdir()

    def full(source: Path, target: Path) -> str:
        target.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileops, "_copy_to_partial", full)
    with pytest.raises(fileops.DiskFullError, match="is full"):
        fileops.copy_verified(src, dest, fileops.content_hash_file(src), partial)
    assert not dest.exists() and not partial.exists()
    assert len(src.read_bytes()) == 100_000
