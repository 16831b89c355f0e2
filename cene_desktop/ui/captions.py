"""The line under a thumbnail: the photo's name in an album; in the review pane what a person
decides from without opening each photo (its album and the model's guess, or where Cene would
now move it)."""

from __future__ import annotations

from pathlib import Path

from cene_desktop.core.albums import OTHER
from cene_desktop.core.catalog import PhotoRecord

NAMES, GUESSES, SUGGESTED = "names", "guesses", "suggested"


def caption(photo: PhotoRecord, captions: str) -> str:
    """The line under a thumbnail. In the review pane a person decides from it (and the
    thumbnail) without opening each photo: which album it is in and what the model made of
    it, or where Cene would now move it."""
    if captions == SUGGESTED and photo.suggested:
        return f"{photo.album} → {photo.suggested} {photo.suggested_confidence or 0:.0%}"
    if captions in (GUESSES, SUGGESTED):
        if photo.album == OTHER and photo.scene_probability is not None:
            return f"Other: {photo.scene_probability:.0%} a scene"
        sure = f" {photo.confidence:.0%}" if photo.confidence is not None else ""
        return f"{photo.album}: {photo.predicted}{sure}"
    return Path(photo.current_path).name
