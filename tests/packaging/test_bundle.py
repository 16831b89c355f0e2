"""The packaged app, built by PyInstaller from a clean clone: self-test and a window appearing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..conftest import REPO, needs_extra

pytestmark = [pytest.mark.slow, needs_extra("package", "PyInstaller")]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/Cene built from a fresh clone of the committed tree (what a release would ship)."""
    work = tmp_path_factory.mktemp("bundle")
    clone = work / "clone"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    pyinstaller = Path(sys.executable).with_name("pyinstaller")
    subprocess.run(
        [
            str(pyinstaller),
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(work / "dist"),
            "--workpath",
            str(work / "build"),
            "build.spec",
        ],
        cwd=clone,
        check=True,
        capture_output=True,
        timeout=900,
    )
    version = subprocess.run(
        ["sed", "-n", 's/^__version__ = "\\(.*\\)"/\\1/p', "cene_desktop/__init__.py"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run(
        ["packaging/make_linux_package.sh", str(work / "dist"), version], cwd=clone, check=True
    )
    return work / "dist" / "Cene"


def test_the_bundle_passes_its_self_test_from_any_folder(bundle: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(bundle / "Cene"), "--self-test"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-test passed" in result.stdout and "device CPU" in result.stdout
    assert (bundle / "Cene.desktop").exists() and (bundle / "cene.png").exists()
    assert list(bundle.parent.glob("Cene-*-linux-*.tar.gz"))
    size = sum(f.stat().st_size for f in bundle.rglob("*") if f.is_file())
    assert size < 800e6, f"bundle is {size / 1e6:.0f} MB"
    assert not list(bundle.rglob("libtensorflow*")), "the CPU bundle must not carry TensorFlow"


def test_the_bundle_sorts_phone_photos(bundle: Path, tmp_path: Path) -> None:
    import json

    from PIL import Image

    from ..conftest import sample_files
    from ..core.test_scanner import phone_bytes

    photos = tmp_path / "photos"
    photos.mkdir()
    name, path = sample_files(1)[0]
    with Image.open(path) as image:
        for kind, suffix in (("HEIF", ".HEIC"), ("AVIF", ".avif")):
            (photos / f"IMG_0001{suffix}").write_bytes(phone_bytes(image.convert("RGB"), kind))
    result = subprocess.run(
        [str(bundle / "Cene"), "sort", str(photos), "--library", str(tmp_path / "Albums")]
        + ["--threshold", "0", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    placed = [o for o in json.loads(result.stdout)["photos"] if o["status"] == "placed"]
    assert len(placed) == 2, result.stdout
    assert {o["album"] for o in placed} == {name.capitalize()}, result.stdout


def test_the_bundled_window_appears(bundle: Path, tmp_path: Path, x_display: str) -> None:
    config = tmp_path / "config" / "Cene"
    config.mkdir(parents=True)
    (tmp_path / "photos").mkdir()
    (config / "settings.json").write_text(
        f'{{"version": 1, "photos_dir": "{tmp_path / "photos"}", '
        f'"library_dir": "{tmp_path / "Albums"}"}}'
    )
    env = {
        **os.environ,
        "DISPLAY": x_display,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "QT_QPA_PLATFORM": "xcb",
    }
    app = subprocess.Popen([str(bundle / "Cene")], cwd=tmp_path, env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--name", "^Cene$"],
                env=env,
                capture_output=True,
            )
            if found.returncode == 0:
                break
            assert app.poll() is None, "the bundled app exited"
            time.sleep(0.1)
        else:
            pytest.fail("the bundled window never appeared")
        catalog = tmp_path / "Albums" / ".cene" / "catalog.db"
        while not catalog.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert catalog.exists(), "the bundled app never opened its library"
    finally:
        app.terminate()
        app.wait(30)
