# Everything a newcomer or CI needs. Python 3.11, 3.12 or 3.13: the newest on the PATH, or
# PYTHON=/path/to/python. `make run` and `make test` start RabbitMQ (and PostgreSQL when
# TEST_POSTGRES_URL is set) if it is installed but stopped; see scripts/local_services.py.
SUPPORTED := 3.11 3.12 3.13
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	$$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' \
	>/dev/null 2>&1 && { echo $$p; break; }; done)
VENV ?= .venv
BIN := $(VENV)/bin
CHECK_SERVERS := $(BIN)/python -m scripts.local_services

.PHONY: install run demo test test-unit test-integration test-postgres faults lint format \
	migrate bench clean openapi web-assets translations

$(BIN)/nameko: pyproject.toml
	@python="$(PYTHON)"; if [ -z "$$python" ]; then \
	  echo "Python $(SUPPORTED) is needed and none is on the PATH: install one (Debian/Ubuntu: sudo apt-get install -y python3 python3-venv; macOS: brew install python@3.13), or name it: make PYTHON=/path/to/python3 $(MAKECMDGOALS)" >&2; \
	  exit 1; fi; \
	"$$python" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' || { \
	  echo "$$python is Python $$("$$python" -c 'import platform; print(platform.python_version())'); this suite supports $(SUPPORTED)" >&2; exit 1; }; \
	echo "creating $(VENV) with $$python ($$("$$python" -c 'import platform; print(platform.python_version())'))"; \
	"$$python" -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/nameko

migrate: install
	$(BIN)/python -m shared.manage migrate

run: install  ## RabbitMQ checked (or started), databases migrated, all five services started
	@$(BIN)/python -m scripts.run_local

demo: install  ## submit a sample enquiry to the running suite and print the result
	@$(BIN)/python -m scripts.demo

test: install  ## unit, integration and end-to-end tests (SQLite; TEST_POSTGRES_URL for PostgreSQL)
	@$(CHECK_SERVERS) test
	$(BIN)/python -m pytest

test-unit: install  ## pure logic: no broker, no database server
	$(BIN)/python -m pytest tests/unit

test-integration: install  ## unit and integration tests (what CI runs on the other Pythons)
	@$(CHECK_SERVERS) test
	$(BIN)/python -m pytest tests/unit tests/integration

test-postgres: install
	@TEST_POSTGRES_URL=$${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres} \
	  $(CHECK_SERVERS) test
	TEST_POSTGRES_URL=$${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres} $(BIN)/python -m pytest

faults: install  ## 1,000 enquiries under process kills, a broker restart and failing handlers
	@$(CHECK_SERVERS) test
	$(BIN)/python -m pytest -m faults -s -p no:cacheprovider tests/faults

bench: install  ## performance figures (see benchmarks/)
	$(BIN)/python benchmarks/advice_match.py
	$(BIN)/python benchmarks/task_scan.py
	$(BIN)/python benchmarks/pack_render.py
	$(BIN)/python benchmarks/token_check.py
	$(BIN)/python benchmarks/gateway.py
	$(BIN)/python benchmarks/case_page.py
	$(BIN)/python benchmarks/case_page_live.py

web-assets: install  ## copy GOV.UK Frontend (the version package.json pins) into the gateway's static files
	$(BIN)/python -m scripts.web_assets

openapi: install  ## write docs/openapi.json from the gateway's code (a unit test checks it)
	$(BIN)/python -m services.gateway.openapi

WEB_TRANSLATIONS := services/gateway/web/translations
translations: install  ## the web pages' words: extract them, update the Welsh catalogue, compile it (commit the .po and .mo)
	$(BIN)/pybabel extract -F $(WEB_TRANSLATIONS)/babel.cfg -k _l -k lazy_ngettext:1,2 \
	  --project="Housing options suite" --copyright-holder="Housing options suite" -w 100 \
	  -o $(WEB_TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(WEB_TRANSLATIONS)/messages.pot -d $(WEB_TRANSLATIONS) -l cy -w 100
	$(BIN)/pybabel compile -d $(WEB_TRANSLATIONS) -l cy --statistics

lint: install  ## ruff, and the layer contracts (import-linter, [tool.importlinter] in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var .pytest_cache
