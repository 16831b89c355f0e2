"""The library's catalog: photos, where they came from, sort runs and the file-operation journal.

SQLite in WAL mode at ``LIB/.cene/catalog.db``. Every file operation is written to the journal
(and made durable) before it touches a file, and marked finished after, so that start-up can
finish or roll back whatever a crash left open.

``Catalog`` is the one face of it; its parts, one concern each:

- ``connection``: opening (one process per library, the schema checked and migrated with a
  backup copy kept first), transactions, the lock of the file-operation lane;
- ``schema``: the migrations; ``records``: what rows become, and the errors;
- ``runs`` (and corrections), ``photos`` (and sources), ``companions``, ``journal``,
  ``review`` (and suggestions), ``features`` (what learning keeps).
"""

from __future__ import annotations

from cene_desktop.core.catalog.companions import CompanionsMixin
from cene_desktop.core.catalog.connection import (
    CATALOG_FILE_NAME,
    CatalogBase,
    stop_requested,
)
from cene_desktop.core.catalog.features import FeaturesMixin
from cene_desktop.core.catalog.journal import JournalMixin
from cene_desktop.core.catalog.photos import PhotosMixin
from cene_desktop.core.catalog.records import (
    CatalogError,
    CompanionRecord,
    JournalEntry,
    LabelledPhoto,
    LibraryInUse,
    PhotoRecord,
    Run,
    local_time,
    missing_photo,
    now_iso,
)
from cene_desktop.core.catalog.review import ReviewMixin
from cene_desktop.core.catalog.runs import RunsMixin
from cene_desktop.core.catalog.schema import MIGRATIONS, SCHEMA_VERSION
from cene_desktop.core.catalog.trashed import TrashedMixin

__all__ = [
    "CATALOG_FILE_NAME",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Catalog",
    "CatalogError",
    "CompanionRecord",
    "JournalEntry",
    "LabelledPhoto",
    "LibraryInUse",
    "PhotoRecord",
    "Run",
    "missing_photo",
    "local_time",
    "now_iso",
    "stop_requested",
]


class Catalog(
    RunsMixin,
    ReviewMixin,
    PhotosMixin,
    CompanionsMixin,
    TrashedMixin,
    JournalMixin,
    FeaturesMixin,
    CatalogBase,
):
    """One library's catalog. Thread-safe: every call holds the catalog's lock."""
