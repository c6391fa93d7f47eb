# Two commands for a newcomer: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# constraints.txt pins torch's CPU build (2.13.0+cpu), so pip can never fall back to PyPI's multi-GB
# CUDA build. PyPI does not carry +cpu builds: pip takes it from WHEELS where that folder exists (a
# local wheel cache, e.g. on CI), and from PyTorch's CPU index everywhere else.
WHEELS ?= /opt/wheels
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu
PIP_INSTALL := $(BIN)/python -m pip install --quiet -c constraints.txt \
  $(if $(wildcard $(WHEELS)),--find-links $(WHEELS),--extra-index-url $(TORCH_CPU_INDEX))
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast fuzz lint install install-test chromium postgresql redis wrk db ingest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP_INSTALL) -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

db: install
	$(BIN)/kb db upgrade

# A file that cannot be read is reported (file and line) and skipped; the server still starts.
ingest: db
	$(BIN)/kb ingest || echo "일부 파일을 불러오지 못했습니다: 위 요약의 '!' 줄을 보세요."

run: ingest
	$(BIN)/kb serve --dev --host $(HOST) --port $(PORT)

# A missing Debian package is installed as root: through sudo for a user who is not root.
APT_GET := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get

# Browser tests drive Debian's Chromium; Playwright's own browser download is never used.
BROWSER_PACKAGES := chromium fonts-noto-cjk fonts-noto-color-emoji
chromium:
	@dpkg -s $(BROWSER_PACKAGES) >/dev/null 2>&1 || { \
	  echo "installing Debian's $(BROWSER_PACKAGES) for the browser tests"; \
	  $(APT_GET) update -qq && $(APT_GET) install -y -qq $(BROWSER_PACKAGES) >/dev/null; }
	@test -x /usr/bin/chromium

# The PostgreSQL tests start a throwaway cluster from Debian's server binaries (tests/postgres.py).
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || { \
	  echo "installing Debian's postgresql for the PostgreSQL tests"; \
	  $(APT_GET) update -qq && $(APT_GET) install -y -qq postgresql >/dev/null; }

# The task-queue tests start a throwaway redis-server on a Unix socket in a temporary directory (tests/redis_server.py).
redis:
	@command -v redis-server >/dev/null || { \
	  echo "installing Debian's redis-server for the task-queue tests"; \
	  $(APT_GET) update -qq && $(APT_GET) install -y -qq redis-server >/dev/null; }

# The gates (pyproject.toml): ruff, the import-linter layers contract, and mypy against the checked-in
# baseline .ci/mypy-baseline.txt, which may only shrink. A few seconds, so `make test` runs them first.
lint: install-test
	$(BIN)/python -m ruff check .
	PYTHONPATH=.ci $(BIN)/python -c "from importlinter.cli import lint_imports_command; lint_imports_command()"
	$(BIN)/python .ci/mypy_baseline.py

# pytest keeps each test module with its asserts rewritten in __pycache__, as Python keeps bytecode; where
# PYTHONDONTWRITEBYTECODE is set it re-parses and rewrites every module on every run (about 9 s of CPU
# per xdist worker), so the test targets let Python write its caches.
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest

test: lint chromium postgresql redis
	$(PYTEST) -n 2 --dist loadgroup

# The quick loop: everything but the browser tests and the slow ones (torch, PostgreSQL and other real
# servers); tests/conftest.py fails a test that imports torch without the slow mark.
test-fast: install-test
	$(PYTEST) -n 2 --dist loadgroup -m "not slow and not browser"

# Schemathesis against the OpenAPI document with many more generated requests per operation than `make test`.
fuzz: install-test
	KB_FUZZ_EXAMPLES=300 $(PYTEST) tests/reading/test_openapi_conformance.py

# bench/pages.py drives uvicorn with wrk (Debian's package): a C load generator leaves the CPU to the server.
wrk:
	@command -v wrk >/dev/null || { \
	  echo "installing Debian's wrk package for bench/pages.py"; \
	  $(APT_GET) update -qq && $(APT_GET) install -y -qq wrk >/dev/null; }

bench: install-test wrk
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/mixed.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/writes.py
	$(BIN)/python bench/indexer.py
	$(BIN)/python bench/notify.py
	$(BIN)/python bench/demos.py

clean:
	rm -rf $(VENV) var tests/artifacts
