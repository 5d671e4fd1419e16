# The front door: every routine task is a make target (`make help` lists them).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 3000
DATA_DIR ?= ./data
CONTAINER_TOOL := $(shell command -v podman 2>/dev/null || command -v docker 2>/dev/null)

.PHONY: help install run test bench container lint clean

help: ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its test extra

run: $(STAMP) ## Start the server on http://127.0.0.1:3000 with data under ./data
	$(BIN)/canvas-imports --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

test: $(STAMP) ## Run the test suite
	$(BIN)/python -m pytest -q

bench: $(STAMP) ## Run the benchmarks and print their figures and ratios
	$(BIN)/python -m bench

container: ## Build the container image with podman or docker
	@test -n "$(CONTAINER_TOOL)" || (echo "neither podman nor docker is installed" && exit 1)
	$(CONTAINER_TOOL) build -f Containerfile -t canvas-imports .

lint: $(STAMP) ## Byte-compile everything (catches syntax errors without extra tools)
	$(BIN)/python -m compileall -q service tests bench

clean: ## Remove the virtual environment and caches (keeps ./data)
	rm -rf $(VENV) .pytest_cache build *.egg-info
