# streamsgd — every target installs what it needs (Go modules through the
# module proxy, pinned in go.mod or here).

# The Go toolchain of every target: go.mod's toolchain line (go1.27.3; the
# go1.26.8 this machine ships has known vulnerabilities in crypto/x509,
# crypto/tls and net/http). The go command fetches it once from the module
# proxy, even where the machine's go.env says GOTOOLCHAIN=local, since the
# environment overrides go.env. `make GOTOOLCHAIN=local ...` overrides this.
export GOTOOLCHAIN := $(shell sed -n 's/^toolchain //p' go.mod)

GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BIN         := bin/streamsgd
# Packages with goroutines of their own: run under the race detector.
RACE_PKGS   := ./state/... ./batchscore/... ./filelearn/... ./topology/... ./operations/... ./processors/... ./produce/... ./kafkaclient/... ./broker/... ./registry/... ./cmd/... ./runstats/... ./httpapi/...

.PHONY: all build demo test lint unit race integration bench fuzz clean

all: build

# -buildvcs=auto: --version says the VCS revision (from a git checkout)
# even where go.env sets GOFLAGS=-buildvcs=false, as this machine's does.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=auto -o $(BIN) ./cmd/streamsgd

## demo: the SUSY walkthrough on the embedded broker (no Kafka needed).
demo: build
	./$(BIN) demo

## test: lint, unit tests, race tests, integration tests on the embedded broker.
test: lint unit race integration

# gofmt of the toolchain in use, not whichever gofmt is first on PATH.
lint:
	@out=$$("$$($(GO) env GOROOT)/bin/gofmt" -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags ui ./integration/
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(STATICCHECK) -tags ui ./integration/

unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /integration)
	# The pure-Go kernels that replace model's amd64 assembly elsewhere.
	$(GO) test -count=1 -tags purego ./model/...
	# The patched embedded broker's own test (third_party/kfake/PATCHES.md).
	$(GO) test -count=1 github.com/twmb/franz-go/pkg/kfake

race:
	$(GO) test -count=1 -race -short $(RACE_PKGS)

integration:
	$(GO) test -count=1 -timeout 15m -skip '^TestHeal|^TestCrash' ./integration/...

## crash: the crash tests, minutes long, not in `make test`: the
## default-sized ones (a few SIGKILLs of the processors, broker restarts,
## delayed labels), the issue-sized ones (20 SIGKILLs during 200,000 rows,
## 10 restarts of the embedded broker, clean then kill -9; pending versions
## across a kill and a stop) and the heal tests (the broker down 30 s, 10
## quick kills), which `make integration` leaves to this target to keep
## `make test` near 10 minutes. STREAMSGD_CRASH_SEED varies them.
.PHONY: crash
crash:
	STREAMSGD_CRASH_LONG=1 $(GO) test -count=1 -timeout 45m -v -run '^TestCrash|^TestHeal' ./integration/

## crash-loop: the crash and heal tests (the default-sized ones) N times in a
## row, each with another kill seed; stops at the first failure and says how
## many runs passed. About 4 minutes a run (238-303 s, 20 of 20 passed on
## 2026-12-06).
N ?= 20
.PHONY: crash-loop
crash-loop:
	@for i in $$(seq 1 $(N)); do \
	  echo "== crash-loop: run $$i of $(N)"; \
	  STREAMSGD_CRASH_SEED=$$i $(GO) test -count=1 -timeout 30m -run '^Test(Crash|Heal)' ./integration/ \
	    || { echo "crash-loop: run $$i failed after $$((i-1)) passing runs"; exit 1; }; \
	done; echo "crash-loop: $(N) of $(N) runs passed"

## soak: two `streamsgd run` instances (built as make build, without cgo)
## at 80% of the pipeline's measured maximum throughput for SOAK_MINUTES,
## one restarted every 2 minutes; prints RSS at start and end, the lag and
## the rows lost, and fails on a lost row or an RSS over 256 MiB. Not in
## `make test`.
SOAK_MINUTES ?= 10
.PHONY: soak
soak:
	CGO_ENABLED=0 STREAMSGD_SOAK_MINUTES=$(SOAK_MINUTES) $(GO) test -count=1 -timeout $$(( $(SOAK_MINUTES) + 20 ))m -v -run '^TestSoak$$' ./integration/

## pyenv: the pinned Python environment of the peer suite (and of other
## Python tools), a venv at .cache/pyenv built from
## scripts/peers/requirements.txt (exact pins, transitive ones included)
## with the machine's python3 (3.11); rebuilt when the requirements change
## (a stamp named by their hash), otherwise kept.
PYTHON    ?= python3
PYENV     := .cache/pyenv
PYREQ     := scripts/peers/requirements.txt
PYSTAMP   := $(PYENV)/.stamp-$(shell sha256sum $(PYREQ) 2>/dev/null | cut -c1-16)

.PHONY: pyenv quality
pyenv: $(PYSTAMP)

$(PYSTAMP): $(PYREQ)
	rm -rf $(PYENV)
	$(PYTHON) -m venv $(PYENV)
	$(PYENV)/bin/pip install --quiet --disable-pip-version-check -r $(PYREQ)
	$(PYENV)/bin/pip check
	touch $@

## quality: the peer suite (scripts/peers/quality.py): streamsgd's defaults
## against Vowpal Wabbit's and River's, one online pass on the real data
## sets of examples/data and the SUSY-shaped stream; prints one table and
## rewrites datasets/quality/peers_reference.json, the figures that
## datasets/quality's TestPeers (in make test) holds the defaults to.
quality: pyenv
	$(PYENV)/bin/python scripts/peers/quality.py

## kafka-up / kafka-down: a native single-node Apache Kafka 3.9.1 (KRaft) on
## 127.0.0.1:19092, jars fetched from Maven Central with mvn into .cache/kafka.
KAFKA_BROKERS ?= 127.0.0.1:19092

.PHONY: kafka-up kafka-down integration-kafka

kafka-up:
	integration/kafka/start.sh

kafka-down:
	integration/kafka/stop.sh

## integration-kafka: the integration suite against Apache Kafka; the broker
## is stopped whatever the outcome, and the tests' exit status is kept.
## STREAMSGD_KAFKA_KILL=1 lets TestKafkaBrokerKill9 kill -9 that broker
## mid-stream and start it again over its data.
integration-kafka:
	@status=0; \
	  integration/kafka/start.sh || status=$$?; \
	  if [ $$status -eq 0 ]; then \
	    STREAMSGD_BROKERS=$(KAFKA_BROKERS) STREAMSGD_KAFKA_KILL=1 $(GO) test -count=1 -timeout 20m ./integration/... || status=$$?; \
	  fi; \
	  integration/kafka/stop.sh; \
	  exit $$status

## vulncheck: govulncheck (pinned) on every package, with the toolchain above,
## against the Go vulnerability database built from the golang.org/x/vulndb
## module at a pinned version (the public database service is not reachable
## here) into .cache/vulndb by scripts/vulndb.sh. Fails (non-zero) when the
## code calls a known vulnerability of the toolchain's standard library or of
## a module in go.mod. Bump VULNDB to a newer vulndb pseudo-version to learn
## of newer vulnerabilities.
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.10.0
VULNDB      := v0.0.0-20261105234957-e22db6528018
VULNDB_DIR  := .cache/vulndb/$(VULNDB)

.PHONY: vulncheck
vulncheck: $(VULNDB_DIR)/index/db.json
	$(GO) run $(GOVULNCHECK) -db file://$(CURDIR)/$(VULNDB_DIR) ./...

$(VULNDB_DIR)/index/db.json:
	scripts/vulndb.sh $(VULNDB) $(VULNDB_DIR)

## compose-check: docker-compose.yml and the Dockerfile, checked without a
## Docker engine (`docker compose config` with a pinned Compose plugin built
## from the Go module proxy into .cache/docker).
.PHONY: compose-check
compose-check:
	scripts/compose-check.sh

## test-ui: the dashboard in a real browser: Debian's Chromium (installed
## with apt-get when missing), headless, driven with chromedp while a
## stream runs on the embedded broker: the page loads without console
## errors, the learning curves gain points, pressing pin changes the
## version the score endpoint reports.
CHROMIUM ?= chromium
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
.PHONY: test-ui screenshot chromium
chromium:
	@command -v $(CHROMIUM) >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

test-ui: chromium
	STREAMSGD_CHROMIUM=$$(command -v $(CHROMIUM)) $(GO) test -count=1 -tags ui -timeout 10m -run '^TestDashboardInBrowser$$' -v ./integration/

## screenshot: a PNG of the dashboard after ~30 s of a stream, for the
## README (docs/dashboard.png).
screenshot: chromium
	STREAMSGD_CHROMIUM=$$(command -v $(CHROMIUM)) STREAMSGD_SCREENSHOT=$(CURDIR)/docs/dashboard.png \
	  $(GO) test -count=1 -tags ui -timeout 10m -run '^TestDashboardScreenshot$$' -v ./integration/

## bench: the micro-benchmarks beside the hot code (allocations and, where
## they report it, CPU ns per op, which a loaded machine inflates less than
## ns/op): decode per format, route batching, the learn step per learner and
## width, state get/set at 1, 10^3, 10^4 and 10^6 keys, the encoders of every
## output, scoring, the ordered offset commits per message; then the
## end-to-end throughput table. Prints figures;
## never fails on speed. Built without cgo, as make build: pebble's caches
## are then Go heap. BENCHTIME sets each micro-benchmark's length.
BENCHTIME ?= 0.5s
MICRO_BENCH_PKGS := ./codecs/input/ ./processors/ ./model/ ./state/ ./codecs/wire/ ./batchscore/ ./score/ ./metrics/ ./kafkaclient/
bench:
	CGO_ENABLED=0 $(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(MICRO_BENCH_PKGS)
	CGO_ENABLED=0 $(GO) run ./cmd/streamsgd-bench

.PHONY: bench-peers
## bench-peers: streamsgd against River, VW and scikit-learn on the same data,
## the same embedded broker (a fresh one per data set), in the same run
## (issue 14): through Kafka and from a file. Prints one markdown table and
## writes it under bench/results/ with the machine, versions and commands. BENCH_ROWS SUSY-shaped rows
## (BENCH_ROWS=100000 for a quick try), BENCH_WIDE_ROWS 784-feature ones.
## Never fails on speed.
BENCH_ROWS      ?= 1000000
BENCH_WIDE_ROWS ?= 60000
bench-peers: pyenv build
	CGO_ENABLED=0 $(GO) run ./cmd/streamsgd-bench -peers -rows $(BENCH_ROWS) -wide-rows $(BENCH_WIDE_ROWS) \
	  -python $(PYENV)/bin/python -streamsgd $(BIN)

## fuzz: run every fuzz target of every package for a while (FUZZTIME).
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; done; done

## clean: the build outputs (bin/, binaries built in the root, test
## binaries, profiles), the local stores of `streamsgd run` (streamsgd-state)
## and the scratch data of make bench-peers (.cache/bench-peers). The caches
## that are slow to make again stay: .cache/pyenv, .cache/vulndb, .cache/kafka
## (the broker's jars) and .cache/docker; make distclean removes them too.
clean:
	rm -rf bin streamsgd-state streamsgd streamsgd-bench *.test *.out *.prof .cache/bench-peers

## distclean: clean, stop the broker of make kafka-up, and remove .cache.
.PHONY: distclean
distclean: clean
	integration/kafka/stop.sh
	rm -rf .cache
