# Two commands for a new user: `make run` (set up and start Cene) and `make test` (set up and run
# every check). Both create .venv on first use and install what they need into it: `make run` the
# app alone (LiteRT runs the model on the CPU; TensorFlow only where a GPU is found), `make test`
# the test, training and packaging tools on top.
VENV ?= .venv
BIN := $(VENV)/bin
APP_STAMP := $(VENV)/.installed-app
TEST_STAMP := $(VENV)/.installed-test
# An NVIDIA GPU that the driver answers for: the app then runs the model through TensorFlow.
GPU := $(shell command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | head -n 1)
APP_REQUIREMENT := $(if $(GPU),.[gpu],.)
PIP := $(BIN)/python -m pip install --progress-bar on --disable-pip-version-check

.PHONY: run test lint system-deps package clean

$(BIN)/python:
	@python=$$(packaging/find-python.sh) || exit 1; \
	  echo "==> Creating $(VENV) with $$python"; \
	  "$$python" -m venv $(VENV)

$(APP_STAMP): pyproject.toml | $(BIN)/python
ifneq ($(GPU),)
	@echo "==> GPU found ($(GPU)): installing Cene with TensorFlow for CUDA (about 4 GB, several minutes)"
else
	@echo "==> Installing Cene and what it runs on: Qt, LiteRT, Pillow (about 450 MB, under a minute on a fast connection)"
endif
	$(PIP) -e '$(APP_REQUIREMENT)'
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	@echo "==> Installing Cene with the test, training and packaging tools: pytest, TensorFlow, PyTorch (CPU), PyInstaller (about 3.6 GB, a few minutes)"
	$(PIP) -e '.[dev,training,package$(if $(GPU),$(comma)gpu,)]'
	@touch $@

comma := ,

run: $(APP_STAMP)
	@echo "==> Starting Cene"
	$(BIN)/cene

lint: $(TEST_STAMP)
	$(BIN)/ruff check cene_desktop model_training tests benchmarks
	$(BIN)/ruff format --check cene_desktop model_training tests benchmarks
	$(BIN)/mypy cene_desktop

# The end-to-end window test drives a real X server: Xvfb and xdotool (Debian packages).
system-deps:
	@command -v Xvfb >/dev/null && command -v xdotool >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && echo "==> Installing Xvfb and xdotool for the window tests" && \
	    apt-get update -qq && apt-get install -y -qq xvfb xdotool \
	    libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 \
	    libxcb-randr0 libxcb-render-util0 libxcb-image0 libegl1 libgl1 libfontconfig1 \
	    >/dev/null; } || { echo "Install xvfb and xdotool (apt-get install xvfb xdotool)"; exit 1; }

test: lint system-deps
	$(BIN)/python -m pytest -q -ra

VERSION = $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' cene_desktop/__init__.py)

# dist/Cene/ (double-click Cene.desktop or run ./Cene) and dist/Cene-VERSION-linux-ARCH.tar.gz.
package: $(TEST_STAMP)
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller build.spec
	packaging/make_linux_package.sh dist $(VERSION)

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
