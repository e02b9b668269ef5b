# Two entry points for a fresh machine: `make demo` and `make test`.
# Each makes the virtual environment it needs (in .venv) from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit venv clean chromium postgresql

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/cxo demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

# The HTML report's browser test drives Debian's chromium; install it when we can (root).
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium for the report's browser test"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y chromium \
		|| { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }; \
	else \
		echo "chromium is missing: the report's browser test will be skipped (it fails when CI=true)."; \
		echo "install it with: sudo apt-get install chromium"; \
	fi

# The SQL source's tests start a throwaway server from Debian's postgresql; install it likewise.
postgresql:
	@if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing postgresql for the SQL source's tests"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql \
		|| { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; }; \
	else \
		echo "postgresql is missing: the SQL source's PostgreSQL tests will be skipped (they fail when CI=true)."; \
		echo "install it with: sudo apt-get install postgresql"; \
	fi

unit: $(STAMP) chromium postgresql
	$(BIN)/pytest -n 2 --dist loadgroup

test: lint typecheck unit

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
