# The two commands of the README:  `make run` (the main job on the embedded local model) and `make test`.
# Both create .venv when missing.  PYTHON must be a real interpreter (not a pyenv shim) of version >= 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
CORES  ?= 2
# the experiment: config.yaml (embedded local model) or e.g. CONFIG=workflow/experiments/scaled_code_nl.yaml
CONFIG ?= config.yaml

.PHONY: run test setup model plan check clean-results

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

test: setup
	$(PY) -m pytest -q tests

clean-results:
	rm -rf results .snakemake
