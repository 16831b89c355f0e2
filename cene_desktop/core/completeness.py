"""Is this image file whole? What the file itself says, and whether a program is still writing it.

A decoder is a poor judge of a file still being copied: the picture at the start of a HEIC is
enough for it, and a JPEG decoded at 1/8 scale often does not notice a missing end. Each format
says where it ends, so a file is complete only when everything it declares lies inside it:
a JPEG's end marker after its last scan (and the images an MPF index lists), a PNG's IEND with
every chunk's checksum right, the RIFF size of a WebP, a GIF's trailer, a BMP's pixel rows,
TIFF strips and tiles, ISO BMFF boxes and the item locations of a HEIC or AVIF.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

#: A file that stops before its end: most likely still being copied (or cut off by a failed copy).
ENDS_EARLY = "the file ends early: it is still being copied, or the copy was cut off"

# In a JPEG's entropy-coded data a 0xFF byte is followed by 0x00 (stuffing), a restart marker
# (D0-D7) or more 0xFF fill bytes; anything else is the next marker.
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_MAX_IFDS = 512


class _Short(Exception):
    """Something the file declares lies beyond its end."""


def damaged_reason(data: bytes) -> str | None:
    """None when ``data`` is a whole image file as far as its format tells; else a sentence
    naming the format and what is wrong ("damaged PNG: ...", "...: the file ends early: ...")."""
    kind, check = _checker(data)
    if check is None:
        return None
    try:
        problem = check(data)
    except _Short:
        return f"incomplete {kind}: {ENDS_EARLY}"
    except (IndexError, struct.error):
        return f"incomplete {kind}: {ENDS_EARLY}"
    return f"damaged {kind}: {problem}" if problem else None


def ends_early(reason: str) -> bool:
    return ENDS_EARLY in reason


def format_name(data: bytes) -> str:
    """The image format ``data`` starts like ("JPEG", "HEIC", …), or "" if none Cene knows."""
    return _checker(data)[0]


def _checker(data: bytes) -> tuple[str, Callable[[bytes], str | None] | None]:
    head = data[:16]
    if head[:3] == b"\xff\xd8\xff":
        return "JPEG", _jpeg
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG", _png
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP", _webp
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF", _gif
    if head[:2] == b"BM":
        return "BMP", _bmp
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF", _tiff
    if head[4:8] == b"ftyp":
        return ("AVIF" if head[8:12] in (b"avif", b"avis") else "HEIC"), _bmff
    return "", None


def _need(data: bytes, end: int) -> None:
    if end > len(data):
        raise _Short


# -- JPEG ------------------------------------------------------------------------------------


def _jpeg(data: bytes) -> str | None:
    pos, size = 2, len(data)
    while True:
        # Markers may be preceded by fill bytes (0xFF); a stray byte between segments is
        # tolerated as decoders do.
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= size:
            raise _Short
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0xD9:  # end of image
            return None
        if marker in (0x00, 0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        _need(data, pos + 4)
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2:
            return "a segment of the file has an impossible length"
        end = pos + 2 + length
        _need(data, end)
        wrong = _jpeg_header_wrong(data, marker, pos + 4, end)
        if wrong:
            return wrong
        if marker == 0xE2 and data[pos + 4 : pos + 8] == b"MPF\x00":
            _mpf_images_inside(data, pos + 8)
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next marker
            found = _NEXT_MARKER.search(data, end)
            if found is None:
                raise _Short
            pos = found.start()
        else:
            pos = end


#: Start-of-frame markers (baseline, progressive, lossless, arithmetic): not DHT, JPG, DAC.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_header_wrong(data: bytes, marker: int, body: int, end: int) -> str | None:
    """What is wrong with a frame, scan, Huffman or quantisation header whose length does not
    match what it holds (libjpeg refuses such a file: "Bogus marker length"); None if nothing.
    The picture cameras embed is checked apart, so a photo is never sorted by it alone."""
    if marker in _SOF_MARKERS:
        _need(data, body + 6)
        if end - body != 6 + 3 * data[body + 5]:
            return "its frame header has the wrong length (the file is corrupt)"
    elif marker == 0xDA:
        _need(data, body + 1)
        if end - body != 4 + 2 * data[body]:
            return "its scan header has the wrong length (the file is corrupt)"
    elif marker == 0xC4:  # Huffman tables: class/id, 16 counts, then the values counted
        pos = body
        while pos < end:
            _need(data, pos + 17)
            pos += 17 + sum(data[pos + 1 : pos + 17])
        if pos != end:
            return "its Huffman table header has the wrong length (the file is corrupt)"
    elif marker == 0xDB:  # quantisation tables: precision/id, then 64 values of 1 or 2 bytes
        pos = body
        while pos < end:
            pos += 1 + 64 * (1 + (data[pos] >> 4))
        if pos != end:
            return "its quantisation table header has the wrong length (the file is corrupt)"
    return None


def _mpf_images_inside(data: bytes, tiff_start: int) -> None:
    """The further images a camera stores after the first one (MPF: stereo pairs, large
    previews) must lie inside the file; their offsets count from the MPF header. An index
    that cannot be read is ignored (decoders ignore it too): only one that can is held to."""
    images: list[tuple[int, int]] = []
    try:
        reader = _TiffReader(data, tiff_start)
        for tag, kind, count, value_at in reader.entries(reader.first_ifd()):
            if tag == 0xB002 and kind == 7:
                table = reader.value_offset(value_at, count)
                for index in range(1, count // 16):  # the first entry is this image
                    image_size, image_offset = reader.unpack("II", table + index * 16 + 4)
                    if image_offset:
                        images.append((tiff_start + image_offset, image_size))
    except (_Short, struct.error, ValueError):
        return
    for offset, size in images:
        _need(data, offset + size)


# -- PNG, WebP, GIF, BMP ------------------------------------------------------------------------


def _png(data: bytes) -> str | None:
    pos = 8
    while True:
        _need(data, pos + 12)
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        _need(data, end)
        crc = zlib.crc32(memoryview(data)[pos + 4 : pos + 8 + length])
        if crc != int.from_bytes(data[end - 4 : end], "big"):
            which = f"its {kind.decode()} chunk" if kind.isalpha() else "one of its chunks"
            return f"the checksum of {which} does not match: part of the file is corrupt"
        if kind == b"IEND":
            return None
        pos = end


def _webp(data: bytes) -> str | None:
    declared = int.from_bytes(data[4:8], "little")
    _need(data, 8 + declared)
    return None


def _gif(data: bytes) -> str | None:
    _need(data, 13)
    flags = data[10]
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    while True:
        _need(data, pos + 1)
        block = data[pos]
        if block == 0x3B:  # trailer
            return None
        if block == 0x21:  # extension: label, then sub-blocks
            pos = _gif_sub_blocks(data, pos + 2)
        elif block == 0x2C:  # image: descriptor, local colour table, LZW code size, sub-blocks
            _need(data, pos + 10)
            local = data[pos + 9]
            pos += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0)
            pos = _gif_sub_blocks(data, pos + 1)
        else:
            return f"an unknown block (0x{block:02x}) where an image or the end should be"


def _gif_sub_blocks(data: bytes, pos: int) -> int:
    while True:
        _need(data, pos + 1)
        length = data[pos]
        pos += 1 + length
        if length == 0:
            return pos


def _bmp(data: bytes) -> str | None:
    _need(data, 30)
    pixels_at = int.from_bytes(data[10:14], "little")
    header = int.from_bytes(data[14:18], "little")
    if header == 12:  # OS/2 1.x
        width, height = struct.unpack_from("<HH", data, 18)
        bits = int.from_bytes(data[24:26], "little")
        compression, image_size = 0, 0
    else:
        _need(data, 38)
        width, height = struct.unpack_from("<ii", data, 18)
        bits = int.from_bytes(data[28:30], "little")
        compression, image_size = struct.unpack_from("<II", data, 30)
    if compression in (0, 3, 6):  # uncompressed rows (plain, bit fields, alpha bit fields)
        row = ((abs(width) * bits + 31) // 32) * 4
        _need(data, pixels_at + row * abs(height))
    elif image_size:  # RLE, JPEG or PNG inside: the header says how long
        _need(data, pixels_at + image_size)
    return None


# -- TIFF --------------------------------------------------------------------------------------


class _TiffReader:
    """Reads TIFF (and BigTIFF) IFDs of the file starting at ``start`` (0, or an MPF header)."""

    _SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}
    _SIZES.update({13: 4, 16: 8, 17: 8, 18: 8})

    def __init__(self, data: bytes, start: int) -> None:
        _need(data, start + 8)
        self.data, self.start = data, start
        self.order = "<" if data[start : start + 2] == b"II" else ">"
        self.big = self.unpack("H", start + 2)[0] == 43

    def unpack(self, fmt: str, at: int) -> tuple[int, ...]:
        _need(self.data, at + struct.calcsize(self.order + fmt))
        return struct.unpack_from(self.order + fmt, self.data, at)

    def first_ifd(self) -> int:
        if self.big:
            return int(self.unpack("Q", self.start + 8)[0])
        return int(self.unpack("I", self.start + 4)[0])

    def entries(self, ifd: int) -> list[tuple[int, int, int, int]]:
        """(tag, type, count, where the value or its offset is) of each entry of one IFD."""
        at = self.start + ifd
        count = self.unpack("Q" if self.big else "H", at)[0]
        width, first = (20, at + 8) if self.big else (12, at + 2)
        _need(self.data, first + count * width + (8 if self.big else 4))
        found = []
        for index in range(count):
            entry = first + index * width
            if self.big:
                tag, kind, number = self.unpack("HHQ", entry)
                found.append((tag, kind, number, entry + 12))
            else:
                tag, kind, number = self.unpack("HHI", entry)
                found.append((tag, kind, number, entry + 8))
        return found

    def next_ifd(self, ifd: int) -> int:
        at = self.start + ifd
        if self.big:
            count = self.unpack("Q", at)[0]
            return int(self.unpack("Q", at + 8 + count * 20)[0])
        count = self.unpack("H", at)[0]
        return int(self.unpack("I", at + 2 + count * 12)[0])

    def value_offset(self, value_at: int, length: int) -> int:
        """Where a value of ``length`` bytes lies: in the entry itself if it fits there."""
        if length <= (8 if self.big else 4):
            return value_at
        offset = self.unpack("Q" if self.big else "I", value_at)[0]
        return self.start + int(offset)

    def values(self, kind: int, count: int, value_at: int) -> tuple[int, ...]:
        size = self._SIZES.get(kind, 1)
        code = {1: "B", 3: "H", 4: "I", 8: "h", 9: "i", 16: "Q", 13: "I", 17: "q"}.get(kind)
        if code is None or count > 1 << 24:
            return ()
        at = self.value_offset(value_at, size * count)
        return self.unpack(f"{count}{code}", at)


def _tiff(data: bytes) -> str | None:
    reader = _TiffReader(data, 0)
    ifd, seen = reader.first_ifd(), set[int]()
    while ifd and len(seen) < _MAX_IFDS:
        if ifd in seen:
            return "its list of images loops back on itself"
        seen.add(ifd)
        entries = {tag: (kind, count, at) for tag, kind, count, at in reader.entries(ifd)}
        for offsets_tag, counts_tag in ((273, 279), (324, 325)):
            if offsets_tag in entries and counts_tag in entries:
                offsets = reader.values(*entries[offsets_tag])
                counts = reader.values(*entries[counts_tag])
                for offset, count in zip(offsets, counts, strict=False):
                    _need(data, offset + count)
        ifd = reader.next_ifd(ifd)
    return None


# -- HEIC / HEIF / AVIF (ISO base media file format) --------------------------------------------


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, payload start, box end) of the boxes between ``start`` and ``end``."""
    found, pos = [], start
    while pos < end:
        _need(data, pos + 8)
        size = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        header = 8
        if size == 1:
            _need(data, pos + 16)
            size, header = int.from_bytes(data[pos + 8 : pos + 16], "big"), 16
        elif size == 0:  # to the end of the file (or of its parent)
            size = end - pos
        if size < header:
            raise ValueError("box size")
        _need(data, pos + size)
        if pos + size > end:
            raise ValueError("box overruns its parent")
        found.append((kind, pos + header, pos + size))
        pos += size
    return found


def _bmff(data: bytes) -> str | None:
    try:
        top = _boxes(data, 0, len(data))
        for kind, start, end in top:
            if kind == b"meta":
                for child, child_start, child_end in _boxes(data, start + 4, end):
                    if child == b"iloc":
                        _iloc_inside(data, child_start, child_end)
                    elif child == b"iprp":
                        width, height = _largest_declared(data, child_start, child_end)
                        if width * height > MAX_DECLARED_PIXELS:
                            return (
                                f"an image inside it claims {width} x {height} pixels, more "
                                "than any camera makes: the file is corrupt"
                            )
    except ValueError:
        return "its boxes do not fit together: the file is corrupt"
    return None


#: The most pixels an image item of a HEIC/AVIF may declare (the scanner's cap for photos).
MAX_DECLARED_PIXELS = 200_000_000


def _largest_declared(data: bytes, start: int, end: int) -> tuple[int, int]:
    """The largest image size (``ispe``) among the item properties: the photo, its tiles,
    thumbnails, alpha and depth maps; a decoder would have to allocate any of them."""
    best = (0, 0)
    for kind, box_start, box_end in _boxes(data, start, end):
        if kind != b"ipco":
            continue
        for prop, prop_start, _ in _boxes(data, box_start, box_end):
            if prop == b"ispe":
                _need(data, prop_start + 12)
                size = struct.unpack_from(">II", data, prop_start + 4)
                if size[0] * size[1] > best[0] * best[1]:
                    best = (int(size[0]), int(size[1]))
    return best


def _iloc_inside(data: bytes, start: int, end: int) -> None:
    """Every item stored at a file offset (construction method 0) must lie inside the file."""
    version = data[start]
    pos = start + 4
    _need(data, pos + 2)
    offset_size, length_size = data[pos] >> 4, data[pos] & 15
    base_size = data[pos + 1] >> 4
    index_size = data[pos + 1] & 15 if version in (1, 2) else 0
    pos += 2

    def number(width: int) -> int:
        nonlocal pos
        if width not in (0, 2, 4, 8) or pos + width > end:
            raise ValueError("item location")
        value = int.from_bytes(data[pos : pos + width], "big") if width else 0
        pos += width
        return value

    items = number(2 if version < 2 else 4)
    for _ in range(items):
        number(2 if version < 2 else 4)  # item id
        method = number(2) & 15 if version in (1, 2) else 0
        number(2)  # data reference index
        base = number(base_size)
        for _ in range(number(2)):
            if index_size:
                number(index_size)
            offset, length = number(offset_size), number(length_size)
            if method == 0 and length:
                _need(data, base + offset + length)


# -- Is anyone still writing it? ----------------------------------------------------------------


def being_written(path: Path) -> bool:
    """Whether a process on this machine has ``path`` open for writing (a copy in progress).

    Asks the kernel for a read lease, which Linux refuses while any process holds the file
    open for writing; where leases are not available (not the file's owner, some network file
    systems), looks through ``/proc/*/fd``. False where neither can tell (not Linux), and for
    writers on other machines (a network drive): there only the settle time and the file's own
    structure help.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        fcntl.fcntl(descriptor, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except OSError as error:
        if error.errno in (errno.EAGAIN, errno.EBUSY):
            return True
        return _writer_in_proc(path)
    else:
        with contextlib.suppress(OSError):
            fcntl.fcntl(descriptor, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return False
    finally:
        os.close(descriptor)


def _writer_in_proc(path: Path) -> bool:
    try:
        target = os.stat(path)
        processes = os.listdir("/proc")
    except OSError:
        return False
    for pid in processes:
        if not pid.isdigit():
            continue
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in descriptors:
            try:
                info = os.stat(f"/proc/{pid}/fd/{fd}")
                if (info.st_dev, info.st_ino) != (target.st_dev, target.st_ino):
                    continue
                with open(f"/proc/{pid}/fdinfo/{fd}", "rb") as details:
                    flags = next(
                        (line for line in details if line.startswith(b"flags:")), b"flags: 0"
                    )
            except (OSError, StopIteration):
                continue
            if int(flags.split()[1], 8) & os.O_ACCMODE in (os.O_WRONLY, os.O_RDWR):
                return True
    return False
