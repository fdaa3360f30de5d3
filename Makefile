# returnhub: `make demo` serves a seeded app; `make test` passes the whole suite. Both work on a fresh machine.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PY := .venv/bin/python
RH := .venv/bin/returnhub

.PHONY: install demo test lint bench serve clean assets

$(UV):
	python3 -m pip install --quiet "uv==0.13.8"

install: $(UV)
	$(UV) sync --frozen --all-extras
	@$(MAKE) --no-print-directory assets

assets:
	@if [ -f package.json ]; then npm ci --no-audit --no-fund --silent; fi

demo: install
	$(RH) db upgrade
	$(RH) seed --if-empty
	$(RH) serve --host 127.0.0.1 --port 8000

test: install
	.venv/bin/pytest -q -n 2 --dist loadfile

lint: install
	.venv/bin/ruff check src tests benchmarks
	.venv/bin/mypy

bench: install
	for b in benchmarks/*.py; do $(PY) $$b; done

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
