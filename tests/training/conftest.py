"""Shared fixtures for the training tests: the app's sample photos and the shipped model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ..conftest import needs_extra

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).parents[2]
SAMPLE_DIR = REPO / "tests" / "data" / "intel-sample"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    if not SAMPLE_DIR.is_dir():
        pytest.fail(
            f"The sample photos are missing: expected {SAMPLE_DIR} "
            "(tests/data/intel-sample in the repository)."
        )
    return SAMPLE_DIR


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every training test needs the `training` extra (TensorFlow, PyTorch)."""
    marker = needs_extra("training", "tensorflow", "keras", "torch")
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(marker)
