"""Photos arriving while a person drags corrections and undoes them, all at once, in the window.

The sorting worker places arrivals while the editing worker moves and moves back photos the
person drags; names clash on purpose. Afterwards every photo is in the library exactly once
with its bytes intact, the catalog says where each one is, and ``cene check`` finds no drift.
"""

from __future__ import annotations

import json
import random
import shutil
import threading
import time
from dataclasses import replace
from pathlib import Path

import blake3
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from cene_desktop.core.albums import ALBUMS
from cene_desktop.core.catalog import Catalog

from ..conftest import sample_files
from ..core.test_cli import cene
from .conftest import sorted_library, started_window


def digest(path: Path) -> str:
    return blake3.blake3(path.read_bytes()).hexdigest()


def test_arrivals_drags_and_undos_at_once_leave_catalog_and_disk_in_agreement(
    qtbot,
    tmp_path: Path,
    classifier,  # type: ignore[no-untyped-def]
) -> None:
    settings = replace(
        sorted_library(tmp_path, classifier, per_class=2), settle_seconds=0.2, learn_after=10_000
    )
    library, photos = Path(settings.library_dir), Path(settings.photos_dir)
    expected = {digest(p) for album in ALBUMS for p in (library / album).iterdir()}
    samples = [path for _, path in sample_files(7)]
    arrivals = [p for i, p in enumerate(samples) if i % 7 >= 2]  # 30 not in the library yet
    expected |= {digest(p) for p in arrivals}
    arrivals[10:10] = [samples[0], samples[7]]  # and two that are: left where they arrive

    window = started_window(qtbot, settings, tmp_path / "settings.json")
    window.sorting.set_watching(True)
    qtbot.waitUntil(lambda: window.sorting.watching, timeout=30_000)

    def feed() -> None:
        # One photo every 100 ms, every one named clash.jpg: each lands on a taken name.
        for index, path in enumerate(arrivals):
            folder = photos / f"card{index % 3}" / f"{index:02d}"
            folder.mkdir(parents=True)
            shutil.copyfile(path, folder / "clash.jpg")
            time.sleep(0.1)

    feeder = threading.Thread(target=feed, name="camera")
    feeder.start()
    rng = random.Random(8)
    drags = undos = 0
    try:
        while feeder.is_alive() or drags < 25:
            source = rng.choice([a for a in ALBUMS if window.albums.counts.get(a, 0)])
            window.album_view.setCurrentIndex(window.albums.index(window.albums.row_of(source)))
            qtbot.waitUntil(lambda s=source: window.current_album == s)  # type: ignore[misc]
            if window.grid_model.rowCount() == 0:  # its page is still being read
                qtbot.wait(20)
                continue
            rows = rng.sample(range(window.grid_model.rowCount()), 1)
            data = window.grid_model.mimeData([window.grid_model.index(r) for r in rows])
            target = rng.choice([a for a in ALBUMS if a != source])
            with qtbot.waitSignal(window.action_finished, timeout=20_000):
                assert window.albums.dropMimeData(
                    data,
                    Qt.DropAction.MoveAction,
                    -1,
                    -1,
                    window.albums.index(window.albums.row_of(target)),
                )
            drags += 1
            if drags % 3 == 0:
                with qtbot.waitSignal(window.action_finished, timeout=20_000):
                    QTest.keySequence(window, "Ctrl+Z")
                undos += 1
    finally:
        feeder.join()

    # Everything that arrived is sorted; only the two photos already in the library are left.
    def left() -> list[Path]:
        return sorted(p for p in photos.rglob("*") if p.is_file())

    qtbot.waitUntil(lambda: len(left()) == 2, timeout=60_000)
    assert {digest(p) for p in left()} == {digest(samples[0]), digest(samples[7])}
    window.close()
    assert drags >= 25 and undos >= 8

    in_library: dict[str, list[Path]] = {}
    for album in ALBUMS:
        for item in (library / album).iterdir():
            assert not item.name.startswith("."), f"left behind: {item}"
            in_library.setdefault(digest(item), []).append(item)
    assert set(in_library) == expected  # nothing lost
    assert all(len(paths) == 1 for paths in in_library.values()), "a photo was doubled"

    with Catalog.open(library) as catalog:
        records = catalog.photos()
        companions = catalog.companions()  # the fixture's Live Photo video
        assert catalog.open_journal() == []
    assert len(records) + len(companions) == len(expected) and len(companions) == 1
    for record in records:
        (path,) = in_library[record.content_hash]
        assert record.current_path == f"{path.parent.name}/{path.name}"
        assert record.album == path.parent.name  # the catalog's album is the folder
    for companion in companions:  # beside its photo, wherever the drags and undos left it
        (path,) = in_library[companion.content_hash]
        (photo,) = [r for r in records if r.id == companion.photo_id]
        assert companion.current_path == f"{path.parent.name}/{path.name}"
        assert Path(photo.current_path).parent.name == path.parent.name

    report = json.loads(cene("check", str(library), "--verify", "--json").stdout)
    assert report["clean"] and report["photos"] == len(records), report
