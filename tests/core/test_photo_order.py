"""An album's photos listed by date taken (undated ones last, by name), by name, or as they came
into the library; each order read along an index, and the review pane keeping its own."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cene_desktop.core.catalog import CATALOG_FILE_NAME, MIGRATIONS, Catalog
from cene_desktop.core.catalog.photos import _ORDER_BY, BY_ADDED, BY_NAME, BY_TAKEN
from cene_desktop.core.pages import REVIEW, PageQuery, read_page

# (name, date taken) in the order they were sorted into the library.
PHOTOS = [
    ("IMG_0300.jpg", "2023-07-14T09:00:00"),
    ("Screenshot.png", None),
    ("beach.jpg", "2019-01-02T10:30:00"),
    ("IMG_0100.jpg", "2023-07-14T08:59:59"),
    ("alps.jpg", None),
    ("DSC_0001.jpg", "2019-01-02T10:30:00"),  # the same second as beach.jpg
]


def library_with(tmp_path: Path, photos: list[tuple[str, str | None]], album: str = "Sea") -> Path:
    with Catalog.open(tmp_path):
        pass
    db = sqlite3.connect(tmp_path / ".cene" / CATALOG_FILE_NAME)
    with db:
        for index, (name, taken) in enumerate(photos):
            db.execute(
                "INSERT INTO photos(content_hash, size, original_path, current_path, album,"
                " mode, predicted, confidence, taken_at, sorted_at)"
                " VALUES (?, 1, ?, ?, ?, 'move', 'sea', ?, ?, '2024-01-01T00:00:00')",
                (
                    f"{index:064x}",
                    f"/camera/{name}",
                    f"{album}/{name}",
                    album,
                    0.5 + index / 100,
                    taken,
                ),
            )
    db.close()
    return tmp_path


def names(catalog: Catalog, ids: list[int]) -> list[str]:
    return [Path(p.current_path).name for p in catalog.photos_by_ids(ids)]


def test_by_date_taken_oldest_first_undated_last_by_name(tmp_path: Path) -> None:
    with Catalog.open(library_with(tmp_path, PHOTOS)) as catalog:
        assert names(catalog, catalog.photo_ids("Sea", BY_TAKEN)) == [
            "beach.jpg",  # 2019, the same second as DSC_0001: by name
            "DSC_0001.jpg",
            "IMG_0100.jpg",  # 2023, one second before IMG_0300
            "IMG_0300.jpg",
            "alps.jpg",  # no date: after every dated photo, by name
            "Screenshot.png",
        ]


def test_by_name_ignores_case_and_as_added_keeps_the_sorting_order(tmp_path: Path) -> None:
    with Catalog.open(library_with(tmp_path, PHOTOS)) as catalog:
        assert names(catalog, catalog.photo_ids("Sea", BY_NAME)) == [
            "alps.jpg",
            "beach.jpg",
            "DSC_0001.jpg",
            "IMG_0100.jpg",
            "IMG_0300.jpg",
            "Screenshot.png",
        ]
        assert names(catalog, catalog.photo_ids("Sea", BY_ADDED)) == [n for n, _ in PHOTOS]
        assert catalog.photo_ids("Sea") == catalog.photo_ids("Sea", BY_ADDED)


def test_the_page_query_orders_an_album_but_not_the_review_pane(tmp_path: Path) -> None:
    with Catalog.open(library_with(tmp_path, PHOTOS)) as catalog:
        page = read_page(catalog, PageQuery("Sea", None, 1.0, None, BY_TAKEN))
        assert names(catalog, page.ids)[0] == "beach.jpg"
        assert [Path(r.current_path).name for r in page.records][:2] == [
            "beach.jpg",
            "DSC_0001.jpg",
        ]
        review = [
            read_page(catalog, PageQuery(REVIEW, None, 1.0, None, order)).ids
            for order in (BY_TAKEN, BY_NAME, BY_ADDED)
        ]
        assert review[0] == review[1] == review[2]
        assert names(catalog, review[0])[0] == "IMG_0300.jpg"  # least sure first


def test_each_order_is_read_along_an_index_without_sorting(tmp_path: Path) -> None:
    """On 100,000 photos a sort of the whole album on each page read would show; the plan must
    search an index that has the rows in order already (no temporary B-tree)."""
    library_with(tmp_path, PHOTOS)
    Catalog.open(tmp_path).close()
    db = sqlite3.connect(tmp_path / ".cene" / CATALOG_FILE_NAME)
    for order, terms in _ORDER_BY.items():
        plan = " ".join(
            row[-1]
            for row in db.execute(
                f"EXPLAIN QUERY PLAN SELECT id FROM photos WHERE album = ? ORDER BY {terms}",
                ("Sea",),
            )
        )
        assert "COVERING INDEX" in plan and "TEMP B-TREE" not in plan, (order, plan)
    db.close()


def test_a_catalog_of_schema_6_gets_the_indexes_after_a_copy_is_kept(tmp_path: Path) -> None:
    """A catalog as Cene wrote it before the orders (schema 6), made by its own migrations."""
    folder = tmp_path / ".cene"
    folder.mkdir()
    db = sqlite3.connect(folder / CATALOG_FILE_NAME)
    for migration in MIGRATIONS[:6]:
        db.executescript(migration)
    db.execute("PRAGMA user_version=6")
    db.commit()
    db.close()
    library_with(tmp_path, PHOTOS)  # opens (migrates) it, then adds the photos
    copy = sqlite3.connect(folder / "catalog-schema-6.db")
    assert copy.execute("PRAGMA user_version").fetchone()[0] == 6
    indexes = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "photos_album" in indexes and "photos_taken" not in indexes
    copy.close()
    with Catalog.open(tmp_path) as catalog:
        assert names(catalog, catalog.photo_ids("Sea", BY_TAKEN))[0] == "beach.jpg"
    db = sqlite3.connect(folder / CATALOG_FILE_NAME)
    indexes = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"photos_taken", "photos_name"} <= indexes
    db.close()
