"""Files that go with a photo (a Live Photo's video, the RAW of a RAW+JPEG pair, an iPhone edit,
metadata sidecars) go wherever the photo goes: into its album, between albums, back out on
undo. Real files, the real catalog and the real model; the watcher for late arrivals."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import blake3
import pytest

from cene_desktop.core import scanner
from cene_desktop.core.catalog import Catalog
from cene_desktop.core.check import check_library
from cene_desktop.core.library import Library
from cene_desktop.core.pipeline import Outcome, Sorter, SortOptions, watch_folder
from cene_desktop.core.watcher import FolderWatcher

from ..conftest import sample_files
from .test_pipeline import sort


def digest(path: Path) -> str:
    return blake3.blake3(path.read_bytes()).hexdigest()


def shoot(folder: Path, stem: str, index: int, companions: tuple[str, ...]) -> dict[str, str]:
    """A photo (a real sample JPEG) named ``stem``.JPG with its companions, made up bytes each;
    returns {file name: BLAKE3}."""
    folder.mkdir(parents=True, exist_ok=True)
    _, sample = sample_files(10)[index]
    made = {f"{stem}.JPG": sample.read_bytes()}
    for tail in companions:
        made[stem + tail] = f"{stem}{tail} {index}".encode() * 5000
    for name, data in made.items():
        (folder / name).write_bytes(data)
    return {name: blake3.blake3(data).hexdigest() for name, data in made.items()}


def library_files(library: Path) -> dict[str, str]:
    """{album/name: BLAKE3} of every file in the albums."""
    return {
        f"{path.parent.name}/{path.name}": digest(path)
        for path in sorted(library.glob("*/*"))
        if path.is_file() and not path.parent.name.startswith(".")
    }


def test_companions_go_into_the_album_with_their_photo(tmp_path: Path, classifier) -> None:  # type: ignore[no-untyped-def]
    photos, library = tmp_path / "photos", tmp_path / "library"
    raw_pair = shoot(photos, "IMG_0001", 0, (".CR2", ".JPG.xmp"))
    live = shoot(photos, "IMG_0002", 1, (".MOV", ".AAE"))
    (photos / "lonely.MOV").write_bytes(b"a video of its own" * 100)
    (photos / "lonely.xmp").write_bytes(b"<x:xmpmeta/>")

    summary = sort(photos, library, classifier, threshold=0.0)

    assert sorted(p.name for p in photos.iterdir()) == ["lonely.MOV", "lonely.xmp"]
    placed = {o.source.name: o for o in summary.outcomes if o.status == "placed"}
    for made, stem in ((raw_pair, "IMG_0001"), (live, "IMG_0002")):
        album = placed[f"{stem}.JPG"].album
        for name, sha in made.items():
            assert digest(library / str(album) / name) == sha, name
    assert sorted(p.name for p in placed["IMG_0002.JPG"].companions) == [
        "IMG_0002.AAE",
        "IMG_0002.MOV",
    ]
    # A video without a photo is skipped as before; a sidecar without one is not news.
    skipped = {o.source.name: o.reason for o in summary.outcomes if o.status == "skipped"}
    assert set(skipped) == {"lonely.MOV"} and "video" in str(skipped["lonely.MOV"])
    with Catalog.open(library) as catalog:
        rows = catalog.companions()
        assert len(rows) == 4
        for row in rows:
            assert digest(library / row.current_path) == row.content_hash
    assert check_library(library).clean


def test_a_clash_of_names_renames_the_companions_with_their_photo(
    tmp_path: Path, classifier
) -> None:  # type: ignore[no-untyped-def]
    photos, library = tmp_path / "photos", tmp_path / "library"
    shoot(photos / "card1", "IMG_0001", 0, (".CR2",))
    second = shoot(photos / "card2", "IMG_0001", 0, (".CR2", ".JPG.xmp"))
    # card2's photo is a different picture under the same name, in the same album.
    (photos / "card2" / "IMG_0001.JPG").write_bytes(
        (photos / "card1" / "IMG_0001.JPG").read_bytes() + b"\0"
    )
    second["IMG_0001.JPG"] = digest(photos / "card2" / "IMG_0001.JPG")
    summary = sort(photos, library, classifier, threshold=0.0)
    album = {o.album for o in summary.outcomes if o.status == "placed"}.pop()
    files = library_files(library)
    renamed = {name.replace("IMG_0001", "IMG_0001 (2)"): sha for name, sha in second.items()}
    for name, sha in renamed.items():
        assert files[f"{album}/{name}"] == sha
    assert len(files) == 5 and list(photos.rglob("*.*")) == []


def test_companions_follow_a_correction_its_undo_and_a_put_back(tmp_path: Path, classifier) -> None:  # type: ignore[no-untyped-def]
    photos, library = tmp_path / "photos", tmp_path / "library"
    made = shoot(photos, "IMG_0007", 2, (".MOV", ".AAE"))
    sort(photos, library, classifier, threshold=0.0)
    edit = Library(library)
    (photo,) = edit.catalog.photos()
    other = "Sea" if photo.album != "Sea" else "Forest"
    edit.relabel([photo.id], other)
    assert library_files(library) == {f"{other}/{name}": sha for name, sha in made.items()}
    edit.undo_last_correction()
    assert library_files(library) == {f"{photo.album}/{name}": sha for name, sha in made.items()}
    result = edit.put_back_last_run()
    assert not result.problems
    assert library_files(library) == {}
    assert {p.name: digest(p) for p in photos.iterdir()} == made
    assert edit.catalog.companions() == []
    edit.close()


@pytest.mark.parametrize("mode", ["copy", "symlink"])
def test_copy_and_link_modes_leave_the_companions_in_place_too(  # type: ignore[no-untyped-def]
    tmp_path: Path, classifier, mode: str
) -> None:
    photos, library = tmp_path / "photos", tmp_path / "library"
    made = shoot(photos, "IMG_0003", 3, (".CR2",))
    summary = sort(photos, library, classifier, mode=mode, threshold=0.0)
    album = next(o.album for o in summary.outcomes if o.status == "placed")
    assert {p.name: digest(p) for p in photos.iterdir()} == made  # originals untouched
    in_album = library / str(album) / "IMG_0003.CR2"
    assert digest(in_album) == made["IMG_0003.CR2"]
    assert in_album.is_symlink() == (mode == "symlink")
    again = sort(
        photos, library, classifier, mode=mode, threshold=0.0
    )  # nothing new: nothing added twice
    assert [o.status for o in again.outcomes] == ["unchanged"]
    assert len(library_files(library)) == 2
    edit = Library(library)
    edit.put_back_last_run()
    edit.put_back_last_run()
    edit.close()
    assert library_files(library) == {}
    assert {p.name: digest(p) for p in photos.iterdir()} == made


def test_a_companion_that_cannot_go_back_keeps_its_photo_in_the_library(  # type: ignore[no-untyped-def]
    tmp_path: Path, classifier
) -> None:
    photos, library = tmp_path / "photos", tmp_path / "library"
    made = shoot(photos, "IMG_0004", 4, (".MOV",))
    sort(photos, library, classifier, threshold=0.0)
    photos.rmdir()
    photos.write_bytes(b"a file where the photo folder was")
    edit = Library(library)
    result = edit.put_back_last_run()
    edit.close()
    assert result.problems and "IMG_0004.MOV (and so its photo) stays" in result.problems[0]
    assert sorted(library_files(library).values()) == sorted(made.values())
    with Catalog.open(library) as catalog:
        assert len(catalog.photos()) == 1 and len(catalog.companions()) == 1
        assert catalog.last_undoable_run() is not None  # can be tried again once fixed
    assert check_library(library).clean


def test_the_scanner_finds_companions_by_name(tmp_path: Path) -> None:
    photo = tmp_path / "IMG_0005.HEIC"
    photo.write_bytes(b"x")
    for name in (
        "IMG_0005.MOV",
        "IMG_0005.aae",
        "IMG_0005.HEIC.xmp",
        "IMG_0005.txt",
        "IMG_00051.MOV",
    ):
        (tmp_path / name).write_bytes(b"y")
    (tmp_path / "IMG_0005.DNG").symlink_to(tmp_path / "IMG_0005.MOV")  # links are not taken
    assert sorted(p.name for p in scanner.companions_of(photo)) == [
        "IMG_0005.HEIC.xmp",
        "IMG_0005.MOV",
        "IMG_0005.aae",
    ]
    assert scanner.photo_beside(tmp_path / "IMG_0005.HEIC.xmp") == photo
    assert scanner.photo_beside(tmp_path / "IMG_00051.MOV") is None


@pytest.mark.parametrize(
    ("video_first", "other_disk"), [(False, False), (True, False), (False, True)]
)
def test_while_watching_a_live_photo_arriving_in_any_order_ends_up_together(  # type: ignore[no-untyped-def]
    tmp_path: Path, classifier, video_first: bool, other_disk: bool
) -> None:
    """The video is still being copied (slowly, in pieces) when the photo has settled, or it
    arrives first: either way it joins its photo once complete, never moved half-written (on
    another file system, moving means copying and deleting: a half-written video would lose
    its end)."""
    photos = tmp_path / "photos"
    photos.mkdir()
    if other_disk:
        if not (Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK)):
            pytest.skip("no /dev/shm to put the library on another file system")
        library = Path(tempfile.mkdtemp(dir="/dev/shm")) / "library"
        assert os.stat("/dev/shm").st_dev != os.stat(tmp_path).st_dev
    else:
        library = tmp_path / "library"
    outcomes: list[Outcome] = []
    cancel = threading.Event()
    sorter = Sorter(library, photos, classifier, SortOptions(threshold=0.0))
    watcher = FolderWatcher(photos, library, settle_seconds=0.5)
    thread = threading.Thread(
        target=watch_folder, args=(sorter, watcher, cancel, outcomes.append), daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not watcher.running and time.monotonic() < deadline:
            time.sleep(0.02)
        _, sample = sample_files(1)[0]
        video = b"\0\0\0\x18ftypqt  " + os.urandom(600_000)
        target = photos / "IMG_0009.MOV"

        def copy_video() -> None:
            with target.open("wb") as stream:
                for start in range(0, len(video), 100_000):
                    stream.write(video[start : start + 100_000])
                    stream.flush()
                    time.sleep(0.3)  # shorter than the settle time: still one copy

        if video_first:  # and alone for a while: waiting for its photo, not "skipped"
            copy_video()
            time.sleep(1.5)
            shutil.copyfile(sample, photos / "IMG_0009.JPG")
        else:
            shutil.copyfile(sample, photos / "IMG_0009.JPG")
            time.sleep(0.2)
            copy_video()
        deadline = time.monotonic() + 30
        while list(photos.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        cancel.set()
        thread.join(timeout=30)
        sorter.close()
    try:
        assert list(photos.iterdir()) == []
        (placed,) = [o for o in outcomes if o.status == "placed"]
        assert placed.dest is not None
        assert (placed.dest.parent / "IMG_0009.MOV").read_bytes() == video
        assert not [o for o in outcomes if o.status == "skipped" and not o.retry]
    finally:
        if other_disk:
            shutil.rmtree(library.parent)


def test_cene_check_knows_the_companions(tmp_path: Path, classifier) -> None:  # type: ignore[no-untyped-def]
    photos, library = tmp_path / "photos", tmp_path / "library"
    shoot(photos, "IMG_0006", 5, (".MOV", ".CR2"))
    summary = sort(photos, library, classifier, threshold=0.0)
    album = library / str(next(o.album for o in summary.outcomes if o.status == "placed"))
    assert check_library(library).clean
    (album / "IMG_0006.MOV").unlink()  # deleted in the file manager
    (album / "stray.MOV").write_bytes(b"put here by hand")
    report = check_library(library, repair=True)
    assert report.missing == [f"{album.name}/IMG_0006.MOV"]
    assert report.untracked == [f"{album.name}/stray.MOV"]
    with Catalog.open(library) as catalog:  # the video was not adopted as a photo
        assert len(catalog.photos()) == 1 and len(catalog.companions()) == 1
    assert (album / "stray.MOV").exists() and (album / "IMG_0006.CR2").exists()


def test_a_new_card_s_companion_goes_with_its_own_photo_not_an_old_namesake(  # type: ignore[no-untyped-def]
    tmp_path: Path, classifier
) -> None:
    """Camera file numbers come round again: IMG_0001 of a later card is a different photo."""
    photos, library = tmp_path / "photos", tmp_path / "library"
    shoot(photos, "IMG_0001", 0, ())
    sort(photos, library, classifier, threshold=0.0)
    newer = shoot(photos, "IMG_0001", 6, (".CR2",))  # the next card, same names
    summary = sort(photos, library, classifier, threshold=0.0)
    (placed,) = [o for o in summary.outcomes if o.status == "placed"]
    assert placed.dest is not None
    assert digest(placed.dest.with_suffix(".CR2")) == newer["IMG_0001.CR2"]
    assert placed.dest.name == "IMG_0001.JPG" or placed.dest.name == "IMG_0001 (2).JPG"

    # A video on its own, named like a photo sorted long ago: not that photo's.
    with Catalog.open(library) as catalog:
        catalog._db.execute("UPDATE photos SET sorted_at = '2020-01-01T00:00:00.000+00:00'")
    (photos / "IMG_0001.MOV").write_bytes(b"a video shot years later")
    summary = sort(photos, library, classifier, threshold=0.0)
    assert [(o.source.name, o.status) for o in summary.outcomes] == [("IMG_0001.MOV", "skipped")]
    assert (photos / "IMG_0001.MOV").exists()
