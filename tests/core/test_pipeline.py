"""Sorting real photos with the real shipped model, end to end through the engine."""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cene_desktop.core.albums import ALBUMS, SCENE_ALBUMS, UNSORTED
from cene_desktop.core.catalog import Catalog
from cene_desktop.core.pipeline import Sorter, SortOptions, watch_folder
from cene_desktop.core.watcher import FolderWatcher

from ..conftest import copy_samples
from .test_scanner import make_bad_folder


def tree_state(root: Path) -> dict[str, str]:
    """Every file under root (links included) with a digest of its bytes or link target."""
    state = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if path.is_symlink():
                state[str(path.relative_to(root))] = "link:" + os.readlink(path)
            elif path.is_file():
                state[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                state[str(path.relative_to(root))] = "special"
    return state


def album_files(library: Path) -> dict[str, list[Path]]:
    return {
        album: sorted(p for p in (library / album).iterdir() if not p.name.startswith("."))
        for album in ALBUMS
    }


def sort(photos: Path, library: Path, classifier, **options) -> object:  # type: ignore[no-untyped-def]
    with Sorter(library, photos, classifier, SortOptions(**options)) as sorter:
        return sorter.sort_folder()


def test_sorting_puts_each_photo_in_its_scene_album(tmp_path: Path, classifier) -> None:  # type: ignore[no-untyped-def]
    photos, library = tmp_path / "photos", tmp_path / "lib"
    truth = copy_samples(photos, per_class=10)
    summary = sort(photos, library, classifier, threshold=0.0)
    assert summary.error is None
    assert summary.count("placed") == 60 and summary.skipped == []
    assert list(photos.iterdir()) == []
    placed = album_files(library)
    assert placed[UNSORTED] == []
    correct = sum(
        truth[path.name].capitalize() == album for album in SCENE_ALBUMS for path in placed[album]
    )
    assert correct / 60 >= 0.85, f"only {correct}/60 photos landed in the right album"
    catalog = Catalog.open(library)
    records = catalog.photos()
    assert len(records) == 60
    for record in records:
        assert (library / record.current_path).exists()
        assert abs(sum(record.probabilities.values()) - 1.0) < 1e-3
        assert record.model_version == classifier.info.version
    catalog.close()
    again = sort(photos, library, classifier)
    assert again.count("placed") == 0 and again.outcomes == []


def test_unsure_photos_go_to_unsorted(tmp_path: Path, classifier) -> None:  # type: ignore[no-untyped-def]
    photos, library = tmp_path / "photos", tmp_path / "lib"
    copy_samples(photos, per_class=3)
    # A photo of no scene at all: flat grey. The model must not be sure what it is.
    Image.fromarray(np.full((300, 300, 3), 128, np.uint8)).save(photos / "grey.jpg")
    summary = sort(photos, library, classifier, threshold=0.999)
    counts = summary.album_counts()
    assert counts.get(UNSORTED, 0) >= 1
    assert (library / UNSORTED / "grey.jpg").exists()


def test_copy_mode_and_a_second_run_change_nothing(tmp_path: Path, classifier) -> None:  # type: ignore[no-untyped-def]
    photos, library = tmp_path / "photos", tmp_path / "lib"
    copy_samples(photos, per_class=2)
    before = tree_state(photos)
    first = sort(photos, library, classifier, mode="copy")
    assert first.count("placed") == 12
    assert tree_state(photos) == before
    second = sort(photos, library, classifier, mode="copy")
    assert second.count("placed") == 0 and second.count("unchanged") == 12
    assert sum(len(files) for files in album_files(library).values()) == 12


def test_dry_run_touches_nothing(tmp_path: Path, classifier) -> None:  # type: ignore[no-untyped-def]
    photos, library = tmp_path / "photos", tmp_path / "lib"
    copy_samples(photos, per_class=2)
    before = tree_state(tmp_path)
    summary = sort(photos, library, classifier, dry_run=True)
    assert summary.count("planned") == 12
    assert all(o.dest is not None and o.dest.parent.parent == library for o in summary.outcomes)
    assert tree_state(tmp_path) == before
    assert not library.exists()


def test_a_library_inside_the_photo_folder_is_never_rescanned(tmp_path: Path, classifier) -> None:  # type: ignore[no-untyped-def]
    photos = tmp_path / "photos"
    library = photos / "Sorted"
    copy_samples(photos, per_class=2)
    assert sort(photos, library, classifier).count("placed") == 12
    copy_samples(photos / "new", per_class=1)
    # The second run sees only the new photos, and never the sorted ones inside the library.
    second = sort(photos, library, classifier)
    assert {o.source.parent for o in second.outcomes} == {(photos / "new").resolve()}
    assert second.count("duplicate") == 6


def test_bad_files_are_reported_and_left_exactly_where_they_were(
    tmp_path: Path, classifier
) -> None:  # type: ignore[no-untyped-def]
    photos, library = tmp_path / "photos", tmp_path / "lib"
    copy_samples(photos, per_class=1)
    expected = make_bad_folder(photos / "bad")
    before = tree_state(photos / "bad")
    summary = sort(photos, library, classifier)
    assert summary.error is None and summary.count("placed") == 6
    skipped = {o.source.name: o.reason for o in summary.skipped}
    assert set(skipped) == set(expected)
    assert tree_state(photos / "bad") == before


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 2 MB file system (tmpfs), for running out of space for real."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small file system here; test_fileops injects the error")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def noisy_jpeg(path: Path, seed: int) -> None:
    """About 400 KB that no JPEG encoder can squeeze: random pixels."""
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)).save(path, quality=95)


def noisy_inbox(tmp_path: Path) -> Path:
    """Eight photos of about 400 KB each: more than the 2 MB disk holds."""
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(8):
        noisy_jpeg(photos / f"noise_{i}.jpg", i)
    return photos


def assert_some_placed_rest_in_place(photos: Path, library: Path, originals: dict) -> None:  # type: ignore[type-arg]
    """Each photo once, intact: in an album or still in the inbox; nothing half-written."""
    in_library = {p.name: p for files in album_files(library).values() for p in files}
    left = {p.name for p in photos.iterdir()}
    assert 0 < len(in_library) < len(originals)
    assert set(in_library) | left == set(originals) and not set(in_library) & left
    for name, path in in_library.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == originals[name]
    for name in left:
        assert hashlib.sha256((photos / name).read_bytes()).hexdigest() == originals[name]
    assert list(library.rglob(".cene-partial-*")) == []


def test_a_full_disk_stops_the_run_cleanly_and_sorting_resumes(
    tmp_path: Path,
    small_disk: Path,
    classifier,  # type: ignore[no-untyped-def]
) -> None:
    photos, library = noisy_inbox(tmp_path), small_disk / "lib"
    originals = tree_state(photos)
    summary = sort(photos, library, classifier, threshold=0.0)
    assert summary.error is not None and "full" in summary.error
    assert_some_placed_rest_in_place(photos, library, originals)
    subprocess.run(["mount", "-o", "remount,size=20m", str(small_disk)], check=True)
    resumed = sort(photos, library, classifier, threshold=0.0)
    assert resumed.error is None
    final = {p.name: p for files in album_files(library).values() for p in files}
    assert set(final) == set(originals) and list(photos.iterdir()) == []


def test_while_watching_a_full_disk_pauses_sorting_until_space_comes_back(
    tmp_path: Path,
    small_disk: Path,
    classifier,  # type: ignore[no-untyped-def]
) -> None:
    photos, library = noisy_inbox(tmp_path), small_disk / "lib"
    originals = tree_state(photos)
    pauses: list[str | None] = []
    cancel = threading.Event()
    sorter = Sorter(library, photos, classifier, SortOptions(threshold=0.0))
    watcher = FolderWatcher(photos, library, settle_seconds=0.2)
    thread = threading.Thread(
        target=watch_folder,
        args=(sorter, watcher, cancel),
        kwargs={"on_pause": pauses.append},
        daemon=True,
    )
    thread.start()

    def wait_for(condition, what: str) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + 60
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}: {pauses}"
            time.sleep(0.05)

    try:
        wait_for(lambda: pauses, "the pause")
        assert "is full" in str(pauses[0]) and "Cene will carry on" in str(pauses[0])
        assert "sorting is paused" in str(pauses[0])
        time.sleep(0.5)  # paused: nothing moves while the disk stays full
        assert_some_placed_rest_in_place(photos, library, originals)
        assert thread.is_alive() and pauses == [pauses[0]]

        subprocess.run(["mount", "-o", "remount,size=40m", str(small_disk)], check=True)
        wait_for(lambda: not list(photos.iterdir()), "the rest to be sorted")
        assert pauses[1:] == [None]  # carried on by itself
        final = {p.name: p for files in album_files(library).values() for p in files}
        assert set(final) == set(originals)
        for name, path in final.items():
            assert hashlib.sha256(path.read_bytes()).hexdigest() == originals[name]
    finally:
        cancel.set()
        thread.join(timeout=30)
        sorter.close()
    assert not thread.is_alive()


def test_phone_photos_are_sorted_like_the_same_photos_as_jpeg(tmp_path: Path, classifier) -> None:  # type: ignore[no-untyped-def]
    from cene_desktop.core import scanner

    from ..conftest import sample_files
    from .test_scanner import phone_bytes

    photos, library = tmp_path / "photos", tmp_path / "lib"
    photos.mkdir()
    saved = {}
    for name, path in sample_files(2):
        with Image.open(path) as image:
            rgb = image.convert("RGB")
        pixels = scanner.decode_for_model(path.read_bytes(), classifier.info.input_size)[0]
        as_jpeg = classifier.predict(pixels[None])[0]
        for kind, suffix in (("HEIF", ".HEIC"), ("AVIF", ".avif")):
            target = photos / f"{name}-{path.stem}{suffix}"
            target.write_bytes(phone_bytes(rgb, kind))
            saved[target.name] = (target.read_bytes(), as_jpeg)
    summary = sort(photos, library, classifier, threshold=0.0)
    assert summary.count("placed") == len(saved) == 24 and summary.skipped == []
    with Catalog.open(library) as catalog:
        records = catalog.photos()
        assert len(records) == len(saved)
        for record in records:
            data, as_jpeg = saved[Path(record.original_path).name]
            assert (library / record.current_path).read_bytes() == data  # moved, not re-encoded
            seen = np.array([record.probabilities[c] for c in classifier.info.classes])
            assert np.abs(seen - as_jpeg).max() < 0.2, record.original_path
