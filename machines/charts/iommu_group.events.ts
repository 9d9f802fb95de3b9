/**
 * The events the iommu_group chart (machines/charts/iommu_group.machine.ts) answers, with the facts the
 * router passes about other objects, and the chart's context.
 */
import type { FaultOp } from '../../spec/calls.js';
import type { ViewDomain } from '../../spec/view.js';
import type { DefaultTypeName } from '../rules/iommu.js';
import type { Outcome } from '../runtime/chart.js';

/** What __iommu_group_set_domain_internal's loop over the members would meet first. */
export interface AttachFacts {
  /** The domain is already group->domain: nothing to do, 0. */
  readonly current: boolean;
  /** A require_direct member would go onto a blocked domain: -EINVAL before its attach. */
  readonly direct_refused: boolean;
  /** The first attach_dev call hits the armed fault: -ENOMEM, the members roll back. */
  readonly fault: boolean;
  /** attach_dev refuses a domain of another IOMMU instance: -EINVAL. */
  readonly driver_refused: boolean;
}

export interface Target {
  readonly name: ViewDomain;
  readonly region: 'default' | 'blocking' | 'private';
}

/** iommu_group_store_type() facts the router computes from the rules and the other charts. */
export interface SysfsFacts {
  readonly count: number;
  /** The parsed type, 0 for "auto", null for any other string. */
  readonly req: number | null;
  /** The v6.3 rules (iommu_change_dev_def_domain). */
  readonly legacy: boolean;
  readonly multi_device: boolean;
  readonly driver_bound: boolean;
  readonly type_conflict: boolean;
  /** v6.3: the type asked for, auto resolved (def_domain_type, else the global default). */
  readonly legacy_type: DefaultTypeName;
  /** iommu_dma_init_fq() is armed to fail. */
  readonly fq_fault: boolean;
  /** iommu_get_default_domain_type() found a legal type. */
  readonly legal: boolean;
  readonly alloc_errno: number;
  /** The allocation returned the current default domain (it already has the type). */
  readonly same_domain: boolean;
  /** v6.3: the direct mapping of a require_direct device fails (no retry there). */
  readonly direct_fault: boolean;
  /** The installed type, after iommu_dma_init_domain's DMA_FQ demotion. */
  readonly new_type: DefaultTypeName;
  /** Faults used up on each way out of the setup (the allocation's also when it reuses). */
  readonly on_alloc_error: readonly FaultOp[];
  readonly on_direct_fault: readonly FaultOp[];
  readonly on_attach_fault: readonly FaultOp[];
  readonly on_success: readonly FaultOp[];
}

type OwnerClaim = { readonly owner: string | null; readonly pasid_array_empty: boolean };
export type GroupEvent =
  | { readonly type: 'iommu_device_use_default_domain'; readonly pasid_array_empty: boolean }
  | { readonly type: 'iommu_device_unuse_default_domain'; readonly pasid_array_empty: boolean }
  | ({ readonly type: 'iommu_group_claim_dma_owner'; readonly attach: AttachFacts } & OwnerClaim)
  | ({ readonly type: 'iommu_device_claim_dma_owner'; readonly attach: AttachFacts } & OwnerClaim)
  | { readonly type: 'iommu_group_release_dma_owner'; readonly pasid_array_empty: boolean }
  | { readonly type: 'iommu_device_release_dma_owner'; readonly pasid_array_empty: boolean }
  | {
      readonly type: 'iommu_attach_device';
      readonly singleton: boolean;
      readonly compatible: boolean;
      readonly target: Target;
      readonly attach: AttachFacts;
    }
  | {
      readonly type: 'iommu_attach_group';
      readonly compatible: boolean;
      readonly target: Target;
      readonly attach: AttachFacts;
    }
  | {
      readonly type: 'iommu_group_replace_domain';
      readonly target: Target | null;
      readonly attach: AttachFacts;
    }
  | { readonly type: 'iommu_detach_device'; readonly current: boolean; readonly singleton: boolean }
  | { readonly type: 'iommu_detach_group' }
  | {
      readonly type: 'iommu_group_store_type';
      readonly sysfs: SysfsFacts;
      readonly attach: AttachFacts;
    }
  | { readonly type: 'iommu_group_show_type' }
  | { readonly type: 'iommu_get_domain_for_dev' };

export interface GroupContext extends Outcome {
  /**
   * Outcome of a successful sysfs write: it ended with iommu_setup_dma_ops() on every member
   * (not after the live upgrade or a v6.3 no-op). Like ret, not state.
   */
  readonly dma_ops_reset: boolean;
  readonly default_type: DefaultTypeName;
  /** The domain of the `private` state. */
  readonly private_domain: ViewDomain | null;
  readonly owner: string | null;
  readonly owner_cnt: number;
}
