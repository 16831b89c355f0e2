#!/usr/bin/env sh
# Prints the path of a Python 3.11 interpreter (Cene is built and tested on 3.11 only), or says
# how to install one and exits 1. Used by the Makefile before it creates .venv.
for candidate in "${PYTHON:-}" python3.11 python3; do
  [ -n "$candidate" ] || continue
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if "$path" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
    echo "$path"
    exit 0
  fi
done
cat >&2 <<'MSG'
Cene needs Python 3.11 (with its venv module), and none was found.
Install it, then run the same command again:
  Debian / Ubuntu:  sudo apt install python3.11 python3.11-venv
                    (Ubuntu releases without it: sudo add-apt-repository ppa:deadsnakes/ppa first)
  Fedora:           sudo dnf install python3.11
  macOS:            brew install python@3.11   (or the installer from python.org)
Or point to one you have: make run PYTHON=/path/to/python3.11
MSG
exit 1
