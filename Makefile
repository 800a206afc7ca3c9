# The two commands that matter: `make demo` and `make test`. Both set everything up themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help
STACK := deploy/stack.sh

.PHONY: help setup build up down status lint typecheck test-unit test-int test-faults test demo bench bench-full clean

help:
	@echo "make demo   - bring the stack up, run epipe on a realistic workload, print lag and throughput"
	@echo "make test   - install, start the real services, lint, typecheck, unit and integration tests"
	@echo "make up | down | status | lint | typecheck | test-unit | test-int | test-faults | bench | bench-full"

# `npm install` honours the committed lockfile. `npm ci` cannot be used: the registry reachable
# here does not serve jest's optional resolver bindings for other platforms, which the lockfile
# therefore lacks, and `npm ci` refuses a lockfile without them.
node_modules/.installed: package.json package-lock.json $(wildcard libs/*/package.json services/*/package.json)
	npm install --no-audit --no-fund
	@touch $@

setup: node_modules/.installed

build: setup
	npx tsc -b

up:
	bash $(STACK) up

down:
	bash $(STACK) down

status:
	bash $(STACK) status

lint: setup
	npx eslint .
	npx prettier --check .

typecheck: setup
	npx tsc -p tsconfig.check.json
	npx tsc -b

test-unit: setup
	npx jest --selectProjects unit

test-int: setup
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

# The memory fault scenarios at a million rows (one transaction, and a backlog) instead of
# `make test`'s hundred thousand; prints peak RSS and durations. Leaves the stack up.
.PHONY: test-soak
test-soak: build up
	set -a; source .stack/env; set +a; EPIPE_SOAK=1 npx jest --selectProjects faults --runInBand -- test/faults/memory

# The benchmark (bench/README.md): `bench` is the quick run (under 10 minutes), `bench-full` the big one.
bench: build up
	set -a; source .stack/env; set +a; npx tsc -b bench && node bench/dist/main.js

bench-full: build up
	set -a; source .stack/env; set +a; npx tsc -b bench && node bench/dist/main.js --full

clean:
	rm -rf libs/*/dist services/*/dist
