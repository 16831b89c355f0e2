"""Numbers in the sentences Cene says: "1 photo", "2 photos", "12,345 photos"."""

from __future__ import annotations


def count_of(number: int, thing: str = "photo", things: str | None = None) -> str:
    """``number`` of ``thing``, in words: singular for one, ``things`` (default: thing + s)
    for any other number, with thousands separated."""
    return f"{number:,} {thing if number == 1 else (things or thing + 's')}"
