#!/usr/bin/env bash
# npm run conform: the conformance suite (conform/traces/*.json) on Debian's 6.12 and 6.1 kernels
# under QEMU with VT-d, after `npm run conform:setup`. The two kernels run side by side (one QEMU
# each, one core each); each kernel's report is printed whole. Exit 0 when every step run matched
# on both, else the larger exit code of the two (1 mismatch, 2 bad input, 4 no QEMU or kernel).
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
pids=()
for k in 6.12 6.1; do
  node bin/iommu-spec.mjs conform conform/traces/*.json --kernel "$k" "$@" >"$out/$k.txt" 2>&1 &
  pids+=($!)
done
status=0
i=0
for k in 6.12 6.1; do
  wait "${pids[$i]}"
  rc=$?
  i=$((i + 1))
  echo "== conform on Linux $k (exit $rc)"
  cat "$out/$k.txt"
  if [ $rc -gt $status ]; then status=$rc; fi
done
exit $status
