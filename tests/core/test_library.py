"""A person's actions through ``core.library``: what each changes (the window reads again only
that), and suggestions accepted as one action that one undo reverses."""

from __future__ import annotations

import shutil
from pathlib import Path

from cene_desktop.core.events import Changes
from cene_desktop.core.library import Library, put_back_choices
from cene_desktop.core.pipeline import Sorter, SortOptions

from ..conftest import sample_files


def sorted_library(tmp_path: Path, classifier) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    photos, library = tmp_path / "photos", tmp_path / "Albums"
    photos.mkdir()
    for name, path in sample_files(2):
        shutil.copyfile(path, photos / f"{name}-{path.name}")
    with Sorter(library, photos, classifier, SortOptions(threshold=0.0)) as sorter:
        assert sorter.sort_folder().count("placed") == 12
    return photos, library


def test_each_action_says_which_albums_review_and_suggestions_it_changed(
    tmp_path: Path, classifier
) -> None:  # type: ignore[no-untyped-def]
    photos, library = sorted_library(tmp_path, classifier)
    edit = Library(library, photos_dir=photos)
    try:
        photo = next(p for p in edit.catalog.photos() if p.album == "Forest")
        moved = edit.relabel([photo.id], "Glacier")
        assert moved.message == "Moved 1 photo to Glacier."
        assert moved.changes == Changes(frozenset({"Forest", "Glacier"}), True, True)
        confirmed = edit.confirm([photo.id])
        assert not confirmed.changes.albums and confirmed.changes.review
        undone = edit.undo_last_correction()  # the confirmation: nothing moves
        assert not undone.changes.albums and undone.changes.review
        undone = edit.undo_last_correction()  # the move: back to Forest
        assert undone.changes.albums == {"Forest", "Glacier"}
        dropped = tmp_path / "dropped.jpg"
        shutil.copyfile(sample_files(3)[2][1], dropped)
        imported = edit.import_files([dropped], photos)
        assert not imported.changes  # copied to the photo folder: sorting places it later
        (offer,) = put_back_choices(edit.catalog)
        assert (offer.photos, offer.companions, offer.looked_at) == (12, 0, 0)
        put_back = edit.put_back_last_run(offer.run.id)
        assert put_back.changes.everything and len(put_back.moved) == 12
        assert put_back_choices(edit.catalog) == []
    finally:
        edit.close()


def test_suggestions_accepted_together_are_undone_together(tmp_path: Path, classifier) -> None:  # type: ignore[no-untyped-def]
    photos, library = sorted_library(tmp_path, classifier)
    edit = Library(library, photos_dir=photos)
    try:
        sea, street, forest = (
            next(p for p in edit.catalog.photos() if p.album == album)
            for album in ("Sea", "Street", "Forest")
        )
        edit.catalog.set_suggestions(
            [(sea.id, "Glacier", 0.9), (street.id, "Buildings", 0.8)], "v1"
        )
        result = edit.accept_suggestions([sea.id, street.id, forest.id])  # forest: none
        assert result.message == "Moved 2 photos to the albums Cene suggested."
        assert result.changes.albums == {"Sea", "Glacier", "Street", "Buildings"}
        assert (library / "Glacier" / Path(sea.current_path).name).is_file()
        assert (library / "Buildings" / Path(street.current_path).name).is_file()
        moved = {p.id: p for p in edit.catalog.photos()}
        assert (moved[sea.id].album, moved[street.id].album) == ("Glacier", "Buildings")
        assert moved[forest.id].album == "Forest"

        edit.undo_last_correction()  # one action: both go back
        back = {p.id: p.album for p in edit.catalog.photos()}
        assert (back[sea.id], back[street.id]) == ("Sea", "Street")
        assert (library / sea.current_path).is_file() and (library / street.current_path).is_file()
    finally:
        edit.close()


def test_put_back_since_an_earlier_run_keeps_the_photos_a_person_looked_at(
    tmp_path: Path, classifier
) -> None:  # type: ignore[no-untyped-def]
    """Watching resumed is a run of its own: a first sort in three sittings is put back at
    once, and the photos the person already corrected or confirmed stay with their corrections."""
    photos, library = sorted_library(tmp_path, classifier)  # run 1: 12 photos
    later = [path for _, path in sample_files(4) if path not in {p for _, p in sample_files(2)}]
    for index, sitting in enumerate((later[:6], later[6:])):  # runs 2 and 3
        for path in sitting:
            shutil.copyfile(path, photos / f"sitting{index}-{path.name}")
        with Sorter(library, photos, classifier, SortOptions(threshold=0.0)) as sorter:
            assert sorter.sort_folder().count("placed") == 6
    edit = Library(library, photos_dir=photos)
    try:
        runs = put_back_choices(edit.catalog)
        assert [run.photos for run in runs] == [6, 6, 12]  # newest first
        first_sitting = [p for p in edit.catalog.photos() if p.run_id == runs[1].run.id]
        moved = edit.relabel([first_sitting[0].id], "Other")  # the person fixed one
        edit.confirm([first_sitting[1].id])  # and said another was right
        assert moved.moved
        runs = put_back_choices(edit.catalog)
        assert [run.looked_at for run in runs] == [0, 2, 0]

        # Since the second run, keeping what was looked at: 10 go back, 2 stay, run 1 stays.
        stale = edit.put_back(runs[1].run.id, runs[1].run.id, keep_looked_at=True)
        assert "sorted more photos meanwhile" in stale.message and not stale.moved
        result = edit.put_back(runs[1].run.id, runs[0].run.id, keep_looked_at=True)
        assert len(result.moved) == 10 and not result.problems
        assert "The 2 photos you looked at stay in their albums." in result.message
        left = {p.id: p for p in edit.catalog.photos()}
        assert len(left) == 14 and first_sitting[0].id in left and first_sitting[1].id in left
        assert left[first_sitting[0].id].album == "Other" and left[first_sitting[0].id].corrected
        assert len(list(photos.iterdir())) == 10
        assert [run.photos for run in put_back_choices(edit.catalog)] == [12]
    finally:
        edit.close()
