"""The catalog's schema: one migration a version, each run in its own transaction."""

from __future__ import annotations

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
    # 7: an album sorted by date taken (undated photos last) or by name, read in index order:
    # an album of 100,000 photos is listed without sorting them all. Ties go by name, then id.
    """
    CREATE INDEX IF NOT EXISTS photos_taken ON photos(
        album, taken_at IS NULL, taken_at, current_path COLLATE NOCASE
    );
    CREATE INDEX IF NOT EXISTS photos_name ON photos(album, current_path COLLATE NOCASE);
    """,
    # 8: how sure Cene is of where a photo is, the review pane's order: for a photo in Other
    # how sure the gate is that it shows no scene, for the others how sure the model is of
    # its scene. Computed by SQLite from the row (nothing to keep in step), indexed.
    """
    ALTER TABLE photos ADD COLUMN review_sure REAL GENERATED ALWAYS AS (
        CASE WHEN album = 'Other' AND scene_probability IS NOT NULL
        THEN 1.0 - scene_probability ELSE confidence END
    ) VIRTUAL;
    CREATE INDEX photos_review_sure ON photos(corrected, review_sure);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
