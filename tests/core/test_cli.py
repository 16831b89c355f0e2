"""The ``cene`` command as a user runs it: in a subprocess, on real photos, killed at random."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import blake3
import pytest
from PIL import Image

from cene_desktop.core.albums import ALBUMS
from cene_desktop.core.catalog import Catalog
from cene_desktop.core.placement import RECOVERED_DONE, RECOVERED_ROLLED_BACK

from ..conftest import REPO, sample_files


def cene(
    *args: str, check: bool = True, code: int = 0, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``cene ARGS``; with ``check``, fail unless it exits with ``code`` (``cene sort``:
    1 when some files were skipped). ``env``: variables added to the environment."""
    result = subprocess.run(
        [sys.executable, "-m", "cene_desktop", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
    if check and result.returncode != code:
        raise AssertionError(
            f"cene {' '.join(args)} exited {result.returncode}, not {code}:\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


def test_sort_json_then_undo(tmp_path: Path) -> None:
    photos, library = tmp_path / "photos", tmp_path / "lib"
    photos.mkdir()
    originals = {}
    for name, path in sample_files(2):
        target = photos / f"{name}-{path.name}"
        target.write_bytes(path.read_bytes())
        originals[target.name] = target.read_bytes()
    (photos / "clip.mov").write_bytes(b"\x00\x00\x00\x14ftypqt  ")
    live = photos / f"{sorted(originals)[0][:-4]}.MOV"  # a Live Photo's video
    live.write_bytes(b"\x00\x00\x00\x14ftypqt  live")
    originals[live.name] = live.read_bytes()
    sorting = cene("sort", str(photos), "--library", str(library), "--json", code=1)
    result = json.loads(sorting.stdout)  # 1: clip.mov was skipped (a video without its photo)
    assert result["placed"] == 12 and result["skipped"] == 1 and result["companions"] == 1
    assert sum(result["albums"].values()) == 12
    assert "video" in next(p["reason"] for p in result["photos"] if p["status"] == "skipped")
    (went,) = [p["companions"] for p in result["photos"] if "companions" in p]
    assert [Path(path).name for path in went] == [live.name]
    assert sorted(p.name for p in photos.iterdir()) == ["clip.mov"]
    checked = json.loads(cene("check", str(library), "--json").stdout)
    assert checked["clean"], checked  # the video is known to the catalog, not untracked
    undone = json.loads(cene("undo", "--library", str(library), "--json").stdout)
    assert len(undone["restored"]) == 12 and undone["problems"] == []
    for name, data in originals.items():
        assert (photos / name).read_bytes() == data
    nothing = cene("undo", "--library", str(library)).stdout
    assert "Nothing to undo" in nothing


def test_sort_prints_a_summary_with_albums_and_skipped_reasons(tmp_path: Path) -> None:
    photos, library = tmp_path / "photos", tmp_path / "lib"
    photos.mkdir()
    for name, path in sample_files(1):
        (photos / f"{name}.jpg").write_bytes(path.read_bytes())
    (photos / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    (photos / "sea.CR2").write_bytes(b"the RAW of sea.jpg")
    out = cene("sort", str(photos), "--library", str(library), "--dry-run", code=1).stdout
    assert "Dry run: nothing was changed" in out and "Would sort 6 photos" in out
    assert "with it -> Sea/sea.CR2" in out and "1 file that goes with those photos" in out
    assert "would go with them" in out
    assert not library.exists()
    out = cene("sort", str(photos), "--library", str(library), code=1).stdout
    assert "Sorted 6 photos" in out and "photos/s" in out
    assert "broken.jpg" in out and "Skipped 1 file " in out
    assert "1 file that goes with those photos (RAW files" in out and "went with them" in out


def test_a_missing_photo_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = cene("sort", str(tmp_path / "nope"), "--library", str(tmp_path / "lib"), check=False)
    assert result.returncode == 1
    assert "does not exist" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


COMPANIONS = 160  # of make_camera_roll's photos: RAW files and Live Photo videos


def make_camera_roll(photos: Path) -> dict[str, int]:
    """300 distinct photos in two 'cards' whose file names clash, some with a RAW (.CR2) or a
    Live Photo video (.MOV) beside them; returns the hash counts of every file."""
    hashes: Counter[str] = Counter()
    samples = sample_files(40)
    for card, count in (("card1", 240), ("card2", 60)):
        (photos / card).mkdir(parents=True)
        for index, (_, path) in enumerate(samples[:count]):
            target = photos / card / f"IMG_{index:04d}.jpg"
            if card == "card1":
                target.write_bytes(path.read_bytes())
            else:  # a different photo under the same name as one on card1
                Image.open(path).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(target)
            hashes[blake3.blake3(target.read_bytes()).hexdigest()] += 1
            for tail, every in ((".CR2", 3), (".MOV", 5)):
                if index % every == 0:
                    companion = target.with_suffix(tail)
                    companion.write_bytes(f"{card} {companion.name} ".encode() * 20_000)
                    hashes[blake3.blake3(companion.read_bytes()).hexdigest()] += 1
    assert len(hashes) == 300 + COMPANIONS
    return dict(hashes)


def library_hashes(library: Path) -> Counter[str]:
    found: Counter[str] = Counter()
    for album in ALBUMS:
        for path in (library / album).iterdir():
            assert not path.name.startswith(".cene-partial"), f"half-written file {path}"
            found[blake3.blake3(path.read_bytes()).hexdigest()] += 1
    return found


def test_killing_a_sort_at_random_moments_never_loses_or_doubles_a_photo(tmp_path: Path) -> None:
    photos, library = tmp_path / "photos", tmp_path / "lib"
    expected = make_camera_roll(photos)
    rng = random.Random(20261123)
    interrupted_mid_sort = 0

    def in_library() -> int:
        return sum(1 for _ in library.glob("*/*.jpg")) if library.exists() else 0

    for _ in range(30):
        # Kill once a random number of further photos has been placed, plus a random instant:
        # the kill lands mid-move, mid-copy or mid-commit, wherever the run happens to be.
        target = in_library() + rng.randint(1, 25)
        process = subprocess.Popen(
            [sys.executable, "-m", "cene_desktop", "sort", str(photos), "--library", str(library)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while process.poll() is None and in_library() < target:
            time.sleep(0.002)
        time.sleep(rng.uniform(0.0, 0.03))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            interrupted_mid_sort += 1
        process.wait()
        if in_library() >= 300:
            break
    cene("sort", str(photos), "--library", str(library))
    assert interrupted_mid_sort >= 8, "the kills never hit a sort in progress"
    assert [p for p in photos.rglob("*") if p.is_file()] == []  # companions went too
    assert library_hashes(library) == Counter(expected)
    catalog = Catalog.open(library)
    assert catalog.open_journal() == []
    states = catalog.journal_states()
    # The kills left operations open that start-up then finished or rolled back.
    assert states[("done", RECOVERED_DONE)] + states[("rolled_back", RECOVERED_ROLLED_BACK)] > 0
    records = catalog.photos()
    assert len(records) == 300
    for record in records:
        data = (library / record.current_path).read_bytes()
        assert blake3.blake3(data).hexdigest() == record.content_hash
    companions = catalog.companions()
    assert len(companions) == COMPANIONS
    # Some kills landed between a photo and its companions: a later run brought those along.
    late = [
        entry
        for run in range(1, 40)
        for entry in catalog.journal_of_run(run)
        if "companion_of" in entry.payload
        and next(r.run_id for r in records if r.id == entry.payload["companion_of"]) != run
    ]
    assert late, "no kill landed between a photo and its companions"
    stems = {record.id: Path(record.current_path).with_suffix("") for record in records}
    for companion in companions:  # beside its photo, under its photo's (maybe new) name
        path = library / companion.current_path
        assert blake3.blake3(path.read_bytes()).hexdigest() == companion.content_hash
        assert Path(companion.current_path) == stems[companion.photo_id].with_name(
            stems[companion.photo_id].name + companion.tail
        )
    catalog.close()
    # card2's names clash with card1's: most land in the same album and get a " (2)".
    renamed = [p for p in library.rglob("IMG_* (2).jpg")]
    assert len(renamed) >= 30


def test_an_unreadable_photo_is_reported_and_left_in_place(tmp_path: Path) -> None:
    """Root reads everything, so the sort runs without the capabilities that let it."""
    if os.geteuid() != 0:
        no_caps: list[str] = []
    elif shutil.which("setpriv"):
        caps = "-dac_override,-dac_read_search"
        no_caps = ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}"]
    else:
        pytest.fail("setpriv (util-linux) is needed to drop root's read-anything capability")
    photos, library = tmp_path / "photos", tmp_path / "lib"
    photos.mkdir()
    (name, path), *_ = sample_files(2)
    readable, locked = photos / "ok.jpg", photos / "locked.jpg"
    readable.write_bytes(path.read_bytes())
    locked.write_bytes(sample_files(2)[1][1].read_bytes())
    locked.chmod(0)
    result = subprocess.run(
        [
            *no_caps,
            sys.executable,
            "-m",
            "cene_desktop",
            "sort",
            str(photos),
            "--library",
            str(library),
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr  # some files skipped
    summary = json.loads(result.stdout)
    skipped = {
        Path(p["source"]).name: p["reason"] for p in summary["photos"] if p["status"] == "skipped"
    }
    assert "permission denied" in skipped["locked.jpg"]
    assert summary["placed"] == 1
    assert locked.exists() and locked.stat().st_mode & 0o777 == 0
