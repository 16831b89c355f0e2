"""Photos are named by BLAKE3; a library an older Cene named by SHA-256 keeps working: its
photos are still recognised when they come again, verified, checked and put back."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import blake3

from cene_desktop.core.albums import state_dir
from cene_desktop.core.catalog import CATALOG_FILE_NAME, Catalog
from cene_desktop.core.check import check_library
from cene_desktop.core.pipeline import Sorter, SortOptions

from ..conftest import sample_files


def camera_folder(folder: Path, per_class: int = 1) -> list[Path]:
    folder.mkdir(parents=True)
    copies = []
    for index, (_, path) in enumerate(sample_files(per_class)):
        copies.append(Path(shutil.copyfile(path, folder / f"IMG_{index:04d}.jpg")))
    return copies


def as_an_older_cene_left_it(library: Path) -> None:
    """Rewrite the catalog as Cene 1.5 wrote it: SHA-256 names, schema 5."""
    db = sqlite3.connect(state_dir(library) / CATALOG_FILE_NAME)
    for photo_id, current in db.execute("SELECT id, current_path FROM photos").fetchall():
        old = hashlib.sha256((library / current).read_bytes()).hexdigest()
        new = db.execute("SELECT content_hash FROM photos WHERE id = ?", (photo_id,)).fetchone()
        for table in ("photos", "sources", "journal", "features"):
            db.execute(f"UPDATE {table} SET content_hash = ? WHERE content_hash = ?", (old, new[0]))
    db.execute("DROP INDEX photos_review_sure")  # schema 8
    db.execute("ALTER TABLE photos DROP COLUMN review_sure")
    db.execute("DROP INDEX photos_legacy_size")
    db.execute("ALTER TABLE photos DROP COLUMN hash_name")
    db.execute("PRAGMA user_version=5")
    db.commit()
    db.close()


def test_new_photos_are_named_by_blake3(tmp_path: Path, classifier) -> None:  # type: ignore[no-untyped-def]
    photos = camera_folder(tmp_path / "camera")
    expected = {blake3.blake3(p.read_bytes()).hexdigest() for p in photos}
    library = tmp_path / "library"
    with Sorter(library, tmp_path / "camera", classifier, SortOptions(mode="copy")) as sorter:
        assert sorter.sort_folder().count("placed") == len(photos)
    with Catalog.open(library) as catalog:
        assert {p.content_hash for p in catalog.photos()} == expected


def test_a_library_an_older_cene_sorted_keeps_its_photos_known(tmp_path: Path, classifier) -> None:  # type: ignore[no-untyped-def]
    camera = tmp_path / "camera"
    photos = camera_folder(camera)
    library = tmp_path / "library"
    with Sorter(library, camera, classifier, SortOptions(mode="copy")) as sorter:
        first = sorter.sort_folder()
    assert first.count("placed") == len(photos)
    as_an_older_cene_left_it(library)

    # The same photos copied in again under new names: each is known, none sorted twice.
    again = tmp_path / "card"
    again.mkdir()
    for photo in photos:
        shutil.copyfile(photo, again / f"copy-of-{photo.name}")
    with Sorter(library, again, classifier, SortOptions(mode="move")) as sorter:
        summary = sorter.sort_folder()
    assert summary.count("duplicate") == len(photos), [o.status for o in summary.outcomes]
    assert sorted(p.name for p in again.iterdir()) == sorted(f"copy-of-{p.name}" for p in photos)
    # A new photo of the same size as an old one is not taken for it.
    twin = bytearray(photos[0].read_bytes())
    twin[-3] ^= 0xFF  # inside the picture data, the same length
    (again / "new.jpg").write_bytes(bytes(twin))
    with Sorter(library, again, classifier, SortOptions(mode="move")) as sorter:
        (outcome,) = [o for o in sorter.sort_folder().outcomes if o.source.name == "new.jpg"]
    assert outcome.status == "placed", outcome

    with Catalog.open(library) as catalog:
        names = {p.current_path: p.content_hash for p in catalog.photos()}
    assert len(names) == len(photos) + 1
    report = check_library(library, verify_bytes=True)
    assert report.changed == [] and report.clean, report

    # Putting the old run back verifies each photo by its old hash, and takes it out.
    with Sorter(library, camera, classifier, SortOptions(mode="copy")) as sorter:
        undone = sorter.placer.undo_run(first.run_id or 0)
    assert undone.problems == [] and len(undone.restored) == len(photos), undone
