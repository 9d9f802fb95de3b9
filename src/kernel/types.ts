/**
 * The emulator's state: plain data, cheap to clone and to key. Struct and field names follow
 * the kernel (`struct iommu_group` -> IommuGroup with `default_domain`, `owner_cnt`, ...).
 * Pointers become indices: a domain is named by its slot in KernelState.domains, NO_DOMAIN
 * stands for NULL. The immutable topology (KernelConfig) is shared by every state.
 */
import type { CallName, FaultOp } from '../../spec/calls.js';
import type { KernelRet } from '../../spec/events.js';
import type { KernelRevision } from '../../spec/kernel-ref.js';
import type { DriverName, IommuCap, Scenario } from '../../spec/scenario.js';

/** NULL for a domain pointer. */
export const NO_DOMAIN = -1;

/* ------------------------------------------------------------------------------------------ */
/* Immutable topology                                                                          */
/* ------------------------------------------------------------------------------------------ */

export interface IommuInstance {
  readonly index: number;
  readonly name: string;
  readonly driver: DriverName;
  readonly caps: readonly IommuCap[];
  readonly max_pasids: number;
  readonly rtr_avail: boolean;
}

export interface DeviceInfo {
  readonly index: number;
  readonly name: string;
  readonly iommu: number;
  readonly group: number;
  /** dev->iommu->max_pasids: min(device capability, IOMMU limit) (dev_iommu_get_max_pasids). */
  readonly max_pasids: number;
  readonly untrusted: boolean;
  readonly require_direct: boolean;
  readonly shadow_on_flush: boolean;
  readonly pci: boolean;
  /** Highest IOVA page frame the DMA mask allows. */
  readonly dma_limit_pfn: number;
  /** The IOMMU_RESV_DIRECT region firmware asks to keep 1:1 (require_direct devices), in pfns. */
  readonly direct_pfn: number;
}

export interface GroupInfo {
  readonly index: number;
  readonly name: string;
  readonly iommu: number;
  readonly devices: readonly number[];
}

export interface BufferInfo {
  readonly index: number;
  readonly name: string;
  /** Physical page frame where the buffer lives; buffers never share a page. */
  readonly pfn: number;
  readonly size: number;
}

export interface KernelConfig {
  readonly scenario: Scenario;
  readonly revision: KernelRevision;
  readonly iommus: readonly IommuInstance[];
  readonly devices: readonly DeviceInfo[];
  readonly groups: readonly GroupInfo[];
  readonly buffers: readonly BufferInfo[];
  /** Driver ops per IOMMU instance. */
  readonly ops: readonly IommuOps[];
  /** Mutant switches (seeded bugs) active for this run; empty in a faithful run. */
  readonly mutants: ReadonlySet<string>;
  /** Design-variant rule switches active for this run. */
  readonly variant: ReadonlySet<string>;
}

/* ------------------------------------------------------------------------------------------ */
/* Mutable state                                                                               */
/* ------------------------------------------------------------------------------------------ */

/** One iommu_map() call's worth of page table: [iova, iova+size) -> [paddr, paddr+size). */
export interface IommuMapping {
  iova_pfn: number;
  paddr_pfn: number;
  pages: number;
}

/** struct iova_rcache bin, one CPU: loaded and prev magazines plus the depot. */
export interface IovaRcacheBin {
  loaded: number[];
  prev: number[];
  depot: number[][];
}

/** struct iova_domain (drivers/iommu/iova.c). Ranges are [pfn_lo, pfn_hi] inclusive, sorted. */
export interface IovaDomain {
  granule: number;
  start_pfn: number;
  dma_32bit_pfn: number;
  /** Where the next allocation above / at or below 4 GiB starts its walk: a range's pfn_lo, or IOVA_ANCHOR. */
  cached_node: number;
  cached32_node: number;
  /** The smallest 32-bit allocation that failed since 32-bit space was last freed. */
  max32_alloc_size: number;
  /** Allocated and reserved ranges, as the rbtree holds them, sorted by pfn_lo. */
  ranges: [number, number][];
  /** The ranges reserve_iova placed (never handed out, never freed). */
  reserved: [number, number][];
  /** One bin per order 0..IOVA_RANGE_CACHE_MAX_SIZE-1, or null before iova_domain_init_rcaches. */
  rcaches: IovaRcacheBin[] | null;
  mag_size: number;
}

/** struct iommu_dma_msi_page-free flush-queue entry (struct iova_fq_entry). */
export interface IovaFqEntry {
  iova_pfn: number;
  pages: number;
  counter: number;
}

/** struct iova_fq plus the cookie's counters (one CPU). */
export interface IovaFq {
  entries: IovaFqEntry[];
  size: number;
  fq_flush_start_cnt: number;
  fq_flush_finish_cnt: number;
  /** fq_timer_on: the timer is armed and fq_flush_timeout will run. */
  fq_timer_on: boolean;
}

/** struct iommu_dma_cookie (drivers/iommu/dma-iommu.c). `fq` non-null is cookie->fq_domain. */
export interface IommuDmaCookie {
  iovad: IovaDomain;
  fq: IovaFq | null;
}

/** struct iommu_domain. */
export interface IommuDomain {
  id: number;
  type: number;
  /** domain->owner: the IOMMU instance whose ops allocated it. */
  iommu: number;
  /** ops->identity_domain / ops->blocked_domain: static, shared, never freed. */
  is_static: boolean;
  /** Allocated with IOMMU_HWPT_ALLOC_PASID. */
  alloc_pasid: boolean;
  pgtable: IommuMapping[];
  /** Ranges unmapped by iommu_unmap_fast and not yet synced (the iotlb_gather). */
  gather: [number, number][];
  cookie: IommuDmaCookie | null;
  /** SVA: the mm index; -1 otherwise. */
  mm: number;
  /** SVA: domain->users. */
  users: number;
}

/** A pasid_array entry: the domain, tagged with the iommufd attach handle if one was given. */
export interface PasidEntry {
  pasid: number;
  domain: number;
  handle: string | null;
}

/** struct iommu_group. */
export interface IommuGroup {
  default_domain: number;
  blocking_domain: number;
  domain: number;
  owner_cnt: number;
  owner: string | null;
  /** Sorted by pasid. */
  pasid_array: PasidEntry[];
}

/** A DMA-API mapping the bound driver holds (the user of the DMA API, not kernel state). */
export interface DmaMapping {
  iova: number;
  size: number;
  buf: number;
}

/** Per-device state: struct dev_iommu plus the driver-core facts the IOMMU core reads. */
export interface DevState {
  /** A kernel driver is bound through the driver core (device_driver_attach). */
  driver_bound: boolean;
  /** dev->dma_iommu: the IOMMU DMA ops are installed (iommu_setup_dma_ops). */
  dma_iommu: boolean;
  /** dev->iommu->pci_32bit_workaround */
  pci_32bit_workaround: boolean;
  /** Live dma_map_single mappings the driver holds. */
  maps: DmaMapping[];
}

/** struct iommu_mm_data plus the mm's own PASID. */
export interface MmState {
  /** mm->iommu_mm->pasid, or IOMMU_PASID_INVALID (-1). */
  pasid: number;
  /** iommu_mm->sva_domains */
  sva_domains: number[];
}

/** struct iommu_sva: one bond, with its refcount (handle->users). */
export interface IommuSva {
  name: string;
  dev: number;
  domain: number;
  users: number;
}

/** An IOTLB entry: a translation cached under the domain's hardware tag (ASID / DID). */
export interface IotlbEntry {
  tag: number;
  iova_pfn: number;
  paddr_pfn: number;
}

/** What the hardware tables say a (device, PASID) access goes through. */
export type HwRoute =
  | { readonly kind: 'abort' }
  | { readonly kind: 'bypass' }
  | { readonly kind: 'translate'; readonly domain: number };

/**
 * One sync of a hardware entry write still to be completed (hw_steps mode): the entry as it
 * stands after that sync, plus the whole write it belongs to (the entry before the write and
 * the entry it ends at), so that an intermediate state can be judged against both.
 */
export interface PendingHwWrite {
  dev: number;
  /** -1 for the RID (STE), else the SSID (CD). */
  ssid: number;
  /** Which structure the entry is (SMMUv3: stream table entry or context descriptor). */
  kind: 'ste' | 'cd';
  /** The entry after this sync. */
  fields: number[];
  /** The entry before the write began. */
  old: number[];
  /** The entry the write ends at. */
  target: number[];
}

/** One slot of a per-device PASID table, sorted by pasid. */
export interface PasidTableEntry {
  pasid: number;
  entry: number[];
}

/** Per-device hardware tables. Driver-specific; each driver reads only its own kind. */
export interface HwDevice {
  /**
   * SMMUv3: the STE fields; VT-d: the RID2PASID / context entry; AMD: the DTE; s390: the
   * IOAT; mock: the RID entry. Encoded by the driver (src/drivers/<driver>/).
   */
  rid: number[];
  /** Per-PASID entries: SMMUv3 CD table (per master), VT-d PASID table, AMD GCR3. */
  pasid_table: PasidTableEntry[] | null;
}

/** Per-IOMMU-instance hardware state. */
export interface HwIommu {
  iotlb: IotlbEntry[];
  /** Sync points still to run (hw_steps mode); empty when the hardware is quiescent. */
  pending: PendingHwWrite[];
  /** Entry writes completed so far, for the hitless-update invariant (SMMUv3). */
  syncs: number;
}

export interface KernelState {
  /** iommu_def_domain_type after iommu_subsys_init. */
  iommu_def_domain_type: number;
  /** iommu_dma_strict */
  iommu_dma_strict: boolean;
  groups: IommuGroup[];
  devices: DevState[];
  domains: (IommuDomain | null)[];
  /** iommu_global_pasid_ida: allocated ids, sorted. */
  global_pasids: number[];
  /**
   * Not kernel state: the callers' own copies of the global PASIDs iommu_alloc_global_pasid
   * returned to them and they have not freed (a driver's idxd->pasid), sorted, with repeats.
   * Recorded by the harness (src/check/core/emulator.ts), never read by the core, so that an
   * invariant can count holders by what each believes it holds, not by the allocator's table.
   */
  driver_pasids: number[];
  mms: MmState[];
  svas: IommuSva[];
  hw: HwIommu[];
  hwdev: HwDevice[];
  /** WARN_ON()s that fired, as "function: condition". */
  warnings: string[];
  /** Calls of each fault-injectable op so far (fail_nth counting). */
  op_calls: Record<FaultOp, number>;
  /** Ops armed by fault_inject to fail on their next call. */
  armed_faults: FaultOp[];
}

/* ------------------------------------------------------------------------------------------ */
/* Driver ops                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/**
 * struct iommu_ops and struct iommu_domain_ops, for one driver profile. Implementations live in
 * src/drivers/<driver>/ and mutate the hardware part of the state (hw, hwdev) only.
 */
export interface IommuOps {
  readonly driver: DriverName;
  /** ops->identity_domain exists (a static identity domain). */
  has_identity_domain(cfg: KernelConfig, iommu: number): boolean;
  /** ops->blocked_domain exists. */
  readonly has_blocked_domain: boolean;
  /** The driver's init (intel_iommu_init), after iommu_subsys_init and before probing. */
  init?(cfg: KernelConfig, st: KernelState, iommu: number): void;
  /** ops->def_domain_type(dev): 0 for no preference. */
  def_domain_type(cfg: KernelConfig, dev: number): number;
  /** ops->capable / device_iommu_capable. */
  capable(cfg: KernelConfig, dev: number, cap: IommuCap): boolean;
  /** Whether domain_alloc_paging accepts IOMMU_HWPT_ALLOC_PASID for this device. */
  supports_alloc_pasid(cfg: KernelConfig, dev: number): boolean;
  /** domain->ops->set_dev_pasid exists for domains of this type. */
  supports_set_dev_pasid(type: number): boolean;
  /** ops->domain_alloc_sva exists (SVA support). */
  readonly supports_sva: boolean;
  /** domain->ops->attach_dev: program the RID entry of `dev` for `domain`. */
  attach_dev(cfg: KernelConfig, st: KernelState, domain: number, dev: number): number;
  /**
   * domain->ops->set_dev_pasid: program the PASID entry. `domain` is the blocked domain to
   * remove (newest: iommu_remove_dev_pasid). `old` is the previous domain or NO_DOMAIN.
   */
  set_dev_pasid(
    cfg: KernelConfig,
    st: KernelState,
    domain: number,
    dev: number,
    pasid: number,
    old: number,
  ): number;
  /** domain->ops->free: the driver's teardown, invalidating the domain's hardware tag. */
  domain_free(cfg: KernelConfig, st: KernelState, domain: number): void;
  /** domain->ops->flush_iotlb_all and iotlb_sync: invalidate the domain's tag. */
  flush_iotlb_all(cfg: KernelConfig, st: KernelState, domain: number): void;
  /**
   * Harness, for symmetry reduction: a hardware entry of this driver (a device's RID entry, or a
   * pending write of `kind`) with the devices it names relabelled (`dev[d]` is d's image).
   * Drivers whose entries name no device omit it.
   */
  relabel_entry?(fields: number[], kind: PendingHwWrite['kind'], dev: readonly number[]): number[];
  /** Walk the hardware tables for an access from (dev, pasid). Never reads core bookkeeping. */
  walk(cfg: KernelConfig, st: KernelState, dev: number, pasid: number): HwRoute;
  /**
   * Entry updates still between syncs on this IOMMU, each saying whether the entry as it stands
   * is safe (old or new on its used bits, or invalid). Drivers without staged updates omit it.
   */
  pendingUpdates?(
    cfg: KernelConfig,
    st: KernelState,
    iommu: number,
  ): { iommu: number; dev: number; ssid: number; safe: boolean }[];
}

/** Emulator-level arguments of a call: every reference is an emulator index. */
export interface EmuArgs {
  dev: number;
  group: number;
  domain: number;
  pasid: number;
  sysfs: string;
  owner: string | null;
  buf: number;
  size: number;
  iova: number;
  mm: number;
  handle: string | null;
  iommu: number;
  op: FaultOp;
}

/** How the harness calls one kernel entry point of the vocabulary with emulator-level arguments. */
export type EntryPoint = (cfg: KernelConfig, st: KernelState, a: EmuArgs) => KernelRet;

/**
 * The entry points one emulator module mirrors, by call name (spec/calls.ts). Each module keeps
 * its table at its end; src/kernel/dispatch.ts joins them and the compiler checks that every
 * call has exactly one.
 */
export type EntryPoints<C extends CallName = CallName> = { readonly [K in C]: EntryPoint };
