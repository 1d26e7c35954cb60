# dnsstop: the commands a developer or operator types. Each target installs what it
# needs first (scripts/setup.sh is idempotent and takes seconds once done).
#   make build            build everything into build/bin and build/lib
#   make check            build and run the unit, integration and fuzz-replay tests
#   make test             make check, then build the Debian packages of each release
#                         and test them installed in a clean root of it: every test (CI runs this)
#   make test SANITIZE=address|thread   make check under ASan+UBSan or TSan (the
#                         packages are built without sanitizers, so not again)
#   make run              run the whole system locally with sample data
#   make bench            run the benchmarks and print their figures
#   make stress           the long stress test (1,000 cache-resizing reloads under load,
#                         about 17 minutes) in the ASan+UBSan Unbound (SANITIZE=thread: TSan's),
#                         printing its figures
#   make fuzz [FUZZ_SECONDS=N]  run each libFuzzer target for N seconds (default 60)
#   make deb              build the Debian packages of each Debian release into
#                         build/deb/RELEASE, in a root of that release (packaging/)
#   make test-packages    install each release's into a clean root of it and check them,
#                         and how each takes a Debian update of Unbound (and dnsstop-rebuild)
SHELL := /bin/bash
SANITIZE ?=
JOBS ?= $(shell nproc)
BUILD := build

ifeq ($(SANITIZE),)
  CMAKE_DIR := $(BUILD)/cmake
  OUT_DIR := $(BUILD)
else
  CMAKE_DIR := $(BUILD)/cmake-$(SANITIZE)
  OUT_DIR := $(BUILD)/$(SANITIZE)
endif

.PHONY: deps build check test run bench stress fuzz deb test-packages clean

deps:
	scripts/setup.sh $(if $(SANITIZE),--sanitize $(SANITIZE))

build: deps
	cmake -S . -B $(CMAKE_DIR) -G Ninja -DDNSSTOP_SANITIZE=$(SANITIZE) \
	  -DDNSSTOP_OUTPUT_DIR=$(abspath $(OUT_DIR))
	cmake --build $(CMAKE_DIR) -j $(JOBS)

check: build
	ctest --test-dir $(CMAKE_DIR) --output-on-failure -j $(JOBS) --label-exclude stress

test: check
ifeq ($(SANITIZE),)
	$(MAKE) --no-print-directory test-packages
endif

run: build
	scripts/run-local.py

bench: build
	tests/bench/run.sh $(OUT_DIR)
stress:
	$(MAKE) --no-print-directory build SANITIZE=$(or $(SANITIZE),address)
	ctest --test-dir $(BUILD)/cmake-$(or $(SANITIZE),address) --verbose --label-regex '^stress$$'
fuzz: deps
	tests/fuzz/run-fuzzers.sh $(or $(FUZZ_SECONDS),60)

deb: deps
	packaging/build-debs.sh

test-packages: deb
	packaging/test-install.sh
	packaging/test-upgrade.sh

clean:
	rm -rf $(CMAKE_DIR) $(OUT_DIR)/bin $(OUT_DIR)/lib
