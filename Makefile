# homelab.mediastack — developer entry points.
#   make lab        start the local lab and run playbooks/site.yml against it (the main job)
#   make lab SEED=004   the same for a seed's inventory (inventory/seed-004) mapped onto lab hosts
#   make test       every test: lint, sanity, unit, molecule (what CI runs)
#   make lab-doctor-test   inject the seeds' failures into the running plain lab, the doctor names each
#   make lab-down-plain    remove only the plain lab (make lab-down removes every lab on the machine)
#   make bench      the *arr wiring benchmark (wall time, HTTP requests; not part of make test)
#   make tools      build the pinned upstream tools (talosctl, Kubernetes control plane, etcd, kwok)
#   make kube-lab   start a local Kubernetes control plane (scripts/kube-lab.sh; make kube-lab-down)
# Each step runs alone too: make lint | sanity | unit | molecule [SCENARIO=name] | build
# Everything it needs is installed by `make setup` (run by every target that needs it).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath .)
VENV ?= $(ROOT)/.venv
BIN := $(VENV)/bin
PYTHON ?= python3
SCENARIO ?=
SCENARIOS := $(sort $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml))))
# The longest scenarios start first, so the parallel run ends sooner.
SCENARIOS_FIRST := cluster apps proxmox
SCENARIOS := $(filter $(SCENARIOS_FIRST),$(SCENARIOS)) $(filter-out $(SCENARIOS_FIRST),$(SCENARIOS))

# The repository is the collection: link it where Ansible looks for homelab.mediastack, and keep
# the dependency collections bundled in the `ansible` PyPI package (no Galaxy needed).
COLLECTIONS := $(ROOT)/.build/collections
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_CONFIG := $(ROOT)/ansible.cfg
# Ansible's home (and so ansible-compat's cache, where molecule and ansible-lint look for
# collections) inside the checkout: a copy of this collection installed into ~/.ansible by another
# checkout or an older run can never shadow the one under test.
export ANSIBLE_HOME := $(ROOT)/.build/ansible-home
export PATH := $(BIN):$(PATH)
export MEDIASTACK_ROOT := $(ROOT)
# The tools scripts/build-tools.sh builds (versions in scripts/tools.env), linked here.
export MEDIASTACK_TOOLS := $(ROOT)/.build/bin

.PHONY: help setup setup-host setup-venv link base-image tools kube-lab kube-lab-down lint sanity unit molecule test lab lab-down lab-down-plain lab-doctor-test build clean bench

help:
	@sed -n 's/^#   //p;s/^# Each/Each/p' Makefile

setup: setup-host setup-venv link

setup-host:
	@bash scripts/setup-host.sh

setup-venv: $(VENV)/.installed

$(VENV)/.installed: tests/requirements.txt requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	@touch $@

link:
	@mkdir -p $(COLLECTIONS)/ansible_collections/homelab
	@ln -sfn $(ROOT) $(COLLECTIONS)/ansible_collections/homelab/mediastack

# Built once per machine (cached under ~/.cache/homelab-mediastack/bin), linked into .build/bin.
tools:
	@bash scripts/build-tools.sh

kube-lab: tools setup-venv
	bash scripts/kube-lab.sh up

kube-lab-down:
	bash scripts/kube-lab.sh down

base-image: setup-host
	@bash scripts/base-image.sh >/dev/null

lint: setup-venv link
	@echo "==> lint: ansible-lint --profile production"
	ansible-lint --profile production
	@echo "==> lint: antsibull-changelog lint"
	antsibull-changelog lint

sanity: setup-venv
	@echo "==> sanity: ansible-test sanity"
	bash scripts/sanity.sh

unit: setup-venv link tools
	@echo "==> unit: pytest tests/unit"
	pytest tests/unit

# Scenarios run MOLECULE_JOBS at a time (scripts/molecule-all.sh; MOLECULE_JOBS=1 for one by one).
MOLECULE_JOBS ?= 2
molecule: setup link base-image tools
	@export MEDIASTACK_BASE_IMAGE=$$(bash scripts/base-image.sh) MOLECULE_JOBS=$(MOLECULE_JOBS); \
	bash scripts/molecule-all.sh $(if $(SCENARIO),$(SCENARIO),$(SCENARIOS))

# The tools build (CPU-bound, niced; minutes on a new machine, a link when cached) runs while lint
# and sanity do; its log is printed when it ends, before the unit tests that need it.
test: setup
	@start=$$(date +%s); mkdir -p .build; \
	echo "==> tools: scripts/build-tools.sh in the background while lint and sanity run (.build/tools.log)"; \
	bash scripts/build-tools.sh >.build/tools.log 2>&1 & tools=$$!; \
	checks=0; $(MAKE) --no-print-directory lint sanity || checks=$$?; \
	built=0; wait $$tools || built=$$?; \
	echo "==> tools: (exit $$built, $$(( $$(date +%s) - start )) s since the start)"; cat .build/tools.log; \
	if [ $$built -ne 0 ]; then echo "==> make test: building the tools failed (above)" >&2; exit 1; fi; \
	if [ $$checks -ne 0 ]; then echo "==> make test: lint or sanity failed (above)" >&2; exit 1; fi; \
	$(MAKE) --no-print-directory tools unit build molecule; \
	echo "==> make test: all steps passed in $$(( $$(date +%s) - start )) s"

# make lab SEED=NNN: the seed's inventory unchanged, plus the lab's overlay of addresses and
# connection settings (tests/lab/seeds/seed-NNN/inventory), its own containers, network and state.
SEED ?=
ifeq ($(SEED),)
LAB_INVENTORY := $(ROOT)/inventory/lab
LAB_STANDINS := tests/lab/standins.yml
LAB_STATE := $(ROOT)/.lab
LAB_PREFIX := mediastack-lab-
else
LAB_INVENTORY := $(ROOT)/inventory/seed-$(SEED):$(ROOT)/tests/lab/seeds/seed-$(SEED)/inventory
LAB_STANDINS := tests/lab/seeds/seed-$(SEED)/standins.yml
LAB_STATE := $(ROOT)/.lab/seed-$(SEED)
LAB_PREFIX := mediastack-seed$(SEED)-
endif
LAB_INVENTORY_ARGS := $(addprefix -i ,$(subst :, ,$(LAB_INVENTORY)))

lab: export LAB_INVENTORY := $(LAB_INVENTORY)
lab: export LAB_STATE := $(LAB_STATE)
lab: export LAB_PREFIX := $(LAB_PREFIX)
lab: setup base-image tools
	@if [ -n "$(SEED)" ] && [ ! -d tests/lab/seeds/seed-$(SEED) ]; then \
	  echo "lab: no lab overlay for seed $(SEED) (tests/lab/seeds/seed-$(SEED))" >&2; exit 2; fi
	bash scripts/lab.sh up
	ansible-playbook $(LAB_STANDINS) $(LAB_INVENTORY_ARGS)
	ansible-playbook playbooks/site.yml $(LAB_INVENTORY_ARGS)

# Removes every lab: the plain lab and every seed's (containers and networks carry the lab label).
# make lab-down SEED=000 removes only that seed's lab (containers, network, control plane, state).
lab-down: export LAB_INVENTORY := $(LAB_INVENTORY)
lab-down: export LAB_STATE := $(LAB_STATE)
lab-down: export LAB_PREFIX := $(LAB_PREFIX)
# The venv: the lab's hosts and networks are read from the inventory with ansible-inventory.
lab-down: setup-venv
	bash scripts/lab.sh down

# Removes only the plain lab (its containers, volumes, network, control planes, .lab/ but the seeds'
# state): the seeds' labs and other checkouts' keep running.
lab-down-plain: export LAB_DOWN_SCOPE := own
lab-down-plain: setup-venv
	bash scripts/lab.sh down

# The doctor against the running plain lab (make lab first): all clear but the lab's own findings,
# then each failure the seeds hit injected, named alone, and undone (tests/lab/test_doctor.py).
lab-doctor-test: setup-venv link
	@echo "==> lab-doctor-test: the doctor against the plain lab, with injected failures"
	$(BIN)/python -m pytest -p no:cacheprovider -v -s tests/lab/test_doctor.py

# A benchmark, not a test: the *arr wiring against local stand-ins (docs/arr.md has the figures).
bench: setup-venv link
	@echo "==> bench: *arr wiring, first run and no-change rerun (tests/bench/arr_bench.py)"
	$(BIN)/python tests/bench/arr_bench.py

build: setup-venv link
	@echo "==> build: collection tarball, installed into an empty path"
	bash scripts/check-build.sh

clean: lab-down
	rm -rf .build
