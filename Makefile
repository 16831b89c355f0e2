# Two commands for a new user: `make run` (set up and start Cene) and `make test`
# (set up and run every check). Both create .venv and install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint check-data package clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,training]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/cene

lint: $(STAMP)
	$(BIN)/ruff check cene_desktop model_training tests benchmarks
	$(BIN)/ruff format --check cene_desktop model_training tests benchmarks
	$(BIN)/mypy cene_desktop/core

test: lint
	$(BIN)/python -m pytest -q -ra

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
