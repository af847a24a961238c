# livedash: `make run` serves the dashboard, `make test` runs every test.
GO      ?= go
# Address of `make reset`; `make run ADDR=...` overrides --addr/LIVEDASH_ADDR.
RESET_ADDR = $(or $(ADDR),$(LIVEDASH_ADDR),127.0.0.1:3000)
BIN     ?= bin/livedash
FUZZTIME ?= 10s

.PHONY: run build test test-short lint axe fuzz reset bench bench-peer soak clean cluster bench-cluster

# The SQLite driver is cgo: the first build compiles SQLite's C source, several
# minutes on a fresh machine with no output. $(call sqlite_note,FLAGS) says so
# first when the build cache lacks the driver built with FLAGS (-race is a
# separate build); `go list` answers from the cache in well under a second.
SQLITE_PKG = github.com/mattn/go-sqlite3
sqlite_note = @if [ "$$($(GO) list $(1) -f '{{.Stale}}' $(SQLITE_PKG) 2>/dev/null)" != false ]; then \
	echo "make: compiling SQLite first ($(SQLITE_PKG), cgo$(if $(1), $(1))); a one-time step of a few minutes, without output"; fi

run:
	$(call sqlite_note,)
	@echo "make: building and starting livedash"
	$(GO) run . $(if $(ADDR),--addr $(ADDR))

build:
	$(call sqlite_note,)
	CGO_ENABLED=1 $(GO) build -o $(BIN) .

# Browser tests run when Chromium is installed and say so when they skip;
# LIVEDASH_BROWSER=required (set by .ci/run) makes a missing browser fail,
# and missing axe-core too (the accessibility checks).
test: lint axe
	$(call sqlite_note,-race)
	$(GO) test -race -count=1 -timeout 20m ./...

test-short:
	$(call sqlite_note,-race)
	$(GO) test -race -count=1 -short ./...

# axe-core, from npm, for the browser tests' accessibility checks only
# (internal/axetest; never served). Installed from the lock file when it is
# missing or the lock changed; npm's cache makes later installs offline.
AXE_DIR = internal/axetest
AXE_JS  = $(AXE_DIR)/node_modules/axe-core/axe.min.js
axe: $(AXE_JS)
$(AXE_JS): $(AXE_DIR)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(AXE_DIR) --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "make: npm not found (apt-get install -y npm): the accessibility checks will skip, or fail when required"; fi

# go vet, staticcheck and goimports; both tools are pinned in go.mod's tool
# block, so after the first module download they run offline. vet and
# staticcheck type-check against compiled dependencies: SQLite included.
lint:
	$(call sqlite_note,)
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	@files=$$($(GO) tool goimports -l .); if [ -n "$$files" ]; then \
		echo "not goimports-formatted (run: go tool goimports -w .):"; echo "$$files"; exit 1; fi

# A short run of every fuzz target; the seed corpora live in testdata/fuzz.
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzDecode$$' -fuzztime=$(FUZZTIME) ./protocol/
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeJSON$$' -fuzztime=$(FUZZTIME) ./models/
	$(GO) test -run='^$$' -fuzz='^FuzzEventJSON$$' -fuzztime=$(FUZZTIME) ./models/
	$(GO) test -run='^$$' -fuzz='^FuzzRESTBodies$$' -fuzztime=$(FUZZTIME) ./faults/

# The long fault runs: 25 kills, 10 restart cycles, 3,000 churning connections.
soak:
	LIVEDASH_SOAK=1 $(GO) test -race -count=1 -timeout 30m -v ./faults/

# Each benchmark scenario against a fresh server on a temporary database,
# printed as one table with its targets (docs/BENCHMARKS.md); at most 5 minutes.
# BENCH_FLAGS passes flags, e.g. BENCH_FLAGS="--only writes --keep /tmp/bench".
bench:
	$(GO) run ./cmd/bench $(BENCH_FLAGS)

# livedash beside the Node yardstick (PEER, read-only; built once with npm ci
# in a copy under ~/.cache/livedash-bench) under the same loads, each server
# on CPU 0 and loadgen on CPU 1, one table of ratios (docs/BENCHMARKS.md).
PEER ?= ../shared/peer
bench-peer:
	$(GO) run ./cmd/bench --peer $(PEER) $(BENCH_FLAGS)

# A throwaway cluster: PostgreSQL in a temp folder, two instances, nginx in
# front on PORT (8080); Ctrl-C stops and removes everything.
cluster:
	PORT=$(or $(PORT),8080) scripts/cluster.sh

# The PostgreSQL scenarios (docs/BENCHMARKS.md): durable throwaway PostgreSQL,
# two instances, cmd/loadgen, one summary table. DURATION, LIVEDASH (a prebuilt
# server), PGSTAT=1 and PROFILE=dir: see the script.
bench-cluster:
	scripts/bench-cluster.sh

# Restores the demo data on the running server (with the admin token if set).
reset:
	curl -fsS -X POST $(if $(LIVEDASH_ADMIN_TOKEN),-H "Authorization: Bearer $(LIVEDASH_ADMIN_TOKEN)") http://$(RESET_ADDR)/api/reset
	@echo

clean:
	rm -rf bin
