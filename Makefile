# rotor: `make run` and `make test` are the whole set-up on a fresh machine (only python3 needed).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Strict editable installs link each file once; a new or removed file under src/ needs a re-install,
# so the stamp also depends on the list of files (rewritten only when that list changes).
FILES  := $(VENV)/.src-files
SRC_LIST := $(sort $(shell find src -type f -not -path '*/__pycache__/*' -not -name '*.pyc'))
ARGS ?=

.PHONY: run test lint format typecheck pytest test-online bench screenshots report clean FORCE

run: $(STAMP)
	$(BIN)/rotor $(ARGS)

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

format: $(STAMP)
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix src tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy -p rotor

pytest: $(STAMP)
	$(BIN)/pytest -q

test-online: $(STAMP)
	$(BIN)/pytest -q -m online

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py

report: $(STAMP)
	$(BIN)/rotor report $(ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(FILES): FORCE | $(BIN)/python
	@echo '$(SRC_LIST)' | cmp -s - $@ || echo '$(SRC_LIST)' > $@

$(STAMP): pyproject.toml constraints.txt $(FILES) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt \
		--config-settings editable_mode=strict -e '.[dev]'
	@touch $@

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .mypy_cache .ruff_cache .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
