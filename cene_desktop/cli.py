"""The ``cene`` command line: sort, watch and undo, on top of ``cene_desktop.core`` (no Qt)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from cene_desktop import __version__
from cene_desktop.core import catalog as catalog_module
from cene_desktop.core.albums import MODES
from cene_desktop.core.catalog import Catalog, CatalogError, local_time
from cene_desktop.core.classifier import ModelError, SceneClassifier
from cene_desktop.core.gate import DEFAULT_SENSITIVITY, OFF, SENSITIVITIES
from cene_desktop.core.library import Library
from cene_desktop.core.pipeline import (
    Outcome,
    Progress,
    Sorter,
    SortOptions,
    SortSummary,
    format_eta,
)
from cene_desktop.core.scanner import display_path
from cene_desktop.core.words import count_of

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cene",
        description="Cene sorts photos into scene albums (Buildings, Forest, Glacier, Mountain, "
        "Sea, Street, Unsorted). Run without a command to open the window.",
    )
    parser.add_argument("--version", action="version", version=f"Cene {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="classify the bundled sample photos with the bundled model, print the device and "
        "timings, and exit (0 when every sample is recognised)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def sorting_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("photos", type=Path, help="the folder your photos arrive in")
        sub.add_argument("--library", "-l", type=Path, required=True, help="where albums go")
        sub.add_argument(
            "--mode", choices=MODES, default="move", help="move (default), copy or symlink"
        )
        sub.add_argument(
            "--threshold",
            type=float,
            default=None,
            help="confidence below which a photo goes to Unsorted (default: the model's "
            "calibrated value)",
        )
        sub.add_argument(
            "--other",
            choices=("on", "off"),
            default="on",
            help="on (default): photos that show none of the six scenes (people, documents, "
            "pets, food) go to the Other album; off: every photo goes to a scene album or "
            "Unsorted",
        )
        sub.add_argument(
            "--other-sensitivity",
            choices=SENSITIVITIES,
            default=DEFAULT_SENSITIVITY,
            help="how readily a photo is called Other: low sends fewer scenes there by mistake, "
            "high catches more non-scenes (default normal)",
        )
        sub.add_argument("--json", action="store_true", help="print the result as JSON")

    sort = commands.add_parser(
        "sort",
        help="sort every photo in a folder once, then exit",
        description="Sort every photo in a folder once, then exit. Exit status: 0 when every "
        "file was sorted (or was already), 1 when some were skipped (each listed with its "
        "reason) or an error stopped the run, 130 when stopped by Ctrl+C, 143 by SIGTERM.",
    )
    sorting_options(sort)
    sort.add_argument("--dry-run", action="store_true", help="print the plan, touch nothing")

    watch = commands.add_parser("watch", help="keep sorting photos as they arrive")
    sorting_options(watch)
    watch.add_argument(
        "--polling", action="store_true", help="check for new photos periodically (network drives)"
    )
    watch.add_argument(
        "--settle",
        type=float,
        default=0.5,
        help="seconds a file must stay unchanged before it is sorted (default 0.5)",
    )

    check = commands.add_parser(
        "check", help="check that the catalog agrees with the album folders (and repair)"
    )
    check.add_argument("library", type=Path)
    check.add_argument(
        "--repair",
        action="store_true",
        help="fix the catalog: forget photos deleted by hand, adopt photos added by hand, "
        "finish interrupted operations (no photo is ever moved or deleted)",
    )
    check.add_argument(
        "--verify",
        action="store_true",
        help="also compare every file's bytes (with --repair: record the edited ones)",
    )
    check.add_argument("--json", action="store_true")

    undo = commands.add_parser("undo", help="reverse the last sort or watch run")
    undo.add_argument("--library", "-l", type=Path, required=True)
    undo.add_argument("--json", action="store_true")

    model = commands.add_parser(
        "model", help="the library's model versions: list, improve from corrections, roll back"
    )
    model.add_argument("library", type=Path)
    action = model.add_mutually_exclusive_group()
    action.add_argument(
        "--improve", action="store_true", help="learn from the photos you corrected or confirmed"
    )
    action.add_argument("--use", metavar="VERSION", help="use VERSION ('shipped' for the original)")
    action.add_argument("--rollback", action="store_true", help="go back to the previous version")
    action.add_argument(
        "--recheck",
        action="store_true",
        help="list photos the active version would place in another album (moves nothing)",
    )
    model.add_argument(
        "--other",
        choices=("on", "off"),
        default="on",
        help="--recheck: also suggest Other for photos that show no scene (default on)",
    )
    model.add_argument("--json", action="store_true")
    return parser


class ProgressBar:
    """A one-line progress bar with rate and ETA on a terminal, sparse lines elsewhere."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self._last = 0.0

    def __call__(self, step: Progress) -> None:
        now = time.monotonic()
        final = step.done >= step.total
        if not final and now - self._last < (0.1 if self.interactive else 2.0):
            return
        self._last = now
        fraction = step.done / step.total if step.total else 1.0
        rate = step.done / step.elapsed if step.elapsed > 0 else 0.0
        width = 30
        bar = "#" * int(fraction * width) + "-" * (width - int(fraction * width))
        line = (
            f"[{bar}] {step.done}/{step.total} {fraction:4.0%}  {rate:5.1f} photos/s  "
            f"ETA {format_eta(step.eta_seconds)}"
        )
        if self.interactive:
            columns = shutil.get_terminal_size().columns
            self.stream.write("\r" + line[: columns - 1] + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _print_summary(summary: SortSummary, out: TextIO) -> None:
    rate = summary.count("placed") / summary.elapsed if summary.elapsed else 0.0
    if summary.recovered:
        out.write(
            f"Recovered an interrupted run: {len(summary.recovered.finished)} operations "
            f"finished, {len(summary.recovered.rolled_back)} rolled back.\n"
        )
    if summary.dry_run:
        out.write(f"Dry run: nothing was changed. Plan for {summary.photos_dir}:\n")
        for outcome in summary.outcomes:
            if outcome.status == "planned" and outcome.dest is not None:
                target = outcome.dest.relative_to(summary.library)
                out.write(f"  {outcome.source} -> {target}  ({outcome.reason})\n")
                for companion in outcome.companions:
                    out.write(f"    with it -> {companion.relative_to(summary.library)}\n")
    verb = "Would sort" if summary.dry_run else "Sorted"
    placed = summary.count("planned" if summary.dry_run else "placed")
    out.write(
        f"{verb} {count_of(placed)} into {summary.library} ({summary.mode}) in "
        f"{summary.elapsed:.1f} s ({rate:.1f} photos/s) on {summary.device}, model "
        f"{summary.model_version}.\n"
    )
    for album, count in summary.album_counts().items():
        out.write(f"  {album:<10} {count:6d}\n")
    if summary.companion_count():
        went = "would go" if summary.dry_run else "went"
        out.write(
            f"{count_of(summary.companion_count(), 'file that goes', 'files that go')} with "
            f"those photos (RAW files, Live Photo videos, edits, sidecars) {went} with them.\n"
        )
    duplicates, unchanged = summary.count("duplicate"), summary.count("unchanged")
    if duplicates:
        same = "is identical to a photo" if duplicates == 1 else "are identical to photos"
        out.write(f"{count_of(duplicates)} {same} already in the library; ")
        out.write("they were left where they are:\n")
        for outcome in summary.outcomes:
            if outcome.status == "duplicate":
                out.write(f"  {outcome.source}: same as {outcome.dest}\n")
    if unchanged:
        were = (
            "was sorted before and has not" if unchanged == 1 else "were sorted before and have not"
        )
        out.write(f"{count_of(unchanged)} {were} changed.\n")
    if summary.skipped:
        skipped = count_of(len(summary.skipped), "file")
        out.write(f"Skipped {skipped} (left exactly where they were):\n")
        for outcome in summary.skipped:
            out.write(f"  {display_path(outcome.source)}: {outcome.reason}\n")
    if summary.cancelled:
        out.write("Stopped before the end; run the same command again to sort the rest.\n")
    if summary.error:
        out.write(f"Error: {summary.error}\n")


def _sorter(args: argparse.Namespace, dry_run: bool) -> Sorter:
    classifier = SceneClassifier()
    other = OFF if args.other == "off" else args.other_sensitivity
    options = SortOptions(mode=args.mode, threshold=args.threshold, other=other, dry_run=dry_run)
    return Sorter(args.library, args.photos, classifier, options)


_signalled = [0]  # the last SIGINT/SIGTERM received, for the exit status


class _Cancel(threading.Event):
    """Set by SIGINT or SIGTERM; remembers which, for the exit code (128 + its number)."""

    signal_number = 0


def _cancel_on_signals() -> _Cancel:
    cancel = _Cancel()

    def stop(signum: int, _frame: object) -> None:
        cancel.signal_number = signum
        cancel.set()
        catalog_module.stop_requested.set()  # and a runaway catalog query is cut short
        _signalled[0] = signum

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    return cancel


def run_sort(args: argparse.Namespace) -> int:
    if args.threshold is not None and not 0.0 <= args.threshold <= 1.0:
        raise SystemExit("cene: --threshold must be between 0 and 1")
    cancel = _cancel_on_signals()
    with _sorter(args, args.dry_run) as sorter:
        progress = None if args.json and not sys.stderr.isatty() else ProgressBar(sys.stderr)
        summary = sorter.sort_folder(progress=progress, cancel=cancel)
    if args.json:
        json.dump(summary.to_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_summary(summary, sys.stdout)
    return sort_exit_code(summary, cancel.signal_number)


def sort_exit_code(summary: SortSummary, signal_number: int = 0) -> int:
    """0: every file sorted (or already there); 1: some files skipped or an error stopped the
    run; 128 + N: stopped by signal N before the end (130 Ctrl+C, 143 SIGTERM)."""
    if summary.cancelled and signal_number:
        return 128 + signal_number
    return 1 if summary.error or summary.skipped else 0


def run_watch(args: argparse.Namespace) -> int:
    from cene_desktop.core.events import Event
    from cene_desktop.core.pipeline import keep_watching
    from cene_desktop.core.watcher import FolderWatcher

    cancel = _cancel_on_signals()

    def notice(event: Event) -> None:
        """What watching tells (a folder gone or back, polling, a full disk), printed."""
        log.info("%s", event.message)
        if args.json:
            print(json.dumps({"notice": event.message, "event": type(event).__name__}), flush=True)
        else:
            print(event.message, flush=True)

    def on_outcome(outcome: Outcome) -> None:
        if args.json:
            data = {
                "source": str(outcome.source),
                "status": outcome.status,
                "album": outcome.album,
                "dest": str(outcome.dest) if outcome.dest else None,
                "confidence": outcome.confidence,
                "scene_probability": outcome.scene_probability,
                "reason": outcome.reason,
            }
            print(json.dumps(data), flush=True)
        elif outcome.status == "placed":
            print(f"{outcome.source.name} -> {outcome.album} ({outcome.reason})", flush=True)
        elif outcome.status in ("skipped", "duplicate"):
            print(f"{display_path(outcome.source.name)}: {outcome.reason}", flush=True)

    def open_watcher(sorter: Sorter) -> FolderWatcher:
        notice(Event(f"Watching {sorter.photos_dir} (Ctrl+C to stop); albums in {sorter.library}."))
        return FolderWatcher(
            sorter.photos_dir,
            sorter.library,
            settle_seconds=args.settle,
            polling=args.polling,
            notice=notice,
        )

    summary = keep_watching(
        lambda: _sorter(args, dry_run=False), open_watcher, cancel, notice, on_outcome=on_outcome
    )
    if not args.json:
        print(f"Stopped watching. Sorted {count_of(summary.count('placed'))}.")
    if summary.error:
        print(f"Error: {summary.error}", file=sys.stderr)
    return 1 if summary.error else 0


def run_check(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from cene_desktop.core.check import check_library

    report = check_library(args.library, repair=args.repair, verify_bytes=args.verify)
    if args.json:
        print(json.dumps({**asdict(report), "clean": report.clean}, indent=2))
    else:
        print(f"{count_of(report.photos)} in the catalog of {args.library}.")
        sections = (
            ("in the catalog but no longer in the library", report.missing),
            ("changed since Cene sorted them", report.changed),
            ("in an album but not in the catalog", report.untracked),
            ("filed in the catalog under another album than their folder", report.misfiled),
            (
                "links whose photo is gone (moved or deleted outside Cene)",
                report.broken_links,
            ),
            (
                "entries naming files outside the library (a damaged or tampered catalog; "
                "never acted on)",
                report.untrusted,
            ),
            ("half-written copies left by an interruption", report.partial_files),
        )
        for title, items in sections:
            if items:
                print(f"{len(items)} {title}:")
                for item in items[:50]:
                    print(f"  {item}")
        if report.open_operations:
            print(f"{report.open_operations} interrupted operations in the journal.")
        if report.clean:
            print("The catalog and the album folders agree.")
        elif report.repaired:
            print("Repaired: the catalog now matches the album folders (no photo was moved).")
        else:
            print("Run `cene check --repair` to bring the catalog in line.")
    return 0 if report.clean or report.repaired else 1


def run_undo(args: argparse.Namespace) -> int:
    library = Library(args.library)  # as the window's "Put back": the same code
    try:
        run = library.catalog.last_undoable_run()
        if run is None:
            message = f"Nothing to undo in {library.root}."
            print(json.dumps({"undone": None, "message": message}) if args.json else message)
            return 0
        result = library.put_back_last_run(expected=run.id)
    finally:
        library.close()
    if args.json:
        data = {
            "undone": run.id,
            "restored": [str(p) for p in result.moved],
            "problems": result.problems,
        }
        print(json.dumps(data, indent=2))
    else:
        print(
            f"Undid the {run.kind} run of {run.started_at}: {count_of(len(result.moved))} "
            "put back where they came from."
        )
        for problem in result.problems:
            print(f"  could not undo: {problem}")
    return 1 if result.problems else 0


def run_model(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from cene_desktop.core.learning import Learner, describe_version

    library = args.library.resolve()
    if not (library / ".cene").is_dir():
        print(f"cene: {library} is not a Cene library (no .cene folder).", file=sys.stderr)
        return 1
    catalog = Catalog.open(library)
    try:
        learner = Learner(library, catalog, SceneClassifier())
        result: dict[str, object] = {}
        if args.improve:
            report = learner.improve()
            result = {"outcome": report.outcome, "message": report.message}
        elif args.use or args.rollback:
            try:
                name = learner.roll_back() if args.rollback else args.use
                if args.use:
                    learner.activate(args.use)
            except ValueError as error:
                print(f"cene: {error}", file=sys.stderr)
                return 1
            result = {"active": name, "message": f"Now using model {name}."}
        elif args.recheck:
            recheck = learner.recheck(other=OFF if args.other == "off" else DEFAULT_SENSITIVITY)
            suggestions = [
                {"photo": p.current_path, "album": p.album, "suggested": p.suggested}
                for p in catalog.suggestions()
            ]
            result = {"message": recheck.message, "suggestions": suggestions}
        label, _ = describe_version(learner.store, learner.classifier.info.version)
        versions = learner.store.versions()
        result |= {
            "active": learner.store.active_name(),
            "versions": [asdict(v) for v in versions],
            "new_examples": learner.new_examples(),
        }
    finally:
        catalog.close()
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    if "message" in result:
        print(result["message"])
    for item in result.get("suggestions", []):  # type: ignore[attr-defined]
        print(f"  {item['photo']}: {item['album']} → {item['suggested']}")
    print(f"In use: {label}")
    for version in versions:
        marker = "●" if version.name == result["active"] else " "
        state = "adopted" if version.adopted else "refused"
        print(f" {marker} {version.name}  {local_time(version.created)}  {state}: {version.reason}")
    print(f"{result['new_examples']} corrections since the last version.")
    return 0


def self_test() -> int:
    """Check an installation: the bundled model recognises the bundled sample photos."""
    from cene_desktop.assets import asset_path
    from cene_desktop.core.scanner import Candidate, PreparedPhoto, prepare_photo

    started = time.perf_counter()
    try:
        classifier = SceneClassifier()
        classifier.load()
    except ModelError as error:
        print(f"self-test FAILED: {error}")
        return 1
    loaded = time.perf_counter()
    samples = sorted(asset_path("samples").glob("*.jpg"))
    if not samples:
        print(f"self-test FAILED: no sample photos in {asset_path('samples')}")
        return 1
    prepared = []
    for path in samples:
        info = path.stat()
        photo = prepare_photo(
            Candidate(path, info.st_size, info.st_mtime_ns), classifier.info.input_size
        )
        if not isinstance(photo, PreparedPhoto):
            print(f"self-test FAILED: {path.name}: {photo.reason}")
            return 1
        prepared.append(photo.pixels)
    import numpy as np

    classify_started = time.perf_counter()
    probabilities = classifier.predict(np.stack(prepared))
    classified = time.perf_counter()
    failures = 0
    print(f"Cene {__version__}, model {classifier.info.version}, device {classifier.device}")
    for path, row in zip(samples, probabilities, strict=True):
        best = classifier.info.classes[int(row.argmax())]
        ok = best == path.stem
        failures += not ok
        print(f"  {path.name:<14} -> {best:<10} {row.max():.2f}  {'ok' if ok else 'WRONG'}")
    print(
        f"model load {loaded - started:.2f} s, {len(samples)} photos classified in "
        f"{(classified - classify_started) * 1000:.0f} ms, total {classified - started:.2f} s"
    )
    print("self-test passed" if not failures else f"self-test FAILED: {failures} wrong")
    return 1 if failures else 0


def _decoder_chatter_to_log() -> None:
    """What image libraries print themselves (libtiff's and libjpeg's warnings, a thousand lines
    over a folder of damaged files) goes to the log file, not the terminal: file descriptor 2
    is pointed at the log, and Python's own ``sys.stderr`` (progress, messages) keeps the
    terminal. Warnings from Python code go to the log through ``logging``."""
    from cene_desktop.logs import log_path

    logging.captureWarnings(True)
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        target = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        terminal = os.dup(2)
    except OSError:
        return
    sys.stderr.flush()
    sys.stderr = open(  # noqa: SIM115 - it is the process's stderr from now on
        terminal, "w", buffering=1, encoding=sys.stderr.encoding, errors="backslashreplace"
    )
    os.dup2(target, 2)
    os.close(target)


def main(argv: list[str] | None = None) -> int:
    from cene_desktop.logs import setup_logging

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in ("sort", "watch"):
        _decoder_chatter_to_log()
    setup_logging(verbose=args.verbose)
    if args.self_test:
        return self_test()
    if args.command is None:
        parser.print_help()
        return 2
    handlers = {
        "sort": run_sort,
        "watch": run_watch,
        "undo": run_undo,
        "check": run_check,
        "model": run_model,
    }
    try:
        return handlers[args.command](args)
    except (ModelError, CatalogError) as error:
        print(f"cene: {error}", file=sys.stderr)
        return 1
    except sqlite3.OperationalError as error:
        if not catalog_module.stop_requested.is_set():
            raise
        print(f"cene: stopped in the middle of a catalog query ({error})", file=sys.stderr)
        return 128 + (_signalled[0] or signal.SIGINT)
