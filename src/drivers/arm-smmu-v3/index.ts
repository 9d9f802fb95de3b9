/**
 * ARM SMMUv3 (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c, newest generation): static identity
 * and blocked domains, S1 paging domains with set_dev_pasid (arm_smmu_s1_set_dev_pasid), SVA
 * domains (arm-smmu-v3-sva.c), and PASID removal through the blocked domain
 * (arm_smmu_blocking_set_dev_pasid).
 *
 * Hardware: hwdev[dev].rid is the master's STE (entry.ts field array; [] before the first
 * write, which the SMMU treats like the abort STE arm_smmu_init_initial_stes() installs) and
 * hwdev[dev].pasid_table is the master's CD table, SSID 0 included, one slot per non-zero CD.
 * Every STE/CD change goes through arm_smmu_write_entry(); with `bounds.hw_steps` only its first
 * sync lands at once and the rest wait in st.hw[iommu].pending for hw_step().
 *
 * Stand-ins for what the driver takes from elsewhere: a domain's ASID and its TTB0 (the page
 * table's address, or the mm's pgd for SVA) are both `domain id + 1`, so a table walk names the
 * page table as `ttb0 - 1`; the CD table of master `dev` lives at arm_smmu_cdtab_dma(dev).
 *
 * The modelled SMMU is entry.ts's: STALLS and ATTR_TYPES_OVR, 2-level CD tables, no ATS (EATS
 * stays 0, so arm_smmu_attach_prepare/commit have no hardware effect), no S2, no nesting.
 */
import {
  __IOMMU_DOMAIN_PAGING,
  IOMMU_DOMAIN_BLOCKED,
  IOMMU_DOMAIN_IDENTITY,
  IOMMU_DOMAIN_SVA,
  isPagingType,
} from '../../../spec/domain-types.js';
import { domainKind, factsFor } from '../../../spec/drivers.js';
import { EINVAL, ENODEV, EOPNOTSUPP } from '../../../spec/errno.js';
import {
  type HwRoute,
  type IommuOps,
  type KernelConfig,
  type KernelState,
  NO_DOMAIN,
  type PendingHwWrite,
} from '../../kernel/types.js';
import { WARN_ON } from '../../kernel/warn.js';
import { hw_apply_write } from '../hw-step.js';
import { iotlbInvalidateTag } from '../iotlb.js';
import { capableFromScenario, freeDomainTag } from '../profile.js';
import {
  arm_smmu_entry_differs_in_used_bits,
  arm_smmu_get_update_safe,
  arm_smmu_make_abort_ste,
  arm_smmu_make_bypass_ste,
  arm_smmu_make_cdtable_ste,
  arm_smmu_make_s1_cd,
  arm_smmu_make_sva_cd,
  arm_smmu_write_entry,
  CD,
  CD_FIELD_QWORD,
  cd_route,
  type EntryKind,
  arm_smmu_clear_cd as make_clear_cd,
  NUM_ENTRY_QWORDS,
  type S1dss,
  STE,
  STE_FIELD_QWORD,
  STRTAB_STE_0_CFG_S1_TRANS,
  ste_route,
} from './entry.js';

/** The seeded bug: STEs rewritten qword by qword in place, never through V=0. */
export const MUTANT_STE_WITHOUT_V0 = 'ste-rewritten-without-v0';

/** Where an entry lives: the STE (ssid -1) or the CD at an SSID. */
const STE_SLOT = -1;

/* ------------------------------------------------------------------------------------------ */
/* Stand-ins                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/** smmu_domain->cd.asid: the domain id + 1 (ASID 0 is reserved). */
export function arm_smmu_domain_asid(domain: number): number {
  return domain + 1;
}

/** The page table's (or for SVA the mm pgd's) address a CD carries in TTB0: domain id + 1. */
export function arm_smmu_domain_ttb0(domain: number): number {
  return domain + 1;
}

/** master->cd_table.cdtab_dma: a distinct stand-in address per master. */
export function arm_smmu_cdtab_dma(dev: number): number {
  return (dev + 1) * 0x1000;
}

/**
 * master->cd_table.s1cdmax = master->ssid_bits: log2 of the device's PASID count, rounded up;
 * 0 when it has none.
 */
export function arm_smmu_s1cdmax(cfg: KernelConfig, dev: number): number {
  const n = cfg.devices[dev].max_pasids;
  let bits = 0;
  while (2 ** bits < n) bits++;
  return bits;
}

/* ------------------------------------------------------------------------------------------ */
/* The driver's view of its tables                                                            */
/* ------------------------------------------------------------------------------------------ */

/** The last pending write of this entry, if any: the value the driver last wrote to memory. */
function pending_target(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
  ssid: number,
): number[] | undefined {
  const pending = st.hw[cfg.devices[dev].iommu].pending;
  for (let i = pending.length - 1; i >= 0; i--) {
    const w = pending[i];
    if (w.dev === dev && w.ssid === ssid) return w.target;
  }
  return undefined;
}

/** The STE as the SMMU reads it now ([] reads as the abort STE the stream table starts with). */
function ste_now(st: KernelState, dev: number): number[] {
  const rid = st.hwdev[dev].rid;
  return rid.length > 0 ? rid : arm_smmu_make_abort_ste();
}

/** The CD at `ssid` as the SMMU reads it now (an absent slot is the cleared CD). */
function cd_now(st: KernelState, dev: number, ssid: number): number[] {
  const slot = st.hwdev[dev].pasid_table?.find((e) => e.pasid === ssid);
  return slot !== undefined ? slot.entry : make_clear_cd();
}

/** The STE as the driver wrote it (its syncs may still be pending). */
function arm_smmu_get_ste(cfg: KernelConfig, st: KernelState, dev: number): number[] {
  return pending_target(cfg, st, dev, STE_SLOT) ?? ste_now(st, dev);
}

/** The CD at `ssid` as the driver wrote it. Mirrors: arm-smmu-v3.c arm_smmu_get_cd_ptr(). */
function arm_smmu_get_cd_ptr(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
  ssid: number,
): number[] {
  return pending_target(cfg, st, dev, ssid) ?? cd_now(st, dev, ssid);
}

/**
 * master->cd_table.in_ste: the STE installed for the master points at its CD table.
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_install_ste_for_dev() (in_ste)
 */
function cd_table_in_ste(cfg: KernelConfig, st: KernelState, dev: number): boolean {
  const ste = arm_smmu_get_ste(cfg, st, dev);
  return ste[STE.V] === 1 && ste[STE.CFG] === STRTAB_STE_0_CFG_S1_TRANS;
}

/**
 * Whether a CD other than SSID 0 is valid: cd_table->used_ssids, which
 * arm_smmu_write_cd_entry() counts up and down on V for every ssid != IOMMU_NO_PASID.
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_ssids_in_use()
 */
export function arm_smmu_ssids_in_use(cfg: KernelConfig, st: KernelState, dev: number): boolean {
  const ssids = new Set<number>();
  for (const e of st.hwdev[dev].pasid_table ?? []) ssids.add(e.pasid);
  for (const w of st.hw[cfg.devices[dev].iommu].pending)
    if (w.dev === dev && w.ssid > 0) ssids.add(w.ssid);
  for (const ssid of ssids) {
    if (ssid !== 0 && arm_smmu_get_cd_ptr(cfg, st, dev, ssid)[CD.V]) return true;
  }
  return false;
}

/** iommu_get_domain_for_dev(master->dev): the group's current (RID) domain. */
function sid_domain_type(cfg: KernelConfig, st: KernelState, dev: number): number {
  const id = st.groups[cfg.devices[dev].group].domain;
  const d = id === NO_DOMAIN ? null : st.domains[id];
  return d === null || d === undefined ? IOMMU_DOMAIN_BLOCKED : d.type;
}

/* ------------------------------------------------------------------------------------------ */
/* Writing entries                                                                            */
/* ------------------------------------------------------------------------------------------ */

/**
 * The seeded bug 'ste-rewritten-without-v0': copy the target over the entry one qword at a
 * time, a sync after every qword that changed, never passing through V=0.
 */
function write_entry_qword_by_qword(
  kind: EntryKind,
  entry: readonly number[],
  target: readonly number[],
): number[][] {
  const qword = kind === 'ste' ? STE_FIELD_QWORD : CD_FIELD_QWORD;
  const cur = entry.slice();
  const steps: number[][] = [];
  for (let q = 0; q < NUM_ENTRY_QWORDS; q++) {
    let changed = false;
    for (let f = 0; f < qword.length; f++) {
      if (qword[f] === q && cur[f] !== target[f]) {
        cur[f] = target[f];
        changed = true;
      }
    }
    if (changed) steps.push(cur.slice());
  }
  return steps;
}

/**
 * Rewrite one STE or CD through arm_smmu_write_entry(), sync by sync. Without hw_steps the entry
 * lands at once (every sync counted); with hw_steps the first sync lands now (unless syncs of an
 * earlier write are still queued: the SMMU command queue runs them in order) and the rest wait
 * for hw_step().
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_write_entry()
 */
function arm_smmu_write_entry_hw(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
  ssid: number,
  kind: EntryKind,
  target: readonly number[],
): void {
  const iommu = cfg.devices[dev].iommu;
  const hw = st.hw[iommu];
  const cur =
    kind === 'ste' ? arm_smmu_get_ste(cfg, st, dev) : arm_smmu_get_cd_ptr(cfg, st, dev, ssid);
  let steps: number[][];
  if (kind === 'ste' && cfg.mutants.has(MUTANT_STE_WITHOUT_V0)) {
    steps = write_entry_qword_by_qword(kind, cur, target);
  } else {
    const res = arm_smmu_write_entry(kind, cur, target);
    for (const w of res.warnings) WARN_ON(st, true, w);
    steps = res.steps;
  }
  if (steps.length === 0) return;
  const writes: PendingHwWrite[] = steps.map((fields) => ({
    dev,
    ssid,
    kind,
    fields,
    old: cur.slice(),
    target: target.slice(),
  }));
  if (!cfg.scenario.bounds.hw_steps) {
    hw_apply_write(st, writes[writes.length - 1]);
    hw.syncs += writes.length;
    return;
  }
  if (hw.pending.length === 0) {
    hw_apply_write(st, writes[0]);
    hw.syncs++;
    hw.pending.push(...writes.slice(1));
  } else {
    hw.pending.push(...writes);
  }
}

/**
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_write_ste() via
 * arm_smmu_install_ste_for_dev() (one stream per master)
 */
function arm_smmu_install_ste_for_dev(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
  target: readonly number[],
): void {
  arm_smmu_write_entry_hw(cfg, st, dev, STE_SLOT, 'ste', target);
}

/** Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_write_cd_entry() */
function arm_smmu_write_cd_entry(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
  ssid: number,
  target: readonly number[],
): void {
  arm_smmu_write_entry_hw(cfg, st, dev, ssid, 'cd', target);
}

/**
 * Write the all-zero CD at `ssid` (nothing when the table was never allocated or the CD is
 * already clear).
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_clear_cd()
 */
export function arm_smmu_clear_cd(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
  ssid: number,
): void {
  arm_smmu_write_cd_entry(cfg, st, dev, ssid, make_clear_cd());
}

/** The master's cdtable STE with the given S1DSS. */
function make_cdtable_ste(cfg: KernelConfig, dev: number, s1dss: S1dss): number[] {
  return arm_smmu_make_cdtable_ste(arm_smmu_cdtab_dma(dev), arm_smmu_s1cdmax(cfg, dev), s1dss);
}

/* ------------------------------------------------------------------------------------------ */
/* Attaching the RID                                                                          */
/* ------------------------------------------------------------------------------------------ */

/**
 * Attach an S1 paging domain to the RID: CD 0 first, then the cdtable STE with S1DSS=SSID0.
 * Returns -EINVAL when the domain belongs to another SMMU.
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_attach_dev()
 */
export function arm_smmu_attach_dev(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  dev: number,
): number {
  if (st.domains[domain]!.iommu !== cfg.devices[dev].iommu) return -EINVAL;
  const cd = arm_smmu_make_s1_cd(arm_smmu_domain_asid(domain), arm_smmu_domain_ttb0(domain));
  arm_smmu_write_cd_entry(cfg, st, dev, 0, cd);
  arm_smmu_install_ste_for_dev(cfg, st, dev, make_cdtable_ste(cfg, dev, 'ssid0'));
  return 0;
}

/**
 * Install `ste` for the RID, or, when PASIDs still use the CD table, a cdtable STE whose S1DSS
 * gives the RID the same behaviour; then clear CD 0.
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_attach_dev_ste()
 */
function arm_smmu_attach_dev_ste(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
  ste: number[],
  s1dss: S1dss,
): void {
  const target = arm_smmu_ssids_in_use(cfg, st, dev) ? make_cdtable_ste(cfg, dev, s1dss) : ste;
  arm_smmu_install_ste_for_dev(cfg, st, dev, target);
  arm_smmu_clear_cd(cfg, st, dev, 0);
}

/** Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_attach_dev_identity() */
export function arm_smmu_attach_dev_identity(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
): number {
  arm_smmu_attach_dev_ste(cfg, st, dev, arm_smmu_make_bypass_ste(), 'bypass');
  return 0;
}

/** Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_attach_dev_blocked() */
export function arm_smmu_attach_dev_blocked(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
): number {
  arm_smmu_attach_dev_ste(cfg, st, dev, arm_smmu_make_abort_ste(), 'terminate');
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* PASIDs                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/**
 * Make sure the STE points at the CD table: if the RID sits on a plain bypass/abort STE, turn it
 * into the cdtable form with the matching S1DSS (hitless).
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_update_ste()
 */
function arm_smmu_update_ste(cfg: KernelConfig, st: KernelState, dev: number): void {
  if (cd_table_in_ste(cfg, st, dev)) return;
  const type = sid_domain_type(cfg, st, dev);
  let s1dss: S1dss = 'terminate';
  if (type === IOMMU_DOMAIN_IDENTITY) s1dss = 'bypass';
  else WARN_ON(st, type !== IOMMU_DOMAIN_BLOCKED, 'arm_smmu_update_ste: sid_domain not blocked');
  arm_smmu_install_ste_for_dev(cfg, st, dev, make_cdtable_ste(cfg, dev, s1dss));
}

/**
 * Write the CD for `pasid`, then make sure the STE uses the CD table.
 * Returns -EINVAL for a domain of another SMMU, or when the RID's STE does not use the CD table
 * and the RID domain is neither identity nor blocked (an S2 domain; not reachable here).
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_set_pasid()
 */
export function arm_smmu_set_pasid(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  dev: number,
  pasid: number,
  cd: number[],
): number {
  if (st.domains[domain]!.iommu !== cfg.devices[dev].iommu) return -EINVAL;
  const sid = sid_domain_type(cfg, st, dev);
  if (
    !cd_table_in_ste(cfg, st, dev) &&
    sid !== IOMMU_DOMAIN_IDENTITY &&
    sid !== IOMMU_DOMAIN_BLOCKED
  )
    return -EINVAL;
  cd[CD.ASID] = arm_smmu_domain_asid(domain);
  arm_smmu_write_cd_entry(cfg, st, dev, cfg.mutants.has('cd-written-at-ssid0') ? 0 : pasid, cd);
  arm_smmu_update_ste(cfg, st, dev);
  for (const other of cdTableSharers(cfg, st, dev)) {
    arm_smmu_write_cd_entry(cfg, st, other, pasid, cd.slice());
    arm_smmu_update_ste(cfg, st, other);
  }
  return 0;
}

/**
 * Design variant (debate 004, the pre-2023 layout): the CD table belongs to the S1 domain, so
 * every master attached to the same RID domain shares it, and a PASID written for one master
 * appears on all of them. Upstream (Michael Shavit's series) moved the table into the master.
 */
function cdTableSharers(cfg: KernelConfig, st: KernelState, dev: number): number[] {
  if (!cfg.variant.has('smmu-cd-table-per-domain')) return [];
  const rid = st.groups[cfg.devices[dev].group].domain;
  const d = st.domains[rid];
  if (d === null || d === undefined || !(d.type & __IOMMU_DOMAIN_PAGING)) return [];
  return cfg.devices
    .filter(
      (o) =>
        o.index !== dev && o.iommu === cfg.devices[dev].iommu && st.groups[o.group].domain === rid,
    )
    .map((o) => o.index);
}

/** Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_s1_set_dev_pasid() */
export function arm_smmu_s1_set_dev_pasid(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  dev: number,
  pasid: number,
): number {
  if (st.domains[domain]!.iommu !== cfg.devices[dev].iommu) return -EINVAL;
  const cd = arm_smmu_make_s1_cd(arm_smmu_domain_asid(domain), arm_smmu_domain_ttb0(domain));
  return arm_smmu_set_pasid(cfg, st, domain, dev, pasid, cd);
}

/**
 * An SVA domain at `pasid`: the CPU's TCR/MAIR and the mm's pgd (stand-in: domain id + 1).
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-sva.c arm_smmu_sva_set_dev_pasid()
 */
export function arm_smmu_sva_set_dev_pasid(
  cfg: KernelConfig,
  st: KernelState,
  domain: number,
  dev: number,
  pasid: number,
): number {
  const cd = arm_smmu_make_sva_cd(arm_smmu_domain_asid(domain), arm_smmu_domain_ttb0(domain));
  return arm_smmu_set_pasid(cfg, st, domain, dev, pasid, cd);
}

/**
 * PASID removal: clear the CD; when no PASID uses the CD table any more and the RID is on the
 * identity or blocked domain, re-attach it so the STE drops back to plain bypass/abort.
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_blocking_set_dev_pasid()
 */
export function arm_smmu_blocking_set_dev_pasid(
  cfg: KernelConfig,
  st: KernelState,
  dev: number,
  pasid: number,
): number {
  arm_smmu_clear_cd(cfg, st, dev, pasid);
  for (const other of cdTableSharers(cfg, st, dev)) arm_smmu_clear_cd(cfg, st, other, pasid);
  if (!arm_smmu_ssids_in_use(cfg, st, dev)) {
    const type = sid_domain_type(cfg, st, dev);
    if (type === IOMMU_DOMAIN_IDENTITY) arm_smmu_attach_dev_identity(cfg, st, dev);
    else if (type === IOMMU_DOMAIN_BLOCKED) arm_smmu_attach_dev_blocked(cfg, st, dev);
  }
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Invalidation                                                                               */
/* ------------------------------------------------------------------------------------------ */

/**
 * TLBI by the domain's ASID (the IOTLB tag is the domain id).
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_tlb_inv_context()
 */
export function arm_smmu_tlb_inv_context(cfg: KernelConfig, st: KernelState, domain: number): void {
  iotlbInvalidateTag(cfg, st, st.domains[domain]!.iommu, domain);
}

/**
 * Paging domains: free_io_pgtable_ops() flushes the whole context (io_pgtable_tlb_flush_all ->
 * arm_smmu_tlb_inv_context) before the ASID is released; SVA domains invalidate their ASID
 * (arm_smmu_sva_domain_free). Honours the 'missed-invalidation-on-free' mutant.
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_domain_free_paging()
 */
export function arm_smmu_domain_free(cfg: KernelConfig, st: KernelState, domain: number): void {
  freeDomainTag(cfg, st, domain);
}

/* ------------------------------------------------------------------------------------------ */
/* What the SMMU does with an access, and the hitless check                                   */
/* ------------------------------------------------------------------------------------------ */

/**
 * The SMMU's table walk for (dev, pasid): the STE (ste_route), then the CD (cd_route); a CD
 * translating through TTB0 names the page table `ttb0 - 1`. Faults abort. Reads only the
 * hardware tables.
 */
export function arm_smmu_hw_walk(st: KernelState, dev: number, pasid: number): HwRoute {
  const h = st.hwdev[dev];
  const r = ste_route(h.rid, pasid === 0 ? null : pasid);
  switch (r.kind) {
    case 'abort':
      return { kind: 'abort' };
    case 'bypass':
      return { kind: 'bypass' };
    case 's2':
      // Not built by this driver model (no S2 domains); the VTTBR names the page table.
      return { kind: 'translate', domain: r.s2ttb - 1 };
    case 'cd':
      break;
  }
  if (r.cdtab !== arm_smmu_cdtab_dma(dev)) return { kind: 'abort' };
  const slot = h.pasid_table?.find((e) => e.pasid === r.ssid);
  if (slot === undefined) return { kind: 'abort' };
  const c = cd_route(slot.entry);
  if (c.kind === 'fault') return { kind: 'abort' };
  return { kind: 'translate', domain: c.ttb0 - 1 };
}

/**
 * Whether an entry between syncs is safe: invalid (V=0), or equal to the old or the target entry
 * on the fields its own configuration uses (less the update_safe fields), as the KUnit writer
 * checks every sync.
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-test.c arm_smmu_test_writer_record_syncs()
 */
export function arm_smmu_entry_is_safe(
  kind: EntryKind,
  now: readonly number[],
  old: readonly number[],
  target: readonly number[],
): boolean {
  const v = kind === 'ste' ? STE.V : CD.V;
  if (!now[v]) return true;
  const safe_old = arm_smmu_get_update_safe(kind, now, old);
  const safe_target = arm_smmu_get_update_safe(kind, now, target);
  return (
    !arm_smmu_entry_differs_in_used_bits(kind, now, old, safe_old) ||
    !arm_smmu_entry_differs_in_used_bits(kind, now, target, safe_target)
  );
}

/** Every entry with syncs still pending on `iommu`, judged against the write in progress. */
export function arm_smmu_pending_updates(
  st: KernelState,
  iommu: number,
): { iommu: number; dev: number; ssid: number; safe: boolean }[] {
  const out: { iommu: number; dev: number; ssid: number; safe: boolean }[] = [];
  const seen = new Set<string>();
  for (const w of st.hw[iommu].pending) {
    const key = `${w.dev}:${w.ssid}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const now = w.ssid < 0 ? ste_now(st, w.dev) : cd_now(st, w.dev, w.ssid);
    out.push({
      iommu,
      dev: w.dev,
      ssid: w.ssid,
      safe: arm_smmu_entry_is_safe(w.kind, now, w.old, w.target),
    });
  }
  return out;
}

/* ------------------------------------------------------------------------------------------ */
/* The ops                                                                                    */
/* ------------------------------------------------------------------------------------------ */

export function armSmmuV3Ops(
  iommuIndex: number,
  variant: ReadonlySet<string> = new Set(),
): IommuOps {
  const p = factsFor('arm-smmu-v3', variant);
  return {
    driver: 'arm-smmu-v3',
    has_identity_domain: (cfg, iommu) => p.has_identity_domain(cfg.scenario.iommus[iommu]),
    has_blocked_domain: p.has_blocked_domain,
    def_domain_type: (cfg, dev) =>
      p.def_domain_type(cfg.scenario, cfg.scenario.devices[dev], cfg.devices[dev].max_pasids),
    capable: (cfg, dev, cap) => capableFromScenario(cfg, dev, cap, iommuIndex),
    supports_alloc_pasid: () => p.supports_alloc_pasid,
    supports_set_dev_pasid: (type) => p.set_dev_pasid.includes(domainKind(type)),
    supports_sva: p.supports_sva,
    attach_dev(cfg, st, domain, dev) {
      const d = st.domains[domain]!;
      if (d.iommu !== cfg.devices[dev].iommu) return -EINVAL;
      if (d.type === IOMMU_DOMAIN_IDENTITY) return arm_smmu_attach_dev_identity(cfg, st, dev);
      if (d.type === IOMMU_DOMAIN_BLOCKED) return arm_smmu_attach_dev_blocked(cfg, st, dev);
      if (isPagingType(d.type)) return arm_smmu_attach_dev(cfg, st, domain, dev);
      // SVA domain ops have no attach_dev (the core's __iommu_attach_device: -ENODEV).
      return -ENODEV;
    },
    set_dev_pasid(cfg, st, domain, dev, pasid, _old) {
      const d = st.domains[domain]!;
      if (d.iommu !== cfg.devices[dev].iommu) return -EINVAL;
      if (pasid >= cfg.devices[dev].max_pasids) return -EINVAL;
      if (d.type === IOMMU_DOMAIN_BLOCKED)
        return arm_smmu_blocking_set_dev_pasid(cfg, st, dev, pasid);
      if (d.type === IOMMU_DOMAIN_SVA)
        return arm_smmu_sva_set_dev_pasid(cfg, st, domain, dev, pasid);
      if (isPagingType(d.type)) return arm_smmu_s1_set_dev_pasid(cfg, st, domain, dev, pasid);
      return -EOPNOTSUPP;
    },
    domain_free: arm_smmu_domain_free,
    flush_iotlb_all: arm_smmu_tlb_inv_context,
    walk: (_cfg, st, dev, pasid) => arm_smmu_hw_walk(st, dev, pasid),
    pendingUpdates: (_cfg, st, iommu) => arm_smmu_pending_updates(st, iommu),
    relabel_entry: (fields, kind, dev) => (kind === 'ste' ? relabelSte(fields, dev) : fields),
  };
}

/**
 * An STE with its CD table pointer moved to the image master's table: S1ContextPtr is the
 * master's CD table address (arm_smmu_cdtab_dma(dev)); CDs carry ASID/TTB0 (domain ids) only.
 */
function relabelSte(ste: number[], dev: readonly number[]): number[] {
  const ptr = ste[STE.S1CTXPTR];
  if (ptr === undefined || ptr % 0x1000 !== 0) return ste;
  const d = ptr / 0x1000 - 1;
  if (d < 0 || d >= dev.length || arm_smmu_cdtab_dma(d) !== ptr) return ste;
  const out = ste.slice();
  out[STE.S1CTXPTR] = arm_smmu_cdtab_dma(dev[d]);
  return out;
}
