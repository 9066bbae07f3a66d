# mailops.secure_email — developer and CI entry points (GNU make).
#
#   make demo    the whole guide in the lab: plan (check+diff), converge, cutover, audit, re-run (changed=0), rollback
#   make test    every quality gate (what CI runs through .ci/run); logs in .build/logs/
#
# Layout: the repository root is the collection root. ansible-test needs the collection under
# .../ansible_collections/mailops/secure_email, so gates run in a scratch COPY of the repository
# at $(TREE) (`make tree`), next to ansible.netcommon and ansible.utils taken from the PyPI `ansible`
# wheel (`make deps`; Galaxy is not reachable from CI).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV        := .venv
VENV219     := .venv-219
BUILD       := .build
COLLECTIONS := $(CURDIR)/$(BUILD)/collections
TREE        := $(COLLECTIONS)/ansible_collections/mailops/secure_email
PKG_SRC     := $(CURDIR)/$(BUILD)/pkg/ansible_collections/mailops/secure_email
DIST        := $(CURDIR)/$(BUILD)/dist
LOGS        := $(CURDIR)/$(BUILD)/logs
WHEELS      := $(BUILD)/wheels
# The community `ansible` package whose wheel provides ansible.netcommon and ansible.utils.
ANSIBLE_PKG := 14.5.0
DEPS_STAMP  := $(COLLECTIONS)/.deps-ansible-$(ANSIBLE_PKG)

# Interpreters (evaluated only when needed). Override: make PY312=/path/to/python3.12 ...
PY312 ?= $(shell .ci/find_python.sh 3.12)
PY311 ?= $(shell .ci/find_python.sh 3.11)

LAB_STATE_DIR ?= .lab
LAB_ESA_PORT  ?= 2222
# The lab's AsyncOS release profile (python -m lab up reads LAB_RELEASE): empty = the lab's default, the newest
# menus backed by Cisco's CLI test library (14.1). `make integration LAB_RELEASE=13.5` runs another one; CI
# also runs the oldest menus (integration-oldest, molecule-oldest).
LAB_RELEASE    ?=
OLDEST_RELEASE := 11.0
export LAB_RELEASE

# Gate targets depend on `prep` when run on their own; .ci/gates.sh prepares once and then calls
# each gate with GATE_DEPS= (empty).
GATE_DEPS ?= prep

# Hide pip's warnings about this machine's file:// index locations; keep pip's exit status.
PIP_QUIET_FILTER := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }

# Environment for commands that run the collection (ansible-playbook, ansible-doc, ansible-lint).
RUN_ENV := PATH="$(CURDIR)/$(VENV)/bin:$$PATH" ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS)"

.PHONY: help venv venv-main venv-219 lock deps tree shim bind prep test demo lab-up lab-down clean \
        lint docs-lint sanity sanity-219 units lab-tests integration integration-oldest integration-oldest-full faults molecule molecule-oldest \
        build importer offline-install ee docsite chromium

help:
	@echo "make demo        the whole guide in the lab: plan, converge, audit, re-run (changed=0), rollback, summary"
	@echo "make bench       lab benchmark at 1, 10, 100 domains (BENCH_SIZES=1,10 for fewer) -> bench/results.md"
	@echo "make test        every gate: lint docs-lint docsite sanity sanity-219 units lab-tests integration integration-oldest faults molecule molecule-oldest demo build importer offline-install ee"
	@echo "make docsite     the docsite (antsibull-docs + Sphinx, offline) in $(BUILD)/docsite/html, one page checked in headless Chromium"
	@echo "make faults      the fault and bad-input suites against the lab (tests/faults, tests/badinput; tests/faults/README.md)"
	@echo "make integration LAB_RELEASE=13.5   a gate against another lab release profile (11.0, 13.5, 14.1, 16.0)"
	@echo "make integration-oldest-full   every release-dependent suite (roles too) against the oldest profile (11.0)"
	@echo "make venv        .venv (Python 3.12, pinned tools) and .venv-219 (Python 3.11, ansible-core 2.19)"
	@echo "make deps        ansible.netcommon + ansible.utils from the PyPI ansible wheel into $(BUILD)/collections"
	@echo "make tree        refresh the scratch collection copy at $(TREE)"
	@echo "make shim        install the offline get-pip shim for ansible-test (both venvs)"
	@echo "make bind        install BIND (named) for the lab DNS when missing (apt-get, as root)"
	@echo "make <gate>      run one gate (prepares venv/deps/tree/shim first)"
	@echo "make lab-up | lab-down | clean | lock"

# ---------------------------------------------------------------------------------------------
# Virtualenvs: (re)installed only when the requirement files are newer than the stamp.

venv: venv-main venv-219
venv-main: $(VENV)/.stamp
venv-219: $(VENV219)/.stamp

# Fails with a clear message when an interpreter was not found.
need_python = @test -n "$(1)" || { echo "no working python$(2) found (PATH or pyenv); install it or pass PY$(subst .,,$(2))=/path/to/python$(2)"; exit 1; }

$(VENV)/.stamp: .ci/requirements-tools.txt .ci/constraints-py312.txt
	$(call need_python,$(PY312),3.12)
	@if ! $(VENV)/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then \
	  rm -rf $(VENV); echo "creating $(VENV) with $(PY312)"; $(PY312) -m venv $(VENV); fi
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
	  -r .ci/requirements-tools.txt -c .ci/constraints-py312.txt $(PIP_QUIET_FILTER)
	$(VENV)/bin/python -m pip check
	$(VENV)/bin/python -c 'import ansible.release as r; print("ansible-core", r.__version__)'
	touch $@

$(VENV219)/.stamp: .ci/requirements-core219.txt
	$(call need_python,$(PY311),3.11)
	@if ! $(VENV219)/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then \
	  rm -rf $(VENV219); echo "creating $(VENV219) with $(PY311)"; $(PY311) -m venv $(VENV219); fi
	$(VENV219)/bin/python -m pip install --quiet --disable-pip-version-check \
	  -r .ci/requirements-core219.txt $(PIP_QUIET_FILTER)
	$(VENV219)/bin/python -c 'import ansible.release as r; print("ansible-core", r.__version__)'
	touch $@

# Regenerate the full lock of .venv after editing .ci/requirements-tools.txt.
lock:
	rm -rf $(BUILD)/lockvenv
	$(PY312) -m venv $(BUILD)/lockvenv
	$(BUILD)/lockvenv/bin/python -m pip install --quiet --disable-pip-version-check -r .ci/requirements-tools.txt
	{ echo "# Generated by \`make lock\` from requirements-tools.txt (Python 3.12). Do not edit by hand."; \
	  $(BUILD)/lockvenv/bin/python -m pip freeze --all --exclude pip; } > .ci/constraints-py312.txt
	rm -rf $(BUILD)/lockvenv

# ---------------------------------------------------------------------------------------------
# Dependency collections, scratch tree, ansible-test's get-pip shim.

deps: $(DEPS_STAMP)

$(DEPS_STAMP): .ci/unpack_deps.py
	$(call need_python,$(PY312),3.12)
	mkdir -p $(WHEELS)
	@if ! ls $(WHEELS)/ansible-$(ANSIBLE_PKG)-*.whl >/dev/null 2>&1; then \
	  echo "downloading ansible==$(ANSIBLE_PKG) wheel"; \
	  $(PY312) -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
	    --python-version 3.12 -d $(WHEELS) ansible==$(ANSIBLE_PKG) $(PIP_QUIET_FILTER); fi
	$(PY312) .ci/unpack_deps.py $$(ls $(WHEELS)/ansible-$(ANSIBLE_PKG)-*.whl | head -1) $(COLLECTIONS) ansible/netcommon ansible/utils
	rm -f $(COLLECTIONS)/.deps-ansible-*
	touch $@

tree: deps
	$(PY312) .ci/copy_tree.py $(CURDIR) $(TREE) --git-init

shim: venv
	.ci/install_shim.sh $(VENV) $(VENV219)

# BIND (named, rndc) for the lab's DNS: apt-get install bind9 bind9-utils when named is missing (a no-op otherwise).
bind:
	.ci/install_bind.sh

prep: venv deps tree shim bind

# ---------------------------------------------------------------------------------------------
# Gates. `make test` runs them all (.ci/gates.sh), continuing after a failure.

test:
	.ci/gates.sh

# ansible-lint resolves collections in ~/.ansible/collections before ANSIBLE_COLLECTIONS_PATH: an installed copy of
# this collection (an older release) would hide the tree's new modules and entry points, so it runs with a HOME of
# its own.
LINT_HOME := $(CURDIR)/$(BUILD)/lint-home
lint: $(GATE_DEPS)
	@mkdir -p $(LINT_HOME)
	cd $(TREE) && HOME=$(LINT_HOME) $(RUN_ENV) ansible-lint --version
	cd $(TREE) && HOME=$(LINT_HOME) $(RUN_ENV) ansible-lint

docs-lint: $(GATE_DEPS)
	cd $(TREE) && $(RUN_ENV) antsibull-docs lint-collection-docs --plugin-docs .

sanity: $(GATE_DEPS)
	cd $(TREE) && PATH="$(CURDIR)/$(VENV)/bin:$$PATH" ansible-test sanity --venv --python 3.12 --color no

sanity-219: $(GATE_DEPS)
	cd $(TREE) && PATH="$(CURDIR)/$(VENV219)/bin:$$PATH" ansible-test sanity --venv --python 3.11 --color no

# ansible-test prints "WARNING: No tests found" and exits 0 when there is nothing to run: that must
# not pass silently, so the gate requires pytest's "N passed" line.
units: $(GATE_DEPS)
	mkdir -p $(LOGS)
	@# the posture report's HTML is rendered in headless Chromium by a unit test (installed when missing)
	.ci/install_chromium.sh
	cd $(TREE) && PATH="$(CURDIR)/$(VENV)/bin:$$PATH" ansible-test units --venv --python 3.12 --color no 2>&1 \
	  | tee $(LOGS)/units.raw
	@grep -Eq '[0-9]+ passed' $(LOGS)/units.raw || { echo "units: no passing unit tests were run"; exit 1; }

# pytest exits 5 when it collects no tests; that is a failure here, never a pass.
lab-tests: $(GATE_DEPS)
	@cd $(TREE) && rc=0; $(RUN_ENV) python -m pytest tests/lab -q -p no:cacheprovider || rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "lab-tests: pytest collected no tests (exit 5)"; fi; exit $$rc

INTEGRATION_TESTS ?= tests/integration
# The suites whose outcome depends on the AsyncOS release profile: the gateway dialogues (modules, roles' gateway
# sides, removal, backup and loadconfig, the probe). DNS, Exchange, posture, MSP, connection errors and the tracking
# API (test_esa_message_tracking.py: HTTP, no CLI dialogue) do not talk the CLI dialogues, so they run once, in
# `integration`.
OLDEST_SLICE_TESTS := $(filter-out tests/integration/test_esa_message_tracking.py,\
  $(wildcard tests/integration/test_esa_*.py)) tests/integration/test_probe.py
RELEASE_DEPENDENT_TESTS := $(OLDEST_SLICE_TESTS) tests/integration/test_roles_*.py

integration: $(GATE_DEPS)
	@cd $(TREE) && rc=0; $(RUN_ENV) python -m pytest $(INTEGRATION_TESTS) -q -p no:cacheprovider -n 2 --dist loadfile || rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "integration: pytest collected no tests (exit 5)"; fi; exit $$rc

# The oldest release profile (before DANE, ":>" prompts and paging inside dialogues), a slice in `make test`: every
# module's dialogues (test_esa_*, the probe). The roles' runs on it are molecule-oldest's converge and idempotence;
# `make integration-oldest-full` adds the role suites (removal, tags, backup and loadconfig), and
# `make integration LAB_RELEASE=11.0` runs every suite against it.
integration-oldest: $(GATE_DEPS)
	@$(MAKE) --no-print-directory integration GATE_DEPS= LAB_RELEASE=$(OLDEST_RELEASE) \
	  INTEGRATION_TESTS="$(OLDEST_SLICE_TESTS)"

integration-oldest-full: $(GATE_DEPS)
	@$(MAKE) --no-print-directory integration GATE_DEPS= LAB_RELEASE=$(OLDEST_RELEASE) \
	  INTEGRATION_TESTS="$(RELEASE_DEPENDENT_TESTS)"

# The fault suite (every fault the lab injects, a drop at every line of a write and its commit, a secrets sweep of
# the site play at -vvv --diff) and the bad-input suite (a table of bad values for every module and the roles):
# real ansible-playbook runs against the lab, like `integration` (tests/faults/README.md).
faults: $(GATE_DEPS)
	@cd $(TREE) && rc=0; $(RUN_ENV) python -m pytest tests/faults tests/badinput -q -p no:cacheprovider -n 2 --dist loadfile || rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "faults: pytest collected no tests (exit 5)"; fi; exit $$rc

molecule-oldest: $(GATE_DEPS)
	@$(MAKE) --no-print-directory molecule GATE_DEPS= LAB_RELEASE=$(OLDEST_RELEASE)

molecule: $(GATE_DEPS)
	@if ! ls $(TREE)/extensions/molecule/*/molecule.yml >/dev/null 2>&1; then \
	  echo "== SKIP: no scenario under extensions/molecule/"; exit 0; fi; \
	  cd $(TREE) && $(RUN_ENV) molecule test --all

# Built from a clean copy (files git tracks or would add), so leftovers of other gates or of local
# runs (tests/integration/inventory, tests/output, ...) cannot end up in the tarball.
build: $(GATE_DEPS)
	$(PY312) .ci/copy_tree.py $(CURDIR) $(PKG_SRC)
	rm -rf $(DIST)
	cd $(PKG_SRC) && $(RUN_ENV) ansible-galaxy collection build --force --output-path $(DIST)
	ls -l $(DIST)
	@# Only what users run: no lab, bench or tests inside (galaxy.yml build_ignore).
	@tarball=$$(ls $(DIST)/mailops-secure_email-*.tar.gz | head -1); \
	  dev=$$(tar -tzf "$$tarball" | grep -E '^(lab|bench|tests)/' | head -3 || true); \
	  if [ -n "$$dev" ]; then echo "build: development files in $$tarball: $$dev"; exit 1; fi; \
	  echo "build: $$(tar -tzf "$$tarball" | wc -l) entries, no lab/, bench/ or tests/"

# Strict mode: flake8, required tags, version >= 1.0.0. Its ansible-test step needs a container
# engine and stays off (the sanity gates cover it).
importer: $(GATE_DEPS) $(if $(GATE_DEPS),build)
	@tarball=$$(ls $(DIST)/mailops-secure_email-*.tar.gz 2>/dev/null | head -1); \
	  if [ -z "$$tarball" ]; then echo "importer: no tarball in $(DIST); run 'make build' first"; exit 1; fi; \
	  mkdir -p $(LOGS); cd $(DIST) && $(RUN_ENV) GALAXY_IMPORTER_RUN_FLAKE8=1 GALAXY_IMPORTER_CHECK_REQUIRED_TAGS=1 \
	    GALAXY_IMPORTER_REQUIRE_V1_OR_GREATER=1 python -m galaxy_importer.main "$$(basename $$tarball)" 2>&1 \
	    | tee $(LOGS)/importer.raw
	@echo "importer: $$(grep -c '^WARNING' $(LOGS)/importer.raw || true) warning(s) (shown on Galaxy, not fatal)"
	@if grep -q '^ERROR' $(LOGS)/importer.raw; then echo "importer: errors reported"; exit 1; fi

# The docsite: antsibull-docs (modules, plugins, roles, docs/docsite/links.yml) plus the Markdown guides of docs/
# (myst-parser), built by Sphinx offline with warnings as errors; then one module page checked in headless Chromium
# (.ci/install_chromium.sh installs it when missing).
docsite: $(GATE_DEPS)
	$(RUN_ENV) bash .ci/docsite.sh $(COLLECTIONS) $(CURDIR)/$(BUILD)/docsite
	$(RUN_ENV) python .ci/docsite_check.py $(CURDIR)/$(BUILD)/docsite

chromium:
	.ci/install_chromium.sh

# The offline install path of docs/install-offline.md in a clean consumer project (no Galaxy): the dependencies
# from the PyPI ansible wheel, the built tarball, then a module and a role of the installed copy against the lab.
offline-install: $(GATE_DEPS) $(if $(GATE_DEPS),build)
	@tarball=$$(ls $(DIST)/mailops-secure_email-*.tar.gz 2>/dev/null | head -1); \
	  if [ -z "$$tarball" ]; then echo "offline-install: no tarball in $(DIST); run 'make build' first"; exit 1; fi; \
	  $(RUN_ENV) bash .ci/offline_install.sh "$$tarball" "$$(ls $(WHEELS)/ansible-$(ANSIBLE_PKG)-*.whl | head -1)" \
	    $(CURDIR)/$(BUILD)/offline

# meta/execution-environment.yml is collection metadata: ansible-builder reads it when our
# collection is installed into an EE, with paths relative to the COLLECTION ROOT. (Given to
# `ansible-builder create -f` directly, paths would resolve relative to meta/ instead.) So the
# gate (1) creates a build context from an example EE definition that consumes the collection and
# (2) runs that context's introspect.py over the scratch tree to prove our metadata resolves.
ee: $(GATE_DEPS)
	rm -rf $(BUILD)/ee
	mkdir -p $(LOGS)
	$(VENV)/bin/ansible-builder create -f .ci/ee/execution-environment.yml -c $(BUILD)/ee --output-filename Containerfile
	$(VENV)/bin/python $(BUILD)/ee/_build/scripts/introspect.py introspect --sanitize $(COLLECTIONS) \
	  | tee $(LOGS)/ee-introspect.txt
	@grep -q "ansible-pylibssh.*from collection mailops.secure_email" $(LOGS)/ee-introspect.txt \
	  || { echo "ee: mailops.secure_email's python dependencies (meta/ee-requirements.txt) were not found"; exit 1; }
	@grep -q "openssh.*from collection mailops.secure_email" $(LOGS)/ee-introspect.txt \
	  || { echo "ee: mailops.secure_email's system dependencies (meta/ee-bindep.txt) were not found"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Lab and demo.

# make demo DNS=route53: the cutover, SPF fix and rollback through dns_cutover_provider: route53 against the lab's
# Route 53 (moto feeding BIND); default rfc2136 (TSIG updates to BIND). See .ci/demo.sh.
DNS ?= rfc2136
demo: venv-main deps tree bind
	DEMO_DNS="$(DNS)" .ci/demo.sh

lab-up: venv-main
	$(VENV)/bin/python -m lab up --state-dir $(LAB_STATE_DIR) --esa-port $(LAB_ESA_PORT)

lab-down:
	$(VENV)/bin/python -m lab down --state-dir $(LAB_STATE_DIR)

clean:
	-@if [ -x $(VENV)/bin/python ] && [ -d lab ]; then $(VENV)/bin/python -m lab down --state-dir $(LAB_STATE_DIR) >/dev/null 2>&1; fi
	rm -rf $(BUILD) .lab tests/output .pytest_cache
	find . -name __pycache__ -type d -not -path './.venv*' -prune -exec rm -rf {} +
	@echo "kept $(VENV) and $(VENV219); remove them by hand for a full reset"

# ---------------------------------------------------------------------------------------------
# Benchmark against the lab (bench/README.md): bench/results.md, raw data and logs in bench/results/.
# BENCH_COLLECTIONS_PATH=<dir> (environment) benchmarks another collections path instead of $(COLLECTIONS).

BENCH_SIZES ?= 1,10,100
# more bench/run.py options, e.g. BENCH_ARGS="--no-naive --no-msp" (bench/README.md)
BENCH_ARGS ?=

.PHONY: bench
bench: venv-main deps tree bind
	$(RUN_ENV) BENCH_INVOKED_BY="make bench BENCH_SIZES=$(BENCH_SIZES) BENCH_ARGS='$(BENCH_ARGS)'" \
	  $(VENV)/bin/python bench/run.py --sizes $(BENCH_SIZES) $(BENCH_ARGS)
