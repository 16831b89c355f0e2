"""``cene check``: does the catalog agree with the album folders? Report drift; repair on request.

Repairs never delete or move a photo: they only change the catalog (forget rows whose file is
gone, adopt photos someone put into an album by hand, take a photo's album from its folder,
with ``verify_bytes`` record the bytes of photos edited elsewhere),
finish the journal, and remove Cene's own half-written copies.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from cene_desktop.core import fileops, scanner
from cene_desktop.core.albums import ALBUMS, UntrustedPath, library_file
from cene_desktop.core.catalog import Catalog
from cene_desktop.core.placement import Placer, known_photo


@dataclass
class CheckReport:
    photos: int = 0
    missing: list[str] = field(default_factory=list)  # catalog rows whose file is gone
    changed: list[str] = field(default_factory=list)  # files whose bytes differ from the catalog
    untracked: list[str] = field(default_factory=list)  # album files the catalog does not know
    misfiled: list[str] = field(default_factory=list)  # rows whose album is not their folder
    #: symlink-mode photos whose original is gone (moved or deleted outside Cene)
    broken_links: list[str] = field(default_factory=list)
    #: catalog rows and journal entries naming files outside the library: never acted on
    untrusted: list[str] = field(default_factory=list)
    open_operations: int = 0
    partial_files: list[str] = field(default_factory=list)
    repaired: bool = False

    @property
    def clean(self) -> bool:
        return not (
            self.missing
            or self.changed
            or self.untracked
            or self.misfiled
            or self.broken_links
            or self.untrusted
            or self.open_operations
            or self.partial_files
        )


def check_library(library: Path, repair: bool = False, verify_bytes: bool = False) -> CheckReport:
    library = library.resolve()
    catalog = Catalog.open(library)
    try:
        return _check(library, catalog, repair, verify_bytes)
    finally:
        catalog.close()


def _check(library: Path, catalog: Catalog, repair: bool, verify_bytes: bool) -> CheckReport:
    report = CheckReport(repaired=repair)
    report.open_operations = len(catalog.open_journal())
    placer = Placer(library, catalog)
    for entry in catalog.open_journal():
        why = placer.untrusted(entry)
        if why is not None:
            report.untrusted.append(f"journal entry {entry.id} ({entry.op}): {why}")
            if repair:  # closed without touching any file
                catalog.journal_close(entry.id, "rolled_back", f"refused: {why}")
    if repair:
        placer.recover()  # before anything else: it may complete moves
    known: set[str] = set()
    for photo in catalog.photos():
        report.photos += 1
        path = _trusted(library, photo.current_path, f"photo {photo.id}", report)
        if path is None:
            if repair:
                catalog.forget_photo(photo.id)
            continue
        known.add(photo.current_path)
        if not os.path.lexists(path):
            report.missing.append(photo.current_path)
            if repair:
                catalog.forget_photo(photo.id)
            continue
        if path.is_symlink() and not path.exists():
            # The link is there, the photo it stood for is not: reported, never "agrees";
            # repair forgets the row (the dead link stays for the person to see and delete).
            report.broken_links.append(photo.current_path)
            if repair:
                catalog.forget_photo(photo.id)
            continue
        filed_in = Path(photo.current_path).parent.name
        if filed_in != photo.album:
            report.misfiled.append(photo.current_path)
            if repair and filed_in in ALBUMS:
                catalog.set_album(photo.id, filed_in)  # the file's folder is what the person sees
        if (
            verify_bytes
            and not path.is_symlink()
            and not fileops.has_content(path, photo.content_hash)
        ):
            report.changed.append(photo.current_path)  # edited elsewhere: kept as it is
            if repair:  # the person's edit is the photo now
                content_hash = fileops.content_hash_file(path)
                catalog.set_content(photo.id, content_hash, path.stat().st_size)
    for companion in catalog.companions():  # files that go with a photo (Live Photo video, RAW)
        what = f"file {companion.id} going with a photo"
        companion_path = _trusted(library, companion.current_path, what, report)
        if companion_path is None:
            if repair:
                catalog.forget_companion(companion.id)
            continue
        known.add(companion.current_path)
        if not os.path.lexists(companion_path):
            report.missing.append(companion.current_path)
            if repair:
                catalog.forget_companion(companion.id)
    for album in ALBUMS:
        folder = library / album
        if folder.is_symlink():
            report.untrusted.append(f"album {album}: a link to {os.readlink(folder)}, not a folder")
            continue
        if not folder.is_dir():
            continue
        for item in sorted(folder.iterdir()):
            relative = f"{album}/{item.name}"
            if item.name.startswith(fileops.PARTIAL_PREFIX):
                report.partial_files.append(relative)
                if repair:
                    fileops.remove_if_exists(item)
            elif not item.name.startswith(".") and relative not in known and item.is_file():
                report.untracked.append(relative)
                if repair and scanner.classify_name(item) is None:  # only photos become photos
                    _adopt(catalog, library, item, album)
    return report


def _trusted(library: Path, relative: str, what: str, report: CheckReport) -> Path | None:
    """The album file a catalog row names, or None after listing the row as untrusted."""
    try:
        return library_file(library, relative)
    except UntrustedPath as error:
        report.untrusted.append(f"{what}: {error}")
        return None


def _adopt(catalog: Catalog, library: Path, path: Path, album: str) -> None:
    """Record a file someone put into an album by hand, as a photo of that album."""
    content_hash = fileops.content_hash_file(path)
    info = path.stat()
    if known_photo(catalog, content_hash, path, info.st_size) is not None:
        return  # a second copy of a known photo: left as it is, reported again next time
    payload = {
        "original_path": str(path),
        "album": album,
        "mode": "move",
        "hash_name": fileops.HASH_NAME,
    }
    entry = catalog.journal_begin(None, "adopt", path, path, content_hash, info.st_size, payload)
    catalog.record_placed(entry, str(path.relative_to(library)), "adopted by cene check")
