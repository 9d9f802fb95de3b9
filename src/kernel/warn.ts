/**
 * WARN_ON() for the emulator: the condition is recorded in the state, never thrown.
 * The NoWarningFired invariant turns every recorded warning into a finding.
 */
import type { KernelState } from './types.js';

/** The prefix of a recorded undefined behaviour (src/check/core/no-contract.ts groups them). */
export const UNDEFINED_PREFIX = 'undefined behaviour: ';

/**
 * A call the kernel leaves undefined (a double free, a use after free of a handle): recorded
 * like a warning, never thrown, so the emulator survives any caller.
 */
export function UNDEFINED(st: KernelState, what: string): void {
  st.warnings.push(`${UNDEFINED_PREFIX}${what}`);
}

/** include/asm-generic/bug.h: WARN_ON(). Returns the condition, as the kernel macro does. */
export function WARN_ON(st: KernelState, cond: boolean, site: string): boolean {
  if (cond) st.warnings.push(site);
  return cond;
}
