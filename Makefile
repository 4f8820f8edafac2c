# The two commands of the README:  `make run` (the main job on the embedded local model) and `make test` (lint,
# then the tests).
# Both create .venv when missing.  PYTHON must be a real interpreter (not a pyenv shim) of version >= 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
CORES  ?= 2
# the experiment: config.yaml (embedded local model) or e.g. CONFIG=workflow/experiments/scaled_code_nl.yaml
CONFIG ?= config.yaml

.PHONY: run test lint setup model plan check report clean-results golden

$(VENV)/.base: pyproject.toml
	bash scripts/setup-system.sh
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,local,slurm]'
	touch $@

setup: $(VENV)/.base

# the local models the configuration names, downloaded and verified into the model cache once
# (~/.cache/codenl/models, or $CODENL_MODELS_DIR; `python -m codenl models list`)
model: setup
	$(PY) -m codenl models fetch --configfile $(CONFIG)

run: setup model
	$(VENV)/bin/snakemake --cores $(CORES) --profile workflow/profiles/local --configfile $(CONFIG)

plan: setup
	$(PY) -m codenl plan --configfile $(CONFIG)

check: setup
	$(PY) -m codenl check --configfile $(CONFIG)

# the linters, then the tests; both always run, and either failing fails `make test`
test: setup
	@status=0; $(MAKE) --no-print-directory lint || status=$$?; $(PY) -m pytest -q tests || status=$$?; exit $$status

# every linter runs (so that one run shows every finding); any finding fails
lint: setup
	@status=0; \
	$(VENV)/bin/ruff check . || status=1; \
	$(VENV)/bin/ruff format --check . || status=1; \
	$(VENV)/bin/snakemake --lint || status=1; \
	$(VENV)/bin/snakemake --lint --configfile workflow/experiments/scaled_code_nl.yaml || status=1; \
	exit $$status

# Snakemake's self-contained HTML report of a finished run of CONFIG: figures and key tables with captions
report: setup
	$(VENV)/bin/snakemake --profile workflow/profiles/local --configfile $(CONFIG) --report results/report.html

# after a deliberate bump of a generator's version: record its instances' golden hashes (tests/golden_instances.py)
golden: setup
	$(PY) -m tests.golden_instances

clean-results:
	rm -rf results .snakemake
