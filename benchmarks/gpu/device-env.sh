#!/usr/bin/env bash
# Sourced by the scripts in this folder on the GPU machine: unpacks what pack.sh built into
# /tmp/fmnist-device, puts its libraries on LD_LIBRARY_PATH and registers NVIDIA's OpenCL driver
# with the ICD loader. Sets $work (the unpacked tree) and $out ($OUT, or ./out). The bundle is
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
echo "ICD vendors: $(cat "$work"/vendors/*.icd 2>/dev/null | tr '\n' ' ')"
