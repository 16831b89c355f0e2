"""Two real-photo runs compared photo by photo: the counts a person reads to tell a gain from
noise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import real_photos_compare


def run(albums: dict[tuple[str, str], str]) -> dict[str, object]:
    rows = [{"label": k[0], "file": k[1], "column": album} for k, album in albums.items()]
    return {"model_version": "x", "options": {}, "rows": rows}


def test_only_the_photos_the_runs_disagree_on_decide(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    a = {("mountain", f"m{i}.jpg"): "Mountain" for i in range(20)}
    a |= {("people", f"p{i}.jpg"): "Other" for i in range(10)}
    b = dict(a)
    for i in range(8):  # B sends eight mountains to Unsorted, and files one person as a glacier
        b[("mountain", f"m{i}.jpg")] = "Unsorted"
    b[("people", "p0.jpg")] = "Glacier"
    b[("street", "only-in-b.jpg")] = "Street"
    lines = {line["figure"]: line for line in real_photos_compare.compare(run(a), run(b))}
    right = lines["scenes in their album"]
    assert (right["photos"], right["only_a"], right["only_b"]) == (20, 8, 0)
    assert right["p"] == pytest.approx(2 / 2**8)
    kept = lines["others kept out of the scene albums"]
    assert (kept["photos"], kept["only_a"], kept["only_b"], kept["p"]) == (10, 1, 0, 1.0)
    paths = []
    for name, data in (("a.json", run(a)), ("b.json", run(b))):
        paths.append(tmp_path / name)
        paths[-1].write_text(json.dumps(data))
    assert real_photos_compare.main([str(p) for p in paths]) == 0
    printed = capsys.readouterr().out
    assert "30 photos in both runs (1 in only one, left out); same album in both: 21" in printed
    assert "| scenes in their album | 20 | 100.0% | 60.0% | 8 | 0 | 0.008 |" in printed


def test_a_run_written_before_photo_rows_is_refused_with_a_sentence() -> None:
    with pytest.raises(SystemExit, match="write it again"):
        real_photos_compare.compare({"albums": {}}, run({}))
