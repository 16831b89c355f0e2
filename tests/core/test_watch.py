"""Watch mode with a real watchdog observer: new photos, slow copies, a vanishing folder."""

from __future__ import annotations

import errno
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cene_desktop.core import watcher as watcher_module
from cene_desktop.core.catalog import Catalog
from cene_desktop.core.events import (
    Event,
    LibraryBack,
    LibraryGone,
    PhotoFolderBack,
    PhotoFolderGone,
    PollingInstead,
)
from cene_desktop.core.pipeline import Outcome, Sorter, SortOptions, SortSummary, watch_folder
from cene_desktop.core.watcher import FolderWatcher, StableFiles

from ..conftest import sample_files


@dataclass
class Watching:
    photos: Path
    library: Path
    outcomes: list[Outcome] = field(default_factory=list)
    notices: list[Event] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    summary: SortSummary | None = None

    def wait_for(self, condition: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        with self.changed:
            # Woken by every outcome and notice; the short timeout also catches other changes.
            while not condition():
                assert time.monotonic() < deadline, (
                    f"timed out waiting for Cene: {self.outcomes} {self.notices}"
                )
                self.changed.wait(0.05)

    def on_outcome(self, outcome: Outcome) -> None:
        with self.changed:
            self.outcomes.append(outcome)
            self.changed.notify_all()

    def notice(self, event: Event) -> None:
        with self.changed:
            self.notices.append(event)
            self.changed.notify_all()

    def placed(self) -> dict[str, Outcome]:
        return {o.source.name: o for o in self.outcomes if o.status == "placed"}


@pytest.fixture
def watching(tmp_path: Path, classifier, request) -> Iterator[Watching]:  # type: ignore[no-untyped-def]
    options = getattr(request, "param", {})
    state = Watching(tmp_path / "photos", tmp_path / "lib")
    state.photos.mkdir()
    on_outcome, notice = state.on_outcome, state.notice
    cancel = threading.Event()
    sorter = Sorter(state.library, state.photos, classifier, SortOptions(threshold=0.0))
    folder_watcher = FolderWatcher(
        state.photos,
        state.library,
        settle_seconds=options.get("settle", 0.5),
        polling=options.get("polling", False),
        poll_interval=0.2,
        notice=notice,
    )

    def run() -> None:
        state.summary = watch_folder(sorter, folder_watcher, cancel, on_outcome, notice)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    state.wait_for(lambda: folder_watcher.running)
    yield state
    cancel.set()
    thread.join(timeout=30)
    sorter.close()
    assert not thread.is_alive()


def test_new_photos_are_sorted_as_they_arrive(watching: Watching) -> None:
    for name, path in sample_files(2):
        shutil.copyfile(path, watching.photos / f"{name}-{path.name}")
    watching.wait_for(lambda: len(watching.placed()) == 12)
    for outcome in watching.placed().values():
        assert outcome.dest is not None and outcome.dest.exists()
        assert not outcome.source.exists()
    (watching.photos / "later").mkdir()
    _, path = sample_files(3)[2]  # a photo not sorted yet (the first two of each class are)
    shutil.copyfile(path, watching.photos / "later" / "late.jpg")
    watching.wait_for(lambda: "late.jpg" in watching.placed())


@pytest.mark.parametrize("watching", [{"settle": 1.0}], indirect=True)
def test_a_photo_still_being_copied_is_not_touched_until_complete(watching: Watching) -> None:
    _, path = sample_files(1)[0]
    data = path.read_bytes()
    target = watching.photos / "slow-copy.jpg"
    with target.open("wb") as stream:
        for start in range(0, len(data), len(data) // 4 + 1):
            stream.write(data[start : start + len(data) // 4 + 1])
            stream.flush()
            time.sleep(0.4)  # a slow card reader: pauses shorter than the settle time
            assert target.exists(), "Cene moved a file that was still being written"
    watching.wait_for(lambda: "slow-copy.jpg" in watching.placed())
    placed = watching.placed()["slow-copy.jpg"]
    assert placed.dest is not None and placed.dest.read_bytes() == data
    assert not [o for o in watching.outcomes if o.status == "skipped"]


def test_the_watched_folder_vanishing_is_waited_out(watching: Watching) -> None:
    name, path = sample_files(1)[0]
    shutil.copyfile(path, watching.photos / "before.jpg")
    watching.wait_for(lambda: "before.jpg" in watching.placed())
    away = watching.photos.with_name("photos-unplugged")
    watching.photos.rename(away)  # the drive goes away
    watching.wait_for(lambda: any(isinstance(n, PhotoFolderGone) for n in watching.notices))
    shutil.copyfile(sample_files(2)[1][1], away / "while-away.jpg")
    away.rename(watching.photos)  # and comes back, with a photo added elsewhere meanwhile
    watching.wait_for(lambda: any(isinstance(n, PhotoFolderBack) for n in watching.notices))
    watching.wait_for(lambda: "while-away.jpg" in watching.placed())
    assert (watching.library / watching.placed()["before.jpg"].album / "before.jpg").exists()
    assert watching.summary is None  # still watching


@pytest.mark.parametrize("watching", [{"polling": True}], indirect=True)
def test_polling_mode_finds_new_photos(watching: Watching) -> None:
    _, path = sample_files(1)[0]
    shutil.copyfile(path, watching.photos / "polled.jpg")
    watching.wait_for(lambda: "polled.jpg" in watching.placed())


def test_when_inotify_cannot_watch_cene_falls_back_to_polling(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Exhausting the system's inotify watches would disturb the whole machine: inject the error.
    class NoWatchesLeft(watcher_module.Observer):  # type: ignore[misc,valid-type]
        def schedule(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    monkeypatch.setattr(watcher_module, "Observer", NoWatchesLeft)
    notices: list[Event] = []
    folder_watcher = FolderWatcher(tmp_path, notice=notices.append, poll_interval=0.1)
    folder_watcher.start()
    try:
        assert folder_watcher.polling and folder_watcher.running
        assert isinstance(notices[0], PollingInstead) and notices[0].folder == tmp_path
        assert "inotify" in notices[0].message and "every 0.1 s" in notices[0].message
        (tmp_path / "new.jpg").write_bytes(b"x")
        deadline = time.monotonic() + 10
        while not len(folder_watcher.stable) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(folder_watcher.stable) == 1
    finally:
        folder_watcher.stop()


def test_stable_files_wait_for_size_and_mtime_to_settle(tmp_path: Path) -> None:
    stable = StableFiles(settle_seconds=0.3)
    path = tmp_path / "a.jpg"
    path.write_bytes(b"part")
    stable.touch(path)
    assert stable.ready() == []
    time.sleep(0.15)
    path.write_bytes(b"part and more")
    assert stable.ready() == []  # changed: the clock starts again
    time.sleep(0.15)
    assert stable.ready() == []
    time.sleep(0.35)
    assert stable.ready() == [path]
    assert stable.ready() == []


def test_network_file_systems_are_recognised(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/vda / ext4 rw 0 0\n"
        "nas:/photos /mnt/nas\\040photos nfs4 rw 0 0\n"
        "//server/share /mnt/share cifs rw 0 0\n"
    )
    assert watcher_module.is_network_path(Path("/mnt/nas photos/2024"), mounts)
    assert watcher_module.is_network_path(Path("/mnt/share"), mounts)
    assert not watcher_module.is_network_path(Path("/mnt/nasty"), mounts)
    assert watcher_module.file_system_type(Path("/dev/shm")) == "tmpfs"


def test_a_folder_on_a_network_drive_is_polled_every_ten_seconds(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # No NFS or SMB server here: the mount table says the folder is on one.
    mounts = tmp_path / "mounts"
    mounts.write_text(f"nas:/photos {tmp_path} nfs4 rw 0 0\n")
    real = watcher_module.is_network_path
    monkeypatch.setattr(watcher_module, "is_network_path", lambda path: real(path, mounts))
    notices: list[Event] = []
    folder_watcher = FolderWatcher(tmp_path, notice=notices.append)
    folder_watcher.start()
    try:
        assert folder_watcher.polling and folder_watcher.running
        assert isinstance(folder_watcher._observer, watcher_module.PollingObserver)
        assert notices == [
            PollingInstead(
                f"{tmp_path} is on a network drive, which sends no change events: "
                "checking it for new photos every 10 s instead.",
                tmp_path,
            )
        ]
    finally:
        folder_watcher.stop()


def test_the_library_going_away_is_waited_out_and_sorting_carries_on(
    tmp_path: Path,
    classifier,  # type: ignore[no-untyped-def]
) -> None:
    from cene_desktop.core.pipeline import keep_watching

    photos, library = tmp_path / "photos", tmp_path / "drive" / "Albums"
    photos.mkdir()
    state = Watching(photos, library)
    samples = [path for _, path in sample_files(2)]
    shutil.copyfile(samples[0], photos / "before.jpg")
    on_outcome, notice = state.on_outcome, state.notice
    cancel = threading.Event()
    opened: list[Sorter] = []

    def open_sorter() -> Sorter:
        opened.append(Sorter(library, photos, classifier, SortOptions(threshold=0.0)))
        return opened[-1]

    def open_watcher(sorter: Sorter) -> FolderWatcher:
        return FolderWatcher(photos, library, settle_seconds=0.2, notice=notice)

    def run() -> None:
        state.summary = keep_watching(
            open_sorter, open_watcher, cancel, notice, on_outcome=on_outcome
        )

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        state.wait_for(lambda: "before.jpg" in state.placed())
        away = library.parent.with_name("drive-unplugged")
        library.parent.rename(away)  # the external drive with the albums goes away
        state.wait_for(lambda: any(isinstance(n, LibraryGone) for n in state.notices))
        shutil.copyfile(samples[1], photos / "while-away.jpg")
        time.sleep(1.0)
        assert (photos / "while-away.jpg").exists()  # waits in the photo folder, untouched
        away.rename(library.parent)  # plugged in again
        state.wait_for(lambda: "while-away.jpg" in state.placed())
        assert any(isinstance(n, LibraryBack) for n in state.notices)
        assert len(opened) == 2  # a fresh catalog connection after the drive came back
        placed = state.placed()["while-away.jpg"]
        assert placed.dest is not None and placed.dest.read_bytes() == samples[1].read_bytes()
    finally:
        cancel.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    with Catalog.open(library) as catalog:
        assert sorted(Path(p.current_path).name for p in catalog.photos()) == [
            "before.jpg",
            "while-away.jpg",
        ]
