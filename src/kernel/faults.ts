/**
 * Deterministic fault injection for driver ops, after iommufd's fail_nth
 * (drivers/iommu/iommufd/selftest.c: iommufd_should_fail). A scenario's `faults` fail the nth
 * call of an op; the explorer's fault_inject event arms the next call of an op to fail.
 */
import type { FaultOp } from '../../spec/calls.js';
import type { KernelConfig, KernelState } from './types.js';

/** Counts a call of `op` and says whether this call fails. */
export function should_fail(cfg: KernelConfig, st: KernelState, op: FaultOp): boolean {
  const armed = st.armed_faults.indexOf(op);
  if (armed >= 0) {
    st.armed_faults.splice(armed, 1);
    return true;
  }
  // Count only while a scenario fault on this op is still ahead, so counts stay bounded.
  let last = 0;
  for (const f of cfg.scenario.faults) if (f.op === op && f.nth > last) last = f.nth;
  if (st.op_calls[op] >= last) return false;
  const n = ++st.op_calls[op];
  for (const f of cfg.scenario.faults) if (f.op === op && f.nth === n) return true;
  return false;
}

/** fault_inject(op): arm the next call of `op` to fail (a harness event, not a kernel call). */
export function fault_inject(st: KernelState, op: FaultOp): number {
  if (!st.armed_faults.includes(op)) st.armed_faults.push(op);
  return 0;
}
