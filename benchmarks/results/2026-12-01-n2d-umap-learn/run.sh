#!/usr/bin/env bash
# Step 0, encoding, then the 14 reference-stage pairs, one at a time (PLAN.md). f: the fmnist binary, M: the six
# 50-epoch autoencoders of ../2026-12-01-n2d-reference-ae (kept on the VM, not committed), O: output.
set -u
cd /work/main
f=/tmp/ul/fmnist; M=/tmp/refrun/out/models; O=/tmp/ul/out; C=/tmp/ul/codes; mkdir -p $O $C
R=benchmarks/results/2026-12-01-n2d-reference-ae
$f deep-cluster --method n2d --model $M/dense-ae-seed0-e50.safetensors --seed 0 --out $O/check-n2d-ae50-seed0.npy --json --quiet > $O/check-n2d-ae50-seed0.json
cmp $O/check-n2d-ae50-seed0.npy $R/n2d-ae50-seed0.npy && echo "check: identical" || echo "check: DIFFERENT"
for arch in dense-ae n2d-ae; do for a in 0 1 2; do
  $f encode --model $M/$arch-seed$a-e50.safetensors --split all --out $C/$arch-seed$a.npy --quiet
done; done
echo "encoded $(date +%T)"
py=benchmarks/.venv/bin/python
for arch in dense-ae n2d-ae; do
  row=$([ $arch = n2d-ae ] && echo refae || echo ae)
  for s in 0 1 2 3 4; do
    $py benchmarks/n2d_reference_stage.py $C/$arch-seed0.npy --seed $s --out $O/ref-n2d-${row}50-seed$s.npy > /dev/null
    echo "$arch ae0 seed $s $(date +%T)"
  done
  for a in 1 2; do
    $py benchmarks/n2d_reference_stage.py $C/$arch-seed$a.npy --seed $a --out $O/ref-n2d-${row}50-aeseeds-seed$a.npy > /dev/null
    echo "$arch ae$a $(date +%T)"
  done
done
echo finished
