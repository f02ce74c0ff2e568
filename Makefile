# adrisk: `make run` serves the API, `make test` runs the tests. Both install what they need first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# the scorer's loops built ahead of time (classifier/kernels.py): a start without numba's import and cache
KERNELS := $(VENV)/.kernels
READY  := $(STAMP) $(KERNELS) bytecode
MODEL  := models/model.skops
DEV    := ../shared/data/dev.jsonl
DEVARG := $(if $(wildcard $(DEV)),--dev $(DEV),)

EMSCAD := ../shared/data/emscad

# what the tests start for themselves: a PostgreSQL server and a headless Chromium with its driver (Debian's);
# what the benchmarks load the API with: wrk
TEST_DEBS  := postgresql chromium chromium-driver fonts-dejavu-core
BENCH_DEBS := wrk
SOAK       ?= 60

# $(call apt,PACKAGES,WHAT): install the Debian packages that are missing (none: apt is not asked at all)
define apt
	@missing=""; for deb in $(1); do \
	  dpkg-query -W -f='$${Status}' $$deb 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$deb"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing for $(2)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	      --no-install-recommends $$missing >/dev/null; } \
	  || echo "adrisk: warning: could not install$$missing; $(2) that need them will say so"; \
	fi
endef

.PHONY: install bytecode train run test test-deps bench-deps evaluate bench robustness loadtest clean

# editable_mode=compat: the project folder on sys.path from a .pth line, where setuptools' default import hook
# cost every Python start 10 ms (each `adrisk score` and each test subprocess); setuptools calls the mode
# transitional, so where it is gone the default install follows
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' --config-settings editable_mode=compat 2>/dev/null \
	  || $(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# a failed build (no C compiler) is a warning: the loops then compile through numba at first use
$(KERNELS): classifier/kernels_jit.py classifier/kernels.py classifier/kernels_build.py | $(STAMP)
	-$(BIN)/python -m classifier.kernels_build
	touch $(KERNELS)

# bytecode of the project's own modules, which pip writes for installed packages but not for an editable one
# (nor does Python where PYTHONDONTWRITEBYTECODE is set): compiling them from source took a sixth of a second
# of each start; only changed files are compiled again
bytecode: | $(STAMP)
	@$(BIN)/python -m compileall -q classifier api training >/dev/null

install: $(READY)

# --force: `make train` means to replace the model, and a card left without its model file is no model to keep
$(MODEL): | $(READY)
	$(BIN)/adrisk train --force $(DEVARG)

train: $(READY)
	$(BIN)/adrisk train --force $(DEVARG)

run: $(READY) $(MODEL)
	$(BIN)/adrisk serve --host 127.0.0.1 --port 8000

# installs only what is missing, so a repeated `make test` asks apt nothing
test-deps:
	$(call apt,$(TEST_DEBS),the tests)

bench-deps:
	$(call apt,$(BENCH_DEBS),the benchmarks)

test: $(READY) $(MODEL) test-deps
	ADRISK_SOAK_SECONDS=$(SOAK) $(BIN)/python -m pytest

evaluate: $(READY) $(MODEL)
	$(BIN)/python tests/test_checklist.py
	$(BIN)/python tests/bench/evaluate.py $(DEV) $(EMSCAD)

bench: $(READY) $(MODEL) bench-deps
	$(BIN)/python tests/bench/bench_score.py
	$(BIN)/python tests/bench/bench_indicators.py
	$(BIN)/python tests/bench/bench_campaigns.py

robustness: $(READY) $(MODEL)
	$(BIN)/python tests/bench/robustness.py $(DEV)

loadtest: $(READY) $(MODEL) bench-deps
	$(BIN)/python tests/bench/loadtest.py --seconds 60

clean:
	rm -rf $(VENV) $(MODEL) classifier/_kernels_aot.* models/compiled.npz models/card.json .pytest_cache .hypothesis
