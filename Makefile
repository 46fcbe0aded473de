# eptsim: top-level entry point.
#
#   make deps          install the Debian packages the build needs
#   make build         configure and build in $(BUILD) (RelWithDebInfo)
#   make demo          build, then replay the default trace with full checks
#   make test          unit tests: normal build, Asan build, coverage, a short fuzz
#   make coverage      Coverage build, tests, gcovr report (>= 90% lines of pmap/)
#   make bench         Release build, then the pmap, Unicorn, replay, full-check and hardware-path benchmarks
#   make fuzz          clang ASan+UBSan libFuzzer build, each target for FUZZ_SECONDS
#   make hw            the bare-metal kernel and its boot images ($(BUILD)/hw, hw/README.md)
#   make hw-kvm        boot them under QEMU/KVM on an Intel VT-x host
#   make hw-corpus     eptsim hw-run of the whole corpus (hand and real) on Bochs and QEMU
#   make mutants       the mutant catalogue: every pmap bug in tests/mutants
#                      built, replayed, and killed (tests/mutants/run.py)
#   make format        clang-format all C sources in place
#   make format-check  fail if any C source is not clang-format clean
#   make clean         remove all build directories

BUILD ?= build
JOBS ?= $(shell nproc)

ASAN_BUILD := build-asan
COV_BUILD := build-cov
REL_BUILD := build-rel
FUZZ_BUILD := build-fuzz

# make fuzz: seconds per target; make test runs each for FUZZ_CI_SECONDS.
FUZZ_SECONDS ?= 300
FUZZ_CI_SECONDS ?= 20

# Under CI (CI non-empty) warnings are errors.
WERROR := $(if $(CI),-DEPTSIM_WERROR=ON,)

GCOVR := /usr/bin/gcovr
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

FMT_DIRS := pmap sim verify tools bench hw tests
FMT_FILES = $(wildcard $(shell \
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files --cached --others --exclude-standard -- \
			$(foreach d,$(FMT_DIRS),'$(d)/*.c' '$(d)/*.h'); \
	else \
		find $(FMT_DIRS) -type f -name '*.[ch]' 2>/dev/null; \
	fi))

.PHONY: all deps build demo test coverage bench fuzz mutants format format-check clean hw hw-kvm hw-corpus

all: build

deps:
	bash scripts/deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(WERROR)
	cmake --build $(BUILD) -j$(JOBS)

# The bundled default trace, pair mode (regular + EPT pmap per vmspace),
# every check after every event.
DEMO_TRACE := traces/default.trace

demo: build
	$(BUILD)/tools/eptsim replay $(DEMO_TRACE) --mode=pair --check=full

test: build format-check
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Asan $(WERROR)
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	$(SAN_ENV) ctest --test-dir $(ASAN_BUILD) --output-on-failure -j$(JOBS)
	$(MAKE) coverage
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_CI_SECONDS)

coverage: deps
	cmake -S . -B $(COV_BUILD) -DCMAKE_BUILD_TYPE=Coverage $(WERROR)
	cmake --build $(COV_BUILD) -j$(JOBS)
	find $(COV_BUILD) -name '*.gcda' -delete
	ctest --test-dir $(COV_BUILD) --output-on-failure -j$(JOBS)
	mkdir -p $(COV_BUILD)/coverage
	$(GCOVR) --root . --filter 'pmap/' --object-directory $(COV_BUILD) \
		--print-summary --fail-under-line 90 \
		--html-details $(COV_BUILD)/coverage/index.html \
		--txt $(COV_BUILD)/coverage/summary.txt

bench: deps
	cmake -S . -B $(REL_BUILD) -DCMAKE_BUILD_TYPE=Release $(WERROR)
	cmake --build $(REL_BUILD) -j$(JOBS)
	$(REL_BUILD)/bench/pmap-bench
	$(REL_BUILD)/bench/unicorn-bench
	/usr/bin/python3 bench/replay_bench.py --eptsim $(REL_BUILD)/tools/eptsim --repeat 3
	$(REL_BUILD)/bench/fullcheck-bench
	/usr/bin/python3 bench/hw_bench.py --eptsim $(REL_BUILD)/tools/eptsim

hw: build
	@ls -1 $(BUILD)/hw/*.img $(BUILD)/hw/eptsim-hw-kernel

hw-corpus: build
	EPTSIM=$(BUILD)/tools/eptsim EPTSIM_HW_TESTS=all /usr/bin/python3 tests/e2e/hw_test.py CorpusTest

hw-kvm: hw
	bash hw/kvm.sh $(BUILD)/hw

# libFuzzer needs clang: its own build directory, ASan+UBSan (build type
# Asan), the libraries instrumented for coverage (tests/fuzz/CMakeLists.txt).
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Asan \
		-DEPTSIM_FUZZ=ON $(WERROR)
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_trace fuzz_replay
	$(SAN_ENV) bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Builds are cached in build-mutants/ by the hash of the sources and patch.
mutants: deps
	/usr/bin/python3 tests/mutants/run.py -j2

format: deps
	$(if $(FMT_FILES),clang-format --style=file -i $(FMT_FILES),@echo "format: no C sources")

format-check: deps
	$(if $(FMT_FILES),clang-format --style=file --dry-run -Werror $(FMT_FILES),@echo "format-check: no C sources")

clean:
	rm -rf build build-asan build-cov build-rel build-fuzz build-mutants
