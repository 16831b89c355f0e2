"""A library folder is untrusted input: a crafted catalog, links and model files never make Cene
touch anything outside the library and the photo folder.

Each test plays someone with write access to the library (a shared drive, a NAS) or a disk that
corrupted it, and checks a "victim" folder elsewhere byte for byte before and after.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cene_desktop.core.catalog import Catalog
from cene_desktop.core.library import Library

from ..conftest import REPO, copy_samples, sample_files
from .test_cli import cene


def manifest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """Someone's files outside the library, some of them photos."""
    folder = tmp_path / "victim"
    folder.mkdir()
    (folder / "thesis.txt").write_text("years of work")
    for name, path in sample_files(1)[:2]:
        shutil.copyfile(path, folder / f"{name}.jpg")
    return folder


def sorted_library(tmp_path: Path) -> tuple[Path, Path]:
    photos, library = tmp_path / "photos", tmp_path / "lib"
    copy_samples(photos, 1)
    cene("sort", str(photos), "--library", str(library), "--json")
    return photos, library


def sql(library: Path, statement: str, *values: object) -> None:
    with contextlib.closing(sqlite3.connect(library / ".cene" / "catalog.db")) as db:
        db.execute(statement, values)
        db.commit()


def test_a_crafted_journal_row_deletes_nothing_outside(tmp_path: Path, victim: Path) -> None:
    photos, library = sorted_library(tmp_path)
    target = victim / "thesis.txt"
    placed = sorted(library.glob("Sea/*"))[0]
    twin = victim / "sea.jpg"  # a file outside with the same bytes as a library photo
    shutil.copyfile(placed, twin)
    before = manifest(victim)
    with contextlib.closing(Catalog.open(library)) as catalog:
        digest = hashlib.sha256(target.read_bytes()).hexdigest()
        size = target.stat().st_size
        catalog.journal_begin(None, "move", target, target, digest, size, {"album": "Sea"})
        twin_hash = hashlib.sha256(twin.read_bytes()).hexdigest()
        catalog.journal_begin(None, "move", twin, placed, twin_hash, twin.stat().st_size, {})
        catalog.journal_begin(None, "remove", target, target, digest, size, {})
    cene("sort", str(photos), "--library", str(library), "--json")
    with contextlib.closing(Library(library)) as opened:  # what the window does at start
        assert opened.catalog.photos()
    checked = cene("check", str(library), "--json", code=1)
    report = json.loads(checked.stdout)
    # The two naming a file outside the albums as where a photo went or came from:
    assert len([line for line in report["untrusted"] if "journal entry" in line]) == 2
    repaired = cene("check", str(library), "--repair", "--json")
    assert "Traceback" not in repaired.stderr
    assert manifest(victim) == before
    # The third looks like a move cut short, its source outside the photo folder that was
    # sorted: it waits (open) for that folder to be sorted, and never deletes the "source".
    assert json.loads(cene("check", str(library), "--json", code=1).stdout)["open_operations"] == 1
    cene("sort", str(photos), "--library", str(library), "--json")
    assert manifest(victim) == before


def test_a_crafted_photo_row_is_never_put_back_over_or_deleted(
    tmp_path: Path, victim: Path
) -> None:
    photos, library = sorted_library(tmp_path)
    before = manifest(victim)
    sql(
        library,
        "UPDATE photos SET mode='symlink', current_path=? WHERE id=(SELECT min(id) FROM photos)",
        str(victim / "thesis.txt"),
    )
    sql(
        library,
        "UPDATE photos SET current_path='../../victim/forest.jpg' WHERE id=(SELECT max(id) "
        "FROM photos)",
    )
    undone = json.loads(cene("undo", "--library", str(library), "--json", code=1).stdout)
    assert len(undone["problems"]) == 2
    assert all("not a photo in the library's albums" in line for line in undone["problems"])
    assert manifest(victim) == before
    report = json.loads(cene("check", str(library), "--json", code=1).stdout)
    assert len(report["untrusted"]) == 2


@pytest.mark.parametrize("which", ["Sea", ".cene"])
def test_an_album_or_the_state_folder_that_is_a_link_is_refused(
    tmp_path: Path, victim: Path, which: str
) -> None:
    photos, library = tmp_path / "photos", tmp_path / "lib"
    copy_samples(photos, 1)
    library.mkdir()
    elsewhere = victim / "elsewhere"
    elsewhere.mkdir()
    (library / which).symlink_to(elsewhere, target_is_directory=True)
    before, inbox = manifest(victim), manifest(photos)
    result = cene("sort", str(photos), "--library", str(library), "--json", check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "symbolic link" in result.stderr and which in result.stderr
    assert manifest(victim) == before and manifest(photos) == inbox  # nothing moved anywhere


@pytest.mark.parametrize("name", ["ABSOLUTE", "../../victim", "v1/../../../victim"])
def test_active_json_cannot_point_at_a_head_outside_the_library(
    tmp_path: Path, victim: Path, name: str
) -> None:
    photos, library = sorted_library(tmp_path)
    # A head that files everything under Glacier, planted outside the library.
    kernel = np.zeros((1472, 6), np.float32)
    bias = np.array([0, 0, 100, 0, 0, 0], np.float32)
    np.savez(victim / "head.npz", kernel=kernel, bias=bias)
    (library / ".cene" / "models").mkdir(exist_ok=True)
    active = str(victim) if name == "ABSOLUTE" else name
    (library / ".cene" / "models" / "active.json").write_text(json.dumps({"active": active}))
    listed = json.loads(cene("model", str(library), "--json").stdout)
    assert listed["active"] == "shipped"
    more = tmp_path / "more"
    copy_samples(more, 2)
    result = json.loads(cene("sort", str(more), "--library", str(library), "--json").stdout)
    albums = result["albums"]
    assert albums.get("Glacier", 0) < result["placed"] / 2, albums  # the planted head unused


def test_a_trigger_in_the_catalog_is_refused(
    tmp_path: Path,
) -> None:
    photos, library = sorted_library(tmp_path)
    sql(
        library,
        "CREATE TRIGGER spin AFTER INSERT ON runs BEGIN "
        "SELECT count(*) FROM (WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) "
        "SELECT x FROM n); END",
    )
    more = tmp_path / "more"
    copy_samples(more, 1)
    result = subprocess.run(
        [sys.executable, "-m", "cene_desktop", "sort", str(more), "--library", str(library)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,  # it used to spin for ever, deaf to SIGTERM
    )
    assert result.returncode == 1
    assert "trigger spin" in result.stderr and "Cene never makes" in result.stderr
    assert len(list(more.iterdir())) == 6  # nothing sorted with a tampered catalog


def test_a_head_of_the_wrong_shape_falls_back_to_the_shipped_one_in_little_memory(
    tmp_path: Path,
) -> None:
    photos, library = sorted_library(tmp_path)
    version = library / ".cene" / "models" / "v1"
    version.mkdir(parents=True)
    # 1472 x 600000 float32 zeros: 3.5 GB once loaded, a few MB compressed.
    with open(version / "head.npz", "wb") as stream:
        np.savez_compressed(
            stream, kernel=np.zeros((1472, 600_000), np.float32), bias=np.zeros(600_000)
        )
    _sorts_with_the_shipped_model_in_little_memory(
        tmp_path, library, "Model version v1 cannot be used"
    )


def test_a_gate_of_the_wrong_shape_falls_back_to_the_shipped_one_in_little_memory(
    tmp_path: Path,
) -> None:
    photos, library = sorted_library(tmp_path)
    version = library / ".cene" / "models" / "v1"
    version.mkdir(parents=True)
    shutil.copyfile(REPO / "assets" / "model" / "head.npz", version / "head.npz")
    # 900 million float32 zeros: 3.6 GB once loaded, a few MB compressed.
    with open(version / "gate.npz", "wb") as stream:
        np.savez_compressed(stream, weights=np.zeros(900_000_000, np.float32), bias=np.float32(0))
    _sorts_with_the_shipped_model_in_little_memory(
        tmp_path, library, "Model version v1 cannot be used (its gate"
    )


def _sorts_with_the_shipped_model_in_little_memory(
    tmp_path: Path, library: Path, logged: str
) -> None:
    """With version v1 active (its files written by the caller), ``cene sort`` places six more
    photos, stays under 1 GB, and logs ``logged`` with the shape it refused."""
    (library / ".cene" / "models" / "v1" / "version.json").write_text("{}")
    (library / ".cene" / "models" / "active.json").write_text(json.dumps({"active": "v1"}))
    more = tmp_path / "more"
    copy_samples(more, 2)  # the first of each class is in the library already
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = cene("sort", str(more), "--library", str(library), "--json")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert json.loads(result.stdout)["placed"] == 6
    assert peak_mb < 1024 or before / 1024 >= 1024, f"peak RSS {peak_mb:.0f} MB"
    log = (Path(os.environ["CENE_LOG_DIR"]) / "cene.log").read_text()
    assert logged in log and "not the" in log


def test_a_copy_never_gets_wider_permissions_than_the_umask(tmp_path: Path) -> None:
    photos, library = tmp_path / "photos", tmp_path / "lib"
    copy_samples(photos, 1)
    for path in photos.iterdir():
        path.chmod(0o666)  # as a camera card's FAT file system shows them
    result = subprocess.run(
        [sys.executable, "-m", "cene_desktop", "sort", str(photos), "--library", str(library)]
        + ["--mode", "copy"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        preexec_fn=lambda: os.umask(0o077),  # noqa: PLW1509 - the child's own umask
    )
    assert result.returncode == 0, result.stderr
    copies = [p for p in library.glob("*/*.jpg")]
    assert len(copies) == 6
    assert {oct(p.stat().st_mode & 0o777) for p in copies} == {oct(0o600)}


def test_a_runaway_catalog_query_stops_once_the_process_is_asked_to_stop(tmp_path: Path) -> None:
    """SIGINT/SIGTERM set ``stop_requested``; a statement still running past the grace time is
    interrupted rather than spinning on, deaf to the signal (only SIGKILL stopped it)."""
    from cene_desktop.core.catalog import connection as catalog_module

    with contextlib.closing(Catalog.open(tmp_path / "lib")) as catalog:
        catalog_module.stop_requested.set()
        try:
            with pytest.raises(sqlite3.OperationalError, match="interrupted"):
                catalog._db.execute(
                    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) "
                    "SELECT count(*) FROM n"
                ).fetchone()
        finally:
            catalog_module.stop_requested.clear()
            catalog_module._stop_seen_at.clear()
