/**
 * WARN_ON() for the emulator: the condition is recorded in the state, never thrown.
 * The NoWarningFired invariant turns every recorded warning into a finding.
 */
import type { KernelState } from './types.js';

/** include/asm-generic/bug.h: WARN_ON(). Returns the condition, as the kernel macro does. */
export function WARN_ON(st: KernelState, cond: boolean, site: string): boolean {
  if (cond) st.warnings.push(site);
  return cond;
}
