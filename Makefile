# 坐席助手 AgentAssist — the two commands in README.md: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SYS_STAMP := $(VENV)/.sysdeps-stamp

.PHONY: demo test setup sysdeps lint typecheck unit bench eval clean

setup: $(STAMP)

$(SYS_STAMP): scripts/install_sysdeps.sh
	@mkdir -p $(VENV)
	bash scripts/install_sysdeps.sh
	@touch $@

$(STAMP): pyproject.toml $(SYS_STAMP)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

demo: setup
	$(PY) -m assist_app demo

lint: setup
	$(PY) -m ruff check assist_app tests benchmarks eval scripts
	$(PY) -m mypy

test: setup lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider

bench: setup
	$(PY) benchmarks/bench_analysis.py

eval: setup
	$(PY) eval/run_eval.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache
