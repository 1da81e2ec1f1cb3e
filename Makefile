# Every install step lives here: a fresh machine needs only python3 and make.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
CLUSTER := $(VENV)/.installed-cluster

.PHONY: run test test-tools lint bench fuzz mutate clean screenshot

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,study]'
	touch $(STAMP)

# The trace library, then the hand-made foreign logs of traces/logs/ (negative controls for
# invariants the model never breaks), each against the expectation it carries.
run: $(STAMP)
	$(BIN)/ue-stack replay traces/ --check-expect
	$(BIN)/ue-stack check traces/logs/ --check-expect

test: $(STAMP)
	$(BIN)/python -m pytest

# The optional extra `--engine ray` needs (docs/cluster.md); `make test-tools` and `make bench`
# (benchmarks/bench_cluster.py) install it.
$(CLUSTER): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,study,cluster]'
	touch $(CLUSTER)

# Tests that need programs outside Python (tshark, chromium) or the cluster extra (Ray);
# not part of `make test`.
test-tools: $(CLUSTER)
	$(BIN)/python -m pytest -m tools

# The fuzz suite of `make test`, long: about 4,200 inputs per target, over 20,000 in all.
# A fresh seed each run (printed first, so a finding can be run again with
# UE_STACK_FUZZ_SEED=N make fuzz): "no findings" then covers more than one seed.
fuzz: $(STAMP)
	@seed=$${UE_STACK_FUZZ_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; \
	echo "make fuzz: hypothesis seed $$seed (again: UE_STACK_FUZZ_SEED=$$seed make fuzz)"; \
	UE_STACK_FUZZ_EXAMPLES=$${UE_STACK_FUZZ_EXAMPLES:-4200} $(BIN)/python -m pytest -q -s \
		-p no:logging --hypothesis-seed=$$seed tests/fuzz

# The HTML report as people see it, for docs/ and the README: Debian's chromium, headless,
# with a fresh empty profile and nothing that talks to the network.
CHROMIUM_FLAGS := --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync
SHOTS := $(CURDIR)/docs/img

screenshot: $(STAMP)
	command -v chromium >/dev/null || { apt-get update && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
	mkdir -p $(SHOTS)
	tmp=$$(mktemp -d) && \
	{ $(BIN)/ue-stack replay traces/ --html $$tmp/replay.html >/dev/null; [ $$? -le 1 ]; } && \
	{ $(BIN)/ue-stack simulate w2-smc-lost --html $$tmp/simulate.html >/dev/null; [ $$? -le 1 ]; } && \
	for page in replay:1280,1500 simulate:1280,1900; do \
		name=$${page%%:*}; mkdir $$tmp/profile-$$name && \
		chromium $(CHROMIUM_FLAGS) --user-data-dir=$$tmp/profile-$$name \
			--screenshot=$(SHOTS)/html-report-$$name.png --window-size=$${page#*:} \
			file://$$tmp/$$name.html 2>/dev/null || exit 1; \
	done; rm -rf $$tmp

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# Mutation testing (docs/mutation.md), not part of `make test`: mutmut from the `mutate`
# extra. MUTANTS narrows a pass to mutant names, e.g. MUTANTS='ue_stack.invariants.*'.
MUTANTS ?=
$(VENV)/.mutate-installed: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,study,mutate]'
	touch $@

mutate: $(VENV)/.mutate-installed
	$(BIN)/mutmut run --max-children 2 $(MUTANTS)
	$(BIN)/mutmut export-cicd-stats
	$(BIN)/python -c "import json; s = json.load(open('mutants/mutmut-cicd-stats.json')); \
	  done = s['killed'] + s['survived'] + s['no_tests'] + s['timeout'] + s['suspicious']; \
	  print(f\"mutation score: {s['killed']}/{done} = {100 * s['killed'] / max(done, 1):.1f}% \
	  ({s['survived']} survived, {s['no_tests']} without tests)\")"
	$(BIN)/mutmut results

bench: $(CLUSTER)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis mutants
