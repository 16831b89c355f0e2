"""Journaled placement: never overwrite, never duplicate, recover from any interruption."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cene_desktop.core import fileops
from cene_desktop.core.catalog import Catalog
from cene_desktop.core.placement import Placer, SourceChanged


@pytest.fixture
def library(tmp_path: Path) -> Iterator[tuple[Path, Catalog, Placer]]:
    lib = tmp_path / "lib"
    catalog = Catalog.open(lib)
    placer = Placer(lib, catalog, photos_dir=tmp_path)  # the photos come from tmp_path/...
    placer.ensure_albums()
    yield lib, catalog, placer
    catalog.close()


def make_photo(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def place(placer: Placer, path: Path, album: str = "Sea", mode: str = "move", run_id=None):  # type: ignore[no-untyped-def]
    info = path.stat()
    return placer.place(
        path,
        size=info.st_size,
        mtime_ns=info.st_mtime_ns,
        content_hash=fileops.content_hash_file(path),
        album=album,
        mode=mode,
        run_id=run_id,
        details={"predicted": album.lower(), "confidence": 0.9},
    )


def test_move_puts_the_photo_in_its_album_and_the_catalog(tmp_path: Path, library) -> None:  # type: ignore[no-untyped-def]
    lib, catalog, placer = library
    photo = make_photo(tmp_path / "in" / "beach.jpg", b"sea pixels")
    placed = place(placer, photo)
    assert placed.dest == lib / "Sea" / "beach.jpg"
    assert placed.dest.read_bytes() == b"sea pixels"
    assert not photo.exists()
    (record,) = catalog.photos()
    assert record.album == "Sea" and record.current_path == "Sea/beach.jpg"
    assert record.original_path == str(photo) and record.mode == "move"
    assert catalog.open_journal() == []


def test_a_name_clash_gets_a_number_and_nothing_is_overwritten(tmp_path: Path, library) -> None:  # type: ignore[no-untyped-def]
    lib, _, placer = library
    make_photo(lib / "Sea" / "IMG_1.jpg", b"already there")
    make_photo(lib / "Sea" / "IMG_1 (2).jpg", b"also there")
    placed = place(placer, make_photo(tmp_path / "in" / "IMG_1.jpg", b"newcomer"))
    assert placed.dest.name == "IMG_1 (3).jpg"
    assert (lib / "Sea" / "IMG_1.jpg").read_bytes() == b"already there"
    assert (lib / "Sea" / "IMG_1 (2).jpg").read_bytes() == b"also there"
    assert placed.dest.read_bytes() == b"newcomer"


def test_an_identical_photo_is_recorded_not_duplicated(tmp_path: Path, library) -> None:  # type: ignore[no-untyped-def]
    lib, catalog, placer = library
    first = place(placer, make_photo(tmp_path / "in" / "a.jpg", b"same bytes"))
    second_path = make_photo(tmp_path / "in" / "copy of a.jpg", b"same bytes")
    second = place(placer, second_path)
    assert second.duplicate and second.dest == first.dest
    assert second_path.read_bytes() == b"same bytes"  # left where it was
    assert sorted(p.name for p in (lib / "Sea").iterdir()) == ["a.jpg"]
    info = second_path.stat()
    assert catalog.known_source(second_path, info.st_size, info.st_mtime_ns)


def test_symlink_mode_never_moves_the_original(tmp_path: Path, library) -> None:  # type: ignore[no-untyped-def]
    lib, _, placer = library
    photo = make_photo(tmp_path / "in" / "hill.jpg", b"hill")
    placed = place(placer, photo, album="Mountain", mode="symlink")
    assert photo.read_bytes() == b"hill"
    assert placed.dest.is_symlink() and placed.dest.resolve() == photo.resolve()


def test_copy_mode_keeps_the_original(tmp_path: Path, library) -> None:  # type: ignore[no-untyped-def]
    _, _, placer = library
    photo = make_photo(tmp_path / "in" / "tree.jpg", b"tree")
    placed = place(placer, photo, album="Forest", mode="copy")
    assert photo.read_bytes() == b"tree" and placed.dest.read_bytes() == b"tree"
    assert not placed.dest.is_symlink()


def test_a_file_that_changed_after_reading_is_left_alone(tmp_path: Path, library) -> None:  # type: ignore[no-untyped-def]
    _, catalog, placer = library
    photo = make_photo(tmp_path / "in" / "growing.jpg", b"first half")
    info = photo.stat()
    with photo.open("ab") as stream:
        stream.write(b" and the second half")
    with pytest.raises(SourceChanged):
        placer.place(
            photo,
            size=info.st_size,
            mtime_ns=info.st_mtime_ns,
            content_hash="x",
            album="Sea",
            mode="move",
            run_id=None,
            details={},
        )
    assert photo.exists() and catalog.photos() == []


@pytest.fixture
def other_file_system(tmp_path: Path) -> Iterator[Path]:
    """A folder on a different file system from tmp_path (/dev/shm is a tmpfs)."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second file system available here")
    folder = Path(tempfile.mkdtemp(dir=shm, prefix="cene-test-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_move_across_file_systems_copies_verifies_then_deletes(
    other_file_system: Path, library
) -> None:  # type: ignore[no-untyped-def]
    lib, catalog, placer = library
    content = os.urandom(300_000)
    photo = make_photo(other_file_system / "card" / "DSC_1.jpg", content)
    placed = place(placer, photo, album="Glacier")
    assert placed.dest.read_bytes() == content
    assert not photo.exists()
    assert os.stat(placed.dest).st_dev != os.stat(other_file_system).st_dev
    assert [p.name for p in (lib / "Glacier").iterdir()] == ["DSC_1.jpg"]  # no partial left
    assert catalog.open_journal() == []


def _pending(catalog: Catalog, placer: Placer, op: str, src: Path, dest: Path) -> int:
    """A pending journal entry for ``op``; its id."""
    entry = catalog.journal_begin(
        catalog.start_run("sort", src.parent, "move", "test"),
        op,
        src,
        dest,
        fileops.content_hash_file(src) if src.exists() else fileops.content_hash_file(dest),
        (src if src.exists() else dest).stat().st_size,
        {
            "original_path": str(src),
            "album": dest.parent.name,
            "mode": "move",
            "source_mtime_ns": 0,
        },
    )
    return entry.id


def test_recovery_finishes_a_move_killed_between_link_and_unlink(tmp_path: Path, library) -> None:  # type: ignore[no-untyped-def]
    lib, catalog, placer = library
    photo = make_photo(tmp_path / "in" / "a.jpg", b"a")
    dest = lib / "Sea" / "a.jpg"
    _pending(catalog, placer, "move", photo, dest)
    os.link(photo, dest)  # the crash happened right here
    report = placer.recover()
    assert len(report.finished) == 1
    assert not photo.exists() and dest.read_bytes() == b"a"
    assert [p.current_path for p in catalog.photos()] == ["Sea/a.jpg"]


def test_recovery_rolls_back_a_move_that_had_not_started(tmp_path: Path, library) -> None:  # type: ignore[no-untyped-def]
    lib, catalog, placer = library
    photo = make_photo(tmp_path / "in" / "a.jpg", b"a")
    entry = _pending(catalog, placer, "move", photo, lib / "Sea" / "a.jpg")
    (lib / "Sea" / f".cene-partial-{entry}.tmp").write_bytes(b"half a co")
    report = placer.recover()
    assert len(report.rolled_back) == 1
    assert photo.read_bytes() == b"a"
    assert os.listdir(lib / "Sea") == []  # the half-written copy is gone
    assert catalog.photos() == [] and catalog.open_journal() == []


def test_undo_puts_every_photo_of_the_last_run_back(tmp_path: Path, library) -> None:  # type: ignore[no-untyped-def]
    lib, catalog, placer = library
    run = catalog.start_run("sort", tmp_path / "in", "move", "test")
    photos = [make_photo(tmp_path / "in" / f"{i}.jpg", bytes([i]) * 10) for i in range(5)]
    for photo in photos:
        place(placer, photo, run_id=run)
    make_photo(tmp_path / "in" / "3.jpg", b"a new photo with an old name")
    report = placer.undo_run(run)
    assert report.problems == []
    for i, photo in enumerate(photos):
        if i == 3:
            continue
        assert photo.read_bytes() == bytes([i]) * 10
    assert (tmp_path / "in" / "3.jpg").read_bytes() == b"a new photo with an old name"
    assert (tmp_path / "in" / "3 (2).jpg").read_bytes() == bytes([3]) * 10
    assert catalog.photos() == [] and list((lib / "Sea").iterdir()) == []
    assert catalog.last_undoable_run() is None


def test_undo_of_copies_and_links_removes_only_the_library_side(tmp_path: Path, library) -> None:  # type: ignore[no-untyped-def]
    lib, catalog, placer = library
    run = catalog.start_run("sort", tmp_path / "in", "copy", "test")
    copied = make_photo(tmp_path / "in" / "c.jpg", b"copied")
    linked = make_photo(tmp_path / "in" / "l.jpg", b"linked")
    place(placer, copied, mode="copy", run_id=run)
    place(placer, linked, mode="symlink", run_id=run)
    assert placer.undo_run(run).problems == []
    assert copied.read_bytes() == b"copied" and linked.read_bytes() == b"linked"
    assert list((lib / "Sea").iterdir()) == []


def test_relocate_moves_between_albums(tmp_path: Path, library) -> None:  # type: ignore[no-untyped-def]
    lib, catalog, placer = library
    place(placer, make_photo(tmp_path / "in" / "peak.jpg", b"peak"), album="Glacier")
    (photo,) = catalog.photos()
    moved = placer.relocate(photo, "Mountain")
    assert moved.dest == lib / "Mountain" / "peak.jpg" and moved.dest.read_bytes() == b"peak"
    assert not (lib / "Glacier" / "peak.jpg").exists()
    assert catalog.photos()[0].album == "Mountain"


def test_file_operations_asked_for_by_two_threads_take_turns(tmp_path: Path) -> None:
    import threading

    library = tmp_path / "lib"
    sorting, editing = Catalog.open(library), Catalog.open(library)  # one per worker thread
    sorter, editor = Placer(library, sorting), Placer(library, editing)
    sorter.ensure_albums()
    first = place(sorter, make_photo(tmp_path / "in" / "a.jpg", b"a" * 50))
    (photo,) = editing.photos()
    moved = threading.Event()

    def drag_to_forest() -> None:
        editor.relocate(photo, "Forest")
        moved.set()

    with sorter.lane.lock:  # the sorting worker is in the middle of an operation
        person = threading.Thread(target=drag_to_forest)
        person.start()
        assert not moved.wait(0.3), "an edit ran in the middle of another file operation"
    person.join(timeout=10)
    assert moved.is_set() and not first.dest.exists()
    assert (library / "Forest" / "a.jpg").read_bytes() == b"a" * 50
    sorting.close()
    editing.close()


def test_recovery_finishes_a_companion_s_moves_cut_short(tmp_path: Path, library) -> None:  # type: ignore[no-untyped-def]
    """A kill while a Live Photo's video was going into the album, then while it followed its
    photo to another album: start-up finishes both and the catalog says where it is."""
    lib, catalog, placer = library
    photo = make_photo(tmp_path / "in" / "IMG_1.jpg", b"photo")
    video = make_photo(tmp_path / "in" / "IMG_1.MOV", b"video")
    placed = place(placer, photo)
    (went,) = placed.companions
    assert went == lib / "Sea" / "IMG_1.MOV" and not video.exists()
    # As if the video had not been placed yet, and the process was killed mid-move.
    os.rename(went, video)
    catalog.forget_companion(catalog.companions()[0].id)
    payload = {"companion_of": placed.photo_id, "tail": ".MOV", "original_path": str(video)}
    video_hash = fileops.content_hash_file(video)
    catalog.journal_begin(None, "move", video, went, video_hash, 5, payload | {"mode": "move"})
    os.link(video, went)  # killed between link and unlink
    catalog.lane.forget_recovery()  # the next process recovers
    assert Placer(lib, catalog, photos_dir=tmp_path / "in").recover().finished
    assert not video.exists() and went.read_bytes() == b"video"
    (companion,) = catalog.companions()
    assert companion.current_path == "Sea/IMG_1.MOV" and catalog.open_journal() == []

    target = lib / "Forest" / "IMG_1.MOV"
    following = {"companion_id": companion.id}
    catalog.journal_begin(None, "relocate", went, target, video_hash, 5, following)
    os.rename(went, target)  # killed after the rename, before the catalog heard of it
    catalog.lane.forget_recovery()
    assert Placer(lib, catalog).recover().finished
    (companion,) = catalog.companions()
    assert companion.current_path == "Forest/IMG_1.MOV" and catalog.open_journal() == []
