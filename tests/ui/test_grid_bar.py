"""Above the grid: the thumbnail-size slider (cells resized live, thumbnails made at a size
that fills them, kept over a restart) and the sort order of an album (date taken, name, as
added; the review pane keeps least sure first). And the drag picture: the grabbed photo with a
count badge, off the cursor so the album rows under it stay in sight."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from cene_desktop.config import Settings, load_settings
from cene_desktop.core.catalog import Catalog
from cene_desktop.core.catalog.photos import BY_ADDED, BY_NAME, BY_TAKEN
from cene_desktop.core.pages import REVIEW
from cene_desktop.core.pipeline import Sorter, SortOptions
from cene_desktop.ui.album_model import decode_photo_ids
from cene_desktop.ui.panes.photo_grid import BADGE, BADGE_COLOUR, DRAG_GAP, DRAG_SIDE, drag_image

from ..conftest import sample_files
from .conftest import started_window
from .test_main_window import show


def opaque_box(image: QImage) -> QRect:
    xs, ys = [], []
    for y in range(image.height()):
        for x in range(image.width()):
            if image.pixelColor(x, y).alpha() > 0:
                xs.append(x)
                ys.append(y)
    return QRect(min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1)


def badge_pixels(image: QImage) -> list[tuple[int, int]]:
    return [
        (x, y)
        for y in range(image.height())
        for x in range(image.width())
        if _near(image.pixelColor(x, y), BADGE_COLOUR)
    ]


def mean_difference(one: QImage, other: QImage) -> float:
    """Over the left half of two pictures of the same size: how far their colours differ."""
    points = [
        (x * one.width() // 20, y * one.height() // 20) for x in range(1, 10) for y in range(1, 20)
    ]
    total = 0
    for x, y in points:
        a, b = one.pixelColor(x, y), other.pixelColor(x, y)
        total += sum(abs(p - q) for p, q in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))
    return total / (3 * len(points))


def _near(colour: QColor, wanted: QColor) -> bool:
    return colour.alpha() == 255 and all(
        abs(a - b) < 12 for a, b in zip(colour.getRgb()[:3], wanted.getRgb()[:3], strict=True)
    )


def test_the_drag_picture_of_seven_photos_has_a_badge_and_leaves_the_cursor_free(  # type: ignore[no-untyped-def]
    window, qtbot
) -> None:
    show(window, qtbot, REVIEW)  # every photo: more than any album holds
    grid, model = window.grid, window.grid_model
    qtbot.waitUntil(lambda: len(model.ids) >= 8, timeout=10_000)
    selection = grid.selectionModel()
    selection.setCurrentIndex(model.index(2), selection.SelectionFlag.NoUpdate)  # grabbed
    for row in range(7):
        selection.select(model.index(row), selection.SelectionFlag.Select)
    qtbot.waitUntil(
        lambda: model.photo(2) is not None and model.photo(2).content_hash in model._thumbnails,
        timeout=10_000,
    )
    drag = grid.make_drag()
    assert drag is not None
    assert decode_photo_ids(drag.mimeData()) == model.ids[:7]
    assert len(drag.mimeData().urls()) == 7  # other programs get the files
    image = drag.pixmap().toImage().convertToFormat(QImage.Format.Format_ARGB32)
    hot = drag.hotSpot()
    box = opaque_box(image)
    # The cursor is outside the picture, above and left of it: what is under it stays seen.
    assert image.pixelColor(hot).alpha() == 0
    assert hot.x() < box.left() - 8 and hot.y() < box.top() - 8
    assert max(box.width(), box.height()) <= 140  # about 96 px, not a cell of the grid
    red = badge_pixels(image)
    assert len(red) > 200  # a round badge of about 24 px...
    xs, ys = [x for x, _ in red], [y for _, y in red]
    badge = QRect(min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1)
    assert badge.right() > box.center().x() and badge.top() <= box.top() + 2  # top right
    white = [
        (x, y)
        for x in range(badge.left(), badge.right())
        for y in range(badge.top(), badge.bottom())
        if image.pixelColor(x, y).lightness() > 200
    ]
    assert white  # ...with the count written in it
    # The grabbed photo's own thumbnail is the picture (its left half: the badge is right).
    thumbnail = model._thumbnails[model.photo(2).content_hash].toImage()
    picture = QRect(DRAG_GAP, DRAG_GAP + BADGE // 2, DRAG_SIDE, DRAG_SIDE)
    drawn = image.copy(picture).scaled(thumbnail.size())
    assert mean_difference(drawn, thumbnail) < 12
    other = model._thumbnails.get(model.photo(0).content_hash)
    if other is not None:
        assert mean_difference(drawn, other.toImage()) > mean_difference(drawn, thumbnail) + 5

    grid.clearSelection()
    grid.selectionModel().select(model.index(0), grid.selectionModel().SelectionFlag.Select)
    one = grid.make_drag()
    assert one is not None and decode_photo_ids(one.mimeData()) == model.ids[:1]
    single = one.pixmap().toImage().convertToFormat(QImage.Format.Format_ARGB32)
    assert badge_pixels(single) == []  # one photo: no count
    assert single.pixelColor(one.hotSpot()).alpha() == 0


def test_a_large_count_fits_its_badge() -> None:
    thumbnail = QImage(150, 100, QImage.Format.Format_RGB32)
    thumbnail.fill(QColor("#2e7d32"))
    from PySide6.QtGui import QPixmap

    pixmap, _ = drag_image(QPixmap.fromImage(thumbnail), 1234)
    image = pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32)
    red = badge_pixels(image)
    assert red and max(x for x, _ in red) < image.width() - 1  # not cut at the edge


def test_the_slider_resizes_the_cells_and_thumbnails_are_made_to_fill_them(  # type: ignore[no-untyped-def]
    window, qtbot, tmp_path: Path
) -> None:
    grid, model, bar = window.grid, window.grid_model, window.grid_bar
    qtbot.waitUntil(lambda: len(model.ids) >= 1, timeout=10_000)
    assert bar.thumbnail_size == 160 and grid.gridSize().width() == 178
    ratio = window.devicePixelRatioF()
    small = grid.visualRect(model.index(0)).width()

    bar.size_slider.setValue(256 // 16)
    assert grid.iconSize().width() == 256
    assert grid.gridSize().width() == 274
    QApplication.processEvents()
    assert grid.visualRect(model.index(0)).width() > small + 60
    loader = window.browsing.thumbnails
    assert loader.size == round(256 * ratio)
    large = tmp_path / "Albums" / ".cene" / "thumbnails" / str(round(256 * ratio))
    qtbot.waitUntil(lambda: large.is_dir() and any(large.rglob("*.jpg")), timeout=10_000)
    qtbot.waitUntil(lambda: model.photo(0).content_hash in model._thumbnails, timeout=10_000)

    bar.size_slider.setValue(96 // 16)
    assert grid.gridSize().width() == 114 and grid.iconSize().width() == 96
    assert window.browsing.thumbnails.size == round(160 * ratio)  # drawn from 160, scaled down
    bar.size_slider.setValue(208 // 16)
    assert window.browsing.thumbnails is loader  # one loader (and cache) a size
    window.close()

    settings = load_settings(tmp_path / "settings.json")
    assert settings.thumbnail_size == 208

    again = started_window(qtbot, settings, tmp_path / "settings.json")
    assert again.grid_bar.thumbnail_size == 208 and again.grid.gridSize().width() == 226
    assert again.browsing.thumbnails.size == round(256 * ratio)
    again.close()


def dated_library(tmp_path: Path, classifier) -> tuple[Settings, dict[str, str | None]]:  # type: ignore[no-untyped-def]
    """Photos named against the order they were taken (p00 the latest), every third with no
    date, sorted by the real model."""
    photos, library = tmp_path / "photos", tmp_path / "Albums"
    photos.mkdir()
    dates: dict[str, str | None] = {}
    for index, (_, path) in enumerate(sample_files(3)):
        name = f"p{index:02d}.jpg"
        with Image.open(path) as image:
            exif = image.getexif()
            if index % 3 == 2:
                dates[name] = None
            else:
                dates[name] = f"2021-03-{28 - index:02d}T10:00:00"
                exif.get_ifd(0x8769)[0x9003] = f"2021:03:{28 - index:02d} 10:00:00"
            image.save(photos / name, exif=exif)
    with Sorter(library, photos, classifier, SortOptions(threshold=0.0)) as sorter:
        sorter.sort_folder()
    settings = Settings(
        photos_dir=str(photos), library_dir=str(library), watching=False, review_below=1.0
    )
    return settings, dates


def test_an_album_sorts_by_date_taken_or_name_and_review_keeps_least_sure_first(  # type: ignore[no-untyped-def]
    qtbot, tmp_path: Path, classifier
) -> None:
    settings, dates = dated_library(tmp_path, classifier)
    with Catalog.open(Path(settings.library_dir)) as catalog:
        counts = catalog.album_counts()
        album = max(counts, key=lambda name: counts[name])
        taken = {Path(p.current_path).name: p.taken_at for p in catalog.photos()}
        review = catalog.review_ids(None, below=1.0)
    assert taken == dates  # the dates written are the ones the catalog has
    settings.album = album
    window = started_window(qtbot, settings, tmp_path / "settings.json")
    model, box = window.grid_model, window.grid_bar.order_box

    def shown() -> list[str]:
        return [Path(model.photo(row).current_path).name for row in range(len(model.ids))]

    assert counts[album] >= 3
    in_album = shown()
    by_date = sorted(in_album, key=lambda n: (dates[n] is None, dates[n] or "", n.lower()))
    assert by_date != sorted(in_album)  # the two orders differ on these photos
    with qtbot.waitSignal(window.page_shown, timeout=10_000):
        box.setCurrentIndex(box.findData(BY_TAKEN))
    assert shown() == by_date
    with qtbot.waitSignal(window.page_shown, timeout=10_000):
        box.setCurrentIndex(box.findData(BY_NAME))
    assert shown() == sorted(in_album)

    show(window, qtbot, REVIEW)
    assert model.ids == review and not box.isEnabled()
    window.close()
    assert load_settings(tmp_path / "settings.json").photo_order == BY_NAME

    again = started_window(
        qtbot, load_settings(tmp_path / "settings.json"), tmp_path / "settings.json"
    )
    assert again.grid_bar.order == BY_NAME and again.current_album == REVIEW
    assert again.grid_model.ids == review  # still least sure first
    show(again, qtbot, album)
    assert again.grid_bar.order_box.isEnabled()
    assert [Path(again.grid_model.photo(r).current_path).name for r in range(len(in_album))] == (
        sorted(in_album)
    )
    with qtbot.waitSignal(again.page_shown, timeout=10_000):
        again.grid_bar.order_box.setCurrentIndex(again.grid_bar.order_box.findData(BY_ADDED))
    with Catalog.open_copy(Path(settings.library_dir)) as catalog:
        assert again.grid_model.ids == catalog.photo_ids(album)
    again.close()


def test_a_damaged_size_or_order_in_the_settings_file_goes_back_to_the_default(
    tmp_path: Path,
) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"version": 1, "thumbnail_size": 4000, "photo_order": "random"}')
    settings = load_settings(path)
    assert (settings.thumbnail_size, settings.photo_order) == (160, BY_ADDED)
    path.write_text('{"version": 1, "thumbnail_size": 112, "photo_order": "taken"}')
    settings = load_settings(path)
    assert (settings.thumbnail_size, settings.photo_order) == (112, BY_TAKEN)
