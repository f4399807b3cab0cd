# Two commands on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest check-content bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	@$(BIN)/python -m bot

test: $(STAMP)
	bash scripts/ensure-postgres.sh
	$(BIN)/ruff check bot handlers tests scripts
	$(BIN)/ruff format --check bot handlers tests scripts
	$(BIN)/mypy
	$(BIN)/python -m bot check-content
	$(BIN)/python -m pytest -q

check-content: $(STAMP)
	$(BIN)/python -m bot check-content

bench: $(STAMP)
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench_redflags.py
	$(BIN)/python scripts/bench_replicas.py
	$(BIN)/python scripts/bench_storage.py
	$(BIN)/python scripts/bench_when.py
	$(BIN)/python scripts/bench_people.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
