# fmnist: two entry points on a fresh Debian 12 machine (as root, with a Swift 6 toolchain on PATH):
#   make run   - install what is missing, build, run the main job
#   make test  - install what is missing, run the whole test suite (OpenCL parity on PoCL included)
SHELL := /bin/bash
APT_PACKAGES := ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo libopenblas-dev pkg-config \
                libpng-dev zlib1g-dev libfftw3-dev libcairo2-dev fonts-dejavu-core libjpeg62-turbo-dev python-matplotlib-data \
                dataset-fashion-mnist
FMNIST := .build/release/fmnist

.PHONY: deps build run test bench clean

# Installs only the packages that are not there yet (apt-get update runs only then).
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v swift >/dev/null || { echo "error: no 'swift' on PATH; install a Swift 6 toolchain (swift.org) first" >&2; exit 1; }

build: deps
	swift build -c release

# The main job. Until the study command lands: what this machine offers, then the conv
# autoencoder trained for a few epochs, its reconstruction grid and the test set's codes.
run: build
	$(FMNIST) devices
	$(FMNIST) data --out-dir out
	$(FMNIST) train autoencoder --epochs 3 --out out/conv-ae.safetensors
	$(FMNIST) reconstruct --model out/conv-ae.safetensors --split test --out out/test-reconstructions.npy --png out/reconstructions.png
	$(FMNIST) encode --model out/conv-ae.safetensors --split test --out out/test-codes.npy --labels-out out/test-labels.npy
	$(FMNIST) cluster --method kmeans --input out/test-codes.npy --out out/kmeans-labels.npy
	$(FMNIST) evaluate --pred out/kmeans-labels.npy --truth out/test-labels.npy --features out/test-codes.npy --sample 2000
	$(FMNIST) cluster --method ward --input out/test-codes.npy --out out/ward-labels.npy --linkage-out out/ward-linkage.npy --dendrogram out/ward-dendrogram.svg
	$(FMNIST) evaluate --pred out/ward-labels.npy --truth out/test-labels.npy

bench: build
	$(FMNIST) bench --out benchmarks/results/latest.json

# FMNIST_REQUIRE_OPENCL=1: the OpenCL parity suite must run (on PoCL here), never skip.
test: deps
	FMNIST_REQUIRE_OPENCL=1 swift test

clean:
	rm -rf .build
