# returnhub: `make demo` serves a seeded app; `make test` passes the whole suite. Both work on a fresh machine.
SHELL := /bin/bash
# uv is run as a module so it is found wherever pip put it (pyenv, venv or user site).
UV := python3 -m uv
PY := .venv/bin/python
RH := .venv/bin/returnhub

.PHONY: uv install demo test lint bench serve clean assets fuzz faults load

uv:
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==0.13.8"

install: uv
	$(UV) sync --frozen --all-extras
	@$(MAKE) --no-print-directory assets

assets:
	@if [ -f package.json ]; then npm ci --no-audit --no-fund --silent; fi

demo: install
	$(RH) db upgrade
	$(RH) seed --if-empty
	@# The local mail server (aiosmtpd, Maildir in var/mail; `returnhub notices mailbox` shows it) and the
	@# outbox sender run beside the web server and stop with it. The demo is plain http on 127.0.0.1, so the
	@# session cookie is not marked Secure there (anywhere else it is: RETURNHUB_SESSION_COOKIE_SECURE).
	$(RH) notices smtpd & smtpd=$$!; \
	$(RH) notices send --loop & sender=$$!; \
	trap 'kill $$smtpd $$sender 2>/dev/null' EXIT INT TERM; \
	RETURNHUB_SESSION_COOKIE_SECURE=false $(RH) serve --host 127.0.0.1 --port 8000

test: install
	.venv/bin/pytest -q -n 2 --dist loadfile

lint: install
	.venv/bin/ruff check src tests benchmarks harnesses
	.venv/bin/mypy
	.venv/bin/lint-imports

bench: install
	for b in benchmarks/*.py; do $(PY) $$b; done

# Hypothesis over the MRZ parser, the importer, the API's query parameters and the event payloads; one JSON
# line (inputs and crashes per target). FUZZ_EXAMPLES inputs per target (default 2,000; FUZZ_EXAMPLES_MRZ,
# _EVENT_PAYLOADS, _IMPORTER, _QUERY_PARAMETERS for one), in shards over one worker process per core.
fuzz: install
	$(PY) harnesses/fuzz.py

# kill -9 of a writer 100 times on SQLite and on a PostgreSQL database of its own; one JSON line each
# (kills, writes acknowledged, writes found, half-written cases, chain verified).
# The fault table, one JSON line per fault (harnesses/faults.py): writers and the server's workers killed with
# SIGKILL 100 times each, a PostgreSQL cluster of its own restarted under load, a disk that fills during an
# import (needs root: mount), corrupted rows. About five minutes on an idle machine; FAULTS_ARGS e.g. "--kind
# server-kill --server-kills 200".
faults: install
	nice -n 10 $(PY) harnesses/faults.py --postgres "$${RETURNHUB_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}" $(FAULTS_ARGS)

# locust against 127.0.0.1 only, bounded (at most 50 users, 120 s a run): the mix and the bare /health at each
# user count; one JSON line each. LOAD_ARGS e.g. "--persons 200000 --users 1,10,50 --seconds 60 --workers 2".
load: install
	$(PY) harnesses/load.py $(LOAD_ARGS)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
