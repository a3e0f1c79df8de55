#!/usr/bin/env bash
# Sourced by the scripts in this folder on the GPU machine: unpacks what pack.sh built into
# /tmp/fmnist-device, puts its libraries on LD_LIBRARY_PATH and registers NVIDIA's OpenCL driver
# with the ICD loader. Sets $work (the unpacked tree) and $out ($OUT, or ./out), and FMNIST_DATA
# from the data pack.sh --with-data carried. The bundle is
# unpacked once per bundle (a stamp of its size and time), so scripts run one after another share it.
# FMNIST_DEVICE_TREE names an unpacked tree to use instead (pack.sh --check runs the scripts so).
out=${OUT:-$PWD/out}; mkdir -p "$out"
work=${FMNIST_DEVICE_TREE:-/tmp/fmnist-device}
stamp=$([ -n "${FMNIST_DEVICE_TREE:-}" ] && echo given || stat -c '%s %Y' .device/fmnist-device.tar.xz)
if [ -z "${FMNIST_DEVICE_TREE:-}" ] && [ "$(cat "$work/.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$work"; mkdir -p "$work"
  tar -xJf .device/fmnist-device.tar.xz -C "$work" && echo "$stamp" > "$work/.stamp"
fi
export LD_LIBRARY_PATH="$work/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# The ICD loader reads /etc/OpenCL/vendors; GPU containers often mount NVIDIA's OpenCL library
# without registering it there. Register every vendor file plus any libnvidia-opencl found.
nv=$(ldconfig -p | awk '/libnvidia-opencl\.so\.1/{print $NF; exit}')
[ -z "$nv" ] && nv=$(find / -xdev \( -name 'libnvidia-opencl.so.1' -o -name 'libnvidia-opencl.so.*' \) 2>/dev/null | head -1)
mkdir -p "$work/vendors"
cp /etc/OpenCL/vendors/*.icd "$work/vendors/" 2>/dev/null || true
if [ -n "$nv" ] && ! grep -qs nvidia "$work"/vendors/*.icd; then echo "$nv" > "$work/vendors/nvidia.icd"; fi
export OCL_ICD_VENDORS="$work/vendors"
# The data pack.sh --with-data carried (image files as xz): the four .gz files the tool and the
# PyTorch scripts read, written once per machine outside the tree (a later call re-sends .device and
# would drop anything made inside it). FMNIST_DATA, when set, wins; the test bundle's CLI tests read
# it too.
if [ -z "${FMNIST_DATA:-}" ] && ls .device/data/*.xz > /dev/null 2>&1; then
  data=/tmp/fmnist-data
  mkdir -p "$data" && cp .device/data/*.gz "$data/"
  for xz in .device/data/*.xz; do  # each file once; a .gz appears only complete (written aside, then renamed)
    gz="$data/$(basename "$xz" .xz).gz"
    [ -s "$gz" ] && continue
    python3 -c 'import gzip, lzma, shutil, sys
with lzma.open(sys.argv[1]) as i, gzip.open(sys.argv[2], "wb", compresslevel=1) as o: shutil.copyfileobj(i, o)' \
      "$xz" "$gz.partial" && mv "$gz.partial" "$gz"
  done
  export FMNIST_DATA=$data
elif [ -z "${FMNIST_DATA:-}" ] && [ -d .device/data ]; then
  export FMNIST_DATA=$PWD/.device/data
fi
echo "ICD vendors: $(cat "$work"/vendors/*.icd 2>/dev/null | tr '\n' ' ')"
