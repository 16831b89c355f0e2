"""Property-based tests of the promise that matters most: whatever the names, clashes and bytes,
every photo ends up exactly once with its bytes intact, or stays where it was with a reason."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import blake3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cene_desktop.core import fileops, scanner
from cene_desktop.core.albums import ALBUMS
from cene_desktop.core.catalog import Catalog
from cene_desktop.core.placement import Placer

# Names as people and cameras make them: unicode, spaces, reserved-looking characters, very
# long ones (near the 255-byte limit, where " (2)" no longer fits).
NAME = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\x00"),
    min_size=1,
    max_size=80,
).filter(lambda name: name not in (".", "..") and not name.startswith("."))
LONG_NAME = st.integers(min_value=240, max_value=251).map(lambda n: "é" * (n // 2))
CONTENT = st.sampled_from([b"A" * 10, b"B" * 20, b"CCC", bytes(range(256))]) | st.binary(
    min_size=1, max_size=300
)
PHOTO = st.tuples(
    st.sampled_from(["card1", "card2", "card2/DCIM"]),
    NAME | LONG_NAME | st.sampled_from(["IMG_0001", "IMG_0001 (2)", "photo"]),
    CONTENT,
    st.sampled_from(ALBUMS),
    st.sampled_from(["move", "move", "copy", "symlink"]),
)


def digest(data: bytes) -> str:
    return blake3.blake3(data).hexdigest()


def put(originals: dict[Path, bytes], path: Path, content: bytes) -> None:
    """Write a generated file unless its name is too long or already taken; remember it."""
    if len(os.fsencode(path.name)) > 255 or path in originals:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    originals[path] = content


def album_digests(library: Path) -> Counter[str]:
    """How many times each content is in the albums; no half-written file may be there."""
    found: Counter[str] = Counter()
    for album in ALBUMS:
        for item in (library / album).iterdir():
            assert not item.name.startswith(fileops.PARTIAL_PREFIX), "half-written file"
            found[digest(item.read_bytes())] += 1  # a link is read through
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(photos=st.lists(PHOTO, min_size=1, max_size=12))
def test_every_photo_ends_up_exactly_once_or_stays_put(photos: list) -> None:  # type: ignore[type-arg]
    root = Path(tempfile.mkdtemp(prefix="cene-prop-"))
    try:
        inbox, library = root / "in", root / "lib"
        originals: dict[Path, bytes] = {}
        for folder, name, content, _, _ in photos:
            put(originals, inbox / folder / f"{name}.jpg", content)
        catalog = Catalog.open(library)
        placer = Placer(library, catalog)
        placer.ensure_albums()
        outcome: dict[Path, str] = {}
        plans = {inbox / f / f"{n}.jpg": (album, mode) for f, n, _, album, mode in photos}
        for path, content in originals.items():
            album, mode = plans[path]
            info = path.stat()
            try:
                placed = placer.place(
                    path,
                    size=info.st_size,
                    mtime_ns=info.st_mtime_ns,
                    content_hash=digest(content),
                    album=album,
                    mode=mode,
                    run_id=None,
                    details={},
                )
                outcome[path] = "duplicate" if placed.duplicate else mode
            except fileops.PlacementError as error:
                assert str(error)  # a reason a person can read
                outcome[path] = "stayed"
        catalog.close()

        in_library = album_digests(library)
        expected_in_library = {digest(c) for p, c in originals.items() if outcome[p] != "stayed"}
        assert set(in_library) == expected_in_library
        assert all(count == 1 for count in in_library.values()), "a photo was doubled"
        for path, content in originals.items():
            if outcome[path] == "move":
                assert not os.path.lexists(path)
            else:  # copies, links, duplicates and refusals leave the original untouched
                assert path.read_bytes() == content
    finally:
        shutil.rmtree(root)


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=4000), cut=st.integers(min_value=0, max_value=5000))
def test_no_bytes_can_crash_the_scanner(tmp_path_factory, data: bytes, cut: int) -> None:  # type: ignore[no-untyped-def]
    from .test_scanner import jpeg_bytes

    folder = tmp_path_factory.mktemp("fuzz")
    real = jpeg_bytes(64, 48)
    # Random bytes, and a real JPEG with random bytes spliced in.
    for name, content in (("random.jpg", data), ("spliced.jpg", real[:cut] + data + real[cut:])):
        path = folder / name
        path.write_bytes(content)
        info = path.stat()
        result = scanner.prepare_photo(scanner.Candidate(path, info.st_size, info.st_mtime_ns), 32)
        if isinstance(result, scanner.Skipped):
            assert result.reason
        else:
            assert result.pixels.shape == (32, 32, 3)
        assert path.read_bytes() == content


# A folder as a camera card or a sync client leaves it: real photos under odd names, clashing
# names in different folders, the same photo twice, broken and truncated files, non-photos,
# videos and sidecars (with a photo of the same name or not: then they go with it).
FILE_KIND = st.sampled_from(
    ["photo", "same photo", "truncated", "garbage", "not photo", "video", "sidecar", "live photo"]
)
FOLDER_FILE = st.tuples(
    st.sampled_from(["", "DCIM/100CANON", "DCIM/101CANON", "Été 2024", "a" * 120]),
    NAME | LONG_NAME | st.sampled_from(["IMG_0001", "IMG_0001 (2)", "CON", "nul", "a:b*c?"]),
    FILE_KIND,
    st.integers(min_value=0, max_value=5),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=st.lists(FOLDER_FILE, min_size=1, max_size=10))
def test_a_whole_sort_leaves_every_file_exactly_once_or_in_place_with_a_reason(
    files: list,  # type: ignore[type-arg]
    classifier,  # type: ignore[no-untyped-def]
) -> None:
    from cene_desktop.core.pipeline import Sorter, SortOptions

    from .test_scanner import jpeg_bytes

    root = Path(tempfile.mkdtemp(prefix="cene-prop-sort-"))
    try:
        inbox, library = root / "in", root / "lib"
        inbox.mkdir()
        originals: dict[Path, bytes] = {}
        for folder, name, kind, seed in files:
            photo = jpeg_bytes(40 + seed, 30 + seed)
            suffix = {"not photo": ".txt", "video": ".MOV", "sidecar": ".JPG.xmp"}.get(kind, ".jpg")
            path = inbox / folder / f"{name}{suffix}"
            content = {
                "photo": photo,
                "same photo": jpeg_bytes(40, 30),
                "truncated": photo[: len(photo) // 2],
                "garbage": bytes([seed]) * 50,
                "not photo": b"notes",
                "live photo": photo,
            }.get(kind, f"{kind} {path}".encode())
            put(originals, path, content)
            if kind == "live photo":  # and its video beside it
                put(originals, path.with_suffix(".MOV"), f"video {path}".encode())
        with Sorter(library, inbox, classifier, SortOptions(threshold=0.5)) as sorter:
            summary = sorter.sort_folder()

        status = {o.source: o for o in summary.outcomes}
        with Catalog.open(library) as catalog:  # companion -> where it went with its photo
            went_with = {
                Path(c.original_path): library / c.current_path for c in catalog.companions()
            }
        assert sorted(went_with.values()) == sorted(
            dest for o in summary.outcomes for dest in o.companions
        )
        in_library = album_digests(library)
        assert all(count == 1 for count in in_library.values()), "a photo was doubled"
        placed = {digest(originals[s]) for s, o in status.items() if o.status == "placed"}
        placed |= {digest(originals[s]) for s in went_with}
        assert set(in_library) == placed
        for path, content in originals.items():
            outcome = status.get(path)
            photo = path.with_name(path.name.removesuffix(".JPG.xmp").removesuffix(".MOV") + ".jpg")
            if path.suffix == ".txt":
                assert outcome is None and path.read_bytes() == content  # not ours to touch
            elif path.suffix in (".MOV", ".xmp"):
                photo_placed = photo in status and status[photo].status == "placed"
                if photo_placed:  # beside its photo, under its photo's name
                    dest = status[photo].dest
                    assert dest is not None and not os.path.lexists(path)
                    assert went_with[path].parent == dest.parent
                    assert went_with[path].read_bytes() == content
                else:  # stays; a video without its photo says why
                    assert path.read_bytes() == content
                    assert path.suffix == ".xmp" or photo in originals or outcome.reason
            elif outcome is not None and outcome.status == "placed":
                assert not os.path.lexists(path)
                assert outcome.dest is not None and outcome.dest.read_bytes() == content
            else:  # a duplicate, or refused: where it was, as it was, and why
                assert outcome is not None and outcome.reason, (path, outcome)
                assert path.read_bytes() == content
    finally:
        shutil.rmtree(root)
