"""The catalog's schema: created, versioned, and refused when a newer Cene wrote it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cene_desktop.core.catalog import SCHEMA_VERSION, Catalog, CatalogError, LibraryInUse


def test_a_new_catalog_is_created_at_the_current_schema_in_wal_mode(tmp_path: Path) -> None:
    catalog = Catalog.open(tmp_path)
    assert catalog.schema_version == SCHEMA_VERSION
    catalog.close()
    db = sqlite3.connect(tmp_path / ".cene" / "catalog.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"photos", "sources", "journal", "runs", "corrections"} <= tables
    db.close()
    assert Catalog.open(tmp_path).schema_version == SCHEMA_VERSION  # reopening changes nothing


def test_a_catalog_from_a_newer_cene_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    Catalog.open(tmp_path).close()
    db = sqlite3.connect(tmp_path / ".cene" / "catalog.db")
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(CatalogError, match="newer Cene"):
        Catalog.open(tmp_path)


def test_an_unwritable_library_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CatalogError, match="cannot open its catalog"):
        Catalog.open(blocker)


def test_a_library_open_in_another_cene_is_refused_until_that_one_ends(tmp_path: Path) -> None:
    import subprocess
    import sys

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from cene_desktop.core.catalog import Catalog; "
            f"c = Catalog.open(Path({str(tmp_path)!r})); print('open', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(LibraryInUse, match=rf"in use by another Cene \(pid {holder.pid}\)"):
            Catalog.open(tmp_path)
        first, second = Catalog.open_copy(tmp_path), Catalog.open_copy(tmp_path)  # dry runs may
        first.close()
        second.close()
    finally:
        holder.kill()
        holder.wait()
    # Killed: the kernel dropped its lock, and this process can open the library; twice, too.
    one, two = Catalog.open(tmp_path), Catalog.open(tmp_path)
    one.close()
    two.close()


def test_times_are_shown_on_the_persons_clock(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import time

    from cene_desktop.core.catalog import local_time

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        assert local_time("2026-11-25T02:23:10.123+00:00") == "2026-11-25 03:23"
        assert local_time("2026-07-01T23:30:00+00:00") == "2026-07-02 01:30"  # summer time
        assert local_time("2026-11-25T02:23:10") == "2026-11-25 03:23"  # no zone: stored as UTC
        assert local_time("not a time") == "not a time"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_an_older_catalog_is_copied_whole_before_it_is_migrated(tmp_path: Path) -> None:
    """The copy keeps the library's history as the older Cene wrote it (its schema, its rows),
    beside the catalog; a catalog already at the current schema is not copied."""
    catalog = Catalog.open(tmp_path)
    run_id = catalog.start_run("sort", tmp_path, "move", "1.5.0")
    catalog.close()
    assert not list((tmp_path / ".cene").glob("catalog-schema-*.db"))
    db = sqlite3.connect(tmp_path / ".cene" / "catalog.db")
    db.execute("DROP INDEX photos_review_sure")  # schema 8: the review order
    db.execute("ALTER TABLE photos DROP COLUMN review_sure")
    db.execute("DROP INDEX photos_legacy_size")  # back to schema 5, as Cene 1.5 left it
    db.execute("ALTER TABLE photos DROP COLUMN hash_name")
    db.execute("PRAGMA user_version=5")
    db.commit()
    db.close()
    with Catalog.open(tmp_path) as upgraded:
        assert upgraded.schema_version == SCHEMA_VERSION
    copy = sqlite3.connect(tmp_path / ".cene" / "catalog-schema-5.db")
    assert copy.execute("PRAGMA user_version").fetchone()[0] == 5
    assert copy.execute("SELECT id FROM runs").fetchall() == [(run_id,)]
    columns = {row[1] for row in copy.execute("PRAGMA table_info(photos)")}
    assert "hash_name" not in columns and "scene_probability" in columns
    copy.close()


def test_review_asks_first_about_the_photos_cene_is_least_sure_of_where_they_are(
    tmp_path: Path,
) -> None:
    """A photo in Other is as sure as the gate is that it shows no scene: puppies the gate is
    99 % sure of come after a mountain the model was 60 % sure of, and are not asked about
    under the review threshold, however unsure the model was of a scene for them."""
    Catalog.open(tmp_path).close()
    db = sqlite3.connect(tmp_path / ".cene" / "catalog.db")
    rows = [  # name, album, the model's confidence, the gate's scene probability
        ("puppies", "Other", 0.40, 0.01),  # the head unsure, the gate sure: no scene
        ("doubtful", "Other", 0.95, 0.45),  # nearly a scene
        ("mountain", "Mountain", 0.60, 0.97),
    ]
    with db:
        for name, album, confidence, scene in rows:
            db.execute(
                "INSERT INTO photos(content_hash, size, original_path, current_path, album,"
                " mode, predicted, confidence, probabilities, sorted_at, corrected,"
                " scene_probability) VALUES (?, 1, ?, ?, ?, 'move', 'mountain', ?, '{}',"
                " '2026-12-01T00:00:00+00:00', 0, ?)",
                (name, f"/in/{name}.jpg", f"{album}/{name}.jpg", album, confidence, scene),
            )
    ids = dict(db.execute("SELECT content_hash, id FROM photos").fetchall())
    db.close()
    with Catalog.open(tmp_path) as catalog:
        assert catalog.review_ids(below=0.97) == [ids["doubtful"], ids["mountain"]]
        assert catalog.review_count(0.97) == 2
        assert catalog.review_ids(below=1.0) == [ids["doubtful"], ids["mountain"], ids["puppies"]]
