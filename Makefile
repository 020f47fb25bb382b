# Everything installs from here: a fresh clone needs only Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
UV := UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv
PYTEST_WORKERS ?= 2
TEST_POSTGRES_URL ?=
COVERAGE ?= 1
COVERAGE_DIR := var/coverage
COVERAGE_ARGS := $(if $(filter 1,$(COVERAGE)),--cov --cov-report=json:$(COVERAGE_DIR)/coverage.json)
# make mutate MUTATE="etag uscc" runs some targets (tools/mutate.py --list names them all).
MUTATE ?=
# The targets whose trust path is PostgreSQL's (the outbox's writer locks, a reclaim race) run there.
MUTATE_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
# openapi-typescript (npm, pinned by its package-lock.json) checks the merged OpenAPI in the tests.
TS_TOOLS := tools/openapi-typescript
OPENAPI_TS := $(TS_TOOLS)/node_modules/.installed

.PHONY: install run test test-deps lint bench mutate seeded-bugs fuzz demo clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)

# --compile-bytecode: this machine sets PYTHONDONTWRITEBYTECODE, so without it every process
# (each test worker, each server a test starts) compiles every library it imports from source.
$(VENV)/.installed: $(BIN)/uv pyproject.toml uv.lock Makefile
	$(UV) sync --frozen --quiet --compile-bytecode
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python -m services.manage prepare
	exec $(BIN)/honcho -f deploy/Procfile -d . start

$(OPENAPI_TS): $(TS_TOOLS)/package.json $(TS_TOOLS)/package-lock.json
	@command -v npm >/dev/null || (echo "npm (Node 20) is needed for openapi-typescript"; exit 1)
	npm ci --prefix $(TS_TOOLS) --no-audit --no-fund --loglevel=error
	touch $@

# The gateway's shared-rate-limit test starts its own redis-server on a free port; the edge
# test runs deploy/nginx.conf in front of a gateway.
test-deps: $(OPENAPI_TS)
	@command -v redis-server >/dev/null || (apt-get update -qq && apt-get install -y -qq redis-server)
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || (apt-get update -qq && apt-get install -y -qq nginx-light || apt-get install -y -qq nginx)

# Branch coverage in every run (COVERAGE=0 skips it); tools/coverage_floor.py holds the floors.
# Bytecode is written (PYTHONDONTWRITEBYTECODE emptied): the servers the tests start, and the
# second database's run, then load the project and the rewritten tests without compiling them.
test: install test-deps
	@echo "== test suite on $(if $(TEST_POSTGRES_URL),PostgreSQL,SQLite) =="
	@rm -rf $(COVERAGE_DIR) && mkdir -p $(COVERAGE_DIR)
	@TEST_POSTGRES_URL="$(TEST_POSTGRES_URL)" PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n $(PYTEST_WORKERS) -q $(COVERAGE_ARGS); \
	status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; \
	if [ $$status -ne 0 ]; then exit $$status; fi; \
	if [ "$(COVERAGE)" = 1 ]; then $(BIN)/python tools/coverage_floor.py $(COVERAGE_DIR)/coverage.json; fi

# The contract suite (tests/contract) deeper: every example count and state-machine scenario
# count raised to CONTRACT_EXAMPLES (slow: not in CI).
CONTRACT_EXAMPLES ?= 200
fuzz: install test-deps
	CONTRACT_EXAMPLES=$(CONTRACT_EXAMPLES) TEST_POSTGRES_URL="$(TEST_POSTGRES_URL)" \
		$(BIN)/pytest -n $(PYTEST_WORKERS) -q -p no:cacheprovider tests/contract

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check services gateway tests bench tools
	$(BIN)/mypy services gateway tools
	$(BIN)/lint-imports

bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	@command -v pgbench >/dev/null || (apt-get update -qq && apt-get install -y -qq postgresql-client)
	$(BIN)/python bench/gateway/run.py
	$(BIN)/python bench/gateway/token_memory.py
	$(BIN)/python bench/registry_import.py
	$(BIN)/python bench/registry_monitoring.py
	$(BIN)/python bench/memory_attack.py
	$(BIN)/python bench/credit_rating_batch.py
	$(BIN)/python bench/vouchers_redemptions.py
	$(BIN)/python bench/vouchers_floor.py
	$(BIN)/python bench/credit_reports.py
	$(BIN)/python bench/funding_reward_run.py
	$(BIN)/python bench/funding_public_ledger.py

# Mutation testing of the trust-critical modules (slow: not in CI); prints the survivors.
mutate: install
	MUTATE_POSTGRES_URL="$(MUTATE_POSTGRES_URL)" $(BIN)/python tools/mutate.py $(MUTATE)

# The deliberate bugs that once passed the whole suite, each put back and caught by its named test.
seeded-bugs: install
	MUTATE_POSTGRES_URL="$(MUTATE_POSTGRES_URL)" $(BIN)/python -m tools.seeded_bugs

# The programme year through the gateway, with a client generated from its merged OpenAPI (into
# var/demo-client); against DEMO_URL (default: `make run`'s gateway), else a stack started here.
DEMO_URL ?= http://127.0.0.1:8000
demo: install
	DEMO_URL="$(DEMO_URL)" $(BIN)/python -m tools.demo

clean:
	rm -rf $(VENV) var $(TS_TOOLS)/node_modules
