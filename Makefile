# Rafiq — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
REPLICAS ?= 2
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONWARNINGS := ignore::DeprecationWarning

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml scripts/setup
	@bash scripts/setup

setup: $(STAMP) ## create .venv with Python 3.10 and install Rafiq (only when needed)

train: $(STAMP) ## train the model if the training data or config changed
	@$(VENV)/bin/rafiq train

run: $(STAMP) ## set up, train if needed, serve on 127.0.0.1:5005 (web chat at /chat) and 5055; Ctrl-C stops
	@$(VENV)/bin/rafiq serve

cluster: $(STAMP) ## scale-out profile on 127.0.0.1:5005: PostgreSQL, Redis, REPLICAS=2 Rasa replicas, nginx; Ctrl-C stops
	@bash scripts/cluster --replicas $(REPLICAS)

chat: $(STAMP) ## chat with the running bot in this terminal
	@$(VENV)/bin/rafiq chat

test: $(STAMP) ## run the whole test suite (trains once if needed, starts its own servers)
	@bash scripts/browser-deps
	@bash scripts/postgres-deps
	@bash scripts/redis-deps
	@bash scripts/nginx-deps
	@$(VENV)/bin/rafiq train
	@$(VENV)/bin/python -m pytest -q

lint: $(STAMP) ## ruff, mypy and rasa data validate
	@$(VENV)/bin/ruff check bot nlu actions channels tests bench
	@$(VENV)/bin/mypy bot nlu actions channels
	@$(VENV)/bin/rasa data validate --domain domain.yml --data nlu --config config.yml --fail-on-warnings

eval: $(STAMP) ## figures on the development set (../shared/eval/dev.jsonl)
	@$(VENV)/bin/rafiq eval ../shared/eval/dev.jsonl

bench: $(STAMP) ## REST latency and classify throughput (needs `make run` in another terminal for latency)
	@$(PY) bench/rest_latency.py
	@$(PY) bench/classify_throughput.py

clean: ## remove the virtualenv, models and local data
	rm -rf $(VENV) models var .rasa .pytest_cache .mypy_cache .ruff_cache

.PHONY: help setup train run cluster chat test lint eval bench clean
