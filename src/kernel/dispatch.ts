/**
 * One entry for every call of the vocabulary (spec/calls.ts): the emulator side of a step.
 * Each emulator module keeps a table of the entry points it mirrors at its end (the kernel
 * function with its kernel parameters, fed from the harness's resolved arguments); this file
 * joins them, adds the harness events (device DMA, hardware steps, fault injection), and the
 * compiler checks that every call has exactly one entry. Arguments are already resolved to
 * emulator indices (a domain is its id); the harness in src/check does the resolving. Kernel
 * failures come back as negative errnos; only a harness bug throws.
 */
import type { CallName } from '../../spec/calls.js';
import type { KernelRet } from '../../spec/events.js';
import { device_dma } from '../drivers/device-dma.js';
import { hw_complete_all, hw_step } from '../drivers/hw-step.js';
import { DMA_IOMMU_C_ENTRY_POINTS } from './dma-iommu.js';
import { DRIVER_CORE_ENTRY_POINTS } from './driver-core.js';
import { fault_inject } from './faults.js';
import { IOMMU_C_ENTRY_POINTS } from './iommu.js';
import { IOMMU_MAP_ENTRY_POINTS } from './iommu-map.js';
import { IOMMU_SVA_C_ENTRY_POINTS } from './iommu-sva.js';
import { RCACHE_RANGE_ENTRY_POINTS } from './proposals/rcache-range.js';
import type { EmuArgs, EntryPoints, KernelConfig, KernelState } from './types.js';

export type { EmuArgs } from './types.js';

/** Harness events: what the device and the hardware do, and the fault injector. */
const HARNESS_ENTRY_POINTS = {
  device_dma: (cfg, st, a) => device_dma(cfg, st, a.dev, a.iova, a.pasid),
  hw_step: (cfg, st, a) => hw_step(cfg, st, a.iommu),
  fault_inject: (_cfg, st, a) => fault_inject(st, a.op),
} satisfies Partial<EntryPoints>;

/** The tables, by the module that mirrors them (test/kernel/dispatch.test.ts: no call in two). */
export const ENTRY_POINT_TABLES = {
  'driver-core.ts': DRIVER_CORE_ENTRY_POINTS,
  'iommu.ts': IOMMU_C_ENTRY_POINTS,
  'iommu-map.ts': IOMMU_MAP_ENTRY_POINTS,
  'iommu-sva.ts': IOMMU_SVA_C_ENTRY_POINTS,
  'dma-iommu.ts': DMA_IOMMU_C_ENTRY_POINTS,
  'proposals/rcache-range.ts': RCACHE_RANGE_ENTRY_POINTS,
  harness: HARNESS_ENTRY_POINTS,
} as const;

/** Every call's entry point: a call missing from every table fails to compile. */
const ENTRY_POINTS = {
  ...DRIVER_CORE_ENTRY_POINTS,
  ...IOMMU_C_ENTRY_POINTS,
  ...IOMMU_MAP_ENTRY_POINTS,
  ...IOMMU_SVA_C_ENTRY_POINTS,
  ...DMA_IOMMU_C_ENTRY_POINTS,
  ...RCACHE_RANGE_ENTRY_POINTS,
  ...HARNESS_ENTRY_POINTS,
} satisfies EntryPoints;

/** Run one call on the emulator, mutating `st`. */
export function kernel_call(
  cfg: KernelConfig,
  st: KernelState,
  call: CallName,
  a: EmuArgs,
): KernelRet {
  // A kernel call first lets every hardware write in flight complete (its syncs return).
  if (call !== 'device_dma' && call !== 'hw_step') hw_complete_all(st);
  return ENTRY_POINTS[call](cfg, st, a);
}
