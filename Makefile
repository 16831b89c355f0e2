# Two commands for a new user: `make run` (set up and start Cene) and `make test`
# (set up and run every check). Both create .venv and install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint system-deps package clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,training,package]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/cene

lint: $(STAMP)
	$(BIN)/ruff check cene_desktop model_training tests benchmarks
	$(BIN)/ruff format --check cene_desktop model_training tests benchmarks
	$(BIN)/mypy cene_desktop/core

# The end-to-end window test drives a real X server: Xvfb and xdotool (Debian packages).
system-deps:
	@command -v Xvfb >/dev/null && command -v xdotool >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq xvfb xdotool \
	    libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 \
	    libxcb-randr0 libxcb-render-util0 libxcb-image0 libegl1 libgl1 libfontconfig1 \
	    >/dev/null; } || { echo "Install xvfb and xdotool (apt-get install xvfb xdotool)"; exit 1; }

test: lint system-deps
	$(BIN)/python -m pytest -q -ra

VERSION = $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' cene_desktop/__init__.py)

# dist/Cene/ (double-click Cene.desktop or run ./Cene) and dist/Cene-VERSION-linux-ARCH.tar.gz.
package: $(STAMP)
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller build.spec
	packaging/make_linux_package.sh dist $(VERSION)

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
