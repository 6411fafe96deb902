# Two commands: `make run` serves the chat page and the API (rag serve), `make test` runs every test.
# Both set up .venv, models and index first, and are quick the second time.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
REQ_HASH := $(shell sha256sum requirements.txt | cut -c1-16)
# llama.cpp is compiled here (no wheel on the registry) for this machine's CPU, but without AMX: its AMX kernels
# segfault on some hosts (llama.cpp#20824, seen here in ldtilecfg). The wheel is kept in ~/.cache/rag-wheels, keyed
# by version, flags and this CPU's feature list: pip's own cache is keyed by the source alone, and would hand a
# wheel built with other flags, or on a host with other instructions, to this one.
LLAMA_VERSION := $(shell sed -n 's/^llama_cpp_python==//p' requirements.txt)
NO_AMX := $(if $(filter x86_64,$(shell uname -m)),-mno-amx-tile -mno-amx-int8 -mno-amx-bf16)
LLAMA_CMAKE := -DLLAVA_BUILD=OFF -DGGML_NATIVE=ON $(if $(NO_AMX),-DCMAKE_C_FLAGS='$(NO_AMX)' -DCMAKE_CXX_FLAGS='$(NO_AMX)')
CPU_FEATURES := $(shell grep -m1 -E '^(flags|Features)' /proc/cpuinfo 2>/dev/null)
LLAMA_KEY := $(shell echo "$(LLAMA_VERSION) $(LLAMA_CMAKE) $(CPU_FEATURES)" | sha256sum | cut -c1-12)
LLAMA_WHEELS := $(HOME)/.cache/rag-wheels/llama-$(LLAMA_KEY)
STAMP := $(VENV)/.stamp-$(REQ_HASH)-$(LLAMA_KEY)
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup models index run test lint browser clean-index

setup: $(STAMP) models

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	@ls $(LLAMA_WHEELS)/llama_cpp_python-*.whl >/dev/null 2>&1 || { echo "compiling llama.cpp for this CPU (3 to 9 minutes, once)"; \
	  CMAKE_ARGS="$(LLAMA_CMAKE)" $(PY) -m pip wheel -q --disable-pip-version-check --no-deps --no-cache-dir \
	  --no-binary llama-cpp-python -w $(LLAMA_WHEELS).tmp llama-cpp-python==$(LLAMA_VERSION) && \
	  rm -rf $(LLAMA_WHEELS) && mv $(LLAMA_WHEELS).tmp $(LLAMA_WHEELS); }
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --force-reinstall $(LLAMA_WHEELS)/llama_cpp_python-*.whl
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
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
