# Wraps meson for the README's commands.
#   make demo   — build, then run the demo in a throwaway network namespace
#   make test   — build with ASan+UBSan (and the fuzz targets with clang), run every test
#   make bench  — build optimised, run the benchmarks against the reference plugins
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz

.PHONY: all deps build build-asan build-fuzz demo test bench install clean

all: build

deps:
	./scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=release

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

build-asan: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)

# libFuzzer targets need clang; they are part of the test run (20 s each).
$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false

build-fuzz: deps $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD)

demo: build
	$(BUILD)/src/cli/pontoon demo

test: build-asan build build-fuzz
	PONTOON_FUZZ_BUILD=$(FUZZ_BUILD) ./tests/run.sh $(ASAN_BUILD) $(BUILD)

bench: build
	./bench/run.sh $(BUILD)
	./bench/cli.sh $(BUILD) 100
	./bench/nat.sh $(BUILD)

install: build
	meson install -C $(BUILD) $(if $(DESTDIR),--destdir $(DESTDIR))

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
