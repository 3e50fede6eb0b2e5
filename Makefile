# Everything a newcomer or CI needs. Python 3.11 is required (nameko 2.14 + eventlet).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run demo test test-unit test-postgres faults lint format migrate bench clean

$(BIN)/nameko: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/nameko

migrate: install
	$(BIN)/python -m shared.manage migrate

run: install  ## start all five services against $$AMQP_URI
	./deploy/run-local.sh

demo: install  ## submit a sample enquiry to the running suite and print the result
	$(BIN)/python -m scripts.demo

test: install  ## unit, integration and end-to-end tests (SQLite; TEST_POSTGRES_URL for PostgreSQL)
	$(BIN)/python -m pytest

test-unit: install
	$(BIN)/python -m pytest tests/unit

test-postgres: install
	TEST_POSTGRES_URL=$${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres} $(BIN)/python -m pytest

faults: install  ## 1,000 enquiries under process kills, a broker restart and failing handlers
	$(BIN)/python -m pytest -m faults -s -p no:cacheprovider tests/faults

bench: install  ## performance figures (see benchmarks/)
	$(BIN)/python benchmarks/advice_match.py
	$(BIN)/python benchmarks/task_scan.py
	$(BIN)/python benchmarks/pack_render.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var .pytest_cache
