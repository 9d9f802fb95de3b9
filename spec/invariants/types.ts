/** An invariant: a named claim, one clause, one sentence, a kernel citation. */
import type { KernelEvent, KernelRet } from '../events.js';
import type { Observation } from '../observe.js';

export interface Invariant {
  /** PascalCase claim: PasidRoutesToOneDomain. */
  readonly id: string;
  readonly statement: string;
  readonly citation: string;
  /** null when it holds; otherwise what is wrong, in one line. */
  holds(o: Observation): string | null;
}

/** A claim about one step: the state before, the call and its return, the state after. */
export interface ActionInvariant {
  readonly id: string;
  readonly statement: string;
  readonly citation: string;
  holds(before: Observation, ev: KernelEvent, ret: KernelRet, after: Observation): string | null;
}

export const IOMMU_C = 'drivers/iommu/iommu.c';
export const DMA_C = 'drivers/iommu/dma-iommu.c';
export const IOVA_C = 'drivers/iommu/iova.c';
export const SVA_C = 'drivers/iommu/iommu-sva.c';
