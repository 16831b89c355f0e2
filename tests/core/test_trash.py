"""Move to Trash: a photo and the files that go with it go to the (freedesktop) trash, leave
the catalog, and undo brings them back byte-identical; a crash at any step is finished or
rolled back on the next start, nothing lost, nothing overwritten."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import send2trash
from send2trash import plat_other

from cene_desktop.core import fileops, trash
from cene_desktop.core.check import check_library
from cene_desktop.core.library import Library
from cene_desktop.core.pipeline import Sorter, SortOptions

from ..conftest import sample_files

LIVE_VIDEO = b"\0\0\0\x14ftypqt  a Live Photo's video"


@pytest.fixture
def trash_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The freedesktop home trash in a temporary folder (Send2Trash reads XDG_DATA_HOME when
    it is imported, so its copy of it is pointed there too): nothing lands in a real trash."""
    home, data = tmp_path / "home", tmp_path / "home" / "share"
    data.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setattr(plat_other, "XDG_DATA_HOME", bytes(data))
    monkeypatch.setattr(plat_other, "HOMETRASH_B", bytes(data / "Trash"))
    monkeypatch.setattr(plat_other, "HOMETRASH", str(data / "Trash"))
    monkeypatch.setattr(send2trash, "send2trash", plat_other.send2trash)  # not gio's
    return data / "Trash"


def sorted_library(tmp_path: Path, classifier) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    """Twelve sample photos sorted by the real model; the first forest photo has a Live
    Photo's video."""
    photos, library = tmp_path / "photos", tmp_path / "Albums"
    photos.mkdir()
    for name, path in sample_files(2):
        shutil.copyfile(path, photos / f"{name}-{path.name}")
    first_forest = sorted(photos.glob("forest-*.jpg"))[0]
    first_forest.with_suffix(".MOV").write_bytes(LIVE_VIDEO)
    with Sorter(library, photos, classifier, SortOptions(threshold=0.0)) as sorter:
        assert sorter.sort_folder().count("placed") == 12
    return photos, library


def manifest(*folders: Path) -> Counter[str]:
    """The bytes of every file under ``folders`` (by hash): what must never be lost."""
    return Counter(
        fileops.content_hash_file(path)
        for folder in folders
        for path in folder.rglob("*")
        if path.is_file() and ".cene" not in path.parts and path.suffix != ".trashinfo"
    )


def in_album(library: Path) -> Counter[str]:
    return manifest(*(p for p in library.iterdir() if p.is_dir() and p.name != ".cene"))


@pytest.fixture
def opened(tmp_path: Path, classifier, trash_home: Path) -> Iterator[tuple[Library, Path]]:  # type: ignore[no-untyped-def]
    photos, library = sorted_library(tmp_path, classifier)
    edit = Library(library, photos_dir=photos)
    yield edit, library
    edit.close()


def forest_with_video(edit: Library):  # type: ignore[no-untyped-def]
    photo = next(p for p in edit.catalog.photos() if edit.catalog.companions(p.id))
    (video,) = edit.catalog.companions(photo.id)
    return photo, video


def reopened(edit: Library, library: Path) -> Library:
    """The library as the next start opens it (recovering what the journal left open)."""
    edit.catalog.lane.forget_recovery()
    edit.close()
    return Library(library)


def test_trash_takes_the_photo_and_its_video_and_undo_brings_both_back(
    opened: tuple[Library, Path], trash_home: Path
) -> None:
    edit, library = opened
    photo, video = forest_with_video(edit)
    before = manifest(library, trash_home)
    forest = edit.album_counts()[photo.album]
    photo_bytes = (library / photo.current_path).read_bytes()
    video_bytes = (library / video.current_path).read_bytes()

    result = edit.trash([photo.id])

    assert result.message == "Moved 1 photo to the trash." and not result.problems
    assert result.changes.albums == {photo.album}
    assert not (library / photo.current_path).exists()
    assert not (library / video.current_path).exists()
    name, video_name = Path(photo.current_path).name, Path(video.current_path).name
    assert (trash_home / "files" / name).read_bytes() == photo_bytes
    assert (trash_home / "files" / video_name).read_bytes() == video_bytes
    info = (trash_home / "info" / f"{name}.trashinfo").read_text()
    assert f"Path={library / photo.current_path}" in info
    assert edit.catalog.photo(photo.id) is None and edit.catalog.companions() == []
    assert edit.album_counts()[photo.album] == forest - 1
    assert manifest(library, trash_home) == before  # moved, not lost
    edit.close()
    assert check_library(library).clean  # the catalog agrees with the albums
    edit = Library(library)

    undone = edit.undo_last_correction()

    assert undone.message == "Brought 1 photo back from the trash." and not undone.problems
    assert undone.changes.albums == {photo.album}
    assert (library / photo.current_path).read_bytes() == photo_bytes
    assert (library / video.current_path).read_bytes() == video_bytes
    back = edit.catalog.photo_by_hash(photo.content_hash)
    assert back is not None and back.album == photo.album and back.id == photo.id
    assert back.probabilities == photo.probabilities and back.sorted_at == photo.sorted_at
    (companion,) = edit.catalog.companions(back.id)
    assert companion.current_path == video.current_path
    assert edit.album_counts()[photo.album] == forest
    assert list((trash_home / "files").iterdir()) == []
    assert list((trash_home / "info").iterdir()) == []  # the trash no longer lists them
    assert manifest(library, trash_home) == before
    assert edit.undo_last_correction().message == "Nothing to undo."
    edit.close()
    assert check_library(library).clean


def test_a_name_taken_meanwhile_gets_a_number_and_nothing_is_overwritten(
    opened: tuple[Library, Path], trash_home: Path
) -> None:
    edit, library = opened
    photo, video = forest_with_video(edit)
    photo_bytes = (library / photo.current_path).read_bytes()
    edit.trash([photo.id])
    someone_elses = b"another photo under the same name"
    (library / photo.current_path).write_bytes(someone_elses)

    undone = edit.undo_last_correction()

    assert not undone.problems
    assert (library / photo.current_path).read_bytes() == someone_elses
    taken = library / photo.current_path
    numbered = taken.with_name(f"{taken.stem} (2){taken.suffix}")
    assert numbered.read_bytes() == photo_bytes
    back = edit.catalog.photo_by_hash(photo.content_hash)
    assert back is not None and back.current_path == str(numbered.relative_to(library))
    (companion,) = edit.catalog.companions(back.id)
    assert companion.current_path == f"{photo.album}/{taken.stem} (2).MOV"
    assert (library / companion.current_path).read_bytes() == LIVE_VIDEO
    assert not (library / video.current_path).exists()  # nothing else took its name


class Killed(BaseException):
    """The process dies here (nothing of Cene's catches it)."""


def test_a_kill_before_the_trash_is_rolled_back_and_after_it_is_finished(
    opened: tuple[Library, Path], trash_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit, library = opened
    photo, video = forest_with_video(edit)
    everything = manifest(library, trash_home)
    albums_before = in_album(library)

    def killed_before(path: str) -> None:
        info = trash_home / "info" / f"{Path(path).name}.trashinfo"  # the trash's first step
        info.parent.mkdir(parents=True, exist_ok=True)
        info.write_text(f"[Trash Info]\nPath={path}\nDeletionDate=2026-12-01T10:00:00\n")
        raise Killed

    monkeypatch.setattr(send2trash, "send2trash", killed_before)
    with pytest.raises(Killed):
        edit.trash([photo.id])
    assert edit.catalog.open_journal()  # begun, never closed
    monkeypatch.setattr(send2trash, "send2trash", plat_other.send2trash)
    edit = reopened(edit, library)
    assert edit.catalog.open_journal() == []
    assert edit.catalog.photo(photo.id) is not None and edit.catalog.companions(photo.id)
    assert in_album(library) == albums_before  # rolled back: all still in its album
    assert list((trash_home / "info").iterdir()) == []  # no entry for a file not there

    def killed_after(path: str) -> None:
        plat_other.send2trash(path)
        raise Killed  # in the trash, the catalog not told yet

    monkeypatch.setattr(send2trash, "send2trash", killed_after)
    with pytest.raises(Killed):
        edit.trash([photo.id])  # the video went, then the kill
    edit = reopened(edit, library)
    assert edit.catalog.open_journal() == []
    assert not (library / video.current_path).exists()
    assert edit.catalog.companions(photo.id) == []  # finished: the video is in the trash
    assert (library / photo.current_path).exists()  # the photo had not started
    assert manifest(library, trash_home) == everything
    monkeypatch.setattr(send2trash, "send2trash", plat_other.send2trash)

    undone = edit.undo_last_correction()  # the video goes back to its photo

    assert not undone.problems
    assert in_album(library) == albums_before
    assert [c.current_path for c in edit.catalog.companions(photo.id)] == [video.current_path]
    edit.close()
    assert check_library(library).clean


def test_a_kill_while_bringing_a_photo_back_is_finished_on_the_next_start(
    opened: tuple[Library, Path], trash_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit, library = opened
    photo, video = forest_with_video(edit)
    everything = manifest(library, trash_home)
    albums_before = in_album(library)
    edit.trash([photo.id])
    recorded = trash._untrashed

    def killed(*args: object, **kwargs: object) -> int:
        raise Killed  # the file is back in its album, the catalog not told yet

    monkeypatch.setattr(trash, "_untrashed", killed)
    with pytest.raises(Killed):
        edit.undo_last_correction()
    monkeypatch.setattr(trash, "_untrashed", recorded)
    assert edit.catalog.photo_by_hash(photo.content_hash) is None
    edit = reopened(edit, library)

    assert edit.catalog.open_journal() == []
    back = edit.catalog.photo_by_hash(photo.content_hash)
    assert back is not None and back.current_path == photo.current_path
    assert manifest(library, trash_home) == everything
    # The video had not started back: it stays in the trash, safe, and check agrees.
    assert (trash_home / "files" / Path(video.current_path).name).exists()
    assert in_album(library) == albums_before - Counter([video.content_hash])
    edit.close()
    assert check_library(library).clean


def test_a_trash_that_cannot_be_read_back_says_where_to_restore_from(
    opened: tuple[Library, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    edit, library = opened
    photo, _ = forest_with_video(edit)
    monkeypatch.setattr(trash.sys, "platform", "darwin")  # the Finder's Trash: not readable
    edit.trash([photo.id])

    undone = edit.undo_last_correction()

    (problem,) = [p for p in undone.problems if Path(photo.current_path).name in p]
    assert "the Trash in the Dock (select it and choose Put Back)" in problem
    assert edit.catalog.photo_by_hash(photo.content_hash) is None
