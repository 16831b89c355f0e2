"""The album list and photo grid models, through Qt's own drag-and-drop entry points."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QModelIndex, Qt, QUrl

from cene_desktop.core.albums import ALBUMS
from cene_desktop.core.catalog import PhotoRecord
from cene_desktop.ui.album_model import (
    PHOTO_MIME,
    REVIEW,
    AlbumListModel,
    PhotoGridModel,
    decode_photo_ids,
)


def record(photo_id: int) -> PhotoRecord:
    return PhotoRecord(
        id=photo_id,
        content_hash=f"{photo_id:064x}",
        size=1,
        original_path=f"/in/{photo_id}.jpg",
        current_path=f"Sea/{photo_id}.jpg",
        album="Sea",
        mode="move",
        predicted="sea",
        confidence=0.5,
        runner_up="glacier",
        probabilities={},
        model_version="t",
        taken_at=None,
        sorted_at="",
        corrected=False,
        run_id=None,
    )


def test_album_list_shows_every_album_with_its_count(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = AlbumListModel()
    assert model.names == [*ALBUMS, REVIEW]
    with qtbot.waitSignal(model.dataChanged):
        model.set_counts({"Sea": 12, REVIEW: 3})
    assert model.data(model.index(model.row_of("Sea"))) == "Sea\t12"
    assert model.data(model.index(model.row_of("Forest"))) == "Forest\t0"


def test_dropping_photos_on_an_album_asks_to_move_them_there(qtbot) -> None:  # type: ignore[no-untyped-def]
    albums, grid = AlbumListModel(), PhotoGridModel()
    grid.set_photos([record(1), record(2), record(3)])
    data = grid.mimeData([grid.index(0), grid.index(2)])
    assert decode_photo_ids(data) == [1, 3]
    mountain = albums.index(albums.row_of("Mountain"))
    # The grid offers its photos as copies (to other programs); on an album that is a move.
    assert grid.supportedDragActions() == Qt.DropAction.CopyAction
    with qtbot.waitSignal(albums.photos_dropped) as dropped:
        assert albums.dropMimeData(data, Qt.DropAction.CopyAction, -1, -1, mountain)
    assert dropped.args == [[1, 3], "Mountain"]
    review = albums.index(albums.row_of(REVIEW))
    assert not albums.canDropMimeData(data, Qt.DropAction.CopyAction, -1, -1, review)
    assert not (albums.flags(review) & Qt.ItemFlag.ItemIsDropEnabled)


def test_dragged_photos_carry_their_files_for_other_programs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    grid = PhotoGridModel(tmp_path)
    grid.set_photos([record(1), record(2)])
    data = grid.mimeData([grid.index(1)])
    assert [url.toLocalFile() for url in data.urls()] == [str(grid.path_of(record(2)))]


def test_files_from_the_file_manager_are_offered_for_import(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    albums = AlbumListModel()
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(tmp_path / "a.jpg"))])
    with qtbot.waitSignal(albums.files_dropped) as dropped:
        albums.dropMimeData(data, Qt.DropAction.CopyAction, -1, -1, QModelIndex())
    assert dropped.args == [[str(tmp_path / "a.jpg")]]


def test_new_photos_are_appended_without_resetting_the_grid(qtbot) -> None:  # type: ignore[no-untyped-def]
    grid = PhotoGridModel()
    grid.set_photos([record(1), record(2)])
    with qtbot.assertNotEmitted(grid.modelReset), qtbot.waitSignal(grid.rowsInserted):
        grid.set_photos([record(1), record(2), record(3)])
    assert grid.rowCount() == 3
    with qtbot.waitSignal(grid.modelReset):
        grid.set_photos([record(4)])  # another album: nothing in common
    assert grid.rowCount() == 1


def test_garbage_mime_data_is_ignored() -> None:
    data = QMimeData()
    data.setData(PHOTO_MIME, b"not json")
    assert decode_photo_ids(data) == []


def test_a_large_album_reads_records_a_block_at_a_time_and_keeps_few_thumbnails(
    qtbot, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QImage

    asked: list[tuple[int, int, list[int]]] = []
    grid = PhotoGridModel(tmp_path)
    grid.records_wanted.connect(lambda *request: asked.append(request))

    def answer() -> None:  # what the catalog reader does, in its thread
        for generation, first_row, ids in asked:
            records = [record(i) for i in ids if i != 700]  # 700 left the catalog meanwhile
            grid.records_ready(generation, first_row, records)
        asked.clear()

    grid.set_rows(list(range(1, 20_001)))
    assert grid.rowCount() == 20_000 and asked == []  # nothing read until a row is drawn
    assert grid.data(grid.index(5_000)) is None  # blank until its record comes
    assert [(row, ids) for _, row, ids in asked] == [(4_864, list(range(4_865, 5_121)))]
    assert grid.data(grid.index(5_001)) is None and len(asked) == 1  # the block is asked once
    answer()
    assert grid.data(grid.index(5_000)) == "5001.jpg"
    assert grid.data(grid.index(5_100)) == "5101.jpg" and not asked
    grid.photo(699)
    answer()
    assert grid.photo(699).current_path == ""  # a photo gone since: a blank row, no error

    # Read again (a photo changed): the records shown stay until fresh ones come; an answer
    # to the older list is not taken for the new one.
    grid.photo(0)
    stale = list(asked)
    asked.clear()
    grid.set_rows(list(range(1, 20_001)))
    assert grid.data(grid.index(5_000)) == "5001.jpg" and len(asked) == 1
    for generation, first_row, ids in stale:
        grid.records_ready(generation, first_row, [record(i) for i in ids])
    assert grid.photo(0) is None  # the older generation's answer was not taken
    answer()
    assert grid.photo(0) is not None and grid.data(grid.index(1)) == "2.jpg"

    # Scrolling through: records far from the rows drawn are let go.
    for row in range(0, 20_000, grid.BLOCK):
        grid.photo(row)
        answer()
    assert len(grid._records) <= grid.MAX_RECORDS + grid.BLOCK

    wanted: list[str] = []
    grid.thumbnail_wanted.connect(lambda key, path: wanted.append(key))
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    for row in range(grid.MAX_THUMBNAILS + 50):
        grid.photo(row)
        answer()
        grid.data(grid.index(row), Qt.ItemDataRole.DecorationRole)
        grid.thumbnail_ready(grid.photo(row).content_hash, image)
    assert len(grid._thumbnails) == grid.MAX_THUMBNAILS  # the oldest were let go
    asked = len(wanted)
    grid.data(grid.index(0), Qt.ItemDataRole.DecorationRole)  # scrolled back to the top
    assert len(wanted) == asked + 1  # asked again (the loader's disk cache answers)
    grid.data(grid.index(grid.MAX_THUMBNAILS + 10), Qt.ItemDataRole.DecorationRole)
    assert len(wanted) == asked + 1  # still in memory: not asked again


def test_photos_moved_away_leave_without_resetting_the_grid(qtbot) -> None:  # type: ignore[no-untyped-def]
    grid = PhotoGridModel()
    grid.set_photos([record(i) for i in range(1, 8)])
    removed: list[tuple[int, int]] = []
    grid.rowsRemoved.connect(lambda parent, first, last: removed.append((first, last)))
    with qtbot.assertNotEmitted(grid.modelReset):
        grid.set_photos([record(i) for i in (1, 4, 7, 8)])  # 2, 3, 5, 6 dragged away; 8 new
    assert removed == [(4, 5), (1, 2)] and grid.ids == [1, 4, 7, 8]
    with qtbot.waitSignal(grid.modelReset):
        grid.set_photos([record(8), record(1)])  # another order: a new list
    assert grid.ids == [8, 1]


def test_photos_arriving_in_the_middle_of_an_album_are_inserted_not_reset(qtbot) -> None:  # type: ignore[no-untyped-def]
    """By date taken, a photo sorted while watching lands mid-album: the grid inserts it there,
    keeping the person's scroll position and selection, as it does for photos appended."""
    grid = PhotoGridModel()
    grid.set_photos([record(i) for i in (1, 3, 5)])
    inserted: list[tuple[int, int]] = []
    grid.rowsInserted.connect(lambda parent, first, last: inserted.append((first, last)))
    with qtbot.assertNotEmitted(grid.modelReset):
        grid.set_photos([record(i) for i in (0, 1, 2, 3, 4, 5, 6, 7)])
    assert inserted == [(0, 0), (2, 2), (4, 4), (6, 7)] and grid.ids == [0, 1, 2, 3, 4, 5, 6, 7]
    with qtbot.assertNotEmitted(grid.modelReset):
        grid.set_photos([record(i) for i in (1, 2, 9, 4, 6)])  # some left, one came
    assert grid.ids == [1, 2, 9, 4, 6]


def test_photo_names_sit_below_every_thumbnail_whatever_the_first_photo_looks_like(
    qtbot, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QColor, QImage
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    from cene_desktop.ui.panes.photo_grid import PhotoGrid

    grid = PhotoGridModel(tmp_path)
    grid.set_photos([record(1), record(2), record(3)])
    for row, (width, height) in enumerate(((160, 90), (160, 160), (90, 160))):  # wide first
        image = QImage(width, height, QImage.Format.Format_RGB32)
        image.fill(QColor("#d02020"))
        grid.data(grid.index(row), Qt.ItemDataRole.DecorationRole)
        grid.thumbnail_ready(grid.photo(row).content_hash, image)
    view = PhotoGrid()
    qtbot.addWidget(view)
    view.setModel(grid)
    view.resize(800, 400)
    view.show()
    qtbot.waitExposed(view)
    for row in range(3):
        index = grid.index(row)
        option = QStyleOptionViewItem()
        view.initViewItemOption(option)
        option.rect = view.visualRect(index)
        view.itemDelegate().initStyleOption(option, index)
        style = view.style()
        picture = style.subElementRect(QStyle.SubElement.SE_ItemViewItemDecoration, option, view)
        name = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, view)
        assert picture.height() >= grid.CELL and picture.bottom() < name.top(), (row, picture, name)
        assert option.rect.contains(name), (row, option.rect, name)  # the name is not cut off


def test_names_fit_under_the_pictures_when_the_first_photos_are_not_read_yet(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Every cell is sized like the first (uniform sizes): in a big album its record is still
    being read when the grid lays out, and the cells came out too short for a line of name
    (descenders and underscores cut off, as in a library of 100,000 photos)."""
    from cene_desktop.ui.panes.photo_grid import PhotoGrid

    def cell_height(records: list[PhotoRecord]) -> int:
        grid = PhotoGrid()
        qtbot.addWidget(grid)
        model = PhotoGridModel()
        grid.setModel(model)
        model.set_rows([1, 2, 3], records)  # without records: asked for, not there yet
        grid.resize(800, 600)
        grid.show()
        qtbot.waitExposed(grid)
        return int(grid.visualRect(model.index(0)).height())

    read = cell_height([record(1), record(2), record(3)])
    assert read >= PhotoGridModel.CELL + PhotoGrid().fontMetrics().height()
    assert cell_height([]) == read
