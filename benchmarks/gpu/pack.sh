#!/usr/bin/env bash
# Builds fmnist and the test bundle in release mode and packs them with every shared library they
# need (Swift runtime, OpenBLAS, the OpenCL ICD loader) into .device/fmnist-device.tar.xz, for a
# machine with a GPU but no Swift toolchain. Run on the build machine; then carry .device/ and run
# benchmarks/gpu/run-on-device.sh there.
#
#   pack.sh               build and pack
#   pack.sh --with-data   also copy the Fashion-MNIST files into .device/data (the scripts that read images)
#   pack.sh --check       build the bundle's parts, check the test bundle loads and run the device
#                         scripts' smoke run on this machine's OpenCL driver, without packing (CI runs
#                         this so the GPU bundle and its scripts cannot silently stop working)
#
# One release build in its own scratch folder (.build-device, so a developer's .build keeps its
# flags) gives both the tool and the test bundle, linked against the same shared Swift runtime,
# which is packed once. The tests are built with -enable-testing: several suites use
# `@testable import`, which a plain release build refuses ("module was not compiled for testing").
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-}
scratch=.build-device
swift build -c release --scratch-path "$scratch" --build-tests -Xswiftc -enable-testing
stage=.device/stage
rm -rf "$stage" && mkdir -p "$stage/bin" "$stage/lib"
cp "$scratch/release/fmnist" "$scratch/release/fmnistPackageTests.xctest" "$stage/bin/"
# Test resources (fixtures) sit beside the test bundle.
for resources in "$scratch"/release/*.resources; do [ -d "$resources" ] && cp -r "$resources" "$stage/bin/"; done
for binary in "$stage/bin/fmnist" "$stage/bin/fmnistPackageTests.xctest"; do
  ldd "$binary" | awk '/=> \//{print $3}' | grep -Ev '/libc\.so|/libm\.so|/libstdc\+\+|/libgcc_s|/ld-linux' | while read -r lib; do
    cp -Ln "$lib" "$stage/lib/" 2>/dev/null || true
  done
done
strip --strip-unneeded "$stage/bin/fmnist" "$stage/bin/fmnistPackageTests.xctest" "$stage"/lib/*.so* 2>/dev/null || true
if [ "$mode" = "--check" ]; then
  # The staged bundle must load with only its own libraries and list its parity suites.
  count=$(LD_LIBRARY_PATH="$stage/lib" "$stage/bin/fmnistPackageTests.xctest" --list-tests 2>/dev/null | grep -c '^BackendTests\.' || true)
  LD_LIBRARY_PATH="$stage/lib" "$stage/bin/fmnist" --help > /dev/null
  [ "$count" -gt 0 ] || { echo "pack.sh --check: the staged test bundle lists no BackendTests" >&2; exit 1; }
  # The device scripts themselves, shrunk (SMOKE=1) and on this machine's OpenCL driver: a script
  # that breaks here would otherwise break on the rare machine with a GPU.
  smoke=$(mktemp -d)
  for part in 1 2 3; do
    FMNIST_DEVICE_TREE=$PWD/$stage FMNIST_DATA=${FMNIST_DATA:-/usr/share/datasets/fashion-mnist} SMOKE=1 PART=$part \
      OUT=$smoke/part$part bash benchmarks/gpu/session-on-device.sh > "$smoke/part$part.log" 2>&1
  done
  rm -rf "$stage"
  # A step that did not exit 0, and a timed command whose exit status (the last column) is not 0.
  failed=$(grep -HE '\| (exit [1-9]|stopped|skipped)' "$smoke"/part*/session.md || true
    grep -HE '\| [1-9][0-9]* \|$' "$smoke"/part*/*/*.md || true)
  grep -qs 'parity exit: 0' "$smoke"/part1/parity/parity.log || failed="$failed the parity suite did not finish"
  [ -z "$failed" ] || { echo "pack.sh --check: a device script failed its smoke run ($smoke):" >&2; echo "$failed" >&2; exit 1; }
  rm -rf "$smoke"
  echo "pack.sh --check: tool and test bundle build and load ($count parity tests listed); the device scripts pass their smoke run"
  exit 0
fi
XZ_OPT=-9 tar -cJf .device/fmnist-device.tar.xz -C "$stage" bin lib
# --with-data: also copy the Fashion-MNIST files (the GPU machine has none); the two image files as
# xz (26.4 MB against gzip's 30.8), which device-env.sh turns back into the .gz files there.
if [ "$mode" = "--with-data" ]; then
  rm -rf .device/data && mkdir -p .device/data
  cp /usr/share/datasets/fashion-mnist/*labels-idx1-ubyte.gz .device/data/
  for images in train-images-idx3-ubyte t10k-images-idx3-ubyte; do
    gunzip -c "/usr/share/datasets/fashion-mnist/$images.gz" | xz -9 -T0 > ".device/data/$images.xz"
  done
fi
rm -rf "$stage"
# Everything that travels to the device machine must fit its 64 MiB limit: .device and the
# repository's tracked files together (the recorded results alone outgrew it; results-aside.sh
# moves them out of the working tree for the calls and back).
limit=$((64 * 1024 * 1024))
bytes=$(du -sb .device | cut -f1)
tracked=$(git ls-files -z | xargs -0 stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')
echo "bundle: $(stat -c %s .device/fmnist-device.tar.xz) bytes packed; .device in all: $bytes bytes; tracked files: $tracked bytes"
[ "$bytes" -le "$limit" ] || { echo "pack.sh: .device is $bytes bytes, over the 64 MiB the device machine takes" >&2; exit 1; }
if [ $((bytes + tracked)) -gt "$limit" ]; then
  echo "pack.sh: .device and the tracked files come to $((bytes + tracked)) bytes, over the 64 MiB that travels;" \
    "run \`bash benchmarks/gpu/results-aside.sh out\` before the device calls and \`... back\` after them" >&2
fi
