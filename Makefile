# The two commands that matter: `make demo` and `make test`. Both set everything up themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help
STACK := deploy/stack.sh

.PHONY: help setup tools build up down status lint typecheck test-unit test-int test-faults test demo bench bench-full clean

help:
	@echo "make demo   - bring the stack up, run epipe on a realistic workload, print lag and throughput"
	@echo "make test   - install, start the real services, lint, typecheck, unit and integration tests"
	@echo "make up | down | status | lint | typecheck | test-unit | test-rules | test-int | test-faults | bench | bench-full"

# `npm install` honours the committed lockfile. `npm ci` cannot be used: the registry reachable
# here does not serve jest's optional resolver bindings for other platforms, which the lockfile
# therefore lacks, and `npm ci` refuses a lockfile without them.
node_modules/.installed: package.json package-lock.json $(wildcard libs/*/package.json services/*/package.json bench/package.json)
	npm install --no-audit --no-fund
	@touch $@

setup: node_modules/.installed tools

# Tools the tests call: kubectl renders the Kubernetes overlays (kustomize 4 or newer: Debian's
# own kubernetes-client, 1.20, cannot load a directory as a base, so it is not used); promtool
# (Debian's prometheus package) checks the alert rules; shellcheck (Debian package) checks the
# shell scripts in `make lint`. Installed with apt-get when missing.
.PHONY: tools
tools:
	@command -v kubectl >/dev/null || { apt-get update -qq && apt-get install -y -qq kubectl; } || \
	  { echo "make setup: kubectl (1.21 or newer) is needed to render deploy/kubernetes; install it" >&2; exit 1; }
	@command -v promtool >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; } || \
	  { echo "make setup: promtool (Debian package prometheus) is needed to check deploy/prometheus" >&2; exit 1; }
	@command -v shellcheck >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck; } || \
	  { echo "make setup: shellcheck (Debian package shellcheck) is needed to check the shell scripts" >&2; exit 1; }

build: setup
	npx tsc -b

up:
	bash $(STACK) up

down:
	bash $(STACK) down

status:
	bash $(STACK) status

# Every shell script of the repository (deploy/stack.sh and the service files it sources).
SHELL_SCRIPTS = $(shell find . -name '*.sh' -not -path '*/node_modules/*' -not -path './.stack/*' | sort)

lint: setup
	npx eslint .
	npx prettier --check .
	shellcheck -x $(SHELL_SCRIPTS)

typecheck: setup
	npx tsc -p tsconfig.check.json
	npx tsc -b

test-unit: setup test-rules
	npx jest --selectProjects unit

# The alert rules: syntax, and the cases in alerts.test.yml.
.PHONY: test-rules
test-rules: setup
	promtool check rules deploy/prometheus/alerts.yml
	promtool test rules deploy/prometheus/alerts.test.yml

test-int: build
	set -a; [ -f .stack/env ] && source .stack/env; set +a; npx jest --selectProjects integration --runInBand

# The fault scenarios (test/faults): minutes each; they stop and restart the stack's services.
test-faults: build
	set -a; [ -f .stack/env ] && source .stack/env; set +a; npx jest --selectProjects faults --runInBand

# Brings the stack down even when a step fails, and keeps the first failure's exit code.
test: setup
	@status=0; \
	$(MAKE) --no-print-directory lint || status=$$?; \
	[ $$status = 0 ] && { $(MAKE) --no-print-directory typecheck || status=$$?; }; \
	[ $$status = 0 ] && { $(MAKE) --no-print-directory test-unit || status=$$?; }; \
	[ $$status = 0 ] && { bash $(STACK) up || status=$$?; }; \
	[ $$status = 0 ] && { $(MAKE) --no-print-directory test-int || status=$$?; }; \
	[ $$status = 0 ] && { $(MAKE) --no-print-directory test-faults || status=$$?; }; \
	bash $(STACK) down || true; \
	exit $$status

demo: build up
	set -a; source .stack/env; set +a; node services/demo/dist/main.js

# The soak (test/soak: 100 SIGKILLs and an outage of each service in one run, then the checker),
# and the memory fault scenarios at a million rows (one transaction, and a backlog) instead of
# `make test`'s hundred thousand; prints peak RSS and durations. Leaves the stack up.
.PHONY: test-soak
test-soak: build up
	set -a; source .stack/env; set +a; EPIPE_SOAK=1 npx jest --selectProjects faults --runInBand -- test/faults/memory
	set -a; source .stack/env; set +a; npx jest --selectProjects soak --runInBand

# The benchmark (bench/README.md): `bench` is the quick run (about 15 minutes), `bench-full` the big one.
bench: build up
	set -a; source .stack/env; set +a; npx tsc -b bench && node bench/dist/main.js

bench-full: build up
	set -a; source .stack/env; set +a; npx tsc -b bench && node bench/dist/main.js --full

clean:
	rm -rf libs/*/dist services/*/dist
