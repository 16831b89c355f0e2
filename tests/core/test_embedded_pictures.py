"""Camera JPEGs are classified from the small picture in their EXIF, and only when it shows the
whole photo: same album as the photo itself, letterbox bars cut, turned upright."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks.camera_photos import (
    MPF_PREVIEW_FULL_HD,
    MPF_PREVIEW_VGA,
    camera_exif,
    letterboxed,
    with_mpf_preview,
    with_mpf_previews,
)
from cene_desktop.core import scanner
from cene_desktop.core.pipeline import Sorter, SortOptions

from ..conftest import sample_files

SIZE = 224


def camera_file(
    photo: Image.Image,
    embedded: Image.Image | None,
    orientation: int = 1,
    bars: bool = True,
) -> bytes:
    """``photo`` as a camera saves it, with ``embedded`` fitted into 160 x 120 in its EXIF:
    with bars where its shape differs, or (``bars`` False) keeping its own shape."""
    thumbnail = None
    if embedded is not None:
        small = io.BytesIO()
        picture = letterboxed(embedded, (160, 120)) if bars else embedded.copy()
        picture.thumbnail((160, 120))
        picture.save(small, "JPEG", quality=85)
        thumbnail = small.getvalue()
    stream = io.BytesIO()
    photo.save(
        stream, "JPEG", quality=80, exif=camera_exif(orientation=orientation, thumbnail=thumbnail)
    )
    return stream.getvalue()


def scene(size: tuple[int, int], colour: tuple[int, int, int]) -> Image.Image:
    """A picture of ``colour`` in the middle, lighter towards one corner and darker towards the
    other (no edge of it is flat, as in a photo)."""
    x = np.linspace(-1, 1, size[0])[None, :, None]
    y = np.linspace(-1, 1, size[1])[:, None, None]
    values = np.asarray(colour, dtype=float)[None, None, :] + 15 * (x + y)
    return Image.fromarray(np.clip(values, 0, 255).astype(np.uint8))


def test_the_embedded_picture_is_what_the_model_sees_of_a_large_camera_jpeg() -> None:
    photo = scene((2000, 1500), (20, 40, 220))  # 3 MP: blue
    data = camera_file(photo, scene((2000, 1500), (220, 40, 20)))  # embedded: red
    pixels, width, height, taken = scanner.decode_for_model(data, SIZE)
    assert (width, height) == (2000, 1500)  # the photo's own size is reported
    assert taken == "2026-07-01T10:00:00"
    assert np.abs(pixels[SIZE // 2, SIZE // 2].astype(int) - (220, 40, 20)).max() <= 6
    whole = scanner.decode_for_model(data, SIZE, embedded=False)[0]
    assert np.abs(whole[SIZE // 2, SIZE // 2].astype(int) - (20, 40, 220)).max() <= 6


def test_letterbox_bars_of_a_wide_photo_are_cut_and_the_picture_turned_upright() -> None:
    # 3:2 photo, 160 x 107 inside a 160 x 120 picture: black bars above and below. Taken in
    # portrait (orientation 6: turn 90 degrees clockwise), so its left half is the top when
    # shown: green there, white below.
    sideways = scene((2400, 1600), (225, 225, 225))
    sideways.paste(scene((1200, 1600), (30, 200, 30)), (0, 0))
    data = camera_file(sideways, sideways, orientation=6)
    pixels = scanner.decode_for_model(data, SIZE)[0].astype(int)
    whole = scanner.decode_for_model(data, SIZE, embedded=False)[0].astype(int)
    # the centre square of the upright 1600 x 2400 photo: green above, white below, no black
    assert pixels.mean(axis=(1, 2)).min() > 40, "a letterbox bar (black rows) reached the model"
    assert pixels.mean(axis=(0, 2)).min() > 40, "a letterbox bar (black columns) reached it"
    assert np.abs(pixels[20, SIZE // 2] - (30, 200, 30)).max() <= 12
    assert np.abs(pixels[-20, SIZE // 2] - (225, 225, 225)).max() <= 12
    assert np.abs(pixels - whole).mean() < 8


@pytest.mark.parametrize(
    ("embedded", "bars", "why"),
    [
        ((1000, 1000), False, "a square picture of a 4:3 photo"),
        ((1500, 2000), True, "a portrait picture with bars, 4:3"),
        ((3000, 1500), True, "a 2:1 picture with bars, 4:3"),
        (None, True, "no embedded picture"),
    ],
)
def test_an_embedded_picture_of_another_shape_is_not_used(
    embedded: tuple[int, int] | None, bars: bool, why: str
) -> None:
    """A picture that does not show the photo as it is (edited or cropped later) is ignored."""
    photo = scene((2000, 1500), (20, 40, 220))
    picture = None if embedded is None else scene(embedded, (220, 40, 20))
    pixels = scanner.decode_for_model(camera_file(photo, picture, bars=bars), SIZE)[0]
    assert np.abs(pixels[SIZE // 2, SIZE // 2].astype(int) - (20, 40, 220)).max() <= 6, why


@pytest.mark.parametrize("damage", ["cut off", "not a JPEG"])
def test_a_damaged_embedded_picture_falls_back_to_the_photo(damage: str) -> None:
    photo = scene((2000, 1500), (20, 40, 220))
    small = io.BytesIO()
    scene((160, 120), (220, 40, 20)).save(small, "JPEG", quality=85)
    embedded = small.getvalue()
    embedded = embedded[: len(embedded) // 2] if damage == "cut off" else b"\xff\xd8" + bytes(900)
    stream = io.BytesIO()
    photo.save(stream, "JPEG", quality=80, exif=camera_exif(thumbnail=embedded))
    pixels = scanner.decode_for_model(stream.getvalue(), SIZE)[0]
    assert np.abs(pixels[SIZE // 2, SIZE // 2].astype(int) - (20, 40, 220)).max() <= 6


def test_a_small_photo_is_decoded_itself() -> None:
    small = scene((1200, 900), (20, 40, 220))  # 1 MP: decoding it is cheap anyway
    data = camera_file(small, scene((1200, 900), (220, 40, 20)))
    pixels = scanner.decode_for_model(data, SIZE)[0]
    assert np.abs(pixels[SIZE // 2, SIZE // 2].astype(int) - (20, 40, 220)).max() <= 6


def unsure_file(classifier, make: Callable[[Image.Image], bytes]) -> bytes:  # type: ignore[no-untyped-def]
    """The first file ``make`` builds from a blend of two sample scenes (forest left out) whose
    embedded picture leaves the model unsure: two scenes it cannot tell apart."""
    for (first, one), (second, other) in itertools.combinations(sample_files(2), 2):
        if "forest" in (first, second) or first == second:
            continue
        with Image.open(one) as a, Image.open(other) as b:
            both = Image.blend(a.convert("RGB"), b.convert("RGB").resize(a.size), 0.5)
        data = make(both)
        seen = scanner.decode_for_model(data, SIZE)[0]
        if classifier.verdicts(classifier.predict(seen[None]))[0].confidence < 0.8:
            return data
    pytest.fail("no pair of sample scenes leaves the model unsure")


def test_camera_photos_sorted_from_their_embedded_pictures_land_where_the_photos_would(
    tmp_path: Path, classifier
) -> None:  # type: ignore[no-untyped-def]
    """Through the real pipeline: the model says of each photo what it says of the whole."""
    photos = tmp_path / "camera"
    photos.mkdir()
    whole: dict[str, str] = {}
    for index, (_, path) in enumerate(sample_files(3)):
        with Image.open(path) as opened:
            big = opened.convert("RGB").resize((2400, 1800), Image.Resampling.BICUBIC)
        data = camera_file(big, big)
        name = f"DSC_{index:04d}.JPG"
        (photos / name).write_bytes(data)
        pixels = scanner.decode_for_model(data, SIZE, embedded=False)[0]
        whole[name] = classifier.verdicts(classifier.predict(pixels[None]))[0].predicted
    with Sorter(tmp_path / "library", photos, classifier, SortOptions(mode="copy")) as sorter:
        summary = sorter.sort_folder()
    said = {o.source.name: o.predicted for o in summary.outcomes if o.status == "placed"}
    assert len(said) == len(whole) == 18
    assert sum(said[name] == scene for name, scene in whole.items()) >= 17, (said, whole)


def test_a_photo_whose_embedded_picture_leaves_the_model_unsure_is_judged_from_the_photo(
    tmp_path: Path, classifier
) -> None:  # type: ignore[no-untyped-def]
    """The embedded picture shows two scenes at once (the model is unsure); the photo itself is
    a forest it is sure of: it goes to Forest, as it would without the embedded picture."""
    photos = tmp_path / "camera"
    photos.mkdir()
    samples = sample_files(2)
    with Image.open(dict(samples)["forest"]) as opened:
        forest = opened.convert("RGB").resize((2400, 1800), Image.Resampling.BICUBIC)
    whole = scanner.decode_for_model(camera_file(forest, None), SIZE, embedded=False)[0]
    exact = classifier.exact()  # what second looks run: the fp32 model where int8 ships
    sure = exact.verdicts(exact.predict(whole[None]))[0]
    assert (sure.predicted, sure.confidence > 0.97) == ("forest", True)
    data = unsure_file(classifier, lambda both: camera_file(forest, both.resize((2400, 1800))))
    (photos / "DSC_0001.JPG").write_bytes(data)
    with Sorter(tmp_path / "library", photos, classifier, SortOptions(mode="copy")) as sorter:
        (outcome,) = sorter.sort_folder().outcomes
    assert (outcome.album, outcome.predicted) == ("Forest", "forest"), outcome
    assert outcome.confidence == pytest.approx(sure.confidence, abs=1e-4)


def with_preview(
    photo: Image.Image,
    preview: Image.Image,
    mp_type: int = MPF_PREVIEW_FULL_HD,
    damage: str = "",
) -> bytes:
    """``photo`` as cameras with a large preview save it: a green 160 x 120 picture in its EXIF
    and ``preview`` after the photo, named in its MPF index."""
    large = io.BytesIO()
    preview.save(large, "JPEG", quality=80)
    stored = large.getvalue()
    if damage == "cut off":
        stored = stored[: len(stored) // 2]
    return with_mpf_preview(camera_file(photo, scene(photo.size, (30, 200, 30))), stored, mp_type)


def test_a_large_preview_after_the_photo_is_what_the_model_sees() -> None:
    """Many cameras store a preview of 640 to 1920 pixels after the photo (MPF): it is used
    before the 160 x 120 picture in the EXIF, and it stands for the photo."""
    photo = scene((2400, 1800), (20, 40, 220))  # blue; the EXIF picture is green
    for dims, kind in (((1920, 1440), MPF_PREVIEW_FULL_HD), ((640, 480), MPF_PREVIEW_VGA)):
        data = with_preview(photo, scene(dims, (220, 40, 20)), kind)  # the preview: red
        pixels, width, height, taken, small = scanner._decode_picture(data, SIZE, True)
        assert (width, height, taken) == (2400, 1800, "2026-07-01T10:00:00")
        assert np.abs(pixels[SIZE // 2, SIZE // 2].astype(int) - (220, 40, 20)).max() <= 6, dims
        assert not small, "a preview this large needs no second look from the photo"


@pytest.mark.parametrize(
    ("preview", "kind", "damage", "why"),
    [  # the pictures are made in the test: collecting the tests must not hold them
        ((1440, 1440), MPF_PREVIEW_FULL_HD, "", "a square preview"),
        ((3200, 2400), MPF_PREVIEW_FULL_HD, "", "larger than the photo"),
        ((1920, 1440), MPF_PREVIEW_FULL_HD, "cut off", "cut off"),
        ((1920, 1440), 0x020002, "", "a stereo pair's other view"),
        ((1920, 1440), 0x000000, "", "an image of no stated kind"),
        ((2400, 1800), MPF_PREVIEW_FULL_HD, "", "the photo's own size"),
    ],
)
def test_a_preview_that_is_not_one_is_not_used(
    preview: tuple[int, int], kind: int, damage: str, why: str
) -> None:
    """Another shape, larger than the photo, damaged, or not a preview at all: the small picture
    in the EXIF (green) is used as before, and the photo is looked at again when unsure."""
    photo = scene((2400, 1800), (20, 40, 220))
    data = with_preview(photo, scene(preview, (220, 40, 20)), kind, damage)
    pixels, *_, small = scanner._decode_picture(data, SIZE, True)
    assert np.abs(pixels[SIZE // 2, SIZE // 2].astype(int) - (30, 200, 30)).max() <= 12, why
    assert small


def test_a_small_preview_is_used_but_does_not_stand_for_the_photo() -> None:
    photo = scene((2400, 1800), (20, 40, 220))
    data = with_preview(photo, scene((320, 240), (220, 40, 20)), MPF_PREVIEW_VGA)
    pixels, *_, small = scanner._decode_picture(data, SIZE, True)
    assert np.abs(pixels[SIZE // 2, SIZE // 2].astype(int) - (220, 40, 20)).max() <= 6
    assert small, "below PREVIEW_FOR_PHOTO_SIDE an unclear verdict looks at the photo"


def test_a_turned_photo_and_its_preview_are_turned_upright_together() -> None:
    sideways = scene((2400, 1800), (225, 225, 225))
    sideways.paste(scene((1200, 1800), (30, 200, 30)), (0, 0))  # left half green: the top
    large = io.BytesIO()
    sideways.resize((1920, 1440)).save(large, "JPEG", quality=85)
    data = with_mpf_preview(camera_file(sideways, None, orientation=6), large.getvalue())
    pixels = scanner.decode_for_model(data, SIZE)[0].astype(int)
    whole = scanner.decode_for_model(data, SIZE, embedded=False)[0].astype(int)
    assert np.abs(pixels[20, SIZE // 2] - (30, 200, 30)).max() <= 12
    assert np.abs(pixels - whole).mean() < 6


def test_a_photo_whose_large_preview_leaves_the_model_unsure_is_judged_from_the_preview(
    tmp_path: Path, classifier
) -> None:  # type: ignore[no-untyped-def]
    """A preview of 1920 x 1440 shows what the photo does at the model's 224 px: an unclear
    verdict is made again from the preview's pixels by the fp32 model, and the 12 MP photo is
    not decoded a second time (here the photo, a forest, differs from its preview to show
    it)."""
    photos = tmp_path / "camera"
    photos.mkdir()
    samples = sample_files(2)
    with Image.open(dict(samples)["forest"]) as opened:
        forest = opened.convert("RGB").resize((2400, 1800), Image.Resampling.BICUBIC)
    exact = classifier.exact()
    data = unsure_file(classifier, lambda both: with_preview(forest, both.resize((1920, 1440))))
    seen = scanner.decode_for_model(data, SIZE)[0]
    looked = exact.verdicts(exact.predict(seen[None]))[0]
    (photos / "DSC_0001.JPG").write_bytes(data)
    with Sorter(tmp_path / "library", photos, classifier, SortOptions(mode="copy")) as sorter:
        (outcome,) = sorter.sort_folder().outcomes
    assert outcome.predicted == looked.predicted != "forest", outcome
    assert outcome.confidence == pytest.approx(looked.confidence, abs=1e-4)


def test_of_two_previews_the_smallest_that_stands_for_the_photo_is_decoded() -> None:
    """A Baseline MP file carries a VGA and a Full HD preview: the VGA one (red) is enough and
    cheaper to decode (2.4 against 4.0 ms); a VGA preview too small to stand for the photo gives
    way to the Full HD one (white)."""
    photo = scene((2400, 1800), (20, 40, 220))
    for vga, expected in (((640, 480), (220, 40, 20)), ((480, 360), (225, 225, 225))):
        stored = []
        for dims, colour, kind in (
            (vga, (220, 40, 20), MPF_PREVIEW_VGA),
            ((1440, 1080), (225, 225, 225), MPF_PREVIEW_FULL_HD),
        ):
            large = io.BytesIO()
            scene(dims, colour).save(large, "JPEG", quality=85)
            stored.append((large.getvalue(), kind))
        data = with_mpf_previews(camera_file(photo, None), stored)
        pixels, *_, small = scanner._decode_picture(data, SIZE, True)
        assert np.abs(pixels[SIZE // 2, SIZE // 2].astype(int) - expected).max() <= 6, vga
        assert not small
