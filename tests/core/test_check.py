"""``cene check``: drift between catalog and album folders is found, and repaired safely."""

from __future__ import annotations

import json
from pathlib import Path

from cene_desktop.core.catalog import Catalog
from cene_desktop.core.check import check_library

from .test_cli import cene
from .test_placement import make_photo, place


def test_check_finds_drift_and_repair_never_touches_a_photo(tmp_path: Path) -> None:
    from cene_desktop.core.placement import Placer

    library = tmp_path / "lib"
    catalog = Catalog.open(library)
    placer = Placer(library, catalog)
    placer.ensure_albums()
    for name in ("a", "b", "c"):
        place(placer, make_photo(tmp_path / "in" / f"{name}.jpg", name.encode() * 50))
    catalog.close()
    (library / "Sea" / "a.jpg").unlink()  # deleted by hand
    (library / "Sea" / "b.jpg").write_bytes(b"edited in another program")
    make_photo(library / "Forest" / "by-hand.jpg", b"added by hand")
    make_photo(library / "Forest" / ".cene-partial-9.tmp", b"half")
    catalog = Catalog.open(library)
    (c_photo,) = [p for p in catalog.photos() if p.current_path == "Sea/c.jpg"]
    catalog.set_album(c_photo.id, "Street")  # a row that says another album than its folder
    catalog.close()

    report = check_library(library, verify_bytes=True)
    assert not report.clean
    assert report.missing == ["Sea/a.jpg"] and report.changed == ["Sea/b.jpg"]
    assert report.untracked == ["Forest/by-hand.jpg"]
    assert report.partial_files == ["Forest/.cene-partial-9.tmp"]
    assert report.misfiled == ["Sea/c.jpg"]

    result = cene("check", str(library), "--repair", "--verify", "--json")
    repaired = json.loads(result.stdout)
    assert repaired["repaired"] and repaired["missing"] == ["Sea/a.jpg"]
    assert (library / "Forest" / "by-hand.jpg").read_bytes() == b"added by hand"
    assert (library / "Sea" / "b.jpg").read_bytes() == b"edited in another program"
    assert not (library / "Forest" / ".cene-partial-9.tmp").exists()
    after = check_library(library, verify_bytes=True)  # the edit is the photo now
    assert after.clean, after
    catalog = Catalog.open(library)
    albums = {p.current_path: p.album for p in catalog.photos()}
    catalog.close()
    assert albums == {"Sea/b.jpg": "Sea", "Sea/c.jpg": "Sea", "Forest/by-hand.jpg": "Forest"}
    assert cene("check", str(library), check=False).returncode == 0
