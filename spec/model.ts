/**
 * What the checker needs from a specification, whatever it is built from: an initial state, the
 * transition for a kernel call (expected return and next state), the caller contract (which calls
 * a correct caller may make now), and the abstract view conformance compares.
 * machines/router/kernel.ts implements it with xstate statecharts.
 */
import type { KernelEvent } from './events.js';
import type { DevicePermutation } from './symmetry.js';
import type { SpecView } from './view.js';

/**
 * An expected return, normalised so that both sides can be compared:
 *   a number or string   exactly that value (0, -16, "DMA\n", a PASID, a handle name);
 *   "domain:<ref>"       an allocated or looked-up domain, by its DomainRef key ("domain:d0");
 *   "IOVA"               dma_map_single succeeded (the number is the allocator's business);
 *   [a, b, ...]          any of these (device_dma: the buffers and faults the abstract state
 *                        allows);
 *   "*"                  the spec does not predict this return.
 */
export type SpecRet = number | string | readonly (number | string)[];
export const ANY_RET = '*';
export const IOVA_RET = 'IOVA';

/** Whether an implementation's (normalised) return is one the spec allows. */
export function retAllowed(expected: SpecRet, got: SpecRet): boolean {
  if (expected === ANY_RET) return true;
  if (Array.isArray(expected)) return expected.includes(got as number | string);
  return got === expected;
}

export interface SpecModel<S = unknown> {
  readonly initial: S;
  /** The expected return and the next state. */
  step(s: S, ev: KernelEvent): { readonly ret: SpecRet; readonly next: S };
  /** Whether a correct caller may make this call in this state (the explorer's event filter). */
  allowed(s: S, ev: KernelEvent): boolean;
  view(s: S): SpecView;
  key(s: S): string;
  /**
   * The state with its devices (and their groups) relabelled by `p` (spec/symmetry.ts). Optional:
   * a model without it cannot be explored with symmetry reduction.
   */
  permute?(s: S, p: DevicePermutation): S;
  /**
   * The state with the groups and devices of `view` (the implementation's abstract state) in
   * place of its own: replay goes on from the implementation's state after a divergence.
   * Optional: without it replay goes on from the spec's own state.
   */
  resync?(s: S, view: SpecView): S;
}
