# Wraps meson for the README's commands.
#   make demo   — build, then run the demo in a throwaway network namespace
#   make test   — build with ASan+UBSan, run unit and integration tests
#   make bench  — build optimised, run the benchmarks against the reference plugins
BUILD ?= build
ASAN_BUILD ?= build-asan

.PHONY: all deps build build-asan demo test bench install clean

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

demo: build
	$(BUILD)/src/cli/pontoon demo

test: build-asan build
	./tests/run.sh $(ASAN_BUILD) $(BUILD)

bench: build
	./bench/run.sh $(BUILD)
	./bench/cli.sh $(BUILD) 100

install: build
	meson install -C $(BUILD) $(if $(DESTDIR),--destdir $(DESTDIR))

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
