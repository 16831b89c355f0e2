"""Where the data, the caches and the shipped model live, and the model's shape."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The sample photos the tests use, and the list of duplicates in the public set, both kept in
# the repository so that a clone needs nothing beside it.
SAMPLE_DIR = REPO / "tests" / "data" / "intel-sample"
DUPLICATES_TSV = REPO / "model_training" / "intel-duplicates.tsv"


@dataclass
class TrainingConfig:
    variant: str = "lite0"
    input_size: int = 224
    # Fine-tune blocks from here on (Lite0: 12..15 = last three of stage 6 and stage 7).
    first_block: int = 12
    augmented_views: int = 6
    data_root: Path = Path("/tmp/intel")
    duplicates_tsv: Path = DUPLICATES_TSV
    sample_dir: Path = SAMPLE_DIR
    cache_root: Path = Path("/tmp/cene-cache")
    model_dir: Path = REPO / "assets" / "model"
    report_dir: Path = REPO / "model_training" / "reports"
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def cache(self) -> Path:
        path = self.cache_root / f"{self.variant}-{self.input_size}-b{self.first_block}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def describe(self) -> str:
        return json.dumps({k: str(v) for k, v in asdict(self).items()}, indent=1)
