"""A person's own decisions about their library: relabel photos, confirm them, undo, put a
sorting run back, import dropped files. The one entry point for them: the window and the
command line both come here.

Relabelling moves the file through the journaled ``Placer`` and records a ``Correction``; each
user action (one drag, one key press) is one run, so that undo reverses it as a whole.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cene_desktop.core import fileops, scanner, trash
from cene_desktop.core.albums import ALBUMS, OTHER, SCENE_ALBUMS, library_file_to_read
from cene_desktop.core.catalog import Catalog, PhotoRecord, Run
from cene_desktop.core.events import EVERYTHING, NO_CHANGES, Changes, photos_moved
from cene_desktop.core.fileops import PlacementError
from cene_desktop.core.placement import Placer
from cene_desktop.core.words import count_of

log = logging.getLogger(__name__)

#: The review pane's quick filters: the two confusions that matter most.
CONFUSABLE_PAIRS = {
    "mountain or glacier?": ("mountain", "glacier"),
    "street or building?": ("street", "buildings"),
}


@dataclass
class ActionResult:
    """What one user action did, in words for the status bar, and what it changed."""

    message: str
    moved: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    changes: Changes = NO_CHANGES


@dataclass(frozen=True)
class SortingRun:
    """A sort or watch run "Put back" can undo, with what it placed that is still its own."""

    run: Run
    photos: int
    companions: int  # files that go with those photos (RAW, Live Photo video, sidecars)
    looked_at: int  # of the photos, the ones a person corrected or confirmed


def put_back_choices(catalog: Catalog) -> list[SortingRun]:
    """The runs "Put back" can undo, newest first (none: Cene has not sorted photos here)."""
    return [
        SortingRun(
            run,
            catalog.run_photo_count(run.id),
            catalog.run_companion_count(run.id),
            catalog.run_looked_at_count(run.id),
        )
        for run in catalog.undoable_runs()
    ]


class Library:
    """One library opened for a person's edits. Not for concurrent use from several threads."""

    def __init__(
        self, root: Path, catalog: Catalog | None = None, photos_dir: Path | None = None
    ) -> None:
        """``photos_dir``: the photo folder this library sorts, where recovery may finish a
        move cut short (removing the source whose copy is whole in an album)."""
        self.root = root.resolve()
        self.catalog = catalog or Catalog.open(self.root)
        self._owns_catalog = catalog is None
        self.placer = Placer(
            self.root, self.catalog, photos_dir=photos_dir.resolve() if photos_dir else None
        )
        self.placer.recover()
        self.placer.ensure_albums()

    def close(self) -> None:
        if self._owns_catalog:
            self.catalog.close()

    def path_of(self, photo: PhotoRecord) -> Path:
        return library_file_to_read(self.root, photo.current_path)

    def relabel(self, photo_ids: list[int], album: str) -> ActionResult:
        """Move photos into ``album`` and remember that a person said they belong there."""
        if album not in ALBUMS:
            raise ValueError(f"unknown album {album!r}")
        photos = [p for p in map(self.catalog.photo, photo_ids) if p is not None]
        result = self._move(photos, [album] * len(photos))
        result.message = f"Moved {count_of(len(result.moved))} to {album}."
        return result

    def accept_suggestions(self, photo_ids: list[int]) -> ActionResult:
        """Move photos to the albums Cene suggests for them now (the person accepted them),
        as one action: one undo puts them all back."""
        photos = [p for p in map(self.catalog.photo, photo_ids) if p and p.suggested in ALBUMS]
        result = self._move(photos, [str(p.suggested) for p in photos])
        result.message = f"Moved {count_of(len(result.moved))} to the albums Cene suggested."
        return result

    def _move(self, photos: list[PhotoRecord], albums: list[str]) -> ActionResult:
        run_id = self.catalog.start_run("correction", None, None, None)
        result = ActionResult("")
        touched: set[str] = set()
        for photo, album in zip(photos, albums, strict=True):
            try:
                if photo.album != album:
                    result.moved.append(self.placer.relocate(photo, album, run_id).dest)
                    touched.update((photo.album, album))
                self.catalog.add_correction(photo.id, photo.album, album, "relabel", run_id)
            except PlacementError as error:
                result.problems.append(str(error))
        self.catalog.finish_run(run_id)
        result.changes = photos_moved(*touched)
        return result

    def trash(self, photo_ids: list[int]) -> ActionResult:
        """Move photos, with the files that go with them, to the system trash; they leave
        their albums. One action: undo brings them all back."""
        photos = [p for p in map(self.catalog.photo, photo_ids) if p is not None]
        run_id = self.catalog.start_run("trash", None, None, None)
        report = trash.trash_photos(self.placer, photos, run_id)
        self.catalog.finish_run(run_id)
        return _trash_result(f"Moved {count_of(len(report.done))} to the trash.", report)

    def _untrash(self, run_id: int) -> ActionResult:
        report = trash.untrash_run(self.placer, run_id)
        self.catalog.mark_run_undone(run_id)
        return _trash_result(f"Brought {count_of(len(report.done))} back from the trash.", report)

    def confirm(self, photo_ids: list[int]) -> ActionResult:
        """'Looks right': the album is correct; the photo leaves the review queue."""
        run_id = self.catalog.start_run("correction", None, None, None)
        count = 0
        for photo_id in photo_ids:
            photo = self.catalog.photo(photo_id)
            if photo is not None:
                self.catalog.add_correction(photo.id, photo.album, photo.album, "confirm", run_id)
                count += 1
        self.catalog.finish_run(run_id)
        return ActionResult(
            f"Confirmed {count_of(count)}.", changes=Changes(review=True, suggestions=True)
        )

    def put_back_last_run(
        self, expected: int | None = None, progress: Callable[[int, int], None] | None = None
    ) -> ActionResult:
        """Undo the latest sort or watch run (``expected``: the run the person was asked
        about; if another has become the latest since, nothing is done)."""
        runs = self.catalog.undoable_runs()
        if not runs:
            return ActionResult("Nothing to put back: Cene has not sorted photos here yet.")
        return self.put_back(runs[0].id, expected or runs[0].id, False, progress)

    def put_back(
        self,
        since: int,
        newest: int,
        keep_looked_at: bool,
        progress: Callable[[int, int], None] | None = None,
    ) -> ActionResult:
        """Undo run ``since`` and every later sort or watch run: every photo they placed goes
        back where it came from (links and copies are removed, the originals stay); nothing
        is overwritten.

        ``newest``: the latest run when the person was asked; if Cene has sorted more since,
        nothing is done (the question did not count those). ``keep_looked_at``: photos a
        person corrected or confirmed stay in their albums, with what Cene learnt from them.
        ``progress``: called with (done, total) as photos go back.
        """
        runs = [run for run in self.catalog.undoable_runs() if run.id >= since]
        if not runs:
            return ActionResult("Nothing to put back: Cene has not sorted photos here yet.")
        if runs[0].id != newest:
            return ActionResult(
                "Nothing was put back: Cene sorted more photos meanwhile. Try again to see them."
            )
        total = sum(self.catalog.run_photo_count(run.id) for run in runs)
        done = 0

        def report(step: int, steps: int) -> None:
            if progress is not None:
                progress(min(total, done + step), total)

        result = ActionResult("", changes=EVERYTHING)
        kept = 0
        for run in runs:  # newest first: a photo placed twice goes back the way it came
            undone = self.placer.undo_run(
                run.id, report, keep=(lambda photo: photo.corrected) if keep_looked_at else None
            )
            done += len(undone.restored) + undone.kept + len(undone.problems)
            result.moved += undone.restored
            result.problems += undone.problems
            kept += undone.kept
        folders = {run.photos_dir for run in runs}
        where = folders.pop() if len(folders) == 1 else None
        result.message = (
            f"Put {count_of(len(result.moved))} back into {where or 'the folders they came from'}."
        )
        if kept:
            stay = "stays in its album" if kept == 1 else "stay in their albums"
            result.message += f" The {count_of(kept)} you looked at {stay}."
        if result.problems:
            result.message += (
                f" {len(result.problems)} could not go back and stay in the library; fix what "
                "the message says and put back again to move them too."
            )
        return result

    def undo_last_correction(self) -> ActionResult:
        """Reverse the latest relabel, confirmation or move to the trash (all photos of that
        one action)."""
        run = self.catalog.last_run(("correction", "trash"))
        if run is None:
            return ActionResult("Nothing to undo.")
        if run.kind == "trash":
            return self._untrash(run.id)
        result = ActionResult("", changes=Changes(review=True, suggestions=True))
        for correction in self.catalog.corrections_of_run(run.id):
            photo = self.catalog.photo(correction["photo_id"])
            if photo is None:
                continue
            try:
                if correction["kind"] == "relabel" and photo.album != correction["from_album"]:
                    back = self.placer.relocate(photo, correction["from_album"])
                    result.moved.append(back.dest)
                    result.changes |= photos_moved(photo.album, correction["from_album"])
                self.catalog.remove_correction(correction["id"], photo.id)
            except PlacementError as error:
                result.problems.append(str(error))
        self.catalog.mark_run_undone(run.id)
        result.message = (
            f"Undid the last correction: {len(result.moved)} photos moved back."
            if result.moved
            else "Undid the last confirmation."
        )
        return result

    def import_files(self, paths: list[Path], photos_dir: Path) -> ActionResult:
        """Copy files dropped on the window into the watched photo folder, where watching
        sorts them like any arrival; the originals stay where they are. A name already taken
        there gets a number: nothing is overwritten."""
        copied, problems = 0, []
        for source in paths:
            if not source.is_file() or scanner.classify_name(source) is not None:
                problems.append(f"{source.name}: not a photo Cene can sort")
                continue
            for candidate in fileops.numbered_names(source.name):
                dest = photos_dir / candidate
                try:
                    with open(source, "rb") as reader, open(dest, "xb") as writer:
                        shutil.copyfileobj(reader, writer)
                        writer.flush()
                        os.fsync(writer.fileno())
                    copied += 1
                    break
                except FileExistsError:
                    continue
                except OSError as error:
                    problems.append(fileops.describe_os_error(error, source))
                    break
        message = f"Copied {count_of(copied)} into {photos_dir.name} for sorting."
        return ActionResult(message, problems=problems)

    def album_counts(self) -> dict[str, int]:
        counts = self.catalog.album_counts()
        return {album: counts.get(album, 0) for album in ALBUMS}

    @staticmethod
    def album_for_key(key: int) -> str | None:
        """Keys 1-6 relabel to the six scene albums, in display order; 0 to Other."""
        if key == 0:
            return OTHER
        return SCENE_ALBUMS[key - 1] if 1 <= key <= len(SCENE_ALBUMS) else None


def _trash_result(message: str, report: trash.TrashReport) -> ActionResult:
    """What a person is told of photos sent to the trash or brought back, and what changed."""
    return ActionResult(
        message,
        moved=report.done,
        problems=report.problems,
        changes=photos_moved(*report.albums),
    )
