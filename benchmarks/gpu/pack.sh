#!/usr/bin/env bash
# Builds fmnist and the test bundle in release mode and packs them with every shared library they
# need (Swift runtime, OpenBLAS, the OpenCL ICD loader) into .device/fmnist-device.tar.xz, for a
# machine with a GPU but no Swift toolchain. Run on the build machine; then carry .device/ and run
# benchmarks/gpu/run-on-device.sh there.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --static-swift-stdlib --product fmnist
swift build -c release --build-tests
stage=.device/stage
rm -rf "$stage" && mkdir -p "$stage/bin" "$stage/lib"
cp .build/release/fmnist "$stage/bin/"
cp .build/release/fmnistPackageTests.xctest "$stage/bin/"
# Test resources (fixtures) sit beside the test bundle.
for resources in .build/release/*.resources; do [ -d "$resources" ] && cp -r "$resources" "$stage/bin/"; done
for binary in "$stage/bin/fmnist" "$stage/bin/fmnistPackageTests.xctest"; do
  ldd "$binary" | awk '/=> \//{print $3}' | grep -Ev '/libc\.so|/libm\.so|/libstdc\+\+|/libgcc_s|/ld-linux' | while read -r lib; do
    cp -Ln "$lib" "$stage/lib/" 2>/dev/null || true
  done
done
tar -cJf .device/fmnist-device.tar.xz -C "$stage" bin lib
# --with-data: also copy the Fashion-MNIST files for train-on-device.sh (the GPU machine has none).
if [ "${1:-}" = "--with-data" ]; then mkdir -p .device/data && cp /usr/share/datasets/fashion-mnist/*.gz .device/data/; fi
rm -rf "$stage"
ls -la .device/fmnist-device.tar.xz
