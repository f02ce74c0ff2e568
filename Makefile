# adrisk: `make run` serves the API, `make test` runs the tests. Both install what they need first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MODEL  := models/model.skops
DEV    := ../shared/data/dev.jsonl
DEVARG := $(if $(wildcard $(DEV)),--dev $(DEV),)

EMSCAD := ../shared/data/emscad

.PHONY: install train run test evaluate bench robustness loadtest clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# --force: `make train` means to replace the model, and a card left without its model file is no model to keep
$(MODEL): | $(STAMP)
	$(BIN)/adrisk train --force $(DEVARG)

train: $(STAMP)
	$(BIN)/adrisk train --force $(DEVARG)

run: $(STAMP) $(MODEL)
	$(BIN)/adrisk serve --host 127.0.0.1 --port 8000

test: $(STAMP) $(MODEL)
	$(BIN)/python -m pytest

evaluate: $(STAMP) $(MODEL)
	$(BIN)/python tests/bench/evaluate.py $(DEV) $(EMSCAD)

bench: $(STAMP) $(MODEL)
	$(BIN)/python tests/bench/bench_score.py
	$(BIN)/python tests/bench/bench_indicators.py
	$(BIN)/python tests/bench/bench_campaigns.py

robustness: $(STAMP) $(MODEL)
	$(BIN)/python tests/bench/robustness.py $(DEV)

loadtest: $(STAMP) $(MODEL)
	$(BIN)/python tests/bench/loadtest.py

clean:
	rm -rf $(VENV) $(MODEL) .pytest_cache .hypothesis
