"""Learning from corrections, end to end: a real library, real photos, the real shipped model.

The person in these tests shoots with a warm colour cast (a tungsten white balance): real sample
photos, re-coloured. The shipped model gets more of those wrong; their corrections should teach
an adapted version that is adopted by the rule, and rolling back must give back exactly the
predictions of before.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cene_desktop.core import learning
from cene_desktop.core.albums import SCENE_ALBUMS, UNSORTED
from cene_desktop.core.catalog import MIGRATIONS, SCHEMA_VERSION, Catalog
from cene_desktop.core.classifier import SHIPPED
from cene_desktop.core.library import Library
from cene_desktop.core.models import ModelStore
from cene_desktop.core.pipeline import Sorter, SortOptions

from ..conftest import sample_files
from .test_pipeline import tree_state


def warm(path: Path) -> bytes:
    """The photo as a camera with a tungsten white balance would have taken it."""
    with Image.open(path) as image:
        red, green, blue = image.convert("RGB").split()
    red = red.point(lambda v: min(255, int(v * 1.3)))
    blue = blue.point(lambda v: int(v * 0.6))
    buffer = io.BytesIO()
    Image.merge("RGB", (red, green, blue)).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def make_inbox(folder: Path, per_class: int, offset: int = 0) -> dict[str, str]:
    """Warm-cast copies of sample photos; returns {file name: true class}."""
    folder.mkdir(parents=True, exist_ok=True)
    truth = {}
    chosen: dict[str, list[Path]] = {}
    for name, path in sample_files(40):
        chosen.setdefault(name, []).append(path)
    for name, paths in chosen.items():
        for path in paths[offset : offset + per_class]:
            target = folder / f"{name}_{path.name}"
            target.write_bytes(warm(path))
            truth[target.name] = name
    return truth


def label_like_the_person(library: Path, truth: dict[str, str], share: int = 4) -> int:
    """Review ``share - 1`` of every ``share`` photos: wrong album → move, right → confirm.
    Returns how many photos were corrected (moved)."""
    edit = Library(library)
    moved = 0
    try:
        for index, photo in enumerate(edit.catalog.photos()):
            if index % share == share - 1:
                continue  # never looked at: left for re-checking
            album = truth[Path(photo.original_path).name].capitalize()
            if photo.album == album:
                edit.confirm([photo.id])
            else:
                edit.relabel([photo.id], album)
                moved += 1
    finally:
        edit.close()
    return moved


@pytest.fixture(scope="module")
def taught(tmp_path_factory: pytest.TempPathFactory, classifier) -> Iterator[dict]:  # type: ignore[no-untyped-def]
    """A library of 180 warm photos, three quarters reviewed by their owner, before learning."""
    root = tmp_path_factory.mktemp("warm")
    inbox, library = root / "inbox", root / "library"
    truth = make_inbox(inbox, per_class=30)
    with Sorter(library, inbox, classifier, SortOptions(mode="move")) as sorter:
        summary = sorter.sort_folder()
    assert summary.count("placed") == 180
    moved = label_like_the_person(library, truth)
    assert moved >= 15  # the colour cast does confuse the shipped model
    snapshot = root / "snapshot"
    shutil.copytree(library, snapshot, symlinks=True)
    yield {"library": library, "snapshot": snapshot, "truth": truth, "root": root}


@pytest.fixture
def library(taught: dict, tmp_path: Path) -> Path:
    """A fresh copy of the taught library (tests change it)."""
    target = tmp_path / "library"
    shutil.copytree(taught["snapshot"], target, symlinks=True)
    return target


@pytest.fixture
def learner(library: Path, classifier) -> Iterator[learning.Learner]:  # type: ignore[no-untyped-def]
    catalog = Catalog.open(library)
    yield learning.Learner(library, catalog, classifier)
    catalog.close()


def album_state(library: Path) -> dict[str, str]:
    """Every file in the albums (Cene's own catalog files left out)."""
    return {k: v for k, v in tree_state(library).items() if not k.startswith(".cene")}


def sample_pixels(folder: Path, classifier) -> np.ndarray:  # type: ignore[no-untyped-def]
    from cene_desktop.core.scanner import decode_for_model

    files = sorted(p for album in SCENE_ALBUMS for p in (folder / album).glob("*.jpg"))[:24]
    return np.stack(
        [decode_for_model(p.read_bytes(), classifier.info.input_size)[0] for p in files]
    )


def test_corrections_teach_a_version_that_is_adopted(
    learner: learning.Learner, library: Path
) -> None:
    report = learner.improve()
    version = report.version
    assert version is not None and version.name == "v1"
    assert report.outcome == "adopted", report.message
    scores = version.scores
    # The rule, from the scores the version keeps: better on held-out photos, check set kept.
    new, old = scores["held_out"], scores["held_out_current"]
    assert new["accuracy"] > old["accuracy"] or (
        new["accuracy"] == old["accuracy"] and new["loss"] < old["loss"]
    )
    assert scores["check"]["accuracy"] >= scores["check_shipped"]["accuracy"] - 0.005
    assert scores["current"] == SHIPPED
    assert version.examples + version.held_out == version.labelled_total == 135
    store = ModelStore(library)
    assert store.active_name() == "v1"
    assert [v.name for v in store.versions()] == ["v1"]
    assert (library / ".cene" / "models" / "v1" / "head.npz").is_file()
    assert learner.new_examples() == 0


def test_photos_moved_out_of_other_teach_the_gate(
    learner: learning.Learner, library: Path, classifier
) -> None:  # type: ignore[no-untyped-def]
    """The warm camera's photos the gate sent to Other, put back into their scene by their
    owner, are examples for the gate too: the new version carries a gate that finds them more
    likely to be scenes, and it is judged on the whole decision."""
    shipped = classifier.shipped_gate
    cut = shipped.threshold("normal")
    rescued = [
        p
        for p in learner.catalog.photos()
        if p.corrected and p.album != "Other" and (p.scene_probability or 1.0) < cut
    ]
    assert len(rescued) >= 2  # the warm cast does make the gate doubt some scenes
    report = learner.improve()
    assert report.version is not None and report.version.scores["gate"] == "adapted"
    assert (library / ".cene" / "models" / "v1" / "gate.npz").is_file()
    assert "check_to_other" in report.version.scores
    adapted = ModelStore(library).gate("v1", shipped)
    features = np.stack(learner.features_of(rescued))  # type: ignore[arg-type]
    assert adapted.scene_probability(features).mean() > shipped.scene_probability(features).mean()


def test_the_adopted_version_sorts_new_photos(
    learner: learning.Learner, library: Path, tmp_path: Path, classifier
) -> None:  # type: ignore[no-untyped-def]
    assert learner.improve().adopted
    inbox = tmp_path / "more"
    make_inbox(inbox, per_class=2, offset=30)
    with Sorter(library, inbox, classifier, SortOptions(mode="move")) as sorter:
        summary = sorter.sort_folder()
    assert summary.count("placed") == 12
    assert summary.model_version == f"{classifier.info.version}+v1"
    newest = learner.catalog.photos()[-12:]
    assert {photo.model_version for photo in newest} == {f"{classifier.info.version}+v1"}


def test_a_version_learnt_for_an_older_model_is_not_used_by_a_newer_one(
    learner: learning.Learner, library: Path, tmp_path: Path, classifier
) -> None:  # type: ignore[no-untyped-def]
    """A library whose owner taught Cene 1.x, opened by a Cene that ships another model: the
    adapted head reads features that model no longer computes, so photos are sorted by the
    shipped model, the status bar says why, and every correction counts again for learning."""
    assert learner.improve().adopted
    record = library / ".cene" / "models" / "v1" / "version.json"
    written = json.loads(record.read_text())
    written["base_version"] = "0.9.0-older"
    record.write_text(json.dumps(written))
    store = ModelStore(library, classifier.info.version)
    assert store.active_name() == "v1"  # kept, and shown in Settings, but not used
    assert store.active_head(classifier.shipped_head) is classifier.shipped_head
    assert store.active_gate(classifier.shipped_gate) is classifier.shipped_gate
    label, tooltip = learning.describe_version(store, classifier.info.version)
    assert label == f"Model {classifier.info.version}"
    assert "learnt for model 0.9.0-older" in tooltip
    assert learning.new_examples(learner.catalog, store) == 135
    inbox = tmp_path / "more"
    make_inbox(inbox, per_class=2, offset=30)
    with Sorter(library, inbox, classifier, SortOptions(mode="move")) as sorter:
        summary = sorter.sort_folder()
    assert summary.count("placed") == 12
    assert summary.model_version == classifier.info.version
    fresh = learning.Learner(library, learner.catalog, classifier).improve()
    assert fresh.version is not None and fresh.version.scores["current"] == SHIPPED


def test_rollback_restores_the_previous_predictions_exactly(
    learner: learning.Learner, library: Path, classifier
) -> None:  # type: ignore[no-untyped-def]
    pixels = sample_pixels(library, classifier)
    classifier.follow(learner.store)
    try:
        before, version_before = classifier.classify(pixels)
        assert learner.improve().adopted
        adapted, version_adapted = classifier.classify(pixels)
        assert version_adapted.endswith("+v1") and version_before == classifier.info.version
        assert not np.array_equal(before, adapted)
        assert learner.roll_back() == SHIPPED
        after, version_after = classifier.classify(pixels)
        assert version_after == version_before
        assert np.array_equal(before, after)
        learner.activate("v1")  # and forward again, just as exactly
        assert np.array_equal(classifier.classify(pixels)[0], adapted)
    finally:
        classifier.follow(None)


def test_a_version_that_forgets_scenes_is_refused(library: Path, taught: dict, classifier) -> None:  # type: ignore[no-untyped-def]
    """This person files glaciers under Mountain and streets under Buildings. Learnt with all
    the weight on their examples and nothing holding the weights back, that costs the check
    set two scenes, and the rule refuses it."""
    merged = {"glacier": "Mountain", "street": "Buildings"}
    edit = Library(library)
    for photo in edit.catalog.photos():
        truth = taught["truth"][Path(photo.original_path).name]
        edit.relabel([photo.id], merged.get(truth, truth.capitalize()))
    edit.close()
    catalog = Catalog.open(library)
    try:
        eager = learning.FitOptions(user_share=0.95, anchor=0.0, steps=300, learning_rate=1e-2)
        learner = learning.Learner(library, catalog, classifier, options=eager)
        report = learner.improve()
        assert report.outcome == "refused", report.message
        scores = report.version.scores if report.version else {}
        assert scores["held_out"]["accuracy"] > scores["held_out_current"]["accuracy"]
        assert "points on the check set" in report.message
        assert report.version is not None and not report.version.adopted
        assert "the current model stays" in report.version.reason
        assert learner.store.active_name() == SHIPPED
        assert learner.store.versions()[0].reason == report.version.reason
    finally:
        catalog.close()


def test_recheck_lists_suggestions_and_moves_nothing(
    learner: learning.Learner, library: Path
) -> None:
    assert learner.improve().adopted
    files_before = album_state(library)
    photos_before = {p.id: (p.album, p.current_path) for p in learner.catalog.photos()}
    report = learner.recheck()
    assert report.checked == 45  # the photos nobody reviewed
    assert album_state(library) == files_before
    after = learner.catalog.photos()
    assert {p.id: (p.album, p.current_path) for p in after} == photos_before
    suggested = learner.catalog.suggestions()
    assert len(suggested) == report.suggested == learner.catalog.suggestion_count()
    for photo in suggested:
        assert not photo.corrected
        assert photo.suggested not in (photo.album, UNSORTED)
        assert photo.suggested_by == "v1"
    if suggested:  # acting on one clears it; rolling back clears the rest
        edit = Library(library, learner.catalog)
        edit.relabel([suggested[0].id], suggested[0].suggested or "")
        assert learner.catalog.suggestion_count() == len(suggested) - 1
    learner.roll_back()
    assert learner.catalog.suggestion_count() == 0


def test_after_a_recheck_the_review_pane_follows_the_model_in_use(
    learner: learning.Learner, library: Path
) -> None:
    catalog = learner.catalog
    before = {p.id: p for p in catalog.photos() if not p.corrected}
    assert {p.model_version for p in before.values()} == {learner.classifier.info.version}
    assert learner.improve().adopted
    learner.recheck()
    head = learner.store.active_head(learner.classifier.shipped_head)
    vectors = learner.features_of(list(before.values()))
    expected = learner.classifier.probabilities(np.stack(vectors), head)  # type: ignore[arg-type]
    changed = 0
    for photo, row in zip(before.values(), expected, strict=True):
        now = catalog.photo(photo.id)
        assert now is not None and now.album == photo.album  # nothing moved
        assert (
            now.model_version == learner.classifier.version_of(head) == f"{photo.model_version}+v1"
        )
        assert now.predicted == learner.classes[int(row.argmax())]
        assert abs((now.confidence or 0) - float(row.max())) < 1e-6
        changed += abs((now.confidence or 0) - (photo.confidence or 0)) > 1e-3
    assert changed > len(before) // 2  # the adapted model sees these warm photos differently

    def sure(photo):  # type: ignore[no-untyped-def]  # of its album: for Other, of no scene
        if photo.album == "Other" and photo.scene_probability is not None:
            return 1 - photo.scene_probability
        return photo.confidence or 0

    unsure = sorted(
        (p for p in catalog.photos() if not p.corrected and sure(p) < 0.97),
        key=lambda p: (sure(p), p.id),
    )
    assert catalog.review_ids(below=0.97) == [p.id for p in unsure]
    reviewed = {p.id: p.confidence for p in catalog.photos() if p.corrected}
    learner.recheck()  # a person's decisions keep what the model said when they decided
    assert {p.id: p.confidence for p in catalog.photos() if p.corrected} == reviewed


def test_too_few_examples_make_no_version(tmp_path: Path, classifier) -> None:  # type: ignore[no-untyped-def]
    inbox, library = tmp_path / "inbox", tmp_path / "library"
    truth = make_inbox(inbox, per_class=2)
    with Sorter(library, inbox, classifier, SortOptions()) as sorter:
        sorter.sort_folder()
    label_like_the_person(library, truth, share=2)  # 6 labelled photos
    with Catalog.open(library) as catalog:
        learner = learning.Learner(library, catalog, classifier)
        report = learner.improve()
    assert report.outcome == "not enough"
    assert "at least 8" in report.message and "has 6" in report.message
    assert ModelStore(library).versions() == []


def test_unreadable_examples_are_left_out_with_a_reason(
    learner: learning.Learner, library: Path
) -> None:
    photo = learner.catalog.labelled_photos()[0]
    (library / photo.current_path).write_bytes(b"not a photo any more")
    report = learner.improve()
    assert report.version is not None and report.version.labelled_total == 135
    assert report.version.examples + report.version.held_out == 134
    assert report.problems and Path(photo.current_path).name in report.problems[0]


def test_features_are_computed_once_per_photo(learner: learning.Learner) -> None:
    photos = learner.catalog.labelled_photos()
    kept, first, _ = learner.example_features(photos)
    cached = learner.catalog.cached_features(
        [p.content_hash for p in photos], learner.classifier.info.version
    )
    assert len(cached) == len(photos) == len(kept)
    _, second, _ = learner.example_features(photos)
    assert np.array_equal(first, second)


def test_held_out_examples_stay_held_out_as_more_arrive() -> None:
    rng = np.random.default_rng(3)
    hashes = [f"{rng.integers(0, 2**60):015x}" for _ in range(400)]
    previous: set[str] = set()
    for count in range(1, 400, 7):
        mask = learning.held_out_mask(hashes[:count])
        held = {h for h, m in zip(hashes[:count], mask, strict=True) if m}
        assert previous <= held  # nothing once held out is ever trained on later
        assert mask.sum() >= min(count, learning.MIN_HELD_OUT)
        previous = held
    assert 0.18 < len(previous) / 400 < 0.32


@pytest.mark.parametrize(
    ("candidate", "current", "check", "adopted", "words"),
    [
        ((0.9, 0.3), (0.7, 0.4), 0.935, True, "Better on your photos"),  # two more of 10 right
        (
            (0.9, 0.3),
            (0.7, 0.4),
            0.935,
            True,
            "of 10 of your photos it had not learnt from, 7 were right before and 9 with it",
        ),  # in words, not "70% → 90%"
        ((0.9, 0.3), (0.8, 0.4), 0.935, False, "could be chance"),  # one more: not enough
        ((0.8, 0.3), (0.8, 0.4), 0.935, False, "Not better"),  # as many right, surer
        ((0.7, 0.2), (0.8, 0.4), 0.935, False, "Not better"),
        ((0.9, 0.3), (0.7, 0.4), 0.9349, False, "lose 0.51 points"),
        ((0.9, 0.3), (0.7, 0.4), 0.9350, True, "Better on your photos"),  # exactly half a point
    ],
)
def test_the_adoption_rule(candidate, current, check, adopted, words) -> None:  # type: ignore[no-untyped-def]
    decision, reason = learning.decide(
        learning.Score(*candidate, 10),
        learning.Score(*current, 10),
        learning.Score(check, 0.2, 1800),
        learning.Score(0.94, 0.2, 1800),
    )
    assert decision is adopted
    assert words in reason


def test_a_version_one_catalog_is_migrated(tmp_path: Path) -> None:
    import sqlite3

    folder = tmp_path / ".cene"
    folder.mkdir()
    db = sqlite3.connect(folder / "catalog.db")
    db.executescript(MIGRATIONS[0])
    db.execute(
        "INSERT INTO photos(content_hash, size, original_path, current_path, album, mode,"
        " sorted_at) VALUES ('ab', 1, '/x.jpg', 'Sea/x.jpg', 'Sea', 'move', 'now')"
    )
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    with Catalog.open(tmp_path) as catalog:
        assert catalog.schema_version == SCHEMA_VERSION == 8
        (photo,) = catalog.photos()
        assert photo.album == "Sea" and photo.suggested is None
        assert catalog.companions(photo.id) == []


def test_model_store_survives_bad_files(tmp_path: Path, classifier) -> None:  # type: ignore[no-untyped-def]
    store = ModelStore(tmp_path)
    shipped = classifier.shipped_head
    assert store.active_head(shipped) is shipped
    with pytest.raises(ValueError, match="no model version"):
        store.activate("v7")
    store.folder.mkdir(parents=True)
    (store.folder / "active.json").write_text("{not json")
    assert store.active_name() == SHIPPED and store.active_head(shipped) is shipped
    (store.folder / "v3.partial").mkdir()  # a version whose writing was cut short
    assert store.versions() == [] and store.next_name() == "v4"


def test_features_kept_while_sorting_spare_learning_and_rechecking_the_decoding(
    tmp_path: Path,
    classifier,  # type: ignore[no-untyped-def]
) -> None:
    photos, library = tmp_path / "photos", tmp_path / "lib"
    photos.mkdir()
    for name, path in sample_files(2):
        shutil.copyfile(path, photos / f"{name}-{path.name}")
    # Every verdict clear (no threshold, no gate): none is made again by the fp32 model, whose
    # features those photos would keep instead.
    options = SortOptions(threshold=0.0, other="off")
    with Sorter(library, photos, classifier, options) as sorter:
        assert sorter.sort_folder().count("placed") == 12
    with Catalog.open(library) as catalog:
        records = catalog.photos()
        kept = catalog.cached_features([p.content_hash for p in records], classifier.info.version)
        assert len(kept) == 12  # every photo sorted left its features behind
        decoded = learning.read_features(classifier, [library / p.current_path for p in records])
        for record, vector in zip(records, decoded, strict=True):
            assert vector is not None
            cached = np.frombuffer(kept[record.content_hash], dtype="<f2").astype(np.float32)
            assert np.allclose(cached, vector, atol=0.02)  # the same, to float16 precision

        # Re-checking reads no photo: with every file's bytes blanked (same size), it still
        # checks all twelve from the kept features.
        originals = {p.current_path: (library / p.current_path).read_bytes() for p in records}
        for path, data in originals.items():
            (library / path).write_bytes(bytes(len(data)))
        learner = learning.Learner(library, catalog, classifier)
        report = learner.recheck()
        assert report.checked == 12 and report.problems == 0
        # A file replaced by something of another size is read again, not taken on trust.
        replaced = records[0]
        (library / replaced.current_path).write_bytes(b"not that photo any more")
        assert learner.features_of([replaced]) == [None]
        for path, data in originals.items():
            (library / path).write_bytes(data)


def test_a_version_learnt_before_the_mid_level_features_predicts_as_it_did(
    tmp_path: Path, classifier
) -> None:  # type: ignore[no-untyped-def]
    """Libraries adapted by Cene 1.4 keep heads over the 1280 pooled features only: they get
    zero weight on the newer features, so they predict what they did (to float rounding)."""
    from cene_desktop.core.classifier import Head
    from cene_desktop.core.models import ModelVersion
    from cene_desktop.core.scanner import decode_for_model

    pooled = classifier.info.features["pooled"]
    shipped = classifier.shipped_head
    rng = np.random.default_rng(3)
    nudge = rng.normal(0, 0.05, (pooled, 6)).astype(np.float32)
    old = Head(shipped.kernel[:pooled] + nudge, shipped.bias, "v1")
    store = ModelStore(tmp_path)
    record = ModelVersion("v1", "2026-11-24T00:00:00+00:00", "1.4.0", True, "", 20, 7, 27)
    store.add(old, record)
    store.activate("v1")
    pixels = np.stack(
        [
            decode_for_model(path.read_bytes(), classifier.info.input_size)[0]
            for _, path in sample_files(2)
        ]
    )
    features = classifier.features(pixels)
    expected = classifier.probabilities(features[:, :pooled], old)
    classifier.follow(store)
    try:
        assert np.allclose(classifier.predict(pixels), expected, rtol=0, atol=1e-6)
        assert not np.allclose(expected, classifier.probabilities(features, shipped))
        assert classifier.current_head().kernel.shape == shipped.kernel.shape
    finally:
        classifier.follow(None)


def test_features_kept_for_an_older_model_are_dropped(tmp_path: Path, classifier) -> None:  # type: ignore[no-untyped-def]
    """After an upgrade of the model they can never be used again: sorting drops them."""
    library, inbox = tmp_path / "library", tmp_path / "inbox"
    inbox.mkdir()
    catalog = Catalog.open(library)
    vector = np.zeros(4, dtype="<f2").tobytes()
    catalog.store_features({"a" * 64: vector, "b" * 64: vector}, "1.4.0-lite0-224-ft8s2")
    catalog.store_features({"c" * 64: vector}, classifier.info.version)
    catalog.close()
    with Sorter(library, inbox, classifier, SortOptions(mode="move")) as sorter:
        kept = sorter.catalog.cached_features(
            ["a" * 64, "b" * 64, "c" * 64], "1.4.0-lite0-224-ft8s2"
        )
        assert kept == {}
        current = sorter.catalog.cached_features(["c" * 64], classifier.info.version)
        assert list(current) == ["c" * 64]
