"""Cene beside phockup and organize-tool: the same camera photos, moved by each, side by side.

    .venv/bin/python benchmarks/peers.py [--count 200] [--workdir /tmp/cene-bench] [--runs 1]
        [--organize /tmp/peers-venv/bin/organize] [--phockup /tmp/phockup/phockup.py]
        [--peers-python /tmp/peers-venv/bin/python]

Each tool gets its own fresh copy of the benchmark camera photos (12 MP JPEGs with camera EXIF
and a 160 x 120 embedded picture, made once by ``benchmarks/camera_photos.py``) and its own empty
destination on the same file system, and moves them there from its real command line in a
subprocess:

- Cene: ``python -m cene_desktop sort PHOTOS --library LIB --mode move`` (albums by scene);
- phockup (github.com/ivandokov/phockup, needs exiftool): ``phockup.py PHOTOS DEST --move``
  (year/month/day folders by EXIF date);
- organize-tool (PyPI ``organize-tool``, 3.x): ``organize run CONFIG`` with a rule that moves
  each photo into a year/month/day folder by its EXIF date taken.

The peers live outside Cene's venv, for instance::

    python3.11 -m venv /tmp/peers-venv && /tmp/peers-venv/bin/pip install organize-tool tqdm
    git clone https://github.com/ivandokov/phockup /tmp/phockup
    apt-get install -y libimage-exiftool-perl

A tool that is not there is reported as "not installed" and the others still run.

CPU ms per photo is the headline figure: the user + system CPU time of the tool's process and
everything it waited for (exiftool included), from ``getrusage(RUSAGE_CHILDREN)``; wall-clock
time on a shared machine is noisy. Both include each tool's start-up (Python, and for Cene the
model), as a person running the command pays it. After each run the script checks that every
photo left the source folder and is in the destination. ``--runs N`` repeats each tool N times
and reports the medians.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.camera_photos import fresh_copy, make_camera_folder  # noqa: E402

PEERS_VENV = Path("/tmp/peers-venv")
PHOTO_SUFFIXES = {".jpg", ".jpeg"}
PER_PHOTO = (
    "Per photo: Cene reads, hashes (BLAKE3), classifies with a neural network, journals, "
    "fsyncs and catalogs it; phockup runs exiftool on it and moves it into a date folder; "
    "organize applies its rules (EXIF date read in Python), no hash, no fsync, no database."
)


@dataclass
class Tool:
    name: str
    #: its command line, given the photos, the destination and a folder for its own files
    command: Callable[[Path, Path, Path], list[str]] | None = None
    version: str = ""
    missing: str = ""  # why it cannot run, when it cannot
    env: dict[str, str] | None = None


@dataclass
class Run:
    seconds: float
    cpu: float
    moved: bool
    failure: str = ""


@dataclass
class Result:
    tool: Tool
    runs: list[Run] = field(default_factory=list)


def _version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    words = (done.stdout or done.stderr).split()
    return words[-1].lstrip("v") if words else "?"


def cene_tool() -> Tool:
    def command(photos: Path, dest: Path, _work: Path) -> list[str]:
        return [
            sys.executable,
            "-m",
            "cene_desktop",
            "sort",
            str(photos),
            "--library",
            str(dest),
            "--mode",
            "move",
        ]

    version = _version([sys.executable, "-m", "cene_desktop", "--version"])
    return Tool("Cene", command, version)


def organize_config(photos: Path, dest: Path) -> str:
    """An organize 3.x rule: each JPEG into DEST/year/month/day by its EXIF date taken."""
    return (
        "rules:\n"
        "  - name: photos by date taken\n"
        f'    locations: "{photos}"\n'
        "    subfolders: false\n"
        "    filters:\n"
        "      - extension: [jpg, jpeg]\n"
        "      - exif: exif.datetimeoriginal\n"  # only photos that have a date taken
        "    actions:\n"
        f"      - move: \"{dest}/{{exif.exif.datetimeoriginal.strftime('%Y/%m/%d')}}/\"\n"
    )


def organize_tool(executable: Path | None) -> Tool:
    if executable is None:
        found = shutil.which("organize")
        executable = Path(found) if found else PEERS_VENV / "bin" / "organize"
    if not executable.is_file():
        return Tool("organize", missing=f"{executable} not found; pip install organize-tool")

    def command(photos: Path, dest: Path, work: Path) -> list[str]:
        config = work / "organize.yaml"
        config.write_text(organize_config(photos, dest))
        return [str(executable), "run", str(config)]

    # organize reads EXIF with the exifread library unless this names exiftool: keep its default.
    env = {k: v for k, v in os.environ.items() if k != "ORGANIZE_EXIFTOOL_PATH"}
    return Tool("organize", command, _version([str(executable), "--version"]), env=env)


def phockup_tool(script: Path | None, python: Path | None) -> Tool:
    if script is None:
        found = shutil.which("phockup")
        script = Path(found) if found else Path("/tmp/phockup/phockup.py")
    if not script.is_file():
        return Tool("phockup", missing=f"{script} not found; --phockup PATH to its phockup.py")
    if shutil.which("exiftool") is None:
        return Tool("phockup", missing="exiftool not found; apt-get install libimage-exiftool-perl")
    if script.suffix == ".py":
        if python is None:
            venv_python = PEERS_VENV / "bin" / "python"
            python = venv_python if venv_python.is_file() else Path(sys.executable)
        launcher = [str(python), str(script)]
    else:
        launcher = [str(script)]

    def command(photos: Path, dest: Path, _work: Path) -> list[str]:
        return [*launcher, str(photos), str(dest), "--move", "--quiet"]

    return Tool("phockup", command, _version([*launcher, "--version"]))


def photo_count(folder: Path) -> int:
    """Photos anywhere under ``folder``, leaving out hidden folders (Cene's ``.cene``)."""
    return sum(
        1
        for path in folder.rglob("*")
        if path.is_file()
        and path.suffix.lower() in PHOTO_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(folder).parts[:-1])
    )


def run_once(tool: Tool, originals: list[Path], work: Path) -> Run:
    work.mkdir(parents=True, exist_ok=True)
    photos = fresh_copy(originals, work / "photos")
    dest = work / "sorted"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir()
    assert tool.command is not None
    command = tool.command(photos, dest, work)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=tool.env, cwd=work)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    left = sum(1 for path in photos.rglob("*") if path.is_file())
    landed = photo_count(dest)
    moved = left == 0 and landed == len(originals)
    failure = ""
    if done.returncode != 0 or not moved:
        tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
        failure = (
            f"exit status {done.returncode}, {left} left in the source, {landed} of "
            f"{len(originals)} in the destination: " + " | ".join(tail)
        )
    return Run(seconds, cpu, moved and done.returncode == 0, failure)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/cene-bench"))
    parser.add_argument("--runs", type=int, default=1, help="runs per tool; medians reported")
    parser.add_argument("--organize", type=Path, help="organize's executable")
    parser.add_argument("--phockup", type=Path, help="phockup.py (or a phockup executable)")
    parser.add_argument(
        "--peers-python",
        type=Path,
        help="the Python that runs phockup.py (default: /tmp/peers-venv's, else this one)",
    )
    args = parser.parse_args()

    originals = make_camera_folder(args.workdir / "jpeg", args.count, "jpeg")
    megabytes = sum(p.stat().st_size for p in originals) / 1e6
    tools = [
        cene_tool(),
        phockup_tool(args.phockup, args.peers_python),
        organize_tool(args.organize),
    ]
    results = []
    for tool in tools:
        if tool.missing:
            print(f"{tool.name}: not installed ({tool.missing})", flush=True)
            continue
        result = Result(tool)
        for index in range(args.runs):
            print(f"{tool.name} {tool.version}: run {index + 1} of {args.runs} ...", flush=True)
            run = run_once(tool, originals, args.workdir / "peers" / tool.name.lower())
            if run.failure:
                print(f"  {tool.name} did not move every photo: {run.failure}", flush=True)
            result.runs.append(run)
        results.append(result)

    print()
    print(
        f"Moving {args.count} camera photos (12 MP JPEG, {megabytes / args.count:.1f} MB each, "
        f"{megabytes:.0f} MB in all) into an empty folder on the same file system, "
        f"{args.runs} run{'s' if args.runs > 1 else ''} per tool"
        f"{' (medians)' if args.runs > 1 else ''}, {os.cpu_count()} CPUs; "
        "each figure includes the tool's start-up"
    )
    print()
    header = ("tool", "version", "seconds", "photos/s", "CPU ms/photo", "all moved")
    print("| " + " | ".join(header) + " |")
    print("|---|---|" + "|".join("---:" for _ in header[2:-1]) + "|:---:|")
    for result in results:
        seconds = statistics.median(run.seconds for run in result.runs)
        cpu = statistics.median(run.cpu for run in result.runs)
        cells = (
            result.tool.name,
            result.tool.version,
            f"{seconds:.1f}",
            f"{args.count / seconds:.1f}",
            f"{cpu / args.count * 1000:.1f}",
            "yes" if all(run.moved for run in result.runs) else "no",
        )
        print("| " + " | ".join(cells) + " |")
    for tool in tools:
        if tool.missing:
            print(f"| {tool.name} | not installed | | | | |")
    print()
    print(PER_PHOTO)


if __name__ == "__main__":
    main()
