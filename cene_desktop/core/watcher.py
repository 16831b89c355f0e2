"""Watching the photo folder: watchdog events in, "this file is complete" paths out.

With inotify a file is handed on once its writer closes it (or it is renamed into place);
where no such event comes (polling, network drives) once its size and mtime have stayed the
same for ``settle_seconds``. Either way the reader then checks that it is whole and that nobody
still has it open for writing (``completeness``): a copy that pauses is never taken as done.
inotify is used where it works; a polling observer where it cannot (out of inotify watches,
network file systems, or on request).
"""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
import warnings
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from cene_desktop.core import scanner
from cene_desktop.core.events import Notice, PollingInstead

log = logging.getLogger(__name__)

# watchdog warns when a folder created under a watched one is reported twice (by its own event
# and by the walk of its parent) and watched again: harmless, and not something a user can act on.
warnings.filterwarnings("ignore", r"Callback with id .* already exists", RuntimeWarning)

NETWORK_FILE_SYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "sshfs", "9p", "afs", "ceph"}
    | {"glusterfs", "fuse.glusterfs", "davfs", "fuse.davfs2", "fuse.rclone", "virtiofs"}
)


# What a photo arriving looks like. Reads (ours when hashing, a viewer's, os.walk's) are left
# out: with thousands of folders they would flood the kernel's inotify queue.
WATCHED_EVENTS = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileClosedEvent,
    DirCreatedEvent,
    DirMovedEvent,
]


def file_system_type(path: Path, mounts_file: Path = Path("/proc/mounts")) -> str | None:
    """The type of the file system ``path`` is on (Linux /proc/mounts), or None if unknown."""
    try:
        mounts = mounts_file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    best, best_type = "", None
    target = str(path.resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = parts[1].replace("\\040", " ")
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, parts[2]
    return best_type


def is_network_path(path: Path, mounts_file: Path = Path("/proc/mounts")) -> bool:
    return file_system_type(path, mounts_file) in NETWORK_FILE_SYSTEMS


def inotify_watches() -> dict[int, int] | None:
    """This process's inotify instances: file descriptor -> number of watches (Linux /proc).

    None where the system cannot tell (not Linux, or /proc not mounted).
    """
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return None
    found: dict[int, int] = {}
    for name in names:
        try:
            if os.readlink(f"/proc/self/fd/{name}") != "anon_inode:inotify":
                continue
            with open(f"/proc/self/fdinfo/{name}", "rb") as info:
                found[int(name)] = sum(1 for line in info if line.startswith(b"inotify wd:"))
        except (OSError, ValueError):
            continue  # closed meanwhile
    return found


def watchable_folders(root: Path) -> int:
    """How many folders a recursive inotify watch of ``root`` needs: it and every readable
    sub-folder (symlinks not followed), as watchdog walks them."""
    count = 1
    for folder, subfolders, _ in os.walk(root):
        for name in subfolders:
            path = os.path.join(folder, name)
            if not os.path.islink(path) and os.access(path, os.R_OK | os.X_OK):
                count += 1
    return count


class StableFiles:
    """Files seen changing, released once unchanged for ``settle_seconds``. Thread-safe."""

    def __init__(self, settle_seconds: float) -> None:
        self.settle_seconds = settle_seconds
        self._lock = threading.Lock()
        # path -> (size, mtime_ns, time the current size/mtime was first seen)
        self._pending: dict[Path, tuple[int, int, float]] = {}
        self._closed: set[Path] = set()
        #: Set when a file was closed or renamed into place: ``ready()`` has it now.
        self.arrived = threading.Event()

    def touch(self, path: Path) -> None:
        with self._lock:
            self._pending[path] = (-1, -1, time.monotonic())

    def closed(self, path: Path) -> None:
        """The writer has closed the file (inotify's close-after-write) or it was renamed into
        place: released at the next ``ready()`` without the settle wait. Whether it is whole
        is still checked when it is read (its own structure, and nobody writing it)."""
        with self._lock:
            self._closed.add(path)
            self._pending.setdefault(path, (-1, -1, time.monotonic()))
        self.arrived.set()

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)

    def ready(self) -> list[Path]:
        now = time.monotonic()
        released = []
        with self._lock:
            for path, (size, mtime_ns, since) in list(self._pending.items()):
                try:
                    info = os.stat(path, follow_symlinks=False)
                except OSError:
                    del self._pending[path]  # gone again (a temp file renamed away)
                    self._closed.discard(path)
                    continue
                if path in self._closed:
                    self._closed.discard(path)
                    released.append(path)
                    del self._pending[path]
                elif (info.st_size, info.st_mtime_ns) != (size, mtime_ns):
                    self._pending[path] = (info.st_size, info.st_mtime_ns, now)
                elif now - since >= self.settle_seconds:
                    released.append(path)
                    del self._pending[path]
        return released


class LeftForNow:
    """Files left behind for now, each due to be looked at again once it has been unchanged
    (size, mtime, ctime) for ``quiet_seconds``. Used by one thread."""

    def __init__(self, quiet_seconds: float) -> None:
        self.quiet_seconds = quiet_seconds
        self._files: dict[Path, tuple[tuple[int, int, int], float]] = {}

    def add(self, path: Path) -> None:
        signature = _signature(path)
        if signature is None:
            self._files.pop(path, None)
        elif path not in self._files or self._files[path][0] != signature:
            self._files[path] = (signature, time.monotonic())

    def forget(self, paths: list[Path]) -> None:
        for path in paths:
            self._files.pop(path, None)

    def __len__(self) -> int:
        return len(self._files)

    def due(self) -> list[Path]:
        now, due = time.monotonic(), []
        for path, (signature, since) in list(self._files.items()):
            current = _signature(path)
            if current is None:
                del self._files[path]
            elif current != signature:
                self._files[path] = (current, now)
            elif now - since >= self.quiet_seconds:
                del self._files[path]
                due.append(path)
        return due


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: FolderWatcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("deleted", "closed_no_write", "opened"):
            return
        raw = event.dest_path if event.event_type == "moved" else event.src_path
        path = Path(os.fsdecode(raw))
        if event.is_directory:
            if event.event_type in ("created", "moved"):
                self.watcher.folder_arrived(path)
            return
        self.watcher.file_changed(path, finished=event.event_type in ("closed", "moved"))


class FolderWatcher:
    """Watches a photo folder recursively and collects complete, stable photo files."""

    def __init__(
        self,
        root: Path,
        library: Path | None = None,
        *,
        settle_seconds: float = 0.5,
        polling: bool = False,
        poll_interval: float = 2.0,
        network_poll_interval: float = 10.0,
        notice: Notice | None = None,
    ) -> None:
        self.root = root.resolve()
        self.library = library.resolve() if library is not None else None
        self.stable = StableFiles(settle_seconds)
        self.poll_interval = poll_interval
        # Polling a share stats every file in it over the network: every 10 s a photo still
        # shows up within seconds, and the NAS is left alone most of the time.
        self.network_poll_interval = network_poll_interval
        self.notice = notice or (lambda event: log.warning("%s", event.message))
        self.force_polling = polling
        self.polling = polling
        self._observer: BaseObserver | None = None
        self._inotify_fds: set[int] = set()  # the inotify instances of our observer

    def _excluded(self, path: Path) -> bool:
        try:
            relative = path.relative_to(self.root)
        except ValueError:
            return True
        current = self.root
        for part in relative.parts[:-1]:
            current = current / part
            if scanner.is_excluded_dir(current, self.library):
                return True
        return False

    def file_changed(self, path: Path, finished: bool = False) -> None:
        """``finished``: closed after writing, or renamed into place (inotify only: the polling
        observer guesses renames from snapshots, so there a file always waits to settle)."""
        if scanner.classify_name(path) == "" or self._excluded(path):
            return
        if finished and not self.polling:
            self.stable.closed(path)
        else:
            self.stable.touch(path)

    def folder_arrived(self, folder: Path) -> None:
        """A folder moved or created in: its files may never send events of their own."""
        if self._excluded(folder / "x") or scanner.is_excluded_dir(folder, self.library):
            return
        for found in scanner.find_photos(folder, self.library):
            self.stable.touch(found.path)

    def start(self) -> None:
        """Start watching; falls back to polling (with a notice) where inotify cannot watch."""
        self.stop()
        if not self.force_polling and is_network_path(self.root):
            self.poll_interval = max(self.poll_interval, self.network_poll_interval)
            self.notice(
                PollingInstead(
                    f"{self.root} is on a network drive, which sends no change events: "
                    f"checking it for new photos every {self.poll_interval:g} s instead.",
                    self.root,
                )
            )
            self.polling = True
        if not self.polling:
            try:
                self._start_inotify()
                return
            except OSError as error:
                why = error.strerror or str(error)
                if error.errno != errno.ENOSPC:
                    why += "; often: too many folders for the system's inotify limit"
                self.notice(
                    PollingInstead(
                        f"Cene cannot watch {self.root} for changes ({why}). Checking it "
                        f"every {self.poll_interval:g} s instead.",
                        self.root,
                    )
                )
                self.polling = True
        self._observer = self._schedule(PollingObserver(timeout=self.poll_interval))

    def _start_inotify(self) -> None:
        """An inotify observer watching every folder, or OSError.

        watchdog skips the sub-folders it cannot watch without a word (it raises only for the
        top folder), so once the system's inotify limit is reached, photos put in the
        remaining folders would never be noticed. The watches are counted instead.
        """
        before = inotify_watches()
        folders = watchable_folders(self.root)
        try:
            self._observer = self._schedule(Observer())
        except OSError as error:
            if error.errno != errno.ENOSPC:
                raise
            # watchdog 7 and newer raise for a sub-folder too, once the limit is reached.
            why = (
                f"its {folders} folders are more than the system's inotify limit lets Cene watch"
                if folders > 1
                else "other programs use up the system's inotify limit"
            )
            raise OSError(errno.ENOSPC, why) from error
        after = inotify_watches()
        if before is None or after is None:
            return  # not Linux: no inotify, no such limit
        self._inotify_fds = set(after) - set(before)
        watched = sum(after[fd] for fd in self._inotify_fds)
        if watched < min(folders, watchable_folders(self.root)):
            self.stop()
            raise OSError(
                errno.ENOSPC,
                f"only {watched} of its {folders} folders could be watched: the system's "
                "inotify limit is reached",
            )

    def verify(self) -> bool:
        """Check that inotify still watches every folder (sub-folders keep being added);
        if not, switch to polling with a notice and return True: the caller should then look
        through the whole folder for photos that arrived unnoticed."""
        if self.polling or self._observer is None or not self._inotify_fds:
            return False
        for attempt in range(2):  # a folder created a moment ago may not be watched yet
            folders = watchable_folders(self.root)
            watches = inotify_watches() or {}
            watched = sum(watches.get(fd, 0) for fd in self._inotify_fds)
            if watched >= folders:
                return False
            if attempt == 0:
                time.sleep(1.0)
        self.notice(
            PollingInstead(
                f"Cene can no longer watch every folder in {self.root} for changes ({watched} "
                f"of {folders}: the system's inotify limit is reached). Checking it every "
                f"{self.poll_interval:g} s instead.",
                self.root,
            )
        )
        self.stop()
        self.polling = True
        self._observer = self._schedule(PollingObserver(timeout=self.poll_interval))
        return True

    def _schedule(self, observer: BaseObserver) -> BaseObserver:
        observer.schedule(
            _Handler(self), str(self.root), recursive=True, event_filter=WATCHED_EVENTS
        )
        try:
            observer.start()
        except BaseException:
            observer.stop()
            raise
        return observer

    def stop(self) -> None:
        self._inotify_fds = set()
        if self._observer is not None:
            observer, self._observer = self._observer, None
            observer.stop()
            if observer.is_alive():
                observer.join(timeout=5)

    @property
    def running(self) -> bool:
        return self._observer is not None and self._observer.is_alive()
