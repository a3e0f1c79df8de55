#!/bin/bash
# Alternated quick studies: head (new) and 953a989 (old), empty output directories.
for r in 1 2; do
  for side in new old; do
    bin=/work/main/.build/release/fmnist; [ $side = old ] && bin=/tmp/old953/.build/release/fmnist
    rm -rf /tmp/abq-$side-$r
    s=$(date +%s.%N)
    $bin study --profile quick --out-dir /tmp/abq-$side-$r --quiet > /tmp/abq-$side-$r.out 2>&1
    e=$(date +%s.%N)
    echo "$r $side $(echo "$e - $s" | bc)"
  done
done
