/**
 * A kernel call as the spec, the explorer and the emulator's harness exchange it: the call name
 * as `type` (xstate's event field) and the arguments resolved to scenario indices. Traces name
 * things; events number them. A domain is referenced the way a caller holds it: a domain the
 * caller allocated (user slot), or a group's default or blocking domain.
 */
import type { CallName, FaultOp } from './calls.js';

export type DomainRef =
  | { readonly kind: 'user'; readonly slot: number }
  | { readonly kind: 'default'; readonly group: number }
  | { readonly kind: 'blocking'; readonly group: number };

export interface KernelEvent {
  readonly type: CallName;
  readonly dev?: number;
  readonly group?: number;
  readonly domain?: DomainRef;
  readonly pasid?: number;
  /** The string written to sysfs (the trace's `type`). */
  readonly sysfs?: string;
  readonly owner?: string | null;
  readonly buf?: number;
  readonly size?: number;
  /** For dma_unmap_single and device_dma: the index of the device's live DMA mapping. */
  readonly map?: number;
  /** A raw IOVA (iommu_map, iommu_unmap, iommu_iova_to_phys, device_dma without `map`). */
  readonly iova?: number;
  readonly mm?: number;
  readonly handle?: string | null;
  readonly iommu?: number;
  readonly op?: FaultOp;
}

/** What a call returns into a trace. */
export type KernelRet = number | string;

export function domainRefKey(d: DomainRef): string {
  return d.kind === 'user'
    ? `d${d.slot}`
    : `${d.kind}:${d.kind === 'default' || d.kind === 'blocking' ? d.group : ''}`;
}
