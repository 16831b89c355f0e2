"""Shared fixtures for the training tests: the app's sample photos and the shipped model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).parents[2]
SAMPLE_DIR = REPO.parent / "shared/data/intel-sample"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    if not SAMPLE_DIR.is_dir():
        pytest.fail(
            f"The sample photos are missing: expected {SAMPLE_DIR} "
            "(../shared/data/intel-sample next to the repository)."
        )
    return SAMPLE_DIR
