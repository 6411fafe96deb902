# Two commands: `make run` serves the chat page and the API (rag serve), `make test` runs every test.
# Both set up .venv, models and index first, and are quick the second time.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
REQ_HASH := $(shell sha256sum requirements.txt | cut -c1-16)
STAMP := $(VENV)/.stamp-$(REQ_HASH)
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup models index run test lint browser clean-index

setup: $(STAMP) models

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	CMAKE_ARGS="-DLLAVA_BUILD=OFF" $(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.stamp-* && touch $@

models: $(STAMP)
	@$(PY) -m rag models

index: setup
	@$(PY) -m rag index --quiet

run: index
	$(PY) -m rag serve

# Debian's Chromium for the browser test (Playwright must not download its own).
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

test: setup browser
	$(PY) -m pytest -q

lint: setup
	$(PY) -m ruff check rag tests app.py
	$(PY) -m ruff format --check rag tests app.py
