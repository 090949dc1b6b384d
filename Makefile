# Madrasa: the two commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.PHONY: demo test install lint openapi messages bench bench-results clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Madrasa needs Python 3.11 or newer (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

## make demo [PORT=8000]: set up an SQLite demo (territory, schools, one account per role) and serve it
demo: $(STAMP)
	$(BIN)/madrasa demo --port $(PORT)

## make test: lint, type checks, contracts, then the whole suite on SQLite and PostgreSQL
test: $(STAMP)
	$(BIN)/python scripts/run_tests.py

lint: $(STAMP)
	$(BIN)/python scripts/run_tests.py --only-lint

## make openapi: re-export the committed OpenAPI document after changing the API
openapi: $(STAMP)
	MADRASA_ENV=test $(BIN)/madrasa export_openapi_schema --api madrasa.api.api --indent 2 --sorted --output openapi/madrasa-v1.json

## make messages: extract translatable strings into madrasa/locale/*/LC_MESSAGES/django.po (needs GNU gettext)
messages: $(STAMP)
	$(BIN)/madrasa makemessages -l ar -l fr -l en --ignore=.venv --ignore=var --no-location

## make bench [SCALE=small|province|national] [ONLY=name,...]: every scenario against the raw
## engine on PostgreSQL, one table at the end (bench/README.md)
bench: $(STAMP)
	$(BIN)/madrasa bench --scale $(or $(SCALE),small) $(if $(ONLY),--only $(ONLY))

## make bench-results [ROWS=1000000] [DURATION=20]: results-day lookups (wrk) against a bare pgbench point lookup on PostgreSQL
bench-results: $(STAMP)
	$(BIN)/python bench/results_day.py --rows $(or $(ROWS),1000000) --duration $(or $(DURATION),20)

clean:
	rm -rf $(VENV) var
