# The two commands of the README: `make run` and `make test`. Only Python 3.11+ and make needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
HOST ?= 127.0.0.1
# The PostgreSQL pass of `make test` uses TEST_DATABASE_URL, or this server when it answers.
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres install migrate lint schema migrations clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,redis,worker]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) -m graphql_api.cli migrate

run: migrate
	$(PY) -m graphql_api.cli demo
	$(PY) -m graphql_api.serve --host $(HOST) --port $(PORT)

test: test-sqlite test-postgres

test-sqlite: install
	env -u TEST_DATABASE_URL $(PY) -m pytest

test-postgres: install
	@url="$${TEST_DATABASE_URL:-}"; \
	if [ -z "$$url" ] && $(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then url="$(PG_URL)"; fi; \
	if [ -n "$$url" ]; then \
	  echo "PostgreSQL pass: $$url"; TEST_DATABASE_URL="$$url" $(PY) -m pytest; \
	elif [ -n "$${REQUIRE_POSTGRES:-}" ]; then \
	  echo "PostgreSQL pass required but no server answers on 127.0.0.1:5432" >&2; exit 1; \
	else \
	  echo "PostgreSQL pass skipped: set TEST_DATABASE_URL or run a server on 127.0.0.1:5432"; \
	fi

lint: install
	$(VENV)/bin/ruff check --no-cache .
	$(VENV)/bin/mypy .

schema: install
	$(PY) -m graphql_api.cli schema

migrations: install
	$(VENV)/bin/tortoise makemigrations

clean:
	rm -rf $(VENV) var .pytest_cache
