"""How much learning from corrections helps a person, and what it costs the six scenes.

Usage: python benchmarks/learning_gain.py [--data /tmp/intel] [--corrections 30] [--users 12]
       [--timing-examples 200]

Simulated users come from real, labelled photos the shipped model never trained on and that are
not in the check set shipped with the app: the validation split and the rest of ``seg_test``
(the data set from ``../shared/data/README.md``). Photos of the confusable classes (mountain,
glacier, street, buildings) are grouped into ``--users`` clusters of similar photos (k-means on
the model's features): a person's photos are alike (the same trips, the same streets), so each
cluster is one user. For each user the shipped model's mistakes arrive in random order; the first
``--corrections`` of them are fed to the app's own learning code (held-out split, training,
adoption rule: ``cene_desktop.core.learning``), and accuracy on that user's *remaining* photos is
measured before and after, with the check-set accuracy. A last row does the same for a user whose
photos are the whole pool (no shared style): the honest lower bound.

Then it times ``Learner.improve()`` end to end on a real library with ``--timing-examples``
corrected photos (decode, features, training, scoring, saving). Prints tables; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from cene_desktop.core import learning  # noqa: E402
from cene_desktop.core.classifier import SceneClassifier  # noqa: E402

CONFUSABLE = ("buildings", "glacier", "mountain", "street")


def pool_photos(data_root: Path) -> tuple[list[Path], np.ndarray]:
    """Validation photos and the seg_test photos outside the check set (none trained on)."""
    from model_training import adaptation, pipeline
    from model_training.config import TrainingConfig

    config = TrainingConfig(data_root=data_root, first_block=8)
    record = pipeline.prepare_splits(config)
    test = pipeline.split_photos(config, record, "test")
    crossing = np.asarray(record["test"]["crossing"], dtype=bool)
    outside = np.setdiff1d(np.flatnonzero(~crossing), adaptation.check_set_indices(record))
    val = pipeline.split_photos(config, record, "val")
    rest = test.subset(outside)
    return val.absolute() + rest.absolute(), np.concatenate([val.labels, rest.labels])


def pool_features(classifier: SceneClassifier, paths: list[Path], cache: Path) -> np.ndarray:
    if cache.exists():
        stored = np.load(cache)
        if stored.shape[0] == len(paths):
            return stored
    vectors = learning.read_features(classifier, paths)
    stacked = np.stack(vectors).astype(np.float32)  # type: ignore[arg-type]
    np.save(cache, stacked)
    return stacked


def kmeans(x: np.ndarray, k: int, seed: int = 0, rounds: int = 30) -> np.ndarray:
    rng = np.random.default_rng(seed)
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    centres = unit[rng.choice(len(unit), size=k, replace=False)]
    for _ in range(rounds):
        assign = (unit @ centres.T).argmax(axis=1)
        for c in range(k):
            members = unit[assign == c]
            if len(members):
                centres[c] = members.mean(axis=0)
                centres[c] /= np.linalg.norm(centres[c])
    return (unit @ centres.T).argmax(axis=1)


def simulate(
    classifier: SceneClassifier,
    x: np.ndarray,
    y: np.ndarray,
    corrections: int,
    options: learning.FitOptions,
    seed: int,
) -> dict[str, float] | None:
    """One user: feed the first ``corrections`` mistakes, score the user's remaining photos."""
    temperature = classifier.info.temperature
    shipped = classifier.shipped_head
    predicted = classifier.probabilities(x, shipped).argmax(axis=1)
    wrong = np.flatnonzero(predicted != y)
    if len(wrong) < learning.MIN_EXAMPLES:
        return None
    rng = np.random.default_rng(seed)
    fed = rng.permutation(wrong)[:corrections]
    rest = np.setdiff1d(np.arange(len(y)), fed)
    hashes = [f"{rng.integers(0, 2**48):012x}" for _ in fed]  # photos' hashes: random
    held = learning.held_out_mask(hashes)
    train = learning.LabelledSet(x[fed[~held]], y[fed[~held]])
    judge = learning.LabelledSet(x[fed[held]], y[fed[held]])
    check = learning.LabelledSet.load(classifier.info.asset("check_set"))
    replay = learning.LabelledSet.load(classifier.info.asset("replay_set"))
    started = time.perf_counter()
    head = learning.fit_head(shipped, train, replay, temperature, options, "sim")
    seconds = time.perf_counter() - started
    remaining = learning.LabelledSet(x[rest], y[rest])
    adopted, _ = learning.decide(
        learning.score(head, judge, temperature),
        learning.score(shipped, judge, temperature),
        learning.score(head, check, temperature),
        learning.score(shipped, check, temperature),
    )
    return {
        "photos": len(y),
        "fed": len(fed),
        "before": learning.score(shipped, remaining, temperature).accuracy,
        "after": learning.score(head, remaining, temperature).accuracy,
        "check_before": learning.score(shipped, check, temperature).accuracy,
        "check_after": learning.score(head, check, temperature).accuracy,
        "adopted": float(adopted),
        "seconds": seconds,
    }


def user_table(
    classifier: SceneClassifier,
    x: np.ndarray,
    y: np.ndarray,
    users: int,
    corrections: int,
    options: learning.FitOptions,
) -> list[dict[str, float]]:
    classes = classifier.info.classes
    keep = np.isin(y, [classes.index(name) for name in CONFUSABLE])
    x, y = x[keep], y[keep]
    clusters = kmeans(x, users)
    rows = []
    for user in range(users):
        members = np.flatnonzero(clusters == user)
        row = simulate(classifier, x[members], y[members], corrections, options, seed=user)
        if row is not None:
            rows.append({"user": f"cluster {user}", **row})
    everyone = simulate(classifier, x, y, corrections, options, seed=99)
    if everyone is not None:
        rows.append({"user": "whole pool", **everyone})
    return rows


def print_users(rows: list[dict[str, float]], corrections: int) -> None:
    print(f"\nUsers: {corrections} corrections of the shipped model's mistakes each")
    print(
        f"{'user':<12} {'photos':>6} {'fed':>4} {'before':>7} {'after':>7} {'gain':>6}"
        f" {'check before':>12} {'check after':>11} {'adopted':>7} {'train s':>7}"
    )
    for row in rows:
        print(
            f"{row['user']:<12} {row['photos']:>6} {row['fed']:>4} {row['before']:>7.1%}"
            f" {row['after']:>7.1%} {100 * (row['after'] - row['before']):>+6.1f}"
            f" {row['check_before']:>12.2%} {row['check_after']:>11.2%}"
            f" {'yes' if row['adopted'] else 'no':>7} {row['seconds']:>7.2f}"
        )
    clusters = [row for row in rows if row["user"] != "whole pool"]
    if clusters:
        gain = np.mean([r["after"] - r["before"] for r in clusters])
        check = np.mean([r["check_after"] - r["check_before"] for r in clusters])
        adopted = np.mean([r["adopted"] for r in clusters])
        print(
            f"{'mean':<12} {'':>6} {'':>4} {'':>7} {'':>7} {100 * gain:>+6.1f}"
            f" {'':>12} {100 * check:>+10.2f}p {adopted:>7.0%}"
        )


def time_improve(
    classifier: SceneClassifier, paths: list[Path], labels: np.ndarray, count: int
) -> None:
    """Learner.improve() end to end on a real library of ``count`` corrected photos."""
    import resource

    from cene_desktop.core.catalog import Catalog
    from cene_desktop.core.library import Library
    from cene_desktop.core.pipeline import Sorter, SortOptions

    rng = np.random.default_rng(7)
    chosen = rng.choice(len(paths), size=count, replace=False)
    with tempfile.TemporaryDirectory() as tmp:
        inbox, library = Path(tmp) / "inbox", Path(tmp) / "library"
        inbox.mkdir()
        truth = {}
        for index in chosen:
            target = inbox / f"{index:05d}.jpg"
            shutil.copyfile(paths[index], target)
            truth[target.name] = classifier.info.classes[labels[index]]
        with Sorter(library, inbox, classifier, SortOptions(mode="move")) as sorter:
            sorter.sort_folder()
        edit = Library(library)
        for photo in edit.catalog.photos():
            album = truth[Path(photo.original_path).name].capitalize()
            if photo.album == album:
                edit.confirm([photo.id])
            else:
                edit.relabel([photo.id], album)
        edit.close()
        catalog = Catalog.open(library)
        learner = learning.Learner(library, catalog, classifier)
        started = time.perf_counter()
        report = learner.improve()
        first = time.perf_counter() - started
        started = time.perf_counter()
        learner.improve()
        again = time.perf_counter() - started
        started = time.perf_counter()
        recheck = learner.recheck()
        recheck_seconds = time.perf_counter() - started
        catalog.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nImprove the model on a real library ({count} corrected or confirmed photos)")
    print(f"{'step':<44} {'seconds':>8}")
    print(f"{'improve(), first time (decode + features)':<44} {first:>8.2f}")
    print(f"{'improve(), again (features cached)':<44} {again:>8.2f}")
    print(f"{'recheck() of the library':<44} {recheck_seconds:>8.2f}")
    print(f"outcome: {report.outcome}: {report.message}")
    print(f"recheck: {recheck.message}")
    print(f"peak RSS of this process: {peak:.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("/tmp/intel"))
    parser.add_argument("--corrections", type=int, default=30)
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--timing-examples", type=int, default=200)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--user-share", type=float, default=learning.FitOptions.user_share)
    parser.add_argument("--anchor", type=float, default=learning.FitOptions.anchor)
    parser.add_argument("--steps", type=int, default=learning.FitOptions.steps)
    parser.add_argument("--lr", type=float, default=learning.FitOptions.learning_rate)
    args = parser.parse_args()
    if not (args.data / "seg_test").is_dir():
        print(f"No data set at {args.data}: see ../shared/data/README.md to extract it.")
        return 2
    classifier = SceneClassifier()
    paths, labels = pool_photos(args.data)
    x = pool_features(classifier, paths, args.cache / "cene-learning-pool.npy")
    options = learning.FitOptions(args.user_share, args.anchor, args.steps, args.lr)
    print(f"Pool: {len(paths)} labelled photos outside training and the check set; {options}")
    print_users(user_table(classifier, x, labels, args.users, args.corrections, options), args.corrections)
    if args.timing_examples:
        time_improve(classifier, paths, labels, args.timing_examples)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
