"""The library's catalog: photos, where they came from, sort runs and the file-operation journal.

SQLite in WAL mode at ``LIB/.cene/catalog.db``. Every file operation is written to the journal
(and made durable) before it touches a file, and marked finished after, so that start-up can
finish or roll back whatever a crash left open.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from cene_desktop.core import fileops
from cene_desktop.core.albums import OTHER, UNSORTED, state_dir
from cene_desktop.core.fileops import DiskFullError

CATALOG_FILE_NAME = "catalog.db"
_Record = TypeVar("_Record")

# Each entry migrates the schema from version N to N + 1 (PRAGMA user_version).
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,              -- 'sort', 'watch', 'undo', 'correction'
        photos_dir TEXT,
        mode TEXT,
        model_version TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        undone_at TEXT
    );
    CREATE TABLE photos (
        id INTEGER PRIMARY KEY,
        content_hash TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        original_path TEXT NOT NULL,     -- absolute path where Cene found it
        current_path TEXT NOT NULL,      -- relative to the library root
        album TEXT NOT NULL,
        mode TEXT NOT NULL,              -- 'move', 'copy' or 'symlink'
        predicted TEXT,                  -- the model's best scene class
        confidence REAL,                 -- calibrated probability of that class
        runner_up TEXT,                  -- the second most likely class (review filters)
        probabilities TEXT,              -- JSON {class: probability}
        model_version TEXT,
        taken_at TEXT,
        sorted_at TEXT NOT NULL,
        corrected INTEGER NOT NULL DEFAULT 0,
        run_id INTEGER REFERENCES runs(id)
    );
    CREATE INDEX photos_album ON photos(album);
    CREATE INDEX photos_review ON photos(corrected, confidence);
    CREATE TABLE sources (
        path TEXT PRIMARY KEY,           -- absolute path of a file Cene has looked at
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        photo_id INTEGER REFERENCES photos(id) ON DELETE SET NULL
    );
    CREATE TABLE journal (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id),
        op TEXT NOT NULL,                -- see placement.Operation
        src TEXT NOT NULL,
        dest TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        size INTEGER NOT NULL,
        payload TEXT NOT NULL,           -- JSON: what the photo row becomes once done
        state TEXT NOT NULL DEFAULT 'pending',   -- 'pending', 'done', 'rolled_back'
        detail TEXT,
        created_at TEXT NOT NULL,
        finished_at TEXT
    );
    CREATE INDEX journal_open ON journal(state) WHERE state = 'pending';
    CREATE INDEX journal_run ON journal(run_id);
    CREATE TABLE corrections (
        id INTEGER PRIMARY KEY,
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        from_album TEXT NOT NULL,
        to_album TEXT NOT NULL,
        kind TEXT NOT NULL,              -- 'relabel' or 'confirm'
        at TEXT NOT NULL,
        run_id INTEGER REFERENCES runs(id)   -- one drag or key press = one run, undone together
    );
    CREATE INDEX corrections_run ON corrections(run_id);
    """,
    # 2: learning from corrections. Pooled features of labelled photos (computed once per
    # photo and shipped model), and the albums an adapted model suggests (never applied alone).
    """
    CREATE TABLE features (
        content_hash TEXT PRIMARY KEY,
        model_version TEXT NOT NULL,     -- the shipped model that computed them
        vector BLOB NOT NULL             -- float16, little-endian
    );
    ALTER TABLE photos ADD COLUMN suggested TEXT;          -- album an adapted model suggests
    ALTER TABLE photos ADD COLUMN suggested_confidence REAL;
    ALTER TABLE photos ADD COLUMN suggested_by TEXT;       -- the model version suggesting it
    CREATE INDEX photos_suggested ON photos(suggested) WHERE suggested IS NOT NULL;
    """,
    # 3: files that go with a photo (the RAW of a RAW+JPEG pair, a Live Photo's video, edits,
    # sidecars): they follow it into albums, between albums and back out.
    """
    CREATE TABLE companions (
        id INTEGER PRIMARY KEY,
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        tail TEXT NOT NULL,              -- its name after the photo's stem: '.CR2', '.JPG.xmp'
        content_hash TEXT NOT NULL,
        size INTEGER NOT NULL,
        original_path TEXT NOT NULL,     -- absolute path where Cene found it
        current_path TEXT NOT NULL,      -- relative to the library root
        mode TEXT NOT NULL               -- its photo's: 'move', 'copy' or 'symlink'
    );
    CREATE INDEX companions_photo ON companions(photo_id);
    CREATE INDEX photos_original ON photos(original_path);
    """,
    # 4: finding features kept for an older model must not read every kept vector (~300 MB in
    # a library of 100,000 photos) each time sorting starts.
    """
    CREATE INDEX features_model ON features(model_version);
    """,
    # 5: the Other album. The scene gate's answer for each photo (NULL for photos sorted before
    # the gate existed: a re-check fills it in and offers to move non-scenes to Other).
    """
    ALTER TABLE photos ADD COLUMN scene_probability REAL;
    """,
    # 6: photos are named by BLAKE3 from now on. Those sorted before keep their SHA-256, which
    # stays valid: a file of the same size as one of them is hashed that way too before it is
    # taken for a new photo (the index finds those few).
    """
    ALTER TABLE photos ADD COLUMN hash_name TEXT NOT NULL DEFAULT 'sha256';
    CREATE INDEX photos_legacy_size ON photos(size) WHERE hash_name = 'sha256';
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def now_iso(at: float | None = None) -> str:
    """UTC as the catalog stores times; ``at``: a time.time() instead of now."""
    moment = datetime.now(UTC) if at is None else datetime.fromtimestamp(at, UTC)
    return moment.isoformat(timespec="milliseconds")


def local_time(iso: str) -> str:
    """A time stored by :func:`now_iso` (UTC) as the person's clock shows it, to the minute."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso[:16].replace("T", " ")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


class CatalogError(Exception):
    """The catalog cannot be opened or used; the message says why in the user's words."""


class LibraryInUse(CatalogError):
    """Another Cene process has this library open."""


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
        # One file operation at a time in this process, whichever thread (sorting, a person's
        # edits) asks: the library's single file-op lane (see placement.Placer).
        self.file_ops = threading.RLock()
        self.recovered = False  # journal recovery runs once per process, before any new work
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


@dataclass(frozen=True)
class PhotoRecord:
    id: int
    content_hash: str
    size: int
    original_path: str
    current_path: str
    album: str
    mode: str
    predicted: str | None
    confidence: float | None
    runner_up: str | None
    probabilities: dict[str, float]
    model_version: str | None
    taken_at: str | None
    sorted_at: str
    corrected: bool
    run_id: int | None
    suggested: str | None = None
    suggested_confidence: float | None = None
    suggested_by: str | None = None
    scene_probability: float | None = None  # the scene gate's P(scene); None: not asked


@dataclass(frozen=True)
class CompanionRecord:
    """A file that goes with a library photo (``scanner.companions_of``)."""

    id: int
    photo_id: int
    tail: str
    content_hash: str
    size: int
    original_path: str
    current_path: str
    mode: str


@dataclass(frozen=True)
class LabelledPhoto:
    """A photo whose album a person chose or confirmed: an example to learn from."""

    id: int
    content_hash: str
    current_path: str
    album: str
    size: int = 0


@dataclass(frozen=True)
class JournalEntry:
    id: int
    run_id: int | None
    op: str
    src: str
    dest: str
    content_hash: str
    size: int
    payload: dict[str, Any]
    state: str


@dataclass(frozen=True)
class Run:
    id: int
    kind: str
    photos_dir: str | None
    mode: str | None
    started_at: str
    finished_at: str | None
    undone_at: str | None


def _from_row(cls: type[_Record], row: sqlite3.Row, **decoded: Any) -> _Record:
    """A record dataclass from a row whose columns carry the field names."""
    values = {f.name: row[f.name] for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**(values | decoded))


def _photo(row: sqlite3.Row) -> PhotoRecord:
    return _from_row(
        PhotoRecord,
        row,
        probabilities=json.loads(row["probabilities"] or "{}"),
        corrected=bool(row["corrected"]),
    )


def _run(row: sqlite3.Row) -> Run:
    return _from_row(Run, row)


def _journal(row: sqlite3.Row) -> JournalEntry:
    return _from_row(JournalEntry, row, payload=json.loads(row["payload"]))


def _upsert_source(
    db: sqlite3.Connection,
    path: str,
    size: int,
    mtime_ns: int,
    content_hash: str,
    photo_id: int | None,
) -> None:
    db.execute(
        "INSERT OR REPLACE INTO sources(path, size, mtime_ns, content_hash, photo_id)"
        " VALUES (?, ?, ?, ?, ?)",
        (path, size, mtime_ns, content_hash, photo_id),
    )


def _review_filter(below: float | None) -> tuple[str, tuple[object, ...]]:
    """The WHERE clause of the review pane: unreviewed photos, those under ``below`` only (a
    photo with no confidence, which the model could not judge, always needs a look)."""
    if below is None or below >= 1.0:
        return "corrected = 0", ()
    return "corrected = 0 AND (confidence IS NULL OR confidence < ?)", (below,)


def _delete_photo(db: sqlite3.Connection, photo_id: int) -> None:
    db.execute("DELETE FROM sources WHERE photo_id = ?", (photo_id,))
    db.execute("DELETE FROM photos WHERE id = ?", (photo_id,))


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
        catalog = Catalog(connection, None)
        catalog._migrate()
        _EXPECTED.update(catalog._objects())
        connection.close()
    return _EXPECTED


class Catalog:
    """One library's catalog. Thread-safe: every call holds the catalog's lock."""

    def __init__(self, connection: sqlite3.Connection, library: Path | None) -> None:
        self._db = connection
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self.library = library
        self.library_lock: _LibraryLock | None = None
        self._private_file_ops = threading.RLock()  # an in-memory catalog has no library lock

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, library: Path) -> Catalog:
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
            catalog._migrate()
            catalog._check_schema(folder / CATALOG_FILE_NAME)
        except BaseException:
            catalog.close()
            raise
        return catalog

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
    def in_memory(cls, library: Path | None = None) -> Catalog:
        """A throw-away catalog (dry runs, tests) with the real schema."""
        connection = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        catalog = cls(connection, library)
        catalog._migrate()
        return catalog

    @classmethod
    def open_copy(cls, library: Path) -> Catalog:
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

    def __enter__(self) -> Catalog:
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

    def file_ops_lock(self) -> threading.RLock:
        """The lock every journaled file operation on this library holds while it runs."""
        lock = self.library_lock
        return lock.file_ops if lock is not None else self._private_file_ops

    def claim_recovery(self) -> bool:
        """True the first time in this process: only then may the journal be recovered, since
        later another thread of this process may have operations in flight."""
        lock = self.library_lock
        if lock is None:
            return True
        with _LibraryLock._guard:
            first, lock.recovered = not lock.recovered, True
            return first

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

    # -- runs ----------------------------------------------------------------------------

    def _rows_in(
        self, sql: str, values: Sequence[Any], before: Sequence[Any] = ()
    ) -> Iterator[sqlite3.Row]:
        """Rows of ``sql``, whose ``{marks}`` is an IN list of ``values`` (after the parameters
        ``before``), asked 500 values at a time: well under SQLite's bound-parameter limit."""
        for start in range(0, len(values), 500):
            chunk = list(values[start : start + 500])
            yield from self._query(sql.format(marks=",".join("?" * len(chunk))), [*before, *chunk])

    def start_run(
        self, kind: str, photos_dir: Path | None, mode: str | None, model_version: str | None
    ) -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs(kind, photos_dir, mode, model_version, started_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (kind, str(photos_dir) if photos_dir else None, mode, model_version, now_iso()),
            )
            return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET finished_at = ? WHERE id = ?", (now_iso(), run_id))

    def mark_run_undone(self, run_id: int) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET undone_at = ? WHERE id = ?", (now_iso(), run_id))

    def last_undoable_run(self) -> Run | None:
        """The latest sort or watch run that placed at least one photo and is not undone yet."""
        rows = self._query(
            "SELECT * FROM runs WHERE undone_at IS NULL AND kind IN ('sort', 'watch')"
            " AND EXISTS (SELECT 1 FROM journal j WHERE j.run_id = runs.id AND j.state = 'done')"
            " ORDER BY id DESC LIMIT 1"
        )
        return _run(rows[0]) if rows else None

    def run_photo_count(self, run_id: int) -> int:
        """Photos a run placed that are still its own (not undone, not placed again since)."""
        return int(self._query("SELECT COUNT(*) FROM photos WHERE run_id = ?", (run_id,))[0][0])

    def run_companion_count(self, run_id: int) -> int:
        """Files that go with those photos (they go back with them)."""
        rows = self._query(
            "SELECT COUNT(*) FROM companions JOIN photos ON photos.id = companions.photo_id"
            " WHERE photos.run_id = ?",
            (run_id,),
        )
        return int(rows[0][0])

    # -- photos and sources --------------------------------------------------------------

    def photo_by_hash(self, content_hash: str) -> PhotoRecord | None:
        rows = self._query("SELECT * FROM photos WHERE content_hash = ?", (content_hash,))
        return _photo(rows[0]) if rows else None

    def has_legacy_photo_of_size(self, size: int) -> bool:
        """Whether a photo named by the older hash (sorted before Cene 1.6) has this size."""
        rows = self._query(
            "SELECT 1 FROM photos WHERE hash_name = 'sha256' AND size = ? LIMIT 1", (size,)
        )
        return bool(rows)

    def photo(self, photo_id: int) -> PhotoRecord | None:
        rows = self._query("SELECT * FROM photos WHERE id = ?", (photo_id,))
        return _photo(rows[0]) if rows else None

    def photos(self, album: str | None = None) -> list[PhotoRecord]:
        if album is None:
            rows = self._query("SELECT * FROM photos ORDER BY id")
        else:
            rows = self._query("SELECT * FROM photos WHERE album = ? ORDER BY id", (album,))
        return [_photo(row) for row in rows]

    def photo_ids(self, album: str) -> list[int]:
        """The ids of an album's photos in the order the grid shows them: cheap for any size."""
        rows = self._query("SELECT id FROM photos WHERE album = ? ORDER BY id", (album,))
        return [row[0] for row in rows]

    def photos_by_ids(self, ids: Sequence[int]) -> list[PhotoRecord]:
        """The records of ``ids``, in that order (ids no longer in the catalog are skipped)."""
        rows = self._rows_in("SELECT * FROM photos WHERE id IN ({marks})", ids)
        found = {row["id"]: _photo(row) for row in rows}
        return [found[i] for i in ids if i in found]

    def album_counts(self) -> dict[str, int]:
        rows = self._query("SELECT album, COUNT(*) AS n FROM photos GROUP BY album")
        return {row["album"]: row["n"] for row in rows}

    def known_source(self, path: Path, size: int, mtime_ns: int) -> str | None:
        """The content hash of a file Cene has seen unchanged at ``path`` before, if any."""
        rows = self._query(
            "SELECT content_hash FROM sources WHERE path = ? AND size = ? AND mtime_ns = ?",
            (str(path), size, mtime_ns),
        )
        return rows[0]["content_hash"] if rows else None

    def remember_source(
        self, path: Path, size: int, mtime_ns: int, content_hash: str, photo_id: int | None
    ) -> None:
        with self.transaction() as db:
            _upsert_source(db, str(path), size, mtime_ns, content_hash, photo_id)

    def set_content(self, photo_id: int, content_hash: str, size: int) -> bool:
        """Record a photo's new bytes (edited in another program); False if another photo in
        the catalog already has exactly these bytes (then nothing changes)."""
        try:
            with self.transaction() as db:
                db.execute(
                    "UPDATE photos SET content_hash = ?, size = ?, hash_name = ? WHERE id = ?",
                    (content_hash, size, fileops.HASH_NAME, photo_id),
                )
        except sqlite3.IntegrityError:
            return False
        return True

    def set_album(self, photo_id: int, album: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE photos SET album = ? WHERE id = ?", (album, photo_id))

    def forget_photo(self, photo_id: int) -> None:
        with self.transaction() as db:
            _delete_photo(db, photo_id)

    # -- companions ----------------------------------------------------------------------

    def companions(self, photo_id: int | None = None) -> list[CompanionRecord]:
        """The companions of one photo, or of every photo."""
        if photo_id is None:
            rows = self._query("SELECT * FROM companions ORDER BY id")
        else:
            rows = self._query(
                "SELECT * FROM companions WHERE photo_id = ? ORDER BY id", (photo_id,)
            )
        return [_from_row(CompanionRecord, row) for row in rows]

    def record_companion(self, entry: JournalEntry, current_path: str, detail: str | None) -> None:
        """In one transaction: the companion's row and its journal entry marked done."""
        payload = entry.payload
        with self.transaction() as db:
            db.execute(
                "INSERT INTO companions(photo_id, tail, content_hash, size, original_path,"
                " current_path, mode) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    payload["companion_of"],
                    payload["tail"],
                    entry.content_hash,
                    entry.size,
                    payload["original_path"],
                    current_path,
                    payload["mode"],
                ),
            )
            self.journal_close(entry.id, "done", detail, conn=db)

    def record_companion_moved(
        self, entry: JournalEntry, current_path: str | None, detail: str | None
    ) -> None:
        """A companion moved between albums (a path) or left the library (None)."""
        companion_id = entry.payload["companion_id"]
        with self.transaction() as db:
            if current_path is None:
                db.execute("DELETE FROM companions WHERE id = ?", (companion_id,))
            else:
                db.execute(
                    "UPDATE companions SET current_path = ? WHERE id = ?",
                    (current_path, companion_id),
                )
            self.journal_close(entry.id, "done", detail, conn=db)

    def companion_from(self, original_path: Path) -> CompanionRecord | None:
        rows = self._query(
            "SELECT * FROM companions WHERE original_path = ? LIMIT 1", (str(original_path),)
        )
        return _from_row(CompanionRecord, rows[0]) if rows else None

    def forget_companion(self, companion_id: int) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM companions WHERE id = ?", (companion_id,))

    def placed_from(self, folder: Path, stem: str) -> list[PhotoRecord]:
        """Photos Cene took from ``folder`` whose name had this stem (newest first)."""
        prefix = f"{folder}/{stem}."
        rows = self._query(
            "SELECT * FROM photos WHERE original_path >= ? AND original_path < ? ORDER BY id DESC",
            (prefix, prefix[:-1] + "/"),
        )
        return [
            photo
            for photo in map(_photo, rows)
            if Path(photo.original_path).parent == folder and Path(photo.original_path).stem == stem
        ]

    # -- journal -------------------------------------------------------------------------

    def journal_begin(
        self,
        run_id: int | None,
        op: str,
        src: Path,
        dest: Path,
        content_hash: str,
        size: int,
        payload: dict[str, Any],
    ) -> int:
        """Record the intent to do ``op``; durable once this returns."""
        return self.journal_begin_many([(run_id, op, src, dest, content_hash, size, payload)])[0]

    def journal_begin_many(
        self, intents: Sequence[tuple[int | None, str, Path, Path, str, int, dict[str, Any]]]
    ) -> list[int]:
        """:meth:`journal_begin` for several operations (run id, op, src, dest, hash, size,
        payload), in one transaction; their entry ids, in order."""
        ids = []
        with self.transaction() as db:
            for run_id, op, src, dest, content_hash, size, payload in intents:
                cursor = db.execute(
                    "INSERT INTO journal(run_id, op, src, dest, content_hash, size, payload,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        run_id,
                        op,
                        str(src),
                        str(dest),
                        content_hash,
                        size,
                        json.dumps(payload),
                        now_iso(),
                    ),
                )
                ids.append(int(cursor.lastrowid or 0))
        return ids

    def journal_set_dest(self, entry_id: int, dest: Path) -> None:
        with self.transaction() as db:
            db.execute("UPDATE journal SET dest = ? WHERE id = ?", (str(dest), entry_id))

    def journal_close(
        self, entry_id: int, state: str, detail: str | None = None, conn: Any = None
    ) -> None:
        sql = "UPDATE journal SET state = ?, detail = ?, finished_at = ? WHERE id = ?"
        params = (state, detail, now_iso(), entry_id)
        if conn is not None:
            conn.execute(sql, params)
            return
        with self.transaction() as db:
            db.execute(sql, params)

    def open_journal(self) -> list[JournalEntry]:
        rows = self._query("SELECT * FROM journal WHERE state = 'pending' ORDER BY id")
        return [_journal(row) for row in rows]

    def journal_states(self) -> Counter[tuple[str, str | None]]:
        """How many journal entries ended in each (state, detail): for checks and tests."""
        rows = self._query("SELECT state, detail, COUNT(*) AS n FROM journal GROUP BY 1, 2")
        return Counter({(row["state"], row["detail"]): row["n"] for row in rows})

    def journal_of_run(self, run_id: int) -> list[JournalEntry]:
        rows = self._query(
            "SELECT * FROM journal WHERE run_id = ? AND state = 'done' ORDER BY id", (run_id,)
        )
        return [_journal(row) for row in rows]

    def record_placed(
        self, entry: JournalEntry, current_path: str, detail: str | None = None
    ) -> int:
        """In one transaction: the photo row, its source, and the journal entry marked done."""
        return self.record_placed_many([(entry, current_path)], detail)[0]

    def record_placed_many(
        self, placed: Sequence[tuple[JournalEntry, str]], detail: str | None = None
    ) -> list[int]:
        """:meth:`record_placed` for several (entry, current path), in one transaction; the
        photo ids, in order."""
        with self.transaction() as db:
            return [self._insert_placed(db, entry, where, detail) for entry, where in placed]

    def _insert_placed(
        self, db: sqlite3.Connection, entry: JournalEntry, current_path: str, detail: str | None
    ) -> int:
        payload = entry.payload
        db.execute("DELETE FROM photos WHERE content_hash = ?", (entry.content_hash,))
        cursor = db.execute(
            "INSERT INTO photos(content_hash, size, original_path, current_path, album, mode,"
            " predicted, confidence, runner_up, probabilities, model_version, taken_at,"
            " sorted_at, corrected, run_id, scene_probability, hash_name)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
            (
                entry.content_hash,
                entry.size,
                payload["original_path"],
                current_path,
                payload["album"],
                payload["mode"],
                payload.get("predicted"),
                payload.get("confidence"),
                payload.get("runner_up"),
                json.dumps(payload.get("probabilities", {})),
                payload.get("model_version"),
                payload.get("taken_at"),
                now_iso(),
                entry.run_id,
                payload.get("scene_probability"),
                # journalled by an older Cene (then upgraded): its hash is the older one
                payload.get("hash_name", fileops.LEGACY_HASH_NAME),
            ),
        )
        photo_id = int(cursor.lastrowid or 0)
        if payload.get("source_mtime_ns") is not None:
            _upsert_source(
                db,
                payload["original_path"],
                entry.size,
                payload["source_mtime_ns"],
                entry.content_hash,
                photo_id,
            )
        self.journal_close(entry.id, "done", detail, conn=db)
        return photo_id

    def record_relocated(
        self,
        entry: JournalEntry,
        photo_id: int,
        current_path: str,
        album: str | None,
        detail: str | None = None,
    ) -> None:
        """A library photo moved (undo, correction): update its row and close the entry."""
        with self.transaction() as db:
            if album is None:
                _delete_photo(db, photo_id)
            else:
                db.execute(
                    "UPDATE photos SET current_path = ?, album = ? WHERE id = ?",
                    (current_path, album, photo_id),
                )
            self.journal_close(entry.id, "done", detail, conn=db)

    def add_correction(
        self, photo_id: int, from_album: str, to_album: str, kind: str, run_id: int | None
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO corrections(photo_id, from_album, to_album, kind, at, run_id)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (photo_id, from_album, to_album, kind, now_iso(), run_id),
            )
            db.execute(
                "UPDATE photos SET corrected = 1, suggested = NULL, suggested_confidence = NULL,"
                " suggested_by = NULL WHERE id = ?",
                (photo_id,),
            )

    def corrections_of_run(self, run_id: int) -> list[sqlite3.Row]:
        return self._query("SELECT * FROM corrections WHERE run_id = ? ORDER BY id DESC", (run_id,))

    def remove_correction(self, correction_id: int, photo_id: int) -> None:
        """Forget one correction; the photo counts as corrected only if others remain."""
        with self.transaction() as db:
            db.execute("DELETE FROM corrections WHERE id = ?", (correction_id,))
            db.execute(
                "UPDATE photos SET corrected = EXISTS (SELECT 1 FROM corrections"
                " WHERE photo_id = ?) WHERE id = ?",
                (photo_id, photo_id),
            )

    def last_run(self, kinds: tuple[str, ...]) -> Run | None:
        marks = ", ".join("?" for _ in kinds)
        rows = self._query(
            f"SELECT * FROM runs WHERE undone_at IS NULL AND kind IN ({marks})"
            " ORDER BY id DESC LIMIT 1",
            kinds,
        )
        return _run(rows[0]) if rows else None

    def review_count(self, below: float | None = None) -> int:
        """Photos nobody has looked at yet (with ``below``: only those the model was less sure
        of than that, and those it could not judge)."""
        where, values = _review_filter(below)
        return int(self._query(f"SELECT COUNT(*) FROM photos WHERE {where}", values)[0][0])

    def review_queue(
        self, pair: tuple[str, str] | None = None, limit: int = 1000, below: float | None = None
    ) -> list[PhotoRecord]:
        """Photos nobody has looked at yet, least confident first; ``pair``: only photos whose
        two most likely scenes are these two (e.g. mountain or glacier); ``below``: only photos
        the model was less sure of than that."""
        return self.photos_by_ids(self.review_ids(pair, limit, below))

    def review_ids(
        self, pair: tuple[str, str] | None = None, limit: int = 1000, below: float | None = None
    ) -> list[int]:
        """The ids of :meth:`review_queue`, in its order."""
        where, values = _review_filter(below)
        if pair is not None:
            where += " AND ((predicted = ? AND runner_up = ?) OR (predicted = ? AND runner_up = ?))"
            values += (pair[0], pair[1], pair[1], pair[0])
        rows = self._query(
            f"SELECT id FROM photos WHERE {where} ORDER BY confidence ASC, id LIMIT ?",
            (*values, limit),
        )
        return [row[0] for row in rows]

    def boundary_ids(self, low: float, high: float, centre: float, limit: int = 1000) -> list[int]:
        """Unreviewed photos whose scene probability lies between ``low`` and ``high`` (near
        the scene gate's threshold ``centre``, on either side: in Other, or in a scene album
        that the gate nearly sent to Other), nearest the threshold first."""
        rows = self._query(
            "SELECT id FROM photos WHERE corrected = 0 AND scene_probability BETWEEN ? AND ?"
            " ORDER BY ABS(scene_probability - ?), id LIMIT ?",
            (low, high, centre, limit),
        )
        return [row[0] for row in rows]

    def unjudged_by_gate(self) -> int:
        """Photos in scene albums or Unsorted that the scene gate never looked at (sorted
        before Cene had an Other album): a re-check asks it about them."""
        rows = self._query(
            "SELECT COUNT(*) FROM photos WHERE scene_probability IS NULL AND album != ?",
            (OTHER,),
        )
        return int(rows[0][0])

    # -- learning from corrections -------------------------------------------------------

    def labelled_photos(self) -> list[LabelledPhoto]:
        """Photos a person put in (or confirmed in) a scene album, oldest first."""
        rows = self._query(
            "SELECT id, content_hash, current_path, album, size FROM photos"
            " WHERE corrected = 1 AND album != ? ORDER BY id",
            (UNSORTED,),
        )
        return [_from_row(LabelledPhoto, row) for row in rows]

    def labelled_count(self) -> int:
        rows = self._query(
            "SELECT COUNT(*) FROM photos WHERE corrected = 1 AND album != ?", (UNSORTED,)
        )
        return int(rows[0][0])

    def cached_features(self, hashes: Sequence[str], model_version: str) -> dict[str, bytes]:
        rows = self._rows_in(
            "SELECT content_hash, vector FROM features WHERE model_version = ?"
            " AND content_hash IN ({marks})",
            hashes,
            (model_version,),
        )
        return {row["content_hash"]: bytes(row["vector"]) for row in rows}

    def forget_features_except(self, model_version: str) -> int:
        """Drop kept features another model computed (a Cene upgrade changed the model): they
        can never be used again. Returns how many were dropped."""
        with self.transaction() as db:
            # Two ranges rather than "!=": SQLite searches the index for those, and scans the
            # whole table for the other.
            cursor = db.execute(
                "DELETE FROM features WHERE model_version < ?1 OR model_version > ?1",
                (model_version,),
            )
            return cursor.rowcount

    def store_features(self, vectors: dict[str, bytes], model_version: str) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO features(content_hash, model_version, vector)"
                " VALUES (?, ?, ?)",
                [(key, model_version, value) for key, value in vectors.items()],
            )

    def set_suggestions(self, suggestions: Sequence[tuple[int, str, float]], by: str) -> None:
        """Replace every suggestion with these (photo id, album, confidence) from model ``by``."""
        with self.transaction() as db:
            db.execute(
                "UPDATE photos SET suggested = NULL, suggested_confidence = NULL,"
                " suggested_by = NULL WHERE suggested IS NOT NULL"
            )
            db.executemany(
                "UPDATE photos SET suggested = ?, suggested_confidence = ?, suggested_by = ?"
                " WHERE id = ? AND corrected = 0",
                [(album, confidence, by, photo_id) for photo_id, album, confidence in suggestions],
            )

    def set_predictions(
        self, rows: Sequence[tuple[int, str, float, str, dict[str, float], str, float | None]]
    ) -> None:
        """What the model in use says of photos nobody has looked at, (id, predicted,
        confidence, runner-up, probabilities, model version, scene probability) each: the
        review pane and the preview follow the model a person has now, not the one that sorted
        the photo."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE photos SET predicted = ?, confidence = ?, runner_up = ?,"
                " probabilities = ?, model_version = ?, scene_probability = ?"
                " WHERE id = ? AND corrected = 0",
                [
                    (predicted, sure, runner_up, json.dumps(probabilities), version, scene, id_)
                    for id_, predicted, sure, runner_up, probabilities, version, scene in rows
                ],
            )

    def clear_suggestions(self, keep_by: str | None = None) -> int:
        """Drop suggestions (all, or all but those of model ``keep_by``); returns how many."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE photos SET suggested = NULL, suggested_confidence = NULL,"
                " suggested_by = NULL WHERE suggested IS NOT NULL AND suggested_by IS NOT ?",
                (keep_by,),
            )
            return int(cursor.rowcount)

    def suggestion_count(self) -> int:
        rows = self._query("SELECT COUNT(*) FROM photos WHERE suggested IS NOT NULL")
        return int(rows[0][0])

    def suggestions(self, limit: int = 1000) -> list[PhotoRecord]:
        """Photos an adapted model would now place elsewhere, surest first."""
        return self.photos_by_ids(self.suggestion_ids(limit))

    def suggestion_ids(self, limit: int = 1000) -> list[int]:
        """The ids of :meth:`suggestions`, in its order."""
        rows = self._query(
            "SELECT id FROM photos WHERE suggested IS NOT NULL"
            " ORDER BY suggested_confidence DESC, id LIMIT ?",
            (limit,),
        )
        return [row[0] for row in rows]
