"""What the window shows of a library, without Qt: the albums' counts, and which photos a page
lists (an album, or the review pane with its filter) with its heading in words, and the records
of its first rows. Read from the catalog in one go, in the window's reading thread (the GUI
thread never runs a query); ``Changes`` say whether a page shown must be read again."""

from __future__ import annotations

from dataclasses import dataclass, field

from cene_desktop.core import gate
from cene_desktop.core.catalog import Catalog, PhotoRecord
from cene_desktop.core.catalog.photos import BY_ADDED
from cene_desktop.core.events import Changes
from cene_desktop.core.library import CONFUSABLE_PAIRS
from cene_desktop.core.words import count_of

#: The review pane (not an album: photos of every album that are worth a look).
REVIEW = "Review"
#: Review filters beside the confusable pairs ("mountain or glacier?").
SUGGESTIONS = "suggestions"
NOT_A_SCENE = "not a scene"


#: Records read with a page: its first rows show at once, the rest are read as they are drawn.
FIRST_RECORDS = 256


@dataclass(frozen=True)
class PageQuery:
    """Which page the window shows: ``album`` (or REVIEW with ``review_filter``: a confusable
    pair, SUGGESTIONS, NOT_A_SCENE or None for all). ``other_centre``: the gate's threshold the
    "Not a scene?" filter lists photos around (None: no gate). ``order``: how an album's photos
    are listed (``catalog.photos.PHOTO_ORDERS``); the review pane keeps its own, least sure
    first."""

    album: str
    review_filter: str | None
    review_below: float
    other_centre: float | None
    order: str = BY_ADDED


@dataclass(frozen=True)
class Page:
    counts: dict[str, int]  # photos in each album, and in Review ({}: not read, unchanged)
    ids: list[int]  # the photos listed, in order
    heading: str  # short enough for one line beside the grid's controls
    records: list[PhotoRecord] = field(default_factory=list)  # of the first rows
    detail: str = ""  # the review pane's: what it lists and why, on the line under its filters


# The review pane's reasons for its Suggestions (with photos, without).
SUGGESTED = "Cene would move these."
NOTHING_SUGGESTED = "Nothing to move."


def page_touched(changes: Changes, query: PageQuery) -> bool:
    """Whether the photos a page lists (or their labels) may differ after ``changes``; the
    album counts are read again after any change."""
    if changes.everything:
        return True
    if query.album != REVIEW:
        return query.album in changes.albums
    if query.review_filter == SUGGESTIONS:
        return changes.suggestions or bool(changes.albums)
    return changes.review or bool(changes.albums)


def read_counts(catalog: Catalog, review_below: float) -> dict[str, int]:
    counts = catalog.album_counts()
    counts[REVIEW] = catalog.review_count(review_below)
    return counts


def read_page(catalog: Catalog, query: PageQuery, counts: bool = True) -> Page:
    """The page ``query`` asks for, with the records of its first FIRST_RECORDS photos, and
    the albums' counts (``counts`` False: an album shown is switched, nothing changed; the
    review pane's heading needs them all the same)."""
    page = _read_ids(catalog, query, counts or query.album == REVIEW)
    records = catalog.photos_by_ids(page.ids[:FIRST_RECORDS])
    return Page(page.counts, page.ids, page.heading, records, page.detail)


def _read_ids(catalog: Catalog, query: PageQuery, with_counts: bool) -> Page:
    album, review_filter = query.album, query.review_filter
    review_below, other_centre = query.review_below, query.other_centre
    counts = read_counts(catalog, review_below) if with_counts else {}
    if album != REVIEW:
        ids = catalog.photo_ids(album, query.order)
        return Page(counts, ids, f"{album}: {count_of(len(ids))}")
    if review_filter == SUGGESTIONS:
        ids = catalog.suggestion_ids()
        detail = SUGGESTED if ids else NOTHING_SUGGESTED
        return Page(counts, ids, f"Review: {count_of(len(ids))} to move?", detail=detail)
    if review_filter == NOT_A_SCENE:
        ids = []
        if other_centre is not None:
            low, high = gate.boundary_band(other_centre)
            ids = catalog.boundary_ids(low, high, other_centre)
        heading = f"Review: {count_of(len(ids))}, scene or Other?"
        detail = (
            "Nearest the line between a scene and Other first."
            if ids
            else "No photo is near the line between a scene album and Other."
        )
        return Page(counts, ids, heading, detail=detail)
    pair = review_filter or ""  # a confusable pair here, never the suggestions
    ids = catalog.review_ids(CONFUSABLE_PAIRS.get(pair), below=review_below)
    unreviewed = None if counts[REVIEW] else catalog.review_count()
    heading, detail = review_heading(len(ids), counts[REVIEW], review_below, pair, unreviewed)
    return Page(counts, ids, heading, detail=detail)


def review_heading(
    shown: int, total: int, below: float, pair: str = "", unreviewed: int | None = None
) -> tuple[str, str]:
    """What the review pane shows, in words, as a heading short enough for one line and the
    sentence under the filters that says why: ``shown`` photos listed (of the ``pair`` filter,
    e.g. "Mountain or glacier?", when one is on) out of ``total`` waiting for a look;
    ``unreviewed``: photos nobody has looked at, sure or not (asked only when ``total`` is 0)."""
    which = "Not looked at yet" if below >= 1.0 else f"Under {below:.0%} sure"
    if not total:
        if below >= 1.0 or not unreviewed:
            return "Review: you have looked at every photo.", ""
        return (
            "Review: nothing to check.",
            f"Cene was at least {below:.0%} sure of every photo you have not looked at; drag "
            "any photo onto another album to correct it.",
        )
    if pair:
        could_be = pair.rstrip("?").lower()
        return (
            f"Review: {shown:,} {could_be}?",
            f"Could be either; of {total:,} {which.lower()}.",
        )
    more = f" (the first {shown:,} shown)" if shown < total else ""
    return f"Review: {count_of(total)}{more}", f"{which}; least sure first."
