"""Entry point: ``cene`` with a command runs the CLI; without one it opens the window."""

from __future__ import annotations

import sys


def _one_memory_arena() -> None:
    """glibc gives each thread that allocates its own arena and keeps what a thread freed there:
    with two read threads decoding large pictures, the classifier and the file worker, a run
    over 19,057 damaged files held 682 MB at its peak, 488 MB with one arena (Python's small
    objects have their own allocator; the pictures are few, large blocks). Set before any
    thread starts; elsewhere than glibc there is nothing to set."""
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(-8, 1)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass


def main(argv: list[str] | None = None) -> int:
    _one_memory_arena()
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] != "--gui":
        from cene_desktop import cli

        return cli.main(args)
    try:
        from cene_desktop.ui.app import run_app
    except ImportError:
        from cene_desktop import cli

        cli.build_parser().print_help()
        print("\nThe window is not part of this build yet; use the commands above.")
        return 0
    return run_app(args[1:])


if __name__ == "__main__":
    sys.exit(main())
