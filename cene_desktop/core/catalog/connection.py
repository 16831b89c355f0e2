"""Opening a catalog: the SQLite connection and its settings, one process per library (a lock
file), the schema checked and migrated (a backup copy kept first), transactions."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from cene_desktop.core import fileops
from cene_desktop.core.albums import state_dir
from cene_desktop.core.catalog.records import CatalogError, LibraryInUse
from cene_desktop.core.catalog.schema import MIGRATIONS, SCHEMA_VERSION
from cene_desktop.core.fileops import DiskFullError
from cene_desktop.core.lane import FileOpLane

CATALOG_FILE_NAME = "catalog.db"


class _LibraryLock:
    """One process at a time per library: an exclusive ``flock`` on ``LIB/.cene/lock``.

    Shared, reference-counted, by every catalog this process opens on the library (the window,
    the sorting worker and the editing worker each have their own connection). The kernel
    drops the lock when the process dies, kill -9 included.
    """

    _held: dict[Path, _LibraryLock] = {}
    _guard = threading.Lock()

    def __init__(self, folder: Path) -> None:
        self.path = folder / "lock"
        self.users = 0
        # One file operation at a time in this process, whichever thread asks (core.lane).
        self.lane = FileOpLane()
        self._file = open(self.path, "a+")  # noqa: SIM115 - held open while the lock is held
        try:
            import fcntl
        except ImportError:  # Windows: sharing a library between processes is not guarded
            return
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            self._file.seek(0)
            holder = self._file.read().strip() or "another process"
            self._file.close()
            raise LibraryInUse(
                f"This library ({folder.parent}) is in use by another Cene ({holder}). "
                "Close that one first, or choose another library."
            ) from error
        self._file.seek(0)
        self._file.truncate()
        self._file.write(f"pid {os.getpid()}")
        self._file.flush()

    @classmethod
    def acquire(cls, folder: Path) -> _LibraryLock:
        key = folder.resolve()
        with cls._guard:
            lock = cls._held.get(key)
            if lock is None:
                lock = cls._held[key] = _LibraryLock(key)
            lock.users += 1
            return lock

    def release(self) -> None:
        with self._guard:
            self.users -= 1
            if self.users == 0:
                del self._held[self.path.parent]
                self._file.close()  # closing the file drops the flock


#: Set when the process is asked to stop (SIGINT, SIGTERM). A statement still running a moment
#: later is a runaway (a crafted query or trigger) and is interrupted, so stopping always works.
stop_requested = threading.Event()
_STOP_GRACE_SECONDS = 2.0
_stop_seen_at: list[float] = []


def _stop_runaway_statements(connection: sqlite3.Connection) -> None:
    def check() -> int:
        if not stop_requested.is_set():
            return 0
        if not _stop_seen_at:
            _stop_seen_at.append(time.monotonic())
        return int(time.monotonic() - _stop_seen_at[0] > _STOP_GRACE_SECONDS)

    connection.set_progress_handler(check, 100_000)


_EXPECTED: set[tuple[str, str, str]] = set()


def _expected_schema() -> set[tuple[str, str, str]]:
    if not _EXPECTED:
        connection = sqlite3.connect(":memory:", isolation_level=None)
        catalog = CatalogBase(connection, None)
        catalog._migrate()
        _EXPECTED.update(catalog._objects())
        connection.close()
    return _EXPECTED


class CatalogBase:
    """One library's catalog. Thread-safe: every call holds the catalog's lock."""

    def __init__(self, connection: sqlite3.Connection, library: Path | None) -> None:
        self._db = connection
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self.library = library
        self.library_lock: _LibraryLock | None = None
        self._private_lane = FileOpLane()  # an in-memory catalog has no library lock

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, library: Path) -> Self:
        """Open (creating and migrating if needed) the catalog of ``library``."""
        folder = state_dir(library)
        if folder.is_symlink():
            raise CatalogError(
                f"{folder} is a symbolic link (to {os.readlink(folder)}). Cene keeps its catalog "
                "only in a real folder inside the library: replace the link with the folder."
            )
        try:
            folder.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                folder / CATALOG_FILE_NAME, check_same_thread=False, isolation_level=None
            )
            # The catalog is data, not code: whoever can write the library folder must not be
            # able to run functions with side effects through a view or trigger.
            connection.execute("PRAGMA trusted_schema=OFF")
            _stop_runaway_statements(connection)
            connection.execute("PRAGMA journal_mode=WAL")
            # FULL: a journal entry must be on disk before the file operation it announces.
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA busy_timeout=10000")
        except (OSError, sqlite3.Error) as error:
            raise CatalogError(
                f"Cene cannot open its catalog in {folder}: {error}. "
                "Check that the library folder is writable, or choose another one."
            ) from error
        try:
            lock = _LibraryLock.acquire(folder)
        except BaseException:
            connection.close()
            raise
        catalog = cls(connection, library)
        catalog.library_lock = lock
        try:
            catalog._refuse_foreign_objects(folder / CATALOG_FILE_NAME)
            catalog._keep_a_copy_before_migrating(folder)
            catalog._migrate()
            catalog._check_schema(folder / CATALOG_FILE_NAME)
        except BaseException:
            catalog.close()
            raise
        return catalog

    def _keep_a_copy_before_migrating(self, folder: Path) -> None:
        """A catalog of an older schema is copied whole (``catalog-schema-N.db`` beside it)
        before it is migrated: a newer Cene that goes wrong, or a person going back to the
        older one, leaves the library's history intact. No copy, no migration."""
        with self._lock:
            version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if not 0 < version < SCHEMA_VERSION:
            return
        target = folder / f"catalog-schema-{version}.db"
        partial = target.with_suffix(".partial")
        try:
            with contextlib.closing(sqlite3.connect(partial)) as copy:
                with self._lock:
                    self._db.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")
            with open(partial, "rb+") as stream:
                os.fsync(stream.fileno())
            os.replace(partial, target)
            fileops.fsync_dir(folder)
        except (OSError, sqlite3.Error) as error:
            with contextlib.suppress(OSError):
                partial.unlink()
            raise CatalogError(
                f"Cene must upgrade this library's catalog (schema {version}) and keeps a copy "
                f"of it first, but cannot write {target}: {error}. Free some space on that "
                "disk, then open the library again; nothing has been changed."
            ) from error

    def _objects(self) -> set[tuple[str, str, str]]:
        rows = self._db.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ).fetchall()
        return {(str(row[0]), str(row[1]), str(row[2] or "")) for row in rows}

    def _refuse_foreign_objects(self, path: Path) -> None:
        """Cene makes no triggers and no views: one found was put there by someone else (an
        endless trigger made ``cene sort`` spin, deaf to Ctrl+C). Checked before any write."""
        with self._lock:
            foreign = [
                f"{kind} {name}" for kind, name, _ in self._objects() if kind in ("trigger", "view")
            ]
        if foreign:
            raise CatalogError(
                f"The catalog {path} holds {', '.join(sorted(foreign))}, which Cene never makes: "
                "someone or something has changed it. Cene will not use it; restore it from a "
                "backup, or move it aside and run `cene check --repair` to rebuild it."
            )

    def _check_schema(self, path: Path) -> None:
        """After migrating, the schema is exactly the one Cene makes (tables, indexes)."""
        expected = _expected_schema()
        with self._lock:
            found = self._objects()
        unknown = sorted(f"{kind} {name}" for kind, name, _ in found - expected)
        if unknown:
            raise CatalogError(
                f"The catalog {path} has {', '.join(unknown)} that Cene did not make: someone "
                "or something has changed it. Cene will not use it; restore it from a backup."
            )

    @classmethod
    def in_memory(cls, library: Path | None = None) -> Self:
        """A throw-away catalog (dry runs, tests) with the real schema."""
        connection = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        catalog = cls(connection, library)
        catalog._migrate()
        return catalog

    @classmethod
    def open_copy(cls, library: Path) -> Self:
        """An in-memory copy of a library's catalog (or an empty one): a dry run changes nothing."""
        path = state_dir(library) / CATALOG_FILE_NAME
        if not path.exists():
            return cls.in_memory(library)
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        connection = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        source.backup(connection)
        source.close()
        connection.execute("PRAGMA trusted_schema=OFF")
        catalog = cls(connection, library)
        catalog._refuse_foreign_objects(path)
        catalog._migrate()
        catalog._check_schema(path)
        return catalog

    def _migrate(self) -> None:
        with self._lock:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise CatalogError(
                    f"This library's catalog was written by a newer Cene (schema {version}); "
                    "update Cene to open it."
                )
            for target in range(version, SCHEMA_VERSION):
                # One transaction per step: a crash mid-migration leaves the old schema intact.
                with self.transaction() as db:
                    for statement in MIGRATIONS[target].split(";"):
                        if statement.strip():
                            db.execute(statement)
                    db.execute(f"PRAGMA user_version={target + 1}")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            try:
                self._db.close()
            finally:
                if self.library_lock is not None:
                    self.library_lock.release()
                    self.library_lock = None

    @property
    def lane(self) -> FileOpLane:
        """The library's file-operation lane in this process (core.lane)."""
        lock = self.library_lock
        return lock.lane if lock is not None else self._private_lane

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.OperationalError as error:
                if "full" in str(error):
                    raise DiskFullError(
                        f"The disk holding the library {self.library} is full; Cene cannot "
                        "update its catalog. Nothing was changed; free some space and Cene "
                        "will carry on.",
                        self.library,
                    ) from error
                raise

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _rows_in(
        self, sql: str, values: Sequence[Any], before: Sequence[Any] = ()
    ) -> Iterator[sqlite3.Row]:
        """Rows of ``sql``, whose ``{marks}`` is an IN list of ``values`` (after the parameters
        ``before``), asked 500 values at a time: well under SQLite's bound-parameter limit."""
        for start in range(0, len(values), 500):
            chunk = list(values[start : start + 500])
            yield from self._query(sql.format(marks=",".join("?" * len(chunk))), [*before, *chunk])
