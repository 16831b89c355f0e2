"""The file-operation lane of a library: the one place that says which journaled file
operation may run now.

Within a process, every operation that moves, copies, links or removes a library's files
(the sorting worker placing arrivals, a person's drag, an undo, recovery) runs in the library's
lane, one after the other, never interleaved: ``Placer`` holds ``lane.lock`` for each. The
journal is recovered once per process, before any of them (``claim_recovery``). Between
processes, the library's lock file lets only one Cene open it (``catalog.connection``)."""

from __future__ import annotations

import threading


class FileOpLane:
    """One library's lane in this process (shared by all its catalogs while one is open)."""

    def __init__(self) -> None:
        #: Held by every journaled file operation on the library while it runs (re-entrant:
        #: an undo that relocates takes it once more).
        self.lock = threading.RLock()
        self._recovered = False
        self._guard = threading.Lock()

    def claim_recovery(self) -> bool:
        """True the first time only: then the journal may be recovered; later, another thread
        of this process may have operations in flight, which are not a crash's leftovers."""
        with self._guard:
            first, self._recovered = not self._recovered, True
            return first

    def forget_recovery(self) -> None:
        """As if this process had not recovered the journal yet (a new process would)."""
        with self._guard:
            self._recovered = False
