# cos: the two quick-start commands are `make demo` and `make test`.
BUILD ?= build
JOBS ?= $(shell nproc)
PYTHON := /usr/bin/python3

.PHONY: all setup build demo test models node-tests format clean

all: build

setup:
	scripts/setup

build: setup
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/cos demo

# The zoo (random weights, reference input and output) into models/, skipping what is there.
models: setup
	$(PYTHON) tools/export_models.py -o models

# The ONNX backend node tests (conformance of the executors) into .cache/onnx-node.
node-tests: setup
	$(PYTHON) tools/gen_onnx_node_tests.py .cache/onnx-node

test: build models node-tests
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD)
