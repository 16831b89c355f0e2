"""Entry point: ``cene`` with a command runs the CLI; without one it opens the window."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
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
