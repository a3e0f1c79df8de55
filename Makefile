# fmnist: two entry points on a fresh Debian 12 machine (as root, with a Swift 6 toolchain on PATH):
#   make run   - install what is missing, build, run the main job
#   make test  - install what is missing, run the whole test suite (OpenCL parity on PoCL included)
SHELL := /bin/bash
APT_PACKAGES := ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo libopenblas-dev pkg-config \
                libpng-dev zlib1g-dev libfftw3-dev libcairo2-dev fonts-dejavu-core libjpeg62-turbo-dev python-matplotlib-data \
                dataset-fashion-mnist
# Only the report check needs a browser.
BROWSER_PACKAGES := chromium
FMNIST := .build/release/fmnist

.PHONY: deps deps-browser build run test report-check bench clean

# Installs only the packages that are not there yet (apt-get update runs only then).
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v swift >/dev/null || { echo "error: no 'swift' on PATH; install a Swift 6 toolchain (swift.org) first" >&2; exit 1; }

deps-browser:
	@dpkg-query -W -f='$${Status}\n' $(BROWSER_PACKAGES) 2>/dev/null | grep -q '^install ok installed' || { \
	  echo "installing: $(BROWSER_PACKAGES)"; export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES); }

build: deps
	swift build -c release

# The main job: the whole study on all 70,000 images (the full profile: 14 m 02 s on two CPU
# cores, benchmarks/results/2026-11-29-study-2core-d), ending in out/study/report.html.
# `make run PROFILE=quick` runs the quick profile (the 10,000 test images, about 2 minutes).
PROFILE ?= full
run: build
	$(FMNIST) devices
	$(FMNIST) study --profile $(PROFILE) --out-dir out/study
	@echo "report: $$(pwd)/out/study/report.html"

bench: build
	$(FMNIST) bench --out benchmarks/results/latest.json

# FMNIST_REQUIRE_OPENCL=1: the OpenCL parity suite must run (on PoCL here), never skip.
test: deps
	FMNIST_REQUIRE_OPENCL=1 swift test
	$(MAKE) report-check

# The quick study's report opened in headless Chromium: fails on a console message, a broken
# image or an empty section.
report-check: build deps-browser
	$(FMNIST) study --profile quick --out-dir out/study-check --quiet
	bash benchmarks/report_check.sh out/study-check/report.html

clean:
	rm -rf .build
