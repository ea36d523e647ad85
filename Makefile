# `make demo` (the main job), `make check` (the quick loop: lint and the in-process tests) and `make test` (the
# whole suite). Each bootstraps what it needs; tests/README.md says what each tier runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
TS_EXAMPLE := examples/typescript
TS_STAMP := $(TS_EXAMPLE)/node_modules/.installed-stamp
PULUMI_BIN = $$(bash scripts/ensure-pulumi.sh)

.PHONY: bootstrap demo demo-preview demo-refresh demo-destroy demo-reset check test lint generate sdk-range
.PHONY: bench

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements.txt
	$(VENV)/bin/pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

# The TypeScript example's pinned npm packages (its end-to-end test links this node_modules).
$(TS_STAMP): $(TS_EXAMPLE)/package.json $(TS_EXAMPLE)/package-lock.json
	@bash scripts/ensure-node.sh
	npm ci --prefix $(TS_EXAMPLE) --no-audit --no-fund --loglevel=error
	touch $@

# Python dependencies, the Knot DNS server, the Pulumi CLI and its language hosts (built once into
# ~/.cache), Node.js and the TypeScript example's packages.
bootstrap: $(STAMP) $(TS_STAMP)
	@bash scripts/ensure-knot.sh
	@bash scripts/ensure-pulumi.sh >/dev/null

demo: bootstrap
	@DMS_PULUMI_BIN=$(PULUMI_BIN) $(PY) -m devtools.demo up

demo-preview: bootstrap
	@DMS_PULUMI_BIN=$(PULUMI_BIN) $(PY) -m devtools.demo preview

demo-refresh: bootstrap
	@DMS_PULUMI_BIN=$(PULUMI_BIN) $(PY) -m devtools.demo refresh

# Destroys what the service allows: verified domains are refused and kept.
demo-destroy: bootstrap
	@DMS_PULUMI_BIN=$(PULUMI_BIN) $(PY) -m devtools.demo destroy

# Forget the demo's local world (ledger, DNS data, Pulumi state). Local only: a real account keeps verified domains.
demo-reset:
	rm -rf .state

# The quick loop: what `make lint` checks, then every in-process test (tests/fast: no network, no subprocess).
check: lint
	@$(PY) -m pytest -q tests/fast

# The SDK matrix first (its own venvs), then the whole suite in .venv.
test: bootstrap lint sdk-range
	@DMS_PULUMI_BIN=$(PULUMI_BIN) $(PY) -m pytest -q

# The fast tier and one plain-CLI e2e at each end of pyproject.toml's dependency ranges (devtools/sdk_range.py):
# .venv-sdk-min holds every lower end, .venv-sdk-max every dependency's newest release on PyPI. What each end
# installs is asked again on every run; its file, and then its venv, change only when that does (a new release).
SDK_ENDS := min max
SDK_STAMPS := $(foreach end,$(SDK_ENDS),.venv-sdk-$(end)/.installed-stamp)
.PRECIOUS: .venv-sdk-%.txt
.PHONY: FORCE

.venv-sdk-%.txt: FORCE $(STAMP)
	@$(PY) -m devtools.sdk_range requirements $* > $@.new && if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

.venv-sdk-%/.installed-stamp: .venv-sdk-%.txt requirements.txt pyproject.toml devtools/sdk_range.py $(STAMP)
	rm -rf .venv-sdk-$*
	$(PYTHON) -m venv .venv-sdk-$*
	.venv-sdk-$*/bin/pip install -q --disable-pip-version-check -r .venv-sdk-$*.txt -e '.[all]'
	touch $@

sdk-range: bootstrap $(SDK_STAMPS)
	@bin=$(PULUMI_BIN); for end in $(SDK_ENDS); do \
	  DMS_PULUMI_BIN=$$bin .venv-sdk-$$end/bin/python -m devtools.sdk_range run $$end || exit 1; done

lint: $(STAMP)
	@$(VENV)/bin/ruff check --quiet .
	@$(VENV)/bin/ruff format --check --quiet .
	@$(PY) scripts/check_layers.py
	@$(PY) scripts/generate_types.py --check
	@$(VENV)/bin/mypy --pretty --no-error-summary || { echo "mypy: the type errors above (config: [tool.mypy] in pyproject.toml)"; exit 1; }

# What is derived from the one definition of SenderDomain's inputs: the package's schema types, the API's exports.
generate: $(STAMP)
	@$(PY) scripts/generate_types.py

# Benchmarks (bench/README.md), not tests: their own venv, so octoDNS and its pytest plugins stay out of .venv.
BENCH_VENV := bench/.venv
BENCH_STAMP := $(BENCH_VENV)/.installed-stamp

$(BENCH_STAMP): requirements.txt bench/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q --disable-pip-version-check -r bench/requirements.txt
	$(BENCH_VENV)/bin/pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

bench: bootstrap $(BENCH_STAMP)
	@bash bench/run.sh
