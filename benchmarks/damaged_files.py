"""Does ``cene sort`` keep its promise on damaged files: no photo lost, every damaged file skipped
with a reason, nothing placed that fails a strict decode, and move + undo gives every byte back?

    python benchmarks/damaged_files.py [--corpus DIR] [--limit N] [--formats jpeg,heic]
        [--workdir /tmp/cene-damaged]

Runs the real CLI in a subprocess over a copy of the corpus (benchmarks/damaged_corpus.py lays it
out) or of any folder, once with ``--mode copy`` and once with ``--mode move`` then ``cene undo``,
and prints what came of every file. tests/core/test_damaged_files.py runs the same checks.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import resource
import shutil
import struct
import subprocess
import sys
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.damaged_corpus import (  # noqa: E402
    FORMATS,
    SUFFIX,
    default_dest,
    read_manifest,
    sniff_format,
)

REPO = Path(__file__).resolve().parents[1]
SUFFIX_FORMAT = {suffix: fmt for fmt, suffix in SUFFIX.items()}
SUFFIX_FORMAT |= {".jpeg": "jpeg", ".jpe": "jpeg", ".tiff": "tiff", ".heif": "heic", ".hif": "heic"}


# --- the strict decode oracle -------------------------------------------------------------


def structure_problem(data: bytes, fmt: str) -> str | None:
    """What is missing from the file's own structure: JPEG needs an EOI after its last scan,
    PNG an IEND after chunks that all fit in the file."""
    if fmt == "jpeg":
        scan = data.rfind(b"\xff\xda")
        if scan < 0:
            return "JPEG has no scan (SOS)"
        if data.find(b"\xff\xd9", scan) < 0:
            return "JPEG ends without EOI after its last scan"
    if fmt == "png":
        at = 8
        while True:
            if at + 12 > len(data):
                return "PNG ends before IEND"
            length, kind = struct.unpack(">I4s", data[at : at + 8])
            if at + 12 + length > len(data):
                return f"PNG chunk {kind!r} runs past the end of the file"
            if kind == b"IEND":
                return None
            at += 12 + length
    return None


def strict_decode_problem(path: Path) -> str | None:
    """None if the file decodes whole and strictly; else why not. Pillow full decode with
    truncated images refused (the first frame of an animation), PNG CRCs through verify(),
    HEIC through pillow-heif, AVIF through Pillow, plus the file's own end markers."""
    from PIL import Image, ImageFile

    data = path.read_bytes()
    fmt = sniff_format(data)
    if fmt is None:
        return "no known image signature"
    problem = structure_problem(data, fmt)
    if problem:
        return problem
    if fmt == "heic":
        import pillow_heif

        pillow_heif.register_heif_opener()
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    # Strict about completeness, not about size: the limit is Cene's own (what cameras make),
    # not Pillow's default, which a real 200 MP phone photo exceeds.
    Image.MAX_IMAGE_PIXELS = 200_000_000
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                image.load()
            if fmt == "png":
                with Image.open(path) as image:
                    image.verify()
    except Exception as error:  # noqa: BLE001 - any failure to decode is the answer
        pillow_refuses = "bitfields layout" in str(error) or "compression (6)" in str(error)
        if fmt == "bmp" and pillow_refuses and bit_field_rows_present(data):
            return None  # valid, only not to Pillow: every bit pattern of such rows is a pixel
        return f"{type(error).__name__}: {error}"[:200]
    return None


def bit_field_rows_present(data: bytes) -> bool:
    """An uncompressed BI_BITFIELDS/BI_ALPHABITFIELDS BMP with all its pixel rows in the file
    (read here from the header, independently of Cene's reader)."""
    if len(data) < 54:
        return False
    width, height = struct.unpack_from("<ii", data, 18)
    bits, compression = struct.unpack_from("<HI", data, 28)
    pixels_at = int.from_bytes(data[10:14], "little")
    row = ((abs(width) * bits + 31) // 32) * 4
    return compression in (3, 6) and bits in (16, 32) and pixels_at + row * abs(height) <= len(data)


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """libtiff writes its complaints straight to file descriptor 2, over the table."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


# --- running the CLI ----------------------------------------------------------------------


def cene(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cene_desktop", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=6 * 3600,
    )


def byte_manifest(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under folder."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def copy_inbox(files: list[Path], root: Path, inbox: Path) -> None:
    if inbox.exists():
        shutil.rmtree(inbox)
    for path in files:
        target = inbox / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


@dataclass
class Pass:
    """One ``cene sort`` (and for move, the ``cene undo`` after it)."""

    mode: str
    exit_codes: list[int] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)  # the last line of each
    stderr_lines: list[str] = field(default_factory=list)
    bad_json: str = ""
    wall: float = 0.0
    cpu: float = 0.0
    peak_rss_mb: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    files_in: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    skip_reasons: Counter[str] = field(default_factory=Counter)
    unreported: list[str] = field(default_factory=list)
    reported_twice: list[str] = field(default_factory=list)
    placed_bad: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    lost: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # inbox bytes after copy mode
    not_given_back: list[str] = field(default_factory=list)  # after move + undo
    passes: list[Pass] = field(default_factory=list)

    def failures(self) -> list[str]:
        """Each broken promise in a sentence; empty when Cene kept them all."""
        out = []
        for one in self.passes:
            codes = [code for code in one.exit_codes if code not in (0, 1)]
            if codes:
                out.append(f"{one.mode}: exit codes {codes}")
            if one.tracebacks:
                out.append(f"{one.mode}: traceback ending {one.tracebacks[0]!r}")
            if one.bad_json:
                out.append(f"{one.mode}: stdout is not JSON: {one.bad_json}")
        named = {
            "not reported": self.unreported,
            "reported twice": self.reported_twice,
            "placed but failing a strict decode": [f"{n} ({why})" for n, why in self.placed_bad],
            "lost": self.lost,
            "changed in the inbox by copy mode": self.changed,
            "not given back by undo": self.not_given_back,
        }
        for what, names in named.items():
            if names:
                out.append(f"{len(names)} {what}: {', '.join(names[:10])}")
        return out


def run_pass(mode: str, args: list[str], env: dict[str, str] | None, one: Pass) -> Any:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = cene(*args, env=env)
    one.wall += time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    one.cpu += (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    one.peak_rss_mb = max(one.peak_rss_mb, after.ru_maxrss / 1024)  # the biggest child so far
    one.exit_codes.append(result.returncode)
    lines = result.stderr.splitlines()
    one.stderr_lines += lines
    one.tracebacks += traceback_endings(lines)
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError as error:
        one.bad_json = f"{error} in {result.stdout[:200]!r}"
        return None


def traceback_endings(lines: list[str]) -> list[str]:
    """The exception line of each traceback in stderr (the first unindented line after it)."""
    endings, inside = [], False
    for line in lines:
        if line.startswith("Traceback (most recent call last)"):
            inside = True
        elif inside and line and not line.startswith(" "):
            endings.append(line)
            inside = False
    return endings + (["(traceback cut off)"] if inside else [])


def reason_group(reason: str) -> str:
    """A skip reason without what differs from file to file: numbers, paths, quoted parts."""
    reason = re.sub(r"(/[^\s:,;]+)+", "PATH", reason)
    reason = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", reason)
    return re.sub(r"\d+", "N", reason)[:90]


def check_damaged_files(files: list[Path], root: Path, workdir: Path) -> Report:
    """Both passes over a copy of ``files`` (all under ``root``) in ``workdir``."""
    report = Report(files_in=len(files))
    env = None
    workdir = workdir.resolve()  # the CLI reports resolved paths
    inbox, library = workdir / "inbox", workdir / "library"
    copy_inbox(files, root, inbox)
    original = byte_manifest(inbox)

    # copy mode: every file reported once, the inbox untouched, nothing bad placed
    if library.exists():
        shutil.rmtree(library)
    copy = Pass("copy")
    report.passes.append(copy)
    args = ["sort", str(inbox), "--library", str(library), "--mode", "copy", "--json"]
    summary = run_pass("copy", args, env, copy) or {}
    copy.summary = {k: v for k, v in summary.items() if k != "photos"}
    seen: Counter[str] = Counter()
    for photo in summary.get("photos", []):
        source = Path(photo["source"])
        name = str(source.relative_to(inbox)) if source.is_relative_to(inbox) else str(source)
        seen[name] += 1
        report.statuses[photo["status"]] += 1
        if photo["status"] == "skipped":
            report.skip_reasons[reason_group(photo.get("reason") or "(no reason)")] += 1
        if photo["status"] == "placed":
            dest = Path(photo.get("dest", ""))
            if not dest.is_file():
                report.lost.append(f"{name} (placed at {dest}, not there)")
                continue
            if hashlib.sha256(dest.read_bytes()).hexdigest() != original.get(name):
                report.placed_bad.append((name, "the copy in the album differs from the original"))
                continue
            with quiet_stderr():
                problem = strict_decode_problem(dest)
            if problem:
                report.placed_bad.append((name, problem))
    report.unreported = sorted(set(original) - set(seen))
    report.reported_twice = sorted(name for name, count in seen.items() if count > 1)
    after = byte_manifest(inbox)
    report.changed = sorted(n for n in original if n in after and after[n] != original[n])
    report.lost += sorted(set(original) - set(after))

    # move mode then undo: every original byte sequence back under its original path
    shutil.rmtree(library)
    copy_inbox(files, root, inbox)
    move = Pass("move + undo")
    report.passes.append(move)
    args = ["sort", str(inbox), "--library", str(library), "--mode", "move", "--json"]
    summary = run_pass("move", args, env, move) or {}
    move.summary = {k: v for k, v in summary.items() if k != "photos"}
    # between the two, each original's bytes are in the inbox or in an album: none lost
    moved = Counter(byte_manifest(inbox).values()) + Counter(byte_manifest(library).values())
    for name, digest in original.items():
        if moved[digest] > 0:
            moved[digest] -= 1
        else:
            report.lost.append(f"{name} (after move mode, neither in the inbox nor in an album)")
    run_pass("undo", ["undo", "--library", str(library), "--json"], env, move)
    given_back = byte_manifest(inbox)
    for name, digest in original.items():
        if given_back.get(name) != digest:
            why = "missing" if name not in given_back else "other bytes"
            report.not_given_back.append(f"{name} ({why})")
    return report


# --- the table ----------------------------------------------------------------------------


def print_report(report: Report) -> None:
    print(f"{'files in':<44} {report.files_in:>7}")
    for status, count in sorted(report.statuses.items()):
        print(f"{status:<44} {count:>7}")
    print(f"{'not reported':<44} {len(report.unreported):>7}")
    print(f"{'reported twice':<44} {len(report.reported_twice):>7}")
    print(f"{'placed but failing a strict decode':<44} {len(report.placed_bad):>7}")
    print(f"{'lost':<44} {len(report.lost):>7}")
    print(f"{'changed (copy mode inbox)':<44} {len(report.changed):>7}")
    print(f"{'not given back by undo':<44} {len(report.not_given_back):>7}")
    if report.placed_bad:
        print("\nplaced but failing a strict decode, by format and why")
        groups = Counter((name.split("/")[0], reason_group(why)) for name, why in report.placed_bad)
        for (fmt, why), count in groups.most_common():
            print(f"  {count:>6}  {fmt:<5} {why}")
    print("\nskipped, by reason")
    for reason, count in report.skip_reasons.most_common():
        print(f"  {count:>6}  {reason}")
    print(f"\n{'pass':<12} {'exit':<8} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12}")
    for one in report.passes:
        codes = ",".join(map(str, one.exit_codes))
        print(
            f"{one.mode:<12} {codes:<8} {one.wall:>8.1f} {one.cpu:>8.1f} {one.peak_rss_mb:>12.0f}"
        )
    for one in report.passes:
        for line in one.tracebacks:
            print(f"{one.mode}: TRACEBACK, last line: {line}")
        if one.bad_json:
            print(f"{one.mode}: stdout is not JSON: {one.bad_json}")
        noise = [line for line in one.stderr_lines if line.strip()]
        if noise:
            print(f"{one.mode}: {len(noise)} stderr lines, e.g. {noise[:3]}")
    for what, names in (
        ("placed but failing a strict decode", [f"{n}: {why}" for n, why in report.placed_bad]),
        ("not reported", report.unreported),
        ("reported twice", report.reported_twice),
        ("lost", report.lost),
        ("changed", report.changed),
        ("not given back by undo", report.not_given_back),
    ):
        if names:
            print(f"\n{what}:")
            for name in names[:40]:
                print(f"  {name}")
            if len(names) > 40:
                print(f"  … and {len(names) - 40} more")


def corpus_files(corpus: Path, formats: set[str], limit: int | None) -> list[Path]:
    """The corpus's files of those formats (by manifest, else by suffix), spread evenly over
    the formats and their sources when limited."""
    rows = read_manifest(corpus)
    if rows is not None:
        files = [corpus / row["file"] for row in rows if row["format"] in formats]
    else:
        files = [
            path
            for path in sorted(corpus.rglob("*"))
            if path.is_file() and SUFFIX_FORMAT.get(path.suffix.lower()) in formats
        ]
    if limit is not None and len(files) > limit:
        step = len(files) / limit
        files = [files[int(i * step)] for i in range(limit)]
    return files


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=default_dest())
    parser.add_argument("--limit", type=int)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/cene-damaged"))
    args = parser.parse_args()
    formats = set(args.formats.split(","))
    if formats - set(FORMATS):
        sys.exit(f"Unknown formats: {', '.join(sorted(formats - set(FORMATS)))}")
    if not args.corpus.is_dir():
        sys.exit(f"No corpus at {args.corpus}: run benchmarks/damaged_corpus.py first.")
    files = corpus_files(args.corpus, formats, args.limit)
    print(f"{len(files)} files from {args.corpus}\n")
    args.workdir.mkdir(parents=True, exist_ok=True)
    report = check_damaged_files(files, args.corpus, args.workdir)
    print_report(report)
    sys.exit(1 if report.failures() else 0)


if __name__ == "__main__":
    main()
