# Every install step lives here: a fresh machine needs only python3 and make.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: run test test-tools lint bench fuzz clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The trace library, then the hand-made foreign logs of traces/logs/ (negative controls for
# invariants the model never breaks), each against the expectation it carries.
run: $(STAMP)
	$(BIN)/ue-stack replay traces/ --check-expect
	$(BIN)/ue-stack check traces/logs/ --check-expect

test: $(STAMP)
	$(BIN)/python -m pytest

# Tests that need programs outside Python (tshark, chromium); not part of `make test`.
test-tools: $(STAMP)
	$(BIN)/python -m pytest -m tools

# The fuzz suite of `make test`, long: about 4,200 inputs per target, over 20,000 in all.
fuzz: $(STAMP)
	UE_STACK_FUZZ_EXAMPLES=$${UE_STACK_FUZZ_EXAMPLES:-4200} $(BIN)/python -m pytest -q -s \
		-p no:logging tests/fuzz

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
