#!/usr/bin/env bash
# npm run conform: the conformance suite (conform/traces/*.json) on Debian's 6.12 and 6.1 kernels
# under QEMU with VT-d, after `npm run conform:setup`. Exit 0 when every step run matched on both.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
for k in 6.12 6.1; do
  echo "== conform on Linux $k"
  node bin/iommu-spec.mjs conform conform/traces/*.json --kernel "$k" "$@"
  rc=$?
  if [ $rc -gt $status ]; then status=$rc; fi
done
exit $status
